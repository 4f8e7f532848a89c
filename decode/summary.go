package decode

import (
	"net/netip"

	"github.com/portsift/portsift/decode/vocab"
)

// TCP flag bits as they appear in Summary.TCPFlags (byte 13 of the TCP header).
const (
	TCPFin = 0x01
	TCPSyn = 0x02
	TCPRst = 0x04
	TCPPsh = 0x08
	TCPAck = 0x10
)

// SCTP chunk types that start an association.
const (
	SCTPChunkInit    = 1
	SCTPChunkInitAck = 2
)

// Summary is the part of a frame that classify needs. It is a value: copying
// it is cheap and it holds no reference to the frame. The zero value is an
// empty summary; Decoder.Decode overwrites every field.
type Summary struct {
	// Bucket is the counter the frame lands in. Always valid.
	Bucket vocab.Bucket

	// Proto is the IP protocol of the outermost IP header's payload (after
	// IPv6 extension headers). Valid iff IPVersion != 0.
	Proto vocab.Proto

	// IPVersion is 4 or 6 when an IP header was decoded, else 0.
	IPVersion uint8

	// Src and Dst are the outermost IP addresses, valid iff IPVersion != 0.
	// Their ports are zero unless Bucket is BucketTCP, BucketUDP or BucketSCTP.
	Src, Dst netip.AddrPort

	// TCPFlags holds the TCP flag byte (TCPSyn, TCPAck, ...). Valid iff
	// Bucket == BucketTCP and HasFlags.
	TCPFlags uint8

	// HasFlags reports whether the TCP flag byte (or the SCTP first chunk
	// type) was captured.
	HasFlags bool

	// SCTPChunk is the type of the first SCTP chunk (SCTPChunkInit, ...).
	// Valid iff Bucket == BucketSCTP and HasFlags.
	SCTPChunk uint8

	// Short reports that the transport header was cut by the capture but its
	// ports were read (Bucket is TCP, UDP or SCTP).
	Short bool

	// Fragment reports that the IP packet is a fragment (MF set or a
	// non-zero offset). A first fragment (FragOffset 0) carries the ports and
	// is counted in its transport bucket; later ones are BucketFragment.
	Fragment bool
	// FragMore is the fragment's More Fragments flag: false on the last
	// fragment of a datagram. Valid iff Fragment.
	FragMore bool
	// FragLen is the length of the fragment's share of the datagram, as its
	// IP header declares it (not as captured): the datagram is whole when
	// the fragments' lengths add up to the last one's FragOffset+FragLen.
	// Valid iff Fragment.
	FragLen uint16
	// FragID is the IP identification (IPv4: 16 bits; IPv6: 32 bits). Valid iff Fragment.
	FragID uint32
	// FragOffset is the fragment offset in bytes. Valid iff Fragment.
	FragOffset uint16

	// Tunnel is the outermost tunnel the frame travels in (TunnelNone if
	// none was recognised), in both modes: without Decap the frame is
	// described by the tunnel's outer packet, with Decap by its innermost.
	Tunnel Tunnel
	// Decap is the number of tunnel levels opened (0 without Decap).
	Decap uint8
	// InnerDamaged reports that a tunnel's inner packet was cut or invalid,
	// so the frame is described by the last good (outer) level.
	InnerDamaged bool
	// DepthExceeded reports that Decap stopped at the depth limit.
	DepthExceeded bool

	// EtherType is the type of the last link-layer header when Bucket is
	// BucketNonIP (0x0806 for ARP; 0 when the link type itself is unknown or
	// the frame is 802.3 LLC). For other buckets it is undefined.
	EtherType vocab.EtherType
}

// IsFirstFragment reports whether s is the first fragment of a fragmented
// IP packet (it carries the transport header).
func (s *Summary) IsFirstFragment() bool { return s.Fragment && s.FragOffset == 0 }
