package main

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"
)

// hostileSet is the rest of testdata/corrupt: capture files crafted the way
// tcpdump's and Wireshark's test suites craft theirs, one fault each, around
// a short TCP conversation (sampleFrames). Some are only odd (zero-length
// records, absurd timestamps, unknown pcapng blocks, records longer than the
// snapshot length): readable to their end. The others end in an error after
// the frames listed. pcapgo alone is not safe on several of them (a 4 GiB
// allocation, a division by zero), so TestReadBack leaves them to capture's
// own tests (capture/corrupt_test.go) and the end-to-end ones
// (cmd/portsift/hostile_test.go), which hold the expected messages.
func hostileSet() []*trace {
	c := func(path, about string, fn func() ([]byte, int, error)) *trace {
		return &trace{path: path, format: fmtCorrupt, corrupt: fn, hostile: true, about: about}
	}
	ok := func(path, about string, fn func() ([]byte, int, error)) *trace {
		t := c(path, about, fn)
		t.readable = true
		return t
	}
	return []*trace{
		// pcap
		c("corrupt/wrong-magic.pcap", "a 3-frame pcap whose magic number is off by one bit (d5 c3 b2 a1)", wrongMagic),
		c("corrupt/pcap-version-3.pcap", "pcap file header saying version 3.0, then 2 frames", pcapVersion3),
		c("corrupt/record-header-cut.pcap", "3 frames, then 7 of the 16 bytes of a record header", recordHeaderCut),
		c("corrupt/caplen-over-max.pcap", "2 frames, then a record claiming 262,145 captured bytes (one more than any snapshot length)", caplenOverMax),
		ok("corrupt/caplen-over-wire.pcap", "4 frames; the third's record holds 100 captured bytes for 60 on the wire (a TCP ACK and 40 bytes more): libpcap and Wireshark hand it out as it is", caplenOverWire),
		ok("corrupt/caplen-over-snaplen.pcap", "file header snaplen 128, 4 records of up to 1,054 bytes (a writer that ignored it; tcpdump reads them)", caplenOverSnaplen),
		ok("corrupt/zero-length.pcap", "4 records, two of them 0 bytes long (one claims 1,514 bytes on the wire)", zeroLength),
		ok("corrupt/absurd-times.pcap", "5 frames stamped 1970-01-01, 2106-02-07 (the last 32-bit second), 2026, a microsecond field of 999,999,999, and 1 s after 1970", absurdTimes),
		ok("corrupt/pcap-huge-snaplen.pcap", "file header snaplen 0xFFFFFFFF (must not size a buffer), 3 frames", pcapHugeSnaplen),
		ok("corrupt/pcap-version-2.5.pcap", "pcap file header saying version 2.5, then 3 frames in the 2.4 layout (Wireshark reads it; libpcap refuses any version but 2.0-2.4 and 543.0)", pcapVersion25),
		c("corrupt/linktype-reserved-bits.pcap", "pcap link-type field 0x03FF0001: Ethernet with every reserved bit (LT_RESERVED1) set, which current libpcap and Wireshark refuse; then 2 frames", linktypeReservedBits),
		ok("corrupt/linktype-fcs-bits.pcap", "pcap link-type field 0x24000001: Ethernet, each frame ending in a 4-byte FCS (LT_FCS_LENGTH_PRESENT, FCS length 2 x 16 bits); 3 frames", linktypeFCSBits),
		ok("corrupt/linktype-284.pcap", "pcap of link type 284 (above 255, unknown to portsift; libpcap's DSA_TAG_DSA), 3 frames whose bytes happen to be Ethernet", linktype284),
		ok("corrupt/linktype-284.pcapng", "pcapng with an interface of link type 284 and an Ethernet one, 2 frames on each", linktype284ng),
		// gzip
		c("corrupt/gzip-bad-crc.pcap.gz", "gzip of a 10-frame pcap whose CRC-32 trailer is wrong: all frames, then the checksum error", gzipBadCRC),
		c("corrupt/gzip-trailing-garbage.pcap.gz", "gzip of a 10-frame pcap followed by 32 bytes that are not a gzip member", gzipTrailingGarbage),
		// pcapng
		c("corrupt/pcapng-header-cut.pcapng", "the first 20 bytes of a 28-byte section header block", pcapngHeaderCut),
		c("corrupt/pcapng-bad-byte-order.pcapng", "section header block with byte-order magic 0x01020304", pcapngBadByteOrder),
		ok("corrupt/pcapng-unknown-blocks.pcapng", "3 frames between blocks of unknown, custom, local-use, name-resolution, journal and secrets types, which readers skip", pcapngUnknownBlocks),
		c("corrupt/pcapng-bad-block-length.pcapng", "1 frame, then an enhanced packet block whose length (70) is not a multiple of 4", pcapngBadBlockLength),
		c("corrupt/pcapng-trailer-mismatch.pcapng", "1 frame, then a block whose trailing length differs from its leading one", pcapngTrailerMismatch),
		c("corrupt/pcapng-bad-interface.pcapng", "1 frame, then a packet for interface 5 in a section that declares 1", pcapngBadInterface),
		c("corrupt/pcapng-huge-packet.pcapng", "1 frame, then a packet block claiming 0xFFFFFFF0 captured bytes (must not be allocated)", pcapngHugePacket),
		c("corrupt/pcapng-block-cut.pcapng", "2 frames, then an enhanced packet block cut in the middle of its data", pcapngBlockCut),
		ok("corrupt/pcapng-far-future.pcapng", "4 frames; the third stamped 2^64-1 ns after 1970 (year 2554, beyond int64 nanoseconds: clamped to 2262-04-10 and counted)", pcapngFarFuture),
		c("corrupt/pcapng-tsresol-overflow.pcapng", "an interface whose timestamp resolution is 10^-127 s (pcapgo would divide by zero), then 1 frame", pcapngTsresolOverflow),
		ok("corrupt/pcapng-huge-snaplen.pcapng", "an interface with snaplen 0xFFFFFFFF (must not size a buffer), 2 frames", pcapngHugeSnaplen),
	}
}

var le = binary.LittleEndian

// ---- pcap ----

// pcapRecords hand-builds a little-endian microsecond Ethernet pcap of
// frames with the given snapshot length, one frame per millisecond.
func pcapRecords(snap uint32, fs []frame) []byte {
	return pcapRecordsLink(1, snap, fs) // LINKTYPE_ETHERNET
}

// pcapRecordsLink is pcapRecords with the file header's link-type field.
func pcapRecordsLink(link, snap uint32, fs []frame) []byte {
	b := pcapFileHeader(le, false, snap, link)
	for i, f := range fs {
		b = append(b, pcapRecordHeader(le, false, timestamp(i, time.Millisecond), len(f.data), f.wireLen())...)
		b = append(b, f.data...)
	}
	return b
}

func wrongMagic() ([]byte, int, error) {
	b, err := pcapOf(sampleFrames("corrupt/wrong-magic.pcap")[:3])
	if err != nil {
		return nil, 0, err
	}
	b[0] ^= 1 // d4 -> d5
	return b, 0, nil
}

func pcapVersion3() ([]byte, int, error) {
	b := pcapRecords(snaplen, sampleFrames("corrupt/pcap-version-3.pcap")[:2])
	le.PutUint16(b[4:], 3) // version major
	le.PutUint16(b[6:], 0) // version minor
	return b, 0, nil
}

func recordHeaderCut() ([]byte, int, error) {
	fs := sampleFrames("corrupt/record-header-cut.pcap")
	b := pcapRecords(snaplen, fs[:4])
	return b[:len(b)-len(fs[3].data)-16+7], 3, nil
}

func caplenOverMax() ([]byte, int, error) {
	b := pcapRecords(snaplen, sampleFrames("corrupt/caplen-over-max.pcap")[:2])
	b = append(b, pcapRecordHeader(le, false, timestamp(2, time.Millisecond), 262145, 262145)...)
	return append(b, pattern(64)...), 2, nil // the record's data stops here
}

func caplenOverWire() ([]byte, int, error) {
	fs := sampleFrames("corrupt/caplen-over-wire.pcap")
	if len(fs[2].data) != 60 {
		return nil, 0, fmt.Errorf("caplen-over-wire: the ACK is %d bytes, want 60", len(fs[2].data))
	}
	b := pcapRecords(snaplen, fs[:2])
	b = append(b, pcapRecordHeader(le, false, timestamp(2, time.Millisecond), 100, 60)...)
	b = append(append(b, fs[2].data...), pattern(40)...)
	b = append(b, pcapRecordHeader(le, false, timestamp(3, time.Millisecond), len(fs[3].data), fs[3].wireLen())...)
	return append(b, fs[3].data...), 4, nil
}

func caplenOverSnaplen() ([]byte, int, error) {
	fs := sampleFrames("corrupt/caplen-over-snaplen.pcap")[3:7] // 1,054 bytes and smaller
	return pcapRecords(128, fs), len(fs), nil
}

func zeroLength() ([]byte, int, error) {
	fs := sampleFrames("corrupt/zero-length.pcap")
	b := pcapFileHeader(le, false, snaplen, 1)
	for i, r := range []struct {
		data []byte
		wire int
	}{{fs[0].data, len(fs[0].data)}, {nil, 0}, {nil, 1514}, {fs[1].data, len(fs[1].data)}} {
		b = append(b, pcapRecordHeader(le, false, timestamp(i, time.Millisecond), len(r.data), r.wire)...)
		b = append(b, r.data...)
	}
	return b, 4, nil
}

func absurdTimes() ([]byte, int, error) {
	fs := sampleFrames("corrupt/absurd-times.pcap")[:5]
	b := pcapFileHeader(le, false, snaplen, 1)
	for i, ts := range []struct{ sec, usec uint32 }{
		{0, 0},                  // 1970-01-01T00:00:00Z
		{0xffffffff, 999999},    // 2106-02-07T06:28:15.999999Z, the last second a pcap header can hold
		{1767225600, 0},         // 2026-01-01: time goes back 80 years
		{1767225600, 999999999}, // a microsecond field of a thousand seconds
		{1, 0},                  // 1970 again
	} {
		h := pcapRecordHeader(le, false, start, len(fs[i].data), fs[i].wireLen())
		le.PutUint32(h[0:], ts.sec)
		le.PutUint32(h[4:], ts.usec)
		b = append(append(b, h...), fs[i].data...)
	}
	return b, 5, nil
}

func pcapHugeSnaplen() ([]byte, int, error) {
	return pcapRecords(0xffffffff, sampleFrames("corrupt/pcap-huge-snaplen.pcap")[:3]), 3, nil
}

func pcapVersion25() ([]byte, int, error) {
	b := pcapRecords(snaplen, sampleFrames("corrupt/pcap-version-2.5.pcap")[:3])
	le.PutUint16(b[6:], 5) // version minor
	return b, 3, nil
}

// The link-type field of a pcap file header (libpcap's pcap/pcap.h): the
// link type in the low 16 bits, 10 reserved bits (LT_RESERVED1), an "FCS
// length present" bit and a 4-bit FCS length in 16-bit units.
const (
	ltReserved1        = 0x03ff0000
	ltFCSLengthPresent = 0x04000000
	ltFCSLength32      = 2 << 28 // 2 x 16 bits
	linkTypeDSATagDSA  = 284     // LINKTYPE_DSA_TAG_DSA (Marvell DSA): unknown to portsift
)

func linktypeReservedBits() ([]byte, int, error) {
	return pcapRecordsLink(ltReserved1|1, snaplen, sampleFrames("corrupt/linktype-reserved-bits.pcap")[:2]), 0, nil
}

func linktypeFCSBits() ([]byte, int, error) {
	fs := sampleFrames("corrupt/linktype-fcs-bits.pcap")[:3]
	for i := range fs {
		// A frame checksum after each frame, as the header says: the
		// CRC-32 of the frame, little-endian on the wire.
		fs[i].data = le.AppendUint32(append([]byte(nil), fs[i].data...), crc32.ChecksumIEEE(fs[i].data))
		if fs[i].wire != 0 {
			fs[i].wire += 4
		}
	}
	return pcapRecordsLink(ltFCSLength32|ltFCSLengthPresent|1, snaplen, fs), 3, nil
}

func linktype284() ([]byte, int, error) {
	return pcapRecordsLink(linkTypeDSATagDSA, snaplen, sampleFrames("corrupt/linktype-284.pcap")[:3]), 3, nil
}

func linktype284ng() ([]byte, int, error) {
	fs := sampleFrames("corrupt/linktype-284.pcapng")[:4]
	b := append(ngSHB(), ngIDBLink(linkTypeDSATagDSA, snaplen, 0)...)
	b = append(b, ngIDB(snaplen, 0)...)
	for i, f := range fs {
		b = append(b, ngEPB(uint32(i%2), ngTicks(i), f)...) // 284, Ethernet, 284, Ethernet
	}
	return b, 4, nil
}

// ---- gzip ----

func gzipBadCRC() ([]byte, int, error) {
	b, err := pcapOf(sampleFrames("corrupt/gzip-bad-crc.pcap.gz"))
	if err != nil {
		return nil, 0, err
	}
	z, err := gzipBytes(b, false)
	if err != nil {
		return nil, 0, err
	}
	z[len(z)-8] ^= 0xff // the trailer: CRC-32, then the length, little-endian
	return z, 10, nil
}

func gzipTrailingGarbage() ([]byte, int, error) {
	b, err := pcapOf(sampleFrames("corrupt/gzip-trailing-garbage.pcap.gz"))
	if err != nil {
		return nil, 0, err
	}
	z, err := gzipBytes(b, false)
	if err != nil {
		return nil, 0, err
	}
	return append(z, pattern(32)...), 10, nil
}

// ---- pcapng ----

// ngBlk builds a little-endian pcapng block: type, total length, body
// padded to 4 bytes, total length again.
func ngBlk(typ uint32, body []byte) []byte {
	pad := (4 - len(body)%4) % 4
	n := uint32(12 + len(body) + pad)
	b := le.AppendUint32(nil, typ)
	b = le.AppendUint32(b, n)
	b = append(b, body...)
	b = append(b, make([]byte, pad)...)
	return le.AppendUint32(b, n)
}

// ngSHB is a section header block: version 1.0, section length unknown.
func ngSHB() []byte {
	body := le.AppendUint32(nil, 0x1a2b3c4d) // byte-order magic
	body = le.AppendUint16(body, 1)          // major
	body = le.AppendUint16(body, 0)          // minor
	body = le.AppendUint64(body, ^uint64(0)) // section length: not given
	return ngBlk(0x0a0d0d0a, body)
}

// ngIDB is an Ethernet interface description block; tsresol, when not 0,
// is written as an if_tsresol option.
func ngIDB(snap uint32, tsresol byte) []byte {
	return ngIDBLink(1, snap, tsresol) // LINKTYPE_ETHERNET
}

// ngIDBLink is ngIDB for an interface of another link type.
func ngIDBLink(link uint16, snap uint32, tsresol byte) []byte {
	body := le.AppendUint16(nil, link)
	body = le.AppendUint16(body, 0) // reserved
	body = le.AppendUint32(body, snap)
	if tsresol != 0 {
		body = le.AppendUint16(body, 9) // if_tsresol
		body = le.AppendUint16(body, 1)
		body = append(body, tsresol, 0, 0, 0)
		body = le.AppendUint32(body, 0) // opt_endofopt
	}
	return ngBlk(1, body)
}

// ngEPB is an enhanced packet block on interface iface stamped ticks
// (microseconds by default).
func ngEPB(iface uint32, ticks uint64, f frame) []byte {
	body := le.AppendUint32(nil, iface)
	body = le.AppendUint32(body, uint32(ticks>>32))
	body = le.AppendUint32(body, uint32(ticks))
	body = le.AppendUint32(body, uint32(len(f.data)))
	body = le.AppendUint32(body, uint32(f.wireLen()))
	return ngBlk(6, append(body, f.data...))
}

// ngTicks is the timestamp of the i-th frame in microseconds.
func ngTicks(i int) uint64 { return uint64(timestamp(i, time.Millisecond).UnixMicro()) }

// ngPackets is a section header, one interface and the frames.
func ngPackets(fs []frame) []byte {
	b := append(ngSHB(), ngIDB(snaplen, 0)...)
	for i, f := range fs {
		b = append(b, ngEPB(0, ngTicks(i), f)...)
	}
	return b
}

func pcapngHeaderCut() ([]byte, int, error) { return ngSHB()[:20], 0, nil }

func pcapngBadByteOrder() ([]byte, int, error) {
	b := ngPackets(sampleFrames("corrupt/pcapng-bad-byte-order.pcapng")[:2])
	le.PutUint32(b[8:], 0x04030201) // reads 01 02 03 04
	return b, 0, nil
}

func pcapngUnknownBlocks() ([]byte, int, error) {
	fs := sampleFrames("corrupt/pcapng-unknown-blocks.pcapng")[:3]
	b := append(ngSHB(), ngBlk(0x00000bad, le.AppendUint32([]byte("PEN?"), 0))...) // custom block, copiable; PEN, data
	b = append(b, ngIDB(snaplen, 0)...)
	b = append(b, ngBlk(0x80000001, pattern(40))...) // reserved for local use
	b = append(b, ngEPB(0, ngTicks(0), fs[0])...)
	b = append(b, ngBlk(4, append(le.AppendUint16(nil, 0), 0, 0))...) // name resolution block: nrb_record_end only
	b = append(b, ngBlk(0x40000bad, pattern(9))...)                   // custom block, not to be copied
	b = append(b, ngEPB(0, ngTicks(1), fs[1])...)
	b = append(b, ngBlk(9, []byte("MESSAGE=portsift\n"))...) // systemd journal export block
	b = append(b, ngBlk(10, pattern(24))...)                 // decryption secrets block
	b = append(b, ngBlk(0x7fffffff, nil)...)                 // an unassigned type, empty
	b = append(b, ngEPB(0, ngTicks(2), fs[2])...)
	return b, 3, nil
}

func pcapngBadBlockLength() ([]byte, int, error) {
	fs := sampleFrames("corrupt/pcapng-bad-block-length.pcapng")
	b := ngPackets(fs[:1])
	bad := ngEPB(0, ngTicks(1), fs[1])
	le.PutUint32(bad[4:], 70)
	return append(b, bad...), 1, nil
}

func pcapngTrailerMismatch() ([]byte, int, error) {
	fs := sampleFrames("corrupt/pcapng-trailer-mismatch.pcapng")
	b := ngPackets(fs[:1])
	bad := ngEPB(0, ngTicks(1), fs[1])
	le.PutUint32(bad[len(bad)-4:], uint32(len(bad)+4))
	return append(b, bad...), 1, nil
}

func pcapngBadInterface() ([]byte, int, error) {
	fs := sampleFrames("corrupt/pcapng-bad-interface.pcapng")
	return append(ngPackets(fs[:1]), ngEPB(5, ngTicks(1), fs[1])...), 1, nil
}

func pcapngHugePacket() ([]byte, int, error) {
	fs := sampleFrames("corrupt/pcapng-huge-packet.pcapng")
	bad := ngEPB(0, ngTicks(1), fs[1])
	le.PutUint32(bad[20:], 0xfffffff0) // captured length
	le.PutUint32(bad[24:], 0xfffffff0) // original length
	return append(ngPackets(fs[:1]), bad...), 1, nil
}

func pcapngBlockCut() ([]byte, int, error) {
	fs := sampleFrames("corrupt/pcapng-block-cut.pcapng")[:3]
	b := ngPackets(fs)
	return b[:len(b)-len(fs[2].data)/2-4], 2, nil
}

func pcapngFarFuture() ([]byte, int, error) {
	fs := sampleFrames("corrupt/pcapng-far-future.pcapng")
	b := append(ngSHB(), ngIDB(snaplen, 9)...) // nanoseconds
	for i, f := range fs[:4] {
		ticks := uint64(timestamp(i, time.Millisecond).UnixNano())
		if i == 2 {
			ticks = ^uint64(0)
		}
		b = append(b, ngEPB(0, ticks, f)...)
	}
	return b, 4, nil
}

func pcapngTsresolOverflow() ([]byte, int, error) {
	fs := sampleFrames("corrupt/pcapng-tsresol-overflow.pcapng")
	b := append(ngSHB(), ngIDB(snaplen, 127)...) // 10^-127 s
	return append(b, ngEPB(0, 1, fs[0])...), 0, nil
}

func pcapngHugeSnaplen() ([]byte, int, error) {
	fs := sampleFrames("corrupt/pcapng-huge-snaplen.pcapng")[:2]
	b := append(ngSHB(), ngIDB(0xffffffff, 0)...)
	for i, f := range fs {
		b = append(b, ngEPB(0, ngTicks(i), f)...)
	}
	return b, 2, nil
}
