package cli

import (
	"errors"
	"fmt"

	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/cmd/internal/cmdutil"
	"github.com/spf13/cobra"
)

// MergeOptions are the flags and arguments of `portsift merge`.
type MergeOptions struct {
	IO        *IOStreams
	Files     []string
	Format    string
	Force     bool
	Top       int
	TopSet    bool // --top given: honoured on a terminal too
	Sort      string
	LocalTime bool // --local-time: the table's times in the local zone, not UTC
}

// NewCmdMerge returns `portsift merge`. runF, when set, receives the
// options instead of running (tests).
func NewCmdMerge(ios *IOStreams, runF func(*MergeOptions) error) *cobra.Command {
	opts := &MergeOptions{IO: ios}
	c := &cobra.Command{
		Use:   "merge REPORT.json... [flags]",
		Short: "Sum JSON reports made on other files or machines into one report",
		Long: `Combine JSON reports (from 'portsift read -o json', or earlier merges) into
one: counters, packets, bytes and flows are summed, the time span is the union,
sources are listed in order. The result equals reading all the inputs at once,
as long as no flow spans two inputs, except for the distinct client and server
counts of a service found in several inputs: those are sums, upper bounds, and
marked so ("hosts_upper_bound": true in JSON).

Reports made with another registry (--services), other ephemeral ranges or
another filter are refused, since their service keys or their frames differ;
--force merges them anyway. '-' reads a report from standard input.`,
		Example: `  portsift merge day1.json day2.json host-b.json -o json
  portsift read a.pcap -o json | portsift merge - b.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Files = args
			opts.TopSet = c.Flags().Changed("top")
			if n := countStdin(args); n > 1 {
				return cmdutil.FlagErrorf("standard input ('-') can be read only once, not %d times", n)
			}
			if runF != nil {
				return runF(opts)
			}
			return mergeRun(opts)
		},
	}
	f := c.Flags()
	cmdutil.AddFormat(f, &opts.Format, "output `FORMAT`: table, json or csv", "table", "json", "csv")
	f.BoolVar(&opts.Force, "force", false, "merge reports made with different registries, ephemeral ranges or filters")
	f.Var(cmdutil.NonNegative(&opts.Top, "all"), "top", "show at most `N` services in the table (0: all; default: 20 on a terminal, all otherwise)")
	cmdutil.AddSort(f, &opts.Sort, "order the table by `KEY`: bytes, packets or flows")
	f.BoolVar(&opts.LocalTime, "local-time", false, "show the table's times in the local time zone (default: UTC)")
	return c
}

func mergeRun(opts *MergeOptions) error {
	reps := make([]*report.Report, len(opts.Files))
	for i, name := range opts.Files {
		var err error
		if name == "-" {
			reps[i], err = report.ReadReport(opts.IO.In)
			if err != nil {
				err = fmt.Errorf("read standard input: %w", err)
			}
		} else {
			reps[i], err = report.ReadReportFile(name)
		}
		if err != nil {
			return err
		}
	}
	m, err := report.MergeOptions{Force: opts.Force}.Merge(reps...)
	var ie *report.IncompatibleError
	if errors.As(err, &ie) {
		why := "their service keys differ"
		if ie.Field == "filter" {
			why = "they count different frames"
		}
		return fmt.Errorf("%q has %s %q but %q has %q: %s (--force merges them anyway)",
			opts.Files[ie.J], ie.Field, ie.B, opts.Files[ie.I], ie.A, why)
	}
	if err != nil {
		return err
	}
	if err := writeReport(opts.IO.Out, m, opts.Format, render.TextOptions{LocalTime: opts.LocalTime, Top: tableTop(opts.Top, opts.TopSet, opts.IO.OutTTY), Sort: opts.Sort, Width: opts.IO.outWidth()}); err != nil {
		return err
	}
	if opts.Format == "table" {
		n := 0
		for _, s := range m.Services {
			if s.HostsUpperBound {
				n++
			}
		}
		if n > 0 {
			note := fmt.Sprintf("CLIENTS and SERVERS are upper bounds for %d %s found in several reports (distinct hosts cannot be summed)", n, plural(n, "service"))
			_, err = fmt.Fprintf(opts.IO.Out, "\n%s\n", render.Wrap(note, opts.IO.outWidth(), 0))
		}
	}
	return err
}
