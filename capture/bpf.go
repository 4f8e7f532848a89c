//go:build cgo

package capture

import (
	"encoding/binary"
	"fmt"
	"os"
	"strings"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcap"
	"github.com/portsift/portsift/decode/vocab"
)

// filter applies one BPF expression to frames of any link type: libpcap
// compiles an expression for one link type, so a program is compiled the
// first time a link type is met and kept. Not safe for concurrent use
// (pcap.BPF reuses a packet header per program).
type filter struct {
	expr  string
	progs []bpfProgram // a handful at most: linear search beats a map
}

type bpfProgram struct {
	link vocab.LinkType
	bpf  *pcap.BPF
	err  error
}

// newFilter compiles expr for Ethernet, so that a syntax error is reported
// before anything is read: `bad filter "tcp prot 80": syntax error`.
func newFilter(expr string) (*filter, error) {
	f := &filter{expr: expr}
	if _, err := f.program(vocab.LinkEthernet); err != nil {
		return nil, err
	}
	return f, nil
}

// program returns the compiled program for link, compiling it on first use.
// A failure is kept too, so it costs one compilation.
func (f *filter) program(link vocab.LinkType) (*pcap.BPF, error) {
	for i := range f.progs {
		if f.progs[i].link == link {
			return f.progs[i].bpf, f.progs[i].err
		}
	}
	b, err := compileBPF(link, f.expr)
	f.progs = append(f.progs, bpfProgram{link: link, bpf: b, err: err})
	return b, err
}

// match reports whether the frame passes. A frame with no captured bytes
// never does (pcap.BPF.Matches indexes data[0]). The error is non-nil when
// the expression does not compile for link; the frame does not pass then.
func (f *filter) match(link vocab.LinkType, ci *gopacket.CaptureInfo, data []byte) (bool, error) {
	b, err := f.program(link)
	if err != nil {
		return false, err
	}
	if len(data) == 0 {
		return false, nil
	}
	return b.Matches(*ci, data), nil
}

// compileBPF compiles expr for frames of link type link (as mapLinkType
// maps it). pcap.NewBPF wants libpcap's DLT value, which differs from the
// file's LINKTYPE value for raw IP (101 in files, DLT_RAW is 12, or 14 on
// OpenBSD) and a few others; and it takes a uint8, so link types above 255
// (LINUX_SLL2, and any other) go through compileViaFile.
func compileBPF(link vocab.LinkType, expr string) (*pcap.BPF, error) {
	var (
		b   *pcap.BPF
		err error
	)
	switch link {
	case vocab.LinkRaw, 100, 102, 103, vocab.LinkType(layers.LinkTypeLoop):
		name := dltName(link)
		dlt := pcap.DatalinkNameToVal(name)
		if dlt < 0 || dlt > 255 {
			return nil, fmt.Errorf("filter %q: libpcap knows no DLT_%s", expr, name)
		}
		b, err = pcap.NewBPF(layers.LinkType(dlt), MaxCaptureLength, expr)
	default:
		if link > 255 {
			b, err = compileViaFile(uint32(link), expr)
		} else {
			b, err = pcap.NewBPF(layers.LinkType(link), MaxCaptureLength, expr)
		}
	}
	if err != nil {
		if link == vocab.LinkEthernet {
			msg := strings.TrimPrefix(err.Error(), "can't parse filter expression: ")
			return nil, fmt.Errorf("%w %q: %s", ErrBadFilter, expr, msg)
		}
		return nil, fmt.Errorf("filter %q does not compile for link type %d: %v", expr, link, err)
	}
	return b, nil
}

// dltName names the link types whose DLT value differs between platforms,
// for pcap.DatalinkNameToVal.
func dltName(link vocab.LinkType) string {
	switch link {
	case vocab.LinkRaw:
		return "RAW"
	case 100:
		return "ATM_RFC1483"
	case 102:
		return "SLIP_BSDOS"
	case 103:
		return "PPP_BSDOS"
	}
	return "LOOP"
}

// compileViaFile compiles expr for a link type pcap.NewBPF cannot take:
// libpcap opens a header-only pcap file of that link type and maps the
// LINKTYPE value to its DLT itself. Done once per link type and Reader.
func compileViaFile(linktype uint32, expr string) (*pcap.BPF, error) {
	f, err := os.CreateTemp("", "portsift-linktype-*.pcap")
	if err != nil {
		return nil, fmt.Errorf("filter %q: compiling for link type %d: %v", expr, linktype, err)
	}
	defer os.Remove(f.Name())
	var hdr [24]byte
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], MaxCaptureLength)
	binary.LittleEndian.PutUint32(hdr[20:], linktype)
	_, err = f.Write(hdr[:])
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("filter %q: compiling for link type %d: %v", expr, linktype, err)
	}
	h, err := pcap.OpenOffline(f.Name())
	if err != nil {
		return nil, fmt.Errorf("filter %q: compiling for link type %d: %v", expr, linktype, err)
	}
	defer h.Close()
	return h.NewBPF(expr)
}

// CheckFilter reports whether expr compiles as a BPF filter (for Ethernet,
// as tcpdump compiles an expression on its command line), with libpcap's
// error when it does not.
func CheckFilter(expr string) error {
	_, err := newFilter(expr)
	return err
}
