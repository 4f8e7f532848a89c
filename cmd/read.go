package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/portsift/portsift/classify"
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
	Sort        string
	Count       uint64
	FlowsFile   string
	Services    []string
	Ephemeral   string
	MaxFlows    int
	IdleTimeout time.Duration
	Quiet       bool
	CPUProfile  string
	Threads     int
	DecodeFlags
}

// NewCmdRead returns `portsift read`. runF, when set, receives the options
// instead of running (tests).
func NewCmdRead(ios *IOStreams, runF func(*ReadOptions) error) *cobra.Command {
	opts := &ReadOptions{IO: ios}
	c := &cobra.Command{
		Use:   "read FILE... [flags]",
		Short: "Classify the packets of capture files (pcap, pcapng, gzip; - for stdin)",
		Long: `Read capture files in order as one stream and print one report: services with
packets, bytes and flows in each direction, the ephemeral row, frame buckets and
alerts. The format is detected from the file's magic number (pcap in either byte
order, micro- or nanosecond; pcapng; either one gzip-compressed), never from its
name. '-' reads standard input.`,
		Example: `  portsift read capture.pcapng
  portsift read a.pcap b.pcap.gz -o json
  tcpdump -i eth0 -w - | portsift read -
  portsift read big.pcap -f 'tcp port 443'
  portsift read x.pcap --flows flows.jsonl`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Files = args
			if err := checkFormat(opts.Format, "table", "json", "csv"); err != nil {
				return err
			}
			switch opts.Sort {
			case "bytes", "packets", "flows":
			default:
				return FlagErrorf("unknown sort key %q (want bytes, packets or flows)", opts.Sort)
			}
			if opts.Top < 0 {
				return FlagErrorf("--top must be 0 (all) or more, not %d", opts.Top)
			}
			if opts.MaxFlows < 0 {
				return FlagErrorf("--max-flows must be 0 (default %d) or more, not %d", classify.DefaultMaxFlows, opts.MaxFlows)
			}
			if opts.IdleTimeout < 0 {
				return FlagErrorf("--idle-timeout must be positive, not %v", opts.IdleTimeout)
			}
			if err := opts.DecodeFlags.check(); err != nil {
				return err
			}
			if err := checkThreads(opts.Threads); err != nil {
				return err
			}
			if n := countStdin(args); n > 1 {
				return FlagErrorf("standard input ('-') can be read only once, not %d times", n)
			}
			if opts.FlowsFile != "" {
				if _, err := flowsFormat(opts.FlowsFile); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return readRun(c.Context(), opts)
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.Filter, "filter", "f", "", "keep only packets matching the BPF `EXPR` (libpcap syntax)")
	f.StringVarP(&opts.Format, "format", "o", "table", "output `FORMAT`: table, json or csv")
	f.IntVar(&opts.Top, "top", 0, "show at most `N` services in the table (0: all)")
	f.StringVar(&opts.Sort, "sort", "bytes", "order the table by `KEY`: bytes, packets or flows")
	addCountFlag(f, &opts.Count, "stop after `N` packets (0: all)")
	f.StringVar(&opts.FlowsFile, "flows", "", "write one line per flow to `FILE` (.jsonl or .csv)")
	addRegistryFlags(f, &opts.Services, &opts.Ephemeral)
	f.IntVar(&opts.MaxFlows, "max-flows", 0, fmt.Sprintf("bound the flow table to `N` flows, evicting the longest idle (default %d)", classify.DefaultMaxFlows))
	f.DurationVar(&opts.IdleTimeout, "idle-timeout", classify.DefaultIdleTimeout, "end a flow after this long without a packet (packet time)")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no progress bar")
	opts.DecodeFlags.add(f)
	addThreadsFlag(f, &opts.Threads)
	f.StringVar(&opts.CPUProfile, "cpuprofile", "", "write a CPU profile of the read to `FILE` (for pprof)")
	f.MarkHidden("cpuprofile")
	return c
}

type stringArray interface {
	StringArrayVar(p *[]string, name string, value []string, usage string)
	StringVar(p *string, name string, value string, usage string)
}

func addRegistryFlags(f stringArray, services *[]string, eph *string) {
	f.StringArrayVar(services, "services", nil, "add or override registry entries from `FILE` (IANA CSV or /etc/services format); repeatable")
	presets := []string{}
	for _, p := range registry.Presets() {
		presets = append(presets, p.Name)
	}
	f.StringVar(eph, "ephemeral", "iana,linux", "client port `RANGES`: ranges like 32768-60999 and presets "+strings.Join(presets, ", "))
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

// flowsFormat tells from the file name whether --flows writes CSV.
func flowsFormat(name string) (csv bool, err error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return true, nil
	case ".jsonl", ".ndjson", ".json":
		return false, nil
	}
	return false, FlagErrorf("--flows %q: name the file .jsonl or .csv", name)
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
		return classify.Options{}, &FlagError{fmt.Errorf("--ephemeral: %w", err)}
	}
	return classify.Options{Registry: reg, Ephemeral: &eph}, nil
}

func readRun(ctx context.Context, opts *ReadOptions) error {
	topts, err := registryOptions(opts.Services, opts.Ephemeral)
	if err != nil {
		return err
	}
	var (
		flows     *classify.FlowWriter
		flowsFile *os.File
		profile   *os.File
		bar       *progress
	)
	defer func() {
		if flowsFile != nil {
			flowsFile.Close()
		}
	}()
	topts.MaxFlows, topts.IdleTimeout = opts.MaxFlows, opts.IdleTimeout
	topts.Filter, topts.Count, topts.Stdin = opts.Filter, opts.Count, opts.IO.In
	topts.Threads = opts.Threads
	opts.DecodeFlags.apply(&topts)
	// Started runs once every input is open and the filter compiled, so a
	// missing file or a bad filter creates no flow log.
	topts.Started = func(p classify.ReadProgress) error {
		if opts.FlowsFile != "" {
			csv, _ := flowsFormat(opts.FlowsFile)
			f, err := os.Create(opts.FlowsFile)
			if err != nil {
				return fmt.Errorf("--flows: %w", err)
			}
			flowsFile, flows = f, classify.NewFlowWriter(f, csv)
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
		if opts.IO.ErrTTY && !opts.Quiet {
			bar = startProgress(opts.IO.ErrOut, p)
		}
		return nil
	}
	if opts.FlowsFile != "" {
		topts.FlowLog = func(r *classify.FlowRecord) { flows.Write(r) }
	}
	rep, runErr := classify.ReadFiles(ctx, opts.Files, topts)
	if profile != nil {
		pprof.StopCPUProfile()
		profile.Close()
	}
	if bar != nil {
		bar.stop()
	}
	if rep == nil { // nothing was read: a missing file, a bad filter
		if errors.Is(runErr, classify.ErrBadFilter) {
			return &FlagError{runErr}
		}
		return runErr
	}
	if flows != nil {
		if err := flows.Flush(); err != nil {
			return fmt.Errorf("--flows %q: %w", opts.FlowsFile, err)
		}
		err := flowsFile.Close()
		flowsFile = nil
		if err != nil {
			return fmt.Errorf("--flows %q: %w", opts.FlowsFile, err)
		}
	}
	if err := writeReport(opts.IO.Out, rep, opts.Format, classify.TextOptions{Top: opts.Top, Sort: opts.Sort}); err != nil {
		return err
	}
	// What stopped a read is printed after the report, one line per file.
	failed := false
	for _, s := range rep.Sources {
		if s.Error != "" {
			fmt.Fprintf(opts.IO.ErrOut, "portsift: %s\n", s.Error)
			failed = true
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

func writeReport(w io.Writer, rep *classify.Report, format string, to classify.TextOptions) error {
	switch format {
	case "json":
		return classify.WriteJSON(w, rep)
	case "csv":
		return classify.WriteCSV(w, rep)
	}
	return classify.WriteText(w, rep, to)
}
