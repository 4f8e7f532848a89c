package classify

import (
	"os"
	"testing"
	"time"

	"github.com/google/gopacket/pcapgo"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

type frame struct {
	data []byte
	wire int
	link vocab.LinkType
	ts   time.Time // zero: memSource spaces frames timeStep apart
}

// loadFrames reads a generated trace into memory.
func loadFrames(tb testing.TB, name string) []frame {
	tb.Helper()
	f, err := os.Open("../testdata/traces/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var out []frame
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		out = append(out, frame{data: data, wire: ci.Length, link: vocab.LinkType(r.LinkType())})
	}
	return out
}

// pipeline returns a function that decodes and observes the next n frames,
// cycling through frames with timestamps 1µs apart.
func pipeline(frames []frame) func(n int) {
	d := decode.NewDecoder()
	tr := NewTracker(Options{})
	var s decode.Summary
	ts := t0
	next := 0
	return func(n int) {
		for i := 0; i < n; i++ {
			f := &frames[next]
			if next++; next == len(frames) {
				next = 0
			}
			ts = ts.Add(time.Microsecond)
			d.Decode(f.link, f.data, 0, &s)
			tr.Observe(ts, f.wire, len(f.data), f.link, &s)
		}
	}
}

// BenchmarkPipeline decodes and observes the frames of eth-mixed.pcap (every
// bucket, fragments, handshakes, closes and new flows on reused tuples) in a
// loop with advancing timestamps: the per-packet path of `portsift read`
// after the capture reader. One op is one frame.
func BenchmarkPipeline(b *testing.B) {
	frames := loadFrames(b, "eth-mixed.pcap")
	run := pipeline(frames)
	run(10 * len(frames)) // warm up: tables sized, flows known
	b.ReportAllocs()
	b.ResetTimer()
	run(b.N)
}

// TestPipelineSteadyStateAllocs is the benchmark's promise as a test: once
// the tables have grown, decoding and counting a whole trace again (flows
// end and start, fragments come and go) allocates nothing per packet.
func TestPipelineSteadyStateAllocs(t *testing.T) {
	frames := loadFrames(t, "eth-mixed.pcap")
	run := pipeline(frames)
	pass := func() { run(len(frames)) }
	for i := 0; i < 20; i++ {
		pass()
	}
	allocs := testing.AllocsPerRun(20, pass)
	if perPacket := allocs / float64(len(frames)); perPacket > 0.01 {
		t.Errorf("%v allocations per pass of %d frames (%.3f per packet), want ~0", allocs, len(frames), perPacket)
	}
}
