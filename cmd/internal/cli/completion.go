package cli

import (
	"strings"

	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/cmd/internal/cmdutil"
	"github.com/portsift/portsift/registry"
	"github.com/spf13/cobra"
)

// addCompletions registers the values shell completion offers for the
// enum-like flags of every command under root: -o, --sort and --flows-format
// (cmdutil's enum flags), --ephemeral (presets, after a comma too), -i (the
// interfaces libpcap lists, as `sniff --list` shows them) and --only
// (check's sections).
func addCompletions(root *cobra.Command) {
	for _, c := range root.Commands() {
		list := func(name string, values func() []string) {
			if c.Flags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, func(_ *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
					return commaList(typed, values()), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
				})
			}
		}
		cmdutil.CompleteEnums(c) // -o, --sort: the values their flags take
		list("ephemeral", func() []string {
			var names []string
			for _, p := range registry.Presets() {
				names = append(names, p.Name)
			}
			return names
		})
		list("only", func() []string { return report.DiffSections })
		if c.Flags().Lookup("interface") != nil {
			_ = c.RegisterFlagCompletionFunc("interface", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
				ifs, err := capture.Interfaces()
				if err != nil {
					return nil, cobra.ShellCompDirectiveError
				}
				var names []string
				for _, in := range ifs {
					names = append(names, in.Name+"\t"+strings.Join(in.Flags, ","))
				}
				return names, cobra.ShellCompDirectiveNoFileComp
			})
		}
	}
}

// commaList completes the last item of a comma-separated list: typed
// "iana,li" offers "iana,linux".
func commaList(typed string, values []string) []string {
	head, last := "", typed
	if i := strings.LastIndexByte(typed, ','); i >= 0 {
		head, last = typed[:i+1], typed[i+1:]
	}
	var out []string
	for _, v := range values {
		if strings.HasPrefix(v, last) && !strings.Contains(","+head, ","+v+",") {
			out = append(out, head+v)
		}
	}
	return out
}
