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

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/decode"
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
	f.Uint64VarP(&opts.Count, "count", "c", 0, "stop after `N` packets (0: all)")
	f.StringVar(&opts.FlowsFile, "flows", "", "write one line per flow to `FILE` (.jsonl or .csv)")
	addRegistryFlags(f, &opts.Services, &opts.Ephemeral)
	f.IntVar(&opts.MaxFlows, "max-flows", 0, fmt.Sprintf("bound the flow table to `N` flows, evicting the longest idle (default %d)", classify.DefaultMaxFlows))
	f.DurationVar(&opts.IdleTimeout, "idle-timeout", classify.DefaultIdleTimeout, "end a flow after this long without a packet (packet time)")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no progress bar")
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

// captureSource adapts capture.Reader to classify.Source.
type captureSource struct{ r *capture.Reader }

func (s captureSource) Next() ([]byte, gopacket.CaptureInfo, decode.LinkType, error) {
	data, ci, lt, err := s.r.Next()
	return data, ci, linkType(lt), err
}

// linkType maps capture's link type values to decode's.
func linkType(lt layers.LinkType) decode.LinkType {
	switch lt {
	case capture.LinkTypeLinuxSLL2:
		return decode.LinkLinuxSLL2
	case capture.LinkTypeUnsupported:
		return 0xffff
	}
	return decode.LinkType(lt)
}

func readRun(ctx context.Context, opts *ReadOptions) error {
	reg, err := loadRegistry(opts.Services)
	if err != nil {
		return err
	}
	eph, err := registry.ParseEphemeral(opts.Ephemeral)
	if err != nil {
		return &FlagError{fmt.Errorf("--ephemeral: %w", err)}
	}
	rd, err := capture.Open(opts.Files, capture.Options{Filter: opts.Filter, Stdin: opts.IO.In})
	if err != nil {
		if errors.Is(err, capture.ErrBadFilter) {
			return &FlagError{err}
		}
		return err
	}
	defer rd.Close()

	var flows *classify.FlowWriter
	var flowsFile *os.File
	if opts.FlowsFile != "" {
		csv, _ := flowsFormat(opts.FlowsFile)
		flowsFile, err = os.Create(opts.FlowsFile)
		if err != nil {
			return fmt.Errorf("--flows: %w", err)
		}
		defer flowsFile.Close()
		flows = classify.NewFlowWriter(flowsFile, csv)
	}
	topts := classify.Options{Registry: reg, Ephemeral: &eph, MaxFlows: opts.MaxFlows, IdleTimeout: opts.IdleTimeout}
	if flows != nil {
		topts.FlowLog = func(r *classify.FlowRecord) { flows.Write(r) }
	}
	tr := classify.NewTracker(topts)
	dec := decode.NewDecoder()

	var bar *progress
	if opts.IO.ErrTTY && !opts.Quiet {
		bar = startProgress(opts.IO.ErrOut, rd)
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
	runErr := tr.Run(ctx, captureSource{rd}, dec, opts.Count)
	if bar != nil {
		bar.stop()
	}
	tr.Finish()
	rep := tr.Report()
	rep.Filter = opts.Filter
	rep.DecodePanics = dec.Panics
	for _, s := range rd.Sources() {
		si := classify.SourceInfo{Name: s.Name, Format: s.Format, LinkTypes: []string{}, Frames: s.Frames, Filtered: s.Filtered}
		for _, lt := range s.LinkTypes {
			si.LinkTypes = append(si.LinkTypes, linkType(lt).String())
		}
		if s.Err != nil {
			si.Error = s.Err.Error()
		}
		rep.Sources = append(rep.Sources, si)
	}
	if flows != nil {
		if err := flows.Flush(); err != nil {
			return fmt.Errorf("--flows %q: %w", opts.FlowsFile, err)
		}
		if err := flowsFile.Close(); err != nil {
			return fmt.Errorf("--flows %q: %w", opts.FlowsFile, err)
		}
	}
	if err := writeReport(opts.IO.Out, rep, opts.Format, classify.TextOptions{Top: opts.Top, Sort: opts.Sort}); err != nil {
		return err
	}
	// What stopped a read is printed after the report, one line per file.
	failed := false
	for _, s := range rd.Sources() {
		if s.Err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "portsift: %v\n", s.Err)
			failed = true
		}
	}
	switch {
	case runErr != nil && errors.Is(runErr, context.Canceled):
		fmt.Fprintln(opts.IO.ErrOut, "portsift: interrupted; the report covers the packets read so far")
		return errSilent
	case runErr != nil:
		return runErr
	case failed:
		return errSilent
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
