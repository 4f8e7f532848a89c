package main

import (
	"net/netip"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// start is the timestamp of every small trace's first frame.
var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// format says how a trace file is written.
type format int

const (
	fmtPcap        format = iota // pcapgo.NewWriter: little-endian, microseconds
	fmtPcapNanos                 // pcapgo.NewWriterNanos: little-endian, nanoseconds
	fmtPcapBENanos               // hand-built: big-endian, nanoseconds
	fmtPcapHand                  // hand-built: little-endian, microseconds (link type > 255, see sll2Header)
	fmtPcapng                    // pcapgo.NgWriter, one interface block per iface
	fmtGzip                      // gzip of another trace (from)
	fmtCorrupt                   // bytes built by corrupt, not from rows
	fmtPcapBE                    // hand-built: big-endian, microseconds (a capture from a big-endian host)
	fmtText                      // a text file built by text from the traces before it (tunnels/README.md)
)

// iface is one capture interface: the only one of a pcap file, or one
// interface description block of a pcapng file.
type iface struct {
	name string
	link uint16 // LINKTYPE_* value
}

// trace is one generated file.
type trace struct {
	path  string // relative to -out, e.g. "traces/eth-mixed.pcap"
	about string // one line for the README and -list

	format     format
	ifaces     []iface
	gap        time.Duration // between consecutive frames, from start
	interleave bool          // frames go round-robin across rows instead of row after row
	rows       func(g *gen) []row
	from       string                       // fmtGzip: path of the trace to compress
	corrupt    func() ([]byte, int, error)  // fmtCorrupt: file bytes and frames readable before the error
	text       func(before []*trace) []byte // fmtText: the file, from the traces generated before it
	readable   bool                         // fmtCorrupt: odd but readable to its end, no error
	hostile    bool                         // fmtCorrupt: one of hostileSet, checked by capture's tests, not by pcapgo
	tshark     bool                         // beyond gopacket's decoders (quirks.go): checked against tshark by cmd's tests, not by TestFramesDecode
	tsharkArgs []string                     // what tshark must be told to read the trace right (see the trace's builder)

	// Filled by generate.
	table  []row   // rows(g)
	frames []frame // in file order
	data   []byte  // the file
	nread  int     // frames a reader returns (before the error, if corrupt)
	broken bool    // reading ends with an error, not io.EOF
}

// snaplen of every generated pcap file and pcapng interface.
const snaplen = 65535

// traceSet is the fixed set of small traces, in generation order: traces/
// and corrupt/, then tunnels/ (tunnelSet). A .gz trace must come after the
// trace it compresses, a text file after the traces it describes.
func traceSet() []*trace {
	return append(append(baseSet(), hostileSet()...), tunnelSet()...)
}

// baseSet is testdata/traces and testdata/corrupt.
func baseSet() []*trace {
	eth := []iface{{"eth0", uint16(layers.LinkTypeEthernet)}}
	return []*trace{
		{path: "traces/eth-mixed.pcap", format: fmtPcap, ifaces: eth, gap: time.Millisecond, rows: ethMixed,
			about: "Ethernet, pcap µs LE: every bucket and every service-side rule, alerts, fragments, SCTP, cut and malformed frames"},
		{path: "traces/encap.pcap", format: fmtPcap, ifaces: eth, gap: time.Millisecond, rows: encap,
			about: "Ethernet, pcap µs LE: 802.1Q, QinQ (88a8+8100, 8100+8100), MPLS 1 and 3 labels over IPv4/IPv6, PPPoE session over IPv4/IPv6"},
		{path: "traces/sll.pcap", format: fmtPcap, ifaces: []iface{{"any", uint16(layers.LinkTypeLinuxSLL)}}, gap: time.Millisecond, rows: sllRows,
			about: "Linux cooked v1 (113): TCP/UDP/ICMP over IPv4 and IPv6, one ARP"},
		{path: "traces/sll2.pcap", format: fmtPcapHand, ifaces: []iface{{"any", linkTypeSLL2}}, gap: time.Millisecond, rows: sll2Rows,
			about: "Linux cooked v2 (276, hand-built header and file header): TCP/UDP/ICMP over IPv4 and IPv6, one ARP"},
		{path: "traces/raw.pcap", format: fmtPcap, ifaces: []iface{{"tun0", uint16(layers.LinkTypeRaw)}}, gap: time.Millisecond, rows: rawRows(true, true),
			about: "raw IP (101), IPv4 and IPv6 mixed"},
		{path: "traces/ipv4.pcap", format: fmtPcap, ifaces: []iface{{"tun0", uint16(layers.LinkTypeIPv4)}}, gap: time.Millisecond, rows: rawRows(true, false),
			about: "LINKTYPE_IPV4 (228): IPv4 only"},
		{path: "traces/ipv6.pcap", format: fmtPcapNanos, ifaces: []iface{{"tun0", uint16(layers.LinkTypeIPv6)}}, gap: 1000123 * time.Nanosecond, rows: rawRows(false, true),
			about: "LINKTYPE_IPV6 (229), pcap ns LE: IPv6 only"},
		{path: "traces/null.pcap", format: fmtPcap, ifaces: []iface{{"lo0", uint16(layers.LinkTypeNull)}}, gap: time.Millisecond, rows: nullRows,
			about: "BSD loopback NULL (0): family in host (LE) order, 2 = IPv4, 24/28/30 = IPv6"},
		{path: "traces/loop.pcap", format: fmtPcapNanos, ifaces: []iface{{"lo0", uint16(layers.LinkTypeLoop)}}, gap: 1000123 * time.Nanosecond, rows: loopRows,
			about: "OpenBSD loopback LOOP (108), pcap ns LE: family in network (BE) order, 2 = IPv4, 24 = IPv6"},
		{path: "traces/ppp.pcap", format: fmtPcap, ifaces: []iface{{"ppp0", uint16(layers.LinkTypePPP)}}, gap: time.Millisecond, rows: pppRows,
			about: "PPP (9): 0x0021 IPv4 / 0x0057 IPv6, with and without the ff 03 address/control bytes"},
		{path: "traces/multi-if.pcapng", format: fmtPcapng, gap: time.Millisecond, interleave: true, rows: multiIf,
			ifaces: []iface{{"eth0", uint16(layers.LinkTypeEthernet)}, {"tun0", uint16(layers.LinkTypeRaw)}, {"any", uint16(layers.LinkTypeLinuxSLL)}},
			about:  "pcapng, 3 interfaces (Ethernet, raw IP, Linux SLL), frames interleaved across interfaces"},
		{path: "traces/ns-be.pcap", format: fmtPcapBENanos, ifaces: eth, gap: 250000037 * time.Nanosecond, rows: nsBE,
			about: "Ethernet, pcap big-endian nanoseconds (magic a1b23c4d written BE), sub-microsecond timestamps"},
		{path: "traces/eth-mixed.pcap.gz", format: fmtGzip, from: "traces/eth-mixed.pcap",
			about: "gzip of eth-mixed.pcap"},
		{path: "traces/multi-if.pcapng.gz.bin", format: fmtGzip, from: "traces/multi-if.pcapng",
			about: "gzip of multi-if.pcapng under a misleading name: detect by magic, not extension"},

		{path: "corrupt/not-a-capture.txt", format: fmtCorrupt, corrupt: notACapture,
			about: "plain text: no pcap, pcapng or gzip magic"},
		{path: "corrupt/header-cut.pcap", format: fmtCorrupt, corrupt: headerCut,
			about: "the first 10 bytes of a pcap file header"},
		{path: "corrupt/record-cut.pcap", format: fmtCorrupt, corrupt: recordCut,
			about: "5 whole frames, then a record whose data stops half-way"},
		{path: "corrupt/gzip-cut.pcap.gz", format: fmtCorrupt, corrupt: gzipCut,
			about: "gzip of a 10-frame pcap, sync-flushed every 512 bytes, cut in the middle: some frames, then unexpected EOF"},
		{path: "corrupt/empty.pcap", format: fmtCorrupt, corrupt: empty,
			about: "0 bytes"},
		{path: "corrupt/huge-record.pcap", format: fmtCorrupt, corrupt: hugeRecord,
			about: "2 frames, then a record header claiming 0xF0000000 captured bytes (must not be allocated)"},
	}
}

// ---- eth-mixed.pcap ----

func ethMixed(g *gen) []row {
	e := ether()
	var rows []row
	add := func(r row, fs ...[]frame) {
		for _, f := range fs {
			r.frames = append(r.frames, f...)
		}
		rows = append(rows, r)
	}

	// Handshakes (rule 1).
	c := g.conv(e, ap("192.0.2.10:51000"), ap("198.51.100.1:443"))
	add(row{what: "TCP handshake, data both ways, FIN close", expect: "tcp/443 https; handshake; end fin"},
		c.handshake(), []frame{
			c.tcp(true, "PA", tlsRecord(0x16, 512)),
			c.tcp(false, "A", nil),
			c.tcp(false, "PA", tlsRecord(0x16, 1200)),
			c.tcp(true, "A", nil),
			c.tcp(true, "PA", tlsRecord(0x17, 300)),
			c.tcp(false, "PA", tlsRecord(0x17, 900)),
			c.tcp(true, "A", nil),
		}, c.close(true))
	c = g.conv(e, ap("192.0.2.10:51000"), ap("198.51.100.1:443"))
	add(row{what: "same 5-tuple after the FIN: a new SYN starts a second flow", expect: "tcp/443 https; handshake; 2nd flow (tcp/443 flows = 2); end fin"},
		c.handshake(), []frame{
			c.tcp(true, "PA", tlsRecord(0x17, 200)),
			c.tcp(false, "PA", tlsRecord(0x17, 400)),
			c.tcp(true, "A", nil),
		}, c.close(false))
	c = g.conv(e, ap("192.0.2.11:51001"), ap("198.51.100.2:80"))
	add(row{what: "TCP ended by RST after a request", expect: "tcp/80 http; handshake; end rst"},
		c.handshake(), []frame{
			c.tcp(true, "PA", text("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")),
			c.tcp(false, "RA", nil),
		})
	c = g.conv(e, ap("192.0.2.11:51002"), ap("198.51.100.2:8080"))
	add(row{what: "connection refused: SYN answered by RST-ACK", expect: "tcp/8080 http-alt; handshake (SYN); end rst"},
		[]frame{c.tcp(true, "S", nil), c.tcp(false, "RA", nil)})
	c = g.conv(e, ap("192.0.2.12:40010"), ap("198.51.100.9:60000"))
	add(row{what: "capture starts at the SYN-ACK; both ports unnamed and ephemeral, so only rule 1 (SYN+ACK source) finds the server",
		expect: "tcp/60000 unknown; handshake; end fin"},
		[]frame{
			c.tcp(false, "SA", nil),
			c.tcp(true, "A", nil),
			c.tcp(false, "PA", gopacket.Payload(pattern(1000))),
			c.tcp(true, "A", nil),
		}, c.close(false))

	// Mid-stream TCP, no SYN seen: rules 2-4. The server speaks first in
	// every row, so "first sender" cannot pass for a rule.
	mid := func(cli, srv netip.AddrPort, what, expect, rule string) {
		c := g.conv(e, cli, srv)
		add(row{what: what, expect: expect, rule: rule, proto: "tcp", srvPort: srv.Port()}, []frame{
			c.tcp(false, "PA", gopacket.Payload(pattern(200))),
			c.tcp(true, "A", nil),
			c.tcp(true, "PA", gopacket.Payload(pattern(100))),
			c.tcp(false, "PA", gopacket.Payload(pattern(300))),
		})
	}
	mid(ap("192.0.2.20:50123"), ap("198.51.100.5:3306"), "mid-stream, exactly one port named (3306 mysql; 50123 unnamed)",
		"tcp/3306 mysql; registry; end eof", "registry")
	mid(ap("192.0.2.21:8080"), ap("198.51.100.6:22"), "mid-stream, both named (22 ssh, 8080 http-alt), one below 1024",
		"tcp/22 ssh; well-known; end eof", "well-known")
	mid(ap("192.0.2.22:45000"), ap("198.51.100.7:5432"), "mid-stream, both named (5432 postgresql, 45000 asmp), only 5432 outside 32768-65535",
		"tcp/5432 postgresql; non-ephemeral; end eof", "non-ephemeral")
	mid(ap("192.0.2.23:9999"), ap("198.51.100.8:7777"), "mid-stream, both named (7777 cbt, 9999 distinct), both non-ephemeral",
		"tcp/7777 cbt; lower-port; end eof", "lower-port")
	mid(ap("192.0.2.24:47000"), ap("198.51.100.10:33333"), "mid-stream, both named (33333 dgi-serv, 47000 mbus), both ephemeral",
		"tcp/33333 dgi-serv; lower-port; end eof", "lower-port")
	mid(ap("192.0.2.25:52000"), ap("198.51.100.11:8"), "mid-stream, neither named, one below 1024",
		"tcp/8 unknown; well-known; end eof", "well-known")
	mid(ap("192.0.2.26:51010"), ap("198.51.100.12:5017"), "mid-stream, neither named, 5017 outside 32768-65535",
		"tcp/5017 unknown; non-ephemeral; end eof", "non-ephemeral")
	mid(ap("192.0.2.27:40001"), ap("198.51.100.13:50002"), "mid-stream, neither named, both in 32768-65535",
		"ephemeral row (no service); reason ephemeral; end eof", "ephemeral")

	// UDP: one server port, many client ports (rule 2, and rule 5).
	var fs []frame
	srv := ap("198.51.100.53:53")
	for i := range 8 {
		cli := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.30"), uint16(51020+11*i))
		c := g.conv(e, cli, srv)
		id := uint16(g.rng.Uint32())
		fs = append(fs, c.udp(true, dnsQuery(id, "example.com")), c.udp(false, dnsAnswer(id, "example.com", netip.MustParseAddr("203.0.113.7"))))
	}
	add(row{what: "DNS server 53 answering 8 client ports of one host", expect: "udp/53 domain; registry (port-stability agrees); 8 flows, 1 client, 1 server",
		rule: "registry", proto: "udp", srvPort: 53}, fs)
	fs = nil
	srv = ap("198.51.100.77:41000")
	for i := range 8 {
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(31 + i)}), uint16(52001+i))
		c := g.conv(e, cli, srv)
		fs = append(fs, c.udp(true, gopacket.Payload(pattern(60))), c.udp(false, gopacket.Payload(pattern(120))))
	}
	add(row{what: "UDP server on an unnamed ephemeral port (41000) talking to 8 clients on unnamed ephemeral ports (52001-52008)",
		expect: "udp/41000 unknown; port-stability (rules 1-4 alone give 8 ephemeral flows)", rule: "port-stability", proto: "udp", srvPort: 41000}, fs)

	// Alerts.
	c = g.conv(e, ap("192.0.2.40:50555"), ap("198.51.100.40:0"))
	add(row{what: "UDP to and from port 0", expect: "udp/0; well-known (0 < 1024, unnamed); ALERT port 0", rule: "well-known", proto: "udp", srvPort: 0},
		[]frame{c.udp(true, gopacket.Payload(pattern(16))), c.udp(false, gopacket.Payload(pattern(16)))})
	c = g.conv(e, ap("192.0.2.41:51040"), ap("198.51.100.41:31337"))
	add(row{what: "TCP connection to 31337 (Back Orifice / elite)", expect: "tcp/31337; handshake; ALERT (trojan port)"},
		c.handshake(), []frame{c.tcp(true, "PA", gopacket.Payload(pattern(64))), c.tcp(false, "PA", gopacket.Payload(pattern(64)))})
	c = g.conv(e, ap("192.0.2.41:51041"), ap("198.51.100.42:12345"))
	add(row{what: "SYN to 12345 (NetBus), refused", expect: "tcp/12345 italk; handshake; ALERT (trojan port); end rst"},
		[]frame{c.tcp(true, "S", nil), c.tcp(false, "RA", nil)})
	c = g.conv(e, ap("192.0.2.41:51042"), ap("198.51.100.43:1243"))
	add(row{what: "lone SYN to 1243 (SubSeven), never answered", expect: "tcp/1243 serialgateway; handshake; ALERT (trojan port); end eof/idle"},
		[]frame{c.tcp(true, "S", nil)})

	// ICMP.
	c = g.conv(e, ap("192.0.2.50:0"), ap("198.51.100.50:0"))
	add(row{what: "ICMP echo request and reply", expect: "icmp"}, []frame{c.echo(true, 0x1234, 1), c.echo(false, 0x1234, 1)})
	c = g.conv(e, ap("192.0.2.51:51050"), ap("198.51.100.60:33434"))
	probe := c.udp(true, gopacket.Payload(pattern(32)))
	add(row{what: "UDP probe, then ICMP port unreachable quoting its IP+UDP header",
		expect: "1 udp (udp/33434 traceroute, registry) + 1 icmp; the quoted UDP header is not counted as udp",
		rule:   "registry", proto: "udp", srvPort: 33434},
		[]frame{probe, icmpPortUnreachable(e, probe, 14, netip.MustParseAddr("198.51.100.60"), netip.MustParseAddr("192.0.2.51"), g.nextID())})
	c = g.conv(e, ap("[2001:db8:c::50]:0"), ap("[2001:db8:5::50]:0"))
	add(row{what: "ICMPv6 echo request and reply", expect: "icmp"}, []frame{c.echo(true, 0x4321, 1), c.echo(false, 0x4321, 1)})

	// Not IP, other IP.
	add(row{what: "ARP request and reply", expect: "non-ip (ARP 0x0806)"}, []frame{
		arp(0, true, netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("192.0.2.1")),
		arp(0, false, netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.10")),
	})
	add(row{what: "LLDP announcement", expect: "non-ip (LLDP 0x88cc)"}, []frame{lldp()})
	greA, greB, inCli, inSrv := ap("203.0.113.1:0"), ap("203.0.113.2:0"), ap("10.0.0.1:50000"), ap("10.0.0.2:53")
	add(row{what: "GRE (47) carrying IPv4/UDP DNS, query and answer", expect: "other-ip (GRE 47); inner udp/53 only with --decap"},
		[]frame{
			g.greUDP(true, greA, greB, inCli, inSrv, dnsQuery(7, "tunnel.example")),
			g.greUDP(false, greA, greB, inCli, inSrv, dnsAnswer(7, "tunnel.example", netip.MustParseAddr("10.0.0.9"))),
		})
	add(row{what: "OSPF Hello", expect: "other-ip (OSPF 89)"}, []frame{g.ospfHello(netip.MustParseAddr("198.51.100.254"))})

	// Header variants.
	c = g.conv(e, ap("192.0.2.60:51500"), ap("198.51.100.25:25"))
	routerAlert := []layers.IPv4Option{{OptionType: 148, OptionLength: 4, OptionData: []byte{0, 0}}} // IHL 6
	recordRoute := []layers.IPv4Option{
		{OptionType: 7, OptionLength: 7, OptionData: []byte{4, 0, 0, 0, 0}}, // record route: pointer 4, one empty slot
		{OptionType: 0}, // end of options list; IHL 7
	}
	var opt []frame
	c.opts = routerAlert
	opt = append(opt, c.tcp(true, "S", nil))
	c.opts = nil
	opt = append(opt, c.tcp(false, "SA", nil))
	c.opts = recordRoute
	opt = append(opt, c.tcp(true, "A", nil), c.tcp(true, "PA", text("EHLO client.example\r\n")))
	c.opts = nil
	add(row{what: "IPv4 with options carrying TCP: SYN with IHL 6 (router alert), ACK and data with IHL 7 (record route)",
		expect: "tcp/25 smtp; handshake; end eof"}, opt)
	c = g.conv(e, ap("[2001:db8:c::60]:51060"), ap("[2001:db8:5::123]:123"))
	add(row{what: "IPv6 UDP behind Hop-by-Hop, Destination Options and Routing headers: request with routing type 0, reply with type 4 (SRv6, which gopacket v1.1.19 rejects)",
		expect: "udp/123 ntp; registry", rule: "registry", proto: "udp", srvPort: 123},
		[]frame{c.udpWithExtHeaders(true, 0, ntp(3)), c.udpWithExtHeaders(false, 4, ntp(4))})
	c = g.conv(e, ap("[2001:db8:c::61]:51061"), ap("[2001:db8:5::993]:993"))
	add(row{what: "IPv6 TCP: handshake, data, FIN close", expect: "tcp/993 imaps; handshake; end fin"},
		c.handshake(), []frame{c.tcp(true, "PA", tlsRecord(0x16, 300)), c.tcp(false, "PA", tlsRecord(0x16, 700)), c.tcp(true, "A", nil)}, c.close(true))

	// Fragments.
	c = g.conv(e, ap("192.0.2.70:51070"), ap("198.51.100.70:2049"))
	add(row{what: "UDP request, then a 3000-byte UDP reply in 3 IPv4 fragments (first holds the UDP header)",
		expect: "1 udp + first fragment udp (ports read) + 2 fragment attributed to udp/2049 (fragments = 2); registry",
		rule:   "registry", proto: "udp", srvPort: 2049},
		[]frame{c.udp(true, gopacket.Payload(pattern(100)))}, c.udpFragments4(false, pattern(3000), 1480))
	add(row{what: "orphan later IPv4 fragment (offset 1480, no MF); its first fragment was never sent",
		expect: "fragment, not attributed to any flow"},
		[]frame{orphanFragment4(e, netip.MustParseAddr("198.51.100.71"), netip.MustParseAddr("192.0.2.71"), 0x4242, 185, 400)})
	c = g.conv(e, ap("[2001:db8:c::72]:51072"), ap("[2001:db8:5::514]:514"))
	add(row{what: "IPv6 UDP datagram in 2 fragments (Fragment header): first with the UDP header, then the rest",
		expect: "first fragment udp (udp/514 syslog, registry) + 1 fragment attributed (fragments = 1)",
		rule:   "registry", proto: "udp", srvPort: 514},
		c.udpFragments6(true, pattern(2000), 1232, g.rng.Uint32()))

	// SCTP.
	c = g.conv(e, ap("192.0.2.80:51080"), ap("198.51.100.80:38412"))
	add(row{what: "SCTP INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK, DATA, SACK", expect: "sctp/38412 ng-control; handshake (INIT)"},
		c.sctpAssociation())

	// Cut frames: CaptureLength < Length.
	c = g.conv(e, ap("192.0.2.90:51090"), ap("198.51.100.90:443"))
	c6 := g.conv(e, ap("[2001:db8:c::90]:51091"), ap("[2001:db8:5::90]:443"))
	cp := g.conv(e, ap("192.0.2.91:51092"), ap("198.51.100.91:110"))
	cu := g.conv(e, ap("192.0.2.92:51093"), ap("198.51.100.92:161"))
	add(row{what: "cut frames: Ethernet header (10 of 14 bytes); IPv4 header (12 of 20); IPv6 header (30 of 40)",
		expect: "3 truncated (no ports reached)"}, []frame{
		cut(c.tcp(true, "S", nil), 10, bTruncated, false),
		cut(c.tcp(true, "S", nil), 14+12, bTruncated, false),
		cut(c6.tcp(true, "S", nil), 14+30, bTruncated, false),
	})
	add(row{what: "cut after 4 bytes of the TCP header: ports readable, flags not", expect: "tcp + short; tcp/110 pop3; registry", rule: "registry", proto: "tcp", srvPort: 110},
		[]frame{cut(cp.tcp(true, "PA", text("USER alice\r\n")), 14+20+4, bTCP, true)})
	add(row{what: "cut after 6 bytes of the UDP header: ports readable", expect: "udp + short; udp/161 snmp; registry", rule: "registry", proto: "udp", srvPort: 161},
		[]frame{cut(cu.udp(true, gopacket.Payload(pattern(40))), 14+20+6, bUDP, true)})

	// Malformed: complete captures whose IP header is impossible.
	c = g.conv(e, ap("192.0.2.95:51095"), ap("198.51.100.95:80"))
	ihl4 := c.tcp(true, "S", nil)
	ihl4.data[14] = 0x44 // version 4, IHL 4 (16 bytes: less than the 20-byte minimum)
	fixIPv4Checksum(ihl4.data[14:], 20)
	short := c.tcp(true, "S", nil)
	short.data[14+2], short.data[14+3] = 0, 16 // total length 16 < IHL*4 = 20
	fixIPv4Checksum(short.data[14:], 20)
	add(row{what: "malformed: IPv4 IHL 4; IPv4 total length 16 < header length 20; IPv6 packet behind EtherType 0x0800",
		expect: "3 malformed"}, []frame{malformed(ihl4), malformed(short), ipv6InIPv4EtherType(ap("[2001:db8:c::95]:51096"), ap("[2001:db8:5::95]:53"))})
	return rows
}

// ---- encap.pcap ----

func encap(g *gen) []row {
	var rows []row
	syn := func(l link, cli, srv, what, expect string) {
		c := g.conv(l, ap(cli), ap(srv))
		rows = append(rows, row{what: what, expect: expect, frames: []frame{c.tcp(true, "S", nil), c.tcp(false, "SA", nil)}})
	}
	dns := func(l link, cli, srv, what, expect string) {
		c := g.conv(l, ap(cli), ap(srv))
		id := uint16(g.rng.Uint32())
		rows = append(rows, row{what: what, expect: expect, frames: []frame{c.udp(true, dnsQuery(id, "example.org")), c.udp(false, dnsAnswer(id, "example.org", netip.MustParseAddr("203.0.113.8")))}})
	}
	ntpx := func(l link, cli, srv, what, expect string) {
		c := g.conv(l, ap(cli), ap(srv))
		rows = append(rows, row{what: what, expect: expect, frames: []frame{c.udp(true, ntp(3)), c.udp(false, ntp(4))}})
	}
	syn(vlan(layers.EthernetTypeDot1Q, 100), "192.0.2.100:51100", "198.51.100.100:80", "802.1Q VLAN 100, IPv4 TCP SYN/SYN-ACK", "tcp/80; handshake")
	dns(vlan(layers.EthernetTypeDot1Q, 200), "[2001:db8:c::100]:51101", "[2001:db8:5::53]:53", "802.1Q VLAN 200, IPv6 UDP DNS", "udp/53; registry")
	syn(vlan(layers.EthernetTypeQinQ, 10, 100), "192.0.2.101:51102", "198.51.100.101:443", "QinQ: 0x88a8 S-tag 10 + 0x8100 C-tag 100, IPv4 TCP", "tcp/443; handshake")
	ntpx(vlan(layers.EthernetTypeDot1Q, 20, 30), "192.0.2.102:51103", "198.51.100.102:123", "double 0x8100 tags 20 + 30, IPv4 UDP NTP", "udp/123; registry")
	syn(mpls(1000), "192.0.2.103:51104", "198.51.100.103:22", "MPLS 1 label (bottom of stack), IPv4 TCP", "tcp/22; handshake")
	dns(mpls(100, 200, 300), "192.0.2.104:51105", "198.51.100.104:53", "MPLS 3 labels, IPv4 UDP DNS", "udp/53; registry")
	syn(mpls(2000), "[2001:db8:c::105]:51106", "[2001:db8:5::443]:443", "MPLS 1 label, IPv6 TCP", "tcp/443; handshake")
	ntpx(mpls(16, 17, 18), "[2001:db8:c::106]:51107", "[2001:db8:5::123]:123", "MPLS 3 labels, IPv6 UDP NTP", "udp/123; registry")
	syn(pppoe(0x1234), "192.0.2.107:51108", "198.51.100.107:80", "PPPoE session 0x1234, PPP 0x0021 IPv4 TCP", "tcp/80; handshake")
	dns(pppoe(0x1234), "[2001:db8:c::107]:51109", "[2001:db8:5::53]:53", "PPPoE session 0x1234, PPP 0x0057 IPv6 UDP DNS", "udp/53; registry")
	rows = append(rows, row{what: "802.1Q VLAN 100 carrying ARP", expect: "non-ip (ARP behind the tag)",
		frames: []frame{arp(100, true, netip.MustParseAddr("192.0.2.100"), netip.MustParseAddr("192.0.2.1"))}})
	return rows
}

// ---- one file per link type ----

// linkSample is the common content of the per-link-type files: an IPv4 TCP
// exchange to 443, IPv4 DNS, IPv4 ICMP echo (if l4 != nil) and IPv6 TCP to
// 22, IPv6 NTP, ICMPv6 echo (each with its own link, if l6 != nil).
func linkSample(g *gen, l4 link, l6 *[3]link) []row {
	var rows []row
	if l4 != nil {
		c := g.conv(l4, ap("192.0.2.10:51000"), ap("198.51.100.1:443"))
		rows = append(rows, row{what: "IPv4 TCP handshake and one data segment each way", expect: "tcp/443; handshake",
			frames: append(c.handshake(), c.tcp(true, "PA", tlsRecord(0x16, 200)), c.tcp(false, "PA", tlsRecord(0x16, 600)))})
		c = g.conv(l4, ap("192.0.2.10:51001"), ap("198.51.100.53:53"))
		id := uint16(g.rng.Uint32())
		rows = append(rows, row{what: "IPv4 UDP DNS query and answer", expect: "udp/53; registry",
			frames: []frame{c.udp(true, dnsQuery(id, "example.net")), c.udp(false, dnsAnswer(id, "example.net", netip.MustParseAddr("203.0.113.9")))}})
		c = g.conv(l4, ap("192.0.2.10:0"), ap("198.51.100.1:0"))
		rows = append(rows, row{what: "ICMP echo request and reply", expect: "icmp", frames: []frame{c.echo(true, 1, 1), c.echo(false, 1, 1)}})
	}
	if l6 != nil {
		c := g.conv(l6[0], ap("[2001:db8:c::10]:51002"), ap("[2001:db8:5::22]:22"))
		rows = append(rows, row{what: "IPv6 TCP handshake", expect: "tcp/22; handshake", frames: c.handshake()})
		c = g.conv(l6[1], ap("[2001:db8:c::10]:51003"), ap("[2001:db8:5::123]:123"))
		rows = append(rows, row{what: "IPv6 UDP NTP request and reply", expect: "udp/123; registry", frames: []frame{c.udp(true, ntp(3)), c.udp(false, ntp(4))}})
		c = g.conv(l6[2], ap("[2001:db8:c::10]:0"), ap("[2001:db8:5::1]:0"))
		rows = append(rows, row{what: "ICMPv6 echo request and reply", expect: "icmp", frames: []frame{c.echo(true, 2, 1), c.echo(false, 2, 1)}})
	}
	return rows
}

func sllRows(g *gen) []row {
	rows := linkSample(g, sll(), &[3]link{sll(), sll(), sll()})
	return append(rows, row{what: "ARP request (protocol 0x0806 in the cooked header)", expect: "non-ip (ARP)",
		frames: []frame{arpCooked(sllHeader(sllOutgoing, arphrdEther, macClient, layers.EthernetTypeARP), netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("192.0.2.1"))}})
}

func sll2Rows(g *gen) []row {
	rows := linkSample(g, sll2(2), &[3]link{sll2(3), sll2(3), sll2(3)})
	return append(rows, row{what: "ARP request (protocol 0x0806 in the cooked header)", expect: "non-ip (ARP)",
		frames: []frame{arpCooked(sll2Header(layers.EthernetTypeARP, 2, arphrdEther, sllOutgoing, macClient), netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("192.0.2.1"))}})
}

func rawRows(v4, v6 bool) func(g *gen) []row {
	return func(g *gen) []row {
		var l4 link
		var l6 *[3]link
		if v4 {
			l4 = rawIP()
		}
		if v6 {
			l6 = &[3]link{rawIP(), rawIP(), rawIP()}
		}
		return linkSample(g, l4, l6)
	}
}

func nullRows(g *gen) []row {
	return linkSample(g, null(0), &[3]link{null(afInet6BSD), null(afInet6FreeBSD), null(afInet6Darwin)})
}

func loopRows(g *gen) []row {
	return linkSample(g, loop(0), &[3]link{loop(afInet6BSD), loop(afInet6BSD), loop(afInet6BSD)})
}

func pppRows(g *gen) []row {
	rows := linkSample(g, ppp(true), &[3]link{ppp(false), ppp(true), ppp(false)})
	c := g.conv(ppp(false), ap("192.0.2.10:51004"), ap("198.51.100.80:80"))
	return append(rows, row{what: "IPv4 without ff 03 (the IPv4 sample rows above have it; IPv6 rows alternate)", expect: "tcp/80; handshake",
		frames: []frame{c.tcp(true, "S", nil), c.tcp(false, "SA", nil)}})
}

// ---- multi-if.pcapng ----

func multiIf(g *gen) []row {
	on := func(i int, fs ...frame) []frame {
		for k := range fs {
			fs[k].iface = i
		}
		return fs
	}
	c := g.conv(ether(), ap("192.0.2.10:51000"), ap("198.51.100.1:443"))
	eth := on(0, append(append(c.handshake(), c.tcp(true, "PA", tlsRecord(0x16, 300)), c.tcp(false, "PA", tlsRecord(0x16, 900))), c.close(true)...)...)
	d := g.conv(rawIP(), ap("10.8.0.2:51001"), ap("10.8.0.1:53"))
	d6 := g.conv(rawIP(), ap("[fd00:8::2]:0"), ap("[fd00:8::1]:0"))
	raw := on(1, d.udp(true, dnsQuery(1, "vpn.example")), d.udp(false, dnsAnswer(1, "vpn.example", netip.MustParseAddr("10.8.0.10"))),
		d6.echo(true, 3, 1), d6.echo(false, 3, 1))
	s := g.conv(sll(), ap("192.0.2.20:51002"), ap("198.51.100.6:22"))
	cooked := on(2, append(s.handshake(), s.tcp(false, "PA", text("SSH-2.0-OpenSSH_9.6\r\n")), s.tcp(true, "PA", text("SSH-2.0-OpenSSH_9.7\r\n")))...)
	return []row{
		{what: "interface 0 eth0 (Ethernet): IPv4 TCP handshake, data, FIN close", expect: "tcp/443; handshake; end fin", frames: eth},
		{what: "interface 1 tun0 (raw IP): IPv4 DNS query and answer, ICMPv6 echo", expect: "udp/53 registry; 2 icmp", frames: raw},
		{what: "interface 2 any (Linux SLL): IPv4 TCP handshake and SSH banners", expect: "tcp/22; handshake", frames: cooked},
	}
}

// ---- ns-be.pcap ----

func nsBE(g *gen) []row {
	c := g.conv(ether(), ap("192.0.2.10:51000"), ap("198.51.100.2:80"))
	d := g.conv(ether(), ap("192.0.2.10:51001"), ap("198.51.100.53:53"))
	return []row{
		{what: "TCP handshake, HTTP request and response, FIN close", expect: "tcp/80; handshake; end fin",
			frames: append(append(c.handshake(),
				c.tcp(true, "PA", text("GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n")),
				c.tcp(false, "PA", text("HTTP/1.1 204 No Content\r\n\r\n"))), c.close(false)...)},
		{what: "UDP DNS query and answer", expect: "udp/53; registry",
			frames: []frame{d.udp(true, dnsQuery(9, "example.com")), d.udp(false, dnsAnswer(9, "example.com", netip.MustParseAddr("203.0.113.7")))}},
	}
}
