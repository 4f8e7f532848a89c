//go:build cgo

package capture

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcap"

	"github.com/portsift/portsift/capture/sharedtest"
	"github.com/portsift/portsift/decode/vocab"
)

// isUDP decodes a frame with gopacket (slow, fine in tests).
func isUDP(data []byte, link vocab.LinkType) bool {
	p := gopacket.NewPacket(data, layers.LinkType(link), gopacket.Default)
	return p.Layer(layers.LayerTypeUDP) != nil
}

// TestFilter: "udp" keeps the UDP frames of a mixed file and counts the rest.
func TestFilter(t *testing.T) {
	var pkts []pkt
	udp := 0
	for i := 0; i < 30; i++ {
		kind := []frameKind{kindUDP, kindTCP, kindARP}[i%3]
		if kind == kindUDP {
			udp++
		}
		pkts = append(pkts, pkt{ts: at(i, 0), data: frame(t, vocab.LinkEthernet, kind, i)})
	}
	r, err := Open([]string{"-"}, Options{Filter: "udp", Stdin: bytes.NewReader(pcapFile(t, vocab.LinkEthernet, false, pkts))})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	got := drain(t, r)
	if len(got) != udp {
		t.Errorf("filter udp: %d frames, want %d", len(got), udp)
	}
	for i, f := range got {
		if !isUDP(f.data, f.link) {
			t.Errorf("frame %d passed the filter but is not UDP", i)
		}
		if want := at(3*i, 0); !f.ts.Equal(want) {
			t.Errorf("frame %d: ts %v, want %v", i, f.ts, want)
		}
	}
	si := r.Sources()[0]
	if si.Frames != 30 || si.Filtered != 30-uint64(udp) {
		t.Errorf("Frames %d, Filtered %d; want 30, %d", si.Frames, si.Filtered, 30-udp)
	}
}

// TestFilterPerLinkType: one expression, compiled for each link type of a
// pcapng file, selects the same traffic on all its interfaces.
func TestFilterPerLinkType(t *testing.T) {
	links := []vocab.LinkType{vocab.LinkEthernet, vocab.LinkRaw, vocab.LinkNull}
	var pkts []pkt
	for i := 0; i < 24; i++ {
		kind := kindUDP
		if i%2 == 1 {
			kind = kindTCP
		}
		li := (i / 2) % 3
		pkts = append(pkts, pkt{ts: at(i, 0), iface: li, data: frame(t, links[li], kind, i)})
	}
	file := pcapngFile(t, links, pkts)
	for _, tt := range []struct {
		filter string
		want   int
	}{
		{"udp", 12},
		{"tcp port 443", 12},
		{"udp and dst port 53", 12},
		{"ip", 24},
		{"icmp", 0},
	} {
		t.Run(tt.filter, func(t *testing.T) {
			r, err := Open([]string{"-"}, Options{Filter: tt.filter, Stdin: bytes.NewReader(file)})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got := drain(t, r)
			perLink := map[vocab.LinkType]int{}
			for _, f := range got {
				perLink[f.link]++
			}
			if len(got) != tt.want || (tt.want > 0 && len(perLink) != 3) {
				t.Errorf("%d frames, per link type %v; want %d, from all 3 link types", len(got), perLink, tt.want)
			}
			if si := r.Sources()[0]; si.Filtered != uint64(24-tt.want) || r.Err() != nil {
				t.Errorf("Filtered %d, Err %v; want %d, nil", si.Filtered, r.Err(), 24-tt.want)
			}
		})
	}
}

// TestFilterTraces checks filters on real traces of every link type against
// tcpdump's counts (tcpdump -r FILE EXPR | wc -l; tshark -Y udp for the
// pcapng, which tcpdump cannot read past its second link type).
func TestFilterTraces(t *testing.T) {
	tests := []struct {
		file, filter string
		want         int
	}{
		{"sv-decode-sll2-01.pcap", "tcp port 80", 5}, // LINUX_SLL2: 276, compiled via a file
		{"sv-decode-sll2-01.pcap", "udp", 0},
		{"pcpp-one_ipv6_http_stream.pcap", "ip6 and tcp port 80", 19}, // RAW: DLT_RAW is 12 on Linux
		{"ndpi-rdp.pcap", "tcp port 3389", 20},                        // NULL
		{"pcpp-linktype_ipv4.pcap", "udp port 53", 2},                 // IPV4
		{"ndpi-KakaoTalk_talk.pcap", "udp", 3037},                     // LINUX_SLL
		{"ndpi-dns-vlan-pppoe.pcap", "udp", 3},                        // pcapng
		{"pcpp-many_interfaces-1.pcapng", "udp", 32},                  // Ethernet and NULL interfaces
		{"zeek-quic-go-handshake-ppp.pcap", "udp", 0},                 // PPP (sic: libpcap's PPP filter does not match these frames)
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.filter, func(t *testing.T) {
			r, err := Open([]string{sharedtest.Trace(t, tt.file)}, Options{Filter: tt.filter})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			n := len(drain(t, r))
			si := r.Sources()[0]
			if n != tt.want || si.Filtered != si.Frames-uint64(tt.want) || si.Err != nil {
				t.Errorf("%d frames pass (Frames %d, Filtered %d, Err %v), want %d", n, si.Frames, si.Filtered, si.Err, tt.want)
			}
		})
	}
}

// TestFilterErrors: a bad expression fails Open with libpcap's message;
// a link type the expression cannot apply to stops that file only.
func TestFilterErrors(t *testing.T) {
	for _, tt := range []struct{ expr, msg string }{
		{"tcp prot 80", `bad filter "tcp prot 80": syntax error`},
		{"tcp port 80x", `bad filter "tcp port 80x": unknown port '80x'`},
		{"host 999.1.1.1", `bad filter "host 999.1.1.1": invalid IPv4 address '999.1.1.1'`},
	} {
		_, err := Open([]string{"-"}, Options{Filter: tt.expr})
		checkErr(t, "Open", err, tt.msg, ErrBadFilter)
	}
	// With a missing file too: both reported, before reading.
	missing := filepath.Join(t.TempDir(), "nope.pcap")
	_, err := Open([]string{missing}, Options{Filter: "udp and"})
	want := `open "` + missing + `": no such file or directory` + "\n" + `bad filter "udp and": syntax error`
	if err == nil || err.Error() != want {
		t.Errorf("Open: err = %v, want\n%s", err, want)
	}

	dir := t.TempDir()
	rec := pcapRecord(le, 1, 0, 4, 4, []byte{1, 2, 3, 4})
	profibus := writeFile(t, dir, "profibus.pcap", cat(pcapHeader(le, 0xa1b2c3d4, 2, 4, 65535, 257), rec))
	user0 := writeFile(t, dir, "user0.pcap", cat(pcapHeader(le, 0xa1b2c3d4, 2, 4, 65535, 147), rec))
	good := writeFile(t, dir, "good.pcap", pcapFile(t, vocab.LinkEthernet, false,
		[]pkt{{ts: at(1, 0), data: frame(t, vocab.LinkEthernet, kindUDP, 1)}}))
	r, err := Open([]string{profibus, user0, good}, Options{Filter: "udp"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n := len(drain(t, r)); n != 1 {
		t.Errorf("%d frames, want 1 (from good.pcap)", n)
	}
	si := r.Sources()
	// Above 255, libpcap compiles from a file of that link type
	// (compileViaFile), and says what it cannot do. The frames the filter
	// cannot be applied to count as filtered out, and the file is read to
	// its end: nothing is left uncounted.
	checkErr(t, "profibus", si[0].FilterErr, `read "`+profibus+`": filter "udp" does not compile for link type 257: PROFIBUS data link layer link-layer type filtering not implemented: its frames of that link type count as filtered out`, nil)
	checkErr(t, "user0", si[1].FilterErr, `read "`+user0+`": filter "udp" does not compile for link type 147: DLT 147 link-layer type filtering not implemented: its frames of that link type count as filtered out`, nil)
	for i, s := range si[:2] {
		if s.Err != nil || s.Frames != 1 || s.Filtered != 1 {
			t.Errorf("source %d: err %v, %d frames, %d filtered; want no error, 1 frame, filtered", i, s.Err, s.Frames, s.Filtered)
		}
	}
	if si[2].FilterErr != nil || si[2].Filtered != 0 {
		t.Errorf("good.pcap: %v, %d filtered", si[2].FilterErr, si[2].Filtered)
	}
}

// TestFilterEmptyFrame: a record with no captured bytes is filtered out,
// not passed to pcap.BPF.Matches, which would index data[0].
func TestFilterEmptyFrame(t *testing.T) {
	eth := frame(t, vocab.LinkEthernet, kindUDP, 1)
	file := cat(pcapHeader(le, 0xa1b2c3d4, 2, 4, 65535, 1),
		pcapRecord(le, 1, 0, 0, 60, nil),
		pcapRecord(le, 2, 0, uint32(len(eth)), uint32(len(eth)), eth))
	r, err := Open([]string{"-"}, Options{Filter: "udp", Stdin: bytes.NewReader(file)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n := len(drain(t, r)); n != 1 || r.Sources()[0].Filtered != 1 {
		t.Errorf("%d frames, %d filtered; want 1, 1", n, r.Sources()[0].Filtered)
	}
}

// TestFilterNoAllocs: filtering does not allocate per frame either.
func TestFilterNoAllocs(t *testing.T) {
	links := []vocab.LinkType{vocab.LinkEthernet, vocab.LinkRaw}
	file := pcapngFile(t, links, manyPackets(t, 6000, links...))
	r, err := Open([]string{"-"}, Options{Filter: "tcp or udp", Stdin: bytes.NewReader(file)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	allocs := testing.AllocsPerRun(2000, func() {
		data, ci, link, err := next(r)
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		sinkData, sinkCI, sinkLink = data, ci, link
	})
	if allocs != 0 {
		t.Errorf("Next with a filter: %v allocs per frame, want 0", allocs)
	}
}

// TestSameAsLibpcap reads every trace with libpcap too and compares every
// frame: bytes, timestamp, lengths; and both must stop at the same place.
func TestSameAsLibpcap(t *testing.T) {
	for _, row := range readTraceTable(t) {
		t.Run(row.file, func(t *testing.T) {
			path := filepath.Join(tracesDir, row.file)
			h, err := pcap.OpenOffline(path)
			if err != nil {
				t.Skipf("libpcap: %v", err)
			}
			defer h.Close()
			src, _, err := OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			for n := 0; ; n++ {
				want, wci, werr := h.ReadPacketData()
				got, gci, gerr := src.ZeroCopyReadPacketData()
				if werr != nil && len(row.linkTypes) > 1 {
					// libpcap refuses a pcapng file whose interfaces
					// differ in link type; nothing more to compare.
					t.Logf("frame %d: libpcap: %v", n, werr)
					return
				}
				if (werr == nil) != (gerr == nil) || (werr == io.EOF) != (gerr == io.EOF) {
					t.Fatalf("frame %d: libpcap: %v; we: %v", n, werr, gerr)
				}
				if werr != nil {
					return
				}
				if !bytes.Equal(got, want) || !gci.Timestamp.Equal(wci.Timestamp) ||
					gci.CaptureLength != wci.CaptureLength || gci.Length != wci.Length {
					t.Fatalf("frame %d differs: ts %v/%v caplen %d/%d len %d/%d (ours/libpcap)",
						n, gci.Timestamp, wci.Timestamp, gci.CaptureLength, wci.CaptureLength, gci.Length, wci.Length)
				}
			}
		})
	}
}

// BenchmarkReadPcapFilter: BenchmarkReadPcap with a BPF filter that keeps
// every frame (so each costs a cgo call into pcap_offline_filter).
func BenchmarkReadPcapFilter(b *testing.B) {
	const n = 10000
	benchReader(b, pcapFile(b, vocab.LinkEthernet, false, manyPackets(b, n)), n, "tcp or udp")
}

// BenchmarkLibpcap reads the same file with libpcap (pcap.OpenOffline), for
// comparison: the product promises to be faster.
func BenchmarkLibpcap(b *testing.B) {
	const n = 10000
	file := pcapFile(b, vocab.LinkEthernet, false, manyPackets(b, n))
	path := writeFile(b, b.TempDir(), "bench.pcap", file)
	open := func() *pcap.Handle {
		h, err := pcap.OpenOffline(path)
		if err != nil {
			b.Fatal(err)
		}
		return h
	}
	h := open()
	b.SetBytes(int64(len(file) / n))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		data, ci, err := h.ZeroCopyReadPacketData()
		if err == io.EOF {
			b.StopTimer()
			h.Close()
			h = open()
			b.StartTimer()
			data, ci, err = h.ZeroCopyReadPacketData()
		}
		if err != nil {
			b.Fatal(err)
		}
		sinkData, sinkCI = data, ci
	}
	b.StopTimer()
	h.Close()
}
