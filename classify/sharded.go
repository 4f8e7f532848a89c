package classify

import (
	"context"
	"encoding/binary"
	"io"

	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

// A sharded read splits the work of one input over goroutines: one reads
// and decodes frames into batches of SettleFrames and routes each frame to
// a shard by its address pair (so a flow, its fragments and its replies
// always meet in the same shard); n shards count their frames of a batch
// at the same time, the caller's goroutine counting shard 0; then, with
// every shard stopped at the end of the batch, the Tracker settles (the
// side of the batch's new flows in packet order, expiry, eviction, the flow
// log). Settlements fall on the same frames as with Observe, and each
// shard sees its frames in input order, so the report is the one of a
// single-threaded read, byte for byte.

// shardBatch is a batch of a sharded read.
type shardBatch struct {
	n     int
	base  uint64      // input index of items[0]
	items []batchItem // Tracker.every of them
	idx   [][]uint16  // per shard: the indexes of the items routed to it, in order
	cur   []int       // per shard: how far idx has been counted
	err   error       // set on the last batch of a source: io.EOF, ctx.Err() or the source's error
	pool  chan *shardBatch
}

// newBatchPool returns a pool of k batches of size frames for n shards.
func newBatchPool(k, n, size int) chan *shardBatch {
	pool := make(chan *shardBatch, k)
	for range k {
		b := &shardBatch{items: make([]batchItem, size), idx: make([][]uint16, n), cur: make([]int, n), pool: pool}
		for j := range b.idx {
			b.idx[j] = make([]uint16, 0, size)
		}
		pool <- b
	}
	return pool
}

// shardOf routes a frame: by its address pair (the same for both
// directions and for every fragment of a datagram), or by its index when
// it has no IP addresses.
func shardOf(s *decode.Summary, seq uint64, n int) int {
	if s.IPVersion == 0 {
		return int(seq % uint64(n))
	}
	a, b := s.Src.Addr().As16(), s.Dst.Addr().As16()
	h := binary.LittleEndian.Uint64(a[:8]) ^ binary.LittleEndian.Uint64(a[8:]) ^
		binary.LittleEndian.Uint64(b[:8]) ^ binary.LittleEndian.Uint64(b[8:])
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return int((h >> 32) * uint64(n) >> 32)
}

// produce reads src until it ends, ctx is done or limit frames (limit > 0),
// decoding with d into batches from pool routed to n shards, and sends them
// to out; the last one carries the reason it stopped. It returns early when
// stop is closed.
func produce(ctx context.Context, src Source, d *decode.Decoder, limit uint64, n int, pool chan *shardBatch, out chan<- *shardBatch, stop <-chan struct{}) {
	done := ctx.Done()
	var (
		seq uint64
		f   vocab.Frame
	)
	for {
		var b *shardBatch
		select {
		case b = <-pool:
		case <-stop:
			return
		}
		b.n, b.err = 0, nil
		for j := range b.idx {
			b.idx[j] = b.idx[j][:0]
		}
		for b.n < len(b.items) {
			if limit > 0 && seq >= limit {
				b.err = io.EOF
				break
			}
			if b.n == 0 && done != nil {
				select {
				case <-done:
					b.err = ctx.Err()
				default:
				}
				if b.err != nil {
					break
				}
			}
			if err := src.Next(&f); err != nil {
				b.err = err
				break
			}
			it := &b.items[b.n]
			d.Decode(f.Link, f.Data, f.Wire, &it.s)
			it.ts, it.wire, it.captured, it.link = f.Time, uint32(f.Wire), int32(len(f.Data)), f.Link
			j := 0
			if n > 1 {
				j = shardOf(&it.s, seq, n)
			}
			b.idx[j] = append(b.idx[j], uint16(b.n))
			b.n++
			seq++
		}
		last := b.err != nil // b belongs to the counting once sent
		select {
		case out <- b:
		case <-stop:
			return
		}
		if last {
			return
		}
	}
}

// RunSharded is Run with the flows split over n shards counted on n
// goroutines (the caller's and n-1 others) while another reads and
// decodes src with d. The report is identical to Run's. n is at most 64;
// below 2 RunSharded is RunPipelined. The Tracker must be new (no frame
// observed). src and d are used only by the reader goroutine, which has
// stopped when RunSharded returns.
func (t *Tracker) RunSharded(ctx context.Context, src Source, d *decode.Decoder, limit uint64, n int) error {
	if n < 2 || t.seq != 0 {
		return t.RunPipelined(ctx, src, d, limit)
	}
	t.setShards(min(n, MaxShards))
	return t.runBatches(ctx, src, d, limit)
}

// runBatches reads src on a goroutine of its own into batches routed to
// the Tracker's shards and counts them (countSharded).
func (t *Tracker) runBatches(ctx context.Context, src Source, d *decode.Decoder, limit uint64) error {
	n := len(t.shards)
	full := make(chan *shardBatch, batchesQueue)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		produce(ctx, src, d, limit, n, newBatchPool(batchesQueue+1, n, int(t.every)), full, stop)
		close(full)
	}()
	return t.countSharded(func() *shardBatch { return <-full })
}

// countSharded counts the batches next returns over the Tracker's shards
// until it returns nil, settling at every SettleFrames frames of the input,
// and returns the last error a batch carried (io.EOF is none). Batches go
// back to their pool once counted.
func (t *Tracker) countSharded(next func() *shardBatch) error {
	type job struct {
		b  *shardBatch
		hi int
	}
	n := len(t.shards)
	jobs := make([]chan job, n)
	counted := make(chan struct{}, n)
	for w := 1; w < n; w++ {
		jobs[w] = make(chan job, 1)
		go func(sh *shard, w int) {
			for j := range jobs[w] {
				countRange(sh, j.b, w, j.hi)
				counted <- struct{}{}
			}
		}(t.shards[w], w)
	}
	defer func() {
		for w := 1; w < n; w++ {
			close(jobs[w])
		}
	}()
	var err error
	for b := next(); b != nil; b = next() {
		clear(b.cur)
		for lo := 0; lo < b.n; {
			// Count up to the next settlement, which may fall inside the batch.
			hi := b.n
			if next := (t.seq/t.every + 1) * t.every; t.seq+uint64(hi-lo) > next {
				hi = lo + int(next-t.seq)
			}
			b.base = t.seq - uint64(lo)
			for w := 1; w < n; w++ {
				jobs[w] <- job{b, hi}
			}
			countRange(t.shards[0], b, 0, hi)
			for w := 1; w < n; w++ {
				<-counted
			}
			if t.seq += uint64(hi - lo); t.seq%t.every == 0 {
				t.settle(true)
			}
			lo = hi
		}
		if b.err != nil && b.err != io.EOF {
			err = b.err
		}
		b.pool <- b
	}
	return err
}

// countRange counts the items of b routed to shard w below index hi.
func countRange(sh *shard, b *shardBatch, w, hi int) {
	idx := b.idx[w]
	c := b.cur[w]
	for ; c < len(idx) && int(idx[c]) < hi; c++ {
		i := idx[c]
		it := &b.items[i]
		sh.observe(b.base+uint64(i), it.ts, int(it.wire), int(it.captured), it.link, &it.s)
	}
	b.cur[w] = c
}

// fileQueue is how many batches a file's reader may decode ahead of the
// counting when several files are read at once.
const fileQueue = 2

// RunFiles counts several sources in order as one input on n shards (n >=
// 1), each source read and decoded by its own goroutine, at most len(decs)
// of them at a time (source i uses decs[i%len(decs)]): while one file is
// counted the next ones are read, up to fileQueue batches each. The report
// is the one of Run over the sources one after the other. The Tracker must
// be new.
func (t *Tracker) RunFiles(ctx context.Context, srcs []Source, decs []*decode.Decoder, n int) error {
	if t.seq != 0 {
		panic("classify: RunFiles on a used Tracker")
	}
	n = min(max(n, 1), MaxShards)
	t.setShards(n)
	stop := make(chan struct{})
	defer close(stop)
	ahead := len(decs)
	outs := make([]chan *shardBatch, len(srcs))
	// File i decodes with decs[i%ahead] into the batches of pool i%ahead:
	// its predecessor in that slot was taken in full before it starts, so
	// it only waits for batches the counting returns.
	pools := make([]chan *shardBatch, ahead)
	start := func(i int) {
		if i < len(srcs) {
			if pools[i%ahead] == nil {
				pools[i%ahead] = newBatchPool(fileQueue+1, n, int(t.every))
			}
			outs[i] = make(chan *shardBatch, fileQueue)
			go produce(ctx, srcs[i], decs[i%ahead], 0, n, pools[i%ahead], outs[i], stop)
		}
	}
	for i := range ahead {
		start(i)
	}
	// The counting takes the files' batches in file order, straight from
	// their readers (a goroutine in between cost a wake-up per batch).
	i := 0
	return t.countSharded(func() *shardBatch {
		if i == len(srcs) {
			return nil
		}
		b := <-outs[i]
		switch {
		case b.err == io.EOF:
			i++
			start(i + ahead - 1)
		case b.err != nil: // cancelled
			i = len(srcs)
		}
		return b
	})
}
