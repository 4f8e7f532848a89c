package main

import (
	"encoding/binary"
	"net"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// This file builds the link-type files of testdata/tunnels: Cisco HDLC,
// NFLOG, Linux cooked v2 variants, 802.1ah PBB, 802.11 with radiotap, and
// NULL from a big-endian host. None of them is a tunnel: both modes count
// the same flow.

// linkTypeNFLOG is LINKTYPE_NFLOG: gopacket v1.1.19 has no decoder for it.
const linkTypeNFLOG = 239

// ---- cisco-hdlc.pcap ----

// chdlc is LINKTYPE_C_HDLC (104): a 4-byte header, then the packet.
func chdlc(addr byte) link {
	return func(v6, up bool) []gopacket.SerializableLayer {
		h := []byte{
			addr, // address: 0x0f unicast, 0x8f broadcast
			0x00, // control: 0
			0, 0, // protocol: an EtherType, filled below
		}
		binary.BigEndian.PutUint16(h[2:4], uint16(ipEtherType(v6)))
		return []gopacket.SerializableLayer{gopacket.Payload(h)}
	}
}

// slarpKeepalive is a Cisco SLARP keepalive (protocol 0x8035) with the
// broadcast address, as a router sends every 10 s on a serial link.
func slarpKeepalive(mySeq, yourSeq uint32) frame {
	b := []byte{
		0x8f, 0x00, 0x80, 0x35, // HDLC: address 0x8f (broadcast), control 0, protocol 0x8035 (SLARP)
		0x00, 0x00, 0x00, 0x02, // SLARP opcode 2: line keepalive
		0, 0, 0, 0, // my sequence number
		0, 0, 0, 0, // your sequence number (the last one seen from the peer)
		0xff, 0xff, // reliability, always 0xffff
	}
	binary.BigEndian.PutUint32(b[8:12], mySeq)
	binary.BigEndian.PutUint32(b[12:16], yourSeq)
	// gopacket v1.1.19 has no SLARP decoder: EtherType 0x8035 fails to decode.
	return frame{data: b, bucket: bNonIP, layer: gopacket.LayerTypeDecodeFailure, note: "SLARP 0x8035"}
}

// ripResponse is a RIPv2 response with one route.
var ripResponse = gopacket.Payload{
	0x02,       // command 2: response
	0x02,       // version 2
	0x00, 0x00, // unused
	0x00, 0x02, // address family 2 (IP)
	0x00, 0x00, // route tag
	10, 99, 0, 0, // IP address
	255, 255, 0, 0, // subnet mask
	0, 0, 0, 0, // next hop: this router
	0, 0, 0, 1, // metric 1
}

func chdlcRows(g *gen) []row {
	c := g.conv(chdlc(0x0f), ap("192.0.2.10:51000"), ap("198.51.100.1:443"))
	d := g.conv(chdlc(0x0f), ap("[2001:db8:c::10]:51001"), ap("[2001:db8:5::123]:123"))
	r := g.conv(chdlc(0x8f), ap("10.255.0.1:520"), ap("255.255.255.255:520"))
	return []row{
		{what: "address 0x0f, protocol 0x0800: IPv4 TCP handshake, request, response, FIN close", expect: "tcp/443 https; handshake; end fin",
			frames: tcpFrames(c, true)},
		{what: "address 0x0f, protocol 0x86dd: IPv6 UDP NTP request and reply", expect: "udp/123 ntp; registry",
			frames: udpFrames(g, d)},
		{what: "address 0x8f (broadcast): RIPv2 response 10.255.0.1:520 -> 255.255.255.255:520", expect: "udp/520 router; both ports 520",
			frames: []frame{r.udp(true, ripResponse)}},
		{what: "SLARP keepalives (protocol 0x8035, address 0x8f), one from each end", expect: "non-ip (SLARP 0x8035)",
			frames: []frame{slarpKeepalive(101, 57), slarpKeepalive(58, 101)}},
	}
}

// ---- nflog.pcap ----

// NFLOG TLV types (linux/netfilter/nfnetlink_log.h), and hooks.
const (
	nfulaPacketHdr     = 1
	nfulaTimestamp     = 3
	nfulaIfindexIndev  = 4
	nfulaIfindexOutdev = 5
	nfulaPayload       = 9
	nfulaPrefix        = 10
	nfulaUID           = 11
	nfulaGID           = 14

	nfHookLocalIn  = 1
	nfHookLocalOut = 3
)

// nflogTLV is one NFLOG TLV: length and type in the capturing host's byte
// order (little-endian here: libpcap passes the netlink attribute as the
// kernel wrote it), then the value, padded to 4 bytes. The length counts
// the 4-byte TLV header and the value, not the padding.
func nflogTLV(typ uint16, value []byte) []byte {
	b := make([]byte, 4, 4+len(value)+3)
	binary.LittleEndian.PutUint16(b[0:2], uint16(4+len(value))) // tlv_length, host (LE) order
	binary.LittleEndian.PutUint16(b[2:4], typ)                  // tlv_type, host (LE) order
	b = append(b, value...)
	for len(b)%4 != 0 {
		b = append(b, 0) // padding
	}
	return b
}

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// nflog writes the NFLOG messages of one capture. Packets arriving at the
// capturing host are logged at LOCAL_IN with the input interface and a
// timestamp, its own at LOCAL_OUT with the output interface and the
// sending socket's UID and GID.
type nflog struct {
	group uint16
	gap   time.Duration
	n     int // messages built so far: the next one's frame index, for its timestamp
}

// message builds one NFLOG message around an IP packet (nil: no
// NFULA_PAYLOAD, as a rule with --nflog-size 0 logs).
func (l *nflog) message(v6, incoming bool, prefix string, pkt []byte) []byte {
	family := byte(2) // AF_INET
	if v6 {
		family = 10 // AF_INET6
	}
	h := []byte{
		family, // nflog_family
		0,      // nflog_version: 0
		0, 0,   // nflog_rid: resource ID (the NFLOG group), network order
	}
	binary.BigEndian.PutUint16(h[2:4], l.group)
	hook := byte(nfHookLocalOut)
	if incoming {
		hook = nfHookLocalIn
	}
	phdr := []byte{0, 0, hook, 0} // hw_protocol (EtherType, network order), hook, pad
	binary.BigEndian.PutUint16(phdr[0:2], uint16(ipEtherType(v6)))
	h = append(h, nflogTLV(nfulaPacketHdr, phdr)...)
	h = append(h, nflogTLV(nfulaPrefix, append([]byte(prefix), 0))...) // NUL-terminated string
	if incoming {
		h = append(h, nflogTLV(nfulaIfindexIndev, be32(2))...) // eth0, network order
		ts := timestamp(l.n, l.gap)
		v := binary.BigEndian.AppendUint64(nil, uint64(ts.Unix()))         // seconds, network order
		v = binary.BigEndian.AppendUint64(v, uint64(ts.Nanosecond()/1000)) // microseconds, network order
		h = append(h, nflogTLV(nfulaTimestamp, v)...)
	} else {
		h = append(h, nflogTLV(nfulaIfindexOutdev, be32(2))...)
		h = append(h, nflogTLV(nfulaUID, be32(1000))...)
		h = append(h, nflogTLV(nfulaGID, be32(1000))...)
	}
	if pkt != nil {
		h = append(h, nflogTLV(nfulaPayload, pkt)...) // the IP packet, then padding
	}
	l.n++
	return h
}

// conv is a conversation logged through NFLOG with the given prefix, on
// its server (hostIsServer) or its client.
func (l *nflog) conv(g *gen, cli, srv, prefix string, hostIsServer bool) *conv {
	c := g.conv(rawIP(), ap(cli), ap(srv))
	c.post = func(up bool, f frame) frame {
		f.data = l.message(c.v6(), up == hostIsServer, prefix, f.data)
		return f
	}
	return c
}

func nflogRows(g *gen) []row {
	l := &nflog{group: 5, gap: time.Millisecond}
	c := l.conv(g, "192.0.2.10:51000", "198.51.100.22:22", "ssh: ", true)
	d := l.conv(g, "[2001:db8:c::10]:51001", "[2001:db8:5::53]:53", "dns6: ", false)
	return []row{
		{what: "AF_INET, group 5, prefix \"ssh: \", logged on the server: IPv4 TCP to its sshd: handshake, banners, FIN close; LOCAL_IN with INDEV and TIMESTAMP, LOCAL_OUT with OUTDEV, UID, GID",
			expect: "tcp/22 ssh; handshake; end fin", frames: tcpFrames(c, true)},
		{what: "AF_INET6, prefix \"dns6: \", logged on the client: its IPv6 DNS query (LOCAL_OUT) and the answer (LOCAL_IN)",
			expect: "udp/53 domain; registry", frames: udpFrames(g, d)},
		{what: "AF_INET, prefix \"telnet-syn: \": a message without NFULA_PAYLOAD (a rule logging with --nflog-size 0): header TLVs only",
			expect: "truncated: the record holds no packet, so no ports (not malformed: the NFLOG header is fine)",
			frames: []frame{{data: l.message(false, true, "telnet-syn: ", nil), bucket: bTruncated, noPacket: true, note: "NFLOG without NFULA_PAYLOAD"}}},
	}
}

// ---- sll2-any.pcap ----

// Linux packet types and ARPHRD types beyond those in frames.go.
const (
	sllBroadcast = 1 // broadcast by another host
	sllMulticast = 2 // multicast by another host
	sllOtherHost = 3 // to another host (promiscuous mode)
	arphrdNone   = 0xfffe
)

// sll2Var is LINKTYPE_LINUX_SLL2 with the given device and packet types:
// frames to the server get pktUp and the address addrUp (the sender's
// link-layer address), frames back pktDown and addrDown.
func sll2Var(ifindex uint32, arphrd uint16, pktUp, pktDown uint8, addrUp, addrDown net.HardwareAddr) link {
	return func(v6, up bool) []gopacket.SerializableLayer {
		pt, a := pktDown, addrDown
		if up {
			pt, a = pktUp, addrUp
		}
		return []gopacket.SerializableLayer{gopacket.Payload(sll2Header(ipEtherType(v6), ifindex, arphrd, pt, a))}
	}
}

// stpBPDU is an 802.1D configuration BPDU behind an LLC header (DSAP/SSAP
// 0x42, UI), to the bridge group address.
var stpBPDU = gopacket.Payload{
	0x00, 0x00, // protocol identifier: 0 (spanning tree)
	0x00,                                           // version: 0 (STP)
	0x00,                                           // BPDU type: 0 (configuration)
	0x00,                                           // flags
	0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, 0x01, // root identifier: priority 32768, MAC 02:00:00:00:05:01
	0x00, 0x00, 0x00, 0x00, // root path cost: 0
	0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, 0x01, // bridge identifier
	0x80, 0x01, // port identifier
	0x00, 0x00, // message age: 0
	0x14, 0x00, // max age: 20 s (1/256 s units)
	0x02, 0x00, // hello time: 2 s
	0x0f, 0x00, // forward delay: 15 s
}

func sll2AnyRows(g *gen) []row {
	macOther1 := net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x0d, 0x01}
	macOther2 := net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x0d, 0x02}
	lo := net.HardwareAddr{0, 0, 0, 0, 0, 0}
	var rows []row

	c := g.conv(sll2Var(2, arphrdEther, sllOutgoing, sllHost, macClient, macServer), ap("192.0.2.10:51000"), ap("198.51.100.1:443"))
	rows = append(rows, row{what: "eth0 (ifindex 2, ARPHRD_ETHER): IPv4 TCP, this host's frames outgoing (4), the replies host (0)",
		expect: "tcp/443 https; handshake", frames: tcpFrames(c, false)})

	// This host (192.0.2.1) is a DHCP server: a client's discover arrives as
	// broadcast, the offer goes out to the broadcast address (another flow).
	dh := g.conv(sll2Var(2, arphrdEther, sllBroadcast, sllBroadcast, macOther1, macOther1), ap("0.0.0.0:68"), ap("255.255.255.255:67"))
	of := g.conv(sll2Var(2, arphrdEther, sllOutgoing, sllOutgoing, macServer, macServer), ap("255.255.255.255:68"), ap("192.0.2.1:67"))
	discover := &layers.DHCPv4{Operation: layers.DHCPOpRequest, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6, Xid: 0x3903f326,
		ClientHWAddr: macOther1, Options: layers.DHCPOptions{layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeDiscover)})}}
	offer := &layers.DHCPv4{Operation: layers.DHCPOpReply, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6, Xid: 0x3903f326,
		ClientHWAddr: macOther1, YourClientIP: net.IP{192, 0, 2, 150}, Options: layers.DHCPOptions{layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeOffer)})}}
	rows = append(rows, row{what: "eth0: DHCP discover 0.0.0.0:68 -> 255.255.255.255:67 received as broadcast (1), this host's offer 192.0.2.1:67 -> 255.255.255.255:68 outgoing (4)",
		expect: "udp/67 bootps (two flows); both ports named and below 1024: the lower port", frames: []frame{dh.udp(true, discover), of.udp(false, offer)}})

	md := g.conv(sll2Var(2, arphrdEther, sllMulticast, sllMulticast, macOther2, macOther2), ap("192.0.2.50:5353"), ap("224.0.0.251:5353"))
	md.ttl = 255 // RFC 6762: mDNS goes out with TTL 255
	rows = append(rows, row{what: "eth0: mDNS query 192.0.2.50:5353 -> 224.0.0.251:5353 received as multicast (2)",
		expect: "udp/5353 mdns; both ports 5353", frames: []frame{md.udp(true, dnsQuery(0, "printer.local"))}})

	oh := g.conv(sll2Var(2, arphrdEther, sllOtherHost, sllOtherHost, macOther1, macOther2), ap("192.0.2.60:51010"), ap("192.0.2.61:8080"))
	rows = append(rows, row{what: "eth0 in promiscuous mode: SYN and SYN-ACK between two other hosts, packet type otherhost (3)",
		expect: "tcp/8080 http-alt; handshake", frames: []frame{oh.tcp(true, "S", nil), oh.tcp(false, "SA", nil)}})

	lc := g.conv(sll2Var(1, arphrdLoop, sllHost, sllHost, lo, lo), ap("127.0.0.1:51020"), ap("127.0.0.1:6379"))
	rows = append(rows, row{what: "lo (ifindex 1, ARPHRD_LOOPBACK 772, address 00:00:00:00:00:00): IPv4 TCP to redis; both directions host (0), as Linux reports loopback traffic on 'any'",
		expect: "tcp/6379 redis; handshake", frames: tcpFrames(lc, false)})

	tu := g.conv(sll2Var(5, arphrdNone, sllOutgoing, sllHost, nil, nil), ap("10.8.0.2:51030"), ap("10.8.0.1:53"))
	tu6 := g.conv(sll2Var(5, arphrdNone, sllOutgoing, sllHost, nil, nil), ap("[fd00:8::2]:51031"), ap("[fd00:8::1]:22"))
	rows = append(rows, row{what: "tun0 (ifindex 5, ARPHRD_NONE 0xfffe, no link-layer address): raw IPv4 (protocol 0x0800) DNS query and answer",
		expect: "udp/53 domain; registry", frames: udpFrames(g, tu)})
	rows = append(rows, row{what: "tun0: raw IPv6 (protocol 0x86dd) SYN and SYN-ACK",
		expect: "tcp/22 ssh; handshake", frames: []frame{tu6.tcp(true, "S", nil), tu6.tcp(false, "SA", nil)}})

	stp := serialize(gopacket.Payload(sll2Header(0x0004, 2, arphrdEther, sllMulticast, macServer)),
		&layers.LLC{DSAP: 0x42, SSAP: 0x42, Control: 0x03}, stpBPDU)
	rows = append(rows, row{what: "eth0: protocol 0x0004 (802.2 LLC frames): an STP configuration BPDU received as multicast",
		expect: "non-ip (LLC)", frames: []frame{{data: stp, bucket: bNonIP, layer: layers.LayerTypeLLC, note: "802.2 LLC (STP)"}}})
	return rows
}

// ---- pbb.pcap ----

// Backbone MAC addresses of the PBB frames.
var (
	macBackboneA = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0xbb, 0x01}
	macBackboneB = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0xbb, 0x02}
)

// pbb is 802.1ah provider backbone bridging: backbone MACs, an optional
// B-TAG (0x88a8, VID btag), the I-TAG (EtherType 0x88e7: PCP, DEI, UCA,
// reserved, 24-bit I-SID), then the customer frame's MACs, an optional
// C-TAG (0x8100, VID ctag) and its EtherType.
func pbb(btag uint16, isid uint32, ctag uint16) link {
	return func(v6, up bool) []gopacket.SerializableLayer {
		bsrc, bdst := macBackboneA, macBackboneB
		if !up {
			bsrc, bdst = bdst, bsrc
		}
		var ls []gopacket.SerializableLayer
		if btag != 0 {
			ls = []gopacket.SerializableLayer{
				&layers.Ethernet{SrcMAC: bsrc, DstMAC: bdst, EthernetType: layers.EthernetTypeQinQ},
				&layers.Dot1Q{VLANIdentifier: btag, Type: 0x88e7},
			}
		} else {
			ls = []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: bsrc, DstMAC: bdst, EthernetType: 0x88e7}}
		}
		itag := make([]byte, 4)
		binary.BigEndian.PutUint32(itag, 0<<29|0<<28|0<<27|isid&0xffffff) // PCP 0, DEI 0, UCA 0, reserved 0, I-SID
		csrc, cdst := macs(up)
		ctype := ipEtherType(v6)
		if ctag != 0 {
			ctype = layers.EthernetTypeDot1Q
		}
		cust := make([]byte, 14)
		copy(cust[0:6], cdst)                                  // customer destination MAC
		copy(cust[6:12], csrc)                                 // customer source MAC
		binary.BigEndian.PutUint16(cust[12:14], uint16(ctype)) // customer EtherType (or C-TAG)
		ls = append(ls, gopacket.Payload(append(itag, cust...)))
		if ctag != 0 {
			ls = append(ls, &layers.Dot1Q{VLANIdentifier: ctag, Type: ipEtherType(v6)})
		}
		return ls
	}
}

func pbbRows(g *gen) []row {
	c := g.conv(pbb(100, 0x010203, 0), ap("192.0.2.10:51000"), ap("198.51.100.2:80"))
	d := g.conv(pbb(100, 0x010203, 0), ap("[2001:db8:c::10]:51001"), ap("[2001:db8:5::53]:53"))
	e := g.conv(pbb(0, 0x000042, 0), ap("192.0.2.11:51002"), ap("198.51.100.6:22"))
	f := g.conv(pbb(200, 0x0a0b0c, 20), ap("192.0.2.12:51003"), ap("198.51.100.123:123"))
	const note = "; PBB is a link-layer encapsulation (like VLAN tags), not a tunnel: the same in both modes (non-ip 0x88e7 if not decoded)"
	return []row{
		{what: "B-TAG VID 100, I-SID 0x010203: customer IPv4 TCP handshake, request, response", expect: "tcp/80 http; handshake" + note, frames: tcpFrames(c, false)},
		{what: "B-TAG VID 100, I-SID 0x010203: customer IPv6 UDP DNS", expect: "udp/53 domain; registry" + note, frames: udpFrames(g, d)},
		{what: "no B-TAG (I-TAG right after the backbone MACs), I-SID 0x42: customer IPv4 SYN and SYN-ACK", expect: "tcp/22 ssh; handshake" + note,
			frames: []frame{e.tcp(true, "S", nil), e.tcp(false, "SA", nil)}},
		{what: "B-TAG VID 200, I-SID 0x0a0b0c, customer frame 802.1Q-tagged VID 20: IPv4 UDP NTP", expect: "udp/123 ntp; registry" + note, frames: udpFrames(g, f)},
	}
}

// ---- radiotap.pcap ----

// Wi-Fi addresses: the access point (BSSID) and the station.
var (
	macAP      = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0xa0, 0x01}
	macStation = macClient
)

// radiotapHeader is a minimal radiotap header (8 bytes, nothing present) or
// one with flags, rate, channel, antenna signal and antenna.
func radiotapHeader(fields bool) *layers.RadioTap {
	if !fields {
		return &layers.RadioTap{Version: 0}
	}
	return &layers.RadioTap{Version: 0,
		Present:          layers.RadioTapPresentFlags | layers.RadioTapPresentRate | layers.RadioTapPresentChannel | layers.RadioTapPresentDBMAntennaSignal | layers.RadioTapPresentAntenna,
		Flags:            0, // no FCS at the end, no short preamble
		Rate:             108,
		ChannelFrequency: 2437, ChannelFlags: layers.RadioTapChannelFlagsGhz2 | layers.RadioTapChannelFlagsOFDM,
		DBMAntennaSignal: -52, Antenna: 1}
}

// wifi is 802.11 through an access point with a radiotap header: a station
// (the client) sends to the AP (To DS: address 1 BSSID, 2 station, 3 the
// destination, the router), the AP to the station (From DS: address 1
// station, 2 BSSID, 3 the source). qos makes it a QoS data frame with a
// 2-byte QoS control field. The frame body is LLC/SNAP with the EtherType.
func wifi(qos, fields bool) link {
	var seq uint16
	return func(v6, up bool) []gopacket.SerializableLayer {
		seq++
		d := &layers.Dot11{Type: layers.Dot11TypeData, SequenceNumber: seq}
		if qos {
			d.Type = layers.Dot11TypeDataQOSData
		}
		if up {
			d.Flags = layers.Dot11FlagsToDS
			d.Address1, d.Address2, d.Address3 = macAP, macStation, macServer
		} else {
			d.Flags = layers.Dot11FlagsFromDS
			d.Address1, d.Address2, d.Address3 = macStation, macAP, macServer
		}
		ls := []gopacket.SerializableLayer{radiotapHeader(fields), d}
		if qos {
			ls = append(ls, gopacket.Payload{0x06, 0x00}) // QoS control (LE): TID 6 (voice), no EOSP, normal ack
		}
		return append(ls,
			&layers.LLC{DSAP: 0xaa, SSAP: 0xaa, Control: 0x03},                       // LLC: SNAP
			&layers.SNAP{OrganizationalCode: []byte{0, 0, 0}, Type: ipEtherType(v6)}) // SNAP: OUI 00-00-00 (EtherType follows)
	}
}

// beacon is an 802.11 beacon of the access point, SSID "portsift".
func beacon() frame {
	body := gopacket.Payload{
		0x00, 0x10, 0x20, 0x30, 0x00, 0x00, 0x00, 0x00, // timestamp (LE, µs)
		0x64, 0x00, // beacon interval: 100 TU
		0x11, 0x04, // capability information (LE): ESS, privacy, short slot time
		0x00, 0x08, 'p', 'o', 'r', 't', 's', 'i', 'f', 't', // SSID element
		0x01, 0x08, 0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24, // supported rates element
		0x03, 0x01, 0x06, // DS parameter set: channel 6
	}
	d := &layers.Dot11{Type: layers.Dot11TypeMgmtBeacon, Address1: macBcast, Address2: macAP, Address3: macAP, SequenceNumber: 100}
	return frame{data: serialize(radiotapHeader(true), d, body), bucket: bNonIP, layer: layers.LayerTypeDot11MgmtBeacon, note: "802.11 beacon"}
}

// protectedData is a CCMP-protected data frame from the station: the body
// cannot be read without the key.
func protectedData() frame {
	d := &layers.Dot11{Type: layers.Dot11TypeData, Flags: layers.Dot11FlagsToDS | layers.Dot11FlagsWEP,
		Address1: macAP, Address2: macStation, Address3: macServer, SequenceNumber: 200}
	ccmp := []byte{
		0x05, 0x00, // PN0, PN1
		0x00,                   // reserved
		0x20,                   // key ID 0, Ext IV set
		0x00, 0x00, 0x00, 0x00, // PN2-PN5
	}
	body := append(ccmp, pattern(80)...) // encrypted LLC/SNAP, IP, ... and the 8-byte MIC
	return frame{data: serialize(radiotapHeader(false), d, gopacket.Payload(body)), bucket: bNonIP, layer: layers.LayerTypeDot11WEP, note: "802.11 protected data"}
}

func radiotapRows(g *gen) []row {
	c := g.conv(wifi(false, false), ap("192.0.2.10:51000"), ap("198.51.100.1:443"))
	d := g.conv(wifi(false, true), ap("192.0.2.10:51001"), ap("198.51.100.53:53"))
	q := g.conv(wifi(true, true), ap("[2001:db8:c::10]:51002"), ap("[2001:db8:5::123]:123"))
	return []row{
		{what: "data frames (0x08), minimal radiotap (8 bytes): IPv4 TCP handshake, request, response", expect: "tcp/443 https; handshake", frames: tcpFrames(c, false)},
		{what: "data frames, radiotap with flags, rate, channel, antenna signal, antenna (16 bytes): IPv4 UDP DNS", expect: "udp/53 domain; registry", frames: udpFrames(g, d)},
		{what: "QoS data frames (0x88, 2-byte QoS control): IPv6 UDP NTP", expect: "udp/123 ntp; registry", frames: udpFrames(g, q)},
		{what: "beacon (management, subtype 8)", expect: "non-ip (802.11 management)", frames: []frame{beacon()}},
		{what: "protected (CCMP) data frame: Protected bit set, body encrypted", expect: "non-ip (802.11 protected: no readable LLC/SNAP)", frames: []frame{protectedData()}},
	}
}

// ---- null-be.pcap ----

// nullBERows is the NULL sample as a big-endian host writes it: the family
// in big-endian order, the same bytes as LINKTYPE_LOOP.
func nullBERows(g *gen) []row {
	return linkSample(g, loop(0), &[3]link{loop(afInet6BSD), loop(afInet6FreeBSD), loop(afInet6Darwin)})
}
