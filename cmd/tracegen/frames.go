package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Buckets, as PRODUCT.md "What is counted" names them. A frame of a small trace
// carries the bucket it is meant to land in, so a reader of the table (and the
// lead checking goldens) sees the intent next to the bytes.
const (
	bTCP       = "tcp"
	bUDP       = "udp"
	bSCTP      = "sctp"
	bFragment  = "fragment"
	bICMP      = "icmp"
	bOtherIP   = "other-ip"
	bNonIP     = "non-ip"
	bTruncated = "truncated"
	bMalformed = "malformed"
)

// frame is one captured frame of a small trace together with what it is meant
// to exercise. The test decodes data with gopacket.NewPacket and checks layer
// and ports, an independent check of the generator.
type frame struct {
	data  []byte // captured bytes
	wire  int    // length on the wire; 0 means len(data) (not cut)
	iface int    // pcapng interface index; 0 in pcap files

	bucket string // top-level bucket portsift should count the frame in
	short  bool   // transport header cut, but its first 4 bytes (ports) captured

	// layer is what gopacket.NewPacket finds right after the outermost IP
	// header and its IPv6 extension headers (TCP, UDP, SCTP, ICMPv4, GRE,
	// Fragment, DecodeFailure...), or, for a frame without IP, the first
	// layer after the link and encapsulation headers (ARP, LLDP...).
	layer gopacket.LayerType
	// sport and dport are the transport ports as sent, valid iff hasPorts.
	// For a first fragment or a cut header the test reads them from the
	// first 4 bytes after the IP header.
	sport, dport uint16
	hasPorts     bool
	// service is the intended service-side port of the frame's flow (the
	// conversation's server port), 0 when the frame has no ports.
	service uint16
	// note names what the frame is where its bucket has no service: "GRE",
	// "SLARP 0x8035", "inner IPv4 IHL 3". For the README and -list only.
	note string
	// noPacket: the link header carries no packet at all (NFLOG without
	// NFULA_PAYLOAD): bucket truncated although the record is not cut.
	noPacket bool

	// Tunnel traces (testdata/tunnels) only.
	//
	// tunnels lists the tunnel types the frame travels in, outermost first
	// (gre, erspan, vxlan, geneve, gtpu, ipip, 6in4, 4in6, 6in6, teredo);
	// via says which variant ("GRE key 0x1234", "VXLAN udp/8472").
	tunnels []string
	via     string
	// decap is what --decap makes of the frame: the innermost packet's
	// bucket, layer, ports and service; nil when --decap leaves the frame as
	// it is (no tunnel, or a tunnel without an inner packet).
	decap *frame
	// l3 (in decap) is the offset of the innermost IP header in the frame's
	// data; gopacket (in decap) says whether gopacket v1.1.19, decoding the
	// whole frame, reaches that header.
	l3       int
	gopacket bool
}

// wireLen returns the frame's original length.
func (f frame) wireLen() int {
	if f.wire != 0 {
		return f.wire
	}
	return len(f.data)
}

// row is one line of a trace's flow table: a conversation or a group of
// special frames, what it exercises and what portsift should make of it.
type row struct {
	what   string  // what the row exercises
	expect string  // intended classification: service; reason; end; alert
	decap  string  // tunnel traces: the intended classification with --decap
	frames []frame // in capture order (unless the trace interleaves rows)

	// For rows without a handshake that rely on the port rules 2-5, the rule
	// (a --flows reason: registry, well-known, non-ephemeral, lower-port,
	// port-stability, ephemeral), the protocol and the intended service port.
	// The test checks the port choice against gopacket's port-name tables.
	rule    string
	proto   string
	srvPort uint16
}

// gen holds the per-trace state of the small-trace builders: a random source
// seeded from the trace name (so editing one trace leaves the others' bytes
// alone) and an IPv4 identification counter.
type gen struct {
	rng  *rand.Rand
	ipID uint16
}

func newGen(name string) *gen {
	h := fnv.New64a()
	h.Write([]byte(name))
	rng := rand.New(rand.NewPCG(h.Sum64(), 0x706f727473696674)) // "portsift"
	return &gen{rng: rng, ipID: uint16(rng.Uint32())}
}

func (g *gen) nextID() uint16 {
	g.ipID++
	return g.ipID
}

// serialize runs gopacket.SerializeLayers with FixLengths and
// ComputeChecksums. The small traces are fixed tables, so an error is a bug
// in a table: it panics, and generate turns the panic into an error.
func serialize(ls ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		names := make([]string, len(ls))
		for i, l := range ls {
			names[i] = l.LayerType().String()
		}
		panic(fmt.Errorf("serialize %s: %w", strings.Join(names, "/"), err))
	}
	return bytes.Clone(buf.Bytes())
}

// ---- addresses ----

var (
	macClient = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x0c, 0x01} // locally administered
	macServer = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x05, 0x01} // the router towards servers
	macBcast  = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
)

// ap is netip.MustParseAddrPort for the fixed tables.
func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func ip(a netip.Addr) net.IP { return net.IP(a.AsSlice()) }

// ---- link layers ----

// link returns the headers that go before the IP header of one frame: the
// link layer and any encapsulation. v6 says which IP version follows and up
// the direction (true: client to server), so MAC addresses can swap.
type link func(v6, up bool) []gopacket.SerializableLayer

func ipEtherType(v6 bool) layers.EthernetType {
	if v6 {
		return layers.EthernetTypeIPv6
	}
	return layers.EthernetTypeIPv4
}

func macs(up bool) (src, dst net.HardwareAddr) {
	if up {
		return macClient, macServer
	}
	return macServer, macClient
}

// ether is plain Ethernet II.
func ether() link {
	return func(v6, up bool) []gopacket.SerializableLayer {
		src, dst := macs(up)
		return []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: ipEtherType(v6)}}
	}
}

// vlan is Ethernet with one or more VLAN tags; tpid is the outer tag's
// EtherType (0x8100, or 0x88a8 for a QinQ service tag), inner tags use 0x8100.
func vlan(tpid layers.EthernetType, vids ...uint16) link {
	return func(v6, up bool) []gopacket.SerializableLayer {
		src, dst := macs(up)
		ls := []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: tpid}}
		for i, vid := range vids {
			next := layers.EthernetTypeDot1Q
			if i == len(vids)-1 {
				next = ipEtherType(v6)
			}
			ls = append(ls, &layers.Dot1Q{VLANIdentifier: vid, Type: next})
		}
		return ls
	}
}

// mpls is Ethernet with an MPLS label stack; the last label has the
// bottom-of-stack bit. The payload's IP version is found from its first nibble.
func mpls(labels ...uint32) link {
	return func(v6, up bool) []gopacket.SerializableLayer {
		src, dst := macs(up)
		ls := []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeMPLSUnicast}}
		for i, l := range labels {
			ls = append(ls, &layers.MPLS{Label: l, TTL: 64, StackBottom: i == len(labels)-1})
		}
		return ls
	}
}

// pppoe is an Ethernet PPPoE session (0x8864) carrying PPP.
func pppoe(session uint16) link {
	return func(v6, up bool) []gopacket.SerializableLayer {
		src, dst := macs(up)
		return []gopacket.SerializableLayer{
			&layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypePPPoESession},
			&layers.PPPoE{Version: 1, Type: 1, Code: layers.PPPoECodeSession, SessionId: session},
			&layers.PPP{PPPType: pppType(v6)},
		}
	}
}

func pppType(v6 bool) layers.PPPType {
	if v6 {
		return layers.PPPTypeIPv6 // 0x0057
	}
	return layers.PPPTypeIPv4 // 0x0021
}

// rawIP is no link header at all (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6).
func rawIP() link {
	return func(v6, up bool) []gopacket.SerializableLayer { return nil }
}

// ppp is LINKTYPE_PPP: an optional HDLC address/control pair ff 03, then the
// 2-byte PPP protocol (0x0021 IPv4, 0x0057 IPv6).
func ppp(addrControl bool) link {
	return func(v6, up bool) []gopacket.SerializableLayer {
		return []gopacket.SerializableLayer{&layers.PPP{PPPType: pppType(v6), HasPPTPHeader: addrControl}}
	}
}

// Address families of the BSD loopback header.
const (
	afInet         = 2  // AF_INET everywhere
	afInet6BSD     = 24 // AF_INET6 on NetBSD, OpenBSD
	afInet6FreeBSD = 28 // AF_INET6 on FreeBSD, DragonFly
	afInet6Darwin  = 30 // AF_INET6 on macOS
)

// null is LINKTYPE_NULL: a 4-byte address family in the capturing host's byte
// order, little-endian here (as written by an x86 or arm64 BSD or macOS).
func null(fam6 uint32) link {
	return func(v6, up bool) []gopacket.SerializableLayer {
		h := make([]byte, 4)
		fam := uint32(afInet)
		if v6 {
			fam = fam6
		}
		binary.LittleEndian.PutUint32(h[0:4], fam) // address family, host (LE) order
		return []gopacket.SerializableLayer{gopacket.Payload(h)}
	}
}

// loop is LINKTYPE_LOOP (OpenBSD): the same 4-byte family in network order.
func loop(fam6 uint32) link {
	return func(v6, up bool) []gopacket.SerializableLayer {
		h := make([]byte, 4)
		fam := uint32(afInet)
		if v6 {
			fam = fam6
		}
		binary.BigEndian.PutUint32(h[0:4], fam) // address family, network (BE) order
		return []gopacket.SerializableLayer{gopacket.Payload(h)}
	}
}

// Linux packet types (sll_pkttype) and ARPHRD types used in cooked headers.
const (
	sllHost     = 0 // to us
	sllOutgoing = 4 // sent by us
	arphrdEther = 1
	arphrdLoop  = 772
)

// sllHeader hand-builds the 16-byte LINKTYPE_LINUX_SLL header; gopacket
// v1.1.19 decodes it but has no serializer.
func sllHeader(pktType, arphrd uint16, addr net.HardwareAddr, proto layers.EthernetType) []byte {
	h := make([]byte, 16)
	binary.BigEndian.PutUint16(h[0:2], pktType)           // packet type: 0 host, 4 outgoing
	binary.BigEndian.PutUint16(h[2:4], arphrd)            // ARPHRD_ type of the device
	binary.BigEndian.PutUint16(h[4:6], uint16(len(addr))) // link-layer address length
	copy(h[6:14], addr)                                   // link-layer address, zero-padded to 8
	binary.BigEndian.PutUint16(h[14:16], uint16(proto))   // protocol: an EtherType
	return h
}

// sll is LINKTYPE_LINUX_SLL (113), as tcpdump -i any writes on older libpcap.
// Frames to the server are "outgoing" from the capturing client.
func sll() link {
	return func(v6, up bool) []gopacket.SerializableLayer {
		pt, mac := uint16(sllHost), macServer
		if up {
			pt, mac = sllOutgoing, macClient
		}
		return []gopacket.SerializableLayer{gopacket.Payload(sllHeader(pt, arphrdEther, mac, ipEtherType(v6)))}
	}
}

// sll2Header hand-builds the 20-byte LINKTYPE_LINUX_SLL2 header; gopacket
// v1.1.19 has neither a decoder nor room for link type 276 (LinkType is a
// uint8 there).
func sll2Header(proto layers.EthernetType, ifindex uint32, arphrd uint16, pktType uint8, addr net.HardwareAddr) []byte {
	h := make([]byte, 20)
	binary.BigEndian.PutUint16(h[0:2], uint16(proto)) // protocol type: an EtherType
	binary.BigEndian.PutUint16(h[2:4], 0)             // reserved (MBZ)
	binary.BigEndian.PutUint32(h[4:8], ifindex)       // interface index
	binary.BigEndian.PutUint16(h[8:10], arphrd)       // ARPHRD_ type
	h[10] = pktType                                   // packet type: 0 host, 4 outgoing
	h[11] = uint8(len(addr))                          // link-layer address length
	copy(h[12:20], addr)                              // link-layer address, zero-padded to 8
	return h
}

// sll2 is LINKTYPE_LINUX_SLL2 (276), tcpdump -i any on libpcap >= 1.10.
func sll2(ifindex uint32) link {
	return func(v6, up bool) []gopacket.SerializableLayer {
		pt, mac := uint8(sllHost), macServer
		if up {
			pt, mac = sllOutgoing, macClient
		}
		return []gopacket.SerializableLayer{gopacket.Payload(sll2Header(ipEtherType(v6), ifindex, arphrdEther, pt, mac))}
	}
}

// ---- conversations ----

// conv builds the frames of one conversation between a client and a server.
// It keeps TCP sequence numbers, so data and ACKs line up.
type conv struct {
	g        *gen
	link     link
	cli, srv netip.AddrPort
	cseq     uint32 // client's next sequence number
	sseq     uint32 // server's next sequence number
	ttl      uint8

	// opts, when set, are put in the IPv4 header of the next frames.
	opts []layers.IPv4Option
	// post, when set, rewrites every frame the conversation builds: it puts
	// the IP packet (built with the rawIP link) into a tunnel, or behind a
	// link header that depends on the packet (NFLOG).
	post func(up bool, f frame) frame
}

func (g *gen) conv(l link, cli, srv netip.AddrPort) *conv {
	return &conv{g: g, link: l, cli: cli, srv: srv, cseq: g.rng.Uint32(), sseq: g.rng.Uint32(), ttl: 64}
}

func (c *conv) v6() bool { return c.cli.Addr().Is6() }

func (c *conv) ends(up bool) (src, dst netip.AddrPort) {
	if up {
		return c.cli, c.srv
	}
	return c.srv, c.cli
}

// ipLayer returns the IP header for one frame of the conversation.
func (c *conv) ipLayer(up bool, proto layers.IPProtocol) (gopacket.SerializableLayer, gopacket.NetworkLayer) {
	src, dst := c.ends(up)
	if c.v6() {
		l := &layers.IPv6{Version: 6, HopLimit: c.ttl, NextHeader: proto, SrcIP: ip(src.Addr()), DstIP: ip(dst.Addr())}
		return l, l
	}
	l := &layers.IPv4{Version: 4, TTL: c.ttl, Protocol: proto, Id: c.g.nextID(), SrcIP: ip(src.Addr()), DstIP: ip(dst.Addr()), Options: c.opts}
	if proto == layers.IPProtocolTCP {
		l.Flags = layers.IPv4DontFragment
	}
	return l, l
}

// build serializes link + IP + the given upper layers into a frame.
func (c *conv) build(up bool, proto layers.IPProtocol, upper ...gopacket.SerializableLayer) []byte {
	ipl, _ := c.ipLayer(up, proto)
	ls := append(c.link(c.v6(), up), ipl)
	ls = append(ls, upper...)
	return serialize(ls...)
}

// tcp builds one TCP segment. flags is a string of S (SYN), A (ACK), F (FIN),
// R (RST), P (PSH); the ACK number is the peer's next sequence number.
func (c *conv) tcp(up bool, flags string, payload gopacket.SerializableLayer) frame {
	src, dst := c.ends(up)
	t := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Window: 64240}
	for _, f := range flags {
		switch f {
		case 'S':
			t.SYN = true
		case 'A':
			t.ACK = true
		case 'F':
			t.FIN = true
		case 'R':
			t.RST = true
		case 'P':
			t.PSH = true
		default:
			panic(fmt.Errorf("tcp flags %q: unknown flag %q", flags, f))
		}
	}
	seq, ack := &c.cseq, c.sseq
	if !up {
		seq, ack = &c.sseq, c.cseq
	}
	t.Seq = *seq
	if t.ACK {
		t.Ack = ack
	}
	if t.SYN {
		// MSS 1460, SACK permitted, timestamps, window scale 7: what Linux sends.
		t.Options = []layers.TCPOption{
			{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}},
			{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
			{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: []byte{0, 0, 0, 1, 0, 0, 0, 0}},
			{OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
		}
	}
	n := 0
	upper := []gopacket.SerializableLayer{t}
	if payload != nil {
		upper = append(upper, payload)
		n = len(serialize(payload))
	}
	*seq += uint32(n)
	if t.SYN {
		*seq++
	}
	if t.FIN {
		*seq++
	}
	ipl, nl := c.ipLayer(up, layers.IPProtocolTCP)
	t.SetNetworkLayerForChecksum(nl)
	ls := append(c.link(c.v6(), up), ipl)
	ls = append(ls, upper...)
	return c.finish(up, frame{data: serialize(ls...), bucket: bTCP, layer: layers.LayerTypeTCP, sport: src.Port(), dport: dst.Port(), hasPorts: true, service: c.srv.Port()})
}

// finish applies the conversation's post step, if any, to a built frame.
func (c *conv) finish(up bool, f frame) frame {
	if c.post != nil {
		return c.post(up, f)
	}
	return f
}

// handshake is SYN, SYN-ACK, ACK.
func (c *conv) handshake() []frame {
	return []frame{c.tcp(true, "S", nil), c.tcp(false, "SA", nil), c.tcp(true, "A", nil)}
}

// close is FIN-ACK from one side, FIN-ACK from the other, last ACK.
func (c *conv) close(clientFirst bool) []frame {
	return []frame{c.tcp(clientFirst, "FA", nil), c.tcp(!clientFirst, "FA", nil), c.tcp(clientFirst, "A", nil)}
}

// udp builds one UDP datagram.
func (c *conv) udp(up bool, payload gopacket.SerializableLayer) frame {
	src, dst := c.ends(up)
	u := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	ipl, nl := c.ipLayer(up, layers.IPProtocolUDP)
	u.SetNetworkLayerForChecksum(nl)
	ls := append(c.link(c.v6(), up), ipl, u)
	if payload != nil {
		ls = append(ls, payload)
	}
	return c.finish(up, frame{data: serialize(ls...), bucket: bUDP, layer: layers.LayerTypeUDP, sport: src.Port(), dport: dst.Port(), hasPorts: true, service: c.srv.Port()})
}

// echo builds an ICMP (IPv4) or ICMPv6 echo request (up) or reply.
func (c *conv) echo(up bool, id, seq uint16) frame {
	payload := gopacket.Payload(pattern(32))
	if c.v6() {
		typ := uint8(layers.ICMPv6TypeEchoRequest)
		if !up {
			typ = layers.ICMPv6TypeEchoReply
		}
		ipl, nl := c.ipLayer(up, layers.IPProtocolICMPv6)
		ic := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, 0)}
		ic.SetNetworkLayerForChecksum(nl)
		ls := append(c.link(true, up), ipl, ic, &layers.ICMPv6Echo{Identifier: id, SeqNumber: seq}, payload)
		return c.finish(up, frame{data: serialize(ls...), bucket: bICMP, layer: layers.LayerTypeICMPv6})
	}
	typ := uint8(layers.ICMPv4TypeEchoRequest)
	if !up {
		typ = layers.ICMPv4TypeEchoReply
	}
	ipl, _ := c.ipLayer(up, layers.IPProtocolICMPv4)
	ls := append(c.link(false, up), ipl, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 0), Id: id, Seq: seq}, payload)
	return c.finish(up, frame{data: serialize(ls...), bucket: bICMP, layer: layers.LayerTypeICMPv4})
}

// ---- payloads ----

// pattern returns n bytes of a fixed, non-zero pattern.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + 3)
	}
	return b
}

// tlsRecord is a TLS record header (content type, version 3.3, length)
// followed by n pattern bytes, so gopacket's TLS decoder on 443 accepts it.
func tlsRecord(contentType byte, n int) gopacket.Payload {
	b := make([]byte, 5, 5+n)
	b[0] = contentType // 0x16 handshake, 0x17 application data
	b[1], b[2] = 3, 3  // TLS 1.2 on the record layer (also used by TLS 1.3)
	binary.BigEndian.PutUint16(b[3:5], uint16(n))
	return gopacket.Payload(append(b, pattern(n)...))
}

func text(s string) gopacket.Payload { return gopacket.Payload(s) }

// dnsQuery and dnsAnswer are real DNS messages (gopacket's serializer).
func dnsQuery(id uint16, name string) *layers.DNS {
	return &layers.DNS{ID: id, RD: true, Questions: []layers.DNSQuestion{{Name: []byte(name), Type: layers.DNSTypeA, Class: layers.DNSClassIN}}}
}

func dnsAnswer(id uint16, name string, a netip.Addr) *layers.DNS {
	d := dnsQuery(id, name)
	d.QR, d.RA = true, true
	d.Answers = []layers.DNSResourceRecord{{Name: []byte(name), Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 300, IP: ip(a)}}
	return d
}

// ntp is a 48-byte NTPv4 header, mode 3 (client) or 4 (server).
func ntp(mode byte) gopacket.Payload {
	b := make([]byte, 48)
	b[0] = 4<<3 | mode // LI 0, version 4, mode
	if mode == 4 {
		b[1] = 2 // stratum
	}
	return gopacket.Payload(b)
}

// ---- checksums ----

// inetChecksum is the Internet checksum (RFC 1071) of b.
func inetChecksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// fixIPv4Checksum recomputes the header checksum of the IPv4 header at b
// (header length hlen bytes) after a field was patched.
func fixIPv4Checksum(b []byte, hlen int) {
	b[10], b[11] = 0, 0
	binary.BigEndian.PutUint16(b[10:12], inetChecksum(b[:hlen]))
}
