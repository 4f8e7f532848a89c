package registry

import (
	"fmt"
	"strconv"
	"strings"
)

// Proto is an IANA protocol number. The registry knows TCP, UDP and SCTP;
// other values are valid but have no entries.
type Proto uint8

// Transport protocols the registry has port tables for.
const (
	TCP  Proto = 6
	UDP  Proto = 17
	SCTP Proto = 132
)

// protos lists the protocols with a table, in the order their tables are
// stored and their entries are sorted.
var protos = [...]Proto{TCP, UDP, SCTP}

// table returns the index of p's table in Registry.idx, or -1.
func (p Proto) table() int {
	switch p {
	case TCP:
		return 0
	case UDP:
		return 1
	case SCTP:
		return 2
	}
	return -1
}

// String returns "tcp", "udp" or "sctp", and "proto-N" for other numbers.
func (p Proto) String() string {
	switch p {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	case SCTP:
		return "sctp"
	}
	return "proto-" + strconv.Itoa(int(p))
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (p Proto) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParseProto].
func (p *Proto) UnmarshalText(b []byte) error {
	v, err := ParseProto(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// ParseProto parses "tcp", "udp" or "sctp" in any case.
func ParseProto(s string) (Proto, error) {
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

// Risk says how much attention traffic on a port deserves.
type Risk uint8

// Risk levels. RiskNote marks a mainstream service port that attackers or
// trojans also use; RiskAlert marks port 0 and ports whose only notable use
// is malware or backdoors.
const (
	RiskNone Risk = iota
	RiskNote
	RiskAlert
)

// String returns "", "note" or "alert".
func (r Risk) String() string {
	switch r {
	case RiskNote:
		return "note"
	case RiskAlert:
		return "alert"
	case RiskNone:
		return ""
	}
	return "risk-" + strconv.Itoa(int(r))
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (r Risk) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts "", "note"
// and "alert".
func (r *Risk) UnmarshalText(b []byte) error {
	switch string(b) {
	case "":
		*r = RiskNone
	case "note":
		*r = RiskNote
	case "alert":
		*r = RiskAlert
	default:
		return fmt.Errorf("unknown risk %q (want note or alert)", b)
	}
	return nil
}
