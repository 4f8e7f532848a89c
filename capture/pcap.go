package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/pcapgo"
	"github.com/portsift/portsift/decode/vocab"
)

// pcapSource reads a pcap file. Records that fit in the shared read buffer
// (all but those of huge snapshot lengths) are parsed and returned straight
// from it; larger ones go through pcapgo.Reader, after pcapSource has peeked
// at the record header and checked the lengths pcapgo would trust.
type pcapSource struct {
	st   *stream
	r    *pcapgo.Reader
	info Info
	link vocab.LinkType
	big  bool
	frac uint32 // the largest valid value of a record's fraction-of-second field: 999999 (µs) or 999999999 (ns)
	mult int64  // nanoseconds per unit of that field: 1000 or 1
	swap lengthOrder
	snap uint32 // the snapshot length pcapgo checks records against; see slowRead
	err  error  // sticky: once set, every read returns it, and win is nil

	// win is the buffered part of st.br as last peeked at, from st.br's
	// read position on; its first used bytes are records already returned
	// but not yet discarded from st.br. next returns the records that lie
	// whole in win, so most records cost no call into bufio at all: the
	// window is discarded and peeked at again only when a record does not
	// fit in what is left of it (see slowRead). Until then the bytes in
	// win stay put: bufio moves or overwrites its buffer only on a read.
	win  []byte
	used int
}

// lengthOrder says where a record header keeps the captured length. pcap
// 2.3 swapped the two length fields to match the BPF header; libpcap still
// reads older files in the old order, and so do we (pcapgo reads only 2.4).
type lengthOrder uint8

const (
	lengthsCurrent lengthOrder = iota // 2.4: captured length, then wire length
	lengthsSwapped                    // 2.0-2.2 and 543.0: wire length, then captured length
	lengthsMaybe                      // 2.3: written both ways; swapped if captured > wire (libpcap's rule)
)

// openPcap reads the 24-byte file header. pcapgo rejects every version but
// 2.4, so the other versions read here are rewritten in the buffer to say
// 2.4 before pcapgo reads the header; the record layout is the same except
// for the order of the length fields, handled per record.
func openPcap(s *stream, magic uint32) (Source, Info, error) {
	info := Info{Format: s.format("pcap")}
	if magic == magicPcapNanoLE || magic == magicPcapNanoBE {
		info.Format = s.format("pcap-ns")
	}
	big := magic == magicPcapMicroBE || magic == magicPcapNanoBE
	info.ByteOrder = byteOrderName(big)
	var order binary.ByteOrder = binary.LittleEndian
	if big {
		order = binary.BigEndian
	}

	hdr, err := s.br.Peek(24)
	if len(hdr) < 24 {
		if e := s.gzipErr("open", int64(len(hdr))); e != nil {
			return nil, info, e
		}
		if err == io.EOF {
			return nil, info, fmt.Errorf("open %q: truncated pcap file header at %s, %d of 24 bytes (%w)", s.name, s.at(0), len(hdr), ErrTruncated)
		}
		return nil, info, openError(s.name, err)
	}
	major, minor := order.Uint16(hdr[4:]), order.Uint16(hdr[6:])
	info.Version = fmt.Sprintf("%d.%d", major, minor)
	// libpcap reads versions 2.0 to 2.4, and 543.0, which DG/UX tcpdump
	// wrote with the lengths in the pre-2.3 order (sf-pcap.c,
	// pcap_check_header: "currently only versions 2.[0-4] are supported
	// with the exception of 543.0"); any other is "unsupported pcap
	// savefile version 2.5". Wireshark (wiretap/libpcap.c, libpcap_open)
	// reads every major version from 2 on, in the 2.4 layout unless the
	// version is below 2.3 or 543. capture reads 2.5 and later 2.x as
	// Wireshark does (a new minor version has never changed the record
	// layout: 2.4 is what every writer since 1998 writes), and refuses
	// other major versions (3.0) as libpcap does: a new major version
	// would mean a new layout.
	var swap lengthOrder
	switch {
	case major == 2 && minor < 3:
		swap = lengthsSwapped
	case major == 2 && minor == 3:
		swap = lengthsMaybe
	case major == 2:
		swap = lengthsCurrent
	case major == 543 && minor == 0:
		swap = lengthsSwapped
	default:
		return nil, info, fmt.Errorf("open %q: %w (pcap version %s at %s)", s.name, ErrUnsupported, info.Version, s.at(4))
	}
	if major != 2 || minor != 4 {
		order.PutUint16(hdr[4:], 2)
		order.PutUint16(hdr[6:], 4)
	}
	// The link-type field (libpcap's pcap/pcap.h, the LT_ macros; the
	// same in Wireshark's wiretap/libpcap.c): the link type is its low 16
	// bits (LT_LINKTYPE, 0x0000FFFF); bits 16-25 are reserved and must be
	// zero (LT_RESERVED1, 0x03FF0000); bit 26 says whether bits 28-31
	// give the length of the FCS at the end of every frame, in 16-bit
	// units (LT_FCS_LENGTH_PRESENT 0x04000000, LT_FCS_LENGTH 0xF0000000).
	// A file with reserved bits set is refused by libpcap since the change
	// its CHANGES lists as "Reject pcap files where one of the reserved
	// fields in the 'link-layer type plus other stuff' is non-zero"
	// (sf-pcap.c: "savefile linktype reserved field not zero (0x%08x)"),
	// and by Wireshark ("pcap: network type reserved field not zero");
	// older libpcap (1.10.3: LT_LINKTYPE was 0x03FFFFFF) kept those bits in
	// the link type and then failed on it ("unknown data link type
	// 67043329"). The FCS bits are legal and say nothing capture uses:
	// decoders see the FCS as trailing bytes after the IP packet.
	word := order.Uint32(hdr[20:])
	if res := word & 0x03ff0000; res != 0 {
		return nil, info, fmt.Errorf("open %q: %w (pcap link-type field 0x%08x at %s: reserved bits 0x%08x are not zero)", s.name, ErrUnsupported, word, s.at(20), res)
	}
	link := mapLinkType(uint16(word))
	info.Snaplen = order.Uint32(hdr[16:])
	info.LinkTypes = []vocab.LinkType{link}

	r, err := pcapgo.NewReader(s.br)
	if err != nil { // the header is buffered and valid: only an I/O error is left
		return nil, info, fmt.Errorf("open %q: %s", s.name, lowerFirst(err.Error()))
	}
	// pcapgo rejects records longer than the snapshot length, and sizes
	// its packet buffer by it (a header claiming 4 GiB would cost 4 GiB).
	// Start from the header's value, capped; ZeroCopyReadPacketData raises
	// it, up to MaxCaptureLength, for files whose records exceed their
	// own snapshot length (some writers do not enforce it; tcpdump and
	// Wireshark read such files).
	snap := info.Snaplen
	if snap == 0 || snap > MaxCaptureLength {
		snap = MaxCaptureLength
	}
	r.SetSnaplen(snap)
	p := &pcapSource{st: s, r: r, info: info, link: link, big: big, frac: 999999, mult: 1000, swap: swap, snap: snap}
	if magic == magicPcapNanoLE || magic == magicPcapNanoBE {
		p.frac, p.mult = 999999999, 1
	}
	return p, info, nil
}

// ZeroCopyReadPacketData returns the next record. data is owned by the
// source and valid until the next call; ci.Timestamp is in UTC.
func (p *pcapSource) ZeroCopyReadPacketData() (data []byte, ci gopacket.CaptureInfo, err error) {
	if data, ns, caplen, wire, ok := p.next(); ok {
		return data, gopacket.CaptureInfo{Timestamp: time.Unix(0, ns).UTC(), CaptureLength: caplen, Length: wire}, nil
	}
	return p.slowRead()
}

// next returns the next record if it lies whole in the window, with its
// timestamp (UTC), captured and wire lengths and ok true; otherwise it
// returns ok false and changes nothing:
// slowRead then reads the record, or reports what is wrong with it. It is
// the per-record path, so it does only what every record needs; the checks
// that fail only for broken files (a captured length beyond
// MaxCaptureLength, a record cut short) are left to slowRead, which sees
// the same header again. (The results are what fits in the registers
// of a Go call: a CaptureInfo would be built in memory and copied.)
func (p *pcapSource) next() (data []byte, ns int64, caplen, wire int, ok bool) {
	w := p.win[p.used:]
	if len(w) < 16 {
		return nil, 0, 0, 0, false
	}
	sec, frac, capl, wirel, _ := p.header(w)
	// A corrupt captured length (beyond MaxCaptureLength) is left to
	// slowRead to report, even if the window holds that many bytes.
	if capl > MaxCaptureLength || uint64(capl) > uint64(len(w)-16) {
		return nil, 0, 0, 0, false
	}
	n := 16 + int(capl)
	p.used += n
	// The time in unix nanoseconds, what the counting takes; a 32-bit
	// second count cannot overflow it. A fraction of a second beyond a
	// second (frac > p.frac): no writer means it, but it is what the file
	// says, and it adds to the seconds (time.Unix(0, ns) normalises it as
	// time.Unix(sec, frac) would). The product is computed in 64 bits:
	// pcapgo multiplies microseconds by 1000 in 32 bits, which wraps above
	// 4,294,967 µs.
	ns = int64(sec)*1e9 + int64(frac)*p.mult
	return w[16:n:n], ns, int(capl), int(wirel), true
}

// header reads the 16-byte record header h in the file's byte order: seconds,
// fraction, captured and wire lengths, the lengths in the 2.4 order
// (swapped reports that the file wrote them the other way).
func (p *pcapSource) header(h []byte) (sec, frac, caplen, wire uint32, swapped bool) {
	if p.big {
		sec, frac = binary.BigEndian.Uint32(h), binary.BigEndian.Uint32(h[4:])
		caplen, wire = binary.BigEndian.Uint32(h[8:]), binary.BigEndian.Uint32(h[12:])
	} else {
		sec, frac = binary.LittleEndian.Uint32(h), binary.LittleEndian.Uint32(h[4:])
		caplen, wire = binary.LittleEndian.Uint32(h[8:]), binary.LittleEndian.Uint32(h[12:])
	}
	swapped = p.swap == lengthsSwapped || (p.swap == lengthsMaybe && caplen > wire)
	if swapped {
		caplen, wire = wire, caplen
	}
	return sec, frac, caplen, wire, swapped
}

// slowRead reads a record that is not whole in the window: it refills the
// window, or reads the record with pcapgo if it is larger than the buffer,
// or reports the end of the file, or what is wrong with the record.
func (p *pcapSource) slowRead() (data []byte, ci gopacket.CaptureInfo, err error) {
	if p.err != nil {
		return nil, ci, p.err
	}
	st := p.st
	st.br.Discard(p.used) // the records returned from the window: buffered, so Discard cannot fail
	p.win, p.used = nil, 0
	off := st.pos()
	hdr, err := st.br.Peek(16)
	if len(hdr) < 16 {
		if len(hdr) == 0 && err == io.EOF {
			p.err = io.EOF
			return nil, ci, io.EOF
		}
		return p.fail(st.readErr("read", "record", off, err))
	}
	sec, frac, caplen, wire, swapped := p.header(hdr)
	if caplen > MaxCaptureLength {
		return p.fail(fmt.Errorf("read %q: %w record at %s: captured length %d exceeds %d", st.name, ErrCorrupt, st.at(off), caplen, MaxCaptureLength))
	}
	// A captured length above the wire length (a record that holds more
	// bytes than the packet had) makes no sense, but it is no reason to
	// stop: libpcap checks the captured length only against its maximum
	// and hands both out as the file gives them (sf-pcap.c,
	// pcap_next_packet), Wireshark too (wiretap/libpcap.c,
	// libpcap_read_packet; its variant heuristics take it as a hint that
	// the file may be another pcap variant, nothing more), and tcpdump
	// prints "[Invalid header: len(60) < caplen(100)]" for the record and
	// goes on with the next. capture returns the record whole, with the
	// wire length the file gives (ci.Length < ci.CaptureLength), as
	// libpcap does: the report's bytes are wire bytes, its captured_bytes
	// the bytes read.
	overWire := caplen > wire
	if n := 16 + int(caplen); n <= st.br.Size() {
		// The record fits in the buffer: have bufio read it in, then
		// take the window (everything buffered, the record included)
		// and return the record from it, as next does.
		rec, err := st.br.Peek(n)
		if len(rec) < n {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return p.fail(st.readErr("read", "record", off, err))
		}
		p.win, _ = st.br.Peek(st.br.Buffered()) // no read: these bytes are buffered
		data, ns, caplen, wire, ok := p.next()
		if !ok { // cannot happen: the record is in the window
			panic("capture: pcap record not in the read buffer")
		}
		return data, gopacket.CaptureInfo{Timestamp: time.Unix(0, ns).UTC(), CaptureLength: caplen, Length: wire}, nil
	}
	if caplen > p.snap {
		// Double, so a file whose records keep growing past its snapshot
		// length costs a few buffer allocations, not one per record.
		n := max(2*p.snap, caplen)
		p.snap = min(n, MaxCaptureLength)
		p.r.SetSnaplen(p.snap)
	}
	if swapped || overWire {
		// pcapgo reads the 2.4 order: put the fields there. It refuses
		// a record longer than its wire length: show it a wire length
		// it accepts, and put the file's back into ci.
		p.putLengths(hdr, caplen, max(wire, caplen))
	}
	data, ci, err = p.r.ZeroCopyReadPacketData()
	if err != nil {
		return p.fail(st.readErr("read", "record", off, err))
	}
	ci.Length = int(wire)
	if frac > p.frac {
		// See next: pcapgo's 32-bit product wraps; compute it in 64 bits.
		ci.Timestamp = time.Unix(int64(sec), int64(frac)*p.mult).UTC()
	}
	return data, ci, nil
}

// putLengths writes a record header's length fields in the 2.4 order, the
// one pcapgo reads.
func (p *pcapSource) putLengths(hdr []byte, caplen, wire uint32) {
	if p.big {
		binary.BigEndian.PutUint32(hdr[8:], caplen)
		binary.BigEndian.PutUint32(hdr[12:], wire)
	} else {
		binary.LittleEndian.PutUint32(hdr[8:], caplen)
		binary.LittleEndian.PutUint32(hdr[12:], wire)
	}
}

func (p *pcapSource) fail(err error) ([]byte, gopacket.CaptureInfo, error) {
	p.err, p.win, p.used = err, nil, 0
	return nil, gopacket.CaptureInfo{}, err
}

// LinkType is the file's link type.
func (p *pcapSource) LinkType() vocab.LinkType { return p.link }

// LinkTypeOf is the file's link type: every pcap record has it.
func (p *pcapSource) LinkTypeOf(gopacket.CaptureInfo) vocab.LinkType { return p.link }

// Close closes the file if the source owns it.
func (p *pcapSource) Close() error {
	if p.err == nil || p.err == io.EOF {
		p.err = fmt.Errorf("read %q: %w", p.st.name, os.ErrClosed)
	}
	p.win, p.used = nil, 0
	return p.st.close()
}

func (p *pcapSource) sourceInfo() Info { return p.info }
