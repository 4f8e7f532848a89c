package vocab

// EtherType is the type field of an Ethernet (or cooked, or GRE) header.
type EtherType uint16

// EtherTypes portsift decodes or names.
const (
	EtherTypeIPv4 EtherType = 0x0800
	EtherTypeARP  EtherType = 0x0806
	EtherTypeIPv6 EtherType = 0x86dd
)

// String names the EtherTypes seen on real links ("arp", "lldp"; 0 is
// "llc", an 802.3 frame with an LLC header); others print as "0x88b5".
func (et EtherType) String() string {
	switch et {
	case 0:
		return "llc"
	case 0x0001:
		return "802.3"
	case 0x0004:
		return "llc"
	case 0x0806:
		return "arp"
	case 0x8035:
		return "rarp"
	case 0x88cc:
		return "lldp"
	case 0x8809:
		return "slow-protocols"
	case 0x888e:
		return "eapol"
	case 0x8863:
		return "pppoed" // PPPoE Discovery, as tshark names it
	case 0x8864:
		return "pppoe-session"
	case 0x880b:
		return "ppp"
	case 0x8847:
		return "mpls"
	case 0x88e5:
		return "macsec"
	case 0x88f7:
		return "ptp"
	case 0x9000:
		return "loopback"
	case 0x893a:
		return "ieee1905"
	case 0x0800:
		return "ipv4"
	case 0x86dd:
		return "ipv6"
	}
	const hex = "0123456789abcdef"
	return "0x" + string([]byte{hex[et>>12], hex[et>>8&15], hex[et>>4&15], hex[et&15]})
}

// MarshalText implements encoding.TextMarshaler.
func (et EtherType) MarshalText() ([]byte, error) { return []byte(et.String()), nil }
