package report

import (
	"cmp"

	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
)

// IntervalSchema names the interval records of sniff -o json --interval.
const IntervalSchema = "portsift.interval/v1"

// Interval is one line of `sniff -o json --interval D`: what the capture
// counted since the previous line (deltas of the counters), with the
// cumulative report alongside. Summing the deltas of every line gives the
// cumulative counts of the last. Distinct-host counts cannot be taken
// apart by interval: they are only in Cumulative.
type Interval struct {
	Schema  string  `json:"schema"`
	Seq     uint64  `json:"seq"`     // 1 for the first interval
	Seconds float64 `json:"seconds"` // wall-clock length of the interval
	Final   bool    `json:"final"`   // the last line: the capture ended

	Frames        uint64            `json:"frames"`
	Bytes         uint64            `json:"bytes"`
	CapturedBytes uint64            `json:"captured_bytes"`
	Buckets       Buckets           `json:"buckets"`
	Services      []ServiceInterval `json:"services"` // services with packets in the interval, sorted as the report's
	Ephemeral     Ephemeral         `json:"ephemeral"`
	Alerts        []AlertInterval   `json:"alerts"` // alert ports with packets in the interval
	NewFlows      uint64            `json:"new_flows"`
	Capture       *CaptureInterval  `json:"capture,omitempty"`

	Cumulative *Report `json:"cumulative"`
}

// ServiceInterval is a service's counts in one interval.
type ServiceInterval struct {
	Proto     vocab.Proto   `json:"proto"`
	Port      uint16        `json:"port"`
	Name      string        `json:"name"`
	Risk      registry.Risk `json:"risk"`
	Packets   uint64        `json:"packets"`
	Bytes     uint64        `json:"bytes"`
	Flows     uint64        `json:"flows"` // flows that started in the interval
	Fragments uint64        `json:"fragments"`
	ToServer  Direction     `json:"to_server"`
	ToClient  Direction     `json:"to_client"`
}

// AlertInterval is an alert port's counts in one interval.
type AlertInterval struct {
	Proto   vocab.Proto `json:"proto"`
	Port    uint16      `json:"port"`
	Name    string      `json:"name"`
	Packets uint64      `json:"packets"`
	Flows   uint64      `json:"flows"`
}

// CaptureInterval is the kernel's counters over one interval, and the flow
// table at its end.
type CaptureInterval struct {
	Received         uint64 `json:"received"`
	DroppedKernel    uint64 `json:"dropped_kernel"`
	DroppedInterface uint64 `json:"dropped_interface"`
	FlowsActive      uint64 `json:"flows_active"` // at the end of the interval
}

// sub is a - b, or 0 when b is larger (a flow whose side a later flow
// revised moves its counts between rows; counters otherwise only grow).
func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

func subCounter(a, b Counter) Counter {
	return Counter{Frames: sub(a.Frames, b.Frames), Bytes: sub(a.Bytes, b.Bytes)}
}

func subDirection(a, b Direction) Direction {
	return Direction{Packets: sub(a.Packets, b.Packets), Bytes: sub(a.Bytes, b.Bytes)}
}

// NewInterval returns the interval from prev to cur, two reports of one
// capture (prev nil: from the start). seconds is the interval's wall-clock
// length, seq its number.
func NewInterval(prev, cur *Report, seq uint64, seconds float64, final bool) *Interval {
	if prev == nil {
		prev = &Report{}
	}
	iv := &Interval{Schema: IntervalSchema, Seq: seq, Seconds: seconds, Final: final, Cumulative: cur,
		Frames: sub(cur.Frames, prev.Frames), Bytes: sub(cur.Bytes, prev.Bytes), CapturedBytes: sub(cur.CapturedBytes, prev.CapturedBytes),
		NewFlows: sub(cur.Flows.Total, prev.Flows.Total), Services: []ServiceInterval{}, Alerts: []AlertInterval{}}
	for k := vocab.Bucket(0); k < vocab.NumBuckets; k++ {
		iv.Buckets[k] = subCounter(cur.Buckets[k], prev.Buckets[k])
	}
	before := make(map[portKey]*Service, len(prev.Services))
	for i := range prev.Services {
		s := &prev.Services[i]
		before[portKey{s.Proto, s.Port}] = s
	}
	for i := range cur.Services {
		s := &cur.Services[i]
		p := before[portKey{s.Proto, s.Port}]
		if p == nil {
			p = &Service{}
		}
		d := ServiceInterval{Proto: s.Proto, Port: s.Port, Name: s.Name, Risk: s.Risk,
			Packets: sub(s.Packets, p.Packets), Bytes: sub(s.Bytes, p.Bytes), Flows: sub(s.Flows, p.Flows),
			Fragments: sub(s.Fragments, p.Fragments), ToServer: subDirection(s.ToServer, p.ToServer), ToClient: subDirection(s.ToClient, p.ToClient)}
		if d.Packets+d.Fragments+d.Flows > 0 {
			iv.Services = append(iv.Services, d)
		}
	}
	iv.Ephemeral = Ephemeral{Packets: sub(cur.Ephemeral.Packets, prev.Ephemeral.Packets), Bytes: sub(cur.Ephemeral.Bytes, prev.Ephemeral.Bytes),
		Flows: sub(cur.Ephemeral.Flows, prev.Ephemeral.Flows), Fragments: sub(cur.Ephemeral.Fragments, prev.Ephemeral.Fragments),
		FragmentBytes: sub(cur.Ephemeral.FragmentBytes, prev.Ephemeral.FragmentBytes)}
	alertsBefore := make(map[portKey]*Alert, len(prev.Alerts))
	for i := range prev.Alerts {
		a := &prev.Alerts[i]
		alertsBefore[portKey{a.Proto, a.Port}] = a
	}
	for _, a := range cur.Alerts {
		p := alertsBefore[portKey{a.Proto, a.Port}]
		if p == nil {
			p = &Alert{}
		}
		if n := sub(a.Packets, p.Packets); n > 0 || a.Flows > p.Flows {
			iv.Alerts = append(iv.Alerts, AlertInterval{Proto: a.Proto, Port: a.Port, Name: a.Name, Packets: n, Flows: sub(a.Flows, p.Flows)})
		}
	}
	if c := cur.Capture; c != nil {
		pc := cmp.Or(prev.Capture, &LiveCapture{})
		iv.Capture = &CaptureInterval{Received: sub(c.Received, pc.Received), DroppedKernel: sub(c.DroppedKernel, pc.DroppedKernel),
			DroppedInterface: sub(c.DroppedInterface, pc.DroppedInterface), FlowsActive: c.FlowsActive}
	}
	return iv
}
