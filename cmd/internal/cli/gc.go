package cli

import (
	"os"
	"runtime/debug"

	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/classify/pipeline"
)

// The garbage collector's targets, unless $GOGC says otherwise.
//
// startGCPercent holds from the start: setting up (package initialisation,
// the registry, the tracker's tables) allocates about 5 MiB, and with Go's
// default the heap's 4 MiB minimum meant a collection in the middle of it:
// 3 ms of a 21 ms read of a 1,000-packet file. A small read stays there;
// its heap is a few MiB.
//
// bigHeapGCPercent is for reads of large inputs and for live captures.
// Their heap is mostly long-lived, pointer-free slabs (flows, hosts,
// fragments) that a collection marks in constant time, so collecting when
// the heap has grown by half instead of doubled costs little CPU and keeps
// the peak resident size down: on the 5M-packet trace 66.5 -> 58 MiB at
// the same speed.
const (
	startGCPercent   = 400
	bigHeapGCPercent = 50
)

// setGCPercent sets the collector's target when $GOGC is not set.
func setGCPercent(p int) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(p)
	}
}

// StartGC sets the collector's target for start-up (startGCPercent); the
// portsift binary calls it first thing.
func StartGC() { setGCPercent(startGCPercent) }

// tuneGCForRead sets bigHeapGCPercent unless the read is small: files of
// less than pipeline.SmallInput in all, none compressed (a small gzip file
// may hold a large capture), standard input not among them.
func tuneGCForRead(p pipeline.Progress, files []string) {
	if _, total := p.Progress(); !smallRead(total, files) {
		setGCPercent(bigHeapGCPercent)
	}
}

// smallRead: total bytes (-1: unknown) of files, none compressed or other
// than a regular file, under pipeline.SmallInput.
func smallRead(total int64, files []string) bool {
	return total >= 0 && total < pipeline.SmallInput && !anyGzip(files)
}

// anyGzip reports whether a file is compressed (capture.Compressed) or is
// not a regular file (a FIFO's size says nothing, and opening it again
// would take a reader's data).
func anyGzip(files []string) bool {
	for _, name := range files {
		if fi, err := os.Stat(name); err != nil || !fi.Mode().IsRegular() || capture.Compressed(name) {
			return true
		}
	}
	return false
}
