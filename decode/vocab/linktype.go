package vocab

import (
	"fmt"
	"strconv"
	"strings"
)

// LinkType is a link type as capture files and libpcap give it (LINKTYPE_
// values, https://www.tcpdump.org/linktypes.html): 16 bits wide, the
// link-type field of a pcapng interface description block and the low 16
// bits of a pcap file header's. gopacket v1.1.19's layers.LinkType is a
// uint8, and pcapgo truncates to it (LINKTYPE_LINUX_SLL2, 276, comes out as
// 20; a PROFIBUS capture, 257, as Ethernet), so capture reads the field
// itself and hands out the whole value, as libpcap does (pcap_datalink).
type LinkType uint16

// Link types portsift names (and decode understands).
const (
	LinkNull      LinkType = 0   // BSD loopback, host byte order family
	LinkEthernet  LinkType = 1   // Ethernet
	LinkPPP       LinkType = 9   // PPP
	LinkRawBSD12  LinkType = 12  // DLT_RAW as some BSDs number it
	LinkRawBSD14  LinkType = 14  // DLT_RAW on OpenBSD
	LinkPPPHDLC   LinkType = 50  // PPP in HDLC-like framing
	LinkRaw       LinkType = 101 // raw IPv4 or IPv6, by version nibble
	LinkLoop      LinkType = 108 // OpenBSD loopback, network byte order family
	LinkLinuxSLL  LinkType = 113 // Linux cooked capture v1
	LinkIPv4      LinkType = 228
	LinkIPv6      LinkType = 229
	LinkLinuxSLL2 LinkType = 276 // Linux cooked capture v2 ("any" on recent libpcap)
	LinkCiscoHDLC LinkType = 104 // Cisco HDLC
	LinkIEEE80211 LinkType = 105 // 802.11 without radio header
	LinkRadiotap  LinkType = 127 // 802.11 behind a radiotap header
	LinkNFLOG     LinkType = 239 // Linux NFLOG (iptables/nftables log target)
)

// String returns a short lower-case name for a link type ("ethernet",
// "linux-sll2", "linktype-147").
func (lt LinkType) String() string {
	switch lt {
	case LinkEthernet:
		return "ethernet"
	case LinkLinuxSLL:
		return "linux-sll"
	case LinkLinuxSLL2:
		return "linux-sll2"
	case LinkNull:
		return "null"
	case LinkLoop:
		return "loop"
	case LinkPPP:
		return "ppp"
	case LinkPPPHDLC:
		return "ppp-hdlc"
	case LinkRaw, LinkRawBSD12, LinkRawBSD14:
		return "raw"
	case LinkIPv4:
		return "ipv4"
	case LinkIPv6:
		return "ipv6"
	case LinkCiscoHDLC:
		return "cisco-hdlc"
	case LinkIEEE80211:
		return "ieee802.11"
	case LinkRadiotap:
		return "ieee802.11-radiotap"
	case LinkNFLOG:
		return "nflog"
	}
	return "linktype-" + strconv.Itoa(int(lt))
}

// MarshalText implements encoding.TextMarshaler.
func (lt LinkType) MarshalText() ([]byte, error) { return []byte(lt.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParseLinkType].
func (lt *LinkType) UnmarshalText(b []byte) error {
	v, ok := ParseLinkType(string(b))
	if !ok {
		return fmt.Errorf("unknown link type %q (want a name such as ethernet, or linktype-N)", b)
	}
	*lt = v
	return nil
}

// ParseLinkType is the inverse of LinkType.String: "ethernet" or
// "linktype-147". "raw" is LinkRaw (101).
func ParseLinkType(name string) (LinkType, bool) {
	if n, ok := strings.CutPrefix(name, "linktype-"); ok {
		v, err := strconv.ParseUint(n, 10, 16)
		return LinkType(v), err == nil
	}
	for _, lt := range []LinkType{LinkNull, LinkEthernet, LinkPPP, LinkPPPHDLC, LinkRaw, LinkLoop, LinkLinuxSLL, LinkIPv4, LinkIPv6,
		LinkLinuxSLL2, LinkCiscoHDLC, LinkIEEE80211, LinkRadiotap, LinkNFLOG} {
		if lt.String() == name {
			return lt, true
		}
	}
	return 0, false
}
