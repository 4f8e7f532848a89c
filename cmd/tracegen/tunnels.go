package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// This file builds testdata/tunnels: tunnelled traffic (GRE, ERSPAN, VXLAN,
// Geneve, GTP-U, IP-in-IP, Teredo, nested tunnels) and, in linktypes.go, the
// link types added with it. These traces live apart from testdata/traces
// because tests elsewhere glob that directory and expect today's decoders to
// read every file in it.
//
// A tunnelled frame is built in two steps: the inner conversation is built
// as bare IP packets (conv with the rawIP link), then encap puts each packet
// into the tunnel headers and the link header. The frame says what it is
// without --decap (the outer flow) and, in decap, what it is with --decap
// (the inner flow).

// tunnelSet is testdata/tunnels, in generation order; README.md comes last.
func tunnelSet() []*trace {
	eth := []iface{{"eth0", uint16(layers.LinkTypeEthernet)}}
	ms := time.Millisecond
	set := []*trace{
		{path: "tunnels/gre.pcap", format: fmtPcap, ifaces: eth, gap: ms, rows: greRows,
			about: "GRE (47): plain over IPv4 and IPv6 carrying IPv4 and IPv6, keyed (K), sequenced (S), checksummed (C), C+K+S, NVGRE (key, 0x6558 inner Ethernet), MPLS (0x8847) inside"},
		{path: "tunnels/erspan.pcap", format: fmtPcap, ifaces: eth, gap: ms, rows: erspanRows,
			about: "ERSPAN in GRE: type I (0x88be, no S, no header), type II (0x88be, S, 8-byte header; one inner frame 802.1Q-tagged), type III (0x22eb, 12-byte header, with and without the 8-byte platform subheader)"},
		{path: "tunnels/vxlan-geneve.pcap", format: fmtPcap, ifaces: eth, gap: ms, rows: vxlanGeneveRows,
			about: "VXLAN on udp/4789 (IPv4 and IPv6 underlay) and udp/8472, inner Ethernet IPv4 TCP and IPv6 UDP; Geneve udp/6081 with and without options"},
		{path: "tunnels/gtpu.pcap", format: fmtPcap, ifaces: eth, gap: ms, rows: gtpuRows,
			about: "GTP-U v1 (udp/2152) T-PDUs without and with S, PN, E (PDU session container 0x85 then PDCP PDU number 0xc0), inner IPv4 and IPv6; echo request and response (no inner packet)"},
		{path: "tunnels/ipip.pcap", format: fmtPcap, ifaces: eth, gap: ms, rows: ipipRows,
			about: "IP in IP: IPv4-in-IPv4 (4), 6in4 (41), IPv4-in-IPv6 (4), IPv6-in-IPv6 (41); Teredo (udp/3544) plain, with origin indication and with authentication header"},
		{path: "tunnels/tunnel-bomb.pcap", format: fmtPcap, ifaces: eth, gap: ms, rows: bombRows,
			about: "nesting: VXLAN>GRE>IPv4-in-IPv4 (3 levels), 20 levels of IPv4-in-IPv4, 10 levels of VXLAN; GRE with a damaged inner IPv4 header (IHL 3); inner packets cut by the snaplen"},

		{path: "tunnels/cisco-hdlc.pcap", format: fmtPcap, ifaces: []iface{{"serial0", uint16(layers.LinkTypeC_HDLC)}}, gap: ms, rows: chdlcRows,
			about: "Cisco HDLC (104): address 0x0f/0x8f, control 0, EtherType 0x0800/0x86dd; SLARP keepalives (0x8035)"},
		{path: "tunnels/nflog.pcap", format: fmtPcap, ifaces: []iface{{"nflog", linkTypeNFLOG}}, gap: ms, rows: nflogRows,
			about: "Linux NFLOG (239): AF_INET and AF_INET6, TLVs in little-endian host order (PACKET_HDR, PREFIX, IFINDEX, TIMESTAMP, UID/GID, PAYLOAD), one message without NFULA_PAYLOAD"},
		{path: "tunnels/sll2-any.pcap", format: fmtPcapHand, ifaces: []iface{{"any", linkTypeSLL2}}, gap: ms, rows: sll2AnyRows,
			about: "Linux cooked v2 (276) variants: packet types host/broadcast/multicast/otherhost/outgoing; ARPHRD_ETHER, ARPHRD_LOOPBACK, ARPHRD_NONE (tun, no address); protocol 0x0004 (802.2 LLC)"},
		{path: "tunnels/pbb.pcap", format: fmtPcap, ifaces: eth, gap: ms, rows: pbbRows,
			about: "802.1ah PBB: B-TAG 0x88a8 then I-TAG 0x88e7 then the customer Ethernet header; one without B-TAG, one with a customer 802.1Q tag"},
		{path: "tunnels/radiotap.pcap", format: fmtPcap, ifaces: []iface{{"wlan0mon", uint16(layers.LinkTypeIEEE80211Radio)}}, gap: ms, rows: radiotapRows,
			about: "802.11 with radiotap (127): data and QoS data frames with LLC/SNAP to IPv4/IPv6, a beacon, a protected (CCMP) data frame"},
		{path: "tunnels/null-be.pcap", format: fmtPcapBE, ifaces: []iface{{"lo0", uint16(layers.LinkTypeNull)}}, gap: ms, rows: nullBERows,
			about: "BSD loopback NULL (0) from a big-endian host: pcap big-endian µs, family in big-endian order, 2 / 24 / 28 / 30"},
	}
	return append(append(set, quirkSet()...),
		&trace{path: "tunnels/README.md", format: fmtText, text: tunnelsReadme,
			about: "this directory's frame-by-frame intent, generated from the tables"})
}

// ---- tunnels ----

// tunnel is one level of encapsulation: an outer IP header between two
// endpoints and the tunnel headers after it, in front of an inner IP packet.
type tunnel struct {
	kind string // tunnel type as the report would name it; "" for IP in IP (see kindFor)
	via  string // the variant, for the README: "GRE key 0x1234", "VXLAN udp/8472"
	a, b netip.Addr
	// oneWay: every frame goes a → b, whatever the inner direction (an
	// ERSPAN mirror session sends both directions of a flow to the collector).
	oneWay bool
	// proto is the outer IP protocol for an inner packet of version v6.
	proto func(v6 bool) layers.IPProtocol
	// hdr returns the headers after the outer IP header for one frame: v6 is
	// the inner packet's IP version, up the inner direction, nl the outer IP
	// header (for UDP checksums).
	hdr func(v6, up bool, nl gopacket.NetworkLayer) []gopacket.SerializableLayer
	// outer is the frame without --decap when this tunnel is the outermost:
	// bucket, layer after the outer IP header, ports, service, note.
	outer func(v6, up bool) frame
	// gopacket: gopacket v1.1.19 decodes through this tunnel to the inner IP
	// header (the test checks this both ways).
	gopacket bool
}

// kindFor names the tunnel type for an inner packet of version v6.
func (tn *tunnel) kindFor(v6 bool) string {
	if tn.kind != "" {
		return tn.kind
	}
	switch {
	case !tn.a.Is6() && !v6:
		return "ipip"
	case !tn.a.Is6() && v6:
		return "6in4"
	case !v6:
		return "4in6"
	}
	return "6in6"
}

// stack is a link layer and the tunnels inside it, outermost first.
type stack struct {
	link    link
	tunnels []*tunnel
}

func over(l link, tns ...*tunnel) stack { return stack{link: l, tunnels: tns} }

// tconv is a conversation whose packets travel through s.
func (g *gen) tconv(s stack, cli, srv string) *conv {
	c := g.conv(rawIP(), ap(cli), ap(srv))
	c.post = func(up bool, f frame) frame { return g.encap(s, up, f) }
	return c
}

// encap puts the bare IP packet of f into the tunnels of s, innermost first,
// then behind the link header. The result is the outer frame; what f was
// becomes its decap view.
func (g *gen) encap(s stack, up bool, f frame) frame {
	in := f
	in.data = nil
	pkt := f.data
	v6 := pkt[0]>>4 == 6
	opens := true
	kinds := make([]string, len(s.tunnels))
	var outerV6 bool // IP version of the packet inside the outermost tunnel
	for i := len(s.tunnels) - 1; i >= 0; i-- {
		tn := s.tunnels[i]
		kinds[i] = tn.kindFor(v6)
		src, dst := tn.a, tn.b
		if !up && !tn.oneWay {
			src, dst = dst, src
		}
		var ipl gopacket.SerializableLayer
		var nl gopacket.NetworkLayer
		if tn.a.Is6() {
			l := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: tn.proto(v6), SrcIP: ip(src), DstIP: ip(dst)}
			ipl, nl = l, l
		} else {
			l := &layers.IPv4{Version: 4, TTL: 64, Protocol: tn.proto(v6), Id: g.nextID(), SrcIP: ip(src), DstIP: ip(dst)}
			ipl, nl = l, l
		}
		ls := append([]gopacket.SerializableLayer{ipl}, tn.hdr(v6, up, nl)...)
		pkt = serialize(append(ls, gopacket.Payload(pkt))...)
		opens = opens && tn.gopacket
		outerV6, v6 = v6, tn.a.Is6()
	}
	top := s.tunnels[0]
	oup := up || top.oneWay
	out := top.outer(outerV6, oup)
	out.data = serialize(append(s.link(v6, oup), gopacket.Payload(pkt))...)
	out.tunnels = kinds
	out.via = top.via
	for _, tn := range s.tunnels[1:] {
		out.via += " > " + tn.via
	}
	in.l3 = len(out.data) - len(f.data)
	in.gopacket = opens
	out.decap = &in
	return out
}

// ---- outer views ----

func greOuter(v6, up bool) frame {
	return frame{bucket: bOtherIP, layer: layers.LayerTypeGRE, note: "GRE 47"}
}

func ipipOuter(v6, up bool) frame {
	if v6 {
		return frame{bucket: bOtherIP, layer: layers.LayerTypeIPv6, note: "IPv6 41"}
	}
	return frame{bucket: bOtherIP, layer: layers.LayerTypeIPv4, note: "IPv4 4"}
}

// udpOuter is the outer view of a UDP tunnel: ports by direction, and the
// tunnel port as the service.
func udpOuter(upPorts, downPorts [2]uint16, service uint16) func(v6, up bool) frame {
	return func(v6, up bool) frame {
		p := upPorts
		if !up {
			p = downPorts
		}
		return frame{bucket: bUDP, layer: layers.LayerTypeUDP, sport: p[0], dport: p[1], hasPorts: true, service: service}
	}
}

// ---- GRE family ----

func ipProto(p layers.IPProtocol) func(bool) layers.IPProtocol {
	return func(bool) layers.IPProtocol { return p }
}

// inner MAC addresses of the frames carried by layer-2 tunnels.
var (
	macInnerClient = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x0a, 0x01}
	macInnerServer = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x0b, 0x01}
)

// innerEther is the Ethernet header of a frame carried by a layer-2
// tunnel; etype 0 means the IP EtherType for v6. Hand-built: gopacket's
// serializer pads frames under 60 bytes, and a tunnel carries the frame as
// its sender built it, without padding or FCS.
func innerEther(v6, up bool, etype layers.EthernetType) gopacket.SerializableLayer {
	src, dst := macInnerClient, macInnerServer
	if !up {
		src, dst = dst, src
	}
	if etype == 0 {
		etype = ipEtherType(v6)
	}
	h := make([]byte, 14)
	copy(h[0:6], dst)                                   // destination MAC
	copy(h[6:12], src)                                  // source MAC
	binary.BigEndian.PutUint16(h[12:14], uint16(etype)) // EtherType
	return gopacket.Payload(h)
}

// gre is GRE between a and b carrying IP directly (protocol 0x0800 or
// 0x86dd). tmpl sets the C, K and S flags and the key; with S the sequence
// number counts up per frame.
func (g *gen) gre(a, b, via string, tmpl layers.GRE) *tunnel {
	var seq uint32
	return &tunnel{kind: "gre", via: via, a: netip.MustParseAddr(a), b: netip.MustParseAddr(b), gopacket: true,
		proto: ipProto(layers.IPProtocolGRE), outer: greOuter,
		hdr: func(v6, up bool, _ gopacket.NetworkLayer) []gopacket.SerializableLayer {
			h := tmpl
			h.Protocol = ipEtherType(v6)
			if h.SeqPresent {
				seq++
				h.Seq = seq
			}
			return []gopacket.SerializableLayer{&h}
		}}
}

// greMPLS is GRE protocol 0x8847 carrying one MPLS label, then IP.
func (g *gen) greMPLS(a, b string, label uint32) *tunnel {
	return &tunnel{kind: "gre", via: fmt.Sprintf("GRE 0x8847 MPLS label %d", label), a: netip.MustParseAddr(a), b: netip.MustParseAddr(b), gopacket: true,
		proto: ipProto(layers.IPProtocolGRE), outer: greOuter,
		hdr: func(v6, up bool, _ gopacket.NetworkLayer) []gopacket.SerializableLayer {
			return []gopacket.SerializableLayer{
				&layers.GRE{Protocol: layers.EthernetTypeMPLSUnicast},
				&layers.MPLS{Label: label, TTL: 64, StackBottom: true},
			}
		}}
}

// nvgre is NVGRE (RFC 7637): GRE with the K bit, key = 24-bit VSID and
// 8-bit flow ID, protocol 0x6558 (transparent Ethernet bridging), then the
// inner Ethernet frame.
func (g *gen) nvgre(a, b string, vsid uint32, flowID uint8) *tunnel {
	return &tunnel{kind: "gre", via: fmt.Sprintf("NVGRE VSID %d", vsid), a: netip.MustParseAddr(a), b: netip.MustParseAddr(b), gopacket: true,
		proto: ipProto(layers.IPProtocolGRE), outer: greOuter,
		hdr: func(v6, up bool, _ gopacket.NetworkLayer) []gopacket.SerializableLayer {
			return []gopacket.SerializableLayer{
				&layers.GRE{KeyPresent: true, Key: vsid<<8 | uint32(flowID), Protocol: layers.EthernetTypeTransparentEthernetBridging},
				innerEther(v6, up, 0),
			}
		}}
}

// erspanFrame describes the mirrored frame of an ERSPAN session.
type erspanFrame struct {
	vlan uint16 // 802.1Q tag of the mirrored frame, 0 for none
}

func (e erspanFrame) layers(v6, up bool) []gopacket.SerializableLayer {
	if e.vlan == 0 {
		return []gopacket.SerializableLayer{innerEther(v6, up, 0)}
	}
	return []gopacket.SerializableLayer{innerEther(v6, up, layers.EthernetTypeDot1Q), &layers.Dot1Q{VLANIdentifier: e.vlan, Type: ipEtherType(v6)}}
}

// erspan1 is ERSPAN type I: GRE protocol 0x88be without the S bit and no
// ERSPAN header; the mirrored Ethernet frame follows the 4-byte GRE header.
// gopacket v1.1.19 always decodes 0x88be as type II and reads 8 bytes of the
// mirrored frame as an ERSPAN header.
func (g *gen) erspan1(a, b string) *tunnel {
	return &tunnel{kind: "erspan", via: "ERSPAN type I (GRE 0x88be, no S)", a: netip.MustParseAddr(a), b: netip.MustParseAddr(b), oneWay: true,
		proto: ipProto(layers.IPProtocolGRE), outer: greOuter,
		hdr: func(v6, up bool, _ gopacket.NetworkLayer) []gopacket.SerializableLayer {
			return append([]gopacket.SerializableLayer{&layers.GRE{Protocol: layers.EthernetTypeERSPAN}}, erspanFrame{}.layers(v6, up)...)
		}}
}

// erspan2 is ERSPAN type II: GRE with S and protocol 0x88be, the 8-byte
// ERSPAN II header (gopacket's serializer), then the mirrored frame.
func (g *gen) erspan2(a, b string, session uint16, mirrored erspanFrame) *tunnel {
	var seq, index uint32
	via := fmt.Sprintf("ERSPAN type II session %d", session)
	if mirrored.vlan != 0 {
		via += fmt.Sprintf(", mirrored frame tagged VLAN %d", mirrored.vlan)
	}
	return &tunnel{kind: "erspan", via: via, a: netip.MustParseAddr(a), b: netip.MustParseAddr(b), oneWay: true, gopacket: true,
		proto: ipProto(layers.IPProtocolGRE), outer: greOuter,
		hdr: func(v6, up bool, _ gopacket.NetworkLayer) []gopacket.SerializableLayer {
			seq++
			index++
			encap := uint8(0) // En: 0 originally untagged
			if mirrored.vlan != 0 {
				encap = 3 // En: 3 VLAN tag preserved in the frame
			}
			return append([]gopacket.SerializableLayer{
				&layers.GRE{SeqPresent: true, Seq: seq, Protocol: layers.EthernetTypeERSPAN},
				&layers.ERSPANII{Version: layers.ERSPANIIVersion, VLANIdentifier: mirrored.vlan, TrunkEncap: encap, SessionID: session, Index: 0x100 + index},
			}, mirrored.layers(v6, up)...)
		}}
}

// erspan3 is ERSPAN type III: GRE with S and protocol 0x22eb, the 12-byte
// ERSPAN III header (hand-built: gopacket has no type III), with the O bit
// the 8-byte platform-specific subheader (platform ID 3), then the mirrored
// frame.
func (g *gen) erspan3(a, b string, session uint16, subheader bool) *tunnel {
	var seq, ts uint32
	via := fmt.Sprintf("ERSPAN type III session %d", session)
	if subheader {
		via += " + platform subheader"
	}
	return &tunnel{kind: "erspan", via: via, a: netip.MustParseAddr(a), b: netip.MustParseAddr(b), oneWay: true,
		proto: ipProto(layers.IPProtocolGRE), outer: greOuter,
		hdr: func(v6, up bool, _ gopacket.NetworkLayer) []gopacket.SerializableLayer {
			seq++
			ts += 1000 // 100 µs at 100 ns granularity
			h := make([]byte, 12, 20)
			binary.BigEndian.PutUint16(h[0:2], 2<<12|0)   // version 2 (type III), VLAN 0
			binary.BigEndian.PutUint16(h[2:4], session)   // COS 0, BSO 0 (good frame), T 0, session ID (10 bits)
			binary.BigEndian.PutUint32(h[4:8], 0x5000+ts) // timestamp (low 32 bits)
			binary.BigEndian.PutUint16(h[8:10], 0)        // security group tag
			w := uint16(1<<15 | 0<<10 | 1<<4 | 1<<1)      // P 1 (Ethernet PDU), FT 0 (Ethernet), hardware ID 1, Gra 1 (100 ns)
			if !up {
				w |= 1 << 3 // D: egress on the mirrored port
			}
			if subheader {
				w |= 1 // O: platform-specific subheader follows
			}
			binary.BigEndian.PutUint16(h[10:12], w)
			if subheader {
				h = h[:20]
				binary.BigEndian.PutUint32(h[12:16], 3<<26|0x0123) // platform ID 3, reserved 0, port ID/index 0x123
				binary.BigEndian.PutUint32(h[16:20], 0x00000001)   // upper 32 bits of the timestamp
			}
			return []gopacket.SerializableLayer{
				&layers.GRE{SeqPresent: true, Seq: seq, Protocol: 0x22eb},
				gopacket.Payload(h),
				innerEther(v6, up, 0),
			}
		}}
}

// ---- UDP tunnels ----

// udpTunnel is a UDP tunnel from a to b: a's frames go from port up[0] to
// up[1], b's from down[0] to down[1]; the tunnel port is the service.
func (g *gen) udpTunnel(kind, via string, a, b string, up, down [2]uint16, service uint16, opens bool,
	hdr func(v6, up bool) []gopacket.SerializableLayer) *tunnel {
	return &tunnel{kind: kind, via: via, a: netip.MustParseAddr(a), b: netip.MustParseAddr(b), gopacket: opens,
		proto: ipProto(layers.IPProtocolUDP), outer: udpOuter(up, down, service),
		hdr: func(v6, isUp bool, nl gopacket.NetworkLayer) []gopacket.SerializableLayer {
			p := up
			if !isUp {
				p = down
			}
			u := &layers.UDP{SrcPort: layers.UDPPort(p[0]), DstPort: layers.UDPPort(p[1])}
			u.SetNetworkLayerForChecksum(nl)
			return append([]gopacket.SerializableLayer{u}, hdr(v6, isUp)...)
		}}
}

// vxlan is VXLAN (RFC 7348) to dport (4789, or 8472 as Linux uses by
// default): each VTEP sends from its own source port (a hash of the inner
// flow, here fixed per tunnel) to dport; VXLAN header with the I flag and
// the VNI, then the inner Ethernet frame. gopacket v1.1.19 decodes VXLAN
// on 4789 only.
func (g *gen) vxlan(a, b string, sportA, sportB, dport uint16, vni uint32) *tunnel {
	return g.udpTunnel("vxlan", fmt.Sprintf("VXLAN udp/%d VNI %d", dport, vni), a, b, [2]uint16{sportA, dport}, [2]uint16{sportB, dport}, dport, dport == 4789,
		func(v6, up bool) []gopacket.SerializableLayer {
			return []gopacket.SerializableLayer{&layers.VXLAN{ValidIDFlag: true, VNI: vni}, innerEther(v6, up, 0)}
		})
}

// geneve is Geneve (RFC 8926) on udp/6081, hand-built: gopacket v1.1.19
// decodes Geneve but cannot serialize it. opts are whole options (class,
// type, length, data), a multiple of 4 bytes.
func (g *gen) geneve(a, b string, sportA, sportB uint16, vni uint32, opts []byte) *tunnel {
	via := fmt.Sprintf("Geneve VNI %d", vni)
	if len(opts) > 0 {
		via += fmt.Sprintf(", %d bytes of options", len(opts))
	}
	return g.udpTunnel("geneve", via, a, b, [2]uint16{sportA, 6081}, [2]uint16{sportB, 6081}, 6081, true,
		func(v6, up bool) []gopacket.SerializableLayer {
			h := []byte{
				byte(len(opts) / 4), // version 0 (2 bits), options length in 4-byte units (6 bits)
				0x00,                // O (control packet) 0, C (critical options present): set below, reserved
				0x65, 0x58,          // protocol type: 0x6558 transparent Ethernet bridging
				0, 0, 0, // VNI, filled below
				0x00, // reserved
			}
			for o := 0; o+4 <= len(opts); o += 4 + int(opts[o+3]&0x1f)*4 {
				if opts[o+2]&0x80 != 0 {
					h[1] |= 0x40 // C: an option has its critical bit (the type's high bit) set
				}
			}
			h[4], h[5], h[6] = byte(vni>>16), byte(vni>>8), byte(vni)
			h = append(h, opts...)
			return []gopacket.SerializableLayer{gopacket.Payload(h), innerEther(v6, up, 0)}
		})
}

// geneveOptions are two Geneve options: OVN's logical port (class 0x0102,
// 4 bytes of data) and an experimental one (class 0xffff, 8 bytes).
var geneveOptions = []byte{
	0x01, 0x02, // option class 0x0102 (Open Virtual Networking)
	0x80,                   // type 0x80: its high bit marks the option critical
	0x01,                   // reserved 3 bits, length 1 (4 bytes of data)
	0x00, 0x01, 0x00, 0x02, // data: ingress and egress logical port keys
	0xff, 0xff, // option class 0xffff (experimental)
	0x01,                                           // type 1
	0x02,                                           // length 2 (8 bytes of data)
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, // data
}

// gtpExt is one GTP-U extension header: the bytes between its length octet
// and its next-extension-type octet (len(body)+2 is a multiple of 4).
type gtpExt struct {
	typ  byte
	body []byte
}

// gtpOpt are the optional GTP-U header fields of a T-PDU.
type gtpOpt struct {
	seq  bool     // S: sequence number present (counts up per frame)
	npdu bool     // PN: N-PDU number present
	exts []gtpExt // E: extension headers
}

// sized is a hand-built header whose bytes depend on the length of what
// follows it (a length field), computed when serialized, as FixLengths does
// for gopacket's own layers.
type sized struct {
	lt    gopacket.LayerType
	bytes func(payloadLen int) []byte
}

func (s sized) LayerType() gopacket.LayerType { return s.lt }

func (s sized) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	h := s.bytes(len(b.Bytes()))
	buf, err := b.PrependBytes(len(h))
	if err != nil {
		return err
	}
	copy(buf, h)
	return nil
}

// gtpuHeader builds a GTPv1-U header (3GPP TS 29.281) for a message of
// payloadLen bytes after it. Hand-built: gopacket v1.1.19's serializer
// appends the optional fields after the payload.
func gtpuHeader(msgType byte, teid uint32, seq uint16, o gtpOpt, payloadLen int) []byte {
	flags := byte(0x30) // version 1 (3 bits), PT 1 (GTP, not GTP'), reserved 0
	if len(o.exts) > 0 {
		flags |= 0x04 // E: extension header present
	}
	if o.seq {
		flags |= 0x02 // S: sequence number present
	}
	if o.npdu {
		flags |= 0x01 // PN: N-PDU number present
	}
	h := []byte{flags, msgType, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(h[4:8], teid) // tunnel endpoint identifier
	if flags&0x07 != 0 {
		// The 4 optional octets are present when any of E, S, PN is set.
		opt := []byte{byte(seq >> 8), byte(seq), 0, 0} // sequence number, N-PDU number, next extension header type
		if o.npdu {
			opt[2] = 0x2a // N-PDU number
		}
		if len(o.exts) > 0 {
			opt[3] = o.exts[0].typ
		}
		h = append(h, opt...)
		for i, e := range o.exts {
			n := len(e.body) + 2
			if n%4 != 0 {
				panic(fmt.Errorf("GTP-U extension header 0x%02x: %d bytes, not a multiple of 4", e.typ, n))
			}
			next := byte(0) // no more extension headers
			if i+1 < len(o.exts) {
				next = o.exts[i+1].typ
			}
			h = append(h, byte(n/4)) // length in 4-octet units
			h = append(h, e.body...)
			h = append(h, next) // next extension header type
		}
	}
	binary.BigEndian.PutUint16(h[2:4], uint16(len(h)-8+payloadLen)) // length: everything after the first 8 octets
	return h
}

// pduSession is the PDU session container extension header (type 0x85):
// PDU type 1 (UL PDU session information) or 0 (DL), then the QoS flow ID.
func pduSession(up bool, qfi byte) gtpExt {
	if up {
		return gtpExt{0x85, []byte{0x10, qfi}} // PDU type 1 (UL), spare; spare, QFI
	}
	return gtpExt{0x85, []byte{0x00, qfi}} // PDU type 0 (DL), spare; PPP 0, RQI 0, QFI
}

// gtpu is GTP-U between an access node (a) and a UPF (b), udp/2152 both
// ways: T-PDUs with the TEID the peer assigned (teidUp towards b).
func (g *gen) gtpu(a, b string, teidUp, teidDown uint32, o gtpOpt, qfi byte) *tunnel {
	var seq uint16
	via := "GTP-U T-PDU"
	if o.seq {
		via += " S"
	}
	if o.npdu {
		via += " PN"
	}
	if qfi != 0 {
		via += " E (PDU session container 0x85, PDCP PDU number 0xc0)"
	}
	return g.udpTunnel("gtpu", via, a, b, [2]uint16{2152, 2152}, [2]uint16{2152, 2152}, 2152, true,
		func(v6, up bool) []gopacket.SerializableLayer {
			teid := teidDown
			oo := o
			if up {
				teid = teidUp
			}
			if qfi != 0 {
				oo.exts = []gtpExt{pduSession(up, qfi), {0xc0, []byte{0x01, 0x2c}}} // PDCP PDU number 300
			}
			if o.seq {
				seq++
			}
			s := seq
			return []gopacket.SerializableLayer{sized{layers.LayerTypeGTPv1U, func(n int) []byte { return gtpuHeader(0xff, teid, s, oo, n) }}}
		})
}

// teredoAddr is a Teredo client address (RFC 4380 4): prefix 2001:0::/32,
// the server's IPv4 address, flags, then the client's mapped port and IPv4
// address, both inverted.
func teredoAddr(server netip.Addr, flags uint16, client netip.AddrPort) netip.Addr {
	var a [16]byte
	a[0], a[1] = 0x20, 0x01
	s := server.As4()
	copy(a[4:8], s[:])
	binary.BigEndian.PutUint16(a[8:10], flags)
	binary.BigEndian.PutUint16(a[10:12], ^client.Port())
	c := client.Addr().As4()
	for i := range c {
		a[12+i] = ^c[i]
	}
	return netip.AddrFrom16(a)
}

// teredo is Teredo between a client (a, behind its mapped port) and a
// relay on udp/3544; prefix, when set, is an origin indication or
// authentication header put before the IPv6 packet.
func (g *gen) teredo(a, b string, cport uint16, via string, prefix []byte) *tunnel {
	return g.udpTunnel("teredo", via, a, b, [2]uint16{cport, 3544}, [2]uint16{3544, cport}, 3544, false,
		func(v6, up bool) []gopacket.SerializableLayer {
			if !v6 {
				panic("Teredo carries IPv6 only")
			}
			if prefix == nil {
				return nil
			}
			return []gopacket.SerializableLayer{gopacket.Payload(prefix)}
		})
}

// teredoOrigin is the origin indication (RFC 4380 5.1.1) of a client
// mapped to addr:port: 0x0000, then the port and address, inverted.
func teredoOrigin(mapped netip.AddrPort) []byte {
	h := []byte{0x00, 0x00, 0, 0, 0, 0, 0, 0}          // indicator type 0x0000: origin indication
	binary.BigEndian.PutUint16(h[2:4], ^mapped.Port()) // obfuscated origin port
	a := mapped.Addr().As4()
	for i := range a {
		h[4+i] = ^a[i] // obfuscated origin IPv4 address
	}
	return h
}

// teredoAuth is an authentication header (RFC 4380 5.1.1) without client
// identifier or authentication value.
var teredoAuth = []byte{
	0x00, 0x01, // indicator type 0x0001: authentication
	0x00,                                           // client identifier length 0
	0x00,                                           // authentication value length 0
	0x8a, 0x3c, 0x51, 0x07, 0xe2, 0x19, 0x6d, 0x40, // nonce
	0x00, // confirmation byte
}

// ipip is IP in IP between a and b: protocol 4 for an inner IPv4 packet, 41
// for IPv6, over an IPv4 or IPv6 outer header.
func (g *gen) ipip(a, b string) *tunnel {
	tn := &tunnel{a: netip.MustParseAddr(a), b: netip.MustParseAddr(b), gopacket: true, outer: ipipOuter,
		proto: func(v6 bool) layers.IPProtocol {
			if v6 {
				return layers.IPProtocolIPv6
			}
			return layers.IPProtocolIPv4
		},
		hdr: func(v6, up bool, _ gopacket.NetworkLayer) []gopacket.SerializableLayer { return nil }}
	tn.via = "IP in IPv4"
	if tn.a.Is6() {
		tn.via = "IP in IPv6"
	}
	return tn
}

// ---- inner conversations ----

// exchange returns a request and a response for a TCP service port.
func exchange(port uint16) (req, resp gopacket.SerializableLayer) {
	switch port {
	case 80, 8080:
		return text("GET / HTTP/1.1\r\nHost: inner.example\r\n\r\n"), text("HTTP/1.1 204 No Content\r\n\r\n")
	case 443, 993:
		return tlsRecord(0x16, 200), tlsRecord(0x16, 600)
	case 22:
		return text("SSH-2.0-OpenSSH_9.7\r\n"), text("SSH-2.0-OpenSSH_9.6\r\n")
	case 25:
		return text("EHLO client.example\r\n"), text("250 mail.example\r\n")
	case 6379:
		return text("PING\r\n"), text("+PONG\r\n")
	}
	return gopacket.Payload(pattern(100)), gopacket.Payload(pattern(300))
}

// tcpFrames is a TCP conversation: handshake, one request and one response,
// and with close a FIN exchange.
func tcpFrames(c *conv, close bool) []frame {
	req, resp := exchange(c.srv.Port())
	fs := append(c.handshake(), c.tcp(true, "PA", req), c.tcp(false, "PA", resp))
	if close {
		fs = append(fs, c.close(true)...)
	}
	return fs
}

// udpFrames is a UDP request and response: DNS on 53, NTP on 123, pattern
// bytes otherwise.
func udpFrames(g *gen, c *conv) []frame {
	switch c.srv.Port() {
	case 53:
		id := uint16(g.rng.Uint32())
		return []frame{c.udp(true, dnsQuery(id, "inner.example")), c.udp(false, dnsAnswer(id, "inner.example", netip.MustParseAddr("10.9.9.9")))}
	case 123:
		return []frame{c.udp(true, ntp(3)), c.udp(false, ntp(4))}
	}
	return []frame{c.udp(true, gopacket.Payload(pattern(40))), c.udp(false, gopacket.Payload(pattern(80)))}
}

// svcName is the registry name of a port as gopacket's IANA tables give it.
func svcName(proto string, port uint16) string {
	if proto == "tcp" {
		return layers.TCPPortNames[layers.TCPPort(port)]
	}
	return layers.UDPPortNames[layers.UDPPort(port)]
}

// tunRows returns a TCP row (handshake, request, response; FIN close if
// close) and a UDP row through s, with what the frames count as in both
// modes. outer says what the tunnel is without --decap.
func (g *gen) tunRows(s stack, outer, tcpCli, tcpSrv, udpCli, udpSrv string, close bool) []row {
	var rows []row
	if tcpCli != "" {
		c := g.tconv(s, tcpCli, tcpSrv)
		fs := tcpFrames(c, close)
		end := "end eof"
		if close {
			end = "end fin"
		}
		rows = append(rows, row{
			what:   fmt.Sprintf("%s: inner TCP %s -> %s, handshake, request, response%s", fs[0].via, tcpCli, tcpSrv, map[bool]string{true: ", FIN close", false: ""}[close]),
			expect: outer,
			decap:  fmt.Sprintf("tcp/%d %s; handshake; %s; tunnel %s", c.srv.Port(), svcName("tcp", c.srv.Port()), end, chain(fs[0].tunnels)),
			frames: fs,
		})
	}
	if udpCli != "" {
		c := g.tconv(s, udpCli, udpSrv)
		fs := udpFrames(g, c)
		rows = append(rows, row{
			what:   fmt.Sprintf("%s: inner UDP %s -> %s, request and response", fs[0].via, udpCli, udpSrv),
			expect: outer,
			decap:  fmt.Sprintf("udp/%d %s; registry; tunnel %s", c.srv.Port(), svcName("udp", c.srv.Port()), chain(fs[0].tunnels)),
			frames: fs,
		})
	}
	return rows
}

// chain writes a tunnel list outermost first, runs of one type as type×n.
func chain(kinds []string) string {
	var s string
	for i := 0; i < len(kinds); {
		j := i
		for j < len(kinds) && kinds[j] == kinds[i] {
			j++
		}
		if s != "" {
			s += ">"
		}
		s += kinds[i]
		if j-i > 1 {
			s += fmt.Sprintf("×%d", j-i)
		}
		i = j
	}
	return s
}

// ---- gre.pcap ----

const greOuterText = "other-ip (GRE 47), outer flow between the tunnel endpoints"

func greRows(g *gen) []row {
	var rows []row
	add := func(tn *tunnel, tcpCli, tcpSrv, udpCli, udpSrv string, close bool) {
		rows = append(rows, g.tunRows(over(ether(), tn), greOuterText, tcpCli, tcpSrv, udpCli, udpSrv, close)...)
	}
	add(g.gre("203.0.113.1", "203.0.113.2", "GRE 0x0800 (no flags)", layers.GRE{}),
		"10.1.0.1:51000", "10.1.0.2:80", "10.1.0.1:51001", "10.1.0.2:53", true)
	add(g.gre("203.0.113.1", "203.0.113.2", "GRE 0x86dd (no flags)", layers.GRE{}),
		"[fd00:1::1]:51002", "[fd00:1::2]:443", "[fd00:1::1]:51003", "[fd00:1::2]:123", false)
	add(g.gre("2001:db8:ffff::1", "2001:db8:ffff::2", "GRE over IPv6 (no flags)", layers.GRE{}),
		"10.1.1.1:51004", "10.1.1.2:22", "[fd00:1:1::1]:51005", "[fd00:1:1::2]:53", false)
	add(g.gre("203.0.113.3", "203.0.113.4", "GRE K, key 0x00001234", layers.GRE{KeyPresent: true, Key: 0x1234}),
		"10.2.0.1:51010", "10.2.0.2:22", "10.2.0.1:51011", "10.2.0.2:53", false)
	add(g.gre("203.0.113.5", "203.0.113.6", "GRE S, sequence numbers", layers.GRE{SeqPresent: true}),
		"10.3.0.1:51020", "10.3.0.2:3306", "10.3.0.1:51021", "10.3.0.2:161", false)
	add(g.gre("203.0.113.7", "203.0.113.8", "GRE C, checksum", layers.GRE{ChecksumPresent: true}),
		"10.4.0.1:51030", "10.4.0.2:25", "10.4.0.1:51031", "10.4.0.2:514", false)
	add(g.gre("203.0.113.9", "203.0.113.10", "GRE C+K+S, key 0xdeadbeef", layers.GRE{ChecksumPresent: true, KeyPresent: true, Key: 0xdeadbeef, SeqPresent: true}),
		"[fd00:5::1]:51040", "[fd00:5::2]:8080", "10.5.0.1:51041", "10.5.0.2:123", false)
	add(g.nvgre("203.0.113.11", "203.0.113.12", 0x5001, 0x7f),
		"10.6.0.1:51050", "10.6.0.2:445", "10.6.0.1:51051", "10.6.0.2:53", false)
	add(g.greMPLS("203.0.113.13", "203.0.113.14", 100),
		"10.7.0.1:51060", "10.7.0.2:179", "10.7.0.1:51061", "10.7.0.2:53", false)
	return rows
}

// ---- erspan.pcap ----

const erspanOuterText = "other-ip (GRE 47), outer flow switch -> collector (one way: both inner directions are mirrored the same way)"

func erspanRows(g *gen) []row {
	var rows []row
	add := func(tn *tunnel, tcpCli, tcpSrv, udpCli, udpSrv string) {
		rows = append(rows, g.tunRows(over(ether(), tn), erspanOuterText, tcpCli, tcpSrv, udpCli, udpSrv, false)...)
	}
	add(g.erspan1("192.0.2.250", "198.51.100.250"), "10.20.0.1:51000", "10.20.0.2:443", "10.20.0.1:51001", "10.20.0.2:53")
	add(g.erspan2("192.0.2.250", "198.51.100.250", 7, erspanFrame{}), "10.21.0.1:51010", "10.21.0.2:80", "10.21.0.1:51011", "10.21.0.2:123")
	add(g.erspan2("192.0.2.250", "198.51.100.250", 8, erspanFrame{vlan: 10}), "10.22.0.1:51020", "10.22.0.2:8080", "", "")
	add(g.erspan3("192.0.2.251", "198.51.100.250", 300, false), "10.23.0.1:51030", "10.23.0.2:22", "10.23.0.1:51031", "10.23.0.2:53")
	add(g.erspan3("192.0.2.251", "198.51.100.250", 301, true), "10.24.0.1:51040", "10.24.0.2:3389", "10.24.0.1:51041", "10.24.0.2:161")
	return rows
}

// ---- vxlan-geneve.pcap ----

func vxlanGeneveRows(g *gen) []row {
	var rows []row
	add := func(tn *tunnel, outer, tcpCli, tcpSrv, udpCli, udpSrv string) {
		rows = append(rows, g.tunRows(over(ether(), tn), outer, tcpCli, tcpSrv, udpCli, udpSrv, false)...)
	}
	vx := "udp/4789 vxlan (registry); each direction is its own outer flow: VTEP source ports 49411 and 58123 -> 4789"
	add(g.vxlan("192.0.2.31", "192.0.2.32", 49411, 58123, 4789, 5001), vx, "10.30.0.1:51000", "10.30.0.2:443", "[fd00:30::1]:51001", "[fd00:30::2]:53")
	vx6 := "udp/4789 vxlan (registry), IPv6 underlay; VTEP source ports 50001 and 50002 -> 4789"
	add(g.vxlan("2001:db8:31::1", "2001:db8:31::2", 50001, 50002, 4789, 5002), vx6, "10.31.0.1:51010", "10.31.0.2:80", "[fd00:31::1]:51011", "[fd00:31::2]:123")
	otv := "udp/8472 otv (registry: IANA names 8472 otv; Linux VXLAN default); VTEP source ports 41234 and 39876 -> 8472"
	add(g.vxlan("192.0.2.33", "192.0.2.34", 41234, 39876, 8472, 42), otv, "10.32.0.1:51020", "10.32.0.2:22", "[fd00:32::1]:51021", "[fd00:32::2]:53")
	gn := "udp/6081 geneve (registry); tunnel source ports 33000 and 33001 -> 6081"
	add(g.geneve("192.0.2.35", "192.0.2.36", 33000, 33001, 7001, nil), gn, "10.33.0.1:51030", "10.33.0.2:80", "10.33.0.1:51031", "10.33.0.2:53")
	gn2 := "udp/6081 geneve (registry); tunnel source ports 33002 and 33003 -> 6081"
	add(g.geneve("192.0.2.35", "192.0.2.36", 33002, 33003, 7002, geneveOptions), gn2, "10.34.0.1:51040", "10.34.0.2:6379", "10.34.0.1:51041", "10.34.0.2:123")
	return rows
}

// ---- gtpu.pcap ----

func gtpuRows(g *gen) []row {
	var rows []row
	const gtpText = "udp/2152 gtp-user (both ports 2152: one outer flow per node pair)"
	add := func(tn *tunnel, tcpCli, tcpSrv, udpCli, udpSrv string) {
		rows = append(rows, g.tunRows(over(ether(), tn), gtpText, tcpCli, tcpSrv, udpCli, udpSrv, false)...)
	}
	gnb, upf := "10.200.0.1", "10.200.0.2"
	add(g.gtpu(gnb, upf, 0x0000a001, 0x0000b001, gtpOpt{}, 0), "10.45.0.2:51000", "198.51.100.44:443", "", "")
	add(g.gtpu(gnb, upf, 0x0000a002, 0x0000b002, gtpOpt{seq: true}, 0), "", "", "[2001:db8:45::2]:51001", "[2001:db8:53::53]:53")
	add(g.gtpu(gnb, upf, 0x0000a003, 0x0000b003, gtpOpt{}, 9), "10.45.0.3:51002", "198.51.100.80:80", "10.45.0.3:51003", "198.51.100.123:123")
	add(g.gtpu(gnb, upf, 0x0000a004, 0x0000b004, gtpOpt{npdu: true}, 0), "[2001:db8:45::4]:51004", "[2001:db8:22::22]:22", "", "")
	add(g.gtpu(gnb, upf, 0x0000a005, 0x0000b005, gtpOpt{seq: true, npdu: true}, 5), "", "", "10.45.0.5:51005", "198.51.100.53:53")
	rows = append(rows, row{
		what:   "GTP-U echo request (type 1, S, sequence 0x1234) and echo response (type 2, Recovery IE): path management, no inner packet",
		expect: "udp/2152 gtp-user",
		decap:  "udp/2152 gtp-user: nothing to decapsulate, stays the outer flow; counted as tunnel gtpu",
		frames: []frame{g.gtpEcho(gnb, upf, true), g.gtpEcho(gnb, upf, false)},
	})
	return rows
}

// gtpEcho is a GTP-U echo request (from a) or response (from b): udp/2152
// both ways, header with S and sequence 0x1234; the response carries the
// Recovery IE.
func (g *gen) gtpEcho(a, b string, request bool) frame {
	src, dst := netip.MustParseAddr(a), netip.MustParseAddr(b)
	typ, body := byte(1), []byte(nil)
	if !request {
		src, dst = dst, src
		typ, body = 2, []byte{14, 0} // Recovery IE: type 14, restart counter 0
	}
	h := gtpuHeader(typ, 0, 0x1234, gtpOpt{seq: true}, len(body)) // echo messages use TEID 0
	h4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, Id: g.nextID(), SrcIP: ip(src), DstIP: ip(dst)}
	u := &layers.UDP{SrcPort: 2152, DstPort: 2152}
	u.SetNetworkLayerForChecksum(h4)
	data := serialize(append(ether()(false, request), h4, u, gopacket.Payload(append(h, body...)))...)
	return frame{data: data, bucket: bUDP, layer: layers.LayerTypeUDP, sport: 2152, dport: 2152, hasPorts: true, service: 2152,
		tunnels: []string{"gtpu"}, via: "GTP-U echo"}
}

// ---- ipip.pcap ----

func ipipRows(g *gen) []row {
	var rows []row
	add := func(tn *tunnel, outer, tcpCli, tcpSrv, udpCli, udpSrv string) {
		rows = append(rows, g.tunRows(over(ether(), tn), outer, tcpCli, tcpSrv, udpCli, udpSrv, false)...)
	}
	add(g.ipip("203.0.113.41", "203.0.113.42"), "other-ip (IPv4 4)", "10.40.0.1:51000", "10.40.0.2:80", "10.40.0.1:51001", "10.40.0.2:53")
	add(g.ipip("203.0.113.43", "203.0.113.44"), "other-ip (IPv6 41)", "[2001:db8:41::1]:51002", "[2001:db8:41::2]:443", "[2001:db8:41::1]:51003", "[2001:db8:41::2]:123")
	add(g.ipip("2001:db8:ff04::1", "2001:db8:ff04::2"), "other-ip (IPv4 4)", "10.44.0.1:51004", "10.44.0.2:22", "10.44.0.1:51005", "10.44.0.2:53")
	add(g.ipip("2001:db8:ff06::1", "2001:db8:ff06::2"), "other-ip (IPv6 41)", "[fd00:66::1]:51006", "[fd00:66::2]:8080", "[fd00:66::1]:51007", "[fd00:66::2]:53")

	// Teredo: a client behind a NAT, mapped to 192.0.2.77:40000, talks to a
	// native IPv6 server through a relay on udp/3544; the capture sees the
	// mapped address and port.
	clientMapped := ap("192.0.2.77:40000")
	relay := "198.51.100.35"
	cli := teredoAddr(netip.MustParseAddr("198.51.100.30"), 0x8000, clientMapped)
	cliTCP := netip.AddrPortFrom(cli, 51010).String()
	cliUDP := netip.AddrPortFrom(cli, 51011).String()
	const teredoOuter = "udp/3544 teredo (registry), outer flow client 192.0.2.77:40000 <-> relay 198.51.100.35:3544"
	plain := g.teredo("192.0.2.77", relay, 40000, "Teredo", nil)
	origin := g.teredo("192.0.2.77", relay, 40000, "Teredo + origin indication", teredoOrigin(clientMapped))
	auth := g.teredo("192.0.2.77", relay, 40000, "Teredo + authentication header", teredoAuth)
	c := g.tconv(over(ether(), plain), cliTCP, "[2001:db8:443::1]:443")
	syn := c.tcp(true, "S", nil)
	c.post = func(up bool, f frame) frame { return g.encap(over(ether(), origin), up, f) }
	synAck := c.tcp(false, "SA", nil)
	c.post = func(up bool, f frame) frame { return g.encap(over(ether(), auth), up, f) }
	ack := c.tcp(true, "A", nil)
	c.post = func(up bool, f frame) frame { return g.encap(over(ether(), plain), up, f) }
	req, resp := exchange(443)
	rows = append(rows, row{
		what:   fmt.Sprintf("Teredo: inner TCP [%s]:51010 -> [2001:db8:443::1]:443; the SYN-ACK carries an origin indication (0x0000), the ACK an authentication header (0x0001), the rest nothing", cli),
		expect: teredoOuter,
		decap:  "tcp/443 https; handshake; end eof; tunnel teredo",
		frames: []frame{syn, synAck, ack, c.tcp(true, "PA", req), c.tcp(false, "PA", resp)},
	})
	u := g.tconv(over(ether(), plain), cliUDP, "[2001:db8:53::53]:53")
	rows = append(rows, row{
		what:   fmt.Sprintf("Teredo: inner UDP [%s]:51011 -> [2001:db8:53::53]:53, DNS query and answer", cli),
		expect: teredoOuter,
		decap:  "udp/53 domain; registry; tunnel teredo",
		frames: udpFrames(g, u),
	})
	return rows
}

// ---- tunnel-bomb.pcap ----

func bombRows(g *gen) []row {
	var rows []row

	// 3 levels of different types: within any depth limit.
	mixed := over(ether(),
		g.vxlan("192.0.2.61", "192.0.2.62", 49001, 49002, 4789, 100),
		g.gre("10.60.0.1", "10.60.0.2", "GRE", layers.GRE{}),
		g.ipip("10.61.0.1", "10.61.0.2"))
	c := g.tconv(mixed, "10.62.0.1:51000", "10.62.0.2:443")
	rows = append(rows, row{
		what:   "3 levels: VXLAN > GRE > IPv4-in-IPv4 > TCP 10.62.0.1:51000 -> 10.62.0.2:443, handshake, request, response",
		expect: "udp/4789 vxlan (registry), the outermost tunnel",
		decap:  "tcp/443 https; handshake; tunnel vxlan>gre>ipip (3 levels: any depth limit >= 3)",
		frames: tcpFrames(c, false),
	})

	// 20 levels of IPv4 in IPv4.
	var deep []*tunnel
	for i := range 20 {
		deep = append(deep, g.ipip(fmt.Sprintf("10.70.%d.1", i), fmt.Sprintf("10.70.%d.2", i)))
	}
	c = g.tconv(over(ether(), deep...), "10.71.0.1:51010", "10.71.0.2:80")
	rows = append(rows, row{
		what:   "20 levels of IPv4-in-IPv4 (10.70.i.1 <-> 10.70.i.2), innermost TCP 10.71.0.1:51010 -> 10.71.0.2:80: SYN, SYN-ACK, ACK",
		expect: "other-ip (IPv4 4), the outermost tunnel",
		decap:  "over the depth limit (if below 20): not decapsulated, counted as the outer flow other-ip (IPv4 4) and as over the limit; with a limit >= 20: tcp/80 http, handshake. decap below shows the innermost flow",
		frames: c.handshake(),
	})

	// 10 levels of VXLAN in VXLAN.
	deep = nil
	for i := range 10 {
		deep = append(deep, g.vxlan(fmt.Sprintf("10.80.%d.1", i), fmt.Sprintf("10.80.%d.2", i), uint16(49100+i), uint16(49200+i), 4789, uint32(1000+i)))
	}
	c = g.tconv(over(ether(), deep...), "10.81.0.1:51020", "10.81.0.2:22")
	u := g.tconv(over(ether(), deep...), "10.81.0.1:51021", "10.81.0.2:53")
	rows = append(rows, row{
		what:   "10 levels of VXLAN in VXLAN (udp/4789, VNI 1000-1009), innermost TCP 10.81.0.1:51020 -> 10.81.0.2:22 SYN, SYN-ACK and UDP DNS query, answer",
		expect: "udp/4789 vxlan (registry), the outermost tunnel",
		decap:  "over the depth limit (if below 10): the outer flow udp/4789, counted as over the limit; with a limit >= 10: tcp/22 ssh (handshake) and udp/53 domain. decap below shows the innermost flows",
		frames: append([]frame{c.tcp(true, "S", nil), c.tcp(false, "SA", nil)}, udpFrames(g, u)...),
	})

	// A damaged inner packet: GRE whose inner IPv4 header says IHL 3.
	greTn := g.gre("203.0.113.90", "203.0.113.91", "GRE", layers.GRE{})
	bare := g.conv(rawIP(), ap("10.90.0.1:51030"), ap("10.90.0.2:80"))
	f := bare.tcp(true, "S", nil)
	f.data[0] = 0x43 // version 4, IHL 3 (12 bytes: less than the 20-byte minimum)
	fixIPv4Checksum(f.data, 20)
	f = malformed(f)
	f.note = "inner IPv4 IHL 3"
	dmg := g.encap(over(ether(), greTn), true, f)
	rows = append(rows, row{
		what:   "GRE carrying an IPv4 SYN whose header says IHL 3 (10.90.0.1:51030 -> 10.90.0.2:80)",
		expect: greOuterText,
		decap:  "malformed (the inner IPv4 header is impossible), counted once; tunnel gre",
		frames: []frame{dmg},
	})

	// Inner packets cut by the snaplen.
	cg := g.tconv(over(ether(), greTn), "10.91.0.1:51040", "10.91.0.2:443")
	hs := cg.handshake()
	data := cg.tcp(true, "PA", tlsRecord(0x17, 900))
	cutAt := data.decap.l3 + 20 + 6
	rows = append(rows, row{
		what:   "GRE, inner TCP 10.91.0.1:51040 -> 10.91.0.2:443: handshake, then a data segment cut by the snaplen 6 bytes into the inner TCP header",
		expect: greOuterText,
		decap:  "tcp/443 https, handshake; the cut segment is tcp + short (inner ports readable); tunnel gre",
		frames: append(hs, cutInner(data, cutAt, bTCP, true)),
	})
	cv := g.tconv(over(ether(), g.vxlan("192.0.2.93", "192.0.2.94", 49500, 49501, 4789, 93)), "10.92.0.1:51050", "10.92.0.2:80")
	first := cv.tcp(true, "S", nil)
	cutFrame := cv.tcp(false, "SA", nil)
	rows = append(rows, row{
		what:   "VXLAN, inner TCP 10.92.0.1:51050 -> 10.92.0.2:80: SYN, then a SYN-ACK cut by the snaplen 12 bytes into the inner IPv4 header",
		expect: "udp/4789 vxlan (registry); the cut frame's outer UDP header is whole: udp, not short",
		decap:  "SYN: tcp/80 http; the cut frame: truncated (the inner ports are not reached); tunnel vxlan",
		frames: []frame{first, cutInner(cutFrame, cutFrame.decap.l3+12, bTruncated, false)},
	})
	return rows
}

// cutInner keeps the first n bytes of a tunnelled frame (the wire length
// stays): the outer view is unchanged, the inner one becomes bucket (and
// short).
func cutInner(f frame, n int, bucket string, short bool) frame {
	f.wire = len(f.data)
	f.data = f.data[:n:n]
	d := *f.decap
	d.bucket, d.short, d.hasPorts = bucket, short, short
	if !short {
		d.layer = gopacket.LayerTypeDecodeFailure
	}
	f.decap = &d
	return f
}
