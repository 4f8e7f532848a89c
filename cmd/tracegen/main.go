package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code (0 ok, 1
// failure, 2 usage error).
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tracegen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		outDir   = fs.String("out", "", "write the small trace set into `DIR`/traces, DIR/corrupt and DIR/tunnels")
		list     = fs.Bool("list", false, "print the flow table of every small trace")
		big      = fs.Bool("big", false, "write the large benchmark trace to -o")
		synflood = fs.Int("synflood", 0, "write `N` SYN-only packets from distinct random sources to one server to -o")
		packets  = fs.Int("packets", 5000000, "-big: number of `packets`")
		flows    = fs.Int("flows", 95000, "-big: number of `flows`")
		seed     = fs.Uint64("seed", 1, "-big, -synflood: random `seed`")
		output   = fs.String("o", "", "-big, -synflood: output `FILE` (- for stdout)")
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: tracegen -out DIR | -list | -big [-packets N] [-flows N] [-seed S] -o FILE | -synflood N [-seed S] -o FILE\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "tracegen: "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	modes := 0
	for _, on := range []bool{*outDir != "", *list, *big, *synflood != 0} {
		if on {
			modes++
		}
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected argument %q", fs.Arg(0))
	case modes != 1:
		return usage("give exactly one of -out, -list, -big, -synflood")
	case (*big || *synflood != 0) && *output == "":
		return usage("-big and -synflood need -o FILE")
	case *synflood < 0:
		return usage("-synflood must be positive, not %d", *synflood)
	case *big && (*packets <= 0 || *flows <= 0):
		return usage("-packets and -flows must be positive")
	}

	var err error
	switch {
	case *outDir != "":
		err = writeSmall(*outDir)
	case *list:
		err = listTraces(stdout)
	case *big:
		err = writeLarge(*output, stderr, func(w io.Writer) (stats, error) {
			return writeBig(w, bigConfig{packets: *packets, flows: *flows, seed: *seed})
		})
	default:
		err = writeLarge(*output, stderr, func(w io.Writer) (stats, error) {
			return writeSynflood(w, *synflood, *seed)
		})
	}
	if err != nil {
		fmt.Fprintf(stderr, "tracegen: %v\n", err)
		return 1
	}
	return 0
}

// writeSmall generates the small trace set and writes it under dir.
func writeSmall(dir string) error {
	ts, err := generate()
	if err != nil {
		return err
	}
	for _, t := range ts {
		p := filepath.Join(dir, filepath.FromSlash(t.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, t.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// listTraces prints each small trace and its flow table.
func listTraces(w io.Writer) error {
	ts, err := generate()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	for _, t := range ts {
		n := fmt.Sprintf("%d frames", t.nread)
		switch {
		case t.format == fmtText:
			n = "text"
		case t.nread < 0:
			n = "some frames"
		}
		if t.broken {
			n += ", then a read error"
		}
		fmt.Fprintf(bw, "%s  (%d bytes, %s)\n    %s\n", t.path, len(t.data), n, t.about)
		if len(t.frames) > 0 {
			fmt.Fprintf(bw, "    buckets: %s\n", bucketSummary(t.frames))
			if hasDecap(t.frames) {
				fmt.Fprintf(bw, "    --decap: %s\n", bucketSummary(decapView(t.frames)))
			}
		}
		for _, r := range t.table {
			fmt.Fprintf(bw, "    %3d  %-28s %s\n         -> %s\n", len(r.frames), bucketSummary(r.frames), r.what, r.expect)
			if r.decap != "" {
				fmt.Fprintf(bw, "         --decap -> %s  [%s]\n", r.decap, bucketSummary(decapView(r.frames)))
			}
		}
	}
	return bw.Flush()
}

// bucketSummary counts frames per intended bucket, in order of appearance,
// e.g. "2 udp, 1 fragment"; cut frames whose ports are readable show as
// "tcp+short".
func bucketSummary(fs []frame) string {
	counts := map[string]int{}
	var order []string
	for _, f := range fs {
		b := f.bucket
		if f.short {
			b += "+short"
		}
		if counts[b] == 0 {
			order = append(order, b)
		}
		counts[b]++
	}
	parts := make([]string, len(order))
	for i, b := range order {
		parts[i] = fmt.Sprintf("%d %s", counts[b], b)
	}
	return strings.Join(parts, ", ")
}

// hasDecap says whether --decap reads any of the frames differently.
func hasDecap(fs []frame) bool {
	for _, f := range fs {
		if f.decap != nil {
			return true
		}
	}
	return false
}

// decapView returns what --decap makes of each frame.
func decapView(fs []frame) []frame {
	out := make([]frame, len(fs))
	for i, f := range fs {
		out[i] = f
		if f.decap != nil {
			out[i] = *f.decap
		}
	}
	return out
}

// stats summarises a large trace.
type stats struct {
	packets, bytes, flows int64
	v6, vlan, frags       int64
}

// writeLarge creates path (or uses stdout for -), lets gen write into it
// through a large buffer and prints a one-line summary to stderr.
func writeLarge(path string, stderr io.Writer, gen func(io.Writer) (stats, error)) (err error) {
	out := io.Writer(os.Stdout)
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		out = f
	}
	bw := bufio.NewWriterSize(out, 4<<20)
	t0 := time.Now()
	st, err := gen(bw)
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	el := time.Since(t0)
	fmt.Fprintf(stderr, "tracegen: %s: %d packets, %d bytes, %d flows (%d IPv6, %d VLAN-tagged, %d IPv4 fragments) in %.2fs (%.0f packets/s)\n",
		path, st.packets, st.bytes, st.flows, st.v6, st.vlan, st.frags, el.Seconds(), float64(st.packets)/el.Seconds())
	return nil
}
