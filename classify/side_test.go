package classify

import (
	"testing"

	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

func TestDecideSide(t *testing.T) {
	const (
		syn    = decode.TCPSyn
		synack = decode.TCPSyn | decode.TCPAck
		ack    = decode.TCPAck
	)
	tcp := vocab.TCP
	tests := []struct {
		name string
		p    Ports
		want Side
	}{
		{"rule1 syn: destination is the server even when unnamed and ephemeral",
			Ports{Proto: tcp, Src: 443, Dst: 50000, SrcNamed: true, DstEph: true, TCPFlags: syn, HasFlags: true}, Side{true, report.ReasonHandshake}},
		{"rule1 syn+ack: source is the server",
			Ports{Proto: tcp, Src: 50000, Dst: 443, SrcEph: true, DstNamed: true, TCPFlags: synack, HasFlags: true}, Side{false, report.ReasonHandshake}},
		{"rule1 sctp init: destination",
			Ports{Proto: vocab.SCTP, Src: 2905, Dst: 40000, SCTPChunk: decode.SCTPChunkInit, HasFlags: true}, Side{true, report.ReasonHandshake}},
		{"rule1 sctp init-ack: source",
			Ports{Proto: vocab.SCTP, Src: 2905, Dst: 40000, SCTPChunk: decode.SCTPChunkInitAck, HasFlags: true}, Side{false, report.ReasonHandshake}},
		{"rule1 needs the flags: a cut header falls through to the registry",
			Ports{Proto: tcp, Src: 51000, Dst: 22, DstNamed: true, SrcEph: true, TCPFlags: syn}, Side{true, report.ReasonRegistry}},
		{"rule2 only destination named",
			Ports{Proto: tcp, Src: 51000, Dst: 3306, DstNamed: true, SrcEph: true, TCPFlags: ack, HasFlags: true}, Side{true, report.ReasonRegistry}},
		{"rule2 only source named (reply direction)",
			Ports{Proto: vocab.UDP, Src: 53, Dst: 40000, SrcNamed: true, DstEph: true}, Side{false, report.ReasonRegistry}},
		{"rule2 a named ephemeral-range port beats an unnamed low port",
			Ports{Proto: vocab.UDP, Src: 47808, Dst: 900, SrcNamed: true, SrcEph: true}, Side{false, report.ReasonRegistry}},
		{"rule3 both named: below 1024 wins",
			Ports{Proto: tcp, Src: 22, Dst: 8080, SrcNamed: true, DstNamed: true}, Side{false, report.ReasonWellKnown}},
		{"rule3 both named above 1024: the non-ephemeral one wins",
			Ports{Proto: tcp, Src: 3306, Dst: 33434, SrcNamed: true, DstNamed: true, DstEph: true}, Side{false, report.ReasonNonEphemeral}},
		{"rule3 both named, both non-ephemeral: lower port",
			Ports{Proto: tcp, Src: 5432, Dst: 3306, SrcNamed: true, DstNamed: true}, Side{true, report.ReasonLowerPort}},
		{"rule3 both named, both below 1024: lower port",
			Ports{Proto: vocab.UDP, Src: 138, Dst: 137, SrcNamed: true, DstNamed: true}, Side{true, report.ReasonLowerPort}},
		{"rule3 both named, both ephemeral: lower port, not ephemeral",
			Ports{Proto: vocab.UDP, Src: 47808, Dst: 44818, SrcNamed: true, DstNamed: true, SrcEph: true, DstEph: true}, Side{true, report.ReasonLowerPort}},
		{"rule4 neither named: below 1024 wins",
			Ports{Proto: tcp, Src: 40001, Dst: 999, SrcEph: true}, Side{true, report.ReasonWellKnown}},
		{"rule4 neither named: non-ephemeral wins",
			Ports{Proto: tcp, Src: 45000, Dst: 7777, SrcEph: true}, Side{true, report.ReasonNonEphemeral}},
		{"rule4 neither named: both ephemeral means no service",
			Ports{Proto: vocab.UDP, Src: 40001, Dst: 50002, SrcEph: true, DstEph: true}, Side{false, report.ReasonEphemeral}},
		{"rule4 neither named, both non-ephemeral: lower port",
			Ports{Proto: tcp, Src: 9000, Dst: 7000}, Side{true, report.ReasonLowerPort}},
		{"equal ports: the destination (first sender is the client)",
			Ports{Proto: vocab.UDP, Src: 500, Dst: 500, SrcNamed: true, DstNamed: true}, Side{true, report.ReasonLowerPort}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DecideSide(tt.p); got != tt.want {
				t.Errorf("DecideSide(%+v) = %+v, want %+v", tt.p, got, tt.want)
			}
		})
	}
}
