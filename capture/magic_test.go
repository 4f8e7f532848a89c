//go:build unix

package capture

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/portsift/portsift/decode/vocab"
)

// TestFileMagic: LooksLikeCapture and Compressed judge regular files by
// their first bytes, and never open anything else (a FIFO would block, or
// lose its bytes to them).
func TestFileMagic(t *testing.T) {
	dir := t.TempDir()
	pcap := pcapFile(t, vocab.LinkEthernet, false, nil)
	files := map[string][]byte{
		"a.pcap":    pcap,
		"a.pcap.gz": gzipBytes(t, pcap),
		"a.pcapng":  pcapngFile(t, []vocab.LinkType{vocab.LinkEthernet}, nil),
		"notes.txt": []byte("hello, world"),
		"short":     {0x1f},
	}
	paths := map[string]string{}
	for name, b := range files {
		paths[name] = writeFile(t, dir, name, b)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	paths["fifo"] = fifo
	paths["missing"] = filepath.Join(dir, "missing")
	for name, want := range map[string][2]bool{
		"a.pcap": {true, false}, "a.pcap.gz": {true, true}, "a.pcapng": {true, false},
		"notes.txt": {false, false}, "short": {false, false}, "fifo": {false, false}, "missing": {false, false},
	} {
		if got := [2]bool{LooksLikeCapture(paths[name]), Compressed(paths[name])}; got != want {
			t.Errorf("%s: LooksLikeCapture, Compressed = %v, want %v", name, got, want)
		}
	}
}
