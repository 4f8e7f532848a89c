package main

import (
	"encoding/binary"
	"net"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// This file builds the frames that are not plain TCP/UDP/ICMP conversations:
// fragments, ICMP errors, non-IP and other-IP protocols, SCTP, IPv4 options,
// IPv6 extension headers, cut and malformed frames.

// udpFragments4 sends one UDP datagram as IPv4 fragments carrying at most
// chunk bytes of IP payload each (a multiple of 8). The first fragment holds
// the UDP header (bucket udp, ports readable); the others are bucket fragment.
// gopacket stops at the IP layer for every fragment (LayerTypeFragment).
func (c *conv) udpFragments4(up bool, payload []byte, chunk int) []frame {
	src, dst := c.ends(up)
	ipl, nl := c.ipLayer(up, layers.IPProtocolUDP)
	u := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	u.SetNetworkLayerForChecksum(nl)
	dgram := serialize(u, gopacket.Payload(payload)) // UDP header + data; checksum over the whole datagram
	ip4 := ipl.(*layers.IPv4)
	var fs []frame
	for off := 0; off < len(dgram); off += chunk {
		end := min(off+chunk, len(dgram))
		h := *ip4
		h.FragOffset = uint16(off / 8)
		if end < len(dgram) {
			h.Flags |= layers.IPv4MoreFragments
		}
		f := frame{data: serialize(append(c.link(false, up), &h, gopacket.Payload(dgram[off:end]))...), bucket: bFragment, layer: gopacket.LayerTypeFragment}
		if off == 0 {
			f.bucket, f.sport, f.dport, f.hasPorts = bUDP, src.Port(), dst.Port(), true
		}
		fs = append(fs, f)
	}
	return fs
}

// udpFragments6 is udpFragments4 for IPv6: each frame carries a Fragment
// extension header (next header 44) with the same identification.
func (c *conv) udpFragments6(up bool, payload []byte, chunk int, id uint32) []frame {
	src, dst := c.ends(up)
	u := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	_, nl := c.ipLayer(up, layers.IPProtocolUDP)
	u.SetNetworkLayerForChecksum(nl)
	dgram := serialize(u, gopacket.Payload(payload))
	var fs []frame
	for off := 0; off < len(dgram); off += chunk {
		end := min(off+chunk, len(dgram))
		fh := make([]byte, 8, 8+end-off)
		fh[0] = byte(layers.IPProtocolUDP) // next header: UDP (in the first fragment)
		fh[1] = 0                          // reserved
		offM := uint16(off/8) << 3         // fragment offset in 8-byte units, then 2 reserved bits
		if end < len(dgram) {
			offM |= 1 // M flag: more fragments
		}
		binary.BigEndian.PutUint16(fh[2:4], offM)
		binary.BigEndian.PutUint32(fh[4:8], id) // identification
		ip6 := &layers.IPv6{Version: 6, HopLimit: c.ttl, NextHeader: layers.IPProtocolIPv6Fragment, SrcIP: ip(src.Addr()), DstIP: ip(dst.Addr())}
		f := frame{data: serialize(append(c.link(true, up), ip6, gopacket.Payload(append(fh, dgram[off:end]...)))...), bucket: bFragment, layer: gopacket.LayerTypeFragment}
		if off == 0 {
			f.bucket, f.sport, f.dport, f.hasPorts = bUDP, src.Port(), dst.Port(), true
		}
		fs = append(fs, f)
	}
	return fs
}

// orphanFragment4 is a later IPv4 fragment (offset > 0, no MF) of a datagram
// whose first fragment is never captured: no ports anywhere.
func orphanFragment4(l link, src, dst netip.Addr, id uint16, offset8 uint16, n int) frame {
	h := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, Id: id, FragOffset: offset8, SrcIP: ip(src), DstIP: ip(dst)}
	data := serialize(append(l(false, false), h, gopacket.Payload(pattern(n)))...)
	return frame{data: data, bucket: bFragment, layer: gopacket.LayerTypeFragment}
}

// udpWithExtHeaders sends a UDP datagram over IPv6 with Hop-by-Hop,
// Destination Options and Routing headers, hand-built in that (RFC 8200)
// order. routingType 0 is the deprecated source route (the only type
// gopacket v1.1.19 decodes), 4 a Segment Routing header (SRv6), which
// gopacket rejects ("Unknown IPv6 routing header type 4"): a decoder must skip
// extension headers generically. Segments left is 0 in both, so the IPv6
// destination is final and the UDP checksum uses it.
func (c *conv) udpWithExtHeaders(up bool, routingType byte, payload gopacket.SerializableLayer) frame {
	src, dst := c.ends(up)
	ip6 := &layers.IPv6{Version: 6, HopLimit: c.ttl, NextHeader: layers.IPProtocolIPv6HopByHop, SrcIP: ip(src.Addr()), DstIP: ip(dst.Addr())}
	ext := []byte{
		// Hop-by-Hop Options, 8 bytes
		byte(layers.IPProtocolIPv6Destination), // next header: Destination Options
		0,                                      // header extension length: (0+1)*8 bytes
		0x05, 0x02, 0x00, 0x00,                 // option Router Alert (type 5, length 2, value 0)
		0x01, 0x00, // option PadN, 0 bytes of padding
		// Destination Options, 8 bytes
		byte(layers.IPProtocolIPv6Routing), // next header: Routing
		0,                                  // header extension length: 8 bytes
		0x01, 0x04, 0x00, 0x00, 0x00, 0x00, // option PadN, 4 bytes of padding
		// Routing, 24 bytes
		byte(layers.IPProtocolUDP), // next header: UDP
		2,                          // header extension length: (2+1)*8 = 24 bytes
		routingType,                // routing type
		0,                          // segments left: 0
	}
	if routingType == 4 {
		ext = append(ext, 0, 0, 0, 0)              // last entry 0, flags 0, tag 0
		ext = append(ext, dst.Addr().AsSlice()...) // segment list[0]: the final destination
	} else {
		ext = append(ext, 0, 0, 0, 0)              // reserved
		ext = append(ext, dst.Addr().AsSlice()...) // address[1], already visited
	}
	u := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	u.SetNetworkLayerForChecksum(ip6)
	data := serialize(append(c.link(true, up), ip6, gopacket.Payload(ext), u, payload)...)
	return frame{data: data, bucket: bUDP, layer: layers.LayerTypeUDP, sport: src.Port(), dport: dst.Port(), hasPorts: true}
}

// icmpPortUnreachable is what a host sends back for a UDP datagram to a
// closed port: ICMP type 3 code 3 quoting the datagram's IPv4 header and the
// first 8 bytes of its UDP header. The quoted header is not the frame's
// transport header (bucket icmp).
func icmpPortUnreachable(l link, probe frame, linkLen int, from, to netip.Addr, id uint16) frame {
	quote := probe.data[linkLen : linkLen+20+8] // IPv4 header (no options) + UDP header
	h := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolICMPv4, Id: id, SrcIP: ip(from), DstIP: ip(to)}
	ic := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeDestinationUnreachable, layers.ICMPv4CodePort)}
	data := serialize(append(l(false, false), h, ic, gopacket.Payload(quote))...)
	return frame{data: data, bucket: bICMP, layer: layers.LayerTypeICMPv4}
}

// arp is an ARP request (broadcast) or reply on Ethernet, optionally tagged.
func arp(vid uint16, request bool, sender, target netip.Addr) frame {
	op, src, dst, tha := uint16(layers.ARPRequest), macClient, macBcast, net.HardwareAddr{0, 0, 0, 0, 0, 0}
	if !request {
		op, src, dst, tha = layers.ARPReply, macServer, macClient, macClient
	}
	a := &layers.ARP{
		AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: op, SourceHwAddress: src, SourceProtAddress: sender.AsSlice(), DstHwAddress: tha, DstProtAddress: target.AsSlice(),
	}
	ls := []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeARP}, a}
	if vid != 0 {
		ls = []gopacket.SerializableLayer{
			&layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeDot1Q},
			&layers.Dot1Q{VLANIdentifier: vid, Type: layers.EthernetTypeARP}, a,
		}
	}
	return frame{data: serialize(ls...), bucket: bNonIP, layer: layers.LayerTypeARP}
}

// arpCooked is an ARP request behind a hand-built cooked (SLL or SLL2) header.
func arpCooked(hdr []byte, sender, target netip.Addr) frame {
	a := &layers.ARP{
		AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: layers.ARPRequest, SourceHwAddress: macClient, SourceProtAddress: sender.AsSlice(),
		DstHwAddress: []byte{0, 0, 0, 0, 0, 0}, DstProtAddress: target.AsSlice(),
	}
	return frame{data: serialize(gopacket.Payload(hdr), a), bucket: bNonIP, layer: layers.LayerTypeARP}
}

// lldp is one LLDP announcement to the nearest-bridge multicast address.
func lldp() frame {
	l := &layers.LinkLayerDiscovery{
		ChassisID: layers.LLDPChassisID{Subtype: layers.LLDPChassisIDSubTypeMACAddr, ID: macServer},
		PortID:    layers.LLDPPortID{Subtype: layers.LLDPPortIDSubtypeIfaceName, ID: []byte("ge-0/0/1")},
		TTL:       120,
	}
	eth := &layers.Ethernet{SrcMAC: macServer, DstMAC: net.HardwareAddr{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e}, EthernetType: layers.EthernetTypeLinkLayerDiscovery}
	return frame{data: serialize(eth, l), bucket: bNonIP, layer: layers.LayerTypeLinkLayerDiscovery}
}

// greUDP is a GRE (IP protocol 47) packet between two tunnel endpoints,
// carrying an inner IPv4/UDP DNS message. It counts as other-ip/GRE unless
// --decap, which classifies the inner udp/53 flow.
func (g *gen) greUDP(up bool, outerA, outerB, innerCli, innerSrv netip.AddrPort, dns *layers.DNS) frame {
	oSrc, oDst, iSrc, iDst := outerA.Addr(), outerB.Addr(), innerCli, innerSrv
	if !up {
		oSrc, oDst, iSrc, iDst = oDst, oSrc, iDst, iSrc
	}
	src, dst := macs(up)
	outer := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolGRE, Id: g.nextID(), SrcIP: ip(oSrc), DstIP: ip(oDst)}
	inner := &layers.IPv4{Version: 4, TTL: 63, Protocol: layers.IPProtocolUDP, Id: g.nextID(), SrcIP: ip(iSrc.Addr()), DstIP: ip(iDst.Addr())}
	u := &layers.UDP{SrcPort: layers.UDPPort(iSrc.Port()), DstPort: layers.UDPPort(iDst.Port())}
	u.SetNetworkLayerForChecksum(inner)
	data := serialize(&layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}, outer,
		&layers.GRE{Protocol: layers.EthernetTypeIPv4}, inner, u, dns)
	return frame{data: data, bucket: bOtherIP, layer: layers.LayerTypeGRE}
}

// ospfHello is an OSPFv2 Hello (IP protocol 89) to AllSPFRouters, hand-built:
// gopacket v1.1.19 decodes OSPF but cannot serialize it.
func (g *gen) ospfHello(router netip.Addr) frame {
	o := []byte{
		2, 1, // version 2, type 1 (Hello)
		0, 44, // packet length: 24-byte header + 20-byte Hello, no neighbors
		0, 0, 0, 0, // router ID, filled below
		0, 0, 0, 0, // area 0.0.0.0
		0, 0, // checksum, filled below
		0, 0, // authentication type 0 (none)
		0, 0, 0, 0, 0, 0, 0, 0, // authentication data
		255, 255, 255, 0, // network mask
		0, 10, // hello interval: 10 s
		0x02,        // options: E (external routing)
		1,           // router priority
		0, 0, 0, 40, // router dead interval: 40 s
		0, 0, 0, 0, // designated router: none
		0, 0, 0, 0, // backup designated router: none
	}
	copy(o[4:8], router.AsSlice())
	// The checksum covers the whole packet except the 8-byte authentication field.
	sum := append(append([]byte{}, o[:16]...), o[24:]...)
	binary.BigEndian.PutUint16(o[12:14], inetChecksum(sum))
	h := &layers.IPv4{Version: 4, TOS: 0xc0, TTL: 1, Protocol: layers.IPProtocolOSPF, Id: g.nextID(), SrcIP: ip(router), DstIP: net.IP{224, 0, 0, 5}}
	eth := &layers.Ethernet{SrcMAC: macServer, DstMAC: net.HardwareAddr{0x01, 0x00, 0x5e, 0x00, 0x00, 0x05}, EthernetType: layers.EthernetTypeIPv4}
	return frame{data: serialize(eth, h, gopacket.Payload(o)), bucket: bOtherIP, layer: layers.LayerTypeOSPF}
}

// sctp builds one SCTP packet of the conversation with the given chunks.
// gopacket computes the CRC32c checksum.
func (c *conv) sctp(up bool, vtag uint32, chunks ...gopacket.SerializableLayer) frame {
	src, dst := c.ends(up)
	ipl, _ := c.ipLayer(up, layers.IPProtocolSCTP)
	s := &layers.SCTP{SrcPort: layers.SCTPPort(src.Port()), DstPort: layers.SCTPPort(dst.Port()), VerificationTag: vtag}
	ls := append(c.link(c.v6(), up), ipl, s)
	ls = append(ls, chunks...)
	return c.finish(up, frame{data: serialize(ls...), bucket: bSCTP, layer: layers.LayerTypeSCTP, sport: src.Port(), dport: dst.Port(), hasPorts: true, service: c.srv.Port()})
}

// ngapErrorIndication is the smallest valid NGAP message (APER): an
// ErrorIndication, whose information elements are all optional.
var ngapErrorIndication = gopacket.Payload{
	0x00,       // NGAP-PDU: no extension, choice 0 (initiatingMessage), padding
	0x09,       // procedureCode 9: id-ErrorIndication
	0x40,       // criticality: ignore (2 bits), padding
	0x03,       // open type length: 3 bytes
	0x00,       // ErrorIndication: no extension, padding
	0x00, 0x00, // protocolIEs: 0 items
}

// sctpAssociation is INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK, DATA, SACK.
func (c *conv) sctpAssociation() []frame {
	tagC, tagS := c.g.rng.Uint32(), c.g.rng.Uint32()
	tsnC, tsnS := c.g.rng.Uint32(), c.g.rng.Uint32()
	cookie := pattern(32)
	return []frame{
		c.sctp(true, 0, &layers.SCTPInit{SCTPChunk: layers.SCTPChunk{Type: layers.SCTPChunkTypeInit},
			InitiateTag: tagC, AdvertisedReceiverWindowCredit: 106496, OutboundStreams: 2, InboundStreams: 2, InitialTSN: tsnC}),
		c.sctp(false, tagC, &layers.SCTPInit{SCTPChunk: layers.SCTPChunk{Type: layers.SCTPChunkTypeInitAck},
			InitiateTag: tagS, AdvertisedReceiverWindowCredit: 106496, OutboundStreams: 2, InboundStreams: 2, InitialTSN: tsnS,
			Parameters: []layers.SCTPInitParameter{{Type: 7, Value: cookie}}}), // parameter 7: State Cookie
		c.sctp(true, tagS, &layers.SCTPCookieEcho{SCTPChunk: layers.SCTPChunk{Type: layers.SCTPChunkTypeCookieEcho}, Cookie: cookie}),
		c.sctp(false, tagC, &layers.SCTPEmptyLayer{SCTPChunk: layers.SCTPChunk{Type: layers.SCTPChunkTypeCookieAck}}),
		c.sctp(true, tagS, &layers.SCTPData{SCTPChunk: layers.SCTPChunk{Type: layers.SCTPChunkTypeData},
			BeginFragment: true, EndFragment: true, TSN: tsnC, PayloadProtocol: 60}, ngapErrorIndication), // PPID 60: NGAP
		c.sctp(false, tagC, &layers.SCTPSack{SCTPChunk: layers.SCTPChunk{Type: layers.SCTPChunkTypeSack},
			CumulativeTSNAck: tsnC, AdvertisedReceiverWindowCredit: 106496}),
	}
}

// cut keeps the first n captured bytes of f, as a small snaplen would; the
// wire length stays. bucket and short say what the cut leaves countable.
// A cut before the ports makes gopacket fail at that header
// (LayerTypeDecodeFailure); a short transport header is still added as a
// TCP or UDP layer, with the ports, before the failure.
func cut(f frame, n int, bucket string, short bool) frame {
	f.wire = len(f.data)
	f.data = f.data[:n:n]
	f.bucket, f.short, f.hasPorts = bucket, short, short
	if !short {
		f.layer = gopacket.LayerTypeDecodeFailure
	}
	return f
}

// malformed marks f (already patched) as malformed: gopacket's IPv4 decoder
// rejects it.
func malformed(f frame) frame {
	f.bucket, f.short, f.hasPorts = bMalformed, false, false
	f.layer = gopacket.LayerTypeDecodeFailure
	return f
}

// ipv6InIPv4EtherType is an IPv6/UDP packet behind EtherType 0x0800: the
// IPv4 decoder sees version 6 and IHL 0.
func ipv6InIPv4EtherType(cli, srv netip.AddrPort) frame {
	ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP, SrcIP: ip(cli.Addr()), DstIP: ip(srv.Addr())}
	u := &layers.UDP{SrcPort: layers.UDPPort(cli.Port()), DstPort: layers.UDPPort(srv.Port())}
	u.SetNetworkLayerForChecksum(ip6)
	eth := &layers.Ethernet{SrcMAC: macClient, DstMAC: macServer, EthernetType: layers.EthernetTypeIPv4} // wrong: says IPv4
	return malformed(frame{data: serialize(eth, ip6, u, gopacket.Payload(pattern(20)))})
}
