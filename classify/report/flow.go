package report

import (
	"net/netip"
	"time"

	"github.com/portsift/portsift/decode/vocab"
)

// FlowRecord is one ended flow, as written by --flows. For an ephemeral
// flow (no service) the client is the first sender. Packet and byte counts
// include the flow's later IP fragments.
type FlowRecord struct {
	Proto           vocab.Proto
	Client, Server  netip.AddrPort
	Service         string // registry name, "unknown", or "ephemeral"
	Reason          Reason
	PacketsToServer uint64
	BytesToServer   uint64
	PacketsToClient uint64
	BytesToClient   uint64
	Fragments       uint64
	FragmentBytes   uint64
	First, Last     time.Time
	End             string // fin, rst, idle, evicted, eof
}

// Reason says why a flow's service side was chosen. It is recorded per flow
// and counted in the report.
type Reason uint8

// The reasons, in the order the rules are tried (PRODUCT.md, "Which side is
// the service").
const (
	ReasonHandshake     Reason = iota // TCP SYN / SYN+ACK or SCTP INIT / INIT-ACK seen
	ReasonRegistry                    // exactly one port has a registry name
	ReasonWellKnown                   // a port below 1024 won
	ReasonNonEphemeral                // the port outside the ephemeral ranges won
	ReasonLowerPort                   // no rule could tell: the lower port
	ReasonPortStability               // one endpoint kept its port while its peers' ports varied
	ReasonEphemeral                   // both ports ephemeral and unnamed: no service
	NumReasons                        // the number of reasons
)

var reasonNames = [NumReasons]string{"handshake", "registry", "well-known", "non-ephemeral", "lower-port", "port-stability", "ephemeral"}

func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "reason?"
}

// MarshalText implements encoding.TextMarshaler.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }
