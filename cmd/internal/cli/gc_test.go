package cli

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/portsift/portsift/classify/pipeline"
)

// TestSmallRead: only a known total under pipeline.SmallInput of regular,
// uncompressed files keeps the start-up GC target; a gzip file (small
// outside, maybe large inside), a FIFO (opening it again would steal its
// data) and standard input get the big-heap one.
func TestSmallRead(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "small.pcap")
	if err := os.WriteFile(plain, []byte{0xd4, 0xc3, 0xb2, 0xa1}, 0o600); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte{0xd4, 0xc3, 0xb2, 0xa1})
	zw.Close()
	packed := filepath.Join(dir, "small.pcap.gz")
	if err := os.WriteFile(packed, gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		total int64
		files []string
		want  bool
	}{
		{4, []string{plain}, true},
		{8, []string{plain, plain}, true},
		{pipeline.SmallInput, []string{plain}, false},
		{-1, []string{plain}, false},
		{30, []string{plain, packed}, false},
		{0, []string{fifo}, false}, // returns at once: a FIFO is not opened
		{-1, []string{"-"}, false},
	} {
		if got := smallRead(c.total, c.files); got != c.want {
			t.Errorf("smallRead(%d, %v) = %v, want %v", c.total, c.files, got, c.want)
		}
	}
}
