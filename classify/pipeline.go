package classify

import (
	"context"
	"io"

	"github.com/portsift/portsift/decode"
)

// The pipelined loop hands decoded frames from a reader goroutine to the
// Tracker's goroutine in batches. Batches are recycled through a free list,
// so the steady state allocates nothing; a few batches in flight keep both
// goroutines busy without letting the reader run far ahead. Batches are
// large (16,384 frames, 2 MiB, about 4 ms of work) because every time one
// side waits for the other its thread sleeps, and waking a sleeping CPU
// costs a virtual machine hundreds of microseconds: with 512-frame batches
// the two goroutines mostly took turns (the 5M-packet trace: 1.9 s with two
// threads, as long as with one; 1.25 s with 16,384).
const (
	batchSize    = 16384
	batchesQueue = 3
)

type batchItem struct {
	s        decode.Summary
	ts       int64  // unix nanoseconds
	wire     uint32 // a record may claim up to 4 GiB on the wire: not int32
	captured int32
	link     decode.LinkType
}

type batch struct {
	n     int
	items [batchSize]batchItem
	err   error // set on the last batch: io.EOF, ctx.Err() or the source's error
}

// RunPipelined is Run on two goroutines: one reads src and decodes with d,
// the caller's goroutine observes. The Tracker sees exactly the same frames
// in the same order as with Run, so the report is identical; on a machine
// with two cores the read and decode cost (about half of a run) overlaps
// with flow tracking. src and d are used only by the reader goroutine,
// which has stopped when RunPipelined returns.
func (t *Tracker) RunPipelined(ctx context.Context, src Source, d *decode.Decoder, limit uint64) error {
	full := make(chan *batch, batchesQueue)
	free := make(chan *batch, batchesQueue+1)
	for i := 0; i < batchesQueue+1; i++ {
		free <- new(batch)
	}
	stop := make(chan struct{})
	go func() {
		defer close(full)
		done := ctx.Done()
		var n uint64
		for {
			var b *batch
			select {
			case b = <-free:
			case <-stop:
				return
			}
			b.n, b.err = 0, nil
			for b.n < batchSize {
				if limit > 0 && n >= limit {
					b.err = io.EOF
					break
				}
				if n&1023 == 0 && done != nil {
					select {
					case <-done:
						b.err = ctx.Err()
					default:
					}
					if b.err != nil {
						break
					}
				}
				data, ci, link, err := src.Next()
				if err != nil {
					b.err = err
					break
				}
				it := &b.items[b.n]
				d.Decode(link, data, &it.s)
				it.ts, it.wire, it.captured, it.link = ci.Timestamp.UnixNano(), uint32(ci.Length), int32(ci.CaptureLength), link
				b.n++
				n++
			}
			full <- b
			if b.err != nil {
				return
			}
		}
	}()
	var err error
	for b := range full {
		for i := range b.items[:b.n] {
			it := &b.items[i]
			t.observe(it.ts, int(it.wire), int(it.captured), it.link, &it.s)
		}
		if b.err != nil {
			err = b.err
		}
		free <- b
	}
	close(stop)
	if err == io.EOF {
		return nil
	}
	return err
}
