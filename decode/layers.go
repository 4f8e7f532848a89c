package decode

import (
	"encoding/binary"
	"errors"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/portsift/portsift/decode/vocab"
)

// Errors the decoding layers return. They are sentinels (no allocation) and
// tell the decoder which bucket a failed frame lands in.
var (
	errShort = errors.New("header cut short") // -> BucketTruncated
	errBad   = errors.New("invalid header")   // -> BucketMalformed
)

// layerTypeSLL2 is Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276), which
// gopacket v1.1.19 lacks. 1276 is outside the range gopacket's own layers use.
// It is not registered with gopacket.RegisterLayerType: a DecodingLayerParser
// only compares layer types, and importing decode must not write into
// gopacket's global tables (another package may have registered 1276).
const layerTypeSLL2 gopacket.LayerType = 1276

// ipState is what the IP layers tell the transport step: the protocol of
// the payload after the last header walked, that payload, and fragment data.
// It is reset for every frame.
type ipState struct {
	version  uint8
	proto    uint8
	payload  []byte
	fragment bool
	fragMore bool
	fragID   uint32
	fragOff  uint16
	fragLen  uint16 // the fragment's declared share of the datagram
	// declLen is the declared length of payload (IPv6: after the extension
	// headers walked so far); for the fragment header's fragLen.
	declLen int
	// declaredCut is set when the IP header declares more bytes than were
	// captured, so a short transport header means truncated, not malformed.
	declaredCut bool
}

// ethernet wraps gopacket's Ethernet to tell a cut header from a bad one
// and to walk the EtherType shims (shims) to the EtherType that names the
// payload.
type ethernet struct{ layers.Ethernet }

func (e *ethernet) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 14 {
		return errShort
	}
	if err := e.Ethernet.DecodeFromBytes(data, df); err != nil {
		return err
	}
	// gopacket keeps 0 (LLC) for an 802.3 length: the shims need the length.
	return skipShims(binary.BigEndian.Uint16(data[12:14]), &e.EthernetType, &e.Payload)
}

func (e *ethernet) NextLayerType() gopacket.LayerType { return etherNext(uint16(e.EthernetType)) }

// dot1q wraps gopacket's Dot1Q (802.1Q and 802.1ad QinQ tags); the
// EtherType behind a tag may be a shim too.
type dot1q struct{ layers.Dot1Q }

func (d *dot1q) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 4 {
		return errShort
	}
	if err := d.Dot1Q.DecodeFromBytes(data, df); err != nil {
		return err
	}
	return skipShims(uint16(d.Type), &d.Type, &d.Payload)
}

func (d *dot1q) NextLayerType() gopacket.LayerType { return etherNext(uint16(d.Type)) }

// EtherTypes of the shims: headers between a MAC header and the protocol
// it carries.
const (
	etherTypeVNTag  = 0x8926 // Cisco VN-Tag: 4 bytes, then the EtherType
	etherTypeMACsec = 0x88e5 // IEEE 802.1AE SecTAG
)

func isShim(et uint16) bool { return et < 0x0600 || et == etherTypeVNTag || et == etherTypeMACsec }

// skipShims walks the shims after a header whose EtherType field holds
// et, leaving in *typ and *payload the EtherType and payload past them.
func skipShims(et uint16, typ *layers.EthernetType, payload *[]byte) error {
	if !isShim(et) {
		return nil
	}
	t, p, err := shims(et, *payload)
	if err != nil {
		return err
	}
	*typ, *payload = layers.EthernetType(t), p
	return nil
}

// shims walks from EtherType et with payload p over the headers that only
// stand in front of another EtherType, as tshark's dissectors do:
//   - an 802.3 length with an LLC/SNAP header (aa aa 03) of OUI 00-00-00
//     (RFC 1042) or 00-00-f8 (802.1H), which carries an EtherType; other
//     LLC frames (STP, CDP, NetBIOS) end as EtherType 0, "llc";
//   - VN-Tag (0x8926);
//   - MACsec (0x88e5) whose SecTAG says the data is neither encrypted nor
//     changed (E and C clear: integrity only), so the EtherType of the
//     protected frame follows it. Encrypted MACsec stays 0x88e5: the
//     frame is counted as non-ip "macsec".
//
// A shim cut short is errShort. At most 8 shims are walked.
func shims(et uint16, p []byte) (uint16, []byte, error) {
	for range 8 {
		switch {
		case et < 0x0600:
			if len(p) < 8 || p[0] != 0xaa || p[1] != 0xaa || p[2] != 0x03 || p[3] != 0 || p[4] != 0 || (p[5] != 0 && p[5] != 0xf8) {
				return 0, p, nil
			}
			et, p = binary.BigEndian.Uint16(p[6:8]), p[8:]
		case et == etherTypeVNTag:
			if len(p) < 6 {
				return et, p, errShort
			}
			et, p = binary.BigEndian.Uint16(p[4:6]), p[6:]
		case et == etherTypeMACsec:
			if len(p) < 6 {
				return et, p, errShort
			}
			tci := p[0]
			if tci&0x0c != 0 { // E or C: encrypted or modified
				return et, p, nil
			}
			n := 6
			if tci&0x20 != 0 { // SC: an explicit 8-byte secure channel identifier
				n += 8
			}
			if len(p) < n+2 {
				return et, p, errShort
			}
			et, p = binary.BigEndian.Uint16(p[n:n+2]), p[n+2:]
		default:
			return et, p, nil
		}
	}
	return et, p, nil
}

// loopback is the BSD loopback header (LINKTYPE_NULL, 0, and LOOP, 108):
// a 4-byte value that is an address family (2 IPv4; 24, 28, 30 IPv6 on the
// BSDs, 10 on Linux) in the writer's byte order, or, written by some
// tunnel drivers, an EtherType. It is read as Wireshark's packet-null.c
// reads it: the byte order that makes the value small wins (a 16-bit value
// in either half is recognised too), a value above 1500 (the 802.3 maximum
// length) is an EtherType, and a frame starting ff 03 is PPP in HDLC-like
// framing. An unknown family is not IP (non-ip), never malformed.
type loopback struct {
	layers.BaseLayer
	family uint32             // the address family, or the EtherType when above 1500
	next   gopacket.LayerType // what follows
}

func (l *loopback) LayerType() gopacket.LayerType     { return layers.LayerTypeLoopback }
func (l *loopback) CanDecode() gopacket.LayerClass    { return layers.LayerTypeLoopback }
func (l *loopback) NextLayerType() gopacket.LayerType { return l.next }

// etherType is the EtherType the header carries, or 0 for an address family.
func (l *loopback) etherType() uint16 {
	if l.family > 1500 && l.family <= 0xffff {
		return uint16(l.family)
	}
	return 0
}

func (l *loopback) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) >= 2 && data[0] == 0xff && data[1] == 0x03 {
		l.family, l.next = 0, layers.LayerTypePPP
		l.BaseLayer = layers.BaseLayer{Payload: data}
		return nil
	}
	if len(data) < 4 {
		return errShort
	}
	v := binary.LittleEndian.Uint32(data[:4])
	if v&0xffff0000 != 0 {
		if v&0xff000000 == 0 && v&0x00ff0000 < 0x00060000 {
			v >>= 16
		} else {
			v = binary.BigEndian.Uint32(data[:4])
		}
	} else if v&0xff == 0 && v&0xff00 < 0x0600 {
		v = uint32(binary.BigEndian.Uint16(data[:2]))
	}
	l.family = v
	switch {
	case v > 1500:
		l.next = etherNext(uint16(v))
		if v > 0xffff {
			l.next = gopacket.LayerTypePayload
		}
	case v == 2:
		l.next = layers.LayerTypeIPv4
	case v == 10 || v == 24 || v == 28 || v == 30:
		l.next = layers.LayerTypeIPv6
	default:
		l.next = gopacket.LayerTypePayload
	}
	l.BaseLayer = layers.BaseLayer{Contents: data[:4], Payload: data[4:]}
	return nil
}

// sll is Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113): packet type u16,
// ARPHRD u16, address length u16, address 8 bytes, protocol u16. Our own
// because gopacket v1.1.19's LinuxSLL panics on an address length of 0xFFFF.
type sll struct {
	layers.BaseLayer
	proto uint16
}

func (s *sll) LayerType() gopacket.LayerType     { return layers.LayerTypeLinuxSLL }
func (s *sll) CanDecode() gopacket.LayerClass    { return layers.LayerTypeLinuxSLL }
func (s *sll) NextLayerType() gopacket.LayerType { return cookedNext(s.proto) }

func (s *sll) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 16 {
		return errShort
	}
	s.proto = binary.BigEndian.Uint16(data[14:16])
	s.BaseLayer = layers.BaseLayer{Contents: data[:16], Payload: data[16:]}
	return nil
}

// sll2 is Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276): protocol u16,
// reserved u16, interface index u32, ARPHRD u16, packet type u8, address
// length u8, address 8 bytes.
type sll2 struct {
	layers.BaseLayer
	proto uint16
}

func (s *sll2) LayerType() gopacket.LayerType     { return layerTypeSLL2 }
func (s *sll2) CanDecode() gopacket.LayerClass    { return layerTypeSLL2 }
func (s *sll2) NextLayerType() gopacket.LayerType { return cookedNext(s.proto) }

func (s *sll2) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 20 {
		return errShort
	}
	s.proto = binary.BigEndian.Uint16(data[0:2])
	s.BaseLayer = layers.BaseLayer{Contents: data[:20], Payload: data[20:]}
	return nil
}

// cookedNext maps a cooked header's protocol to the next layer. Values below
// 0x0600 are Linux's pseudo-protocols (802.3, 802.2 LLC, ...): not IP.
func cookedNext(proto uint16) gopacket.LayerType { return etherNext(proto) }

// mpls walks an MPLS label stack to its bottom and guesses the payload from
// the first nibble (4: IPv4, 6: IPv6), as routers and tshark do.
type mpls struct {
	layers.BaseLayer
	next gopacket.LayerType
}

func (m *mpls) LayerType() gopacket.LayerType     { return layers.LayerTypeMPLS }
func (m *mpls) CanDecode() gopacket.LayerClass    { return layers.LayerTypeMPLS }
func (m *mpls) NextLayerType() gopacket.LayerType { return m.next }

func (m *mpls) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	n := 0
	for {
		if len(data) < n+4 {
			return errShort
		}
		bottom := data[n+2]&0x01 != 0
		n += 4
		if bottom {
			break
		}
	}
	m.BaseLayer = layers.BaseLayer{Contents: data[:n], Payload: data[n:]}
	m.next = gopacket.LayerTypePayload
	if len(data) > n {
		switch data[n] >> 4 {
		case 4:
			m.next = layers.LayerTypeIPv4
		case 6:
			m.next = layers.LayerTypeIPv6
		case 0:
			// An Ethernet pseudowire's control word (RFC 4448: first
			// nibble 0, flags, sequence number), then the customer's
			// Ethernet frame, as tshark's pwethcw heuristic reads it. A
			// payload too short for the word and an Ethernet header is
			// not taken for one.
			if len(data) >= n+4+14 {
				m.Contents, m.Payload = data[:n+4], data[n+4:]
				m.next = layers.LayerTypeEthernet
			}
		}
	}
	return nil
}

// pppoe is a PPPoE session header (EtherType 0x8864): version/type, code,
// session id, length; a PPP protocol field follows.
type pppoe struct {
	layers.BaseLayer
}

func (p *pppoe) LayerType() gopacket.LayerType     { return layers.LayerTypePPPoE }
func (p *pppoe) CanDecode() gopacket.LayerClass    { return layers.LayerTypePPPoE }
func (p *pppoe) NextLayerType() gopacket.LayerType { return layers.LayerTypePPP }

func (p *pppoe) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 6 {
		return errShort
	}
	if data[0] != 0x11 {
		return errBad
	}
	payload := data[6:]
	if n := int(binary.BigEndian.Uint16(data[4:6])); n < len(payload) {
		payload = payload[:n] // strip Ethernet padding
	}
	p.BaseLayer = layers.BaseLayer{Contents: data[:6], Payload: payload}
	return nil
}

// ppp is a PPP header as found in LINKTYPE_PPP and PPPoE: an optional
// address/control pair 0xff 0x03, then a 1- or 2-byte protocol field
// (protocol-field compression makes it 1 byte when the first byte is odd).
type ppp struct {
	layers.BaseLayer
	proto uint16
}

// PPP protocol numbers that carry IP or MPLS.
const (
	pppIPv4 = 0x0021
	pppIPv6 = 0x0057
	pppMPLS = 0x0281
)

func (p *ppp) LayerType() gopacket.LayerType  { return layers.LayerTypePPP }
func (p *ppp) CanDecode() gopacket.LayerClass { return layers.LayerTypePPP }

func (p *ppp) NextLayerType() gopacket.LayerType {
	switch p.proto {
	case pppIPv4:
		return layers.LayerTypeIPv4
	case pppIPv6:
		return layers.LayerTypeIPv6
	case pppMPLS:
		return layers.LayerTypeMPLS
	}
	return gopacket.LayerTypePayload
}

func (p *ppp) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	n := 0
	if len(data) >= 2 && data[0] == 0xff && data[1] == 0x03 {
		n = 2
	}
	if len(data) < n+1 {
		return errShort
	}
	if data[n]&1 == 1 { // compressed protocol field
		p.proto = uint16(data[n])
		n++
	} else {
		if len(data) < n+2 {
			return errShort
		}
		p.proto = binary.BigEndian.Uint16(data[n : n+2])
		n += 2
	}
	p.BaseLayer = layers.BaseLayer{Contents: data[:n], Payload: data[n:]}
	return nil
}

// ipv4 is gopacket's IPv4 with our own DecodeFromBytes. It checks the
// version nibble, records the payload and fragment fields in st, and stops
// the parser after the IP header (the outermost transport header is read by
// the Decoder, and an IP-in-IP payload is not followed), except for an AH
// header.
//
// The options are not parsed: the header length (IHL) says where the
// payload starts, which is all that routing, tcpdump and tshark need, and
// an option with a bad length inside a header whose IHL and total length
// are valid must not cost the frame its ports (gopacket's own parser
// rejects it, and allocates for every option besides).
type ipv4 struct {
	layers.IPv4
	st *ipState
}

func (ip *ipv4) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 20 {
		return errShort
	}
	if data[0]>>4 != 4 {
		return errBad
	}
	hl := int(data[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(data[2:4]))
	if total == 0 { // TSO capture: the length is what was captured
		total = len(data)
	}
	switch {
	case hl < 20 || total < hl:
		return errBad
	case hl > len(data):
		return errShort
	}
	st := ip.st
	if total < len(data) {
		data = data[:total] // Ethernet padding
	} else if total > len(data) {
		st.declaredCut = true
		df.SetTruncated()
	}
	ff := binary.BigEndian.Uint16(data[6:8])
	ip.Version, ip.IHL, ip.TOS = 4, uint8(hl/4), data[1]
	ip.Length, ip.Id = uint16(total), binary.BigEndian.Uint16(data[4:6])
	ip.Flags, ip.FragOffset = layers.IPv4Flag(ff>>13), ff&0x1fff
	ip.TTL, ip.Protocol = data[8], layers.IPProtocol(data[9])
	ip.Checksum = binary.BigEndian.Uint16(data[10:12])
	ip.SrcIP, ip.DstIP = data[12:16], data[16:20]
	ip.Options, ip.Padding = ip.Options[:0], nil
	ip.BaseLayer = layers.BaseLayer{Contents: data[:hl], Payload: data[hl:]}
	st.version = 4
	st.proto = data[9]
	st.payload = ip.Payload
	if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
		st.fragment = true
		st.fragMore = ip.Flags&layers.IPv4MoreFragments != 0
		st.fragID = uint32(ip.Id)
		st.fragOff = ip.FragOffset * 8
		st.fragLen = uint16(total - hl)
	}
	return nil
}

func (ip *ipv4) NextLayerType() gopacket.LayerType {
	if ip.st.fragOff == 0 && ip.st.proto == uint8(vocab.AH) {
		return layers.LayerTypeIPSecAH
	}
	return gopacket.LayerTypePayload
}

// ipv6 is gopacket's IPv6 with our own DecodeFromBytes: gopacket's
// allocates for every Hop-by-Hop option, so the fixed header is read here
// and a Hop-by-Hop header is walked by ipExt like the other extensions. A
// payload length of 0 (jumbogram or TSO capture) means "what was captured".
type ipv6 struct {
	layers.IPv6
	st *ipState
}

func (ip *ipv6) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 40 {
		return errShort
	}
	if data[0]>>4 != 6 {
		return errBad
	}
	ip.Version = 6
	ip.Length = binary.BigEndian.Uint16(data[4:6])
	ip.NextHeader = layers.IPProtocol(data[6])
	ip.HopLimit = data[7]
	ip.SrcIP = data[8:24]
	ip.DstIP = data[24:40]
	ip.HopByHop = nil
	payload := data[40:]
	st := ip.st
	if n := int(ip.Length); n > len(payload) {
		st.declaredCut = true
		df.SetTruncated()
	} else if n != 0 {
		payload = payload[:n]
	}
	ip.BaseLayer = layers.BaseLayer{Contents: data[:40], Payload: payload}
	st.version = 6
	st.proto = data[6]
	st.payload = payload
	st.declLen = int(ip.Length)
	if st.declLen == 0 {
		st.declLen = len(payload)
	}
	return nil
}

func (ip *ipv6) NextLayerType() gopacket.LayerType { return extNext(ip.st) }

// extNext continues into an IPv6 extension header (or AH), and stops at
// anything else, including a non-first fragment.
func extNext(st *ipState) gopacket.LayerType {
	if st.fragment && st.fragOff != 0 {
		return gopacket.LayerTypePayload
	}
	switch st.proto {
	case 0:
		return layers.LayerTypeIPv6HopByHop
	case 43:
		return layers.LayerTypeIPv6Routing
	case 44:
		return layers.LayerTypeIPv6Fragment
	case 60:
		return layers.LayerTypeIPv6Destination
	case 51:
		return layers.LayerTypeIPSecAH
	}
	return gopacket.LayerTypePayload
}

// ipExt walks one IPv6 extension header or an AH header (IPv4 or IPv6),
// updating st. A Fragment header sets the fragment fields.
type ipExt struct {
	layers.BaseLayer
	st *ipState
}

var extClass = gopacket.NewLayerClass([]gopacket.LayerType{
	layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Fragment,
	layers.LayerTypeIPv6Destination, layers.LayerTypeIPSecAH,
})

func (e *ipExt) LayerType() gopacket.LayerType     { return layers.LayerTypeIPv6Destination }
func (e *ipExt) CanDecode() gopacket.LayerClass    { return extClass }
func (e *ipExt) NextLayerType() gopacket.LayerType { return extNext(e.st) }

func (e *ipExt) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	st := e.st
	if len(data) < 8 {
		if st.declaredCut {
			return errShort
		}
		return errBad
	}
	var n int
	switch st.proto {
	case 44: // Fragment: next, reserved, offset<<3|M, identification
		n = 8
		fo := binary.BigEndian.Uint16(data[2:4])
		st.fragment = true
		st.fragMore = fo&1 != 0
		st.fragOff = fo &^ 7
		st.fragID = binary.BigEndian.Uint32(data[4:8])
		st.fragLen = uint16(max(0, st.declLen-8))
	case 51: // AH: length in 4-byte units minus 2
		n = (int(data[1]) + 2) * 4
	default: // length in 8-byte units, not counting the first 8
		n = (int(data[1]) + 1) * 8
	}
	if len(data) < n {
		if st.declaredCut {
			return errShort
		}
		return errBad
	}
	st.proto = data[0]
	st.payload = data[n:]
	st.declLen -= n
	e.BaseLayer = layers.BaseLayer{Contents: data[:n], Payload: data[n:]}
	return nil
}
