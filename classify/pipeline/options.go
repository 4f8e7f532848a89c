package pipeline

import (
	"io"
	"runtime"

	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/decode/vocab"
)

// Options configure ReadFiles and ReadFrom: what to count with (the
// embedded classify.Options: registry, ephemeral ranges, table bounds,
// decapsulation, flow log) and how to read the inputs. The zero value reads
// every frame with every thread.
type Options struct {
	classify.Options

	Filter  string               // BPF expression (libpcap syntax); "" keeps every frame
	Count   uint64               // stop after this many frames (after the filter); 0: all
	Stdin   io.Reader            // read for the file name "-"; nil: os.Stdin
	Started func(Progress) error // called once the inputs are open, before the first frame
	// OnFrame, when set, sees every frame that passed the filter, in input
	// order, before it is counted (read -w saves them); an error stops the
	// read. f.Data is only valid during the call. Several files are then read
	// one after the other.
	OnFrame func(f *vocab.Frame) error
	// Threads is how many goroutines read and count: 1 reads, decodes and
	// counts on one (classify's Run); 2 reads and decodes on one and counts
	// on the other (RunPipelined); N > 2 reads and decodes on one and
	// counts on N-1 shards of the flows (RunSharded; several files: RunFiles).
	// 0 picks by GOMAXPROCS: 1, 2 or all of them. Reports are identical
	// whatever the setting.
	Threads int
}

// EffectiveThreads is Threads with 0 resolved: GOMAXPROCS, at most
// 1+classify.MaxShards (a reader and its shards).
func (o *Options) EffectiveThreads() int {
	if o.Threads > 0 {
		return min(o.Threads, 1+classify.MaxShards)
	}
	return min(runtime.GOMAXPROCS(0), 1+classify.MaxShards)
}

// Progress is what Options.Started receives: counters of the read in
// progress. Its methods may be called from any goroutine until ReadFiles
// returns (a progress bar polls them).
type Progress interface {
	// Progress returns the input bytes consumed so far and the total size
	// of the files, -1 when unknown (standard input is among them).
	Progress() (read, total int64)
	// Frames returns about how many frames were read so far.
	Frames() uint64
}
