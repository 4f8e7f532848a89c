package cli

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/decode"
	"github.com/spf13/pflag"
)

// DecodeFlags shape decoding; read, check and sniff share them.
type DecodeFlags struct {
	Decap      bool
	DecapDepth int
}

func (d *DecodeFlags) add(f *pflag.FlagSet) {
	f.BoolVar(&d.Decap, "decap", false, "classify the inner flow of tunnels (GRE, ERSPAN, VXLAN, Geneve, GTP-U, IP-in-IP, Teredo) instead of the outer one")
	f.IntVar(&d.DecapDepth, "decap-depth", decode.DefaultMaxDepth, "open at most `N` nested tunnels; deeper frames count as their outer flow")
}

func (d *DecodeFlags) check() error {
	if d.DecapDepth < 1 || d.DecapDepth > 64 {
		return FlagErrorf("--decap-depth must be between 1 and 64, not %d", d.DecapDepth)
	}
	return nil
}

func (d *DecodeFlags) apply(o *classify.Options) { o.Decap, o.DecapDepth = d.Decap, d.DecapDepth }

// addThreadsFlag adds --threads, for commands that read files.
func addThreadsFlag(f *pflag.FlagSet, p *int) {
	f.IntVar(p, "threads", 0, "goroutines to read with: 1 does everything on one; 2 reads and decodes on one, counts on the other; N>2 reads on one and counts flows split by address pair over N-1, and reads up to N-1 of several files at once; 0 (default): the number of cores. Reports are identical")
}

func checkThreads(n int) error {
	if n < 0 {
		return FlagErrorf("--threads must be 0 (automatic) or more, not %d", n)
	}
	return nil
}

// addCountFlag adds -c/--count. Its parse errors say what is wrong with the
// number ("-1 is negative", "too large") instead of strconv's wording.
func addCountFlag(f *pflag.FlagSet, p *uint64, usage string) {
	f.VarP((*countValue)(p), "count", "c", usage)
}

type countValue uint64

func (c *countValue) String() string { return strconv.FormatUint(uint64(*c), 10) }
func (c *countValue) Type() string   { return "uint" }

func (c *countValue) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 64)
	switch {
	case err == nil:
		*c = countValue(n)
		return nil
	case strings.HasPrefix(s, "-"):
		return fmt.Errorf("a packet count cannot be negative")
	case errors.Is(err, strconv.ErrRange):
		return fmt.Errorf("too large: a packet count is at most %d", uint64(math.MaxUint64))
	}
	return fmt.Errorf("not a whole number of packets")
}
