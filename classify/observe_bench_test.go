package classify

import (
	"testing"
	"time"

	"github.com/portsift/portsift/decode"
)

// BenchmarkObserve is the classify stage alone: the frames of eth-mixed.pcap
// decoded once, then observed in a loop with advancing timestamps (flows
// start, end on FIN and RST, restart on new SYNs; fragments; every bucket).
// One op is one frame.
func BenchmarkObserve(b *testing.B) {
	frames := loadFrames(b, "eth-mixed.pcap")
	d := decode.NewDecoder()
	sums := make([]decode.Summary, len(frames))
	for i, f := range frames {
		d.Decode(f.link, f.data, 0, &sums[i])
	}
	tr := NewTracker(Options{})
	ts := t0
	next := 0
	run := func(n int) {
		for range n {
			f := &frames[next]
			ts = ts.Add(time.Microsecond)
			tr.Observe(ts, f.wire, len(f.data), f.link, &sums[next])
			if next++; next == len(frames) {
				next = 0
			}
		}
	}
	run(100 * len(frames)) // warm up: tables sized, flows known
	b.ReportAllocs()
	b.ResetTimer()
	run(b.N)
}
