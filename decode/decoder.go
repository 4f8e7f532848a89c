package decode

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"strings"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/portsift/portsift/decode/vocab"
)

// Errors Decode returns; compare with errors.Is. The Summary's bucket says
// the same thing; the errors exist for callers that branch on failure.
var (
	ErrTruncated       = errors.New("frame truncated before the transport ports")
	ErrMalformed       = errors.New("malformed header")
	ErrUnsupportedLink = errors.New("unsupported link type")
)

// SupportedLink reports whether Decode understands frames of link type lt.
func SupportedLink(lt vocab.LinkType) bool {
	switch lt {
	case vocab.LinkEthernet, vocab.LinkLinuxSLL, vocab.LinkLinuxSLL2, vocab.LinkNull, vocab.LinkLoop, vocab.LinkPPP, vocab.LinkPPPHDLC,
		vocab.LinkRaw, vocab.LinkRawBSD12, vocab.LinkRawBSD14, vocab.LinkIPv4, vocab.LinkIPv6, vocab.LinkCiscoHDLC, vocab.LinkIEEE80211, vocab.LinkRadiotap, vocab.LinkNFLOG:
		return true
	}
	return false
}

// Decoder decodes frames into Summaries. It owns one gopacket
// DecodingLayerParser per first layer and the layer values they fill, so it
// is not safe for concurrent use: use one Decoder per goroutine.
type Decoder struct {
	st ipState

	eth  ethernet
	vlan dot1q
	lo   loopback
	sll  sll
	sll2 sll2
	mpls mpls
	poe  pppoe
	ppp  ppp
	ip4  ipv4
	ip6  ipv6
	ext  ipExt
	hdlc chdlc
	nfl  nflog
	rtap radiotap
	wifi dot11
	pbb  pbb

	// Decap makes Decode describe a tunnelled frame by its innermost
	// packet (GRE, ERSPAN, VXLAN, Geneve, GTP-U, IP-in-IP, Teredo,
	// MPLS-in-UDP), opening at most MaxDepth tunnels (DefaultMaxDepth when
	// 0). Set it before the first Decode.
	Decap    bool
	MaxDepth int

	l4 []byte // the UDP payload of the current level, for tunnel detection

	pEth, pSLL, pSLL2, pLoop, pPPP, pIP4, pIP6 *gopacket.DecodingLayerParser
	pMPLS, pHDLC, pNFLOG, pRadio, pDot11       *gopacket.DecodingLayerParser
	decoded                                    []gopacket.LayerType

	// Panics counts decoder panics that the parser recovered from (the
	// frame is counted as malformed). It should stay 0.
	Panics uint64

	// general turns the fast path (fast.go) off, for the tests that
	// compare the two.
	general bool
}

// NewDecoder returns a Decoder ready for any supported link type.
func NewDecoder() *Decoder {
	d := &Decoder{decoded: make([]gopacket.LayerType, 0, 16)}
	d.ip4.st = &d.st
	d.ip6.st = &d.st
	d.ext.st = &d.st
	all := []gopacket.DecodingLayer{&d.eth, &d.vlan, &d.lo, &d.sll, &d.sll2, &d.mpls, &d.poe, &d.ppp, &d.ip4, &d.ip6, &d.ext,
		&d.hdlc, &d.nfl, &d.rtap, &d.wifi, &d.pbb}
	// One container for every parser: it is only read once built. A sparse
	// container is indexed by layer type, up to 1488 here (24 KiB), and
	// grows by a new copy for each larger type put: twelve of them were
	// 640 KiB, 8% of a small read's memory.
	top := gopacket.LayerType(0)
	for _, l := range all {
		top = max(top, slices.Max(l.CanDecode().LayerTypes()))
	}
	var c gopacket.DecodingLayerContainer = make(gopacket.DecodingLayerSparse, top+1)
	for _, l := range all {
		c = c.Put(l)
	}
	mk := func(first gopacket.LayerType) *gopacket.DecodingLayerParser {
		p := gopacket.NewDecodingLayerParser(first)
		p.SetDecodingLayerContainer(c)
		p.IgnoreUnsupported = true
		return p
	}
	d.pEth = mk(layers.LayerTypeEthernet)
	d.pSLL = mk(layers.LayerTypeLinuxSLL)
	d.pSLL2 = mk(layerTypeSLL2)
	d.pLoop = mk(layers.LayerTypeLoopback)
	d.pPPP = mk(layers.LayerTypePPP)
	d.pIP4 = mk(layers.LayerTypeIPv4)
	d.pIP6 = mk(layers.LayerTypeIPv6)
	d.pMPLS = mk(layers.LayerTypeMPLS)
	d.pHDLC = mk(layerTypeCHDLC)
	d.pNFLOG = mk(layerTypeNFLOG)
	d.pRadio = mk(layerTypeRadio)
	d.pDot11 = mk(layerTypeDot11)
	return d
}

func (d *Decoder) parser(lt vocab.LinkType, frame []byte) *gopacket.DecodingLayerParser {
	switch lt {
	case vocab.LinkEthernet:
		return d.pEth
	case vocab.LinkLinuxSLL:
		return d.pSLL
	case vocab.LinkLinuxSLL2:
		return d.pSLL2
	case vocab.LinkNull, vocab.LinkLoop:
		return d.pLoop
	case vocab.LinkPPP, vocab.LinkPPPHDLC:
		// Cisco routers write Cisco HDLC frames (address 0x0f unicast,
		// 0x8f broadcast) under the PPP link types; tcpdump's ppp_if_print
		// and ppp_hdlc_if_print and Wireshark's PPP-in-HDLC dissector
		// hand them to Cisco HDLC, as here.
		if len(frame) > 0 && (frame[0] == 0x0f || frame[0] == 0x8f) {
			return d.pHDLC
		}
		return d.pPPP
	case vocab.LinkIPv4:
		return d.pIP4
	case vocab.LinkIPv6:
		return d.pIP6
	case vocab.LinkCiscoHDLC:
		return d.pHDLC
	case vocab.LinkNFLOG:
		return d.pNFLOG
	case vocab.LinkRadiotap:
		return d.pRadio
	case vocab.LinkIEEE80211:
		return d.pDot11
	case vocab.LinkRaw, vocab.LinkRawBSD12, vocab.LinkRawBSD14:
		if len(frame) > 0 && frame[0]>>4 == 6 {
			return d.pIP6
		}
		return d.pIP4
	}
	return nil
}

// Decode fills *s from frame, captured on a link of type lt; wire is the
// frame's length on the wire (the record's original length), or 0 when it
// is not known. It always sets s.Bucket; it returns nil when the frame was
// decoded (whatever its bucket), ErrTruncated or ErrMalformed when a header
// is cut or invalid, and ErrUnsupportedLink for a link type it does not
// know (bucket non-ip). A header that a frame lacks is truncated only when
// the capture cut the frame: with all of its wire bytes captured
// (len(frame) >= wire > 0), the frame itself is short, and malformed.
// A tunnel is recognised and named in s.Tunnel; with Decap set the frame is
// described by its innermost packet instead (see Decap).
// Decode does not retain frame and does not allocate.
func (d *Decoder) Decode(lt vocab.LinkType, frame []byte, wire int, s *Summary) error {
	err := d.decode(lt, frame, s)
	if err == ErrTruncated && wire > 0 && len(frame) >= wire {
		s.Bucket = vocab.BucketMalformed
		return ErrMalformed
	}
	return err
}

func (d *Decoder) decode(lt vocab.LinkType, frame []byte, s *Summary) error {
	*s = Summary{}
	var err error
	if d.general || !d.fast(lt, frame, s) {
		p := d.parser(lt, frame)
		if p == nil {
			s.Bucket = vocab.BucketNonIP
			return ErrUnsupportedLink
		}
		err = d.level(p, frame, s)
	}
	if err != nil || (s.Bucket != vocab.BucketOtherIP && s.Bucket != vocab.BucketUDP) {
		return err
	}
	kind, inner, ip := d.tunnel(s)
	if kind == TunnelNone {
		return nil
	}
	s.Tunnel = kind
	if !d.Decap || ip == nil {
		return nil
	}
	limit := d.MaxDepth
	if limit <= 0 {
		limit = DefaultMaxDepth
	}
	// A frame whose tunnels cannot all be opened (an inner packet cut or
	// invalid, or more than limit levels) counts as its outermost packet,
	// flagged, never as some level in between.
	outermost := *s
	for depth := uint8(1); ; depth++ {
		if int(depth) > limit {
			*s = outermost
			s.DepthExceeded = true
			return nil
		}
		outer := *s
		*s = Summary{}
		if err := d.level(ip, inner, s); err != nil {
			*s = outermost
			s.InnerDamaged = true
			return nil
		}
		s.Tunnel, s.Decap = outer.Tunnel, depth
		if s.Bucket != vocab.BucketOtherIP && s.Bucket != vocab.BucketUDP {
			return nil
		}
		var next Tunnel
		if next, inner, ip = d.tunnel(s); next == TunnelNone || ip == nil {
			return nil
		}
	}
}

// level decodes one packet starting with parser p's first layer: the whole
// frame, or the inner packet of a tunnel.
func (d *Decoder) level(p *gopacket.DecodingLayerParser, data []byte, s *Summary) error {
	d.st = ipState{}
	d.l4 = nil
	if err := p.DecodeLayers(data, &d.decoded); err != nil {
		switch {
		case errors.Is(err, errShort):
			s.Bucket = vocab.BucketTruncated
			return ErrTruncated
		case errors.Is(err, errBad):
		case p.Truncated:
			s.Bucket = vocab.BucketTruncated
			return ErrTruncated
		case strings.HasPrefix(err.Error(), "panic:"):
			d.Panics++
		}
		s.Bucket = vocab.BucketMalformed
		return ErrMalformed
	}
	st := &d.st
	if st.version == 0 {
		return d.nonIP(s)
	}
	s.IPVersion = st.version
	s.Proto = vocab.Proto(st.proto)
	if st.version == 4 {
		s.Src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(d.ip4.SrcIP)), 0)
		s.Dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(d.ip4.DstIP)), 0)
	} else {
		s.Src = netip.AddrPortFrom(netip.AddrFrom16([16]byte(d.ip6.SrcIP)), 0)
		s.Dst = netip.AddrPortFrom(netip.AddrFrom16([16]byte(d.ip6.DstIP)), 0)
	}
	if st.fragment {
		s.Fragment = true
		s.FragID = st.fragID
		s.FragOffset = st.fragOff
		s.FragMore = st.fragMore
		s.FragLen = st.fragLen
		if st.fragOff != 0 {
			s.Bucket = vocab.BucketFragment
			return nil
		}
	}
	return d.transport(s)
}

// transport reads the transport header at d.st.payload. Ports are taken
// whenever their 4 bytes were captured, as tshark does.
func (d *Decoder) transport(s *Summary) error {
	st := &d.st
	b := st.payload
	switch vocab.Proto(st.proto) {
	case vocab.TCP, vocab.UDP, vocab.SCTP:
		if len(b) < 4 {
			return d.cut(s)
		}
		s.Src = netip.AddrPortFrom(s.Src.Addr(), binary.BigEndian.Uint16(b[0:2]))
		s.Dst = netip.AddrPortFrom(s.Dst.Addr(), binary.BigEndian.Uint16(b[2:4]))
		switch vocab.Proto(st.proto) {
		case vocab.TCP:
			s.Bucket = vocab.BucketTCP
			if len(b) >= 14 {
				s.TCPFlags = b[13]
				s.HasFlags = true
			}
			s.Short = len(b) < 20 || len(b) < int(b[12]>>4)*4
		case vocab.UDP:
			s.Bucket = vocab.BucketUDP
			s.Short = len(b) < 8
			if !s.Short {
				d.l4 = b[8:]
			}
		case vocab.SCTP:
			s.Bucket = vocab.BucketSCTP
			if len(b) >= 13 {
				s.SCTPChunk = b[12]
				s.HasFlags = true
			}
			s.Short = len(b) < 12
		}
		return nil
	case vocab.ICMP, vocab.ICMPv6:
		s.Bucket = vocab.BucketICMP
		return nil
	case 0, 43, 44, 60, 51:
		// An extension header the parser did not enter: nothing followed it.
		if st.version == 6 || vocab.Proto(st.proto) == vocab.AH {
			return d.cut(s)
		}
	}
	s.Bucket = vocab.BucketOtherIP
	return nil
}

// cut classifies a frame whose IP payload is too short for the header it
// declares: a fragment stays a fragment, a capture cut short is truncated,
// anything else is malformed.
func (d *Decoder) cut(s *Summary) error {
	switch {
	case d.st.fragment:
		s.Bucket = vocab.BucketFragment
		return nil
	case d.st.declaredCut:
		s.Bucket = vocab.BucketTruncated
		return ErrTruncated
	}
	s.Bucket = vocab.BucketMalformed
	return ErrMalformed
}

// nonIP handles a frame that decoded without reaching an IP header: either
// its payload is not IP (ARP, LLDP), or it ended right after a header that
// announced one of the layers we decode.
func (d *Decoder) nonIP(s *Summary) error {
	s.Bucket = vocab.BucketNonIP
	if len(d.decoded) == 0 {
		return nil
	}
	var next gopacket.LayerType
	switch d.decoded[len(d.decoded)-1] {
	case layers.LayerTypeEthernet:
		s.EtherType = vocab.EtherType(d.eth.EthernetType)
		next = d.eth.NextLayerType()
	case layers.LayerTypeDot1Q:
		s.EtherType = vocab.EtherType(d.vlan.Type)
		next = d.vlan.NextLayerType()
	case layers.LayerTypeLinuxSLL:
		s.EtherType = vocab.EtherType(d.sll.proto)
		next = d.sll.NextLayerType()
	case layerTypeSLL2:
		s.EtherType = vocab.EtherType(d.sll2.proto)
		next = d.sll2.NextLayerType()
	case layers.LayerTypeMPLS:
		s.EtherType = vocab.EtherType(layers.EthernetTypeMPLSUnicast)
		next = d.mpls.next
	case layers.LayerTypePPPoE:
		s.EtherType = vocab.EtherType(layers.EthernetTypePPPoESession)
		next = layers.LayerTypePPP
	case layers.LayerTypePPP:
		s.EtherType = 0x880b // PPP's EtherType stands for "a PPP protocol that is not IP"
		next = d.ppp.NextLayerType()
	case layers.LayerTypeLoopback:
		s.EtherType = vocab.EtherType(d.lo.etherType())
		next = d.lo.NextLayerType()
	case layerTypeCHDLC:
		s.EtherType = vocab.EtherType(d.hdlc.proto)
		next = d.hdlc.NextLayerType()
	case layerTypeRadio:
		next = layerTypeDot11
	case layerTypeDot11:
		s.EtherType = vocab.EtherType(d.wifi.proto)
		next = d.wifi.NextLayerType()
	case layerTypeNFLOG:
		next = d.nfl.next
	case layerTypePBB:
		next = layers.LayerTypeEthernet
	}
	switch next {
	case layers.LayerTypeIPv4, layers.LayerTypeIPv6, layers.LayerTypeDot1Q, layers.LayerTypeMPLS,
		layers.LayerTypePPPoE, layers.LayerTypePPP, layers.LayerTypeEthernet, layerTypePBB, layerTypeDot11:
		// The parser stops when a header leaves no payload: the frame ends
		// where a layer we decode should start.
		s.Bucket, s.EtherType = vocab.BucketTruncated, 0
		return ErrTruncated
	}
	return nil
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
