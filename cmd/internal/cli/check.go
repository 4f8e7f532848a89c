package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/classify/pipeline"
	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/cmd/internal/cmdutil"
	"github.com/spf13/cobra"
)

// CheckOptions are the flags and arguments of `portsift check`.
type CheckOptions struct {
	IO          *IOStreams
	Files       []string // traces or glob patterns, as given
	Expect      string
	Update      bool
	Tolerance   string
	Only        []string
	Format      string
	Verbose     bool
	Filter      string
	Count       uint64
	Services    []string
	Ephemeral   string
	MaxFlows    int
	IdleTimeout time.Duration
	Quiet       bool
	Threads     int
	cmdutil.DecodeFlags

	tolerance report.Tolerance // parsed Tolerance
}

// NewCmdCheck returns `portsift check`. runF, when set, receives the
// options instead of running (tests).
func NewCmdCheck(ios *IOStreams, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: ios}
	c := &cobra.Command{
		Use:   "check FILE... [--expect REPORT.json] [flags]",
		Short: "Compare the report of capture files with an expected JSON report (regression test)",
		Long: `Read capture files and compare their report with an expected one, as written
by 'portsift read -o json'. Exit 0 when they match, 1 when they differ (the
differences are listed) or when a trace or an expectation cannot be read, 2 on
a usage error.

With --expect, the files are read as one stream (as 'read' does) and compared
with that report. Without it, each file is checked against <name>.report.json
beside it (trace.pcap and trace.pcap.gz: trace.report.json), one line per trace
and a summary; a quoted glob pattern ('traces/*.pcap') is expanded by portsift,
skipping *.report.json files.

What is compared: totals, settings (filter, ephemeral ranges), buckets, services,
the ephemeral row, alerts and flows; never the sources (file names, formats), so
a trace read from another directory or compressed still matches. --only limits
the comparison; --tolerance lets counts differ a little.

--update rewrites the expectation with the new report (atomically: a temporary
file renamed over it), creates it when missing, and leaves it untouched when
nothing changed; it prints what changed.`,
		Example: `  portsift read trace.pcap -o json > trace.report.json
  portsift check trace.pcap --expect trace.report.json
  portsift check trace.pcap --expect trace.report.json --update
  portsift check 'traces/*.pcap'
  portsift check trace.pcap --expect r.json --tolerance 2%
  portsift check trace.pcap --expect r.json --only services,alerts -o json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Files = args
			if opts.Tolerance != "" {
				t, err := report.ParseTolerance(opts.Tolerance)
				if err != nil {
					return cmdutil.FlagErrorWrap(fmt.Errorf("--tolerance: %w", err))
				}
				opts.tolerance = t
			}
			for _, s := range opts.Only {
				if !containsString(report.DiffSections, s) {
					return cmdutil.FlagErrorf("--only: unknown section %q (want %s)", s, cmdutil.JoinOr(report.DiffSections))
				}
			}
			if opts.Update && (opts.Tolerance != "" || len(opts.Only) > 0) {
				return cmdutil.FlagErrorf("--update rewrites the whole expectation: it cannot be combined with --tolerance or --only")
			}
			if n := countStdin(args); n > 1 {
				return cmdutil.FlagErrorf("standard input ('-') can be read only once, not %d times", n)
			} else if n == 1 && opts.Expect == "" {
				return cmdutil.FlagErrorf("standard input ('-') has no report beside it: name one with --expect")
			}
			for _, a := range args {
				if _, err := filepath.Match(a, ""); err != nil {
					return cmdutil.FlagErrorf("bad pattern %q: %v", a, err)
				}
			}
			if err := opts.DecodeFlags.Check(); err != nil {
				return err
			}
			if err := cmdutil.CheckThreads(opts.Threads); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return checkRun(c.Context(), opts)
		},
	}
	f := c.Flags()
	f.StringVar(&opts.Expect, "expect", "", "compare with the report in `FILE` (default: <trace>.report.json beside each trace)")
	f.BoolVar(&opts.Update, "update", false, "rewrite the expectation with the new report (create it if missing); print what changed")
	f.StringVar(&opts.Tolerance, "tolerance", "", "let counts differ by up to `T`: a percentage of the expected count (2%) or an absolute count (10)")
	f.StringSliceVar(&opts.Only, "only", nil, "compare only these `SECTIONS`: "+strings.Join(report.DiffSections, ","))
	cmdutil.AddFormat(f, &opts.Format, "output `FORMAT`: table or json (the differences, machine-readable)", "table", "json")
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, "list the differences of every failing trace, not only of a single one")
	f.StringVarP(&opts.Filter, "filter", "f", "", "keep only packets matching the BPF `EXPR` (as when the expectation was recorded)")
	cmdutil.AddCount(f, &opts.Count, "stop after `N` packets (0: all)")
	cmdutil.AddRegistry(f, &opts.Services, &opts.Ephemeral)
	cmdutil.AddFlowTable(f, &opts.MaxFlows, &opts.IdleTimeout, fmt.Sprintf("bound the flow table to `N` flows (default %d)", classify.DefaultMaxFlows))
	opts.DecodeFlags.Add(f)
	cmdutil.AddThreads(f, &opts.Threads)
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no progress bar")
	return c
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// Check statuses, as printed and in the JSON output.
const (
	checkOK        = "ok"        // the report matches
	checkMismatch  = "fail"      // it differs
	checkError     = "error"     // a trace or the expectation cannot be read
	checkUnchanged = "unchanged" // --update: nothing to write
	checkUpdated   = "updated"   // --update: rewritten
	checkCreated   = "created"   // --update: written where there was none
)

// checkResult is the outcome of one comparison; the JSON output lists them.
type checkResult struct {
	Traces  []string        `json:"traces"`
	Expect  string          `json:"expect"`
	Status  string          `json:"status"` // ok, fail, error, unchanged, updated, created
	Error   string          `json:"error,omitempty"`
	Summary string          `json:"summary,omitempty"` // changes per section
	Changes []report.Change `json:"changes"`
}

func (r *checkResult) failed() bool { return r.Status == checkMismatch || r.Status == checkError }

// checkOutput is what `check -o json` writes.
type checkOutput struct {
	Schema string        `json:"schema"` // portsift.check/v1
	Passed int           `json:"passed"`
	Failed int           `json:"failed"`
	Checks []checkResult `json:"checks"`
}

func checkRun(ctx context.Context, opts *CheckOptions) error {
	copts, err := registryOptions(opts.Services, opts.Ephemeral)
	if err != nil {
		return err
	}
	base := pipeline.Options{Options: copts}
	base.MaxFlows, base.IdleTimeout = opts.MaxFlows, opts.IdleTimeout
	base.Threads = opts.Threads
	opts.DecodeFlags.Apply(&base.Options)
	base.Filter, base.Count, base.Stdin = opts.Filter, opts.Count, opts.IO.In

	files, err := expandTraces(opts.Files)
	if err != nil {
		return err
	}
	type job struct {
		traces []string
		expect string
	}
	var jobs []job
	if opts.Expect != "" {
		jobs = append(jobs, job{files, opts.Expect})
	} else {
		for _, f := range files {
			jobs = append(jobs, job{[]string{f}, expectationPath(f)})
		}
	}
	perTrace := opts.Expect == ""
	details := len(jobs) == 1 || opts.Verbose
	out := checkOutput{Schema: "portsift.check/v1", Checks: []checkResult{}}
	for _, j := range jobs {
		res, err := checkOne(ctx, opts, base, j.traces, j.expect)
		if err != nil {
			return err
		}
		if res.failed() {
			out.Failed++
		} else {
			out.Passed++
		}
		out.Checks = append(out.Checks, res)
		if opts.Format == "table" {
			printCheck(opts.IO.Out, &res, details, opts.IO.outWidth())
		}
	}
	if opts.Format == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else if perTrace {
		fmt.Fprintf(opts.IO.Out, "%d passed, %d failed\n", out.Passed, out.Failed)
	}
	if out.Failed > 0 {
		return errSilent
	}
	return nil
}

// checkOne compares the report of traces with the expectation in expect,
// or rewrites it (--update). It returns an error only for what stops the
// whole command: an interrupt, a bad filter.
func checkOne(ctx context.Context, opts *CheckOptions, base pipeline.Options, traces []string, expect string) (checkResult, error) {
	res := checkResult{Traces: traces, Expect: expect, Changes: []report.Change{}}
	fail := func(format string, args ...any) (checkResult, error) {
		res.Status = checkError
		res.Error = strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", "; ")
		return res, nil
	}
	exp, err := readExpectation(expect)
	missing := errors.Is(err, os.ErrNotExist)
	switch {
	case missing && opts.Update:
	case missing:
		return fail("expectation %q does not exist (record it with --update)", expect)
	case err != nil:
		return fail("expectation unreadable: %v", err)
	}

	var bar *progress
	o := base
	o.Started = func(p pipeline.Progress) error {
		tuneGCForRead(p, traces)
		if opts.IO.ErrTTY && !opts.Quiet {
			bar = startProgress(opts.IO.ErrOut, opts.IO.errWidth, p)
		}
		return nil
	}
	rep, err := pipeline.ReadFiles(ctx, traces, o)
	if bar != nil {
		bar.stop()
	}
	switch {
	case ctx.Err() != nil:
		return res, errInterrupted
	case errors.Is(err, pipeline.ErrBadFilter):
		return res, cmdutil.FlagErrorWrap(err)
	case err != nil:
		return fail("trace unreadable: %v", err)
	}

	if opts.Update {
		return updateExpectation(res, rep, exp, expect)
	}
	d := rep.Diff(exp, report.DiffOptions{Tolerance: opts.tolerance, Only: opts.Only})
	res.Changes = d.Changes
	res.Status = checkOK
	if !d.Equal() {
		res.Status = checkMismatch
		res.Summary = d.Summary()
	}
	return res, nil
}

// readExpectation reads the report in name; a missing file is
// os.ErrNotExist.
func readExpectation(name string) (*report.Report, error) {
	if name == "-" {
		return nil, errors.New("the expectation cannot be standard input")
	}
	if _, err := os.Stat(name); err != nil && errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return report.ReadReportFile(name)
}

// updateExpectation rewrites expect with rep unless nothing changed.
func updateExpectation(res checkResult, rep, old *report.Report, expect string) (checkResult, error) {
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, rep); err != nil {
		return res, err
	}
	res.Status = checkCreated
	if old != nil {
		d := rep.Diff(old, report.DiffOptions{})
		if d.Equal() {
			res.Status = checkUnchanged
			return res, nil
		}
		res.Status, res.Changes, res.Summary = checkUpdated, d.Changes, d.Summary()
	}
	if err := writeFileAtomic(expect, buf.Bytes()); err != nil {
		res.Status = checkError
		res.Error = fmt.Sprintf("update %q: %v", expect, err)
	}
	return res, nil
}

// writeFileAtomic replaces name with data: it writes a temporary file in the
// same directory and renames it over name, so a reader sees the old file or
// the new one, never a part. The file keeps its permissions (0644 if new).
func writeFileAtomic(name string, data []byte) (err error) {
	perm := os.FileMode(0o644)
	if fi, err := os.Stat(name); err == nil {
		perm = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// printCheck writes one line for a check and, when details is set, the
// table of its differences.
func printCheck(w io.Writer, r *checkResult, details bool, width int) {
	trace := strings.Join(r.Traces, " ")
	switch r.Status {
	case checkOK:
		fmt.Fprintf(w, "ok       %s\n", trace)
	case checkError:
		fmt.Fprintf(w, "error    %s: %s\n", trace, r.Error)
	case checkMismatch:
		fmt.Fprintf(w, "FAIL     %s: %d %s from %s (%s)\n", trace, len(r.Changes), plural(len(r.Changes), "difference"), r.Expect, r.Summary)
		if details {
			render.WriteDiff(w, report.Diff{Changes: r.Changes}, width)
		}
	case checkUnchanged:
		fmt.Fprintf(w, "ok       %s: %s unchanged\n", trace, r.Expect)
	case checkCreated:
		fmt.Fprintf(w, "created  %s: %s\n", trace, r.Expect)
	case checkUpdated:
		fmt.Fprintf(w, "updated  %s: %s, %d %s (%s)\n", trace, r.Expect, len(r.Changes), plural(len(r.Changes), "change"), r.Summary)
		render.WriteDiff(w, report.Diff{Changes: r.Changes}, width)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// expandTraces expands glob patterns (portsift does it, so that a quoted
// 'traces/*.pcap' works in any shell and on CI), skipping directories and
// *.report.json files among the matches. Other arguments are kept as given.
func expandTraces(args []string) ([]string, error) {
	var files []string
	for _, a := range args {
		if a == "-" || !strings.ContainsAny(a, "*?[") {
			files = append(files, a)
			continue
		}
		if _, err := os.Stat(a); err == nil { // a file whose name has a '*'
			files = append(files, a)
			continue
		}
		matches, err := filepath.Glob(a)
		if err != nil {
			return nil, cmdutil.FlagErrorWrap(fmt.Errorf("bad pattern %q: %w", a, err))
		}
		n := 0
		for _, m := range matches {
			if strings.HasSuffix(m, ".report.json") {
				continue
			}
			if fi, err := os.Stat(m); err == nil && fi.IsDir() {
				continue
			}
			files = append(files, m)
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("no trace matches %q", a)
		}
	}
	return files, nil
}

// expectationPath names the report beside a trace: its name without the
// extension (and without .gz) plus .report.json, so trace.pcap and
// trace.pcap.gz both give trace.report.json.
func expectationPath(trace string) string {
	base := strings.TrimSuffix(trace, ".gz")
	base = strings.TrimSuffix(base, filepath.Ext(base))
	return base + ".report.json"
}
