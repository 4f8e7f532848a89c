package registry

import (
	"fmt"
	"strconv"

	"github.com/portsift/portsift/decode/vocab"
)

// table returns the index of p's table in Registry.idx, or -1: the
// registry has tables for PortProtos.
func table(p vocab.Proto) int {
	switch p {
	case vocab.TCP:
		return 0
	case vocab.UDP:
		return 1
	case vocab.SCTP:
		return 2
	}
	return -1
}

// Risk says how much attention traffic on a port deserves.
type Risk uint8

// Risk levels. RiskNote marks a mainstream service port that attackers or
// trojans also use; RiskAlert marks port 0 and ports whose only notable use
// is malware or backdoors.
const (
	RiskNone Risk = iota
	RiskNote
	RiskAlert
)

// String returns "", "note" or "alert".
func (r Risk) String() string {
	switch r {
	case RiskNote:
		return "note"
	case RiskAlert:
		return "alert"
	case RiskNone:
		return ""
	}
	return "risk-" + strconv.Itoa(int(r))
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (r Risk) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts "", "note"
// and "alert".
func (r *Risk) UnmarshalText(b []byte) error {
	switch string(b) {
	case "":
		*r = RiskNone
	case "note":
		*r = RiskNote
	case "alert":
		*r = RiskAlert
	default:
		return fmt.Errorf("unknown risk %q (want note or alert)", b)
	}
	return nil
}
