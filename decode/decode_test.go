package decode

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/portsift/portsift/decode/vocab"
)

var (
	mac1  = net.HardwareAddr{0, 0x11, 0x22, 0x33, 0x44, 0x55}
	mac2  = net.HardwareAddr{0, 0x66, 0x77, 0x88, 0x99, 0xaa}
	cli4  = net.IP{192, 0, 2, 10}
	srv4  = net.IP{198, 51, 100, 20}
	cli6  = net.ParseIP("2001:db8::10")
	srv6  = net.ParseIP("2001:db8::20")
	sink  Summary
	sinkE error
)

// serialize builds a frame from layers with lengths and checksums fixed,
// the way every test frame in this package is made.
func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	hasIP := false
	for _, l := range ls {
		if _, ok := l.(gopacket.NetworkLayer); ok {
			hasIP = true
		}
	}
	for _, l := range ls {
		if n, ok := l.(interface {
			SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
		}); ok {
			for _, nl := range ls {
				if ip, ok := nl.(gopacket.NetworkLayer); ok {
					n.SetNetworkLayerForChecksum(ip)
				}
			}
		}
	}
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: hasIP}, ls...); err != nil {
		t.Fatalf("serialize: %v", err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func eth(t layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: mac1, DstMAC: mac2, EthernetType: t}
}

// ethHdr returns just the 14-byte Ethernet header (serializing an Ethernet
// layer alone pads it to the 60-byte minimum frame).
func ethHdr(t testing.TB, et layers.EthernetType) []byte { return serialize(t, eth(et))[:14] }

func ip4(p layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: p, SrcIP: cli4, DstIP: srv4}
}
func ip6(p layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: p, SrcIP: cli6, DstIP: srv6}
}
func tcp(sp, dp uint16, syn, ack bool) *layers.TCP {
	return &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), SYN: syn, ACK: ack, Window: 1000, DataOffset: 5}
}
func udp(sp, dp uint16) *layers.UDP {
	return &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
}

var payload = gopacket.Payload([]byte("hello, portsift"))

// decodeCase is one row of the decode table.
type decodeCase struct {
	name   string
	link   vocab.LinkType
	frame  []byte
	want   Summary
	err    error
	ignore bool // compare only Bucket, Proto and ports
	wire   int  // the frame's wire length; 0 = not known
}

func v4(sp, dp uint16) (netip.AddrPort, netip.AddrPort) {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(cli4)), sp), netip.AddrPortFrom(netip.AddrFrom4([4]byte(srv4)), dp)
}
func v6(sp, dp uint16) (netip.AddrPort, netip.AddrPort) {
	return netip.AddrPortFrom(netip.AddrFrom16([16]byte(cli6)), sp), netip.AddrPortFrom(netip.AddrFrom16([16]byte(srv6)), dp)
}

func withTunnel(s Summary, t Tunnel) Summary { s.Tunnel = t; return s }

func sum(b vocab.Bucket, ver uint8, p vocab.Proto, src, dst netip.AddrPort) Summary {
	return Summary{Bucket: b, IPVersion: ver, Proto: p, Src: src, Dst: dst}
}

func tcpSum(ver uint8, flags uint8, sp, dp uint16) Summary {
	var s Summary
	if ver == 4 {
		s.Src, s.Dst = v4(sp, dp)
	} else {
		s.Src, s.Dst = v6(sp, dp)
	}
	s.Bucket, s.IPVersion, s.Proto, s.TCPFlags, s.HasFlags = vocab.BucketTCP, ver, vocab.TCP, flags, true
	return s
}

func udpSum(ver uint8, sp, dp uint16) Summary {
	var s Summary
	if ver == 4 {
		s.Src, s.Dst = v4(sp, dp)
	} else {
		s.Src, s.Dst = v6(sp, dp)
	}
	s.Bucket, s.IPVersion, s.Proto = vocab.BucketUDP, ver, vocab.UDP
	return s
}

// mplsLabels returns an MPLS label stack of n labels, bottom bit on the last.
func mplsLabels(n int) []byte {
	b := make([]byte, 4*n)
	for i := 0; i < n; i++ {
		binary.BigEndian.PutUint32(b[4*i:], uint32(100+i)<<12|64)
	}
	b[4*n-2] |= 1
	return b
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func decodeCases(t testing.TB) []decodeCase {
	ipv4TCP := serialize(t, ip4(layers.IPProtocolTCP), tcp(51000, 443, true, false), payload)
	ipv6UDP := serialize(t, ip6(layers.IPProtocolUDP), udp(53000, 53), payload)
	s4, d4 := v4(0, 0)
	s6, d6 := v6(0, 0)

	// withFrag: the fragment fields; n is the fragment's share of the
	// datagram (its IP payload after the fragment header), more its MF.
	withFrag := func(s Summary, id uint32, off, n uint16, more bool) Summary {
		s.Fragment, s.FragID, s.FragOffset, s.FragLen, s.FragMore = true, id, off, n, more
		return s
	}
	short := func(s Summary) Summary { s.Short = true; return s }
	noFlags := func(s Summary) Summary { s.HasFlags, s.TCPFlags = false, 0; return s }
	nonIP := func(et vocab.EtherType) Summary { return Summary{Bucket: vocab.BucketNonIP, EtherType: et} }

	// IPv4 with 8 bytes of options (two NOPs, a 6-byte timestamp-ish option).
	opt4 := ip4(layers.IPProtocolTCP)
	opt4.Options = []layers.IPv4Option{{OptionType: 1, OptionLength: 1}, {OptionType: 1, OptionLength: 1}, {OptionType: 0x44, OptionLength: 6, OptionData: []byte{5, 0, 0, 0}}}

	// IPv6 with Hop-by-Hop, Destination Options and Routing headers, then UDP.
	ext6 := cat(
		serialize(t, ip6(layers.IPProtocolIPv6HopByHop))[:40],
		[]byte{60, 0, 1, 4, 0, 0, 0, 0}, // hop-by-hop: next=dstopts, len 0, PadN
		[]byte{43, 0, 1, 4, 0, 0, 0, 0}, // destination options: next=routing
		[]byte{17, 0, 0, 0, 0, 0, 0, 0}, // routing: next=udp, type 0, segments left 0
		serialize(t, udp(40000, 5353)), payload)
	binary.BigEndian.PutUint16(ext6[4:6], uint16(len(ext6)-40))

	// IPv4 fragments of one UDP datagram: the first carries the ports.
	first4 := ip4(layers.IPProtocolUDP)
	first4.Id, first4.Flags = 0x1234, layers.IPv4MoreFragments
	later4 := ip4(layers.IPProtocolUDP)
	later4.Id, later4.FragOffset = 0x1234, 3 // 24 bytes in

	// IPv6 fragment header: first (offset 0, M) and a later one.
	frag6 := func(off uint16, more bool, next byte, rest []byte) []byte {
		fo := off &^ 7
		if more {
			fo |= 1
		}
		h := []byte{next, 0, byte(fo >> 8), byte(fo), 0xca, 0xfe, 0xba, 0xbe}
		b := cat(serialize(t, ip6(layers.IPProtocolIPv6Fragment))[:40], h, rest)
		binary.BigEndian.PutUint16(b[4:6], uint16(len(b)-40))
		return b
	}

	sctpInit := cat([]byte{0x0b, 0x59, 0x96, 0x4c, 0, 0, 0, 0, 0, 0, 0, 0}, // ports 2905 -> 38476, vtag, checksum
		[]byte{1, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0x10, 0, 0, 1, 0, 1, 0, 0, 0, 1}) // INIT chunk
	sctpIP := ip4(layers.IPProtocolSCTP)

	icmpErr := serialize(t, ip4(layers.IPProtocolICMPv4), &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 3)},
		gopacket.Payload(serialize(t, ip4(layers.IPProtocolUDP), udp(5000, 6000))))

	arp := serialize(t, eth(layers.EthernetTypeARP), &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: 1, SourceHwAddress: mac1, SourceProtAddress: cli4,
		DstHwAddress: mac2, DstProtAddress: srv4})

	ipip := serialize(t, ip4(layers.IPProtocolIPv4), ip4(layers.IPProtocolTCP), tcp(1, 2, true, false))

	sll := func(proto uint16) []byte { // packet type, ARPHRD, addr len, addr, protocol
		h := []byte{0, 0, 0, 1, 0, 6, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0}
		return binary.BigEndian.AppendUint16(h, proto)
	}
	sll2 := func(proto uint16) []byte { // protocol, reserved, ifindex, ARPHRD, pkttype, addrlen, addr
		h := binary.BigEndian.AppendUint16(nil, proto)
		return append(h, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0)
	}
	le := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	be := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	pppoe := func(ppp uint16, rest []byte) []byte {
		h := []byte{0x11, 0, 0x12, 0x34, 0, 0}
		binary.BigEndian.PutUint16(h[4:], uint16(len(rest)+2))
		return cat(ethHdr(t, layers.EthernetTypePPPoESession), h, binary.BigEndian.AppendUint16(nil, ppp), rest)
	}

	tcpCut := cat(ethHdr(t, layers.EthernetTypeIPv4), ipv4TCP[:24]) // 4 bytes of TCP: ports only
	tcp14 := cat(ethHdr(t, layers.EthernetTypeIPv4), ipv4TCP[:34])  // flags captured, header cut
	ipCut := cat(ethHdr(t, layers.EthernetTypeIPv4), ipv4TCP[:12])
	badIHL := append([]byte(nil), ipv4TCP...)
	badIHL[0] = 0x44
	v6in4 := cat(ethHdr(t, layers.EthernetTypeIPv4), ipv6UDP)
	lenTooSmall := append([]byte(nil), ipv4TCP...)
	binary.BigEndian.PutUint16(lenTooSmall[2:4], 22) // total length leaves 2 bytes for TCP
	// IPv4 options with bad lengths inside a valid IHL: an option of
	// length 0, and one claiming 40 bytes in a 4-byte options area.
	withOpt := func(opt []byte) []byte {
		b := cat(ipv4TCP[:20], opt, ipv4TCP[20:])
		b[0] = 0x40 | byte((20+len(opt))/4)
		binary.BigEndian.PutUint16(b[2:4], uint16(len(b)))
		return b
	}
	badOpt := withOpt([]byte{0x07, 0x00, 0x04, 0x00})
	longOpt := withOpt([]byte{0x94, 0x28, 0x00, 0x00})
	// the gopacket v1.1.19 LinuxSLL panic input: 16 bytes, address length 0xffff
	sllPanic := []byte{0, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0}

	return []decodeCase{
		{name: "ethernet_ipv4_tcp_syn", link: vocab.LinkEthernet, frame: cat(ethHdr(t, layers.EthernetTypeIPv4), ipv4TCP), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "ethernet_ipv6_udp", link: vocab.LinkEthernet, frame: cat(ethHdr(t, layers.EthernetTypeIPv6), ipv6UDP), want: udpSum(6, 53000, 53)},
		{name: "ethernet_ipv4_synack", link: vocab.LinkEthernet, frame: serialize(t, eth(layers.EthernetTypeIPv4), ip4(layers.IPProtocolTCP), tcp(443, 51000, true, true)), want: tcpSum(4, TCPSyn|TCPAck, 443, 51000)},
		{name: "dot1q", link: vocab.LinkEthernet, frame: serialize(t, eth(layers.EthernetTypeDot1Q), &layers.Dot1Q{VLANIdentifier: 10, Type: layers.EthernetTypeIPv4}, ip4(layers.IPProtocolUDP), udp(1000, 53), payload), want: udpSum(4, 1000, 53)},
		{name: "qinq_88a8", link: vocab.LinkEthernet, frame: serialize(t, eth(layers.EthernetTypeQinQ), &layers.Dot1Q{VLANIdentifier: 100, Type: layers.EthernetTypeDot1Q}, &layers.Dot1Q{VLANIdentifier: 10, Type: layers.EthernetTypeIPv6}, ip6(layers.IPProtocolUDP), udp(1000, 53), payload), want: udpSum(6, 1000, 53)},
		{name: "mpls_1", link: vocab.LinkEthernet, frame: cat(ethHdr(t, layers.EthernetTypeMPLSUnicast), mplsLabels(1), ipv4TCP), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "mpls_3_ipv6", link: vocab.LinkEthernet, frame: cat(ethHdr(t, layers.EthernetTypeMPLSUnicast), mplsLabels(3), ipv6UDP), want: udpSum(6, 53000, 53)},
		{name: "mpls_cut", link: vocab.LinkEthernet, frame: cat(ethHdr(t, layers.EthernetTypeMPLSUnicast), mplsLabels(3)[:6]), want: Summary{Bucket: vocab.BucketTruncated}, err: ErrTruncated},
		{name: "pppoe_ipv4", link: vocab.LinkEthernet, frame: pppoe(0x0021, ipv4TCP), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "pppoe_ipv6", link: vocab.LinkEthernet, frame: pppoe(0x0057, ipv6UDP), want: udpSum(6, 53000, 53)},
		{name: "pppoe_lcp", link: vocab.LinkEthernet, frame: pppoe(0xc021, []byte{1, 1, 0, 4}), want: nonIP(0x880b)},
		{name: "sll_ipv4", link: vocab.LinkLinuxSLL, frame: cat(sll(0x0800), ipv4TCP), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "sll_arp", link: vocab.LinkLinuxSLL, frame: cat(sll(0x0806), make([]byte, 28)), want: nonIP(0x0806)},
		{name: "sll_addrlen_ffff", link: vocab.LinkLinuxSLL, frame: sllPanic, want: Summary{Bucket: vocab.BucketTruncated}, err: ErrTruncated},
		{name: "sll2_ipv6", link: vocab.LinkLinuxSLL2, frame: cat(sll2(0x86dd), ipv6UDP), want: udpSum(6, 53000, 53)},
		{name: "sll2_cut", link: vocab.LinkLinuxSLL2, frame: sll2(0x86dd)[:12], want: Summary{Bucket: vocab.BucketTruncated}, err: ErrTruncated},
		{name: "null_le_ipv4", link: vocab.LinkNull, frame: cat(le(2), ipv4TCP), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "null_le_ipv6_30", link: vocab.LinkNull, frame: cat(le(30), ipv6UDP), want: udpSum(6, 53000, 53)},
		{name: "loop_be_ipv6_24", link: vocab.LinkLoop, frame: cat(be(24), ipv6UDP), want: udpSum(6, 53000, 53)},
		{name: "ppp_ff03_ipv4", link: vocab.LinkPPP, frame: cat([]byte{0xff, 0x03, 0x00, 0x21}, ipv4TCP), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "ppp_plain_ipv6", link: vocab.LinkPPP, frame: cat([]byte{0x00, 0x57}, ipv6UDP), want: udpSum(6, 53000, 53)},
		{name: "ppp_compressed_ipv4", link: vocab.LinkPPP, frame: cat([]byte{0x21}, ipv4TCP), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "raw_ipv4", link: vocab.LinkRaw, frame: ipv4TCP, want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "raw_ipv6", link: vocab.LinkRaw, frame: ipv6UDP, want: udpSum(6, 53000, 53)},
		{name: "raw_bsd12_ipv6", link: vocab.LinkRawBSD12, frame: ipv6UDP, want: udpSum(6, 53000, 53)},
		{name: "linktype_ipv4", link: vocab.LinkIPv4, frame: ipv4TCP, want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "linktype_ipv6", link: vocab.LinkIPv6, frame: ipv6UDP, want: udpSum(6, 53000, 53)},
		{name: "ipv4_options", link: vocab.LinkRaw, frame: serialize(t, opt4, tcp(51000, 443, true, false)), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "ipv6_ext_headers", link: vocab.LinkIPv6, frame: ext6, want: udpSum(6, 40000, 5353)},
		{name: "ipv4_first_fragment", link: vocab.LinkRaw, frame: serialize(t, first4, udp(5000, 2049), gopacket.Payload(make([]byte, 16))), want: withFrag(udpSum(4, 5000, 2049), 0x1234, 0, 8+16, true)},
		{name: "ipv4_later_fragment", link: vocab.LinkRaw, frame: serialize(t, later4, gopacket.Payload(make([]byte, 16))), want: withFrag(sum(vocab.BucketFragment, 4, vocab.UDP, s4, d4), 0x1234, 24, 16, false)},
		{name: "ipv6_first_fragment", link: vocab.LinkIPv6, frame: frag6(0, true, 17, serialize(t, udp(5000, 2049))), want: withFrag(udpSum(6, 5000, 2049), 0xcafebabe, 0, 8, true)},
		{name: "ipv6_later_fragment", link: vocab.LinkIPv6, frame: frag6(1232, false, 17, make([]byte, 16)), want: withFrag(sum(vocab.BucketFragment, 6, vocab.UDP, s6, d6), 0xcafebabe, 1232, 16, false)},
		{name: "sctp_init", link: vocab.LinkRaw, frame: serialize(t, sctpIP, gopacket.Payload(sctpInit)), want: func() Summary {
			s := sum(vocab.BucketSCTP, 4, vocab.SCTP, netip.AddrPortFrom(s4.Addr(), 2905), netip.AddrPortFrom(d4.Addr(), 38476))
			s.SCTPChunk, s.HasFlags = SCTPChunkInit, true
			return s
		}()},
		{name: "icmp_error_quotes_udp", link: vocab.LinkRaw, frame: icmpErr, want: sum(vocab.BucketICMP, 4, vocab.ICMP, s4, d4)},
		{name: "icmpv6_echo", link: vocab.LinkIPv6, frame: serialize(t, ip6(layers.IPProtocolICMPv6), &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(128, 0)}, payload), want: sum(vocab.BucketICMP, 6, vocab.ICMPv6, s6, d6)},
		{name: "arp", link: vocab.LinkEthernet, frame: arp, want: nonIP(0x0806)},
		{name: "lldp_ethertype", link: vocab.LinkEthernet, frame: cat(ethHdr(t, layers.EthernetTypeLinkLayerDiscovery), make([]byte, 46)), want: nonIP(0x88cc)},
		{name: "gre_other_ip", link: vocab.LinkRaw, frame: serialize(t, ip4(layers.IPProtocolGRE), &layers.GRE{Protocol: layers.EthernetTypeIPv4}, payload), want: withTunnel(sum(vocab.BucketOtherIP, 4, vocab.GRE, s4, d4), TunnelGRE)},
		{name: "ipip_outer_only", link: vocab.LinkRaw, frame: ipip, want: withTunnel(sum(vocab.BucketOtherIP, 4, vocab.IPIP, s4, d4), Tunnel4in4)},
		{name: "tcp_ports_only", link: vocab.LinkEthernet, frame: tcpCut, want: short(noFlags(tcpSum(4, 0, 51000, 443)))},
		{name: "tcp_flags_cut_header", link: vocab.LinkEthernet, frame: tcp14, want: short(tcpSum(4, TCPSyn, 51000, 443))},
		{name: "ipv4_header_cut", link: vocab.LinkEthernet, frame: ipCut, want: Summary{Bucket: vocab.BucketTruncated}, err: ErrTruncated},
		{name: "ethernet_cut", link: vocab.LinkEthernet, frame: ethHdr(t, layers.EthernetTypeIPv4)[:10], want: Summary{Bucket: vocab.BucketTruncated}, err: ErrTruncated},
		{name: "ethernet_no_payload", link: vocab.LinkEthernet, frame: ethHdr(t, layers.EthernetTypeIPv4), want: Summary{Bucket: vocab.BucketTruncated}, err: ErrTruncated},
		{name: "ipv4_ihl_4", link: vocab.LinkRaw, frame: badIHL, want: Summary{Bucket: vocab.BucketMalformed}, err: ErrMalformed},
		{name: "ipv6_in_ethertype_ipv4", link: vocab.LinkEthernet, frame: v6in4, want: Summary{Bucket: vocab.BucketMalformed}, err: ErrMalformed},
		{name: "ipv4_length_leaves_2_tcp_bytes", link: vocab.LinkRaw, frame: lenTooSmall, want: sum(vocab.BucketMalformed, 4, vocab.TCP, s4, d4), err: ErrMalformed},
		{name: "unknown_link", link: 147, frame: ipv4TCP, want: Summary{Bucket: vocab.BucketNonIP}, err: ErrUnsupportedLink},

		// Issue 11's decoding cases, as tcpdump and tshark read them.
		{name: "ipv4_option_length_0", link: vocab.LinkRaw, frame: badOpt, want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "ipv4_option_longer_than_header", link: vocab.LinkRaw, frame: longOpt, want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "ppp_cisco_hdlc_0f", link: vocab.LinkPPP, frame: cat([]byte{0x0f, 0x00, 0x08, 0x00}, ipv4TCP), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "ppp_hdlc_cisco_hdlc_8f", link: vocab.LinkPPPHDLC, frame: cat([]byte{0x8f, 0x00, 0x86, 0xdd}, ipv6UDP), want: udpSum(6, 53000, 53)},
		{name: "null_ethertype_le_ipv4", link: vocab.LinkNull, frame: cat(le(0x0800), ipv4TCP), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "null_ethertype_be_ipv6", link: vocab.LinkNull, frame: cat(be(0x86dd), ipv6UDP), want: udpSum(6, 53000, 53)},
		{name: "null_ethertype_arp", link: vocab.LinkNull, frame: cat(be(0x0806), make([]byte, 28)), want: nonIP(0x0806)},
		{name: "null_unknown_family", link: vocab.LinkNull, frame: cat(le(99), ipv4TCP), want: Summary{Bucket: vocab.BucketNonIP}},
		{name: "null_family_500", link: vocab.LinkNull, frame: cat(le(500), ipv4TCP), want: Summary{Bucket: vocab.BucketNonIP}},
		{name: "null_ppp_ff03", link: vocab.LinkNull, frame: cat([]byte{0xff, 0x03, 0x00, 0x21}, ipv4TCP), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "mpls_pw_control_word", link: vocab.LinkEthernet, frame: cat(ethHdr(t, layers.EthernetTypeMPLSUnicast), mplsLabels(1), []byte{0, 0, 0, 7}, ethHdr(t, layers.EthernetTypeIPv4), ipv4TCP), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "mpls_pw_too_short", link: vocab.LinkEthernet, frame: cat(ethHdr(t, layers.EthernetTypeMPLSUnicast), mplsLabels(1), []byte{0, 0, 0, 7}, make([]byte, 8)), want: nonIP(0x8847)},
		{name: "vntag", link: vocab.LinkEthernet, frame: cat(ethHdr(t, 0x8926), []byte{0x80, 5, 0, 3, 0x08, 0x00}, ipv4TCP), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "vntag_cut", link: vocab.LinkEthernet, frame: cat(ethHdr(t, 0x8926), []byte{0x80, 5, 0}), want: Summary{Bucket: vocab.BucketTruncated}, err: ErrTruncated},
		{name: "vntag_dot1q_ipv6", link: vocab.LinkEthernet, frame: cat(ethHdr(t, 0x8926), []byte{0x80, 5, 0, 3, 0x81, 0x00, 0, 40, 0x86, 0xdd}, ipv6UDP), want: udpSum(6, 53000, 53)},
		{name: "macsec_integrity_only", link: vocab.LinkEthernet, frame: cat(ethHdr(t, 0x88e5), []byte{0x20, 0, 0, 0, 0, 1}, make([]byte, 8), []byte{0x08, 0x00}, ipv4TCP, make([]byte, 16)), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "macsec_no_sci", link: vocab.LinkEthernet, frame: cat(ethHdr(t, 0x88e5), []byte{0x00, 0, 0, 0, 0, 1, 0x86, 0xdd}, ipv6UDP, make([]byte, 16)), want: udpSum(6, 53000, 53)},
		{name: "macsec_encrypted", link: vocab.LinkEthernet, frame: cat(ethHdr(t, 0x88e5), []byte{0x2c, 0, 0, 0, 0, 1}, make([]byte, 8), make([]byte, 60)), want: nonIP(0x88e5)},
		{name: "llc_snap_ipv4", link: vocab.LinkEthernet, frame: cat(ethHdr(t, layers.EthernetType(8+len(ipv4TCP))), []byte{0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00}, ipv4TCP), want: tcpSum(4, TCPSyn, 51000, 443)},
		{name: "llc_stp", link: vocab.LinkEthernet, frame: cat(ethHdr(t, 38), []byte{0x42, 0x42, 0x03}, make([]byte, 35)), want: nonIP(0)},
		{name: "llc_snap_cisco_oui", link: vocab.LinkEthernet, frame: cat(ethHdr(t, 40), []byte{0xaa, 0xaa, 0x03, 0, 0, 0x0c, 0x20, 0x00}, make([]byte, 32)), want: nonIP(0)},
		{name: "pppoe_discovery", link: vocab.LinkEthernet, frame: cat(ethHdr(t, layers.EthernetTypePPPoEDiscovery), []byte{0x11, 0x09, 0, 0, 0, 4, 1, 1, 0, 0}), want: nonIP(0x8863)},

		// A header missing from a frame captured whole is the frame's
		// fault (malformed); the capture's when it was cut (truncated).
		{name: "ipv4_header_cut_whole", link: vocab.LinkEthernet, frame: ipCut, wire: len(ipCut), want: Summary{Bucket: vocab.BucketMalformed}, err: ErrMalformed},
		{name: "ipv4_header_cut_by_snaplen", link: vocab.LinkEthernet, frame: ipCut, wire: len(ipCut) + 28, want: Summary{Bucket: vocab.BucketTruncated}, err: ErrTruncated},
		{name: "ethernet_no_payload_whole", link: vocab.LinkEthernet, frame: ethHdr(t, layers.EthernetTypeIPv4), wire: 14, want: Summary{Bucket: vocab.BucketMalformed}, err: ErrMalformed},
		{name: "ipv4_declares_more_whole", link: vocab.LinkRaw, frame: ipv4TCP[:20], wire: 20, want: sum(vocab.BucketMalformed, 4, vocab.TCP, s4, d4), err: ErrMalformed},
		{name: "empty_frame", link: vocab.LinkEthernet, frame: nil, want: Summary{Bucket: vocab.BucketTruncated}, err: ErrTruncated},
	}
}

func TestDecode(t *testing.T) {
	d := NewDecoder()
	for _, tt := range decodeCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			var got Summary
			err := d.Decode(tt.link, tt.frame, tt.wire, &got)
			if err != tt.err {
				t.Errorf("Decode(%s): err = %v, want %v", tt.name, err, tt.err)
			}
			if got != tt.want {
				t.Errorf("Decode(%s):\n got %+v\nwant %+v", tt.name, got, tt.want)
			}
		})
	}
	if d.Panics != 0 {
		t.Errorf("Panics = %d, want 0", d.Panics)
	}
}

// TestDecodeNoRetain checks that a Summary does not alias the frame: after
// the frame's bytes are overwritten, the summary still holds the old values.
func TestDecodeNoRetain(t *testing.T) {
	d := NewDecoder()
	frame := serialize(t, ip6(layers.IPProtocolUDP), udp(53000, 53), payload)
	var s Summary
	if err := d.Decode(vocab.LinkRaw, frame, 0, &s); err != nil {
		t.Fatal(err)
	}
	want := s
	for i := range frame {
		frame[i] = 0xee
	}
	if s != want {
		t.Errorf("Summary changed with the frame: %+v, want %+v", s, want)
	}
}

func TestDecodeNoAllocs(t *testing.T) {
	d := NewDecoder()
	// Failures too: a hostile trace full of bad headers must not make the
	// decoder allocate (gopacket's own error path uses fmt.Errorf).
	for _, tt := range decodeCases(t) {
		allocs := testing.AllocsPerRun(200, func() {
			sinkE = d.Decode(tt.link, tt.frame, tt.wire, &sink)
			if sinkE != tt.err {
				panic(tt.name + ": unexpected result")
			}
		})
		if allocs != 0 {
			t.Errorf("Decode(%s): %v allocs per frame, want 0", tt.name, allocs)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	d := NewDecoder()
	for _, tt := range decodeCases(b) {
		switch tt.name {
		case "ethernet_ipv4_tcp_syn", "ethernet_ipv6_udp", "dot1q", "mpls_3_ipv6", "sll2_ipv6", "ipv6_ext_headers", "arp":
		default:
			continue
		}
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tt.frame)))
			for i := 0; i < b.N; i++ {
				sinkE = d.Decode(tt.link, tt.frame, tt.wire, &sink)
			}
		})
	}
}

func gopacketPayload(b []byte) gopacket.Payload { return gopacket.Payload(b) }
