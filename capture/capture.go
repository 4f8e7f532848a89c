package capture

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"github.com/google/gopacket"
	"github.com/portsift/portsift/decode/vocab"
)

// Frame is the frame Reader and Live hand out: one type for files and live
// captures alike. It is vocab.Frame, so decode and classify take it without
// importing capture (and libpcap with it).
type Frame = vocab.Frame

// Source is one capture file's stream of records, as gopacket's readers
// hand them out; Reader turns Sources into Frames.
//
// A Source is not safe for concurrent use; one goroutine reads it. The data
// returned by ZeroCopyReadPacketData is owned by the Source and valid only
// until the next call to ZeroCopyReadPacketData or Close.
type Source interface {
	gopacket.ZeroCopyPacketDataSource

	// LinkType is the link type of the file (pcap) or of its first
	// interface (pcapng); 0 (LinkNull) if a pcapng file declares no
	// interface before its first packet.
	LinkType() vocab.LinkType

	// LinkTypeOf is the link type of the frame whose CaptureInfo ci was
	// just returned (ask before the next read): pcapng takes it from the
	// frame's interface (ci.InterfaceIndex), pcap returns LinkType().
	//
	// ci is passed by value on purpose: a pointer passed through an
	// interface method escapes, which would cost every caller one
	// allocation per frame for its CaptureInfo.
	LinkTypeOf(ci gopacket.CaptureInfo) vocab.LinkType

	// Close releases the file. It does not close a reader passed to
	// OpenReader.
	Close() error
}

// Info describes a capture file as far as it has been read.
type Info struct {
	// Format is "pcap" (microsecond timestamps), "pcap-ns" (nanosecond
	// timestamps) or "pcapng", with a "+gzip" suffix when the file is
	// gzip-compressed; "" if the format could not be recognised.
	Format string

	// ByteOrder is "little-endian" or "big-endian" (pcapng: of the first
	// section).
	ByteOrder string

	// Version is the file format version from the header, e.g. "2.4"
	// (pcap) or "1.0" (pcapng).
	Version string

	// Snaplen is the snapshot length in bytes declared by the file header
	// (pcap) or by the first interface (pcapng); 0 means none declared.
	Snaplen uint32

	// LinkTypes are the declared link types, distinct, in order of
	// declaration: one for pcap; for pcapng one per interface type seen so
	// far (all of them once the file has been read to the end). Values are
	// those LinkTypeOf returns.
	LinkTypes []vocab.LinkType

	// TimesClamped counts the frames read so far whose timestamp lies
	// outside what int64 nanoseconds since 1970 hold, less a day at each
	// end (1677-09-22 to 2262-04-10; see minUnixSec): pcapng timestamps
	// are 64-bit counts that can say any year. libpcap and Wireshark hand
	// such frames out; capture does too, with the timestamp clamped to the
	// nearest end of that range. Always 0 for pcap, whose 32-bit seconds
	// end in 2106.
	TimesClamped uint64
}

// Sentinel errors wrapped by the errors of OpenFile, OpenReader and Reader;
// test for them with errors.Is. Every such error is one line that names the
// file.
var (
	// ErrNotCapture: the input is not a pcap, pcapng or gzip-compressed
	// capture file (checked by magic number, never by file name).
	ErrNotCapture = errors.New("not a capture file")

	// ErrUnsupported: a capture file in a variant this package cannot read
	// (pcap versions other than 2.x and 543.0, a pcap link-type field
	// whose reserved bits are set, pcapng versions other than 1.0 and
	// 1.2, pcapng metadata blocks that together exceed the read buffer).
	ErrUnsupported = errors.New("unsupported capture format")

	// ErrTruncated: the file (or its gzip stream) ends inside a header,
	// record or block.
	ErrTruncated = errors.New("file cut short")

	// ErrCorrupt: a header, record or block holds values no valid file
	// has (a captured length of 4 GiB, a block length that is not a
	// multiple of 4, a bad gzip checksum).
	ErrCorrupt = errors.New("corrupt")

	// ErrBadFilter: the BPF expression does not compile.
	ErrBadFilter = errors.New("bad filter")
)

// MaxCaptureLength is the largest captured frame, in bytes, that a record may
// hold: 262144, libpcap's MAXIMUM_SNAPLEN, so files tcpdump reads are read
// here too. A record header that claims more is reported as corrupt before
// anything is allocated for it: pcapgo would otherwise allocate the claimed
// size (up to 4 GiB) for its packet buffer.
const MaxCaptureLength = 262144

// mapLinkType turns a link type as stored in a file into the value capture
// reports: the same, except DLT 12 and 14, the values some BSDs wrote for
// raw IP before LINKTYPE_RAW existed (12 on most, 14 on OpenBSD), which
// become LinkRaw (101), so decoders and filters see one value for raw
// IP.
func mapLinkType(raw uint16) vocab.LinkType {
	if raw == 12 || raw == 14 {
		return vocab.LinkRaw
	}
	return vocab.LinkType(raw)
}

// Buffer sizes. libpcap reads a file 4 KiB at a time and that is most of its
// cost; a 1 MiB buffer makes reads rare. The buffer is also the window in
// which pcapng blocks are checked before pcapgo reads them, so it has a floor.
const (
	defaultBufferSize = 1 << 20
	minBufferSize     = 64 << 10
)

// Magic numbers, as the first four bytes read big-endian.
const (
	magicPcapMicroLE = 0xd4c3b2a1 // a1b2c3d4 written little-endian
	magicPcapMicroBE = 0xa1b2c3d4
	magicPcapNanoLE  = 0x4d3cb2a1 // a1b23c4d written little-endian
	magicPcapNanoBE  = 0xa1b23c4d
	magicPcapng      = 0x0a0d0d0a // section header block type, a palindrome
	magicGzip        = 0x1f8b     // first two bytes only
)

// OpenFile opens the capture file name ("-" is standard input) and reads its
// header. The format is taken from the magic number, never from the name:
// pcap (either byte order, microsecond or nanosecond timestamps), pcapng, or
// either of them gzip-compressed. The returned Source owns the file and
// closes it on Close (standard input is left open).
func OpenFile(name string) (Source, Info, error) {
	if name == "-" {
		return OpenReader(name, os.Stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, Info{}, openError(name, err)
	}
	src, info, err := openStream(name, f, f, nil, nil, 0)
	if err != nil {
		f.Close()
		return nil, info, err
	}
	return src, info, nil
}

// OpenReader is OpenFile for a stream that is already open: name is used in
// messages only. The Source does not close r. Tests use it with a
// bytes.Reader; the command uses it for standard input.
func OpenReader(name string, r io.Reader) (Source, Info, error) {
	return openStream(name, r, nil, nil, nil, 0)
}

// openError turns an *os.PathError into `open "name": reason`.
func openError(name string, err error) error {
	return fmt.Errorf("open %q: %w", name, cause(err))
}

// cause strips an *os.PathError: our messages name the file already.
func cause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// buffers are the reusable parts of a stream: Reader keeps one set for all
// its files so a run over many files does not allocate 1 MiB per file.
type buffers struct {
	raw, dec *bufio.Reader
	gz       *gzip.Reader
}

// countReader counts the bytes read through it. total, when set, is also
// advanced (atomically: Reader.Progress reads it from another goroutine).
// err keeps the last error returned by r, so that a failure of the gzip
// stream can be told apart from a failure of the capture format.
type countReader struct {
	r     io.Reader
	n     int64
	err   error
	total *atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.total != nil && n > 0 {
		c.total.Add(int64(n))
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

// stream is the byte pipeline under a Source:
//
//	file -> raw (counting) -> rawBuf -> [gzip -> dec (counting) -> decBuf] -> br
//
// br is what pcapgo reads; it is rawBuf, or decBuf for gzip input. pcapgo
// wraps its input in bufio.NewReader, which returns a *bufio.Reader of 4 KiB
// or more unchanged, so pcapgo reads br directly and capture can Peek at the
// bytes pcapgo is about to read.
type stream struct {
	name   string
	raw    countReader
	rawBuf *bufio.Reader
	gz     *gzip.Reader
	dec    countReader
	br     *bufio.Reader
	closer io.Closer
}

// pos is the offset in the (uncompressed) capture data of the next byte
// pcapgo will read.
func (s *stream) pos() int64 {
	if s.gz != nil {
		return s.dec.n - int64(s.br.Buffered())
	}
	return s.raw.n - int64(s.br.Buffered())
}

// at formats a byte offset for messages.
func (s *stream) at(off int64) string {
	if s.gz != nil {
		return fmt.Sprintf("uncompressed byte %d", off)
	}
	return fmt.Sprintf("byte %d", off)
}

// gzipErr returns the error of the gzip stream if it is what stopped the
// read, translated into a message; nil if the gzip layer is fine.
func (s *stream) gzipErr(op string, off int64) error {
	if s.gz == nil || s.dec.err == nil || s.dec.err == io.EOF {
		return nil
	}
	if s.dec.err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%s %q: truncated gzip stream at %s (%w)", op, s.name, s.at(off), ErrTruncated)
	}
	return fmt.Errorf("%s %q: %w gzip stream at %s: %v", op, s.name, ErrCorrupt, s.at(off), s.dec.err)
}

// readErr translates a failure to get the bytes of the record or block that
// starts at off (what) into an error that names the file. It is called when
// fewer bytes than needed were available; op is "open" or "read".
func (s *stream) readErr(op, what string, off int64, err error) error {
	if e := s.gzipErr(op, off); e != nil {
		return e
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%s %q: truncated %s at %s (%w)", op, s.name, what, s.at(off), ErrTruncated)
	}
	return fmt.Errorf("%s %q: %s at %s: %w", op, s.name, what, s.at(off), cause(err))
}

func (s *stream) close() error {
	if s.closer != nil {
		err := s.closer.Close()
		s.closer = nil
		return err
	}
	return nil
}

// openStream sets up the pipeline over r, sniffs the magic numbers and opens
// the matching format. closer (may be nil) is closed by Source.Close. b (may
// be nil) supplies reusable buffers; total (may be nil) counts raw bytes.
func openStream(name string, r io.Reader, closer io.Closer, b *buffers, total *atomic.Int64, size int) (Source, Info, error) {
	if size <= 0 {
		size = defaultBufferSize
	}
	if size < minBufferSize {
		size = minBufferSize
	}
	if b == nil {
		b = &buffers{}
	}
	s := &stream{name: name, closer: closer}
	s.raw = countReader{r: r, total: total}
	b.raw = resetBuf(b.raw, &s.raw, size)
	s.rawBuf = b.raw
	s.br = b.raw

	var info Info
	magic, err := s.rawBuf.Peek(4)
	if len(magic) >= 2 && binary.BigEndian.Uint16(magic) == magicGzip {
		if b.gz == nil {
			b.gz, err = gzip.NewReader(s.rawBuf)
		} else {
			err = b.gz.Reset(s.rawBuf)
		}
		if err != nil {
			info.Format = "gzip"
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, info, fmt.Errorf("open %q: truncated gzip header at byte 0 (%w)", name, ErrTruncated)
			}
			return nil, info, fmt.Errorf("open %q: %w gzip header at byte 0: %v", name, ErrCorrupt, err)
		}
		b.gz.Multistream(true)
		s.gz = b.gz
		s.dec = countReader{r: s.gz}
		b.dec = resetBuf(b.dec, &s.dec, size)
		s.br = b.dec
		magic, err = s.br.Peek(4)
	}
	if len(magic) < 4 {
		if e := s.gzipErr("open", 0); e != nil {
			return nil, info, e
		}
		if err != nil && err != io.EOF {
			return nil, info, openError(name, err)
		}
		what := "empty"
		if n := len(magic); n == 1 {
			what = "1 byte"
		} else if n > 1 {
			what = fmt.Sprintf("%d bytes", n)
		}
		if s.gz != nil {
			what += " after gzip"
		}
		return nil, info, fmt.Errorf("open %q: %w (%s)", name, ErrNotCapture, what)
	}

	var src Source
	switch m := binary.BigEndian.Uint32(magic); m {
	case magicPcapMicroLE, magicPcapMicroBE, magicPcapNanoLE, magicPcapNanoBE:
		src, info, err = openPcap(s, m)
	case magicPcapng:
		src, info, err = openPcapng(s)
	default:
		return nil, info, fmt.Errorf("open %q: %w (magic 0x%08x at %s)", name, ErrNotCapture, m, s.at(0))
	}
	return src, info, err
}

// resetBuf returns br reset to read from r, or a new reader of the given
// size if br is nil or of another size.
func resetBuf(br *bufio.Reader, r io.Reader, size int) *bufio.Reader {
	if br == nil || br.Size() != size {
		return bufio.NewReaderSize(r, size)
	}
	br.Reset(r)
	return br
}

// appendLinkType appends lt to lts unless it is already there.
func appendLinkType(lts []vocab.LinkType, lt vocab.LinkType) []vocab.LinkType {
	for _, have := range lts {
		if have == lt {
			return lts
		}
	}
	return append(lts, lt)
}

// lowerFirst makes a gopacket error message fit ours: gopacket capitalises.
func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// format names a format, with "+gzip" when the stream is compressed.
func (s *stream) format(name string) string {
	if s.gz != nil {
		return name + "+gzip"
	}
	return name
}

func byteOrderName(big bool) string {
	if big {
		return "big-endian"
	}
	return "little-endian"
}

// LooksLikeCapture reports whether the file name starts with the magic
// number of a format Open reads (pcap in either byte order and resolution,
// pcapng, gzip): how a directory given to `portsift read` is sorted into
// captures and other files. Only regular files are looked at.
func LooksLikeCapture(name string) bool {
	b, ok := fileMagic(name)
	if !ok {
		return false
	}
	switch binary.BigEndian.Uint32(b[:]) {
	case magicPcapMicroLE, magicPcapMicroBE, magicPcapNanoLE, magicPcapNanoBE, magicPcapng:
		return true
	}
	return binary.BigEndian.Uint16(b[:2]) == magicGzip
}

// Compressed reports whether the file name is a regular file that starts
// with gzip's magic number: its size says little about the capture in it.
func Compressed(name string) bool {
	b, ok := fileMagic(name)
	return ok && binary.BigEndian.Uint16(b[:2]) == magicGzip
}

// fileMagic returns the first 4 bytes of name if it is a regular file that
// has them. Nothing else is opened: a FIFO would wait for a writer, and
// reading from it would take the bytes its reader is due.
func fileMagic(name string) (b [4]byte, ok bool) {
	if fi, err := os.Stat(name); err != nil || !fi.Mode().IsRegular() {
		return b, false
	}
	f, err := os.Open(name)
	if err != nil {
		return b, false
	}
	defer f.Close()
	_, err = io.ReadFull(f, b[:])
	return b, err == nil
}
