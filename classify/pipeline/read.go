package pipeline

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

// ErrBadFilter is wrapped by the error of ReadFiles and ReadFrom when
// Options.Filter does not compile (it is capture.ErrBadFilter).
var ErrBadFilter = capture.ErrBadFilter

var _ Progress = (*capture.Reader)(nil)

// SmallInput is the total size of files below which ReadFiles with
// Threads 0 reads and counts on one goroutine: the batches of the other
// loops (a few MiB to allocate and fault in) cost more than a few
// milliseconds of reading on one core. Any setting gives the same report.
const SmallInput = 16 << 20

// ReadFiles reads the capture files (pcap, pcapng, either gzip-compressed;
// the format comes from the magic number; "-" is opts.Stdin) in order as one
// stream and returns their Report, as `portsift read FILE...` does.
//
// The Report is nil only when reading could not start: no file given, a
// file that does not exist or cannot be opened, a filter that does not
// compile (errors.Is(err, ErrBadFilter)), or an error returned by
// opts.Started. Otherwise it counts every frame read, and err is nil,
// ctx.Err() when ctx ended first, or the files that could not be read to
// their end (not a capture, cut short, corrupt): one line per file, each
// naming its file, as also recorded in Report.Sources[i].Error.
func ReadFiles(ctx context.Context, files []string, opts Options) (*report.Report, error) {
	rd, err := capture.Open(files, capture.Options{Filter: opts.Filter, Stdin: opts.Stdin})
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	threads := opts.EffectiveThreads()
	if _, total := rd.Progress(); opts.Threads == 0 && total >= 0 && total < SmallInput {
		threads = 1 // setting up the goroutines would cost more than they save
	}
	if len(files) > 1 && threads > 2 && opts.Count == 0 && opts.OnFrame == nil {
		return readParallel(ctx, files, rd, opts, threads)
	}
	// When ctx ends, a read waiting on a pipe or FIFO must end too.
	defer context.AfterFunc(ctx, rd.Interrupt)()
	if opts.Started != nil {
		if err := opts.Started(rd); err != nil {
			return nil, err
		}
	}
	tr := classify.NewTracker(opts.Options)
	dec := opts.NewDecoder()
	var src classify.Source = rd
	if opts.OnFrame != nil {
		src = hookSource{src, opts.OnFrame}
	}
	var runErr error
	switch {
	case threads == 1:
		runErr = tr.Run(ctx, src, dec, opts.Count)
	case threads == 2:
		runErr = tr.RunPipelined(ctx, src, dec, opts.Count)
	default:
		runErr = tr.RunSharded(ctx, src, dec, opts.Count, threads-1)
	}
	return finishRead(ctx, tr, opts, dec.Panics, runErr, rd.Sources(), rd.Err())
}

// readParallel is ReadFiles for several files read at once (threads > 2):
// each file has its own reader and decoder on its own goroutine (at most
// threads-1 files at a time), and the frames are counted in file order on
// threads-1 shards, so the report is the one of reading them one after the
// other. (With two threads the files are read one after the other by the
// pipeline: on two cores a second reader only competes with the counting.)
// all is the Reader of every file, opened to check them all up front; it is
// not read.
func readParallel(ctx context.Context, files []string, all *capture.Reader, opts Options, threads int) (*report.Report, error) {
	checked := all.Sources() // a file Open found unusable is reported, not read
	var rds multiReader
	for i, f := range files {
		if checked[i].Err != nil {
			continue
		}
		r, err := capture.Open([]string{f}, capture.Options{Filter: opts.Filter, Stdin: opts.Stdin})
		if err != nil { // gone since the check: reported like the others
			checked[i].Err = err
			continue
		}
		defer r.Close()
		rds = append(rds, r)
	}
	defer context.AfterFunc(ctx, rds.interrupt)()
	if opts.Started != nil {
		_, total := all.Progress()
		if err := opts.Started(&multiProgress{rds, total}); err != nil {
			return nil, err
		}
	}
	tr := classify.NewTracker(opts.Options)
	srcs := make([]classify.Source, len(rds))
	for i := range rds {
		srcs[i] = closingSource{rds[i]}
	}
	decs := make([]*decode.Decoder, max(1, min(threads-1, len(rds))))
	for i := range decs {
		decs[i] = opts.NewDecoder()
	}
	runErr := tr.RunFiles(ctx, srcs, decs, threads-1)
	var panics uint64
	for _, d := range decs {
		panics += d.Panics
	}
	var sources []capture.SourceInfo
	var errs []error
	next := 0
	for _, c := range checked {
		if c.Err != nil {
			sources = append(sources, c)
			errs = append(errs, c.Err)
			continue
		}
		sources = append(sources, rds[next].Sources()...)
		errs = append(errs, rds[next].Err())
		next++
	}
	return finishRead(ctx, tr, opts, panics, runErr, sources, errors.Join(errs...))
}

// closingSource is a Reader that closes its Reader at the end, so
// that the buffers of a file read ahead go once it is read.
type closingSource struct{ r *capture.Reader }

func (s closingSource) Next(f *vocab.Frame) error {
	err := s.r.Next(f)
	if err != nil {
		s.r.Close()
	}
	return err
}

// hookSource hands every frame to fn before it is counted (Options.OnFrame).
type hookSource struct {
	src classify.Source
	fn  func(*vocab.Frame) error
}

func (h hookSource) Next(f *vocab.Frame) error {
	err := h.src.Next(f)
	if err == nil {
		err = h.fn(f)
	}
	return err
}

// multiReader is the readers of the files of a parallel read.
type multiReader []*capture.Reader

func (m multiReader) interrupt() {
	for _, r := range m {
		r.Interrupt()
	}
}

// multiProgress is the Progress of a parallel read.
type multiProgress struct {
	rds   multiReader
	total int64
}

func (m *multiProgress) Progress() (read, total int64) {
	for _, r := range m.rds {
		n, _ := r.Progress()
		read += n
	}
	return read, m.total
}

func (m *multiProgress) Frames() (n uint64) {
	for _, r := range m.rds {
		n += r.Frames()
	}
	return n
}

// finishRead ends a read: it finishes tr and returns its report with the
// sources and the error ReadFiles returns.
func finishRead(ctx context.Context, tr *classify.Tracker, opts Options, panics uint64, runErr error, sources []capture.SourceInfo, readErr error) (*report.Report, error) {
	if runErr == nil {
		runErr = ctx.Err() // Interrupt ended the input early
	}
	tr.Finish()
	rep := tr.Report()
	rep.Filter = opts.Filter
	rep.DecodePanics = panics
	for _, s := range sources {
		si := report.SourceInfo{Name: s.Name, Format: s.Format, LinkTypes: append([]vocab.LinkType{}, s.LinkTypes...), Frames: s.Frames, Filtered: s.Filtered, TimesClamped: s.TimesClamped}
		if s.Err != nil {
			si.Error = s.Err.Error()
		}
		if s.FilterErr != nil {
			si.FilterError = s.FilterErr.Error()
		}
		rep.Sources = append(rep.Sources, si)
	}
	if runErr != nil {
		return rep, runErr
	}
	return rep, readErr
}

// ReadFrom is ReadFiles for one capture that is already open, such as an
// embedded file or an HTTP body: name is what Report.Sources and errors
// call it. ReadFrom does not close r. opts.Stdin is ignored.
func ReadFrom(ctx context.Context, name string, r io.Reader, opts Options) (*report.Report, error) {
	opts.Stdin = r
	rep, err := ReadFiles(ctx, []string{"-"}, opts)
	if name == "-" {
		return rep, err
	}
	// capture names standard input "-" in its messages; say name instead.
	if err != nil && !errors.Is(err, ctx.Err()) {
		err = rename(err, name)
	}
	if rep != nil {
		rep.Sources[0].Name = name
		if e := rep.Sources[0].Error; e != "" {
			rep.Sources[0].Error = strings.Replace(e, `"-"`, strconv.Quote(name), 1)
		}
	}
	return rep, err
}

// renamedError is an error whose message names the input differently; it
// still unwraps to the original (errors.Is(err, capture.ErrTruncated)).
type renamedError struct {
	msg string
	err error
}

func (e *renamedError) Error() string { return e.msg }
func (e *renamedError) Unwrap() error { return e.err }

func rename(err error, name string) error {
	return &renamedError{strings.Replace(err.Error(), `"-"`, strconv.Quote(name), 1), err}
}
