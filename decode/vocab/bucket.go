package vocab

import "strconv"

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
