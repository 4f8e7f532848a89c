package decode

import (
	"encoding/binary"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Layer types for link layers gopacket v1.1.19 lacks. The numbers are
// outside the range gopacket's own layers use (they echo the LINKTYPE value).
// Like layerTypeSLL2 they are not registered: importing decode has no side
// effect on gopacket.
const (
	layerTypeCHDLC gopacket.LayerType = 1104
	layerTypeNFLOG gopacket.LayerType = 1239
	layerTypeDot11 gopacket.LayerType = 1105
	layerTypeRadio gopacket.LayerType = 1127
	layerTypePBB   gopacket.LayerType = 1488
)

// etherTypePBB is the 802.1ah I-TAG EtherType.
const etherTypePBB = 0x88e7

// etherNext maps an EtherType to the next layer the decoder walks into;
// anything else (0x0000-0x05ff are 802.3 lengths) is not IP. The map is our
// own, not gopacket's global EthernetTypeMetadata table: PPPoE Discovery
// (0x8863) carries no PPP, and the I-TAG needs our layer.
func etherNext(et uint16) gopacket.LayerType {
	switch et {
	case 0x0800:
		return layers.LayerTypeIPv4
	case 0x86dd:
		return layers.LayerTypeIPv6
	case 0x8100, 0x88a8:
		return layers.LayerTypeDot1Q
	case 0x8847, 0x8848:
		return layers.LayerTypeMPLS
	case 0x8864:
		return layers.LayerTypePPPoE
	case etherTypePBB:
		return layerTypePBB
	}
	return gopacket.LayerTypePayload
}

// chdlc is a Cisco HDLC header (LINKTYPE_C_HDLC, 104): address (0x0f
// unicast, 0x8f broadcast), control, then an EtherType.
type chdlc struct {
	layers.BaseLayer
	proto uint16
}

func (c *chdlc) LayerType() gopacket.LayerType     { return layerTypeCHDLC }
func (c *chdlc) CanDecode() gopacket.LayerClass    { return layerTypeCHDLC }
func (c *chdlc) NextLayerType() gopacket.LayerType { return etherNext(c.proto) }

func (c *chdlc) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 4 {
		return errShort
	}
	c.proto = binary.BigEndian.Uint16(data[2:4])
	c.BaseLayer = layers.BaseLayer{Contents: data[:4], Payload: data[4:]}
	return nil
}

// nflog is Linux's NFLOG header (LINKTYPE_NFLOG, 239): address family,
// version, resource id, then TLVs whose length and type are in host byte
// order (little-endian on every capture we have seen; big-endian lengths
// are recognised too) and are padded to 4 bytes. The packet is the
// NFULA_PAYLOAD TLV (type 9).
type nflog struct {
	layers.BaseLayer
	next gopacket.LayerType
}

func (n *nflog) LayerType() gopacket.LayerType     { return layerTypeNFLOG }
func (n *nflog) CanDecode() gopacket.LayerClass    { return layerTypeNFLOG }
func (n *nflog) NextLayerType() gopacket.LayerType { return n.next }

const nfulaPayload = 9

func (n *nflog) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 4 {
		return errShort
	}
	family := data[0]
	n.next = gopacket.LayerTypePayload
	n.BaseLayer = layers.BaseLayer{Contents: data[:4]}
	rest := data[4:]
	for len(rest) >= 4 {
		tl, tt := binary.LittleEndian.Uint16(rest[0:2]), binary.LittleEndian.Uint16(rest[2:4])
		if tl < 4 || int(tl) > len(rest) { // maybe written on a big-endian host
			tl, tt = binary.BigEndian.Uint16(rest[0:2]), binary.BigEndian.Uint16(rest[2:4])
		}
		if tl < 4 {
			return errBad
		}
		if int(tl) > len(rest) {
			return errShort
		}
		if tt&0x7fff == nfulaPayload {
			n.Payload = rest[4:tl]
			switch family {
			case 2: // AF_INET
				n.next = layers.LayerTypeIPv4
			case 10: // AF_INET6
				n.next = layers.LayerTypeIPv6
			}
			return nil
		}
		adv := (int(tl) + 3) &^ 3
		if adv > len(rest) {
			break
		}
		rest = rest[adv:]
	}
	return nil // no payload TLV: a log record without the packet (non-ip)
}

// radiotap is the radiotap header (LINKTYPE_IEEE802_11_RADIOTAP, 127) in
// front of an 802.11 frame: version, pad, little-endian length.
type radiotap struct {
	layers.BaseLayer
}

func (r *radiotap) LayerType() gopacket.LayerType     { return layerTypeRadio }
func (r *radiotap) CanDecode() gopacket.LayerClass    { return layerTypeRadio }
func (r *radiotap) NextLayerType() gopacket.LayerType { return layerTypeDot11 }

func (r *radiotap) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 8 {
		return errShort
	}
	n := int(binary.LittleEndian.Uint16(data[2:4]))
	if data[0] != 0 || n < 8 {
		return errBad
	}
	if n > len(data) {
		return errShort
	}
	r.BaseLayer = layers.BaseLayer{Contents: data[:n], Payload: data[n:]}
	return nil
}

// dot11 reads an 802.11 data frame up to its LLC/SNAP header and hands the
// EtherType on. Management and control frames, protected (encrypted) data
// and frames without SNAP are not IP.
type dot11 struct {
	layers.BaseLayer
	proto uint16
}

func (d *dot11) LayerType() gopacket.LayerType     { return layerTypeDot11 }
func (d *dot11) CanDecode() gopacket.LayerClass    { return layerTypeDot11 }
func (d *dot11) NextLayerType() gopacket.LayerType { return etherNext(d.proto) }

func (d *dot11) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	d.proto = 0
	if len(data) < 2 {
		return errShort
	}
	fc0, fc1 := data[0], data[1]
	if (fc0>>2)&3 != 2 || fc1&0x40 != 0 { // not data, or protected
		d.BaseLayer = layers.BaseLayer{Contents: data}
		return nil
	}
	n := 24
	if fc1&3 == 3 { // to DS and from DS: a fourth address
		n += 6
	}
	if fc0&0x80 != 0 { // QoS data
		n += 2
		if fc1&0x80 != 0 { // +HTC
			n += 4
		}
	}
	if fc0&0x40 != 0 { // null-data subtypes carry no payload
		d.BaseLayer = layers.BaseLayer{Contents: data}
		return nil
	}
	if len(data) < n+8 {
		return errShort
	}
	llc := data[n : n+8]
	if llc[0] != 0xaa || llc[1] != 0xaa || llc[2] != 0x03 {
		d.BaseLayer = layers.BaseLayer{Contents: data}
		return nil
	}
	d.proto = binary.BigEndian.Uint16(llc[6:8])
	d.BaseLayer = layers.BaseLayer{Contents: data[:n+8], Payload: data[n+8:]}
	return nil
}

// pbb is an 802.1ah I-TAG (EtherType 0x88e7): 4 bytes of priority and
// service instance id, then the customer's Ethernet header.
type pbb struct {
	layers.BaseLayer
}

func (p *pbb) LayerType() gopacket.LayerType     { return layerTypePBB }
func (p *pbb) CanDecode() gopacket.LayerClass    { return layerTypePBB }
func (p *pbb) NextLayerType() gopacket.LayerType { return layers.LayerTypeEthernet }

func (p *pbb) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 4 {
		return errShort
	}
	p.BaseLayer = layers.BaseLayer{Contents: data[:4], Payload: data[4:]}
	return nil
}
