package decode

import (
	"encoding/binary"

	"github.com/google/gopacket"
	"github.com/portsift/portsift/decode/vocab"
)

// Tunnel names an encapsulation portsift recognises.
type Tunnel uint8

// The tunnels. Without Decap each is counted as its outer flow: GRE and
// IP-in-IP as other-ip, the UDP ones as udp on their port.
const (
	TunnelNone    Tunnel = iota
	TunnelGRE            // GRE (incl. keyed, sequenced, NVGRE/transparent Ethernet, MPLS in GRE)
	TunnelERSPAN1        // ERSPAN type I (GRE 0x88be without sequence number)
	TunnelERSPAN2        // ERSPAN type II (GRE 0x88be)
	TunnelERSPAN3        // ERSPAN type III (GRE 0x22eb)
	TunnelPPTP           // enhanced GRE (version 1) carrying PPP
	TunnelVXLAN          // VXLAN, udp/4789 and Linux's udp/8472
	TunnelGeneve         // Geneve, udp/6081
	TunnelGTPU           // GTP-U, udp/2152
	TunnelTeredo         // Teredo, IPv6 in udp/3544
	TunnelMPLSUDP        // MPLS in UDP, udp/6635
	Tunnel4in4           // IPv4 in IPv4 (protocol 4)
	Tunnel6in4           // IPv6 in IPv4 (protocol 41)
	Tunnel4in6           // IPv4 in IPv6
	Tunnel6in6           // IPv6 in IPv6
	NumTunnels
)

var tunnelNames = [NumTunnels]string{"", "gre", "erspan-i", "erspan-ii", "erspan-iii", "pptp", "vxlan", "geneve", "gtp-u",
	"teredo", "mpls-in-udp", "ipip", "6in4", "4in6", "6in6"}

// String returns the tunnel's name as used in reports ("vxlan", "6in4").
func (t Tunnel) String() string {
	if t < NumTunnels {
		return tunnelNames[t]
	}
	return "tunnel-" + itoa(int(t))
}

// MarshalText implements encoding.TextMarshaler.
func (t Tunnel) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// DefaultMaxDepth is how many tunnels Decap opens at most.
const DefaultMaxDepth = 8

// UDP ports of the tunnels recognised by port.
const (
	portVXLAN      = 4789
	portVXLANLinux = 8472
	portGeneve     = 6081
	portGTPU       = 2152
	portTeredo     = 3544
	portMPLSUDP    = 6635
)

// tunnel recognises the tunnel that the current level (s, d.st, d.l4)
// carries and returns its kind, the inner packet and the parser that starts
// at its first layer. inner is nil when the tunnel carries no packet (a
// GTP-U echo) or its header is cut.
func (d *Decoder) tunnel(s *Summary) (Tunnel, []byte, *gopacket.DecodingLayerParser) {
	if s.Bucket == vocab.BucketOtherIP {
		b := d.st.payload
		switch s.Proto {
		case vocab.IPIP:
			if s.IPVersion == 4 {
				return Tunnel4in4, b, d.pIP4
			}
			return Tunnel4in6, b, d.pIP4
		case vocab.IPv6:
			if s.IPVersion == 4 {
				return Tunnel6in4, b, d.pIP6
			}
			return Tunnel6in6, b, d.pIP6
		case vocab.GRE:
			return d.gre(b)
		}
		return TunnelNone, nil, nil
	}
	if d.l4 == nil {
		return TunnelNone, nil, nil
	}
	for _, port := range [2]uint16{s.Dst.Port(), s.Src.Port()} {
		switch port {
		case portVXLAN, portVXLANLinux:
			if k, in, p := d.vxlan(d.l4); k != TunnelNone {
				return k, in, p
			}
		case portGeneve:
			if k, in, p := d.geneve(d.l4); k != TunnelNone {
				return k, in, p
			}
		case portGTPU:
			if k, in, p := d.gtpu(d.l4); k != TunnelNone {
				return k, in, p
			}
		case portTeredo:
			if k, in, p := d.teredo(d.l4); k != TunnelNone {
				return k, in, p
			}
		case portMPLSUDP:
			if len(d.l4) >= 4 {
				return TunnelMPLSUDP, d.l4, d.pMPLS
			}
		}
	}
	return TunnelNone, nil, nil
}

// byEtherType returns the parser for a packet of EtherType et.
func (d *Decoder) byEtherType(et uint16) *gopacket.DecodingLayerParser {
	switch et {
	case 0x0800:
		return d.pIP4
	case 0x86dd:
		return d.pIP6
	case 0x6558: // transparent Ethernet bridging (NVGRE, Geneve)
		return d.pEth
	case 0x8847, 0x8848:
		return d.pMPLS
	case 0x880b: // PPP (GRE version 0, as Cisco and Linux pppd over GRE send it)
		return d.pPPP
	}
	return nil
}

// byVersion returns the IPv4 or IPv6 parser for b's version nibble.
func (d *Decoder) byVersion(b []byte) *gopacket.DecodingLayerParser {
	if len(b) == 0 {
		return nil
	}
	switch b[0] >> 4 {
	case 4:
		return d.pIP4
	case 6:
		return d.pIP6
	}
	return nil
}

// gre reads a GRE header (RFC 2784/2890, and PPTP's enhanced GRE).
func (d *Decoder) gre(b []byte) (Tunnel, []byte, *gopacket.DecodingLayerParser) {
	if len(b) < 4 {
		return TunnelGRE, nil, nil
	}
	flags, ver := b[0], b[1]&7
	proto := binary.BigEndian.Uint16(b[2:4])
	n := 4
	if ver == 1 { // enhanced GRE: key (payload length, call id), optional sequence and ack
		n += 4
		if flags&0x10 != 0 {
			n += 4
		}
		if b[1]&0x80 != 0 {
			n += 4
		}
		if proto != 0x880b || len(b) < n {
			return TunnelPPTP, nil, nil
		}
		return TunnelPPTP, b[n:], d.pPPP
	}
	if ver != 0 {
		return TunnelGRE, nil, nil
	}
	if flags&0xc0 != 0 { // checksum or routing present (RFC 1701): checksum and offset
		n += 4
	}
	if flags&0x20 != 0 { // key present
		n += 4
	}
	seq := flags&0x10 != 0
	if seq {
		n += 4
	}
	if flags&0x40 != 0 { // RFC 1701 source routes: entries up to a null one
		for {
			if len(b) < n+4 {
				return TunnelGRE, nil, nil
			}
			af, l := binary.BigEndian.Uint16(b[n:n+2]), int(b[n+3])
			n += 4 + l
			if af == 0 && l == 0 {
				break
			}
		}
	}
	if len(b) < n {
		return TunnelGRE, nil, nil
	}
	switch proto {
	case 0x883e: // WCCP redirection: IPv4, after a 4-byte header unless WCCPv1
		if len(b) > n && b[n]>>4 != 4 {
			n += 4
		}
		if len(b) < n {
			return TunnelGRE, nil, nil
		}
		return TunnelGRE, b[n:], d.pIP4
	case 0x88be: // ERSPAN: type II has a sequence number and an 8-byte header; type I neither
		if !seq {
			return TunnelERSPAN1, b[n:], d.pEth
		}
		if len(b) < n+8 {
			return TunnelERSPAN2, nil, nil
		}
		return TunnelERSPAN2, b[n+8:], d.pEth
	case 0x22eb: // ERSPAN III: 12-byte header, plus 8 bytes when the O bit is set
		if len(b) < n+12 {
			return TunnelERSPAN3, nil, nil
		}
		h := 12
		if b[n+11]&1 != 0 {
			h += 8
		}
		if len(b) < n+h {
			return TunnelERSPAN3, nil, nil
		}
		return TunnelERSPAN3, b[n+h:], d.pEth
	}
	return TunnelGRE, b[n:], d.byEtherType(proto)
}

// vxlan reads a VXLAN header: flags with the I bit, reserved, VNI.
func (d *Decoder) vxlan(b []byte) (Tunnel, []byte, *gopacket.DecodingLayerParser) {
	if len(b) < 8 || b[0]&0x08 == 0 {
		return TunnelNone, nil, nil
	}
	return TunnelVXLAN, b[8:], d.pEth
}

// geneve reads a Geneve header (RFC 8926): version 0, options length in
// 4-byte words, protocol type.
func (d *Decoder) geneve(b []byte) (Tunnel, []byte, *gopacket.DecodingLayerParser) {
	if len(b) < 8 || b[0]>>6 != 0 {
		return TunnelNone, nil, nil
	}
	n := 8 + int(b[0]&0x3f)*4
	if len(b) < n {
		return TunnelGeneve, nil, nil
	}
	return TunnelGeneve, b[n:], d.byEtherType(binary.BigEndian.Uint16(b[2:4]))
}

// gtpu reads a GTPv1-U header and its extension header chain; only a T-PDU
// (message type 255) carries a packet.
func (d *Decoder) gtpu(b []byte) (Tunnel, []byte, *gopacket.DecodingLayerParser) {
	if len(b) < 8 || b[0]>>5 != 1 || b[0]&0x10 == 0 {
		return TunnelNone, nil, nil
	}
	n := 8
	if b[0]&0x07 != 0 { // E, S or PN: sequence, N-PDU number, next extension type
		if len(b) < 12 {
			return TunnelGTPU, nil, nil
		}
		n = 12
		for next := b[11]; next != 0; {
			if len(b) < n+1 {
				return TunnelGTPU, nil, nil
			}
			l := int(b[n]) * 4
			if l == 0 || len(b) < n+l {
				return TunnelGTPU, nil, nil
			}
			next = b[n+l-1]
			n += l
		}
	}
	if b[1] != 255 {
		return TunnelGTPU, nil, nil
	}
	return TunnelGTPU, b[n:], d.byVersion(b[n:])
}

// teredo recognises IPv6 in UDP (RFC 4380), after an optional
// authentication and an optional origin indication header.
func (d *Decoder) teredo(b []byte) (Tunnel, []byte, *gopacket.DecodingLayerParser) {
	n := 0
	if len(b) >= 4 && b[0] == 0 && b[1] == 1 { // authentication: id and auth lengths, nonce, confirmation
		n = 4 + int(b[2]) + int(b[3]) + 9
	}
	if len(b) >= n+8 && b[n] == 0 && b[n+1] == 0 { // origin indication
		n += 8
	}
	if len(b) < n+40 || b[n]>>4 != 6 {
		return TunnelNone, nil, nil
	}
	return TunnelTeredo, b[n:], d.pIP6
}
