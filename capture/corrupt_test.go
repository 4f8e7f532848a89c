package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portsift/portsift/decode/vocab"
)

// corruptDir holds the crafted captures written by cmd/tracegen.
const corruptDir = "../testdata/corrupt"

// corruptFiles is what Reader makes of every file in corruptDir: the frames
// it returns before the fault and the one-line error (the file name is
// added by the test), "" for a file that is odd but readable to its end.
// Every error names the byte offset of the header, record or block at
// fault ("uncompressed byte" inside gzip), except for an empty file.
var corruptFiles = map[string]struct {
	frames int
	err    string
	is     error
}{
	"not-a-capture.txt":              {0, `open "%s": not a capture file (magic 0x54686973 at byte 0)`, ErrNotCapture},
	"empty.pcap":                     {0, `open "%s": not a capture file (empty)`, ErrNotCapture},
	"wrong-magic.pcap":               {0, `open "%s": not a capture file (magic 0xd5c3b2a1 at byte 0)`, ErrNotCapture},
	"header-cut.pcap":                {0, `open "%s": truncated pcap file header at byte 0, 10 of 24 bytes (file cut short)`, ErrTruncated},
	"pcap-version-3.pcap":            {0, `open "%s": unsupported capture format (pcap version 3.0 at byte 4)`, ErrUnsupported},
	"record-cut.pcap":                {5, `read "%s": truncated record at byte 831 (file cut short)`, ErrTruncated},
	"record-header-cut.pcap":         {3, `read "%s": truncated record at byte 280 (file cut short)`, ErrTruncated},
	"huge-record.pcap":               {2, `read "%s": corrupt record at byte 204: captured length 4026531840 exceeds 262144`, ErrCorrupt},
	"caplen-over-max.pcap":           {2, `read "%s": corrupt record at byte 204: captured length 262145 exceeds 262144`, ErrCorrupt},
	"caplen-over-wire.pcap":          {4, "", nil},
	"caplen-over-snaplen.pcap":       {4, "", nil},
	"zero-length.pcap":               {4, "", nil},
	"absurd-times.pcap":              {5, "", nil},
	"pcap-huge-snaplen.pcap":         {3, "", nil},
	"pcap-version-2.5.pcap":          {3, "", nil},
	"linktype-reserved-bits.pcap":    {0, `open "%s": unsupported capture format (pcap link-type field 0x03ff0001 at byte 20: reserved bits 0x03ff0000 are not zero)`, ErrUnsupported},
	"linktype-fcs-bits.pcap":         {3, "", nil},
	"linktype-284.pcap":              {3, "", nil},
	"linktype-284.pcapng":            {4, "", nil},
	"gzip-cut.pcap.gz":               {3, `read "%s": truncated gzip stream at uncompressed byte 280 (file cut short)`, ErrTruncated},
	"gzip-bad-crc.pcap.gz":           {10, `read "%s": corrupt gzip stream at uncompressed byte 3208: gzip: invalid checksum`, ErrCorrupt},
	"gzip-trailing-garbage.pcap.gz":  {10, `read "%s": corrupt gzip stream at uncompressed byte 3208: gzip: invalid header`, ErrCorrupt},
	"pcapng-header-cut.pcapng":       {0, `open "%s": truncated block at byte 0 (file cut short)`, ErrTruncated},
	"pcapng-bad-byte-order.pcapng":   {0, `open "%s": not a capture file (pcapng byte-order magic 0x01020304 at byte 8)`, ErrNotCapture},
	"pcapng-unknown-blocks.pcapng":   {3, "", nil},
	"pcapng-bad-block-length.pcapng": {1, `read "%s": corrupt block at byte 156: block length 70`, ErrCorrupt},
	"pcapng-trailer-mismatch.pcapng": {1, `read "%s": corrupt block at byte 156: trailing block length 112, leading 108`, ErrCorrupt},
	"pcapng-bad-interface.pcapng":    {1, `read "%s": corrupt block at byte 156: packet for interface 5, but the section declares 1`, ErrCorrupt},
	"pcapng-huge-packet.pcapng":      {1, `read "%s": corrupt block at byte 156: captured length 4294967280 exceeds 262144`, ErrCorrupt},
	"pcapng-block-cut.pcapng":        {2, `read "%s": truncated block at byte 264 (file cut short)`, ErrTruncated},
	"pcapng-far-future.pcapng":       {4, "", nil},
	"pcapng-tsresol-overflow.pcapng": {0, `read "%s": corrupt block at byte 28: timestamp resolution 0x7f out of range`, ErrCorrupt},
	"pcapng-huge-snaplen.pcapng":     {2, "", nil},
}

// maxReadAlloc bounds what reading one small file may allocate in total:
// the 1 MiB read buffer (a second one for gzip), gzip's window and
// pcapgo's packet buffer (at most MaxCaptureLength). Measured: 1.0-1.3 MiB,
// 2.2 MiB with gzip. A record or snapshot length of 4 GiB that was believed
// would blow through it.
const maxReadAlloc = 4 << 20

// TestCorruptFiles reads every crafted file: the frames before the fault
// are returned and counted, the error is the expected one line naming the
// file and the byte offset, nothing large is allocated (runtime.MemStats),
// and the read ends (a goroutine watched with a generous deadline, which
// only a hang reaches: not a timing assertion).
func TestCorruptFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corruptDir, "*"))
	if err != nil || len(files) < len(corruptFiles) {
		t.Fatalf("%d files in %s (%v), want the %d of the table", len(files), corruptDir, err, len(corruptFiles))
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			want, ok := corruptFiles[name]
			if !ok {
				t.Fatalf("%s has no row in corruptFiles: add what reading it must give", name)
			}
			type result struct {
				frames int
				si     SourceInfo
				alloc  uint64
			}
			done := make(chan result, 1)
			go func() {
				runtime.GC()
				var m0, m1 runtime.MemStats
				runtime.ReadMemStats(&m0)
				r, err := Open([]string{path}, Options{})
				if err != nil {
					t.Error(err)
					done <- result{}
					return
				}
				n := 0
				for {
					data, ci, _, err := next(r)
					if err == io.EOF {
						break
					}
					if len(data) != ci.CaptureLength || len(data) > MaxCaptureLength {
						t.Errorf("frame %d: %d bytes, capture length %d", n, len(data), ci.CaptureLength)
					}
					n++
				}
				runtime.ReadMemStats(&m1)
				done <- result{n, r.Sources()[0], m1.TotalAlloc - m0.TotalAlloc}
			}()
			var res result
			select {
			case res = <-done:
			case <-time.After(time.Minute):
				t.Fatalf("reading %s did not end within a minute: an endless loop?", name)
			}
			if res.frames != want.frames || res.si.Frames != uint64(want.frames) {
				t.Errorf("%d frames (Sources: %d), want %d before the fault", res.frames, res.si.Frames, want.frames)
			}
			if want.err == "" {
				if res.si.Err != nil {
					t.Errorf("Err = %v, want none: the file is odd but readable", res.si.Err)
				}
			} else {
				checkErr(t, "Sources()[0].Err", res.si.Err, strings.ReplaceAll(want.err, "%s", path), want.is)
			}
			t.Logf("%d frames, %d bytes allocated, error: %v", res.frames, res.alloc, res.si.Err)
			if res.alloc > maxReadAlloc {
				t.Errorf("reading allocated %d bytes in total, more than %d", res.alloc, maxReadAlloc)
			}
		})
	}
}

// TestCorruptTimes: the odd timestamps of absurd-times.pcap come out as
// written (time going backwards, a microsecond field beyond a second), and
// a pcapng timestamp beyond what int64 nanoseconds hold is clamped to the
// last time kept and counted, and the frames after it read as usual.
func TestCorruptTimes(t *testing.T) {
	for _, tt := range []struct {
		file    string
		want    []string
		clamped uint64
	}{
		{"absurd-times.pcap", []string{"1970-01-01T00:00:00Z", "2106-02-07T06:28:15.999999Z", "2026-01-01T00:00:00Z", "2026-01-01T00:16:39.999999Z", "1970-01-01T00:00:01Z"}, 0},
		// The third frame says 2^64-1 ns: 2554-07-21T23:34:33.709551615Z.
		{"pcapng-far-future.pcapng", []string{"2026-01-01T00:00:00Z", "2026-01-01T00:00:00.001Z", "2262-04-10T23:47:16Z", "2026-01-01T00:00:00.003Z"}, 1},
	} {
		t.Run(tt.file, func(t *testing.T) {
			src, _, err := OpenFile(filepath.Join(corruptDir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			got, _ := frameTimes(t, src)
			// absurd-times.pcap's fourth has a microsecond field of
			// 999,999,999: 999.999999 s after the second (pcapgo alone
			// computes it in 32 bits and says 3.567586328 s).
			if !slices.Equal(got, tt.want) {
				t.Errorf("timestamps %v,\nwant %v", got, tt.want)
			}
			if n := src.(infoer).sourceInfo().TimesClamped; n != tt.clamped {
				t.Errorf("TimesClamped = %d, want %d", n, tt.clamped)
			}
		})
	}
}

// TestCorruptLengthsAndLinks: the record of caplen-over-wire.pcap that holds
// more than the wire had comes out whole, with the file's wire length; the
// link types above 255 come out as themselves (not folded to 8 bits), per
// interface in pcapng; the FCS bits of a pcap link-type field are not part
// of the link type.
func TestCorruptLengthsAndLinks(t *testing.T) {
	for _, tt := range []struct {
		file  string
		links []vocab.LinkType // per frame
		info  []vocab.LinkType // Info.LinkTypes
		lens  [][2]int         // per frame: captured, wire; nil: not checked
	}{
		{"caplen-over-wire.pcap", []vocab.LinkType{1, 1, 1, 1}, []vocab.LinkType{1}, [][2]int{{74, 74}, {74, 74}, {100, 60}, {459, 459}}},
		{"linktype-fcs-bits.pcap", []vocab.LinkType{1, 1, 1}, []vocab.LinkType{1}, [][2]int{{78, 78}, {78, 78}, {64, 64}}},
		{"linktype-284.pcap", []vocab.LinkType{284, 284, 284}, []vocab.LinkType{284}, nil},
		{"linktype-284.pcapng", []vocab.LinkType{284, 1, 284, 1}, []vocab.LinkType{284, 1}, nil},
		{"pcap-version-2.5.pcap", []vocab.LinkType{1, 1, 1}, []vocab.LinkType{1}, [][2]int{{74, 74}, {74, 74}, {60, 60}}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			src, info, err := OpenFile(filepath.Join(corruptDir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if src.LinkType() != tt.info[0] {
				t.Errorf("LinkType() = %d, want %d", src.LinkType(), tt.info[0])
			}
			pkts, links, err := readAll(t, src)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(links, tt.links) {
				t.Errorf("LinkTypeOf per frame = %v, want %v", links, tt.links)
			}
			if got := src.(infoer).sourceInfo().LinkTypes; !slices.Equal(got, tt.info) {
				t.Errorf("Info.LinkTypes = %v, want %v (at open: %v)", got, tt.info, info.LinkTypes)
			}
			for i, l := range tt.lens {
				if i >= len(pkts) || len(pkts[i].data) != l[0] || pkts[i].wire != l[1] {
					t.Errorf("frame %d: want %d bytes captured of %d", i, l[0], l[1])
				}
			}
		})
	}
}

// TestInterruptBetweenFiles: after Interrupt, the files not yet opened are
// not opened, and none gets an error.
func TestInterruptBetweenFiles(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.pcap", pcapFile(t, 1, false, manyPackets(t, 2)))
	b := writeFile(t, dir, "b.pcap", pcapFile(t, 1, false, manyPackets(t, 2)))
	r, err := Open([]string{a, b}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, _, _, err := next(r); err != nil {
		t.Fatal(err)
	}
	r.Interrupt()
	r.Interrupt() // twice is fine
	n := 0
	for {
		if _, _, _, err := next(r); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		n++
	}
	src := r.Sources()
	if src[1].Frames != 0 || src[1].Format != "" || r.Err() != nil {
		t.Errorf("after Interrupt: %d more frames, second file %+v, Err %v; want the second file untouched", n, src[1], r.Err())
	}
}

// TestPcapngUnknownBlockCut is what FuzzReader found: a pcapng file cut
// inside a block of an unknown type that follows an interface description
// was reported as "unsupported: pcapng blocks at byte 33554480 do not fit
// the read buffer", an offset 32 MiB past the end of the file, taken from
// the length the cut block claimed. It is a file cut short, at the block's
// own offset; and a block that really exceeds the buffer is named at its
// own offset too.
func TestPcapngUnknownBlockCut(t *testing.T) {
	head := cat(ngSHB(le, 1, 0), ngIDB(le, 1, 65535))
	bad := make([]byte, 8)
	le.PutUint32(bad[0:], 0x0bad) // a custom block
	le.PutUint32(bad[4:], 32<<20) // 32 MiB long, they say
	frame := frame(t, vocab.LinkEthernet, kindUDP, 1)
	for _, tt := range []struct {
		name string
		file []byte
		want string
		is   error
	}{
		{"cut", cat(head, bad, make([]byte, 100)), fmt.Sprintf(`read "x": truncated block at byte %d (file cut short)`, len(head)), ErrTruncated},
		{"larger than the buffer", cat(head, bad, make([]byte, 2<<20)), fmt.Sprintf(`read "x": unsupported capture format: pcapng blocks at byte %d do not fit the 1048576-byte read buffer`, len(head)), ErrUnsupported},
		{"fits", cat(head, ngBlock(le, 0x0bad, make([]byte, 64)), ngEPB(le, 0, 1, frame, uint32(len(frame)), -1)), "", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, _, err := OpenReader("x", bytes.NewReader(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			pkts, _, err := readAll(t, src)
			if tt.want == "" {
				if err != nil || len(pkts) != 1 {
					t.Errorf("%d frames, error %v; want the frame after the custom block", len(pkts), err)
				}
				return
			}
			checkErr(t, "read", err, tt.want, tt.is)
		})
	}
}

// TestPcapngTimesClamped: pcapng timestamps beyond int64 nanoseconds, either
// way and in every unit, are clamped to the range kept (1677-09-22 to
// 2262-04-10) and counted; the frames are read and the times inside the
// range are untouched. libpcap hands every one of them out (sf-pcapng.c:
// sec = t / tsresol + tsoffset, cast to time_t).
func TestPcapngTimesClamped(t *testing.T) {
	eth := frame(t, vocab.LinkEthernet, kindUDP, 1)
	epb := func(iface uint32, ticks uint64) []byte { return ngEPB(le, iface, ticks, eth, uint32(len(eth)), -1) }
	before := int64(-1) << 40 // if_tsoffset is signed: 2^40 s before 1970
	file := cat(ngSHB(le, 1, 0),
		ngIDB(le, 1, 0, ngOpt(le, 9, []byte{9}), ngOpt(le, 0, nil)),                                                      // 0: nanoseconds
		ngIDB(le, 1, 0, ngOpt(le, 9, []byte{0}), ngOpt(le, 0, nil)),                                                      // 1: seconds
		ngIDB(le, 1, 0, ngOpt(le, 9, []byte{6}), ngOpt(le, 14, le.AppendUint64(nil, uint64(before))), ngOpt(le, 0, nil)), // 2: µs, 2^40 s before 1970
		ngIDB(le, 1, 0, ngOpt(le, 9, []byte{0x80 | 10}), ngOpt(le, 0, nil)),                                              // 3: 2^-10 s
		epb(0, ^uint64(0)),        // 2554: clamped
		epb(1, 1<<62),             // year 1.5e11: clamped
		epb(2, 0),                 // 32,800 BC: clamped to the start
		epb(2, 1<<40*1_000_000+7), // 1970 + 7 µs: kept
		epb(3, ^uint64(0)),        // 2^54 s: clamped
		epb(0, 1767225600_000000001),
	)
	src, _, err := OpenReader("x", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got, pkts := frameTimes(t, src)
	want := []string{"2262-04-10T23:47:16Z", "2262-04-10T23:47:16Z", "1677-09-22T00:12:44Z", "1970-01-01T00:00:00.000007Z", "2262-04-10T23:47:16Z", "2026-01-01T00:00:00.000000001Z"}
	if !slices.Equal(got, want) {
		t.Errorf("timestamps %v,\nwant %v", got, want)
	}
	if n := src.(infoer).sourceInfo().TimesClamped; n != 4 {
		t.Errorf("TimesClamped = %d, want 4", n)
	}
	for _, p := range pkts {
		if p.ts.UnixNano()/int64(time.Second) != p.ts.Unix() { // UnixNano wrapped
			t.Errorf("%v: UnixNano does not hold it", p.ts)
		}
	}
}

// frameTimes reads every frame of src and returns their times, RFC 3339
// with nanoseconds, and the frames.
func frameTimes(t *testing.T, src Source) ([]string, []pkt) {
	t.Helper()
	pkts, _, err := readAll(t, src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkts {
		got = append(got, p.ts.Format(time.RFC3339Nano))
	}
	return got, pkts
}
