package capture

import (
	"bytes"
	"io"
	"io/fs"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portsift/portsift/decode/vocab"
)

// TestOpenReaderFormats reads one file of every supported variant and checks
// the header info and every frame: bytes, timestamps, lengths, interface and
// link type.
func TestOpenReaderFormats(t *testing.T) {
	eth := func(i int) []byte { return frame(t, vocab.LinkEthernet, kindUDP, i) }
	raw := func(i int) []byte { return frame(t, vocab.LinkRaw, kindTCP, i) }
	null := func(i int) []byte { return frame(t, vocab.LinkNull, kindUDP, i) }

	// Three Ethernet frames; the second was cut to 40 bytes by the snaplen.
	ethPkts := []pkt{
		{ts: at(1, 0), data: eth(1)},
		{ts: at(2, 0), data: eth(2)[:40], wire: len(eth(2))},
		{ts: at(1_000_003, 0), data: eth(3)},
	}
	// The same with nanoseconds that microseconds cannot hold.
	nsPkts := []pkt{
		{ts: at(1, 1), data: eth(1)},
		{ts: at(2, 999), data: eth(2)},
	}
	// Three interfaces of different link types, packets interleaved.
	mixedLinks := []vocab.LinkType{vocab.LinkEthernet, vocab.LinkRaw, vocab.LinkNull}
	mixedPkts := []pkt{
		{ts: at(1, 0), iface: 0, data: eth(1)},
		{ts: at(2, 0), iface: 1, data: raw(2)},
		{ts: at(3, 0), iface: 2, data: null(3)},
		{ts: at(4, 0), iface: 1, data: raw(4)},
		{ts: at(5, 5), iface: 0, data: eth(5)},
	}
	mixedWant := []vocab.LinkType{vocab.LinkEthernet, vocab.LinkRaw, vocab.LinkNull, vocab.LinkRaw, vocab.LinkEthernet}
	// Two pcapng sections: interface indexes restart in the second.
	sec1 := pcapngFile(t, []vocab.LinkType{vocab.LinkEthernet}, []pkt{{ts: at(1, 0), data: eth(1)}})
	sec2 := pcapngFile(t, []vocab.LinkType{vocab.LinkNull, vocab.LinkEthernet},
		[]pkt{{ts: at(2, 0), iface: 0, data: null(2)}, {ts: at(3, 0), iface: 1, data: eth(3)}})

	secs := func(p pkt) uint32 { return uint32(p.ts.Unix()) }
	usec := func(p pkt) uint32 { return uint32(p.ts.Nanosecond() / 1000) }
	nsec := func(p pkt) uint32 { return uint32(p.ts.Nanosecond()) }
	// A big-endian file, hand-built: pcapgo writes little-endian only.
	beFile := func(magic uint32, frac func(pkt) uint32, pkts []pkt) []byte {
		b := pcapHeader(be, magic, 2, 4, 65535, 1)
		for _, p := range pkts {
			b = append(b, pcapRecord(be, secs(p), frac(p), uint32(len(p.data)), uint32(p.ci().Length), p.data)...)
		}
		return b
	}
	// Before pcap 2.3 the wire length came first.
	f60 := eth(7)[:40]
	oldFile := func(minor uint16, secondWire, secondCap uint32) []byte {
		return cat(pcapHeader(be, 0xa1b2c3d4, 2, minor, 1600, 1),
			pcapRecord(be, 1, 0, 60, 40, f60), // old order: wire, captured
			pcapRecord(be, 2, 0, secondWire, secondCap, f60))
	}
	oldWant := []pkt{{ts: time.Unix(1, 0), data: f60, wire: 60}, {ts: time.Unix(2, 0), data: f60, wire: 60}}
	// pcapng written big-endian, with a DLT 12 (raw IP) interface, an
	// unknown block, a simple packet block and trailing statistics.
	beNg := cat(
		ngSHB(be, 1, 0, ngOpt(be, 4, []byte("portsift test")), ngOpt(be, 0, nil)),
		ngIDB(be, 1, 64, ngOpt(be, 2, []byte("eth0")), ngOpt(be, 9, []byte{3})), // ms resolution
		ngBlock(be, 0x0BAD, []byte("a block pcapgo skips")),
		ngIDB(be, 12, 0),
		ngSPB(be, 200, eth(8)[:64]), // cut to interface 0's snaplen: 64 of 200
		ngEPB(be, 0, 1500, eth(10), uint32(len(eth(10))), -1), // 1500 ms
		ngEPB(be, 1, 1500, raw(9), uint32(len(raw(9))), -1),   // 1500 µs
		ngISB(be, 0, ngOpt(be, 4, make([]byte, 8))),
		ngISB(be, 1),
	)
	beNgWant := []pkt{
		{ts: time.Unix(0, 0), data: eth(8)[:64], wire: 200}, // simple packets have no time: the epoch, as libpcap
		{ts: time.Unix(1, 500_000_000), data: eth(10)},
		{ts: time.Unix(0, 1_500_000), iface: 1, data: raw(9)},
	}
	// Version 1.2, as early writers put it; read as 1.0.
	ng12 := cat(ngSHB(le, 1, 2), ngIDB(le, 1, 0), ngEPB(le, 0, 7, eth(1), uint32(len(eth(1))), -1))
	// Link type fields wider than gopacket's 8 bits, and with FCS bits.
	linkFile := func(link uint32) []byte {
		return cat(pcapHeader(le, 0xa1b2c3d4, 2, 4, 65535, link), pcapRecord(le, 1, 0, 4, 4, []byte{1, 2, 3, 4}))
	}
	linkWant := []pkt{{ts: time.Unix(1, 0), data: []byte{1, 2, 3, 4}}}
	// Versions libpcap or Wireshark read besides 2.0-2.4: 2.5 (Wireshark:
	// the 2.4 layout) and 543.0 (DG/UX tcpdump, both: lengths swapped).
	versionFile := func(major, minor uint16, f1, f2 uint32) []byte {
		return cat(pcapHeader(le, 0xa1b2c3d4, major, minor, 65535, 1), pcapRecord(le, 1, 0, f1, f2, eth(7)[:40]))
	}
	versionWant := []pkt{{ts: time.Unix(1, 0), data: eth(7)[:40], wire: 60}}
	// A record holding more than the packet had: returned whole, with the
	// wire length the file gives, as libpcap hands it out.
	overWire := cat(pcapHeader(le, 0xa1b2c3d4, 2, 4, 65535, 1),
		pcapRecord(le, 1, 0, 40, 40, eth(1)[:40]), pcapRecord(le, 2, 0, 60, 20, eth(2)[:60]), pcapRecord(le, 3, 0, 40, 40, eth(3)[:40]))
	overWireWant := []pkt{{ts: time.Unix(1, 0), data: eth(1)[:40]}, {ts: time.Unix(2, 0), data: eth(2)[:60], wire: 20}, {ts: time.Unix(3, 0), data: eth(3)[:40]}}

	tests := []struct {
		name      string
		file      []byte
		format    string
		order     string
		version   string
		snaplen   uint32
		linkTypes []vocab.LinkType
		pkts      []pkt
		links     []vocab.LinkType // per packet; nil: all Info.LinkTypes[0]
	}{
		{"pcap le µs", pcapFile(t, vocab.LinkEthernet, false, ethPkts), "pcap", "little-endian", "2.4", 65535,
			[]vocab.LinkType{vocab.LinkEthernet}, ethPkts, nil},
		{"pcap le ns", pcapFile(t, vocab.LinkEthernet, true, nsPkts), "pcap-ns", "little-endian", "2.4", 65535,
			[]vocab.LinkType{vocab.LinkEthernet}, nsPkts, nil},
		{"pcap be µs", beFile(0xa1b2c3d4, usec, ethPkts), "pcap", "big-endian", "2.4", 65535,
			[]vocab.LinkType{vocab.LinkEthernet}, ethPkts, nil},
		{"pcap be ns", beFile(0xa1b23c4d, nsec, nsPkts), "pcap-ns", "big-endian", "2.4", 65535,
			[]vocab.LinkType{vocab.LinkEthernet}, nsPkts, nil},
		{"pcap 2.1 lengths swapped", oldFile(1, 60, 40), "pcap", "big-endian", "2.1", 1600,
			[]vocab.LinkType{vocab.LinkEthernet}, oldWant, nil},
		// 2.3 files were written both ways: libpcap swaps when captured > wire.
		{"pcap 2.3 lengths either way", oldFile(3, 40, 60), "pcap", "big-endian", "2.3", 1600,
			[]vocab.LinkType{vocab.LinkEthernet}, oldWant, nil},
		{"pcap DLT 12 is raw", linkFile(12), "pcap", "little-endian", "2.4", 65535, []vocab.LinkType{vocab.LinkRaw}, linkWant, nil},
		{"pcap DLT 14 is raw", linkFile(14), "pcap", "little-endian", "2.4", 65535, []vocab.LinkType{vocab.LinkRaw}, linkWant, nil},
		{"pcap LINUX_SLL2 (276)", linkFile(276), "pcap", "little-endian", "2.4", 65535, []vocab.LinkType{vocab.LinkLinuxSLL2}, linkWant, nil},
		{"pcap 257 is not Ethernet", linkFile(257), "pcap", "little-endian", "2.4", 65535, []vocab.LinkType{257}, linkWant, nil},
		{"pcap 284 is not 28", linkFile(284), "pcap", "little-endian", "2.4", 65535, []vocab.LinkType{284}, linkWant, nil},
		{"pcap 65535", linkFile(65535), "pcap", "little-endian", "2.4", 65535, []vocab.LinkType{65535}, linkWant, nil},
		{"pcap Ethernet with FCS bits", linkFile(0x4<<28 | 0x04000000 | 1), "pcap", "little-endian", "2.4", 65535,
			[]vocab.LinkType{vocab.LinkEthernet}, linkWant, nil},
		{"pcap 284 with FCS bits", linkFile(0xf4000000 | 284), "pcap", "little-endian", "2.4", 65535,
			[]vocab.LinkType{284}, linkWant, nil},
		{"pcap 2.5 in the 2.4 layout", versionFile(2, 5, 40, 60), "pcap", "little-endian", "2.5", 65535,
			[]vocab.LinkType{vocab.LinkEthernet}, versionWant, nil},
		{"pcap 2.65535 in the 2.4 layout", versionFile(2, 65535, 40, 60), "pcap", "little-endian", "2.65535", 65535,
			[]vocab.LinkType{vocab.LinkEthernet}, versionWant, nil},
		{"pcap 543.0 lengths swapped", versionFile(543, 0, 60, 40), "pcap", "little-endian", "543.0", 65535,
			[]vocab.LinkType{vocab.LinkEthernet}, versionWant, nil},
		{"pcap captured > wire", overWire, "pcap", "little-endian", "2.4", 65535,
			[]vocab.LinkType{vocab.LinkEthernet}, overWireWant, nil},
		{"pcapng three link types", pcapngFile(t, mixedLinks, mixedPkts), "pcapng", "little-endian", "1.0", 0,
			mixedLinks, mixedPkts, mixedWant},
		{"pcapng two sections", cat(sec1, sec2), "pcapng", "little-endian", "1.0", 0,
			[]vocab.LinkType{vocab.LinkEthernet, vocab.LinkNull},
			[]pkt{{ts: at(1, 0), data: eth(1)}, {ts: at(2, 0), data: null(2)}, {ts: at(3, 0), iface: 1, data: eth(3)}},
			[]vocab.LinkType{vocab.LinkEthernet, vocab.LinkNull, vocab.LinkEthernet}},
		{"pcapng big-endian, SPB, DLT 12, unknown block", beNg, "pcapng", "big-endian", "1.0", 64,
			[]vocab.LinkType{vocab.LinkEthernet, vocab.LinkRaw}, beNgWant,
			[]vocab.LinkType{vocab.LinkEthernet, vocab.LinkEthernet, vocab.LinkRaw}},
		{"pcapng 1.2", ng12, "pcapng", "little-endian", "1.2", 0, []vocab.LinkType{vocab.LinkEthernet},
			[]pkt{{ts: time.Unix(0, 7000), data: eth(1)}}, nil},
		{"gzip pcap", gzipBytes(t, pcapFile(t, vocab.LinkEthernet, false, ethPkts)), "pcap+gzip", "little-endian", "2.4", 65535,
			[]vocab.LinkType{vocab.LinkEthernet}, ethPkts, nil},
		{"gzip pcapng", gzipBytes(t, pcapngFile(t, mixedLinks, mixedPkts)), "pcapng+gzip", "little-endian", "1.0", 0,
			mixedLinks, mixedPkts, mixedWant},
		{"gzip multistream", cat(gzipBytes(t, pcapFile(t, vocab.LinkEthernet, false, ethPkts)[:50]), gzipBytes(t, pcapFile(t, vocab.LinkEthernet, false, ethPkts)[50:])),
			"pcap+gzip", "little-endian", "2.4", 65535, []vocab.LinkType{vocab.LinkEthernet}, ethPkts, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, info, err := OpenReader("x", bytes.NewReader(tt.file))
			if err != nil {
				t.Fatalf("OpenReader: %v", err)
			}
			defer src.Close()
			if info.Format != tt.format || info.ByteOrder != tt.order || info.Version != tt.version || info.Snaplen != tt.snaplen {
				t.Errorf("Info = %q %q %q snaplen %d, want %q %q %q snaplen %d",
					info.Format, info.ByteOrder, info.Version, info.Snaplen, tt.format, tt.order, tt.version, tt.snaplen)
			}
			if src.LinkType() != tt.linkTypes[0] {
				t.Errorf("LinkType() = %v, want %v", src.LinkType(), tt.linkTypes[0])
			}
			got, links, err := readAll(t, src)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if len(got) != len(tt.pkts) {
				t.Fatalf("read %d frames, want %d", len(got), len(tt.pkts))
			}
			for i, p := range got {
				w := tt.pkts[i]
				if !p.ts.Equal(w.ts) || p.ts.Location() != time.UTC {
					t.Errorf("frame %d: Timestamp %v, want %v in UTC", i, p.ts, w.ts)
				}
				if !bytes.Equal(p.data, w.data) {
					t.Errorf("frame %d: data %x, want %x", i, p.data, w.data)
				}
				if p.wire != w.ci().Length {
					t.Errorf("frame %d: Length %d, want %d", i, p.wire, w.ci().Length)
				}
				if p.iface != w.iface {
					t.Errorf("frame %d: InterfaceIndex %d, want %d", i, p.iface, w.iface)
				}
				wantLink := tt.linkTypes[0]
				if tt.links != nil {
					wantLink = tt.links[i]
				}
				if links[i] != wantLink {
					t.Errorf("frame %d: LinkTypeOf = %v, want %v", i, links[i], wantLink)
				}
			}
			// pcapng: all interfaces are known once the file is read.
			if in := src.(infoer).sourceInfo(); !reflect.DeepEqual(in.LinkTypes, tt.linkTypes) {
				t.Errorf("Info.LinkTypes after reading = %v, want %v", in.LinkTypes, tt.linkTypes)
			}
		})
	}
}

// TestOpenFileSniffsMagic checks that file names do not decide the format.
func TestOpenFileSniffsMagic(t *testing.T) {
	dir := t.TempDir()
	pkts := []pkt{{ts: at(1, 0), data: frame(t, vocab.LinkEthernet, kindUDP, 1)}}
	pc := pcapFile(t, vocab.LinkEthernet, false, pkts)
	ng := pcapngFile(t, []vocab.LinkType{vocab.LinkEthernet}, pkts)
	tests := []struct {
		name   string
		file   []byte
		format string
	}{
		{"capture.pcapng", gzipBytes(t, pc), "pcap+gzip"},
		{"trace.pcap", ng, "pcapng"},
		{"trace.pcap.gz", pc, "pcap"},
		{"noext", gzipBytes(t, ng), "pcapng+gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, info, err := OpenFile(writeFile(t, dir, tt.name, tt.file))
			if err != nil {
				t.Fatalf("OpenFile: %v", err)
			}
			defer src.Close()
			if info.Format != tt.format {
				t.Errorf("Format = %q, want %q", info.Format, tt.format)
			}
			got, _, err := readAll(t, src)
			if err != nil || len(got) != 1 {
				t.Errorf("read %d frames, err %v; want 1, nil", len(got), err)
			}
		})
	}
}

// TestOpenErrors covers inputs that fail before the first frame.
func TestOpenErrors(t *testing.T) {
	pc := pcapFile(t, vocab.LinkEthernet, false, nil)
	gz := gzipBytes(t, pc)
	tests := []struct {
		name string
		file []byte
		msg  string
		is   error
	}{
		{"empty", nil, `open "x": not a capture file (empty)`, ErrNotCapture},
		{"text", []byte("Hello, world\n"), `open "x": not a capture file (magic 0x48656c6c at byte 0)`, ErrNotCapture},
		{"three bytes", []byte{0xd4, 0xc3, 0xb2}, `open "x": not a capture file (3 bytes)`, ErrNotCapture},
		{"pcap header cut", pc[:10], `open "x": truncated pcap file header at byte 0, 10 of 24 bytes (file cut short)`, ErrTruncated},
		{"pcap version 1.0", pcapHeader(le, 0xa1b2c3d4, 1, 0, 65535, 1), `open "x": unsupported capture format (pcap version 1.0 at byte 4)`, ErrUnsupported},
		{"pcap version 3.0", pcapHeader(le, 0xa1b2c3d4, 3, 0, 65535, 1), `open "x": unsupported capture format (pcap version 3.0 at byte 4)`, ErrUnsupported},
		{"pcap version 543.1", pcapHeader(le, 0xa1b2c3d4, 543, 1, 65535, 1), `open "x": unsupported capture format (pcap version 543.1 at byte 4)`, ErrUnsupported},
		// Current libpcap: "savefile linktype reserved field not zero".
		{"pcap link type reserved bits", pcapHeader(le, 0xa1b2c3d4, 2, 4, 65535, 0x03ff0001),
			`open "x": unsupported capture format (pcap link-type field 0x03ff0001 at byte 20: reserved bits 0x03ff0000 are not zero)`, ErrUnsupported},
		{"pcap link type reserved bit 16", pcapHeader(be, 0xa1b2c3d4, 2, 4, 65535, 0x00010001),
			`open "x": unsupported capture format (pcap link-type field 0x00010001 at byte 20: reserved bits 0x00010000 are not zero)`, ErrUnsupported},
		{"pcap link type reserved and FCS bits", pcapHeader(le, 0xa1b2c3d4, 2, 4, 65535, 0x24200001),
			`open "x": unsupported capture format (pcap link-type field 0x24200001 at byte 20: reserved bits 0x00200000 are not zero)`, ErrUnsupported},
		{"pcap modified (Kuznetzov)", pcapHeader(le, 0xa1b2cd34, 2, 4, 65535, 1), `open "x": not a capture file (magic 0x34cdb2a1 at byte 0)`, ErrNotCapture},
		{"pcapng header cut", ngSHB(le, 1, 0)[:20], `open "x": truncated block at byte 0 (file cut short)`, ErrTruncated},
		{"pcapng bad byte-order magic", cat(ngBlock(le, blockSHB, []byte{1, 2, 3, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})),
			`open "x": not a capture file (pcapng byte-order magic 0x01020304 at byte 8)`, ErrNotCapture},
		{"pcapng version 2.0", ngSHB(le, 2, 0), `open "x": unsupported capture format (pcapng version 2.0 at byte 0)`, ErrUnsupported},
		{"pcapng section header length", func() []byte { b := ngSHB(le, 1, 0); le.PutUint32(b[4:], 30); return b }(),
			`open "x": corrupt block at byte 0: block length 30`, ErrCorrupt},
		{"gzip header cut", gz[:5], `open "x": truncated gzip header at byte 0 (file cut short)`, ErrTruncated},
		{"gzip bad header", []byte{0x1f, 0x8b, 9, 0, 0, 0, 0, 0, 0, 0}, `open "x": corrupt gzip header at byte 0: gzip: invalid header`, ErrCorrupt},
		{"gzip of text", gzipBytes(t, []byte("Hello, world\n")), `open "x": not a capture file (magic 0x48656c6c at uncompressed byte 0)`, ErrNotCapture},
		{"gzip of nothing", gzipBytes(t, nil), `open "x": not a capture file (empty after gzip)`, ErrNotCapture},
		// The offset is where the gzip data ran out: 16 of the 24 header bytes.
		{"gzip cut in pcap header", gz[:len(gz)/2], `open "x": truncated gzip stream at uncompressed byte 16 (file cut short)`, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, _, err := OpenReader("x", bytes.NewReader(tt.file))
			if err == nil {
				src.Close()
			}
			checkErr(t, "OpenReader", err, tt.msg, tt.is)
		})
	}
}

func TestOpenFileMissing(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "nope.pcap")
	_, _, err := OpenFile(name)
	checkErr(t, "OpenFile", err, `open "`+name+`": no such file or directory`, fs.ErrNotExist)
	_, _, err = OpenFile(dir)
	checkErr(t, "OpenFile(directory)", err, `open "`+dir+`": is a directory`, nil)
}

// TestPcapngBlockSizes: blocks pcapgo skips may be of any size; the blocks
// it parses must fit in the read buffer, and say so when they do not.
func TestPcapngBlockSizes(t *testing.T) {
	eth := frame(t, vocab.LinkEthernet, kindUDP, 1)
	epb := func(us uint64) []byte { return ngEPB(le, 0, us, eth, uint32(len(eth)), -1) }
	huge := ngBlock(le, 0x80000001, make([]byte, 3<<20)) // a custom block of 3 MiB
	hugeIDB := ngIDB(le, 1, 0, ngOpt(le, 1, make([]byte, 60000)), ngOpt(le, 1, make([]byte, 60000)))

	src, _, err := OpenReader("x", bytes.NewReader(cat(ngSHB(le, 1, 0), ngIDB(le, 1, 0), epb(1), huge, epb(2), huge)))
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := readAll(t, src)
	if len(got) != 2 || err != nil {
		t.Errorf("3 MiB skippable blocks: %d frames, err %v; want 2, nil", len(got), err)
	}

	at := len(ngSHB(le, 1, 0)) + len(ngIDB(le, 1, 0)) + len(epb(1))
	r, err := Open([]string{"-"}, Options{BufferSize: 1, Stdin: bytes.NewReader(cat(ngSHB(le, 1, 0), ngIDB(le, 1, 0), epb(1), hugeIDB, epb(2)))})
	if err != nil {
		t.Fatal(err)
	}
	n := len(drain(t, r))
	checkErr(t, "120 KB interface block, 64 KiB buffer", r.Err(),
		`read "-": unsupported capture format: pcapng blocks at byte `+itoa(at)+` do not fit the 65536-byte read buffer`, ErrUnsupported)
	if n != 1 {
		t.Errorf("%d frames before the error, want 1", n)
	}
}

// TestPcapngByteOrderPerSection: each section has its own byte order.
func TestPcapngByteOrderPerSection(t *testing.T) {
	eth := frame(t, vocab.LinkEthernet, kindUDP, 1)
	null := frame(t, vocab.LinkNull, kindUDP, 2)
	f := cat(ngSHB(le, 1, 0), ngIDB(le, 1, 0), ngEPB(le, 0, 1, eth, uint32(len(eth)), -1),
		ngSHB(be, 1, 0), ngIDB(be, 0, 0), ngEPB(be, 0, 2, null, uint32(len(null)), -1),
		ngSHB(le, 1, 0), ngIDB(le, 1, 0), ngEPB(le, 0, 3, eth, uint32(len(eth)), -1))
	src, info, err := OpenReader("x", bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	if info.ByteOrder != "little-endian" {
		t.Errorf("ByteOrder = %q, want the first section's, little-endian", info.ByteOrder)
	}
	got, links, err := readAll(t, src)
	want := []vocab.LinkType{vocab.LinkEthernet, vocab.LinkNull, vocab.LinkEthernet}
	if err != nil || len(got) != 3 || !slices.Equal(links, want) {
		t.Fatalf("read %d frames, links %v, err %v; want 3, %v, nil", len(got), links, err, want)
	}
	for i, us := range []int{1, 2, 3} {
		if !got[i].ts.Equal(time.Unix(0, int64(us)*1000)) {
			t.Errorf("frame %d: ts %v, want %d µs", i, got[i].ts, us)
		}
	}
}

// TestReadErrors covers files damaged after their header: the frames before
// the damage are returned, then one error that names the file and offset.
func TestReadErrors(t *testing.T) {
	eth := func(i int) []byte { return frame(t, vocab.LinkEthernet, kindUDP, i) }
	three := []pkt{{ts: at(1, 0), data: eth(1)}, {ts: at(2, 0), data: eth(2)}, {ts: at(3, 0), data: eth(3)}}
	pc := pcapFile(t, vocab.LinkEthernet, false, three)
	rec3 := 24 + 16 + len(eth(1)) + 16 + len(eth(2)) // offset of the third record
	hugeHdr := pcapHeader(le, 0xa1b2c3d4, 2, 4, 0xffffffff, 1)

	ngHead := cat(ngSHB(le, 1, 0), ngIDB(le, 1, 0))
	epb := func(i int) []byte { return ngEPB(le, 0, uint64(i), eth(i), uint32(len(eth(i))), -1) }
	ng2 := cat(ngHead, epb(1), epb(2))
	blk3 := len(ng2) // offset of the block after two packets
	withIDB := func(opts ...[]byte) []byte { return cat(ngSHB(le, 1, 0), ngIDB(le, 1, 0, opts...), epb(1)) }
	idbAt := len(ngSHB(le, 1, 0))

	gz := gzipBytes(t, pcapFile(t, vocab.LinkEthernet, false, manyPackets(t, 200)))
	badCRC := gzipBytes(t, pc)
	badCRC[len(badCRC)-8] ^= 0xff // CRC-32 in the gzip trailer

	tests := []struct {
		name   string
		file   []byte
		frames int // 0: do not check the count (gzip: depends on compression)
		msg    string
		is     error
	}{
		{"pcap record data cut", pc[:len(pc)-10], 2,
			`read "x": truncated record at byte ` + itoa(rec3) + ` (file cut short)`, ErrTruncated},
		{"pcap record header cut", pc[:rec3+7], 2,
			`read "x": truncated record at byte ` + itoa(rec3) + ` (file cut short)`, ErrTruncated},
		// pcapgo reports io.EOF here, as if the file were complete.
		{"pcap cut after a record header", pc[:rec3+16], 2,
			`read "x": truncated record at byte ` + itoa(rec3) + ` (file cut short)`, ErrTruncated},
		{"pcap captured length 4 GiB", cat(hugeHdr, pcapRecord(le, 1, 0, 60, 60, eth(1)[:60]), pcapRecord(le, 2, 0, 0xfffffff0, 0xfffffff0, eth(2))), 1,
			`read "x": corrupt record at byte 100: captured length 4294967280 exceeds 262144`, ErrCorrupt},
		{"pcapng packet cut", ng2[:len(ng2)-10], 1,
			`read "x": truncated block at byte ` + itoa(len(ngHead)+len(epb(1))) + ` (file cut short)`, ErrTruncated},
		{"pcapng block header cut", cat(ng2, epb(3)[:6]), 2,
			`read "x": truncated block at byte ` + itoa(blk3) + ` (file cut short)`, ErrTruncated},
		{"pcapng captured length 4 GiB", cat(ng2, ngEPB(le, 0, 3, eth(3), 100, 0xfffffff0)), 2,
			`read "x": corrupt block at byte ` + itoa(blk3) + `: captured length 4294967280 exceeds 262144`, ErrCorrupt},
		{"pcapng captured length past block", cat(ng2, ngEPB(le, 0, 3, eth(3), 100, int64(len(eth(3))+8))), 2,
			`read "x": corrupt block at byte ` + itoa(blk3) + `: captured length ` + itoa(len(eth(3))+8) + ` overruns the block (` + itoa(len(epb(3))) + ` bytes)`, ErrCorrupt},
		{"pcapng block length not a multiple of 4", cat(ng2, func() []byte { b := epb(3); le.PutUint32(b[4:], 99); return b }()), 2,
			`read "x": corrupt block at byte ` + itoa(blk3) + `: block length 99`, ErrCorrupt},
		{"pcapng block length 4 GiB", cat(ng2, func() []byte { b := epb(3); le.PutUint32(b[4:], 0xfffffff0); return b }()), 2,
			`read "x": corrupt block at byte ` + itoa(blk3) + `: block length 4294967280`, ErrCorrupt},
		{"pcapng trailing length differs", cat(ng2, func() []byte { b := epb(3); le.PutUint32(b[len(b)-4:], 8); return b }()), 2,
			`read "x": corrupt block at byte ` + itoa(blk3) + `: trailing block length 8, leading ` + itoa(len(epb(3))), ErrCorrupt},
		{"pcapng undeclared interface", cat(ng2, ngEPB(le, 5, 3, eth(3), 100, -1)), 2,
			`read "x": corrupt block at byte ` + itoa(blk3) + `: packet for interface 5, but the section declares 1`, ErrCorrupt},
		{"pcapng packet before any interface", cat(ngSHB(le, 1, 0), epb(1)), 0,
			`read "x": corrupt block at byte ` + itoa(idbAt) + `: packet for interface 0, but the section declares 0`, ErrCorrupt},
		// pcapgo divides by zero on this one (see TestPcapgoQuirks).
		{"pcapng timestamp resolution 2^-64", withIDB(ngOpt(le, 9, []byte{0x80 | 64})), 0,
			`read "x": corrupt block at byte ` + itoa(idbAt) + `: timestamp resolution 0xc0 out of range`, ErrCorrupt},
		{"pcapng option overruns block", withIDB(func() []byte { o := ngOpt(le, 2, []byte("eth0")); le.PutUint16(o[2:], 200); return o }()), 0,
			`read "x": corrupt block at byte ` + itoa(idbAt) + `: option 2 of 200 bytes overruns the block`, ErrCorrupt},
		{"pcapng statistics for undeclared interface", cat(ng2, ngISB(le, 3)), 2,
			`read "x": corrupt block at byte ` + itoa(blk3) + `: statistics for interface 3, but the section declares 1`, ErrCorrupt},
		{"gzip stream cut", gz[:len(gz)/2], 0, "", ErrTruncated},
		{"gzip checksum", badCRC, 3,
			`read "x": corrupt gzip stream at uncompressed byte ` + itoa(len(pc)) + `: gzip: invalid checksum`, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, _, err := OpenReader("x", bytes.NewReader(tt.file))
			if err != nil {
				t.Fatalf("OpenReader: %v", err)
			}
			defer src.Close()
			got, _, err := readAll(t, src)
			if tt.frames > 0 && len(got) != tt.frames {
				t.Errorf("read %d frames before the error, want %d", len(got), tt.frames)
			}
			if tt.msg == "" { // message depends on where compression cut: check its shape
				if err == nil || !strings.HasPrefix(err.Error(), `read "x": truncated gzip stream at uncompressed byte `) {
					t.Errorf("err = %v, want a truncated gzip stream", err)
				}
				if len(got) == 0 || len(got) >= 200 {
					t.Errorf("read %d frames, want some but not all 200", len(got))
				}
				return
			}
			checkErr(t, "read", err, tt.msg, tt.is)
		})
	}
}

var itoa = strconv.Itoa

// TestHugeLengthsDoNotAllocate feeds headers that claim 4 GiB and checks
// that reading them allocates about the read buffers, not the claim.
func TestHugeLengthsDoNotAllocate(t *testing.T) {
	eth := frame(t, vocab.LinkEthernet, kindUDP, 1)
	tests := []struct {
		name string
		file []byte
		err  bool
	}{
		{"pcap snaplen and captured length 4 GiB", cat(
			pcapHeader(le, 0xa1b2c3d4, 2, 4, 0xffffffff, 1),
			pcapRecord(le, 1, 0, uint32(len(eth)), uint32(len(eth)), eth),
			pcapRecord(le, 2, 0, 0xfffffff0, 0xfffffff0, eth)), true},
		// pcapgo sizes its buffer by the interface's snapshot length.
		{"pcapng interface snaplen 4 GiB", cat(
			ngSHB(le, 1, 0), ngIDB(le, 1, 0xffffffff),
			ngEPB(le, 0, 1, eth, uint32(len(eth)), -1)), false},
		{"pcapng captured length 4 GiB", cat(
			ngSHB(le, 1, 0), ngIDB(le, 1, 0),
			ngEPB(le, 0, 1, eth, 0xfffffff0, 0xfffffff0)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			src, _, err := OpenReader("x", bytes.NewReader(tt.file))
			if err != nil {
				t.Fatalf("OpenReader: %v", err)
			}
			got, _, err := readAll(t, src)
			src.Close()
			runtime.ReadMemStats(&after)
			if (err != nil) != tt.err || (!tt.err && len(got) != 1) {
				t.Errorf("read %d frames, err %v; want error %v", len(got), err, tt.err)
			}
			// 1 MiB read buffer + MaxCaptureLength packet buffer + change.
			if n := after.TotalAlloc - before.TotalAlloc; n > 2<<20 {
				t.Errorf("allocated %d bytes, want < 2 MiB", n)
			}
		})
	}
}

// TestSourceNoAllocs: reading a frame does not allocate.
func TestSourceNoAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 20k frames")
	}
	links := []vocab.LinkType{vocab.LinkEthernet, vocab.LinkRaw, vocab.LinkNull}
	pkts := manyPackets(t, 5000)
	mixed := manyPackets(t, 5000, links...)
	tests := []struct {
		name string
		file []byte
	}{
		{"pcap", pcapFile(t, vocab.LinkEthernet, false, pkts)},
		{"pcap-ns", pcapFile(t, vocab.LinkEthernet, true, pkts)},
		{"pcapng", pcapngFile(t, links, mixed)},
		{"pcap+gzip", gzipBytes(t, pcapFile(t, vocab.LinkEthernet, false, pkts))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, _, err := OpenReader("x", bytes.NewReader(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			allocs := testing.AllocsPerRun(2000, func() {
				data, ci, err := src.ZeroCopyReadPacketData()
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				sinkData, sinkCI, sinkLink = data, ci, src.LinkTypeOf(ci)
			})
			if allocs != 0 {
				t.Errorf("ZeroCopyReadPacketData: %v allocs per frame, want 0", allocs)
			}
		})
	}
}

// TestLinkTypesDistinct: Info.LinkTypes lists each link type once, in order
// of declaration, over all interfaces and sections.
func TestLinkTypesDistinct(t *testing.T) {
	f := cat(ngSHB(le, 1, 0), ngIDB(le, 1, 0), ngIDB(le, 0, 0), ngIDB(le, 1, 0), ngIDB(le, 12, 0),
		ngSHB(le, 1, 0), ngIDB(le, 101, 0), ngIDB(le, 113, 0))
	src, info, err := OpenReader("x", bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	// Before reading: the interfaces before the first packet (here: all of
	// the first section, the scan stops at the next section's end).
	if want := []vocab.LinkType{1, 0, 101}; !slices.Equal(info.LinkTypes[:3], want) {
		t.Errorf("Info.LinkTypes at open = %v, want prefix %v", info.LinkTypes, want)
	}
	if _, _, err := readAll(t, src); err != nil {
		t.Fatal(err)
	}
	want := []vocab.LinkType{vocab.LinkEthernet, vocab.LinkNull, vocab.LinkRaw, vocab.LinkLinuxSLL}
	if got := src.(infoer).sourceInfo().LinkTypes; !slices.Equal(got, want) {
		t.Errorf("Info.LinkTypes = %v, want %v", got, want)
	}
}

// TestReadAfterClose: a closed source says so instead of reading.
func TestReadAfterClose(t *testing.T) {
	for _, file := range [][]byte{
		pcapFile(t, vocab.LinkEthernet, false, manyPackets(t, 3)),
		pcapngFile(t, []vocab.LinkType{vocab.LinkEthernet}, manyPackets(t, 3)),
	} {
		src, _, err := OpenReader("x", bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if err := src.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		_, _, err = src.ZeroCopyReadPacketData()
		checkErr(t, "read after Close", err, `read "x": file already closed`, fs.ErrClosed)
	}
}

// TestTimestampResolution: pcapng interfaces may count time in other units.
func TestTimestampResolution(t *testing.T) {
	eth := frame(t, vocab.LinkEthernet, kindUDP, 1)
	tests := []struct {
		tsresol byte
		ticks   uint64
		want    time.Time
	}{
		{6, 1_500_000, time.Unix(1, 500_000_000)},          // µs, the default
		{9, 1_500_000_001, time.Unix(1, 500_000_001)},      // ns
		{3, 1500, time.Unix(1, 500_000_000)},               // ms
		{0x80 | 10, 1024 + 512, time.Unix(1, 500_000_000)}, // 2^-10 s
	}
	for _, tt := range tests {
		f := cat(ngSHB(le, 1, 0), ngIDB(le, 1, 0, ngOpt(le, 9, []byte{tt.tsresol})), ngEPB(le, 0, tt.ticks, eth, uint32(len(eth)), -1))
		src, _, err := OpenReader("x", bytes.NewReader(f))
		if err != nil {
			t.Fatal(err)
		}
		_, ci, err := src.ZeroCopyReadPacketData()
		if err != nil || !ci.Timestamp.Equal(tt.want) {
			t.Errorf("tsresol 0x%02x, %d ticks: Timestamp %v, err %v; want %v", tt.tsresol, tt.ticks, ci.Timestamp, err, tt.want)
		}
	}
}

// The reader must not depend on how the underlying reader splits its data.
func TestOneByteReads(t *testing.T) {
	links := []vocab.LinkType{vocab.LinkEthernet, vocab.LinkRaw}
	for _, file := range [][]byte{
		pcapFile(t, vocab.LinkEthernet, false, manyPackets(t, 50)),
		pcapngFile(t, links, manyPackets(t, 50, links...)),
		gzipBytes(t, pcapngFile(t, links, manyPackets(t, 50, links...))),
	} {
		src, _, err := OpenReader("x", &oneByteReader{r: bytes.NewReader(file)})
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := readAll(t, src)
		if err != nil || len(got) != 50 {
			t.Errorf("one-byte reads: %d frames, err %v; want 50, nil", len(got), err)
		}
	}
}

type oneByteReader struct{ r io.Reader }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}
