package capture

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		src, _, err := OpenReader("fuzz.pcap", bytes.NewReader(data))
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
