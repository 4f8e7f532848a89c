package vocab

import (
	"fmt"
	"strconv"
	"strings"
)

// Proto is an IP protocol number (IANA "Assigned Internet Protocol
// Numbers"). The zero value is IPv6 hop-by-hop options, never a payload
// protocol, so a Summary says with its IP version whether Proto is valid.
type Proto uint8

// IP protocol numbers portsift treats specially.
const (
	ICMP   Proto = 1
	IPIP   Proto = 4 // IP-in-IP
	TCP    Proto = 6
	UDP    Proto = 17
	IPv6   Proto = 41 // IPv6-in-IPv4
	GRE    Proto = 47
	ESP    Proto = 50
	AH     Proto = 51
	ICMPv6 Proto = 58
	SCTP   Proto = 132
)

var protoNames = [256]string{
	0: "hopopt", 1: "icmp", 2: "igmp", 4: "ipip", 6: "tcp", 8: "egp", 9: "igp", 17: "udp",
	27: "rdp", 33: "dccp", 41: "ipv6", 43: "ipv6-route", 44: "ipv6-frag", 46: "rsvp", 47: "gre",
	50: "esp", 51: "ah", 58: "icmpv6", 59: "ipv6-nonxt", 60: "ipv6-opts", 88: "eigrp", 89: "ospf",
	94: "ipip-ka9q", 97: "etherip", 98: "encap", 103: "pim", 108: "ipcomp", 112: "vrrp", 115: "l2tp",
	124: "isis", 132: "sctp", 135: "mobility", 136: "udplite", 137: "mpls-in-ip", 139: "hip",
	140: "shim6", 143: "ethernet",
}

// String returns the protocol's lower-case keyword ("tcp", "gre") or its
// number when it has none.
func (p Proto) String() string {
	if n := protoNames[p]; n != "" {
		return n
	}
	return strconv.Itoa(int(p))
}

// MarshalText implements encoding.TextMarshaler.
func (p Proto) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParsePortProto]:
// the protocols that reports and port registries name are the ones with
// ports.
func (p *Proto) UnmarshalText(b []byte) error {
	v, err := ParsePortProto(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// HasPorts reports whether the protocol's header starts with 16-bit source
// and destination ports that portsift counts (TCP, UDP, SCTP).
func (p Proto) HasPorts() bool { return p == TCP || p == UDP || p == SCTP }

// PortProtos are the protocols with ports, in the order reports and port
// tables list them.
var PortProtos = [...]Proto{TCP, UDP, SCTP}

// ParsePortProto parses "tcp", "udp" or "sctp" in any case.
func ParsePortProto(s string) (Proto, error) {
	switch strings.ToLower(s) {
	case "tcp":
		return TCP, nil
	case "udp":
		return UDP, nil
	case "sctp":
		return SCTP, nil
	}
	return 0, fmt.Errorf("unknown protocol %q (want tcp, udp or sctp)", s)
}
