package classify

import (
	"context"
	"errors"

	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

// The pipelined and sharded loops hand decoded frames from a reader
// goroutine to the counting in batches (shardBatch, sharded.go). Batches
// are recycled through a pool, so the steady state allocates nothing; a
// few batches in flight keep both sides busy without letting the reader
// run far ahead. Batches are large (SettleFrames, 16,384 frames, 2 MiB,
// about 4 ms of work) because every time one side waits for the other its
// thread sleeps, and waking a sleeping CPU costs a virtual machine hundreds
// of microseconds: with 512-frame batches the two goroutines mostly took
// turns (the 5M-packet trace: 1.9 s with two threads, as long as with one;
// 1.25 s with 16,384). Two batches are enough: the reader fills one while
// the counting works through the other; with four the 5M trace ran as fast
// (paired, 0.86x and 0.87x rawread) and its peak RSS was 4 MiB higher.
const batchesQueue = 1

type batchItem struct {
	s        decode.Summary
	ts       int64  // unix nanoseconds
	wire     uint32 // a record may claim up to 4 GiB on the wire: not int32
	captured int32
	link     vocab.LinkType
}

// RunPipelined is Run on two goroutines: one reads src and decodes with d,
// the caller's goroutine observes. The Tracker sees exactly the same frames
// in the same order as with Run, so the report is identical; on a machine
// with two cores the read and decode cost (about half of a run) overlaps
// with flow tracking. src and d are used only by the reader goroutine,
// which has stopped when RunPipelined returns.
func (t *Tracker) RunPipelined(ctx context.Context, src Source, d *decode.Decoder, limit uint64) error {
	if len(t.shards) != 1 {
		return errors.New("classify: RunPipelined on a Tracker that made a sharded read")
	}
	return t.runBatches(ctx, src, d, limit)
}
