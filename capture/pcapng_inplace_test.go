package capture

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/portsift/portsift/capture/sharedtest"
	"github.com/portsift/portsift/decode/vocab"
)

// TestPcapngInPlace: reading enhanced packet blocks out of the buffer
// (ngInPlace: ngSource.next, Reader.Next's per-packet path, which
// ZeroCopyReadPacketData also tries after its scan, for the first packet of
// a file and packets behind other blocks) gives what pcapgo gives, frame
// for frame (bytes, time, both
// lengths, link type) and error for error, on every pcapng file the tests
// have (the corrupt ones, the generated multi-interface trace, the shared
// traces), on files with every timestamp resolution and offset, and with a
// buffer small enough that blocks straddle its end.
func TestPcapngInPlace(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*/*.pcapng")
	for _, f := range sharedtest.Traces() {
		if filepath.Ext(f) == ".pcapng" {
			files = append(files, f)
		}
	}
	dir := t.TempDir()
	data := func(i int) []byte { return frame(t, vocab.LinkEthernet, kindTCP, i) }
	for _, res := range []byte{0, 1, 3, 6, 9, 12, 19, 0x80 | 10, 0x80 | 20, 0x80 | 63} {
		for _, order := range []byteOrder{le, be} {
			var opts [][]byte
			if res != 0 {
				opts = append(opts, ngOpt(order, 9, []byte{res}))
			}
			opts = append(opts, ngOpt(order, 14, order.AppendUint64(nil, 1_700_000_000)))
			b := cat(ngSHB(order, 1, 0), ngIDB(order, uint16(vocab.LinkEthernet), 65535, opts...), ngIDB(order, uint16(vocab.LinkRaw), 65535))
			for i := range 200 {
				ticks := uint64(i)*0x1_0000_0fff + 12345*uint64(i*i)
				b = append(b, ngEPB(order, uint32(i%2), ticks, data(i), uint32(len(data(i))+i%3), -1)...)
				if i%50 == 7 {
					b = append(b, ngISB(order, 0)...) // a block pcapgo parses, between packets
				}
			}
			files = append(files, writeFile(t, dir, fmt.Sprintf("res-%02x-%T.pcapng", res, order), b))
		}
	}
	type result struct {
		frames []Frame
		srcs   []string
		err    string
	}
	read := func(name string, inPlace bool, bufSize int) result {
		ngInPlace = inPlace
		defer func() { ngInPlace = true }()
		rd, err := Open([]string{name}, Options{BufferSize: bufSize})
		if err != nil {
			return result{err: err.Error()}
		}
		defer rd.Close()
		var r result
		for {
			var f Frame
			if err := rd.Next(&f); err != nil {
				if !errors.Is(err, io.EOF) {
					r.err = err.Error()
				}
				break
			}
			f.Data = slices.Clone(f.Data)
			r.frames = append(r.frames, f)
		}
		for _, s := range rd.Sources() {
			r.srcs = append(r.srcs, fmt.Sprintf("%+v", s))
		}
		return r
	}
	if len(files) < 20 {
		t.Fatalf("only %d pcapng files to compare", len(files))
	}
	for _, name := range files {
		for _, size := range []int{0, minBufferSize} {
			a, b := read(name, true, size), read(name, false, size)
			if a.err != b.err || !slices.Equal(a.srcs, b.srcs) || len(a.frames) != len(b.frames) {
				t.Fatalf("%s (buffer %d): in place %d frames, %q, %v; pcapgo %d frames, %q, %v",
					name, size, len(a.frames), a.err, a.srcs, len(b.frames), b.err, b.srcs)
			}
			for i := range a.frames {
				fa, fb := a.frames[i], b.frames[i]
				if string(fa.Data) != string(fb.Data) || fa.Time != fb.Time || fa.Wire != fb.Wire || fa.Link != fb.Link {
					t.Fatalf("%s (buffer %d) frame %d: in place %d bytes at %d, wire %d, %v; pcapgo %d bytes at %d, wire %d, %v",
						name, size, i, len(fa.Data), fa.Time, fa.Wire, fa.Link, len(fb.Data), fb.Time, fb.Wire, fb.Link)
				}
			}
		}
	}
}
