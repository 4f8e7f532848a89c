package pipeline

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// benchTrace returns a generated trace of 300,000 packets in 20,000 flows
// (cmd/tracegen -big, the generator of make bench at a tenth of the size),
// written once per machine to the temporary directory.
var benchTrace = sync.OnceValues(func() (string, error) {
	path := filepath.Join(os.TempDir(), "portsift-bench-300000.pcap")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	tmp := path + ".tmp"
	out, err := exec.Command("go", "run", "../../cmd/tracegen", "-big", "-packets", "300000", "-flows", "20000", "-o", tmp).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("tracegen: %v: %s", err, out)
	}
	return path, os.Rename(tmp, path)
})

// BenchmarkReadFiles is `portsift read` without the output: the whole read
// path (file, decode, flows, report) on a 300,000-packet trace, per thread
// setting. One op is one packet, so ns/op compares with the other stages.
func BenchmarkReadFiles(b *testing.B) {
	path, err := benchTrace()
	if err != nil {
		b.Skip(err)
	}
	for _, threads := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			b.ReportAllocs()
			var frames uint64
			for b.Loop() {
				r, err := ReadFiles(context.Background(), []string{path}, Options{Threads: threads})
				if err != nil {
					b.Fatal(err)
				}
				frames = r.Frames
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(uint64(b.N)*frames), "ns/packet")
			b.ReportMetric(float64(uint64(b.N)*frames)/b.Elapsed().Seconds()/1e6, "Mpackets/s")
		})
	}
}
