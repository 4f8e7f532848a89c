package report_test

import (
	"testing"
	"time"

	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/classify/internal/testread"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

// TestIntervalsAddUp: the intervals of a capture taken at several points
// add up to the cumulative counts, per bucket, per service and for the
// ephemeral row; a service quiet in an interval is not listed in it.
func TestIntervalsAddUp(t *testing.T) {
	frames := testread.Frames(t, "eth-mixed.pcap")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr := classify.NewTracker(classify.Options{})
	d := decode.NewDecoder()
	var s decode.Summary
	var reps []*report.Report
	for i, f := range frames {
		d.Decode(f.Link, f.Data, f.Wire, &s)
		tr.Observe(t0.Add(time.Duration(i)*time.Millisecond), f.Wire, len(f.Data), f.Link, &s)
		if i%37 == 36 {
			reps = append(reps, tr.Report())
		}
	}
	tr.Finish()
	reps = append(reps, tr.Report())
	var frames2, udp, eph uint64
	pkts := map[uint16]uint64{}
	var prev *report.Report
	for i, r := range reps {
		iv := report.NewInterval(prev, r, uint64(i+1), 1, i == len(reps)-1)
		frames2 += iv.Frames
		udp += iv.Buckets[vocab.BucketUDP].Frames
		eph += iv.Ephemeral.Packets
		for _, sv := range iv.Services {
			if sv.Packets == 0 && sv.Fragments == 0 && sv.Flows == 0 {
				t.Errorf("interval %d lists %s/%d with nothing in it", i+1, sv.Proto, sv.Port)
			}
			if sv.Proto == vocab.TCP {
				pkts[sv.Port] += sv.Packets
			}
		}
		if iv.Cumulative != r || iv.Schema != report.IntervalSchema {
			t.Errorf("interval %d: cumulative or schema wrong", i+1)
		}
		prev = r
	}
	last := reps[len(reps)-1]
	if frames2 != last.Frames || udp != last.Buckets[vocab.BucketUDP].Frames || eph != last.Ephemeral.Packets {
		t.Errorf("intervals add up to %d frames, %d udp, %d ephemeral; the report has %d, %d, %d",
			frames2, udp, eph, last.Frames, last.Buckets[vocab.BucketUDP].Frames, last.Ephemeral.Packets)
	}
	for _, sv := range last.Services {
		if sv.Proto == vocab.TCP && pkts[sv.Port] != sv.Packets {
			t.Errorf("tcp/%d: intervals add up to %d packets, the report has %d", sv.Port, pkts[sv.Port], sv.Packets)
		}
	}
	if len(reps) < 4 {
		t.Fatalf("only %d reports", len(reps))
	}
}
