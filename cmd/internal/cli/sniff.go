package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/classify/metrics"
	"github.com/portsift/portsift/classify/pipeline"
	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/cmd/internal/cmdutil"
	"github.com/portsift/portsift/registry"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// SniffOptions are the flags of `portsift sniff`.
type SniffOptions struct {
	IO          *IOStreams
	Interface   string
	numeric     int // -n, -nn: accepted, nothing to do
	List        bool
	Filter      string
	Duration    time.Duration
	Count       uint64
	Snaplen     int
	NoPromisc   bool
	Immediate   bool
	BufferKiB   int
	Interval    time.Duration
	IntervalSet bool // --interval given: with -o json, one report per interval (JSONL)
	Format      string
	Top         int
	TopSet      bool // --top given: honoured by the final table on a terminal too
	Sort        string
	LocalTime   bool // --local-time: the table's times in the local zone, not UTC
	WriteFile   string
	FlowsFile   string
	FlowsFormat string // --flows-format: jsonl or csv; "": from the file name
	MetricsAddr string
	MetricsMax  int
	MaxFlows    int
	IdleTimeout time.Duration
	Services    []string
	Ephemeral   string
	Quiet       bool
	CPUProfile  string
	User        string // -Z: whom to run as once the capture is open ("": nobody when root)
	Force       bool   // -w and --flows may overwrite an existing file
	cmdutil.DecodeFlags
}

// NewCmdSniff returns `portsift sniff`. runF, when set, receives the
// options instead of running (tests).
func NewCmdSniff(ios *IOStreams, runF func(*SniffOptions) error) *cobra.Command {
	opts := &SniffOptions{IO: ios}
	c := &cobra.Command{
		Use:   "sniff -i IFACE [flags] | sniff --list",
		Short: "Classify the packets of a live interface, refreshing the view every second",
		Long: `Capture on a network interface (libpcap; root or CAP_NET_RAW) and classify the
frames as they arrive, with the same decoding and counting as read. On a
terminal the service table is redrawn in place every --interval, busiest
service first, with packets/s and bits/s over the last interval and totals
since the start; otherwise one report is printed per interval (a table block,
or with -o json and --interval one JSON report per line). Ctrl-C (SIGINT or
SIGTERM), --duration or -c end the capture with the final report, exit 0.
The kernel's received and dropped counters are shown in every report.`,
		Example: `  sudo portsift sniff --list
  sudo portsift sniff -i eth0
  sudo portsift sniff -i any -f 'not port 22'
  sudo portsift sniff -i eth0 --duration 30s -o json
  sudo portsift sniff -i eth0 -c 100000 -w sample.pcap
  sudo portsift sniff -i eth0 --interval 5s -o json > reports.jsonl
  sudo portsift sniff -i eth0 --metrics-addr 127.0.0.1:9155`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.IntervalSet = c.Flags().Changed("interval")
			opts.TopSet = c.Flags().Changed("top")
			if err := validateSniff(opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.List {
				return listRun(opts)
			}
			return sniffRun(c.Context(), opts)
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.Interface, "interface", "i", "", "capture on `IFACE` (any: all interfaces, Linux), or the Nth of sniff --list, as tcpdump -i N")
	f.CountVarP(&opts.numeric, "numeric", "n", "accepted for tcpdump's -n and -nn: portsift never resolves names")
	f.MarkHidden("numeric")
	f.BoolVarP(&opts.List, "list", "D", false, "list the interfaces that can be captured on, with flags and addresses, and exit")
	f.StringVarP(&opts.Filter, "filter", "f", "", "capture only packets matching the BPF `EXPR` (libpcap syntax, run in the kernel)")
	f.DurationVar(&opts.Duration, "duration", 0, "stop after this long (0: until Ctrl-C)")
	cmdutil.AddCount(f, &opts.Count, "stop after `N` packets (0: no limit)")
	f.IntVarP(&opts.Snaplen, "snaplen", "s", capture.MaxCaptureLength, "capture at most `N` bytes of each packet")
	f.BoolVarP(&opts.NoPromisc, "no-promisc", "p", false, "do not put the interface into promiscuous mode")
	f.BoolVar(&opts.Immediate, "immediate-mode", false, "hand over each packet as it arrives instead of in batches of up to 100ms")
	f.IntVarP(&opts.BufferKiB, "buffer-size", "B", capture.DefaultLiveBuffer>>10, "kernel capture buffer in `KiB`")
	f.DurationVar(&opts.Interval, "interval", classify.DefaultInterval, "refresh the view (or print a report) every `D`")
	cmdutil.AddFormat(f, &opts.Format, "output `FORMAT`: table or json", "table", "json")
	f.Var(cmdutil.NonNegative(&opts.Top, "fit"), "top", "show at most `N` services: in the live view (0: as many as the terminal has room for, or all) and in the final table (0: all; default: 20 on a terminal, all otherwise)")
	cmdutil.AddSort(f, &opts.Sort, "order the final table by `KEY`: bytes, packets or flows")
	f.BoolVar(&opts.LocalTime, "local-time", false, "show the table's times in the local time zone (default: UTC)")
	f.StringVarP(&opts.WriteFile, "write", "w", "", "also save the captured packets to `FILE` (pcapng if it ends in .pcapng, else pcap); never over an existing file without --force. '-' or /dev/stdout: to standard output, and the reports go to standard error")
	f.BoolVar(&opts.Force, "force", false, "let -w and --flows overwrite an existing file (never through a symbolic link)")
	f.StringVarP(&opts.User, "relinquish-privileges", "Z", "", "once the capture is open, run as `USER` (default when started as root: "+defaultUser+"; -Z root keeps root)")
	f.StringVar(&opts.FlowsFile, "flows", "", "write one line per flow to `FILE` (.jsonl or .csv) as flows end; never over an existing file without --force. '-' or /dev/stdout: to standard output, and the reports go to standard error")
	cmdutil.AddFlowsFormat(f, &opts.FlowsFormat)
	f.StringVar(&opts.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://`ADDR`/metrics, e.g. 127.0.0.1:9155 (default off)")
	opts.MetricsMax = metrics.DefaultMetricsMaxServices
	f.Var(cmdutil.NonNegative(&opts.MetricsMax, ""), "metrics-max-services", "give at most `N` unnamed service ports their own series; fold the rest into service=\"other\"")
	cmdutil.AddRegistry(f, &opts.Services, &opts.Ephemeral)
	cmdutil.AddFlowTable(f, &opts.MaxFlows, &opts.IdleTimeout, fmt.Sprintf("bound the flow table to `N` flows, evicting the longest idle (default %d)", classify.DefaultMaxFlows))
	opts.DecodeFlags.Add(f)
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no status messages on stderr")
	f.StringVar(&opts.CPUProfile, "cpuprofile", "", "write a CPU profile of the capture to `FILE` (for pprof)")
	f.MarkHidden("cpuprofile")
	return c
}

func validateSniff(o *SniffOptions) error {
	if o.List {
		return nil
	}
	if o.Interface == "" {
		return cmdutil.FlagErrorf("sniff needs an interface: -i IFACE (portsift sniff --list shows them)")
	}
	switch {
	case o.Duration < 0:
		return cmdutil.FlagErrorf("--duration must be positive, not %v", o.Duration)
	case o.Snaplen < 1 || o.Snaplen > capture.MaxCaptureLength:
		return cmdutil.FlagErrorf("--snaplen must be 1 to %d, not %d", capture.MaxCaptureLength, o.Snaplen)
	case o.BufferKiB < 1:
		return cmdutil.FlagErrorf("--buffer-size must be at least 1 KiB, not %d", o.BufferKiB)
	case o.Interval < 10*time.Millisecond:
		return cmdutil.FlagErrorf("--interval must be at least 10ms, not %v", o.Interval)
	case o.IdleTimeout == 0:
		return cmdutil.FlagErrorf("--idle-timeout must be positive, not %v", o.IdleTimeout)
	}
	if err := o.DecodeFlags.Check(); err != nil {
		return err
	}
	if err := checkFlowsFlags(o.FlowsFile, o.FlowsFormat); err != nil {
		return err
	}
	if o.WriteFile != "" && o.FlowsFile != "" && stdStream(o.WriteFile) != notStd && stdStream(o.WriteFile) == stdStream(o.FlowsFile) {
		return cmdutil.FlagErrorf("-w %q and --flows %q are the same stream: give one of them a file", o.WriteFile, o.FlowsFile)
	}
	return nil
}

// sniffMode is how reports reach the user during the capture.
type sniffMode int

const (
	modeView   sniffMode = iota // table on a terminal: redraw in place
	modeBlocks                  // table, not a terminal: one block per interval
	modeJSONL                   // -o json --interval: one compact report per line
	modeFinal                   // -o json: only the final report (a status line on a terminal's stderr)
)

func (o *SniffOptions) mode() sniffMode {
	switch {
	case o.Format == "json" && o.IntervalSet:
		return modeJSONL
	case o.Format == "json":
		return modeFinal
	case o.IO.OutTTY:
		return modeView
	}
	return modeBlocks
}

func sniffRun(ctx context.Context, opts *SniffOptions) error {
	setGCPercent(bigHeapGCPercent) // a capture may run for days: its peak memory matters, its start-up does not
	reg, err := loadRegistry(opts.Services)
	if err != nil {
		return err
	}
	eph, err := registry.ParseEphemeral(opts.Ephemeral)
	if err != nil {
		return cmdutil.FlagErrorWrap(fmt.Errorf("--ephemeral: %w", err))
	}
	topts := classify.Options{Registry: reg, Ephemeral: &eph, MaxFlows: opts.MaxFlows, IdleTimeout: opts.IdleTimeout}
	opts.DecodeFlags.Apply(&topts)
	// Whom to become once the capture is open (-Z), decided first: an
	// unknown user fails before the interface is touched.
	drop, err := privilegeTarget(opts.User)
	if err != nil {
		return err
	}
	// So does a refused -w or --flows file (they are created later, once
	// the capture is open: a capture that fails creates no file).
	if opts.WriteFile != "" {
		if err := precheckOutput("-w", opts.WriteFile, opts.Force); err != nil {
			return err
		}
	}
	if opts.FlowsFile != "" {
		if err := precheckOutput("--flows", opts.FlowsFile, opts.Force); err != nil {
			return err
		}
	}
	// An output on standard output sends the reports (and the live view)
	// to standard error, so the two never interleave; std keeps the
	// streams the outputs are opened on.
	std := opts.IO
	if stdStream(opts.WriteFile) == stdOut || stdStream(opts.FlowsFile) == stdOut {
		ios := *opts.IO
		ios.Out, ios.OutTTY = ios.ErrOut, ios.ErrTTY
		o := *opts
		o.IO = &ios
		opts = &o
	}

	if name, err := interfaceByIndex(opts.Interface); err != nil {
		return err
	} else {
		opts.Interface = name
	}
	src, err := capture.OpenLive(opts.Interface, capture.LiveOptions{
		Snaplen: opts.Snaplen, NoPromisc: opts.NoPromisc, Immediate: opts.Immediate,
		BufferSize: opts.BufferKiB << 10, Filter: opts.Filter,
	})
	if err != nil {
		if errors.Is(err, capture.ErrBadFilter) {
			return cmdutil.FlagErrorWrap(err)
		}
		return err
	}
	defer src.Close()
	link := src.LinkType()

	var (
		wr        *capture.Writer
		wrFile    *output
		flows     *render.FlowWriter
		flowsFile *output
	)
	defer func() {
		if wr != nil {
			wr.Close() // flushes what was written before an early return
		}
		wrFile.Close()
		flowsFile.Close()
	}()
	if opts.WriteFile != "" {
		if wrFile, err = openOutput(std, "-w", opts.WriteFile, opts.Force); err != nil {
			return err
		}
		if wr, err = capture.NewFileWriter(wrFile, opts.WriteFile, src.LinkType(), src.Snaplen()); err != nil {
			return fmt.Errorf("-w: %w", err)
		}
	}
	if opts.FlowsFile != "" {
		csv, _ := flowsFormat(opts.FlowsFile, opts.FlowsFormat)
		if flowsFile, err = openOutput(std, "--flows", opts.FlowsFile, opts.Force); err != nil {
			return err
		}
		flows = render.NewFlowWriter(flowsFile, csv)
		topts.FlowLog = func(r *report.FlowRecord) { flows.Write(r) }
	}

	latest := report.NewLatest()
	if opts.MetricsAddr != "" {
		stop, err := serveMetrics(opts, latest)
		if err != nil {
			return err
		}
		defer stop()
	}
	if opts.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Duration)
		defer cancel()
	}
	lo := classify.LiveOptions{
		Interval: opts.Interval,
		Limit:    opts.Count,
		Decorate: func(r *report.Report) {
			if wr != nil {
				wr.Flush() // once per interval, so the file can be read during the capture; an error ends the next write
			}
		},
		OnInterval: func() {
			if flows != nil {
				flows.Flush() // the flows that ended in the interval can be read now; an error shows at the end
			}
		},
	}
	if wr != nil {
		lo.OnFrame = wr.WriteFrame
	}

	if opts.CPUProfile != "" {
		pf, err := os.Create(opts.CPUProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	// Everything that needs root is open: the capture, the files, the
	// metrics socket. Drop root before the first packet is read.
	if err := drop.apply(); err != nil {
		return err
	}
	if !opts.Quiet {
		as := ""
		if !drop.keep() {
			as = ", running as " + drop.String()
		}
		fmt.Fprintf(opts.IO.ErrOut, "portsift: listening on %s, link-type %s, snapshot length %d bytes%s\n",
			opts.Interface, link, src.Snaplen(), as)
	}
	pr := startPrinter(opts, latest)
	final, runErr := pipeline.Sniff(ctx, src, opts.Filter, topts, lo, latest)
	pr.stop()
	src.Close()

	var errs []error
	if wr != nil {
		if err := wr.Close(); err != nil { // flushes
			errs = append(errs, fmt.Errorf("-w: %w", err))
		} else if err := wrFile.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if flows != nil {
		if err := flows.Flush(); err != nil {
			errs = append(errs, flowsFile.errorf(err))
		} else if err := flowsFile.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := writeFinal(opts, final, pr); err != nil {
		return err
	}
	if runErr != nil {
		errs = append([]error{runErr}, errs...)
	}
	return errors.Join(errs...)
}

// writeFinal prints the final report in the format and mode chosen.
func writeFinal(opts *SniffOptions, s *report.Snapshot, pr *printer) error {
	out := opts.IO.Out
	switch opts.mode() {
	case modeJSONL:
		return writeJSONLine(out, intervalOf(pr.last, s, pr.lines+1))
	case modeFinal:
		return report.WriteJSON(out, s.Report)
	case modeView:
		fmt.Fprint(out, "\033[H\033[J") // the final report replaces the view
	}
	var b bytes.Buffer
	width := opts.IO.outWidth()
	if err := render.WriteText(&b, s.Report, render.TextOptions{LocalTime: opts.LocalTime, Top: tableTop(opts.Top, opts.TopSet, opts.IO.OutTTY), Sort: opts.Sort, Width: width}); err != nil {
		return err
	}
	b.WriteByte('\n')
	var c bytes.Buffer
	render.WriteCapture(&c, s.Report)
	for line := range strings.Lines(c.String()) {
		b.WriteString(render.Wrap(strings.TrimSuffix(line, "\n"), width, len("capture:  ")))
		b.WriteByte('\n')
	}
	_, err := out.Write(b.Bytes())
	return err
}

// intervalOf is the JSONL line for snapshot s: its counts since prev (nil:
// since the start), and s's report as the cumulative one.
func intervalOf(prev, s *report.Snapshot, seq uint64) *report.Interval {
	var pr *report.Report
	since := time.Duration(0)
	if prev != nil {
		pr, since = prev.Report, prev.Elapsed
	}
	return report.NewInterval(pr, s.Report, seq, (s.Elapsed - since).Seconds(), s.Final)
}

func writeJSONLine(w io.Writer, r any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// printer shows the published snapshots during the capture, from its own
// goroutine: the capture loop never waits for it (a slow terminal or pipe
// makes it skip snapshots, never the capture drop packets).
type printer struct {
	done chan struct{}
	out  chan struct{}
	// last is the snapshot of the last interval line printed (JSONL), and
	// lines how many: the final line is the delta since then. Read once
	// out is closed.
	last  *report.Snapshot
	lines uint64
}

func startPrinter(opts *SniffOptions, latest *report.Latest) *printer {
	p := &printer{done: make(chan struct{}), out: make(chan struct{})}
	mode := opts.mode()
	status := mode == modeFinal && opts.IO.ErrTTY && !opts.Quiet
	if mode == modeFinal && !status {
		close(p.out)
		return p
	}
	go func() {
		defer close(p.out)
		var prev *report.Snapshot
		drawn := false
		for {
			select {
			case <-p.done:
				if status && drawn {
					fmt.Fprint(opts.IO.ErrOut, "\r\033[K")
				}
				return
			case <-latest.Updates():
			}
			s := latest.Load()
			if s == nil || s.Final {
				continue
			}
			if s.Seq == 0 && mode != modeView { // the empty snapshot of the start
				prev, p.last = s, s
				continue
			}
			switch {
			case status:
				r := s.Report
				line := fmt.Sprintf("capturing on %s: %s, %s, %.0f packets/s", opts.Interface, render.Count(r.Frames, "packet"),
					humanBytes(int64(r.Bytes)), float64(r.Frames)/max(s.Elapsed.Seconds(), 1e-9))
				if c := r.Capture; c != nil && c.DroppedKernel+c.DroppedInterface > 0 {
					line += ", " + render.Count(c.DroppedKernel+c.DroppedInterface, "packet") + " dropped"
				}
				fmt.Fprintf(opts.IO.ErrOut, "\r\033[K%s", statusFit(line, opts.IO.errWidth()))
				drawn = true
			case mode == modeJSONL:
				p.lines++
				writeJSONLine(opts.IO.Out, intervalOf(p.last, s, p.lines))
				p.last = s
			case mode == modeView:
				if !drawn {
					fmt.Fprint(opts.IO.Out, "\033[2J")
					drawn = true
				}
				render.WriteView(opts.IO.Out, prev, s, render.ViewOptions{Rows: viewRows(opts), Terminal: true, Width: opts.IO.outWidth()})
			default:
				var b bytes.Buffer
				render.WriteView(&b, prev, s, render.ViewOptions{Rows: opts.Top})
				b.WriteByte('\n')
				opts.IO.Out.Write(b.Bytes())
			}
			prev = s
		}
	}()
	return p
}

func (p *printer) stop() {
	select {
	case <-p.done:
	default:
		close(p.done)
	}
	<-p.out
}

// viewRows is how many service rows fit the terminal (--top caps it).
func viewRows(opts *SniffOptions) int {
	rows := 0
	if f, ok := opts.IO.Out.(*os.File); ok {
		if _, h, err := term.GetSize(int(f.Fd())); err == nil {
			rows = max(h-14, 3) // header, capture and table lines, buckets, a few alerts
		}
	}
	if opts.Top > 0 && (rows == 0 || opts.Top < rows) {
		rows = opts.Top
	}
	return rows
}

// serveMetrics starts the /metrics endpoint; stop shuts it down.
func serveMetrics(opts *SniffOptions, latest *report.Latest) (stop func(), err error) {
	ln, err := net.Listen("tcp", opts.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %q: %w", opts.MetricsAddr, err)
	}
	limit := opts.MetricsMax
	if limit == 0 {
		limit = -1 // fold every unnamed port
	}
	mux := http.NewServeMux()
	// Only /metrics, exactly: every other path is 404 (the mux's default).
	mux.Handle("/metrics", metrics.MetricsHandler(metrics.NewCollector(latest, limit)))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	addr := ln.Addr().(*net.TCPAddr)
	if !addr.IP.IsLoopback() {
		fmt.Fprintf(opts.IO.ErrOut, "portsift: warning: --metrics-addr %s is not a loopback address: anyone who can reach %s can read this host's traffic summary\n",
			opts.MetricsAddr, addr)
	}
	fmt.Fprintf(opts.IO.ErrOut, "portsift: serving metrics at http://%s/metrics\n", addr) // even with -q: the port may have been chosen (:0)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}
