package capture

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portsift/portsift/decode/vocab"
)

// readerFrame is what Next returned, copied.
type readerFrame struct {
	ts   time.Time
	data []byte
	link vocab.LinkType
}

// drain reads r to io.EOF.
func drain(t testing.TB, r *Reader) []readerFrame {
	t.Helper()
	var out []readerFrame
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("drain: no io.EOF after a million frames")
		}
		data, ci, link, err := next(r)
		if err == io.EOF {
			// And it stays at the end.
			if _, _, _, err := next(r); err != io.EOF {
				t.Errorf("Next after io.EOF: %v, want io.EOF", err)
			}
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v (only io.EOF expected)", err)
		}
		out = append(out, readerFrame{ts: ci.Timestamp, data: append([]byte(nil), data...), link: link})
	}
}

// TestReaderFilesInOrder reads pcap, gzip-compressed pcapng under a
// misleading name, standard input and pcap again as one stream.
func TestReaderFilesInOrder(t *testing.T) {
	dir := t.TempDir()
	eth := func(i int) []byte { return frame(t, vocab.LinkEthernet, kindUDP, i) }
	raw := func(i int) []byte { return frame(t, vocab.LinkRaw, kindTCP, i) }
	// Timestamps 1..8 µs across the files give the expected order.
	a := writeFile(t, dir, "a.pcap", pcapFile(t, vocab.LinkEthernet, false,
		[]pkt{{ts: at(1, 0), data: eth(1)}, {ts: at(2, 0), data: eth(2)}, {ts: at(3, 0), data: eth(3)}}))
	b := writeFile(t, dir, "b.pcap", gzipBytes(t, pcapngFile(t, []vocab.LinkType{vocab.LinkEthernet, vocab.LinkRaw},
		[]pkt{{ts: at(4, 0), iface: 1, data: raw(4)}, {ts: at(5, 0), iface: 0, data: eth(5)}})))
	stdin := pcapFile(t, vocab.LinkEthernet, true, []pkt{{ts: at(6, 6), data: eth(6)}, {ts: at(7, 7), data: eth(7)}})
	c := writeFile(t, dir, "c.pcap", pcapFile(t, vocab.LinkRaw, false, []pkt{{ts: at(8, 0), data: raw(8)}}))

	r, err := Open([]string{a, b, "-", c}, Options{Stdin: bytes.NewReader(stdin)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	got := drain(t, r)
	wantTS := []time.Time{at(1, 0), at(2, 0), at(3, 0), at(4, 0), at(5, 0), at(6, 6), at(7, 7), at(8, 0)}
	wantLinks := []vocab.LinkType{1, 1, 1, vocab.LinkRaw, 1, 1, 1, vocab.LinkRaw}
	wantData := [][]byte{eth(1), eth(2), eth(3), raw(4), eth(5), eth(6), eth(7), raw(8)}
	if len(got) != len(wantTS) {
		t.Fatalf("read %d frames, want %d", len(got), len(wantTS))
	}
	for i, f := range got {
		if !f.ts.Equal(wantTS[i]) || f.link != wantLinks[i] || !bytes.Equal(f.data, wantData[i]) {
			t.Errorf("frame %d: ts %v link %v; want ts %v link %v (data equal: %v)", i, f.ts, f.link, wantTS[i], wantLinks[i], bytes.Equal(f.data, wantData[i]))
		}
	}
	if err := r.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
	want := []SourceInfo{
		{Name: a, Info: Info{Format: "pcap", ByteOrder: "little-endian", Version: "2.4", Snaplen: 65535, LinkTypes: []vocab.LinkType{1}}, Frames: 3},
		{Name: b, Info: Info{Format: "pcapng+gzip", ByteOrder: "little-endian", Version: "1.0", LinkTypes: []vocab.LinkType{1, vocab.LinkRaw}}, Frames: 2},
		{Name: "-", Info: Info{Format: "pcap-ns", ByteOrder: "little-endian", Version: "2.4", Snaplen: 65535, LinkTypes: []vocab.LinkType{1}}, Frames: 2},
		{Name: c, Info: Info{Format: "pcap", ByteOrder: "little-endian", Version: "2.4", Snaplen: 65535, LinkTypes: []vocab.LinkType{vocab.LinkRaw}}, Frames: 1},
	}
	checkSources(t, r.Sources(), want)

	// Standard input makes the total unknown; what was read is all of it.
	read, total := r.Progress()
	if total != -1 {
		t.Errorf("Progress total = %d, want -1 (stdin)", total)
	}
	if want := size(t, a) + size(t, b) + int64(len(stdin)) + size(t, c); read != want {
		t.Errorf("Progress read = %d, want %d", read, want)
	}
}

func size(t testing.TB, name string) int64 {
	t.Helper()
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// checkSources compares SourceInfo lists, errors by message.
func checkSources(t testing.TB, got, want []SourceInfo) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("Sources() has %d entries, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.Format != w.Format || g.ByteOrder != w.ByteOrder || g.Version != w.Version ||
			g.Snaplen != w.Snaplen || !slices.Equal(g.LinkTypes, w.LinkTypes) ||
			g.Frames != w.Frames || g.Filtered != w.Filtered || g.Truncated != w.Truncated {
			t.Errorf("Sources()[%d] =\n\t%+v\nwant\n\t%+v", i, g, w)
		}
		if (g.Err == nil) != (w.Err == nil) || (g.Err != nil && g.Err.Error() != w.Err.Error()) {
			t.Errorf("Sources()[%d].Err = %v, want %v", i, g.Err, w.Err)
		}
	}
}

// TestReaderKeepsGoing: damaged files are recorded, the frames before the
// damage are returned, and the next files are read.
func TestReaderKeepsGoing(t *testing.T) {
	dir := t.TempDir()
	pkts := manyPackets(t, 4)
	full := pcapFile(t, vocab.LinkEthernet, false, pkts)
	good1 := writeFile(t, dir, "good1.pcap", full)
	cut := writeFile(t, dir, "cut.pcap", full[:len(full)-5])
	notes := writeFile(t, dir, "notes.txt", []byte("Hello, world\n"))
	empty := writeFile(t, dir, "empty.pcap", nil)
	gone := writeFile(t, dir, "gone.pcap", full)
	good2 := writeFile(t, dir, "good2.pcapng", pcapngFile(t, []vocab.LinkType{vocab.LinkEthernet}, pkts))

	r, err := Open([]string{good1, cut, notes, empty, gone, good2}, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	if err := os.Remove(gone); err != nil { // after Open checked it
		t.Fatal(err)
	}
	got := drain(t, r)
	if len(got) != 4+3+4 {
		t.Errorf("read %d frames, want 11 (4 + 3 before the cut + 4)", len(got))
	}
	cutErr := errors.New(`read "` + cut + `": truncated record at byte ` + itoa(len(full)-16-len(pkts[3].data)) + ` (file cut short)`)
	notesErr := errors.New(`open "` + notes + `": not a capture file (magic 0x48656c6c at byte 0)`)
	emptyErr := errors.New(`open "` + empty + `": not a capture file (empty)`)
	goneErr := errors.New(`open "` + gone + `": no such file or directory`)
	pcapInfo := Info{Format: "pcap", ByteOrder: "little-endian", Version: "2.4", Snaplen: 65535, LinkTypes: []vocab.LinkType{1}}
	checkSources(t, r.Sources(), []SourceInfo{
		{Name: good1, Info: pcapInfo, Frames: 4},
		{Name: cut, Info: pcapInfo, Frames: 3, Err: cutErr, Truncated: true},
		{Name: notes, Err: notesErr},
		{Name: empty, Err: emptyErr},
		{Name: gone, Err: goneErr},
		{Name: good2, Info: Info{Format: "pcapng", ByteOrder: "little-endian", Version: "1.0", LinkTypes: []vocab.LinkType{1}}, Frames: 4},
	})
	err = r.Err()
	want := strings.Join([]string{cutErr.Error(), notesErr.Error(), emptyErr.Error(), goneErr.Error()}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("Err() =\n%v\nwant\n%s", err, want)
	}
	if !errors.Is(err, ErrTruncated) || !errors.Is(err, ErrNotCapture) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Err() does not wrap ErrTruncated, ErrNotCapture and fs.ErrNotExist: %v", err)
	}
}

// TestOpenSkipsBadFiles: a file among several that cannot be read is
// recorded in its SourceInfo before anything is read, and the others are
// read.
func TestOpenSkipsBadFiles(t *testing.T) {
	dir := t.TempDir()
	ok := writeFile(t, dir, "ok.pcap", pcapFile(t, vocab.LinkEthernet, false, []pkt{{ts: at(1, 0), data: frame(t, vocab.LinkEthernet, kindUDP, 1)}}))
	nope := filepath.Join(dir, "nope.pcap")
	r, err := Open([]string{nope, ok, dir}, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	if n := len(drain(t, r)); n != 1 {
		t.Errorf("%d frames, want 1 (ok.pcap's)", n)
	}
	si := r.Sources()
	checkErr(t, "nope", si[0].Err, `open "`+nope+`": no such file or directory`, fs.ErrNotExist)
	checkErr(t, "dir", si[2].Err, `open "`+dir+`": is a directory`, nil)
	if si[1].Err != nil || si[1].Frames != 1 {
		t.Errorf("ok.pcap: %v, %d frames", si[1].Err, si[1].Frames)
	}
	want := `open "` + nope + `": no such file or directory` + "\n" + `open "` + dir + `": is a directory`
	if err := r.Err(); err == nil || err.Error() != want {
		t.Errorf("Err() = %v, want %s", err, want)
	}
}

// TestOpenChecksUpFront: Open fails, naming every problem, before reading,
// when no file can be read.
func TestOpenChecksUpFront(t *testing.T) {
	dir := t.TempDir()
	ok := writeFile(t, dir, "ok.pcap", pcapFile(t, vocab.LinkEthernet, false, nil))
	nope := filepath.Join(dir, "nope.pcap")
	nope2 := filepath.Join(dir, "nope2.pcap")
	tests := []struct {
		name  string
		files []string
		msg   string
		is    error
	}{
		{"missing", []string{nope}, `open "` + nope + `": no such file or directory`, fs.ErrNotExist},
		{"two missing", []string{nope, nope2},
			`open "` + nope + `": no such file or directory` + "\n" + `open "` + nope2 + `": no such file or directory`, fs.ErrNotExist},
		{"directory", []string{dir}, `open "` + dir + `": is a directory`, nil},
		{"stdin twice", []string{"-", ok, "-"}, `"-" (standard input) given more than once`, nil},
		{"nothing", nil, `no capture files given`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(tt.files, Options{})
			if err == nil {
				r.Close()
				t.Fatalf("Open(%q) succeeded, want %q", tt.files, tt.msg)
			}
			if err.Error() != tt.msg {
				t.Errorf("Open: err = %q, want %q", err, tt.msg)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
		})
	}
	t.Run("unreadable", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads files whatever their mode")
		}
		p := writeFile(t, dir, "secret.pcap", nil)
		if err := os.Chmod(p, 0); err != nil {
			t.Fatal(err)
		}
		_, err := Open([]string{p}, Options{})
		checkErr(t, "Open", err, `open "`+p+`": permission denied`, fs.ErrPermission)
	})
}

// TestReaderProgress: total is the sum of the file sizes; read grows to it;
// Progress may be called from another goroutine while Next runs (-race).
func TestReaderProgress(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.pcap", pcapFile(t, vocab.LinkEthernet, false, manyPackets(t, 3000)))
	b := writeFile(t, dir, "b.pcap.gz", gzipBytes(t, pcapFile(t, vocab.LinkEthernet, false, manyPackets(t, 3000))))
	r, err := Open([]string{a, b}, Options{BufferSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	wantTotal := size(t, a) + size(t, b)
	if read, total := r.Progress(); read != 0 || total != wantTotal {
		t.Errorf("Progress before reading = %d, %d; want 0, %d", read, total, wantTotal)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var seen []int64
	go func() {
		defer wg.Done()
		for {
			read, _ := r.Progress()
			seen = append(seen, read)
			select {
			case <-done:
				return
			default:
				time.Sleep(50 * time.Microsecond)
			}
		}
	}()
	n := len(drain(t, r))
	close(done)
	wg.Wait()
	if n != 6000 {
		t.Errorf("read %d frames, want 6000", n)
	}
	if read, total := r.Progress(); read != wantTotal || total != wantTotal {
		t.Errorf("Progress after reading = %d, %d; want %d, %d", read, total, wantTotal, wantTotal)
	}
	if !slices.IsSorted(seen) {
		t.Errorf("Progress went backwards: %v", seen)
	}
}

// TestReaderClose: after Close, Next reports the end.
func TestReaderClose(t *testing.T) {
	p := writeFile(t, t.TempDir(), "a.pcap", pcapFile(t, vocab.LinkEthernet, false, manyPackets(t, 10)))
	r, err := Open([]string{p}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := next(r); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, _, _, err := next(r); err != io.EOF {
		t.Errorf("Next after Close: %v, want io.EOF", err)
	}
	if got := r.Sources()[0].Frames; got != 1 {
		t.Errorf("Frames = %d, want 1", got)
	}
	if err := r.Err(); err != nil {
		t.Errorf("Err() after Close = %v, want nil", err)
	}
}

// TestReaderNoAllocs: Next does not allocate in steady state.
func TestReaderNoAllocs(t *testing.T) {
	links := []vocab.LinkType{vocab.LinkEthernet, vocab.LinkRaw}
	for _, tt := range []struct {
		name string
		file []byte
	}{
		{"pcap", pcapFile(t, vocab.LinkEthernet, false, manyPackets(t, 3000))},
		{"pcapng", pcapngFile(t, links, manyPackets(t, 3000, links...))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open([]string{"-"}, Options{Stdin: bytes.NewReader(tt.file)})
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
				t.Errorf("Next: %v allocs per frame, want 0", allocs)
			}
		})
	}
}

// TestReaderReusesBuffers: many small files do not cost a 1 MiB read buffer
// each.
func TestReaderReusesBuffers(t *testing.T) {
	dir := t.TempDir()
	f := pcapFile(t, vocab.LinkEthernet, false, manyPackets(t, 2))
	var names []string
	for i := 0; i < 50; i++ {
		names = append(names, writeFile(t, dir, "f"+itoa(i)+".pcap", f))
	}
	r, err := Open(names, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, _, _, err := next(r); err != nil { // first file: buffers allocated
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n := 1 + len(drain(t, r))
	runtime.ReadMemStats(&after)
	if n != 100 {
		t.Errorf("read %d frames, want 100", n)
	}
	// Per file: the os.File, the source, pcapgo's reader and its packet
	// buffer (65535 bytes, the files' snaplen); not a new read buffer.
	if perFile := (after.TotalAlloc - before.TotalAlloc) / 49; perFile > 128<<10 {
		t.Errorf("%d bytes allocated per file, want < 128 KiB", perFile)
	}
}
