package decode

import "strconv"

// Proto is an IP protocol number (IANA "Assigned Internet Protocol Numbers").
// It is only meaningful when a Summary's bucket says an IP header was decoded.
type Proto uint8

// IP protocol numbers portsift treats specially.
const (
	ProtoICMP   Proto = 1
	ProtoIPv4   Proto = 4 // IP-in-IP
	ProtoTCP    Proto = 6
	ProtoUDP    Proto = 17
	ProtoIPv6   Proto = 41 // IPv6-in-IPv4
	ProtoGRE    Proto = 47
	ProtoESP    Proto = 50
	ProtoAH     Proto = 51
	ProtoICMPv6 Proto = 58
	ProtoSCTP   Proto = 132
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

// HasPorts reports whether the protocol's header starts with 16-bit source
// and destination ports that portsift counts (TCP, UDP, SCTP).
func (p Proto) HasPorts() bool { return p == ProtoTCP || p == ProtoUDP || p == ProtoSCTP }

// Bucket is the top-level counter a frame lands in. Every frame lands in
// exactly one bucket, so the buckets add up to the number of frames.
type Bucket uint8

// The buckets, in report order.
const (
	BucketTCP       Bucket = iota // TCP header's ports were captured
	BucketUDP                     // UDP header's ports were captured
	BucketSCTP                    // SCTP header's ports were captured
	BucketFragment                // IP fragment other than the first: no transport header
	BucketICMP                    // ICMP or ICMPv6 (a quoted header inside is not counted)
	BucketOtherIP                 // any other IP protocol (GRE, ESP, OSPF, IP-in-IP, ...)
	BucketNonIP                   // no IP header: ARP, LLDP, unknown link type, ...
	BucketTruncated               // the capture ends before the ports (or before a header the decoder needed)
	BucketMalformed               // a header is invalid (bad version, bad length, ...)
	NumBuckets
)

var bucketNames = [NumBuckets]string{"tcp", "udp", "sctp", "fragment", "icmp", "other-ip", "non-ip", "truncated", "malformed"}

// String returns the bucket's name as used in reports ("other-ip").
func (b Bucket) String() string {
	if b < NumBuckets {
		return bucketNames[b]
	}
	return "bucket-" + strconv.Itoa(int(b))
}

// MarshalText implements encoding.TextMarshaler.
func (b Bucket) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// ParseBucket returns the bucket named s.
func ParseBucket(s string) (Bucket, bool) {
	for i, n := range bucketNames {
		if n == s {
			return Bucket(i), true
		}
	}
	return 0, false
}
