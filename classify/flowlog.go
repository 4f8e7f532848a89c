package classify

import (
	"net/netip"
	"time"

	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
)

func (t *Tracker) fillRecord(f *flow, how uint8) {
	r := &t.rec
	a, b := addrOf(f.key.a, f.key.v4), addrOf(f.key.b, f.key.v4)
	ca, sa := netip.AddrPortFrom(a, f.key.pa), netip.AddrPortFrom(b, f.key.pb)
	c := 0 // the key direction that goes to the server
	if !f.cliIsA {
		ca, sa = sa, ca
		c = 1
	}
	*r = report.FlowRecord{
		Proto: vocab.Proto(f.key.proto), Client: ca, Server: sa, Reason: f.reason,
		PacketsToServer: f.pkts[c] + f.fpkts[c], BytesToServer: f.bytes[c] + f.fbytes[c],
		PacketsToClient: f.pkts[c^1] + f.fpkts[c^1], BytesToClient: f.bytes[c^1] + f.fbytes[c^1],
		Fragments: f.fpkts[0] + f.fpkts[1], FragmentBytes: f.fbytes[0] + f.fbytes[1],
		First: time.Unix(0, f.first).UTC(), Last: time.Unix(0, f.last).UTC(), End: endNames[how],
	}
	switch {
	case f.svc < 0:
		r.Service = "ephemeral"
	case t.svcs[f.svc].entry != nil && t.svcs[f.svc].entry.Name != "":
		r.Service = t.svcs[f.svc].entry.Name
	default:
		r.Service = "unknown"
	}
}
