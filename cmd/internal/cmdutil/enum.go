package cmdutil

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// enumFlag is a string flag that takes one of a fixed set of values. The
// value is checked when the flag is parsed, so a typo is a usage error
// before anything is opened, with one message for every command; shell
// completion offers the same values (CompleteEnums), so the list is
// written once, where the flag is defined.
type enumFlag struct {
	p       *string
	what    string // "format", "sort key": what the message calls a value
	allowed []string
}

func (e *enumFlag) String() string { return *e.p }
func (e *enumFlag) Type() string   { return "string" }

func (e *enumFlag) Set(s string) error {
	if !slices.Contains(e.allowed, s) {
		return fmt.Errorf("unknown %s %q (want %s)", e.what, s, JoinOr(e.allowed))
	}
	*e.p = s
	return nil
}

// AddEnum defines flag name (shorthand short, "" for none) on f, with
// default def (which need not be one of allowed: "" for "not given"),
// taking one of allowed.
func AddEnum(f *pflag.FlagSet, p *string, name, short, def, what, usage string, allowed ...string) {
	*p = def
	f.VarP(&enumFlag{p, what, allowed}, name, short, usage)
}

// AddFormat defines -o/--format, default table.
func AddFormat(f *pflag.FlagSet, p *string, usage string, allowed ...string) {
	AddEnum(f, p, "format", "o", "table", "format", usage, allowed...)
}

// AddSort defines --sort, default bytes.
func AddSort(f *pflag.FlagSet, p *string, usage string) {
	AddEnum(f, p, "sort", "", "bytes", "sort key", usage, "bytes", "packets", "flows")
}

// AddFlowsFormat defines --flows-format: jsonl or csv, "" (the default)
// to take the format from the --flows file's name.
func AddFlowsFormat(f *pflag.FlagSet, p *string) {
	AddEnum(f, p, "flows-format", "", "", "flow log format",
		"write the --flows log as `FORMAT`: jsonl or csv (default: from the file's extension, .jsonl or .csv; jsonl for standard output or a name without one)",
		"jsonl", "csv")
}

// CompleteEnums registers, for every enum flag of c, completion of its
// values.
func CompleteEnums(c *cobra.Command) {
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		if e, ok := fl.Value.(*enumFlag); ok {
			_ = c.RegisterFlagCompletionFunc(fl.Name, cobra.FixedCompletions(e.allowed, cobra.ShellCompDirectiveNoFileComp))
		}
	})
}
