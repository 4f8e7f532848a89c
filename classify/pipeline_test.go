package classify

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

// memSource replays frames held in memory, at their own times if they have
// them.
type memSource struct {
	frames []frame
	i      int
}

func (m *memSource) Next(f *vocab.Frame) error { return fill(f)(m.read()) }

func (m *memSource) read() ([]byte, gopacket.CaptureInfo, vocab.LinkType, error) {
	if m.i == len(m.frames) {
		return nil, gopacket.CaptureInfo{}, 0, io.EOF
	}
	f := &m.frames[m.i]
	ci := gopacket.CaptureInfo{Timestamp: f.ts, Length: f.wire, CaptureLength: len(f.data)}
	if f.ts.IsZero() {
		ci.Timestamp = t0.Add(timeStep * timeDuration(m.i))
	}
	m.i++
	return f.data, ci, f.link, nil
}

// TestPipelinedSameReport checks that RunPipelined gives the same report,
// byte for byte, as Run on every generated trace, repeated so that several
// batches are in flight, and with a frame limit that ends mid-batch.
func TestPipelinedSameReport(t *testing.T) {
	traces, _ := filepath.Glob("../testdata/traces/*.pcap")
	if len(traces) == 0 {
		t.Fatal("no traces")
	}
	for _, tr := range traces {
		frames := loadFrames(t, filepath.Base(tr))
		var many []frame
		for i := 0; i < 40; i++ {
			many = append(many, frames...)
		}
		for _, limit := range []uint64{0, uint64(len(many)) - 7} {
			run := func(pipelined bool) string {
				tk := NewTracker(Options{})
				src := &memSource{frames: many}
				var err error
				if pipelined {
					err = tk.RunPipelined(context.Background(), src, decode.NewDecoder(), limit)
				} else {
					err = tk.Run(context.Background(), src, decode.NewDecoder(), limit)
				}
				if err != nil {
					t.Fatalf("%s: %v", tr, err)
				}
				tk.Finish()
				b, _ := json.Marshal(tk.Report())
				return string(b)
			}
			if a, b := run(false), run(true); a != b {
				t.Errorf("%s (limit %d): pipelined report differs from Run's", filepath.Base(tr), limit)
			}
		}
	}
}

func TestPipelinedCancel(t *testing.T) {
	frames := loadFrames(t, "eth-mixed.pcap")
	var many []frame
	for i := 0; i < 100; i++ {
		many = append(many, frames...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tk := NewTracker(Options{})
	if err := tk.RunPipelined(ctx, &memSource{frames: many}, decode.NewDecoder(), 0); err != context.Canceled {
		t.Errorf("RunPipelined with a cancelled context: %v, want context.Canceled", err)
	}
}

func BenchmarkRunPipelined(b *testing.B) {
	frames := loadFrames(b, "eth-mixed.pcap")
	for _, mode := range []string{"Run", "RunPipelined"} {
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			tk := NewTracker(Options{})
			src := &loopSource{frames: frames, n: b.N}
			d := decode.NewDecoder()
			b.ResetTimer()
			if mode == "Run" {
				tk.Run(context.Background(), src, d, 0)
			} else {
				tk.RunPipelined(context.Background(), src, d, 0)
			}
		})
	}
}

// loopSource replays frames n times in all, with advancing timestamps.
type loopSource struct {
	frames []frame
	i, n   int
}

func (l *loopSource) Next(f *vocab.Frame) error { return fill(f)(l.read()) }

func (l *loopSource) read() ([]byte, gopacket.CaptureInfo, vocab.LinkType, error) {
	if l.i == l.n {
		return nil, gopacket.CaptureInfo{}, 0, io.EOF
	}
	f := &l.frames[l.i%len(l.frames)]
	ci := gopacket.CaptureInfo{Timestamp: t0.Add(timeStep * timeDuration(l.i)), Length: f.wire, CaptureLength: len(f.data)}
	l.i++
	return f.data, ci, f.link, nil
}

const timeStep = 1000 // ns between replayed frames

func timeDuration(i int) time.Duration { return time.Duration(i) }

// fill returns a function that fills f from a frame in gopacket's shape, as
// the replaying sources of these tests make them.
func fill(f *vocab.Frame) func([]byte, gopacket.CaptureInfo, vocab.LinkType, error) error {
	return func(data []byte, ci gopacket.CaptureInfo, link vocab.LinkType, err error) error {
		if err != nil {
			return err
		}
		*f = vocab.Frame{Data: data[:ci.CaptureLength], Wire: ci.Length, Time: ci.Timestamp.UnixNano(), Link: link}
		return nil
	}
}
