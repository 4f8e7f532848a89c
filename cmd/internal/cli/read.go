package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/classify/pipeline"
	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/cmd/internal/cmdutil"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
	"github.com/spf13/cobra"
)

// ReadOptions are the flags and arguments of `portsift read`.
type ReadOptions struct {
	IO          *IOStreams
	Files       []string
	Filter      string
	Format      string
	Top         int
	TopSet      bool // --top given: honoured on a terminal too
	Sort        string
	LocalTime   bool // --local-time: the table's times in the local zone, not UTC
	Count       uint64
	FlowsFile   string
	FlowsFormat string // --flows-format: jsonl or csv; "": from the file name
	Force       bool   // --flows may overwrite an existing file
	Services    []string
	Ephemeral   string
	MaxFlows    int
	IdleTimeout time.Duration
	Quiet       bool
	CPUProfile  string
	MemProfile  string
	Threads     int
	ReadFiles   []string // -r, as tcpdump: files read before the arguments
	WriteFile   string   // -w: save the frames that pass the filter
	numeric     int      // -n, -nn: accepted, nothing to do
	cmdutil.DecodeFlags
}

// NewCmdRead returns `portsift read`. runF, when set, receives the options
// instead of running (tests).
func NewCmdRead(ios *IOStreams, runF func(*ReadOptions) error) *cobra.Command {
	opts := &ReadOptions{IO: ios}
	c := &cobra.Command{
		Use:   "read FILE|DIR... [EXPRESSION] [flags]",
		Short: "Classify the packets of capture files (pcap, pcapng, gzip; - for stdin)",
		Long: `Read capture files in order as one stream and print one report: services with
packets, bytes and flows in each direction, the ephemeral row, frame buckets and
alerts. The format is detected from the file's magic number (pcap in either byte
order, micro- or nanosecond; pcapng; either one gzip-compressed), never from its
name. '-' reads standard input. A directory stands for the capture files in it
(sorted; other files are named and skipped), a quoted pattern ('traces/*.pcap')
for the files it matches. As with tcpdump, words after the files that are not
files and compile as a BPF filter are the filter (-f EXPR says the same), -r FILE
names a file, and -n/-nn are accepted. A missing or unreadable file among several
is reported and the others are read (exit 1).`,
		Example: `  portsift read capture.pcapng
  portsift read a.pcap b.pcap.gz -o json
  tcpdump -i eth0 -w - | portsift read -
  portsift read big.pcap -f 'tcp port 443'
  portsift read -r big.pcap tcp port 443 -w https.pcap
  portsift read captures/ 'old/*.pcap.gz'
  portsift read x.pcap --flows flows.jsonl
  portsift read x.pcap --flows - | jq -c 'select(.service == "ssh")'`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 && len(opts.ReadFiles) == 0 {
				return cmdutil.FlagErrorf("name a capture file (or -r FILE; '-' for standard input)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			// tcpdump's habits: -r FILE, and a filter after the files.
			args = append(append([]string(nil), opts.ReadFiles...), args...)
			files, expr, err := splitFilter(args)
			if err != nil {
				return err
			}
			if expr != "" {
				if opts.Filter != "" {
					return cmdutil.FlagErrorf("two filters: -f %q and %q after the files; give one", opts.Filter, expr)
				}
				opts.Filter = expr
			}
			if opts.MemProfile != "" {
				runtime.MemProfileRate = 4096 // before anything is allocated: every large allocation sampled
			}
			opts.Files = expandInputs(files, opts.IO.ErrOut)
			if len(opts.Files) == 0 {
				return fmt.Errorf("nothing to read in %s", strings.Join(files, " "))
			}
			if opts.WriteFile != "" && opts.WriteFile == opts.FlowsFile {
				return cmdutil.FlagErrorf("-w and --flows name the same file %q", opts.WriteFile)
			}
			opts.TopSet = c.Flags().Changed("top")
			if err := opts.DecodeFlags.Check(); err != nil {
				return err
			}
			if err := cmdutil.CheckThreads(opts.Threads); err != nil {
				return err
			}
			if n := countStdin(opts.Files); n > 1 {
				return cmdutil.FlagErrorf("standard input ('-') can be read only once, not %d times", n)
			}
			if err := checkFlowsFlags(opts.FlowsFile, opts.FlowsFormat); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return readRun(c.Context(), opts)
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.Filter, "filter", "f", "", "keep only packets matching the BPF `EXPR` (libpcap syntax)")
	cmdutil.AddFormat(f, &opts.Format, "output `FORMAT`: table, json or csv", "table", "json", "csv")
	f.Var(cmdutil.NonNegative(&opts.Top, "all"), "top", "show at most `N` services in the table (0: all; default: 20 on a terminal, all otherwise)")
	cmdutil.AddSort(f, &opts.Sort, "order the table by `KEY`: bytes, packets or flows")
	f.BoolVar(&opts.LocalTime, "local-time", false, "show the table's times in the local time zone (default: UTC)")
	cmdutil.AddCount(f, &opts.Count, "stop after `N` packets (0: all)")
	f.StringVar(&opts.FlowsFile, "flows", "", "write one line per flow to `FILE` (.jsonl or .csv); never over an existing file without --force. '-' or /dev/stdout: to standard output, and the report goes to standard error")
	cmdutil.AddFlowsFormat(f, &opts.FlowsFormat)
	f.BoolVar(&opts.Force, "force", false, "let --flows and -w overwrite an existing file (never through a symbolic link)")
	f.StringArrayVarP(&opts.ReadFiles, "read-file", "r", nil, "read `FILE` (as tcpdump -r; the same as naming it); repeatable")
	f.StringVarP(&opts.WriteFile, "write", "w", "", "also save the frames that pass the filter to `FILE` (pcapng if named .pcapng, else pcap; '-' for standard output)")
	f.CountVarP(&opts.numeric, "numeric", "n", "accepted for tcpdump's -n and -nn: portsift never resolves names")
	f.MarkHidden("numeric")
	cmdutil.AddRegistry(f, &opts.Services, &opts.Ephemeral)
	cmdutil.AddFlowTable(f, &opts.MaxFlows, &opts.IdleTimeout, fmt.Sprintf("bound the flow table to `N` flows, evicting the longest idle (default %d)", classify.DefaultMaxFlows))
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no progress bar")
	opts.DecodeFlags.Add(f)
	cmdutil.AddThreads(f, &opts.Threads)
	f.StringVar(&opts.CPUProfile, "cpuprofile", "", "write a CPU profile of the read to `FILE` (for pprof)")
	f.MarkHidden("cpuprofile")
	f.StringVar(&opts.MemProfile, "memprofile", "", "write a heap profile taken when the read ends to `FILE` (for pprof: -sample_index=alloc_space shows every allocation)")
	f.MarkHidden("memprofile")
	return c
}

func countStdin(files []string) int {
	n := 0
	for _, f := range files {
		if f == "-" {
			n++
		}
	}
	return n
}

// checkFlowsFlags checks --flows and --flows-format at parse time.
func checkFlowsFlags(name, format string) error {
	if name == "" {
		if format != "" {
			return cmdutil.FlagErrorf("--flows-format %s needs --flows FILE", format)
		}
		return nil
	}
	_, err := flowsFormat(name, format)
	return err
}

// flowsFormat tells whether --flows writes CSV: --flows-format when given,
// else the file's extension; JSON lines for standard output, a device or a
// name without an extension.
func flowsFormat(name, format string) (csv bool, err error) {
	switch format {
	case "csv":
		return true, nil
	case "jsonl":
		return false, nil
	case "":
	default:
		return false, cmdutil.FlagErrorf("--flows-format %q: want jsonl or csv", format)
	}
	if stdStream(name) != notStd {
		return false, nil
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return true, nil
	case ".jsonl", ".ndjson", ".json", "":
		return false, nil
	}
	return false, cmdutil.FlagErrorf("--flows %q: name the file .jsonl or .csv, or give --flows-format jsonl|csv", name)
}

// registryOptions returns classify.Options with the registry and the
// ephemeral ranges of the --services and --ephemeral flags.
func registryOptions(services []string, ephemeral string) (classify.Options, error) {
	reg, err := loadRegistry(services)
	if err != nil {
		return classify.Options{}, err
	}
	eph, err := registry.ParseEphemeral(ephemeral)
	if err != nil {
		return classify.Options{}, cmdutil.FlagErrorWrap(fmt.Errorf("--ephemeral: %w", err))
	}
	return classify.Options{Registry: reg, Ephemeral: &eph}, nil
}

func readRun(ctx context.Context, opts *ReadOptions) error {
	copts, err := registryOptions(opts.Services, opts.Ephemeral)
	if err != nil {
		return err
	}
	topts := pipeline.Options{Options: copts}
	// The flow log on standard output sends the report to standard error,
	// so the two never interleave; on standard error, no progress bar.
	out, barOK := opts.IO.Out, opts.IO.ErrTTY && !opts.Quiet
	outTTY, outWidth := opts.IO.OutTTY, opts.IO.outWidth // the table fits the terminal it goes to
	for _, name := range []string{opts.FlowsFile, opts.WriteFile} {
		switch stdStream(name) {
		case stdOut:
			out = opts.IO.ErrOut
			outTTY, outWidth = opts.IO.ErrTTY, opts.IO.errWidth
		case stdErr:
			barOK = false
		}
	}
	if stdStream(opts.FlowsFile) != notStd && stdStream(opts.FlowsFile) == stdStream(opts.WriteFile) {
		return cmdutil.FlagErrorf("-w %s and --flows %s share one stream", opts.WriteFile, opts.FlowsFile)
	}
	save := &frameSaver{name: opts.WriteFile}
	var (
		flows     *render.FlowWriter
		flowsFile *output
		profile   *os.File
		bar       *progress
	)
	defer func() { flowsFile.Close(); save.out.Close() }()
	topts.MaxFlows, topts.IdleTimeout = opts.MaxFlows, opts.IdleTimeout
	topts.Filter, topts.Count, topts.Stdin = opts.Filter, opts.Count, opts.IO.In
	topts.Threads = opts.Threads
	opts.DecodeFlags.Apply(&topts.Options)
	// Started runs once every input is checked and the filter compiled,
	// before any input is read, so a missing file or a bad filter creates
	// no flow log, and a refused one fails before reading.
	topts.Started = func(p pipeline.Progress) error {
		tuneGCForRead(p, opts.Files)
		if opts.WriteFile != "" {
			f, err := openOutput(opts.IO, "-w", opts.WriteFile, opts.Force)
			if err != nil {
				return err
			}
			save.out = f
		}
		if opts.FlowsFile != "" {
			csv, _ := flowsFormat(opts.FlowsFile, opts.FlowsFormat)
			f, err := openOutput(opts.IO, "--flows", opts.FlowsFile, opts.Force)
			if err != nil {
				return err
			}
			flowsFile, flows = f, render.NewFlowWriter(f, csv)
		}
		if opts.CPUProfile != "" {
			pf, err := os.Create(opts.CPUProfile)
			if err != nil {
				return fmt.Errorf("--cpuprofile: %w", err)
			}
			if err := pprof.StartCPUProfile(pf); err != nil {
				pf.Close()
				return fmt.Errorf("--cpuprofile: %w", err)
			}
			profile = pf
		}
		if barOK {
			bar = startProgress(opts.IO.ErrOut, opts.IO.errWidth, p)
		}
		return nil
	}
	if opts.FlowsFile != "" {
		topts.FlowLog = func(r *report.FlowRecord) { flows.Write(r) }
	}
	if opts.WriteFile != "" {
		topts.OnFrame = save.frame // set before the read starts; Started opens the file
	}
	rep, runErr := pipeline.ReadFiles(ctx, opts.Files, topts)
	if profile != nil {
		pprof.StopCPUProfile()
		profile.Close()
	}
	if opts.MemProfile != "" {
		if err := writeHeapProfile(opts.MemProfile); err != nil {
			return fmt.Errorf("--memprofile: %w", err)
		}
	}
	if bar != nil {
		bar.stop()
	}
	if rep == nil { // nothing was read: a missing file, a bad filter
		if errors.Is(runErr, pipeline.ErrBadFilter) {
			return cmdutil.FlagErrorWrap(runErr)
		}
		return runErr
	}
	if flows != nil {
		if err := flows.Flush(); err != nil {
			return flowsFile.errorf(err)
		}
		if err := flowsFile.Close(); err != nil {
			return err
		}
	}
	var saveErr error
	if err := save.close(rep); err != nil {
		saveErr = err
	}
	if err := writeReport(out, rep, opts.Format, render.TextOptions{LocalTime: opts.LocalTime, Top: tableTop(opts.Top, opts.TopSet, outTTY), Sort: opts.Sort, Width: outWidth()}); err != nil {
		return err
	}
	// What stopped a read is printed after the report, one line per file;
	// a filter that could not be applied to some frames, as a warning.
	failed := saveErr != nil
	if saveErr != nil {
		fmt.Fprintf(opts.IO.ErrOut, "portsift: %v\n", saveErr)
	}
	for _, s := range rep.Sources {
		if s.Error != "" {
			fmt.Fprintf(opts.IO.ErrOut, "portsift: %s\n", s.Error)
			failed = true
		}
		if s.FilterError != "" {
			fmt.Fprintf(opts.IO.ErrOut, "portsift: warning: %s\n", s.FilterError)
		}
	}
	switch {
	case errors.Is(runErr, context.Canceled):
		fmt.Fprintln(opts.IO.ErrOut, "portsift: interrupted; the report covers the packets read so far")
		return errInterruptedReported
	case runErr != nil && ctx.Err() != nil:
		return runErr
	case failed:
		return errSilent
	case runErr != nil:
		return runErr
	}
	return nil
}

func writeReport(w io.Writer, rep *report.Report, format string, to render.TextOptions) error {
	switch format {
	case "json":
		return report.WriteJSON(w, rep)
	case "csv":
		return render.WriteCSV(w, rep)
	}
	return render.WriteText(w, rep, to)
}

// frameSaver is read -w: it writes the frames that pass the filter to one
// capture file, whose link type is the first frame's. A frame of another
// link type cannot go in the same file: saving stops there (the frames are
// still counted) and the read ends with exit 1, naming the frame.
type frameSaver struct {
	name  string
	out   *output
	w     *capture.Writer
	link  vocab.LinkType
	err   error
	saved uint64
}

func (s *frameSaver) frame(f *capture.Frame) error {
	link := f.Link
	if s.err != nil {
		return nil
	}
	if s.w == nil {
		w, err := capture.NewFileWriter(s.out, s.name, link, 0)
		if err != nil {
			s.err = s.out.errorf(err)
			return nil
		}
		s.w, s.link = w, link
	}
	if link != s.link {
		s.err = fmt.Errorf("-w %q: frame %d is %s, the file holds %s: one capture file holds one link type; saving stopped there (every frame is still counted)",
			s.name, s.saved+1, link, s.link)
		return nil
	}
	if err := s.w.WriteFrame(f); err != nil {
		s.err = s.out.errorf(err)
		return nil
	}
	s.saved++
	return nil
}

// close ends the file: with no frame saved, it holds only the header, of
// the first input's link type.
func (s *frameSaver) close(rep *report.Report) error {
	if s.out == nil {
		return nil
	}
	if s.w == nil && s.err == nil {
		link := vocab.LinkEthernet
		if len(rep.Sources) > 0 && len(rep.Sources[0].LinkTypes) > 0 {
			link = rep.Sources[0].LinkTypes[0]
		}
		w, err := capture.NewFileWriter(s.out, s.name, link, 0)
		if err != nil {
			return s.out.errorf(err)
		}
		s.w = w
	}
	if s.w != nil {
		if err := s.w.Close(); err != nil && s.err == nil {
			s.err = s.out.errorf(err)
		}
	}
	if err := s.out.Close(); err != nil && s.err == nil {
		s.err = err
	}
	return s.err
}

// writeHeapProfile writes the heap profile as the read left it: what is in
// use (the flow table, the report) and, as alloc_space, all it allocated.
func writeHeapProfile(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	runtime.GC() // the profile shows the heap as of the last collection
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
