package classify

import (
	"context"
	"io"

	"github.com/google/gopacket"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

// Source yields captured frames, from a file or a live capture. The
// returned data is only valid until the next call; Next returns io.EOF
// after the last frame. A live source returns capture.ErrIdle (possibly
// wrapped) when no frame arrived within its read timeout, which gives
// RunLive control back on a quiet link; any other error ends the run.
type Source interface {
	Next() (data []byte, ci gopacket.CaptureInfo, link vocab.LinkType, err error)
}

// frameSource is a Source that can also hand out a frame without a
// CaptureInfo: the time in unix nanoseconds and the lengths (a capture
// file's Reader). The counting loops use it when they have it.
type frameSource interface {
	NextFrame() (data []byte, ns int64, caplen, wire int, link vocab.LinkType, err error)
}

// nextFrame reads src's next frame through fs when it is not nil.
func nextFrame(src Source, fs frameSource) (data []byte, ns int64, caplen, wire int, link vocab.LinkType, err error) {
	if fs != nil {
		return fs.NextFrame()
	}
	data, ci, link, err := src.Next()
	return data, ci.Timestamp.UnixNano(), ci.CaptureLength, ci.Length, link, err
}

// Run reads src until it ends, ctx is done or limit frames (limit > 0) were
// counted, decoding each frame with d and observing it. It returns nil at
// the end of the input or the limit, ctx.Err() when cancelled, or the
// source's error; in every case what was read so far stays counted.
// Run does not call Finish.
func (t *Tracker) Run(ctx context.Context, src Source, d *decode.Decoder, limit uint64) error {
	var s decode.Summary
	done := ctx.Done()
	fs, _ := src.(frameSource)
	for n := uint64(0); limit == 0 || n < limit; n++ {
		if n&1023 == 0 && done != nil {
			select {
			case <-done:
				return ctx.Err()
			default:
			}
		}
		data, ns, caplen, wire, link, err := nextFrame(src, fs)
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		d.Decode(link, data, wire, &s)
		t.observe(ns, wire, caplen, link, &s)
	}
	return nil
}
