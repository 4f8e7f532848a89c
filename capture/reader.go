package capture

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/portsift/portsift/decode/vocab"
)

// Options configure Open.
type Options struct {
	// Filter is a BPF expression in libpcap syntax, applied to every
	// frame as tcpdump -r would; "" keeps every frame. It needs cgo.
	Filter string

	// Stdin is read for the file name "-"; nil means os.Stdin.
	Stdin io.Reader

	// BufferSize is the read buffer in bytes: 0 means 1 MiB, smaller
	// values are raised to 64 KiB. libpcap reads 4 KiB at a time, and that
	// is most of its cost. A gzip file uses two buffers of this size.
	BufferSize int
}

// SourceInfo is what a Reader knows about one of its files.
type SourceInfo struct {
	// Name is the file name as given to Open ("-" for standard input).
	Name string

	// Info is the format as read from the file; zero if it could not be
	// opened.
	Info

	// Frames is the number of frames read from the file, Filtered
	// included.
	Frames uint64

	// Filtered is the number of frames the BPF filter rejected: read and
	// counted, never returned by Next.
	Filtered uint64

	// Err is nil, or what stopped the read: a file that could not be
	// opened, is not a capture, is corrupt or is cut short. The frames
	// before the problem were returned and are counted.
	Err error

	// FilterErr is nil, or why the BPF filter could not be applied to
	// some frames of the file: libpcap compiles an expression for one link
	// type, and some expressions mean nothing on some links ("ether host"
	// on raw IP). Those frames are counted in Filtered, never dropped
	// uncounted; the file is read on.
	FilterErr error

	// Truncated reports that the file ends inside a header, record or
	// block (errors.Is(Err, ErrTruncated)).
	Truncated bool
}

// infoer is implemented by the sources of this package: Info as read so far.
type infoer interface{ sourceInfo() Info }

// Reader reads several capture files in order as one stream of frames, the
// way `portsift read a.pcap b.pcapng.gz -` sees them. A problem in one file
// is recorded in its SourceInfo and reading goes on with the next file.
//
// A Reader is not safe for concurrent use, except Progress and Frames,
// which may be called from any goroutine (a progress bar), and Interrupt
// (Ctrl-C).
type Reader struct {
	names []string
	opts  Options
	srcs  []SourceInfo
	total int64

	filter *filter
	bufs   buffers
	read   atomic.Int64

	nframes uint64        // frames read, owned by the reading goroutine
	frames  atomic.Uint64 // nframes, published every 1024 frames for Frames
	first   uint64        // nframes when the current file was opened: its Frames are nframes-first

	i      int    // index of the current file
	cur    Source // nil between files
	closed bool

	// pcap is cur when it is a pcap file, else nil: Next takes the
	// records that are in the read buffer from it directly (a call the
	// compiler sees, with no CaptureInfo copied through an interface).
	pcap *pcapSource
	// ng is cur when it is a pcapng file, else nil: Next takes the
	// enhanced packet blocks that are in the read buffer from it directly.
	ng *ngSource

	// interrupted is set by Interrupt, from any goroutine; file is the
	// file being read, which Interrupt closes to end a blocked read.
	interrupted atomic.Bool
	file        atomic.Pointer[os.File]
}

// Open prepares to read the named files in order ("-" is Options.Stdin, and
// may appear once). It checks up front that every file exists and can be
// read, and that the filter compiles, so that a typo fails before any frame
// is read; it reports all such problems at once, one line each. The files
// themselves are opened one at a time by Next.
func Open(names []string, opts Options) (*Reader, error) {
	if len(names) == 0 {
		return nil, errors.New("no capture files given")
	}
	r := &Reader{names: names, opts: opts, srcs: make([]SourceInfo, len(names))}
	var errs, bad []error
	stdin := false
	for i, name := range names {
		r.srcs[i].Name = name
		if name == "-" {
			if stdin {
				errs = append(errs, errors.New(`"-" (standard input) given more than once`))
			}
			stdin = true
			continue
		}
		size, err := checkFile(name)
		if err != nil {
			// Recorded, and the file is skipped: the others are read
			// (portsift read a.pcap gone.pcap b.pcap reports gone.pcap
			// and counts a and b), unless none can be.
			r.srcs[i].Err = err
			bad = append(bad, err)
		}
		r.total += size
	}
	if stdin {
		r.total = -1
	}
	if len(bad) == len(names) {
		errs = append(errs, bad...)
	}
	if opts.Filter != "" {
		f, err := newFilter(opts.Filter)
		if err != nil {
			errs = append(errs, err)
		}
		r.filter = f
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return r, nil
}

// checkFile checks that name is a readable regular file (or a device or
// pipe) and returns its size. A named pipe (FIFO) is only looked at: opening
// it would wait for a writer, and closing it again would make the writer's
// next write fail (tcpdump -w fifo would die of SIGPIPE).
func checkFile(name string) (int64, error) {
	if fi, err := os.Stat(name); err == nil && fi.Mode()&os.ModeNamedPipe != 0 {
		return 0, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return 0, openError(name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, openError(name, err)
	}
	if fi.IsDir() {
		return 0, fmt.Errorf("open %q: is a directory", name)
	}
	return fi.Size(), nil
}

// Next fills f with the next frame that passes the filter; it returns
// io.EOF after the last file. f.Data belongs to the Reader and is valid
// until the next call to Next or Close. A file that fails (see
// SourceInfo.Err) ends early and Next goes on with the next file, so the
// only error Next returns is io.EOF: check Err afterwards.
//
// Next does not allocate in steady state.
func (r *Reader) Next(f *Frame) error {
	// Most frames take this path: a pcap record that lies whole in the
	// read buffer, no filter. It is kept short and straight (a direct
	// call, no time.Time built), since it runs once per frame; anything
	// else takes next.
	if p := r.pcap; p != nil && r.filter == nil {
		if data, ns, _, wire, ok := p.next(); ok {
			if r.nframes++; r.nframes&1023 == 0 {
				r.frames.Store(r.nframes)
			}
			f.Data, f.Wire, f.Time, f.Link = data, wire, ns, p.link
			return nil
		}
	} else if n := r.ng; n != nil && r.filter == nil {
		if data, ns, wire, i, ok := n.next(); ok {
			if r.nframes++; r.nframes&1023 == 0 {
				r.frames.Store(r.nframes)
			}
			f.Data, f.Wire, f.Time, f.Link = data, wire, ns, n.ifaces[i].link
			return nil
		}
	}
	return r.next(f)
}

// next is Next for every other case: the first read of a file, a record
// that is not whole in the buffer, the end of a file, a pcapng file, a
// filter.
func (r *Reader) next(f *Frame) error {
	for {
		if r.cur == nil {
			if r.closed || r.i >= len(r.names) || r.interrupted.Load() {
				*f = Frame{}
				return io.EOF
			}
			r.openCurrent()
			continue
		}
		data, ci, err := r.cur.ZeroCopyReadPacketData()
		if err != nil {
			if r.interrupted.Load() { // the read failed because Interrupt closed the file
				r.Close()
				*f = Frame{}
				return io.EOF
			}
			r.finish(err)
			continue
		}
		if r.nframes++; r.nframes&1023 == 0 {
			r.frames.Store(r.nframes)
		}
		link := r.cur.LinkTypeOf(ci)
		if r.filter != nil {
			si := &r.srcs[r.i]
			ok, err := r.filter.match(link, &ci, data)
			if err != nil && si.FilterErr == nil {
				si.FilterErr = fmt.Errorf("read %q: %w: its frames of that link type count as filtered out", si.Name, err)
			}
			if !ok {
				si.Filtered++
				continue
			}
		}
		f.Data, f.Wire, f.Time, f.Link = data, ci.Length, ci.Timestamp.UnixNano(), link
		return nil
	}
}

// openCurrent opens file r.i; on failure it records the error and moves on.
// A file Open found unusable is skipped.
func (r *Reader) openCurrent() {
	if r.srcs[r.i].Err != nil {
		r.i++
		return
	}
	name := r.names[r.i]
	var (
		in     io.Reader
		closer io.Closer
	)
	if name == "-" {
		in = r.opts.Stdin
		if in == nil {
			in = os.Stdin
		}
	} else {
		f, err := os.Open(name)
		if err != nil {
			r.srcs[r.i].Err = openError(name, err)
			r.i++
			return
		}
		in, closer = f, f
		r.file.Store(f)
		if r.interrupted.Load() { // Interrupt ran before the Store: it could not close f
			f.Close()
		}
	}
	src, info, err := openStream(name, in, closer, &r.bufs, &r.read, r.opts.BufferSize)
	r.srcs[r.i].Info = info
	if err != nil {
		if closer != nil {
			closer.Close()
		}
		if r.interrupted.Load() { // not the file's fault: Interrupt closed it
			r.closed = true
			return
		}
		r.record(err)
		r.i++
		return
	}
	r.cur = src
	r.pcap, _ = src.(*pcapSource)
	r.ng, _ = src.(*ngSource)
	r.first = r.nframes
}

// Interrupt stops the read: the next call to Next returns io.EOF, without
// recording an error for the file being read, and the files after it are
// not opened. A Next that is waiting for input (a pipe, a FIFO, a slow
// disk) returns io.EOF too: Interrupt closes the file under it. Standard
// input is not closed, so a read of "-" blocked on a quiet pipe waits for
// its next bytes. Interrupt may be called from any goroutine (a signal
// handler's, via context.AfterFunc) and more than once; the frames returned
// before it stay counted in Sources.
func (r *Reader) Interrupt() {
	r.interrupted.Store(true)
	if f := r.file.Load(); f != nil {
		f.Close()
	}
}

// finish ends the current file: err is io.EOF or what stopped it.
func (r *Reader) finish(err error) {
	r.srcs[r.i].Frames = r.nframes - r.first
	if in, ok := r.cur.(infoer); ok {
		r.srcs[r.i].Info = in.sourceInfo()
	}
	if err != io.EOF {
		r.record(err)
	}
	r.cur.Close()
	r.cur, r.pcap, r.ng = nil, nil, nil
	r.i++
}

func (r *Reader) record(err error) {
	si := &r.srcs[r.i]
	si.Err = err
	si.Truncated = errors.Is(err, ErrTruncated)
}

// Sources describes the files, in the order given to Open: those read so
// far in full, the current one as far as it has been read, the rest by name
// only. The slice is a copy; call it from the goroutine that calls Next.
func (r *Reader) Sources() []SourceInfo {
	out := make([]SourceInfo, len(r.srcs))
	copy(out, r.srcs)
	for i := range out {
		out[i].LinkTypes = append([]vocab.LinkType(nil), out[i].LinkTypes...)
	}
	if r.cur != nil {
		out[r.i].Frames = r.nframes - r.first
		if in, ok := r.cur.(infoer); ok {
			out[r.i].Info = in.sourceInfo()
			out[r.i].LinkTypes = append([]vocab.LinkType(nil), out[r.i].LinkTypes...)
		}
	}
	return out
}

// Err is nil if every file read so far was read to its end; otherwise the
// per-file errors, joined in file order (one line each, each naming its
// file).
func (r *Reader) Err() error {
	var errs []error
	for _, si := range r.srcs {
		if si.Err != nil {
			errs = append(errs, si.Err)
		}
	}
	return errors.Join(errs...)
}

// Progress returns the bytes of input consumed so far (compressed bytes for
// gzip files, counted as they are read into the buffer) and the total size
// of the named files; total is -1 when unknown (standard input is among
// them). It is safe to call from any goroutine.
func (r *Reader) Progress() (read, total int64) {
	return r.read.Load(), r.total
}

// Frames returns about how many frames have been read (filtered ones
// included), updated every 1024 frames. It is safe to call from any
// goroutine, for progress displays.
func (r *Reader) Frames() uint64 { return r.frames.Load() }

// Close closes the current file and lets go of the read buffers; Next then
// returns io.EOF. It is safe to call more than once.
func (r *Reader) Close() error {
	r.closed = true
	r.bufs = buffers{}
	if r.cur == nil {
		return nil
	}
	r.srcs[r.i].Frames = r.nframes - r.first
	if in, ok := r.cur.(infoer); ok {
		r.srcs[r.i].Info = in.sourceInfo()
	}
	err := r.cur.Close()
	r.cur, r.pcap, r.ng = nil, nil, nil
	return err
}
