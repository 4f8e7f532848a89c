package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// pcapSource reads a pcap file with pcapgo.Reader. Before pcapgo reads a
// record, pcapSource peeks at the record header in the shared buffer and
// checks the lengths pcapgo would trust.
type pcapSource struct {
	st   *stream
	r    *pcapgo.Reader
	info Info
	link layers.LinkType
	big  bool
	frac uint32 // the largest valid value of a record's fraction-of-second field: 999999 (µs) or 999999999 (ns)
	swap lengthOrder
	snap uint32 // the snapshot length pcapgo checks records against; see ZeroCopyReadPacketData
	err  error  // sticky: once set, every read returns it
}

// lengthOrder says where a record header keeps the captured length. pcap
// 2.3 swapped the two length fields to match the BPF header; libpcap still
// reads older files in the old order, and so do we (pcapgo reads only 2.4).
type lengthOrder uint8

const (
	lengthsCurrent lengthOrder = iota // 2.4: captured length, then wire length
	lengthsSwapped                    // 2.0-2.2: wire length, then captured length
	lengthsMaybe                      // 2.3: written both ways; swapped if captured > wire (libpcap's rule)
)

// openPcap reads the 24-byte file header. pcapgo rejects every version but
// 2.4, so versions 2.0-2.3 are accepted here and the header pcapgo is about
// to read is rewritten in the buffer to say 2.4; the record layout is the
// same except for the order of the length fields, handled per record.
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
	if major != 2 || minor > 4 {
		return nil, info, fmt.Errorf("open %q: %w (pcap version %s at %s)", s.name, ErrUnsupported, info.Version, s.at(4))
	}
	swap := lengthsCurrent
	switch {
	case minor < 3:
		swap = lengthsSwapped
	case minor == 3:
		swap = lengthsMaybe
	}
	if minor != 4 {
		order.PutUint16(hdr[6:], 4)
	}
	info.Snaplen = order.Uint32(hdr[16:])
	// The top 6 bits of the link type field carry FCS information
	// (LT_LINKTYPE in libpcap); the link type proper is the rest.
	link := mapLinkType(order.Uint32(hdr[20:]) & 0x03ffffff)
	info.LinkTypes = []layers.LinkType{link}

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
	frac := uint32(999999)
	if magic == magicPcapNanoLE || magic == magicPcapNanoBE {
		frac = 999999999
	}
	return &pcapSource{st: s, r: r, info: info, link: link, big: big, frac: frac, swap: swap, snap: snap}, info, nil
}

// ZeroCopyReadPacketData returns the next record. data is owned by the
// source and valid until the next call; ci.Timestamp is in UTC.
func (p *pcapSource) ZeroCopyReadPacketData() (data []byte, ci gopacket.CaptureInfo, err error) {
	if p.err != nil {
		return nil, ci, p.err
	}
	st := p.st
	off := st.pos()
	hdr, err := st.br.Peek(16)
	if len(hdr) < 16 {
		if len(hdr) == 0 && err == io.EOF {
			p.err = io.EOF
			return nil, ci, io.EOF
		}
		return p.fail(st.readErr("read", "record", off, err))
	}
	var sec, frac, caplen, wire uint32
	if p.big {
		sec, frac = binary.BigEndian.Uint32(hdr), binary.BigEndian.Uint32(hdr[4:])
		caplen, wire = binary.BigEndian.Uint32(hdr[8:]), binary.BigEndian.Uint32(hdr[12:])
	} else {
		sec, frac = binary.LittleEndian.Uint32(hdr), binary.LittleEndian.Uint32(hdr[4:])
		caplen, wire = binary.LittleEndian.Uint32(hdr[8:]), binary.LittleEndian.Uint32(hdr[12:])
	}
	if p.swap == lengthsSwapped || (p.swap == lengthsMaybe && caplen > wire) {
		caplen, wire = wire, caplen
		// pcapgo reads the 2.4 order: put the fields there.
		if p.big {
			binary.BigEndian.PutUint32(hdr[8:], caplen)
			binary.BigEndian.PutUint32(hdr[12:], wire)
		} else {
			binary.LittleEndian.PutUint32(hdr[8:], caplen)
			binary.LittleEndian.PutUint32(hdr[12:], wire)
		}
	}
	if caplen > MaxCaptureLength {
		return p.fail(fmt.Errorf("read %q: %w record at %s: captured length %d exceeds %d", st.name, ErrCorrupt, st.at(off), caplen, MaxCaptureLength))
	}
	if caplen > wire {
		return p.fail(fmt.Errorf("read %q: %w record at %s: captured length %d exceeds wire length %d", st.name, ErrCorrupt, st.at(off), caplen, wire))
	}
	if n := 16 + int(caplen); n <= st.br.Size() {
		// The record fits in the buffer: return it from there, without
		// pcapgo's copy into its own packet buffer.
		rec, err := st.br.Peek(n)
		if len(rec) < n {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return p.fail(st.readErr("read", "record", off, err))
		}
		st.br.Discard(n)
		mult := int64(1)
		if p.frac == 999999 {
			mult = 1000
		}
		ci = gopacket.CaptureInfo{Timestamp: time.Unix(int64(sec), int64(frac)*mult).UTC(), CaptureLength: int(caplen), Length: int(wire)}
		return rec[16:n:n], ci, nil
	}
	if caplen > p.snap {
		// Double, so a file whose records keep growing past its snapshot
		// length costs a few buffer allocations, not one per record.
		n := max(2*p.snap, caplen)
		p.snap = min(n, MaxCaptureLength)
		p.r.SetSnaplen(p.snap)
	}
	data, ci, err = p.r.ZeroCopyReadPacketData()
	if err != nil {
		return p.fail(st.readErr("read", "record", off, err))
	}
	if frac > p.frac {
		// A fraction of a second beyond a second: no writer means it,
		// but it is what the file says. pcapgo multiplies microseconds
		// by 1000 in 32 bits, which wraps above 4,294,967 µs; compute
		// it in 64 bits (time.Unix normalises the excess into seconds).
		mult := int64(1)
		if p.frac == 999999 {
			mult = 1000
		}
		ci.Timestamp = time.Unix(int64(sec), int64(frac)*mult).UTC()
	}
	return data, ci, nil
}

func (p *pcapSource) fail(err error) ([]byte, gopacket.CaptureInfo, error) {
	p.err = err
	return nil, gopacket.CaptureInfo{}, err
}

// LinkType is the file's link type.
func (p *pcapSource) LinkType() layers.LinkType { return p.link }

// LinkTypeOf is the file's link type: every pcap record has it.
func (p *pcapSource) LinkTypeOf(gopacket.CaptureInfo) layers.LinkType { return p.link }

// Close closes the file if the source owns it.
func (p *pcapSource) Close() error {
	if p.err == nil || p.err == io.EOF {
		p.err = fmt.Errorf("read %q: %w", p.st.name, os.ErrClosed)
	}
	return p.st.close()
}

func (p *pcapSource) sourceInfo() Info { return p.info }
