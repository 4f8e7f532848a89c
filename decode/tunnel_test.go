package decode

import (
	"encoding/binary"
	"net"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/portsift/portsift/decode/vocab"
)

// Inner packets the tunnel cases carry, and what Decap should make of them.
func innerTCP4(t testing.TB) []byte {
	return serialize(t, ip4(layers.IPProtocolTCP), tcp(51000, 443, true, false), payload)
}
func innerUDP6(t testing.TB) []byte {
	return serialize(t, ip6(layers.IPProtocolUDP), udp(53000, 53), payload)
}
func innerEthTCP4(t testing.TB) []byte {
	return cat(ethHdr(t, layers.EthernetTypeIPv4), innerTCP4(t))
}

// outer4 wraps payload in an outer IPv4 header of protocol p between other
// addresses, so inner and outer flows differ.
func outer4(t testing.TB, p layers.IPProtocol, inner []byte) []byte {
	o := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: p, SrcIP: []byte{10, 0, 0, 1}, DstIP: []byte{10, 0, 0, 2}}
	return cat(ethHdr(t, layers.EthernetTypeIPv4), serialize(t, o, gopacketPayload(inner)))
}

func outer6(t testing.TB, p layers.IPProtocol, inner []byte) []byte {
	o := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: p, SrcIP: net.ParseIP("2001:db8:ffff::1"), DstIP: net.ParseIP("2001:db8:ffff::2")}
	return cat(ethHdr(t, layers.EthernetTypeIPv6), serialize(t, o, gopacketPayload(inner)))
}

func outerUDP(t testing.TB, sport, dport uint16, inner []byte) []byte {
	o := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: []byte{10, 0, 0, 1}, DstIP: []byte{10, 0, 0, 2}}
	return cat(ethHdr(t, layers.EthernetTypeIPv4), serialize(t, o, udp(sport, dport), gopacketPayload(inner)))
}

func greHdr(flags byte, proto uint16, extra int) []byte {
	h := []byte{flags, 0, byte(proto >> 8), byte(proto)}
	return append(h, make([]byte, extra)...)
}

// gtp builds a GTPv1-U header of msgType (with one extension header if
// ext) around inner.
func gtp(msgType byte, ext bool, inner []byte) []byte {
	h := []byte{0x30, msgType, 0, 0, 0, 0, 0, 1} // v1, PT=1, type, length, TEID
	if ext {
		h[0] |= 0x04                    // E flag
		h = append(h, 0, 0, 0, 0x85)    // sequence, N-PDU, next ext: PDU session container
		h = append(h, 1, 0x00, 0x01, 0) // length 1 (4 bytes), content, next ext 0
	}
	binary.BigEndian.PutUint16(h[2:4], uint16(len(h)-8+len(inner)))
	return cat(h, inner)
}

// ipipBomb nests a TCP packet in 20 IPv4-in-IPv4 headers.
func ipipBomb(t testing.TB) []byte {
	b := innerTCP4(t)
	for i := 0; i < 20; i++ {
		o := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolIPv4, SrcIP: []byte{10, 9, 9, byte(i)}, DstIP: []byte{10, 9, 9, 99}}
		b = serialize(t, o, gopacketPayload(b))
	}
	return b
}

// badInner is an IPv4 TCP packet whose header length field says 3 words.
func badInner(t testing.TB) []byte {
	b := innerTCP4(t)
	b[0] = 0x43
	return b
}

type tunnelCase struct {
	name  string
	link  vocab.LinkType
	frame []byte
	want  Summary // with Decap
	outer Tunnel  // tunnel without Decap (the bucket is then the outer packet's)
}

func tunnelCases(t testing.TB) []tunnelCase {
	tcpIn := tcpSum(4, TCPSyn, 51000, 443)
	udpIn := udpSum(6, 53000, 53)
	dec := func(s Summary, k Tunnel, depth uint8) Summary { s.Tunnel, s.Decap = k, depth; return s }

	return []tunnelCase{
		{"gre_ipv4", vocab.LinkEthernet, outer4(t, layers.IPProtocolGRE, cat(greHdr(0, 0x0800, 0), innerTCP4(t))), dec(tcpIn, TunnelGRE, 1), TunnelGRE},
		{"gre_csum_key_seq_ipv6", vocab.LinkEthernet, outer4(t, layers.IPProtocolGRE, cat(greHdr(0xb0, 0x86dd, 12), innerUDP6(t))), dec(udpIn, TunnelGRE, 1), TunnelGRE},
		{"nvgre_ethernet", vocab.LinkEthernet, outer4(t, layers.IPProtocolGRE, cat(greHdr(0x20, 0x6558, 4), innerEthTCP4(t))), dec(tcpIn, TunnelGRE, 1), TunnelGRE},
		{"gre_mpls", vocab.LinkEthernet, outer4(t, layers.IPProtocolGRE, cat(greHdr(0, 0x8847, 0), mplsLabels(2), innerTCP4(t))), dec(tcpIn, TunnelGRE, 1), TunnelGRE},
		{"erspan_i", vocab.LinkEthernet, outer4(t, layers.IPProtocolGRE, cat(greHdr(0, 0x88be, 0), innerEthTCP4(t))), dec(tcpIn, TunnelERSPAN1, 1), TunnelERSPAN1},
		{"erspan_ii", vocab.LinkEthernet, outer4(t, layers.IPProtocolGRE, cat(greHdr(0x10, 0x88be, 4), []byte{0x10, 0, 0, 1, 0, 0, 0, 0}, innerEthTCP4(t))), dec(tcpIn, TunnelERSPAN2, 1), TunnelERSPAN2},
		{"erspan_iii_subheader", vocab.LinkEthernet, outer4(t, layers.IPProtocolGRE, cat(greHdr(0x10, 0x22eb, 4), []byte{0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, make([]byte, 8), innerEthTCP4(t))), dec(tcpIn, TunnelERSPAN3, 1), TunnelERSPAN3},
		{"pptp_gre_v1", vocab.LinkEthernet, outer4(t, layers.IPProtocolGRE, cat([]byte{0x30, 0x81, 0x88, 0x0b, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}, []byte{0xff, 0x03, 0x00, 0x21}, innerTCP4(t))), dec(tcpIn, TunnelPPTP, 1), TunnelPPTP},
		{"ipip", vocab.LinkEthernet, outer4(t, layers.IPProtocolIPv4, innerTCP4(t)), dec(tcpIn, Tunnel4in4, 1), Tunnel4in4},
		{"6in4", vocab.LinkEthernet, outer4(t, layers.IPProtocolIPv6, innerUDP6(t)), dec(udpIn, Tunnel6in4, 1), Tunnel6in4},
		{"4in6", vocab.LinkEthernet, outer6(t, layers.IPProtocolIPv4, innerTCP4(t)), dec(tcpIn, Tunnel4in6, 1), Tunnel4in6},
		{"6in6", vocab.LinkEthernet, outer6(t, layers.IPProtocolIPv6, innerUDP6(t)), dec(udpIn, Tunnel6in6, 1), Tunnel6in6},
		{"vxlan", vocab.LinkEthernet, outerUDP(t, 40000, 4789, cat([]byte{0x08, 0, 0, 0, 0, 0, 1, 0}, innerEthTCP4(t))), dec(tcpIn, TunnelVXLAN, 1), TunnelVXLAN},
		{"vxlan_linux_8472", vocab.LinkEthernet, outerUDP(t, 40000, 8472, cat([]byte{0x08, 0, 0, 0, 0, 0, 1, 0}, innerEthTCP4(t))), dec(tcpIn, TunnelVXLAN, 1), TunnelVXLAN},
		{"geneve_options", vocab.LinkEthernet, outerUDP(t, 40000, 6081, cat([]byte{0x02, 0, 0x65, 0x58, 0, 0, 1, 0}, make([]byte, 8), innerEthTCP4(t))), dec(tcpIn, TunnelGeneve, 1), TunnelGeneve},
		{"gtpu_tpdu_ext", vocab.LinkEthernet, outerUDP(t, 2152, 2152, gtp(255, true, innerUDP6(t))), dec(udpIn, TunnelGTPU, 1), TunnelGTPU},
		{"gtpu_tpdu", vocab.LinkEthernet, outerUDP(t, 2152, 2152, gtp(255, false, innerTCP4(t))), dec(tcpIn, TunnelGTPU, 1), TunnelGTPU},
		{"teredo_origin", vocab.LinkEthernet, outerUDP(t, 3544, 50000, cat([]byte{0, 0, 0x12, 0x34, 1, 2, 3, 4}, innerUDP6(t))), dec(udpIn, TunnelTeredo, 1), TunnelTeredo},
		{"mpls_in_udp", vocab.LinkEthernet, outerUDP(t, 40000, 6635, cat(mplsLabels(1), innerTCP4(t))), dec(tcpIn, TunnelMPLSUDP, 1), TunnelMPLSUDP},
		{"vxlan_in_gre", vocab.LinkEthernet, outer4(t, layers.IPProtocolGRE, cat(greHdr(0, 0x0800, 0),
			serialize(t, &layers.IPv4{Version: 4, IHL: 5, TTL: 1, Protocol: layers.IPProtocolUDP, SrcIP: []byte{10, 1, 1, 1}, DstIP: []byte{10, 1, 1, 2}}, udp(1, 4789),
				gopacketPayload(cat([]byte{0x08, 0, 0, 0, 0, 0, 1, 0}, innerEthTCP4(t)))))), dec(tcpIn, TunnelGRE, 2), TunnelGRE},
	}
}

func TestDecodeDecap(t *testing.T) {
	tests := tunnelCases(t)
	plain, decap := NewDecoder(), NewDecoder()
	decap.Decap = true
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Summary
			if err := decap.Decode(tt.link, tt.frame, 0, &got); err != nil {
				t.Fatalf("Decode with Decap: %v", err)
			}
			if got != tt.want {
				t.Errorf("Decap:\n got %+v\nwant %+v", got, tt.want)
			}
			if err := plain.Decode(tt.link, tt.frame, 0, &got); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got.Tunnel != tt.outer || got.Decap != 0 || got.Src.Addr() == tt.want.Src.Addr() {
				t.Errorf("without Decap: tunnel %v, decap %d, src %v; want the outer packet in tunnel %v", got.Tunnel, got.Decap, got.Src, tt.outer)
			}
			allocs := testing.AllocsPerRun(100, func() { sinkE = decap.Decode(tt.link, tt.frame, 0, &sink) })
			if allocs != 0 {
				t.Errorf("Decode with Decap: %v allocs", allocs)
			}
		})
	}

	// GTP-U echo request: a GTP-U frame without a packet stays the outer flow.
	var got Summary
	decap.Decode(vocab.LinkEthernet, outerUDP(t, 2152, 2152, gtp(1, false, nil)), 0, &got)
	if got.Bucket != vocab.BucketUDP || got.Dst.Port() != 2152 || got.Tunnel != TunnelGTPU || got.Decap != 0 {
		t.Errorf("GTP-U echo: %+v, want the outer udp/2152 flow in tunnel gtp-u", got)
	}
	// A tunnel bomb stops at the depth limit and is counted there.
	decap.Decode(vocab.LinkRaw, ipipBomb(t), 0, &got)
	if !got.DepthExceeded || got.Decap != 0 || got.Bucket != vocab.BucketOtherIP || got.Proto != vocab.IPIP || got.Src.Addr().String() != "10.9.9.19" {
		t.Errorf("20 nested IP-in-IP: %+v, want the outermost packet (other-ip from 10.9.9.19) with DepthExceeded", got)
	}
	// A damaged inner packet leaves the frame to its outer flow.
	decap.Decode(vocab.LinkEthernet, outer4(t, layers.IPProtocolGRE, cat(greHdr(0, 0x0800, 0), badInner(t))), 0, &got)
	if !got.InnerDamaged || got.Bucket != vocab.BucketOtherIP || got.Proto != vocab.GRE || got.Decap != 0 {
		t.Errorf("GRE with a bad inner header: %+v, want the outer gre packet, InnerDamaged", got)
	}
	// Random UDP on a tunnel port that is not a tunnel stays what it is.
	decap.Decode(vocab.LinkEthernet, outerUDP(t, 40000, 4789, []byte("\x00 no I flag: not vxlan")), 0, &got)
	if got.Tunnel != TunnelNone || got.Bucket != vocab.BucketUDP {
		t.Errorf("udp/4789 without the VXLAN I flag: %+v", got)
	}
}

func TestDecodeLinkTypes(t *testing.T) {
	tcpIn := tcpSum(4, TCPSyn, 51000, 443)
	udpIn := udpSum(6, 53000, 53)
	le16 := func(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
	tlv := func(typ uint16, v []byte) []byte {
		b := cat(le16(uint16(4+len(v))), le16(typ), v)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	qos := []byte{0x88, 0x01, 0, 0} // QoS data, to DS; duration
	qos = append(qos, make([]byte, 18)...)
	qos = append(qos, 0, 0, 0, 0) // sequence control (2) + QoS control (2)
	snap := []byte{0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00}
	radiotap := []byte{0, 0, 8, 0, 0, 0, 0, 0}
	beacon := cat([]byte{0x80, 0}, make([]byte, 34))
	protected := cat([]byte{0x08, 0x41}, make([]byte, 30))
	pbbFrame := cat(ethHdr(t, layers.EthernetTypeQinQ), []byte{0, 100, 0x88, 0xe7}, []byte{0, 0, 0, 42},
		ethHdr(t, layers.EthernetTypeIPv4), innerTCP4(t))
	tests := []struct {
		name  string
		link  vocab.LinkType
		frame []byte
		want  Summary
	}{
		{"cisco_hdlc_ipv4", vocab.LinkCiscoHDLC, cat([]byte{0x0f, 0, 0x08, 0x00}, innerTCP4(t)), tcpIn},
		{"cisco_hdlc_ipv6", vocab.LinkCiscoHDLC, cat([]byte{0x8f, 0, 0x86, 0xdd}, innerUDP6(t)), udpIn},
		{"cisco_hdlc_slarp", vocab.LinkCiscoHDLC, cat([]byte{0x8f, 0, 0x80, 0x35}, make([]byte, 20)), Summary{Bucket: vocab.BucketNonIP, EtherType: 0x8035}},
		{"nflog_ipv4", vocab.LinkNFLOG, cat([]byte{2, 0, 0, 1}, tlv(1, []byte{8, 0, 1, 0}), tlv(10, []byte("drop: ")), tlv(9, innerTCP4(t))), tcpIn},
		{"nflog_ipv6", vocab.LinkNFLOG, cat([]byte{10, 0, 0, 1}, tlv(9, innerUDP6(t))), udpIn},
		{"nflog_no_payload", vocab.LinkNFLOG, cat([]byte{2, 0, 0, 1}, tlv(10, []byte("log"))), Summary{Bucket: vocab.BucketNonIP}},
		{"radiotap_qos_data", vocab.LinkRadiotap, cat(radiotap, qos, snap, innerTCP4(t)), tcpIn},
		{"radiotap_beacon", vocab.LinkRadiotap, cat(radiotap, beacon), Summary{Bucket: vocab.BucketNonIP}},
		{"radiotap_protected", vocab.LinkRadiotap, cat(radiotap, protected), Summary{Bucket: vocab.BucketNonIP}},
		{"ieee80211_data", vocab.LinkIEEE80211, cat([]byte{0x08, 0x02}, make([]byte, 22), snap, innerTCP4(t)), tcpIn},
		{"pbb_itag", vocab.LinkEthernet, pbbFrame, tcpIn},
	}
	d := NewDecoder()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Summary
			d.Decode(tt.link, tt.frame, 0, &got)
			if got != tt.want {
				t.Errorf("Decode:\n got %+v\nwant %+v", got, tt.want)
			}
			if allocs := testing.AllocsPerRun(100, func() { sinkE = d.Decode(tt.link, tt.frame, 0, &sink) }); allocs != 0 {
				t.Errorf("%v allocs", allocs)
			}
		})
	}
}

func BenchmarkDecodeTunnels(b *testing.B) {
	for _, mode := range []struct {
		name  string
		decap bool
	}{{"outer", false}, {"decap", true}} {
		d := NewDecoder()
		d.Decap = mode.decap
		for _, tt := range tunnelCases(b) {
			switch tt.name {
			case "gre_ipv4", "vxlan", "gtpu_tpdu_ext", "vxlan_in_gre":
			default:
				continue
			}
			b.Run(mode.name+"/"+tt.name, func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					sinkE = d.Decode(tt.link, tt.frame, 0, &sink)
				}
			})
		}
	}
}
