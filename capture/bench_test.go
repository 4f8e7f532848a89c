package capture

import (
	"bytes"
	"io"
	"testing"

	"github.com/portsift/portsift/decode/vocab"
)

// benchReader reads file from memory through a Reader, one frame per
// iteration, reopening at the end; b.SetBytes makes MB/s the file's rate.
func benchReader(b *testing.B, file []byte, frames int, filter string) {
	open := func() *Reader {
		r, err := Open([]string{"-"}, Options{Stdin: bytes.NewReader(file), Filter: filter})
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	r := open()
	b.SetBytes(int64(len(file) / frames))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		data, ci, link, err := next(r)
		if err == io.EOF {
			b.StopTimer()
			r.Close()
			r = open()
			b.StartTimer()
			data, ci, link, err = next(r)
		}
		if err != nil {
			b.Fatal(err)
		}
		sinkData, sinkCI, sinkLink = data, ci, link
	}
	b.StopTimer()
	r.Close()
}

// BenchmarkReadPcap: ns/op is ns per frame, over a 10k-frame file of
// Ethernet UDP and TCP frames (a fifth of them 1.5 KB).
func BenchmarkReadPcap(b *testing.B) {
	const n = 10000
	links := []vocab.LinkType{vocab.LinkEthernet, vocab.LinkRaw}
	pcap := pcapFile(b, vocab.LinkEthernet, false, manyPackets(b, n))
	b.Run("pcap", func(b *testing.B) { benchReader(b, pcap, n, "") })
	b.Run("pcapng", func(b *testing.B) { benchReader(b, pcapngFile(b, links, manyPackets(b, n, links...)), n, "") })
	b.Run("pcap+gzip", func(b *testing.B) { benchReader(b, gzipBytes(b, pcap), n, "") })
}
