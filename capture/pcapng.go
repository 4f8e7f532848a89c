package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/pcapgo"
	"github.com/portsift/portsift/decode/vocab"
)

// pcapng block types.
const (
	blockSHB = 0x0a0d0d0a // section header
	blockIDB = 1          // interface description
	blockPB  = 2          // packet (obsolete)
	blockSPB = 3          // simple packet
	blockISB = 5          // interface statistics
	blockEPB = 6          // enhanced packet
)

// ngSource reads a pcapng file with pcapgo.NgReader (WantMixedLinkType).
//
// pcapgo trusts what it reads: a block whose captured length is 4 GiB gets a
// 4 GiB buffer, an interface whose snapshot length is 4 GiB too, a timestamp
// resolution of 2^-64 divides by zero (panic), a bad block length makes it
// skip the rest of the file and report a clean end, and a file cut inside a
// packet ends with io.EOF as if complete. So before each pcapgo call, scan
// walks the blocks pcapgo will consume (they are in the shared read buffer),
// checks them, and keeps what capture needs from them (per-interface link
// types, byte order). Only then does pcapgo parse them.
type ngSource struct {
	st     *stream
	r      *pcapgo.NgReader
	info   Info
	op     string // "open" while the first section header is checked, then "read"
	first  vocab.LinkType
	big    bool      // byte order of the section at the scan position
	ifaces []ngIface // interfaces of that section, by index
	snap0  uint32    // snapshot length of interface 0, as pcapgo sees it (clamped)

	ready  bool   // scan has already run for the next read (done by openPcapng)
	more   bool   // that scan found a packet block
	pktOff int64  // offset of the packet block scan found
	pktTyp uint32 // its type
	ticks  uint64 // its timestamp, in its interface's units (not in simple packet blocks)
	err    error  // sticky: once set, every read returns it
}

// ngIface is what capture keeps of an interface description.
type ngIface struct {
	link vocab.LinkType
	// binExp, when not 0, says the interface counts time in units of
	// 2^-binExp s. pcapgo converts those with a truncated integer factor
	// (1e9/1024 = 976562 ns for 2^-10 s, so 0.5 s reads as 0.499999744 s);
	// capture recomputes them exactly from ticks. Decimal units are exact
	// in pcapgo.
	binExp uint8
	decExp uint8  // otherwise the units are 10^-decExp s (6, µs, unless if_tsresol says)
	offset uint64 // if_tsoffset, seconds
}

// pow10 are the powers of ten up to 10^19, the finest decimal resolution.
var pow10 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// ngInPlace lets ZeroCopyReadPacketData take enhanced packet blocks out of
// the read buffer itself instead of through pcapgo; the tests turn it off
// to compare the two.
var ngInPlace = true

// epoch is the timestamp of simple packet blocks, which have none: libpcap
// gives them 0 (pcapgo gives the zero time.Time, year 1).
var epoch = time.Unix(0, 0).UTC()

// binaryTime converts ticks of 2^-e s (1 <= e <= 63) plus offset seconds.
func binaryTime(ticks uint64, e uint8, offset uint64) time.Time {
	sec, ns := binarySplit(ticks, e, offset)
	return time.Unix(int64(sec), int64(ns)).UTC()
}

// binarySplit is binaryTime as seconds (wrapping as a uint64 sum) and
// nanoseconds.
func binarySplit(ticks uint64, e uint8, offset uint64) (sec, ns uint64) {
	hi, lo := bits.Mul64(ticks&(1<<e-1), 1e9) // the fraction * 1e9 needs up to 93 bits
	return ticks>>e + offset, lo>>e | hi<<(64-e)
}

// time splits ticks of the interface's units into seconds (plus its
// offset, wrapping as pcapgo's uint64 sum does) and nanoseconds: exactly
// for binary units (see binExp), as pcapgo computes it for decimal ones
// (whole seconds, the remainder scaled to nanoseconds, truncated).
func (f *ngIface) time(ticks uint64) (sec, ns uint64) {
	if f.binExp != 0 {
		return binarySplit(ticks, f.binExp, f.offset)
	}
	mask := pow10[f.decExp]
	sec, ns = ticks/mask+f.offset, ticks%mask
	if mask < 1e9 {
		return sec, ns * (1e9 / mask)
	}
	return sec, ns / (mask / 1e9)
}

func openPcapng(s *stream) (Source, Info, error) {
	n := &ngSource{st: s, op: "open"}
	n.info.Format = s.format("pcapng")
	// The first block is the section header (its type is the magic that
	// brought us here): check it whole before pcapgo reads it.
	if _, err := n.check(0, s.pos()); err != nil {
		return nil, n.info, err
	}
	n.info.ByteOrder = byteOrderName(n.big)
	n.op = "read"
	err := protect(func() error {
		var err error
		n.r, err = pcapgo.NewNgReader(s.br, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		return err
	})
	if err != nil { // the section header was checked: only I/O errors are left
		return nil, n.info, fmt.Errorf("open %q: %s", s.name, lowerFirst(err.Error()))
	}
	// Read ahead to the first packet, so that LinkType and Info know the
	// interfaces declared before it. An error here is a read error: it is
	// returned by the first ZeroCopyReadPacketData.
	n.more, n.err = n.scan()
	n.ready = true
	return n, n.info, nil
}

// ZeroCopyReadPacketData returns the next packet. data is owned by the source
// and valid until the next call; ci.Timestamp is in UTC; ci.InterfaceIndex is
// the packet's interface in its section (see LinkTypeOf). ci.AncillaryData is
// nil: pcapgo's copy of the link type there is truncated to 8 bits.
func (n *ngSource) ZeroCopyReadPacketData() (data []byte, ci gopacket.CaptureInfo, err error) {
	if n.err != nil {
		return nil, ci, n.err
	}
	if !n.ready {
		n.more, err = n.scan()
		if err != nil {
			n.err = err
			return nil, ci, err
		}
	}
	n.ready = false
	if !n.more {
		n.err = io.EOF
		return nil, ci, io.EOF
	}
	// The packet block scan found, if it is the next block and one next
	// takes: read in place (the first packet of a file comes this way, and
	// any next turned down, e.g. behind an interface description).
	if data, ns, wire, iface, ok := n.next(); ok {
		return data, gopacket.CaptureInfo{Timestamp: time.Unix(0, ns).UTC(), CaptureLength: len(data), Length: wire, InterfaceIndex: iface}, nil
	}
	if data, ci, err = n.read(); err != nil {
		n.err = err
		return nil, gopacket.CaptureInfo{}, err
	}
	ci.AncillaryData = nil
	if n.pktTyp == blockSPB {
		ci.Timestamp = epoch
	} else if i := ci.InterfaceIndex; i >= 0 && i < len(n.ifaces) && n.ifaces[i].binExp != 0 {
		ci.Timestamp = binaryTime(n.ticks, n.ifaces[i].binExp, n.ifaces[i].offset)
	}
	if sec := ci.Timestamp.Unix(); sec < minUnixSec || sec > maxUnixSec {
		// libpcap converts the ticks to a time_t and hands the frame
		// out whatever year it says (sf-pcapng.c, pcap_ng_next_packet:
		// sec = t / tsresol + tsoffset, then (time_t)sec); Wireshark
		// too (2^64-1 ns shows as 18446744073.709551615). The frame is
		// read and counted; only its time cannot be kept as it is, so
		// it is clamped and counted in Info.TimesClamped.
		ci.Timestamp = minTime
		if sec > maxUnixSec {
			ci.Timestamp = maxTime
		}
		n.info.TimesClamped++
	}
	return data, ci, nil
}

// The seconds of the earliest and latest timestamps a frame may have, and
// the times a frame beyond them is clamped to: time.Time.UnixNano, on which
// flow timeouts and the report's first and last times rest, holds
// 1677-09-21 to 2262-04-11, less a day kept so that adding a timeout to a
// clamped time cannot overflow (1677-09-22 to 2262-04-10). pcapng
// timestamps are 64-bit counts in units the file chooses, so they can say
// any year; pcap timestamps (32-bit seconds, 1970 to 2106) are always
// inside.
const (
	minUnixSec = math.MinInt64/int64(time.Second) + 86400
	maxUnixSec = math.MaxInt64/int64(time.Second) - 86400
)

var (
	minTime = time.Unix(minUnixSec, 0).UTC()
	maxTime = time.Unix(maxUnixSec, 0).UTC()
)

// read calls pcapgo for the packet block scan found, turning a panic into
// an error as a last line of defence.
func (n *ngSource) read() (data []byte, ci gopacket.CaptureInfo, err error) {
	defer func() {
		if p := recover(); p != nil {
			data, err = nil, fmt.Errorf("read %q: %w block at %s: pcapgo panicked: %v", n.st.name, ErrCorrupt, n.st.at(n.pktOff), p)
		}
	}()
	data, ci, err = n.r.ZeroCopyReadPacketData()
	if err != nil {
		// scan checked every field pcapgo uses, so the block is cut
		// short (it was larger than the buffer, so scan could not see
		// its end) or the underlying read failed.
		err = n.st.readErr("read", "block", n.pktOff, err)
	}
	return data, ci, err
}

// next is the per-packet path of Reader.Next: an enhanced packet block
// that is the next block, whole in the read buffer, passes every check
// scan makes of a packet block (scan, check, checkPacket) and has a time
// that needs no clamping is returned from the buffer (the bytes stay there
// until the next read), with its time in unix nanoseconds as pcapgo
// computes it (binary units exactly: see binExp) and its interface: what
// pcapgo returns for it, without pcapgo's copy of the packet and its reads
// through bufio field by field (the pcapng read cost 2.3 times the pcap
// read per record). For anything else it returns ok false and changes
// nothing: ZeroCopyReadPacketData then reads or reports the block. While
// a scan ahead waits (ready), the first packet is left to it.
func (n *ngSource) next() (data []byte, ns int64, wire, iface int, ok bool) {
	if !ngInPlace || n.ready || n.err != nil {
		return nil, 0, 0, 0, false
	}
	w, _ := n.st.br.Peek(n.st.br.Buffered()) // no read: what is buffered
	if len(w) < 32 || n.u32(w) != blockEPB {
		return nil, 0, 0, 0, false
	}
	blen := n.u32(w[4:])
	if blen < 32 || blen%4 != 0 || blen > uint32(len(w)) || n.u32(w[blen-4:]) != blen {
		return nil, 0, 0, 0, false
	}
	i, caplen := n.u32(w[8:]), n.u32(w[20:])
	if i >= uint32(len(n.ifaces)) || caplen > MaxCaptureLength || caplen > blen-32 {
		return nil, 0, 0, 0, false
	}
	f := &n.ifaces[i]
	ticks := uint64(n.u32(w[12:]))<<32 | uint64(n.u32(w[16:]))
	sec, frac := f.time(ticks)
	// The sum wraps as pcapgo's does; beyond what a time holds, the slow
	// path clamps the time and counts it.
	if s := int64(sec); s < minUnixSec || s > maxUnixSec {
		return nil, 0, 0, 0, false
	}
	n.st.br.Discard(int(blen)) // buffered: cannot fail, and leaves the bytes where they are
	return w[28 : 28+caplen : 28+caplen], int64(sec)*1e9 + int64(frac), int(n.u32(w[24:])), int(i), true
}

// protect runs f, turning a panic into an error.
func protect(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("pcapgo panicked: %v", p)
		}
	}()
	return f()
}

// scan walks the blocks from the read position up to and including the next
// packet block: exactly what pcapgo's next ZeroCopyReadPacketData consumes.
// It reports whether a packet block was found (false: the file ends cleanly
// after the blocks walked). Blocks of types pcapgo skips are discarded here
// when they come first, so they may be of any size; the blocks pcapgo parses
// must fit in the read buffer together.
func (n *ngSource) scan() (bool, error) {
	br := n.st.br
	base := n.st.pos()
	off := 0
	for {
		blen, err := n.check(off, base)
		if err != nil {
			return false, err
		}
		switch {
		case blen == 0: // clean end of file
			return false, nil
		case blen < 0: // a packet block
			return true, nil
		case blen > 0 && off == 0 && n.skippable(off):
			if _, err := br.Discard(blen); err != nil {
				return false, n.st.readErr(n.op, "block", base, err)
			}
			base = n.st.pos()
			continue
		}
		off += blen
	}
}

// skippable reports whether the block at off (already peeked by check) is
// one pcapgo skips unread.
func (n *ngSource) skippable(off int) bool {
	b, _ := n.st.br.Peek(off + 8)
	switch n.u32(b[off:]) {
	case blockSHB, blockIDB, blockISB, blockEPB, blockPB, blockSPB:
		return false
	}
	return true
}

func (n *ngSource) u16(b []byte) uint16 {
	if n.big {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (n *ngSource) u32(b []byte) uint32 {
	if n.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (n *ngSource) put32(b []byte, v uint32) {
	if n.big {
		binary.BigEndian.PutUint32(b, v)
	} else {
		binary.LittleEndian.PutUint32(b, v)
	}
}

func (n *ngSource) corrupt(at int64, format string, args ...any) error {
	return fmt.Errorf("%s %q: %w block at %s: %s", n.op, n.st.name, ErrCorrupt, n.st.at(at), fmt.Sprintf(format, args...))
}

// peek returns the first size bytes of the block at off, or an error naming
// the block (at its offset base+off) if the file ends or fails first.
func (n *ngSource) peek(off, size int, base int64) ([]byte, error) {
	b, err := n.st.br.Peek(off + size)
	if len(b) == off+size {
		return b[off:], nil
	}
	at := base + int64(off)
	if err == bufio.ErrBufferFull {
		// Past the window: unless the file ends inside the window, in
		// which case the block is simply cut short.
		if w, err := n.st.br.Peek(n.st.br.Size()); len(w) < n.st.br.Size() && err != nil && err != bufio.ErrBufferFull {
			return nil, n.st.readErr(n.op, "block", at, err)
		}
		return nil, fmt.Errorf("%s %q: %w: pcapng blocks at %s do not fit the %d-byte read buffer", n.op, n.st.name, ErrUnsupported, n.st.at(at), n.st.br.Size())
	}
	return nil, n.st.readErr(n.op, "block", at, err)
}

// check examines the block at off (the stream position plus off is base+off)
// and returns its total length; 0 at a clean end of file; the negated length
// for a packet block, which ends the scan. Blocks pcapgo parses (section
// header, interface description, interface statistics) are checked whole
// and their effect on capture's state applied; packet blocks are checked
// for the lengths pcapgo trusts.
func (n *ngSource) check(off int, base int64) (int, error) {
	at := base + int64(off)
	b, err := n.st.br.Peek(off + 8)
	if len(b) < off+8 {
		if len(b) == off && err == io.EOF {
			if e := n.st.gzipErr(n.op, at); e != nil {
				return 0, e
			}
			return 0, nil
		}
		if err == bufio.ErrBufferFull {
			_, err = n.peek(off, 8, base)
			return 0, err
		}
		return 0, n.st.readErr(n.op, "block", at, err)
	}
	typ := n.u32(b[off:])
	if typ == blockSHB {
		// The section header sets the byte order of everything up to
		// the next one, its own length included.
		h, err := n.peek(off, 12, base)
		if err != nil {
			return 0, err
		}
		switch bom := binary.BigEndian.Uint32(h[8:]); bom {
		case 0x1a2b3c4d:
			n.big = true
		case 0x4d3c2b1a:
			n.big = false
		default:
			if n.op == "open" {
				return 0, fmt.Errorf("open %q: %w (pcapng byte-order magic 0x%08x at %s)", n.st.name, ErrNotCapture, bom, n.st.at(at+8))
			}
			return 0, n.corrupt(at, "section header: byte-order magic 0x%08x", bom)
		}
		b, _ = n.st.br.Peek(off + 8) // same bytes, still buffered
	}
	blen32 := n.u32(b[off+4:])
	if blen32 < 12 || blen32%4 != 0 {
		return 0, n.corrupt(at, "block length %d", blen32)
	}
	if blen32 > 1<<30 {
		return 0, n.corrupt(at, "block length %d", blen32)
	}
	blen := int(blen32)

	switch typ {
	case blockEPB, blockPB, blockSPB:
		return -blen, n.checkPacket(typ, off, blen, base)
	case blockSHB, blockIDB, blockISB:
		whole, err := n.peek(off, blen, base)
		if err != nil {
			return 0, err
		}
		if tail := n.u32(whole[blen-4:]); tail != blen32 {
			return 0, n.corrupt(at, "trailing block length %d, leading %d", tail, blen32)
		}
		switch typ {
		case blockSHB:
			err = n.checkSection(whole, at)
		case blockIDB:
			err = n.checkInterface(whole, at)
		case blockISB:
			err = n.checkStatistics(whole, at)
		}
		return blen, err
	}
	// A block of another type: pcapgo skips it, but scan has to walk past
	// it to the next one, so unless it comes first (and is discarded
	// unread) it must be there, in the buffer. Checking it here names it
	// when the file ends inside it, rather than the block it claims to be
	// followed by.
	if off > 0 {
		if _, err := n.peek(off, blen, base); err != nil {
			return 0, err
		}
	}
	return blen, nil
}

// checkSection checks a section header block and starts a new section.
func (n *ngSource) checkSection(b []byte, at int64) error {
	if len(b) < 28 {
		return n.corrupt(at, "section header of %d bytes", len(b))
	}
	major, minor := n.u16(b[12:]), n.u16(b[14:])
	if n.info.Version == "" {
		n.info.Version = fmt.Sprintf("%d.%d", major, minor)
	}
	// 1.2 was written by early tools for what became 1.0; libpcap and
	// Wireshark read it as 1.0, pcapgo refuses it: rewrite it to 1.0 in
	// the buffer pcapgo is about to read.
	if major != 1 || (minor != 0 && minor != 2) {
		return fmt.Errorf("%s %q: %w (pcapng version %d.%d at %s)", n.op, n.st.name, ErrUnsupported, major, minor, n.st.at(at))
	}
	if minor == 2 {
		if n.big {
			binary.BigEndian.PutUint16(b[14:], 0)
		} else {
			binary.LittleEndian.PutUint16(b[14:], 0)
		}
	}
	if err := n.checkOptions(b[24:len(b)-4], at, nil); err != nil {
		return err
	}
	n.ifaces = n.ifaces[:0]
	n.snap0 = 0
	return nil
}

// checkInterface checks an interface description block and records the
// interface.
func (n *ngSource) checkInterface(b []byte, at int64) error {
	if len(b) < 20 {
		return n.corrupt(at, "interface description of %d bytes", len(b))
	}
	raw := n.u16(b[8:]) // 16 bits, then 16 reserved
	snap := n.u32(b[12:])
	iface := ngIface{decExp: 6}
	err := n.checkOptions(b[16:len(b)-4], at, func(code uint16, v []byte) error {
		switch code {
		case 9: // if_tsresol: pcapgo computes 10^-e or 2^-e in a uint64 and divides by it
			if len(v) < 1 {
				return n.corrupt(at, "empty timestamp resolution option")
			}
			e, bin := v[0]&0x7f, v[0]&0x80 != 0
			if (bin && e > 63) || (!bin && e > 19) {
				return n.corrupt(at, "timestamp resolution 0x%02x out of range", v[0])
			}
			iface.binExp, iface.decExp = 0, e
			if bin {
				iface.binExp, iface.decExp = e, 0
			}
		case 14: // if_tsoffset: pcapgo reads 8 bytes whatever the length
			if len(v) != 8 {
				return n.corrupt(at, "timestamp offset option of %d bytes", len(v))
			}
			if n.big {
				iface.offset = binary.BigEndian.Uint64(v)
			} else {
				iface.offset = binary.LittleEndian.Uint64(v)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// pcapgo allocates its packet buffer at the interface's snapshot
	// length: cap it, in the buffer pcapgo is about to read.
	if snap > MaxCaptureLength {
		n.put32(b[12:], MaxCaptureLength)
	}
	link := mapLinkType(raw)
	if len(n.ifaces) == 0 {
		n.snap0 = min(snap, MaxCaptureLength)
	}
	iface.link = link
	n.ifaces = append(n.ifaces, iface)
	if len(n.info.LinkTypes) == 0 {
		n.first = link
		n.info.Snaplen = snap
	}
	n.info.LinkTypes = appendLinkType(n.info.LinkTypes, link)
	return nil
}

// checkStatistics checks an interface statistics block.
func (n *ngSource) checkStatistics(b []byte, at int64) error {
	if len(b) < 24 {
		return n.corrupt(at, "interface statistics of %d bytes", len(b))
	}
	if id := n.u32(b[8:]); int64(id) >= int64(len(n.ifaces)) {
		return n.corrupt(at, "statistics for interface %d, but the section declares %d", id, len(n.ifaces))
	}
	return n.checkOptions(b[20:len(b)-4], at, func(code uint16, v []byte) error {
		if code >= 2 && code <= 8 && len(v) < 8 { // times and counters: pcapgo reads 8 bytes
			return n.corrupt(at, "statistics option %d of %d bytes", code, len(v))
		}
		return nil
	})
}

// checkOptions walks the options in b (a block's option area, trailing
// length excluded) the way pcapgo will, and calls f for each one.
func (n *ngSource) checkOptions(b []byte, at int64, f func(code uint16, v []byte) error) error {
	for len(b) > 0 {
		if len(b) < 4 {
			return n.corrupt(at, "option header overruns the block")
		}
		code, l := n.u16(b), int(n.u16(b[2:]))
		if code == 0 { // end of options; pcapgo skips the rest
			if l != 0 {
				return n.corrupt(at, "end-of-options option of length %d", l)
			}
			return nil
		}
		// pcapgo adds length and padding in a uint16: 65533-65535 wrap.
		padded := (l + 3) &^ 3
		if l > 0xfffc || 4+padded > len(b) {
			return n.corrupt(at, "option %d of %d bytes overruns the block", code, l)
		}
		if f != nil {
			if err := f(code, b[4:4+l]); err != nil {
				return err
			}
		}
		b = b[4+padded:]
	}
	return nil
}

// checkPacket checks the lengths pcapgo trusts in a packet block of blen
// bytes at off: the interface, and the captured length, which pcapgo
// allocates and reads without comparing it with the block length.
func (n *ngSource) checkPacket(typ uint32, off, blen int, base int64) error {
	at := base + int64(off)
	fixed := 28 // type, length, interface, timestamp (2), captured and wire length
	if typ == blockSPB {
		fixed = 12 // type, length, wire length
	}
	if blen < fixed+4 {
		return n.corrupt(at, "packet block of %d bytes", blen)
	}
	h, err := n.peek(off, fixed, base)
	if err != nil {
		return err
	}
	var iface uint32
	var caplen uint32
	room := uint32(blen - fixed - 4)
	switch typ {
	case blockEPB:
		iface = n.u32(h[8:])
		caplen = n.u32(h[20:])
		n.ticks = uint64(n.u32(h[12:]))<<32 | uint64(n.u32(h[16:]))
	case blockPB:
		iface = uint32(n.u16(h[8:]))
		caplen = n.u32(h[20:])
		n.ticks = uint64(n.u32(h[12:]))<<32 | uint64(n.u32(h[16:]))
	case blockSPB: // pcapgo: the wire length, cut to interface 0's snapshot length
		caplen = n.u32(h[8:])
		if n.snap0 != 0 && caplen > n.snap0 {
			caplen = n.snap0
		}
	}
	if int64(iface) >= int64(len(n.ifaces)) {
		return n.corrupt(at, "packet for interface %d, but the section declares %d", iface, len(n.ifaces))
	}
	if caplen > MaxCaptureLength {
		return n.corrupt(at, "captured length %d exceeds %d", caplen, MaxCaptureLength)
	}
	if caplen > room {
		return n.corrupt(at, "captured length %d overruns the block (%d bytes)", caplen, blen)
	}
	// When the block fits in the buffer, check that it is complete and
	// well-terminated; a larger one is left to pcapgo, whose short read
	// read() reports as a cut block.
	if off+blen <= n.st.br.Size() {
		whole, err := n.peek(off, blen, base)
		if err != nil {
			return err
		}
		if tail := n.u32(whole[blen-4:]); tail != uint32(blen) {
			return n.corrupt(at, "trailing block length %d, leading %d", tail, blen)
		}
	}
	n.pktOff = at
	n.pktTyp = typ
	return nil
}

// LinkType is the link type of the file's first interface.
func (n *ngSource) LinkType() vocab.LinkType { return n.first }

// LinkTypeOf is the link type of the interface of the packet just read.
func (n *ngSource) LinkTypeOf(ci gopacket.CaptureInfo) vocab.LinkType {
	if i := ci.InterfaceIndex; i >= 0 && i < len(n.ifaces) {
		return n.ifaces[i].link
	}
	return n.first
}

// Close closes the file if the source owns it.
func (n *ngSource) Close() error {
	if n.err == nil || n.err == io.EOF {
		n.err = fmt.Errorf("read %q: %w", n.st.name, os.ErrClosed)
	}
	return n.st.close()
}

func (n *ngSource) sourceInfo() Info { return n.info }
