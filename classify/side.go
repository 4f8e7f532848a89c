package classify

import (
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

// Side is the outcome of the service-side decision for a flow's first
// packet.
type Side struct {
	// ServerIsDst reports that the first packet's destination is the
	// server. For ReasonEphemeral it is false: the first sender is the client.
	ServerIsDst bool
	Reason      report.Reason
}

// Ports is what DecideSide needs to know about a flow's first packet.
type Ports struct {
	Proto              vocab.Proto
	Src, Dst           uint16
	SrcNamed, DstNamed bool
	SrcEph, DstEph     bool // inside the ephemeral ranges
	TCPFlags           uint8
	SCTPChunk          uint8
	HasFlags           bool
}

// DecideSide applies the rules, first that applies wins:
//  1. handshake: TCP SYN without ACK → destination; SYN+ACK → source; SCTP
//     INIT → destination, INIT-ACK → source;
//  2. exactly one port named → that port;
//  3. both named: a port below 1024, else the one outside the ephemeral
//     ranges, else the lower port;
//  4. neither named: a port below 1024, else the one outside the ephemeral
//     ranges, else (both ephemeral) no service.
//
// When both ports are below 1024 or both outside the ephemeral ranges the
// lower port wins. Rule 5 (port stability) needs history and is applied by
// the Tracker on top of rules 3 and 4.
func DecideSide(p Ports) Side {
	if p.HasFlags {
		switch p.Proto {
		case vocab.TCP:
			if p.TCPFlags&decode.TCPSyn != 0 {
				return Side{ServerIsDst: p.TCPFlags&decode.TCPAck == 0, Reason: report.ReasonHandshake}
			}
		case vocab.SCTP:
			switch p.SCTPChunk {
			case decode.SCTPChunkInit:
				return Side{ServerIsDst: true, Reason: report.ReasonHandshake}
			case decode.SCTPChunkInitAck:
				return Side{ServerIsDst: false, Reason: report.ReasonHandshake}
			}
		}
	}
	if p.SrcNamed != p.DstNamed {
		return Side{ServerIsDst: p.DstNamed, Reason: report.ReasonRegistry}
	}
	srcLow, dstLow := p.Src < 1024, p.Dst < 1024
	if srcLow != dstLow {
		return Side{ServerIsDst: dstLow, Reason: report.ReasonWellKnown}
	}
	if !srcLow { // both 1024 or above
		if p.SrcEph != p.DstEph {
			return Side{ServerIsDst: p.SrcEph, Reason: report.ReasonNonEphemeral}
		}
		if p.SrcEph && !p.SrcNamed { // both ephemeral, neither named
			return Side{ServerIsDst: false, Reason: report.ReasonEphemeral}
		}
	}
	return Side{ServerIsDst: p.Dst <= p.Src, Reason: report.ReasonLowerPort}
}

// regProto maps a transport protocol to the registry's.
func regProto(p vocab.Proto) vocab.Proto { return vocab.Proto(p) }
