package decode

import (
	"encoding/binary"
	"net/netip"

	"github.com/portsift/portsift/decode/vocab"
)

// fast decodes the frames most links carry, Ethernet (with up to two VLAN
// tags) or raw IP, then IPv4 without a fragment offset or IPv6 without
// extension headers, then the ports of TCP or UDP, without going through
// gopacket's DecodingLayerParser. It reports false, leaving *s and the
// decoder as they were, for anything else (another link type or EtherType,
// an EtherType shim, IPv4 options are fine, a later fragment, an extension
// header, a header cut short or invalid): the general path decodes those.
// Its results are the general path's, field for field (TestFastSameAsGeneral
// and FuzzDecode check it on every frame they have).
func (d *Decoder) fast(lt vocab.LinkType, b []byte, s *Summary) bool {
	var et uint16
	switch lt {
	case vocab.LinkEthernet:
		if len(b) < 14 {
			return false
		}
		et, b = binary.BigEndian.Uint16(b[12:14]), b[14:]
		for i := 0; i < 2 && (et == 0x8100 || et == 0x88a8); i++ {
			if len(b) < 4 {
				return false
			}
			et, b = binary.BigEndian.Uint16(b[2:4]), b[4:]
		}
	case vocab.LinkRaw, vocab.LinkRawBSD12, vocab.LinkRawBSD14, vocab.LinkIPv4, vocab.LinkIPv6:
		if len(b) == 0 {
			return false
		}
		et = 0x0800
		if b[0]>>4 == 6 {
			et = 0x86dd
		}
		if lt == vocab.LinkIPv4 && et != 0x0800 || lt == vocab.LinkIPv6 && et != 0x86dd {
			return false
		}
	default:
		return false
	}
	var st ipState
	var src, dst netip.Addr
	switch et {
	case 0x0800:
		if len(b) < 20 || b[0]>>4 != 4 {
			return false
		}
		hl, total := int(b[0]&0x0f)*4, int(binary.BigEndian.Uint16(b[2:4]))
		if total == 0 {
			total = len(b)
		}
		ff := binary.BigEndian.Uint16(b[6:8])
		if hl < 20 || total < hl || hl > len(b) || ff&0x1fff != 0 {
			return false
		}
		st = ipState{version: 4, proto: b[9], payload: b[hl:]}
		if total < len(b) {
			st.payload = b[hl:total]
		} else if total > len(b) {
			st.declaredCut = true
		}
		if ff&0x2000 != 0 { // more fragments: the first fragment of a datagram
			st.fragment, st.fragMore, st.fragID = true, true, uint32(binary.BigEndian.Uint16(b[4:6]))
			st.fragLen = uint16(total - hl)
		}
		src, dst = netip.AddrFrom4([4]byte(b[12:16])), netip.AddrFrom4([4]byte(b[16:20]))
	case 0x86dd:
		if len(b) < 40 || b[0]>>4 != 6 {
			return false
		}
		st = ipState{version: 6, proto: b[6], payload: b[40:]}
		if n := int(binary.BigEndian.Uint16(b[4:6])); n > len(st.payload) {
			st.declaredCut = true
		} else if n != 0 {
			st.payload = st.payload[:n]
		}
		src, dst = netip.AddrFrom16([16]byte(b[8:24])), netip.AddrFrom16([16]byte(b[24:40]))
	default:
		return false
	}
	if (st.proto != uint8(vocab.TCP) && st.proto != uint8(vocab.UDP)) || len(st.payload) < 4 {
		return false
	}
	d.st, d.l4 = st, nil
	s.IPVersion, s.Proto = st.version, vocab.Proto(st.proto)
	s.Src, s.Dst = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
	if st.fragment {
		s.Fragment, s.FragMore, s.FragID, s.FragLen = true, true, st.fragID, st.fragLen
	}
	d.transport(s) // cannot fail: TCP or UDP with its ports captured
	return true
}
