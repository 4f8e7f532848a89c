package main

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// This file builds the decoding quirks of testdata/tunnels: frames found in
// real public traces that a decoder following the specifications to the
// letter (gopacket v1.1.19) gets wrong, and that tcpdump and tshark read:
// IPv4 options with a bad length, Cisco HDLC under the PPP link types,
// EtherTypes in the BSD loopback header, MPLS pseudowires with a control
// word, EtherType shims (VN-Tag, MACsec, 802.3 + LLC/SNAP), PPPoE
// Discovery, GRE carrying PPP and WCCP, and frames whose headers are
// missing although every byte on the wire was captured.
//
// gopacket cannot decode most of these, so TestFramesDecode leaves them
// out (trace.tshark); cmd's TestTsharkAgreement and
// TestTsharkAgreementDecap check every one of them against tshark instead,
// frame by frame per transport and port.

// quirkSet is the quirk traces, in generation order.
func quirkSet() []*trace {
	eth := []iface{{"eth0", uint16(layers.LinkTypeEthernet)}}
	ms := time.Millisecond
	return []*trace{
		{path: "tunnels/ipv4-options.pcap", format: fmtPcap, ifaces: eth, gap: ms, rows: ipv4OptionRows, tshark: true,
			about: "IPv4 options with bad lengths inside headers whose IHL and total length are valid: an option longer than the header, an option length of 0, a last option without its length byte"},
		{path: "tunnels/wire-length.pcap", format: fmtPcap, ifaces: eth, gap: ms, rows: wireLengthRows, tshark: true,
			about: "headers missing from frames captured whole (captured length = wire length: malformed) and the same frames cut by the capture (truncated)"},
		{path: "tunnels/ppp-chdlc.pcapng", format: fmtPcapng, ifaces: []iface{{"ppp0", uint16(layers.LinkTypePPP)}, {"serial0", 50}}, gap: ms, interleave: true, rows: pppCHDLCRows, tshark: true,
			about: "pcapng, interfaces PPP (9) and PPP_HDLC (50): Cisco HDLC framing (address 0x0f/0x8f) under both, and plain PPP with and without ff 03"},
		{path: "tunnels/null-ethertype.pcap", format: fmtPcap, ifaces: []iface{{"tun0", uint16(layers.LinkTypeNull)}}, gap: ms, rows: nullEtherRows, tshark: true,
			about: "BSD NULL (0) headers holding EtherTypes in either byte order (IPv4, IPv6, ARP), an unknown family, a family above 255, and PPP (ff 03)"},
		{path: "tunnels/mpls-pw.pcap", format: fmtPcap, ifaces: eth, gap: ms, rows: mplsPWRows, tshark: true, tsharkArgs: pwDecodeAs,
			about: "MPLS Ethernet pseudowires with the RFC 4448 control word: inner Ethernet IPv4 TCP, IPv6 UDP, 802.1Q-tagged IPv4 UDP"},
		{path: "tunnels/ether-shims.pcap", format: fmtPcap, ifaces: eth, gap: ms, rows: etherShimRows, tshark: true,
			about: "EtherType shims: VN-Tag (0x8926), VN-Tag + 802.1Q, MACsec (0x88e5) integrity-only and encrypted, 802.3 length + LLC/SNAP, 802.3 + LLC (STP), PPPoE Discovery (0x8863)"},
		{path: "tunnels/gre-more.pcap", format: fmtPcap, ifaces: eth, gap: ms, rows: greMoreRows, tshark: true,
			about: "GRE version 0 carrying PPP (0x880b) with and without ff 03, WCCP redirection (0x883e) with its 4-byte header"},
	}
}

// withLink gives every frame a conversation builds the link header hdr
// (hand-built bytes) in front of its bare IP packet, for a header that
// depends on the IP version only.
func (g *gen) withLink(hdr func(v6, up bool) []byte, cli, srv string) *conv {
	c := g.conv(rawIP(), ap(cli), ap(srv))
	c.post = func(up bool, f frame) frame {
		f.data = append(hdr(f.data[0]>>4 == 6, up), f.data...)
		return f
	}
	return c
}

// etherHdr is a hand-built Ethernet header with EtherType et (no padding).
func etherHdr(up bool, et uint16) []byte {
	src, dst := macs(up)
	h := make([]byte, 14)
	copy(h[0:6], dst)
	copy(h[6:12], src)
	binary.BigEndian.PutUint16(h[12:14], et)
	return h
}

func ipEther(v6 bool) uint16 { return uint16(ipEtherType(v6)) }

// ---- ipv4-options.pcap ----

// badOptions rewrites the IPv4 header of every frame (after the 14-byte
// Ethernet header) to carry opts, a valid-length options area (a multiple of
// 4 bytes) whose options have bad lengths; IHL, total length and header
// checksum are set right.
func badOptions(c *conv, opts []byte) {
	c.post = func(up bool, f frame) frame {
		ipHdr := f.data[14:]
		hl, total := int(ipHdr[0]&0x0f)*4, int(binary.BigEndian.Uint16(ipHdr[2:4]))
		pkt := append(append(append([]byte{}, ipHdr[:20]...), opts...), ipHdr[hl:total]...) // without Ethernet padding
		pkt[0] = 0x40 | byte((20+len(opts))/4)
		binary.BigEndian.PutUint16(pkt[2:4], uint16(len(pkt)))
		fixIPv4Checksum(pkt, 20+len(opts))
		f.data = append(append([]byte{}, f.data[:14]...), pkt...)
		return f
	}
}

func ipv4OptionRows(g *gen) []row {
	c := g.conv(ether(), ap("192.0.2.20:51010"), ap("198.51.100.30:443"))
	badOptions(c, []byte{
		0x94, 0x28, 0x00, 0x00, // Router Alert claiming 40 bytes in an 8-byte options area
		0x01, 0x01, 0x01, 0x00, // NOP, NOP, NOP, end of options
	})
	d := g.conv(ether(), ap("192.0.2.20:51011"), ap("198.51.100.53:53"))
	badOptions(d, []byte{0x07, 0x00, 0x04, 0x00}) // Record Route with length 0
	n := g.conv(ether(), ap("192.0.2.20:51012"), ap("198.51.100.123:123"))
	badOptions(n, []byte{0x01, 0x01, 0x01, 0x83}) // NOP x3, then Loose Source Route without its length byte
	return []row{
		{what: "IPv4 TCP handshake, request, response, FIN close; option 0x94 (Router Alert) of length 40 in an 8-byte options area (IHL 7)",
			expect: "tcp/443 https; handshake; end fin (gopacket v1.1.19: option length error, no TCP layer)", frames: tcpFrames(c, true)},
		{what: "IPv4 UDP DNS query and answer; option 0x07 (Record Route) of length 0 (IHL 6)",
			expect: "udp/53 domain; registry", frames: udpFrames(g, d)},
		{what: "IPv4 UDP NTP request and reply; the options area ends with option 0x83 (LSRR) without its length byte (IHL 6)",
			expect: "udp/123 ntp; registry", frames: udpFrames(g, n)},
	}
}

// ---- wire-length.pcap ----

// whole is f with its wire length set to what was captured, the frame ending
// where its bytes end.
func whole(f frame, bucket, note string) frame {
	f.wire, f.bucket, f.note = 0, bucket, note
	f.hasPorts, f.sport, f.dport, f.service, f.layer = false, 0, 0, 0, gopacket.LayerTypeZero
	return f
}

// wholeTo is f's first n bytes as the whole frame: all that was on the
// wire (captured length = wire length).
func wholeTo(f frame, n int, bucket, note string) frame {
	f = whole(f, bucket, note)
	f.data = f.data[:n]
	return f
}

// cutTo is f's first n bytes, captured from a frame of f's full length.
func cutTo(f frame, n int, bucket, note string) frame {
	w := f.wireLen()
	f.data = f.data[:n]
	f = whole(f, bucket, note)
	f.wire = w
	return f
}

func wireLengthRows(g *gen) []row {
	c := g.conv(ether(), ap("192.0.2.30:51020"), ap("198.51.100.40:80"))
	syn := c.tcp(true, "S", nil) // Ethernet 14 + IPv4 20 + TCP 40
	d := g.conv(ether(), ap("[2001:db8:30::1]:51021"), ap("[2001:db8:40::53]:53"))
	q := d.udp(true, dnsQuery(7, "whole.example")) // Ethernet 14 + IPv6 40 + UDP 8 + DNS
	v := g.conv(vlan(layers.EthernetTypeDot1Q, 30), ap("192.0.2.31:51022"), ap("198.51.100.41:443"))
	vs := v.tcp(true, "S", nil) // Ethernet 14 + 802.1Q 4 + IPv4 20 + TCP 40

	return []row{
		{what: "Ethernet + IPv4 header of a TCP SYN whose total length claims 60 bytes, the frame ending after the IP header: captured length = wire length (34)",
			expect: "malformed (the frame lacks the header it announces)", frames: []frame{wholeTo(syn, 34, bMalformed, "IPv4 header, no TCP header, all captured")}},
		{what: "the same SYN cut by the capture after the IP header (34 of 74 bytes)",
			expect: "truncated", frames: []frame{cutTo(syn, 34, bTruncated, "cut after the IPv4 header")}},
		{what: "Ethernet + 30 bytes of an IPv6 header, all that was on the wire",
			expect: "malformed", frames: []frame{wholeTo(q, 44, bMalformed, "IPv6 header cut, all captured")}},
		{what: "the same IPv6 frame cut by the capture (44 bytes)",
			expect: "truncated", frames: []frame{cutTo(q, 44, bTruncated, "IPv6 header cut by the capture")}},
		{what: "Ethernet + 802.1Q tag announcing IPv4, nothing after the tag, captured whole (18 bytes)",
			expect: "malformed", frames: []frame{wholeTo(vs, 18, bMalformed, "802.1Q tag, no IPv4, all captured")}},
		{what: "the same tagged SYN cut by the capture after the tag",
			expect: "truncated", frames: []frame{cutTo(vs, 18, bTruncated, "cut after the 802.1Q tag")}},
	}
}

// ---- ppp-chdlc.pcapng ----

func pppCHDLCRows(g *gen) []row {
	on := func(i int, fs []frame) []frame {
		for k := range fs {
			fs[k].iface = i
		}
		return fs
	}
	hdlc := func(addr byte) func(v6, up bool) []byte {
		return func(v6, up bool) []byte { return binary.BigEndian.AppendUint16([]byte{addr, 0x00}, ipEther(v6)) }
	}
	plain := func(ff03 bool) func(v6, up bool) []byte {
		return func(v6, up bool) []byte {
			h := []byte{}
			if ff03 {
				h = append(h, 0xff, 0x03)
			}
			return binary.BigEndian.AppendUint16(h, uint16(pppType(v6)))
		}
	}
	a := g.withLink(hdlc(0x0f), "192.0.2.40:51030", "198.51.100.50:22")
	b := g.withLink(hdlc(0x8f), "[2001:db8:40::1]:51031", "[2001:db8:50::123]:123")
	p := g.withLink(plain(true), "192.0.2.40:51032", "198.51.100.53:53")
	h := g.withLink(hdlc(0x0f), "192.0.2.41:51033", "198.51.100.51:443")
	q := g.withLink(plain(false), "[2001:db8:41::1]:51034", "[2001:db8:51::53]:53")
	return []row{
		{what: "PPP (9): Cisco HDLC address 0x0f, protocol 0x0800: IPv4 TCP handshake, request, response", expect: "tcp/22 ssh; handshake",
			frames: on(0, tcpFrames(a, false))},
		{what: "PPP (9): Cisco HDLC address 0x8f, protocol 0x86dd: IPv6 UDP NTP", expect: "udp/123 ntp; registry",
			frames: on(0, udpFrames(g, b))},
		{what: "PPP (9): ff 03 0021: IPv4 UDP DNS", expect: "udp/53 domain; registry",
			frames: on(0, udpFrames(g, p))},
		{what: "PPP_HDLC (50): Cisco HDLC address 0x0f: IPv4 TCP handshake, request, response, FIN close", expect: "tcp/443 https; handshake; end fin",
			frames: on(1, tcpFrames(h, true))},
		{what: "PPP_HDLC (50): PPP without address and control, protocol 0x0057: IPv6 UDP DNS", expect: "udp/53 domain; registry",
			frames: on(1, udpFrames(g, q))},
	}
}

// ---- null-ethertype.pcap ----

func nullEtherRows(g *gen) []row {
	hdr := func(le bool, v func(v6 bool) uint32) func(v6, up bool) []byte {
		return func(v6, up bool) []byte {
			if le {
				return binary.LittleEndian.AppendUint32(nil, v(v6))
			}
			return binary.BigEndian.AppendUint32(nil, v(v6))
		}
	}
	et := func(v6 bool) uint32 { return uint32(ipEther(v6)) }
	a := g.withLink(hdr(true, et), "192.0.2.50:51040", "198.51.100.60:80")
	b := g.withLink(hdr(false, et), "[2001:db8:50::1]:51041", "[2001:db8:60::53]:53")
	p := g.withLink(func(v6, up bool) []byte {
		return binary.BigEndian.AppendUint16([]byte{0xff, 0x03}, uint16(pppType(v6)))
	},
		"192.0.2.50:51042", "198.51.100.61:123")
	arp := append(binary.BigEndian.AppendUint32(nil, 0x0806), arpRequest()...)
	unknown := append(binary.LittleEndian.AppendUint32(nil, 99), pattern(40)...)
	big := append(binary.LittleEndian.AppendUint32(nil, 500), pattern(40)...)
	return []row{
		{what: "header 0x00000800 little-endian (an EtherType, as some tunnel drivers write): IPv4 TCP handshake, request, response, FIN close",
			expect: "tcp/80 http; handshake; end fin (gopacket v1.1.19: loopback family > 255, decode failure)", frames: tcpFrames(a, true)},
		{what: "header 0x000086dd big-endian: IPv6 UDP DNS", expect: "udp/53 domain; registry", frames: udpFrames(g, b)},
		{what: "header 0x00000806 big-endian: ARP request", expect: "non-ip (arp)",
			frames: []frame{{data: arp, bucket: bNonIP, note: "ARP behind an EtherType in the NULL header"}}},
		{what: "address family 99 (unknown)", expect: "non-ip, not malformed",
			frames: []frame{{data: unknown, bucket: bNonIP, note: "NULL family 99"}}},
		{what: "value 500 (above 255, not above 1500: a family, unknown)", expect: "non-ip, not malformed",
			frames: []frame{{data: big, bucket: bNonIP, note: "NULL family 500"}}},
		{what: "ff 03 0021 where the header would be: PPP in HDLC-like framing, IPv4 UDP NTP", expect: "udp/123 ntp; registry",
			frames: udpFrames(g, p)},
	}
}

// arpRequest is an Ethernet ARP request body (no link header).
func arpRequest() []byte {
	return serialize(&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: layers.ARPRequest, SourceHwAddress: macClient, SourceProtAddress: []byte{192, 0, 2, 50},
		DstHwAddress: make([]byte, 6), DstProtAddress: []byte{192, 0, 2, 1}})
}

// ---- mpls-pw.pcap ----

// pwDecodeAs tells tshark that labels 1001-1003 carry Ethernet with a
// control word. Its heuristic (packet-pw-eth.c, dissect_pw_eth_heuristic)
// takes a payload whose first 3 bytes or bytes 6-8 are a registered OUI for
// Ethernet without one, and a control word starts 00 00 (RFC 4448: first
// nibble 0, flags, fragment bits, and length 0 for frames of 64 bytes and
// more), while all 256 OUIs 00:00:00-00:00:ff are registered (Xerox, ...;
// /usr/share/wireshark/manuf). Without this, tshark 4.0 shows every frame
// of the trace as "eth:ethertype:mpls:pwethheuristic:pwethnocw:eth:
// ethertype:data": MAC addresses shifted by the 4 bytes of the word, the
// EtherType taken from the source MAC. cmd's TestTsharkAgreement passes the
// same options.
var pwDecodeAs = []string{"-d", "mpls.label==1001,pwethcw", "-d", "mpls.label==1002,pwethcw", "-d", "mpls.label==1003,pwethcw"}

func mplsPWRows(g *gen) []row {
	pw := func(label uint32, vid uint16) func(v6, up bool) []byte {
		return func(v6, up bool) []byte {
			h := etherHdr(up, 0x8847)
			h = binary.BigEndian.AppendUint32(h, label<<12|1<<8|64) // label, TC 0, bottom of stack, TTL 64
			h = append(h, 0x00, 0x00, 0x00, 0x07)                   // control word: first nibble 0, flags 0, sequence 7
			src, dst := macInnerClient, macInnerServer
			if !up {
				src, dst = dst, src
			}
			h = append(append(h, dst...), src...)
			if vid != 0 {
				h = binary.BigEndian.AppendUint16(h, 0x8100)
				h = binary.BigEndian.AppendUint16(h, vid)
			}
			return binary.BigEndian.AppendUint16(h, ipEther(v6))
		}
	}
	a := g.withLink(pw(1001, 0), "10.20.0.1:51050", "10.20.0.2:25")
	b := g.withLink(pw(1002, 0), "[fd00:20::1]:51051", "[fd00:20::2]:53")
	c := g.withLink(pw(1003, 300), "10.21.0.1:51052", "10.21.0.2:161")
	return []row{
		{what: "label 1001, control word, inner Ethernet: IPv4 TCP handshake, request, response, FIN close", expect: "tcp/25 smtp; handshake; end fin",
			frames: tcpFrames(a, true)},
		{what: "label 1002, control word, inner Ethernet: IPv6 UDP DNS", expect: "udp/53 domain; registry", frames: udpFrames(g, b)},
		{what: "label 1003, control word, inner Ethernet with 802.1Q tag 300: IPv4 UDP SNMP", expect: "udp/161 snmp; registry",
			frames: udpFrames(g, c)},
	}
}

// ---- ether-shims.pcap ----

func etherShimRows(g *gen) []row {
	vntag := func(vid uint16) func(v6, up bool) []byte {
		return func(v6, up bool) []byte {
			h := etherHdr(up, 0x8926)
			h = append(h, 0x80, 0x05, 0x00, 0x03) // D 1, P 0, destination vif 5, source vif 3
			if vid != 0 {
				h = binary.BigEndian.AppendUint16(h, 0x8100)
				h = binary.BigEndian.AppendUint16(h, vid)
			}
			return binary.BigEndian.AppendUint16(h, ipEther(v6))
		}
	}
	a := g.withLink(vntag(0), "192.0.2.60:51060", "198.51.100.70:443")
	b := g.withLink(vntag(40), "[2001:db8:60::1]:51061", "[2001:db8:70::53]:53")

	// MACsec, integrity only (E and C clear) with an explicit SCI: the
	// protected frame's EtherType follows the SecTAG; the ICV ends the frame.
	var pn uint32
	m := g.conv(rawIP(), ap("192.0.2.61:51062"), ap("198.51.100.71:123"))
	m.post = func(up bool, f frame) frame {
		pn++
		h := etherHdr(up, 0x88e5)
		h = append(h, 0x20, 0x00) // TCI: SC (explicit SCI), E 0, C 0, AN 0; short length 0
		h = binary.BigEndian.AppendUint32(h, pn)
		h = append(h, macClient...)
		h = append(h, 0x00, 0x01) // SCI: system identifier (MAC), port 1
		h = binary.BigEndian.AppendUint16(h, 0x0800)
		f.data = append(append(h, f.data...), pattern(16)...) // ICV
		return f
	}
	encrypted := append(etherHdr(true, 0x88e5), 0x2c, 0x00, 0, 0, 0, 9) // TCI: SC, E, C; PN 9
	encrypted = append(append(encrypted, macClient...), 0x00, 0x01)
	encrypted = append(encrypted, pattern(64)...)

	// 802.3 length, LLC/SNAP (RFC 1042), EtherType 0x0800.
	s := g.conv(rawIP(), ap("192.0.2.62:51063"), ap("198.51.100.72:161"))
	s.post = func(up bool, f frame) frame {
		h := etherHdr(up, uint16(8+len(f.data)))
		h = append(h, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00)
		f.data = append(h, f.data...)
		return f
	}
	stp := etherHdr(true, 3+35)
	copy(stp[0:6], []byte{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}) // the bridge group address
	stp = append(stp, 0x42, 0x42, 0x03)                        // LLC: DSAP, SSAP STP, UI
	stp = append(stp,
		0x00, 0x00, 0x00, 0x00, 0x00, // protocol 0, version 0, configuration BPDU, flags 0
		0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x01, // root: priority 32768, MAC
		0x00, 0x00, 0x00, 0x00, // root path cost 0
		0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x01, // bridge: the root itself
		0x80, 0x01, 0x00, 0x00, 0x14, 0x00, 0x02, 0x00, 0x0f, 0x00) // port 0x8001, age 0, max age 20 s, hello 2 s, forward delay 15 s

	padi := etherHdr(true, 0x8863)
	copy(padi[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})         // broadcast
	padi = append(padi, 0x11, 0x09, 0x00, 0x00, 0x00, 0x0c)             // version 1 type 1, code PADI, session 0, length 12
	padi = append(padi, 0x01, 0x01, 0x00, 0x00)                         // Service-Name: any
	padi = append(padi, 0x01, 0x03, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef) // Host-Uniq
	return []row{
		{what: "VN-Tag (0x8926, 6 bytes) then IPv4: TCP handshake, request, response, FIN close", expect: "tcp/443 https; handshake; end fin",
			frames: tcpFrames(a, true)},
		{what: "VN-Tag then 802.1Q tag 40 then IPv6: UDP DNS", expect: "udp/53 domain; registry", frames: udpFrames(g, b)},
		{what: "MACsec (0x88e5) integrity only, explicit SCI: IPv4 UDP NTP behind the SecTAG, 16-byte ICV", expect: "udp/123 ntp; registry",
			frames: udpFrames(g, m)},
		{what: "MACsec encrypted (E and C set): nothing to read", expect: "non-ip (macsec)",
			frames: []frame{{data: encrypted, bucket: bNonIP, note: "MACsec, encrypted"}}},
		{what: "802.3 length, LLC/SNAP aa aa 03 00-00-00 0800: IPv4 UDP SNMP", expect: "udp/161 snmp; registry",
			frames: udpFrames(g, s)},
		{what: "802.3 length, LLC 42 42 03: an STP configuration BPDU", expect: "non-ip (llc)",
			frames: []frame{{data: stp, bucket: bNonIP, note: "STP"}}},
		{what: "PPPoE Discovery (0x8863): PADI", expect: "non-ip (pppoed), not ppp",
			frames: []frame{{data: padi, bucket: bNonIP, note: "PPPoE PADI"}}},
	}
}

// ---- gre-more.pcap ----

// greWith is a GRE version 0 tunnel between a and b whose protocol and
// headers after GRE are hdr's.
func (g *gen) greWith(a, b, via string, proto uint16, hdr func(v6, up bool) []byte) *tunnel {
	return &tunnel{kind: "gre", via: via, a: netip.MustParseAddr(a), b: netip.MustParseAddr(b),
		proto: ipProto(layers.IPProtocolGRE), outer: greOuter,
		hdr: func(v6, up bool, _ gopacket.NetworkLayer) []gopacket.SerializableLayer {
			h := binary.BigEndian.AppendUint16([]byte{0x00, 0x00}, proto)
			return []gopacket.SerializableLayer{gopacket.Payload(append(h, hdr(v6, up)...))}
		}}
}

func greMoreRows(g *gen) []row {
	ppp := g.greWith("203.0.113.1", "203.0.113.2", "GRE 0x880b PPP", 0x880b, func(v6, up bool) []byte {
		return binary.BigEndian.AppendUint16([]byte{0xff, 0x03}, uint16(pppType(v6)))
	})
	bare := g.greWith("203.0.113.1", "203.0.113.3", "GRE 0x880b PPP without address and control", 0x880b, func(v6, up bool) []byte {
		return binary.BigEndian.AppendUint16(nil, uint16(pppType(v6)))
	})
	wccp := g.greWith("203.0.113.4", "203.0.113.5", "GRE 0x883e WCCPv2 redirect header", 0x883e, func(v6, up bool) []byte {
		return []byte{0x00, 0x00, 0x00, 0x00} // WCCPv2 redirect header: D 0, A 0, service 0 (web-cache), alternate bucket 0, primary 0
	})
	tp := g.tconv(over(ether(), ppp), "10.30.0.1:51070", "10.30.0.2:80")
	tv := g.tconv(over(ether(), bare), "[fd00:31::1]:51071", "[fd00:31::2]:53")
	tw := g.tconv(over(ether(), wccp), "10.32.0.1:51072", "10.32.0.2:80")
	return []row{
		{what: "GRE version 0, protocol 0x880b: PPP (ff 03 0021), IPv4 TCP handshake, request, response, FIN close",
			expect: "other-ip gre", decap: "tcp/80 http; handshake; end fin", frames: tcpFrames(tp, true)},
		{what: "GRE version 0, protocol 0x880b: PPP without address and control (0057), IPv6 UDP DNS",
			expect: "other-ip gre", decap: "udp/53 domain; registry", frames: udpFrames(g, tv)},
		{what: "GRE protocol 0x883e: WCCPv2 redirect header, IPv4 TCP handshake, request, response",
			expect: "other-ip gre", decap: "tcp/80 http; handshake", frames: tcpFrames(tw, false)},
	}
}
