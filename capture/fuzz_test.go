package capture

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/gopacket"
	"github.com/portsift/portsift/decode/vocab"
)

// FuzzOpenReader feeds arbitrary bytes to the capture-file readers (pcap in
// both byte orders and resolutions, pcapng, gzip of either) and checks what
// must hold for any input: no panic, no endless loop, every error one line
// that names the file, frames no larger than MaxCaptureLength and never
// more frames than the input could hold.
func FuzzOpenReader(f *testing.F) {
	for _, dir := range []string{"../testdata/traces", "../testdata/corrupt"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, name := range files {
			if data, err := os.ReadFile(name); err == nil && len(data) < 8<<10 {
				f.Add(data)
			}
		}
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0})
	w.Close()
	f.Add(gz.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		// The smallest read buffer: a 1 MiB one costs more to allocate
		// than most inputs take to read, and block-size limits are
		// reached with smaller inputs.
		src, _, err := openStream("fuzz.pcap", bytes.NewReader(data), nil, nil, nil, minBufferSize)
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		defer src.Close()
		// A gzip stream can expand: bound by what gzip can produce from
		// this input (about 1032x), and each frame has at least a 16-byte
		// record header or a 32-byte block (pcapng); at most 1 M frames.
		maxFrames := len(data) * 1032 / 12
		for n := 0; ; n++ {
			frame, ci, err := src.ZeroCopyReadPacketData()
			if err == io.EOF {
				return
			}
			if err != nil {
				checkFuzzErr(t, err)
				return
			}
			if len(frame) > MaxCaptureLength || len(frame) != ci.CaptureLength {
				t.Fatalf("frame %d: %d bytes, capture length %d", n, len(frame), ci.CaptureLength)
			}
			if n > maxFrames {
				t.Fatalf("more than %d frames from %d bytes of input", maxFrames, len(data))
			}
		}
	})
}

func checkFuzzErr(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, `"fuzz.pcap"`) {
		t.Fatalf("error is not one line naming the file: %q", msg)
	}
}

// readSummary is what a read gives: every frame (copied, with its capture
// info and link type), then the error that ended it (nil at io.EOF).
type readSummary struct {
	frames []readFrame
	err    error
}

type readFrame struct {
	data []byte
	ci   gopacket.CaptureInfo
	link vocab.LinkType
}

// readAlone reads one stream as OpenReader does, with the smallest buffer.
func readAlone(name string, r io.Reader) readSummary {
	src, _, err := openStream(name, r, nil, nil, nil, minBufferSize)
	if err != nil {
		return readSummary{err: err}
	}
	defer src.Close()
	var s readSummary
	for {
		data, ci, err := src.ZeroCopyReadPacketData()
		if err == io.EOF {
			return s
		}
		if err != nil {
			s.err = err
			return s
		}
		link := src.LinkTypeOf(ci)
		// A Frame carries the link type, not the interface it came from.
		ci.InterfaceIndex, ci.AncillaryData = 0, nil
		s.frames = append(s.frames, readFrame{bytes.Clone(data), ci, link})
	}
}

// FuzzReader reads arbitrary bytes with the multi-file Reader, as three
// inputs in one run: a prefix of the bytes (cut at a fuzzed point), the
// whole bytes, and the bytes gzip-compressed (standard input). Properties:
// each input gives exactly the frames and the error that reading it alone
// gives (the Reader's buffers, reused from file to file, carry nothing
// over); the gzip-compressed copy gives the same frames and the same error
// as the plain bytes, at the same offset ("uncompressed byte N"); the
// per-file counts add up; every error is one line naming its file.
func FuzzReader(f *testing.F) {
	for _, dir := range []string{"../testdata/traces", "../testdata/corrupt"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, name := range files {
			if data, err := os.ReadFile(name); err == nil && len(data) < 8<<10 {
				f.Add(data, uint16(len(data)/2))
			}
		}
	}
	dir := f.TempDir()
	prefix, whole := filepath.Join(dir, "prefix.pcap"), filepath.Join(dir, "whole.pcap")
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) { fuzzReaderBody(t, prefix, whole, data, cut) })
}

func fuzzReaderBody(t *testing.T, prefix, whole string, data []byte, cut uint16) {
	{
		k := int(cut) % (len(data) + 1)
		var gz bytes.Buffer
		zw := gzipWriters.Get().(*gzip.Writer) // a new one costs more than the rest of the run
		zw.Reset(&gz)
		zw.Write(data)
		zw.Close()
		gzipWriters.Put(zw)
		if err := os.WriteFile(prefix, data[:k], 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(whole, data, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Open([]string{prefix, whole, "-"}, Options{Stdin: bytes.NewReader(gz.Bytes()), BufferSize: minBufferSize})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var got [3]readSummary
		var total uint64
		for n := 0; ; n++ {
			data, ci, link, err := next(r)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("Next: %v; want only io.EOF", err)
			}
			// Which file is this frame from? The first whose count is
			// ahead of the frames recorded for it.
			src := r.Sources()
			i := 0
			for i < 2 && src[i].Frames == uint64(len(got[i].frames)) {
				i++
			}
			got[i].frames = append(got[i].frames, readFrame{bytes.Clone(data), ci, link})
			total++
		}
		srcs := r.Sources()
		for i := range got {
			got[i].err = srcs[i].Err
			if srcs[i].Frames != uint64(len(got[i].frames)) {
				t.Fatalf("source %d: Frames %d, %d frames returned", i, srcs[i].Frames, len(got[i].frames))
			}
		}
		if want := srcs[0].Frames + srcs[1].Frames + srcs[2].Frames; total != want {
			t.Fatalf("%d frames in all, sources say %d", total, want)
		}
		want := [3]readSummary{
			readAlone(prefix, bytes.NewReader(data[:k])),
			readAlone(whole, bytes.NewReader(data)),
			readAlone("-", bytes.NewReader(gz.Bytes())),
		}
		for i, name := range []string{prefix, whole, "-"} {
			sameRead(t, name, "in a Reader", got[i], "alone", want[i])
			if err := got[i].err; err != nil {
				msg := err.Error()
				if strings.Contains(msg, "\n") || !strings.Contains(msg, strconv.Quote(name)) {
					t.Fatalf("error is not one line naming the file: %q", msg)
				}
			}
		}
		if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
			return // gzip inside gzip: only one level is opened
		}
		// The compressed copy reads like the plain bytes, offsets included.
		plain := got[1]
		if plain.err != nil {
			msg := strings.ReplaceAll(plain.err.Error(), strconv.Quote(whole), `"-"`)
			msg = regexp.MustCompile(`\bbyte (\d)`).ReplaceAllString(msg, "uncompressed byte $1")
			msg = strings.Replace(msg, "(empty)", "(empty after gzip)", 1)
			msg = regexp.MustCompile(`not a capture file \((\d+ bytes?)\)`).ReplaceAllString(msg, "not a capture file ($1 after gzip)")
			plain.err = errors.New(msg)
		}
		sameRead(t, "-", "gzip-compressed", got[2], "plain", plain)
	}
}

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// sameRead fails unless a and b hold the same frames and the same error
// message.
func sameRead(t *testing.T, name, aName string, a readSummary, bName string, b readSummary) {
	t.Helper()
	if len(a.frames) != len(b.frames) {
		t.Fatalf("%s: %d frames %s, %d %s (errors %v; %v)", name, len(a.frames), aName, len(b.frames), bName, a.err, b.err)
	}
	for i := range a.frames {
		fa, fb := a.frames[i], b.frames[i]
		if !bytes.Equal(fa.data, fb.data) || fa.link != fb.link || !fa.ci.Timestamp.Equal(fb.ci.Timestamp) ||
			fa.ci.CaptureLength != fb.ci.CaptureLength || fa.ci.Length != fb.ci.Length || fa.ci.InterfaceIndex != fb.ci.InterfaceIndex {
			t.Fatalf("%s: frame %d differs: %s %+v (link %v), %s %+v (link %v)", name, i, aName, fa.ci, fa.link, bName, fb.ci, fb.link)
		}
	}
	if (a.err == nil) != (b.err == nil) || (a.err != nil && a.err.Error() != b.err.Error()) {
		t.Fatalf("%s: error %s %v, %s %v", name, aName, a.err, bName, b.err)
	}
}
