package classify

import (
	"context"
	"io"

	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

// Source yields captured frames, from a file or a live capture
// (capture.Reader and capture.Live are Sources). Next fills f; f.Data is
// only valid until the next call. Next returns io.EOF after the last frame.
// A live source returns an error with an Idle method that reports true
// (capture.ErrIdle, possibly wrapped) when no frame arrived within its read
// timeout, which gives the live loop control back
// on a quiet link; any other error ends the run.
type Source interface {
	Next(f *vocab.Frame) error
}

// Run reads src until it ends, ctx is done or limit frames (limit > 0) were
// counted, decoding each frame with d and observing it. It returns nil at
// the end of the input or the limit, ctx.Err() when cancelled, or the
// source's error; in every case what was read so far stays counted.
// Run does not call Finish.
func (t *Tracker) Run(ctx context.Context, src Source, d *decode.Decoder, limit uint64) error {
	var (
		s decode.Summary
		f vocab.Frame
	)
	done := ctx.Done()
	for n := uint64(0); limit == 0 || n < limit; n++ {
		if n&1023 == 0 && done != nil {
			select {
			case <-done:
				return ctx.Err()
			default:
			}
		}
		if err := src.Next(&f); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		d.Decode(f.Link, f.Data, f.Wire, &s)
		t.observe(f.Time, f.Wire, len(f.Data), f.Link, &s)
	}
	return nil
}
