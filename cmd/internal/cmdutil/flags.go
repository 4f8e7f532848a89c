package cmdutil

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/registry"
	"github.com/spf13/pflag"
)

// DecodeFlags shape decoding; read, check and sniff share them.
type DecodeFlags struct {
	Decap      bool
	DecapDepth int
}

// Add defines --decap and --decap-depth.
func (d *DecodeFlags) Add(f *pflag.FlagSet) {
	f.BoolVar(&d.Decap, "decap", false, "classify the inner flow of tunnels (GRE, ERSPAN, VXLAN, Geneve, GTP-U, IP-in-IP, Teredo) instead of the outer one")
	f.IntVar(&d.DecapDepth, "decap-depth", decode.DefaultMaxDepth, "open at most `N` nested tunnels; deeper frames count as their outer flow")
}

// Check refuses a depth out of range.
func (d *DecodeFlags) Check() error {
	if d.DecapDepth < 1 || d.DecapDepth > 64 {
		return FlagErrorf("--decap-depth must be between 1 and 64, not %d", d.DecapDepth)
	}
	return nil
}

// Apply sets the decoding options of o.
func (d *DecodeFlags) Apply(o *classify.Options) { o.Decap, o.DecapDepth = d.Decap, d.DecapDepth }

// AddThreads adds --threads, for commands that read files.
func AddThreads(f *pflag.FlagSet, p *int) {
	f.IntVar(p, "threads", 0, "goroutines to read with: 1 does everything on one; 2 reads and decodes on one, counts on the other; N>2 reads on one and counts flows split by address pair over N-1, and reads up to N-1 of several files at once; 0 (default): the number of cores. Reports are identical")
}

// CheckThreads refuses a negative --threads.
func CheckThreads(n int) error {
	if n < 0 {
		return FlagErrorf("--threads must be 0 (automatic) or more, not %d", n)
	}
	return nil
}

// AddCount adds -c/--count. Its parse errors say what is wrong with the
// number ("-1 is negative", "too large") instead of strconv's wording.
func AddCount(f *pflag.FlagSet, p *uint64, usage string) {
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

// AddRegistry defines --services (repeatable) and --ephemeral, whose
// ranges are checked when the flag is parsed.
func AddRegistry(f *pflag.FlagSet, services *[]string, eph *string) {
	f.StringArrayVar(services, "services", nil, "add or override registry entries from `FILE` (IANA CSV or /etc/services format); repeatable")
	presets := []string{}
	for _, p := range registry.Presets() {
		presets = append(presets, p.Name)
	}
	*eph = "iana,linux"
	f.Var((*ephemeralValue)(eph), "ephemeral", "client port `RANGES`: ranges like 32768-60999 and presets "+strings.Join(presets, ", "))
}

// ephemeralValue is --ephemeral: the text, once registry.ParseEphemeral
// took it.
type ephemeralValue string

func (e *ephemeralValue) String() string { return string(*e) }
func (e *ephemeralValue) Type() string   { return "string" }

func (e *ephemeralValue) Set(s string) error {
	if _, err := registry.ParseEphemeral(s); err != nil {
		return err
	}
	*e = ephemeralValue(s)
	return nil
}

// NonNegative is an int flag value that refuses a negative number when
// parsed; zero says what 0 means ("all", "default 262144"), for the
// message.
func NonNegative(p *int, zero string) pflag.Value { return &nonNegative{p, zero} }

type nonNegative struct {
	p    *int
	zero string
}

func (n *nonNegative) String() string { return strconv.Itoa(*n.p) }
func (n *nonNegative) Type() string   { return "int" }

func (n *nonNegative) Set(s string) error {
	v, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return fmt.Errorf("not a whole number")
	case v < 0 && n.zero != "":
		return fmt.Errorf("must be 0 (%s) or more", n.zero)
	case v < 0:
		return fmt.Errorf("must be 0 or more")
	}
	*n.p = v
	return nil
}

// AddFlowTable defines --max-flows and --idle-timeout, both refused
// negative when parsed.
func AddFlowTable(f *pflag.FlagSet, maxFlows *int, idle *time.Duration, maxUsage string) {
	f.Var(NonNegative(maxFlows, fmt.Sprintf("default %d", classify.DefaultMaxFlows)), "max-flows", maxUsage)
	*idle = classify.DefaultIdleTimeout
	f.Var((*nonNegativeDuration)(idle), "idle-timeout", "end a flow after this long without a packet (packet time)")
}

type nonNegativeDuration time.Duration

func (d *nonNegativeDuration) String() string { return time.Duration(*d).String() }
func (d *nonNegativeDuration) Type() string   { return "duration" }

func (d *nonNegativeDuration) Set(s string) error {
	v, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return fmt.Errorf("not a duration (say 90s, 2m or 1h30m)")
	case v < 0:
		return fmt.Errorf("must not be negative")
	}
	*d = nonNegativeDuration(v)
	return nil
}
