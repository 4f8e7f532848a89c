package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/gopacket"
	"github.com/portsift/portsift/decode/vocab"
)

// Writer saves frames to a capture file, as `tcpdump -w` does: pcap with
// nanosecond timestamps (magic a1b23c4d), or pcapng with one interface whose
// timestamps are in nanoseconds. Both are read back by OpenFile and by
// libpcap, tcpdump and Wireshark. It writes the 16-bit link type itself, so
// LINUX_SLL2 (276) is saved as such, which pcapgo's writers cannot do.
//
// WritePacket does not allocate; the output is buffered (1 MiB) until Flush
// or Close. A Writer is not safe for concurrent use.
type Writer struct {
	bw     *bufio.Writer
	closer io.Closer // the file, if CreateFile opened it
	name   string
	ng     bool
	snap   uint32
	frames uint64
	hdr    [28]byte
	tail   [8]byte
	err    error // sticky
}

// writerBuffer is the output buffer: a live capture writes from the capture
// goroutine, and a 1 MiB buffer makes write system calls rare.
const writerBuffer = 1 << 20

// IsPcapng reports whether CreateFile writes pcapng for this file name: the
// extension is .pcapng or .ntar (any case); everything else is pcap.
func IsPcapng(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".pcapng", ".ntar":
		return true
	}
	return false
}

// CreateFile creates the file name and writes its header: pcapng if
// IsPcapng(name), else pcap. link is a link type as capture reports them
// (any 16-bit LINKTYPE_ value); snaplen 0 means MaxCaptureLength.
//
// The file is opened by CreateOutput's rule: never over an existing file,
// nor through a symbolic link (O_EXCL, O_NOFOLLOW), as a capture often runs
// as root and a mistyped -w must not destroy a file. That error wraps
// fs.ErrExist (ErrSymlink for a link). OverwriteFile replaces a file.
func CreateFile(name string, link vocab.LinkType, snaplen int) (*Writer, error) {
	return createFile(name, link, snaplen, false)
}

// OverwriteFile is CreateFile that truncates an existing regular file
// (sniff -w --force). It still never follows a symbolic link.
func OverwriteFile(name string, link vocab.LinkType, snaplen int) (*Writer, error) {
	return createFile(name, link, snaplen, true)
}

func createFile(name string, link vocab.LinkType, snaplen int, force bool) (*Writer, error) {
	f, err := CreateOutput(name, force)
	if err != nil {
		return nil, err
	}
	w, err := NewFileWriter(f, name, link, snaplen)
	if err != nil {
		f.Close()
		return nil, outputError(name, err)
	}
	w.closer = f
	return w, nil
}

// NewFileWriter is NewWriter for the capture file name, already open as w
// (by CreateOutput, or standard output): pcapng if IsPcapng(name), and
// errors name the file. Close flushes but does not close w.
func NewFileWriter(w io.Writer, name string, link vocab.LinkType, snaplen int) (*Writer, error) {
	wr, err := NewWriter(w, IsPcapng(name), link, snaplen)
	if err != nil {
		return nil, err
	}
	wr.name = name
	return wr, nil
}

// NewWriter writes a capture file header to w and returns a Writer for its
// frames: pcapng when ng is set, else pcap. Close flushes but does not
// close w. The error is for writers of the future: every link type can be
// saved.
func NewWriter(w io.Writer, ng bool, link vocab.LinkType, snaplen int) (*Writer, error) {
	raw := uint32(link)
	if snaplen <= 0 {
		snaplen = MaxCaptureLength
	}
	wr := &Writer{bw: bufio.NewWriterSize(w, writerBuffer), ng: ng, snap: uint32(snaplen), name: "output"}
	if ng {
		wr.writeNgHeader(raw)
	} else {
		var h [24]byte
		le := binary.LittleEndian
		le.PutUint32(h[0:], magicPcapNanoBE) // a1b23c4d, written little-endian
		le.PutUint16(h[4:], 2)
		le.PutUint16(h[6:], 4)
		le.PutUint32(h[16:], wr.snap)
		le.PutUint32(h[20:], raw)
		wr.bw.Write(h[:])
	}
	return wr, nil
}

// writeNgHeader writes a section header block and one interface
// description block with if_tsresol = 9 (nanoseconds).
func (w *Writer) writeNgHeader(link uint32) {
	le := binary.LittleEndian
	var shb [28]byte
	le.PutUint32(shb[0:], blockSHB)
	le.PutUint32(shb[4:], 28)
	le.PutUint32(shb[8:], 0x1a2b3c4d) // byte-order magic
	le.PutUint16(shb[12:], 1)         // version 1.0
	le.PutUint16(shb[14:], 0)
	le.PutUint64(shb[16:], ^uint64(0)) // section length unknown
	le.PutUint32(shb[24:], 28)
	w.bw.Write(shb[:])

	var idb [32]byte
	le.PutUint32(idb[0:], blockIDB)
	le.PutUint32(idb[4:], 32)
	le.PutUint16(idb[8:], uint16(link))
	le.PutUint32(idb[12:], w.snap)
	le.PutUint16(idb[16:], 9) // if_tsresol
	le.PutUint16(idb[18:], 1) // one byte, then 3 of padding
	idb[20] = 9               // 10^-9 s
	// idb[24:28] is opt_endofopt (zero)
	le.PutUint32(idb[28:], 32)
	w.bw.Write(idb[:])
}

// WriteFrame appends f: its data (cut to the snapshot length), wire length
// and time. f is not retained.
func (w *Writer) WriteFrame(f *Frame) error {
	return w.write(f.Data, f.Wire, f.Timestamp())
}

// WritePacket is WriteFrame for a gopacket capture info, as pcapgo's
// writers take it: ci.CaptureLength bytes of data (data is cut to it, or to
// the snapshot length) with ci.Timestamp and ci.Length. data is not
// retained.
func (w *Writer) WritePacket(ci gopacket.CaptureInfo, data []byte) error {
	if ci.CaptureLength < len(data) {
		data = data[:ci.CaptureLength]
	}
	return w.write(data, ci.Length, ci.Timestamp)
}

func (w *Writer) write(data []byte, wirelen int, ts time.Time) error {
	if w.err != nil {
		return w.err
	}
	if uint32(len(data)) > w.snap {
		data = data[:w.snap]
	}
	wire := uint32(max(wirelen, len(data)))
	ns := ts.UnixNano()
	le := binary.LittleEndian
	if w.ng {
		pad := (4 - len(data)&3) & 3
		total := uint32(32 + len(data) + pad)
		h := w.hdr[:28]
		le.PutUint32(h[0:], blockEPB)
		le.PutUint32(h[4:], total)
		le.PutUint32(h[8:], 0) // interface 0
		le.PutUint32(h[12:], uint32(uint64(ns)>>32))
		le.PutUint32(h[16:], uint32(ns))
		le.PutUint32(h[20:], uint32(len(data)))
		le.PutUint32(h[24:], wire)
		w.bw.Write(h)
		w.bw.Write(data)
		w.tail = [8]byte{}
		le.PutUint32(w.tail[pad:], total)
		_, w.err = w.bw.Write(w.tail[:pad+4])
	} else {
		h := w.hdr[:16]
		le.PutUint32(h[0:], uint32(ts.Unix()))
		le.PutUint32(h[4:], uint32(ts.Nanosecond()))
		le.PutUint32(h[8:], uint32(len(data)))
		le.PutUint32(h[12:], wire)
		w.bw.Write(h)
		_, w.err = w.bw.Write(data)
	}
	if w.err != nil {
		w.err = fmt.Errorf("write %q: %w", w.name, cause(w.err))
		return w.err
	}
	w.frames++
	return nil
}

// Frames returns the number of frames written.
func (w *Writer) Frames() uint64 { return w.frames }

// Flush writes buffered frames out, so the file can be read while the
// capture goes on.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("write %q: %w", w.name, cause(err))
	}
	return w.err
}

// Close flushes and, if CreateFile opened the file, closes it. It is safe
// to call more than once.
func (w *Writer) Close() error {
	err := w.Flush()
	if w.closer != nil {
		if cerr := w.closer.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close %q: %w", w.name, cause(cerr))
		}
		w.closer = nil
	}
	return err
}
