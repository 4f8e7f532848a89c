package cli

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// enumFlag is a string flag that takes one of a fixed set of values. The
// value is checked when the flag is parsed, so a typo is a usage error
// before anything is opened, with one message for every command; shell
// completion offers the same values (addCompletions), so the list is
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
		return fmt.Errorf("unknown %s %q (want %s)", e.what, s, joinOr(e.allowed))
	}
	*e.p = s
	return nil
}

// addEnumFlag defines flag name (shorthand short, "" for none) on f, with
// default def, taking one of allowed.
func addEnumFlag(f *pflag.FlagSet, p *string, name, short, def, what, usage string, allowed ...string) {
	*p = def
	f.VarP(&enumFlag{p, what, allowed}, name, short, usage)
}

// addFormatFlag defines -o/--format, default table.
func addFormatFlag(f *pflag.FlagSet, p *string, usage string, allowed ...string) {
	addEnumFlag(f, p, "format", "o", "table", "format", usage, allowed...)
}

// addSortFlag defines --sort, default bytes.
func addSortFlag(f *pflag.FlagSet, p *string, usage string) {
	addEnumFlag(f, p, "sort", "", "bytes", "sort key", usage, "bytes", "packets", "flows")
}

// completeEnums registers, for every enum flag of c, completion of its
// values.
func completeEnums(c *cobra.Command) {
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		if e, ok := fl.Value.(*enumFlag); ok {
			_ = c.RegisterFlagCompletionFunc(fl.Name, cobra.FixedCompletions(e.allowed, cobra.ShellCompDirectiveNoFileComp))
		}
	})
}
