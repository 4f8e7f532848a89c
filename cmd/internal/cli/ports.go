package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/cmd/internal/cmdutil"
	"github.com/portsift/portsift/registry"
	"github.com/spf13/cobra"
)

// PortsOptions are the flags and arguments of `portsift ports`.
type PortsOptions struct {
	IO       *IOStreams
	Queries  []string
	Risky    bool
	Services []string
	Format   string
}

// NewCmdPorts returns `portsift ports`. runF, when set, receives the
// options instead of running (tests).
func NewCmdPorts(ios *IOStreams, runF func(*PortsOptions) error) *cobra.Command {
	opts := &PortsOptions{IO: ios}
	c := &cobra.Command{
		Use:   "ports [PORT[/PROTO] | NAME[/PROTO]]...",
		Short: "Show what the port registry knows: names, descriptions, security notes",
		Example: `  portsift ports 1243 ssh 443/udp
  portsift ports --risky
  portsift ports --services /etc/services 8080`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Queries = args
			if len(args) == 0 && !opts.Risky {
				return cmdutil.FlagErrorf("name a port or service, or use --risky")
			}
			if runF != nil {
				return runF(opts)
			}
			return portsRun(opts)
		},
	}
	c.Flags().BoolVar(&opts.Risky, "risky", false, "list every port with a security note (alert and note levels)")
	c.Flags().StringArrayVar(&opts.Services, "services", nil, "also load `FILE` (IANA CSV or /etc/services format); repeatable")
	cmdutil.AddFormat(c.Flags(), &opts.Format, "output `FORMAT`: table or json", "table", "json")
	return c
}

func portsRun(opts *PortsOptions) error {
	reg, err := loadRegistry(opts.Services)
	if err != nil {
		return err
	}
	var entries []registry.Entry
	if opts.Risky {
		entries = reg.Risky()
	}
	missing := 0
	for _, q := range opts.Queries {
		found, err := reg.Find(q)
		if err != nil {
			return cmdutil.FlagErrorWrap(err)
		}
		if len(found) == 0 {
			fmt.Fprintf(opts.IO.ErrOut, "portsift: %q: not in the registry\n", q)
			missing++
		}
		entries = append(entries, found...)
	}
	if err := writePorts(opts, entries); err != nil {
		return err
	}
	if missing > 0 {
		return errSilent // like grep: exit 1 when a query matched nothing
	}
	return nil
}

// writePorts prints the registry entries as a table (nothing for none) or
// as a JSON array.
func writePorts(opts *PortsOptions, entries []registry.Entry) error {
	if opts.Format == "json" {
		type row struct {
			Port        uint16   `json:"port"`
			Proto       string   `json:"proto"`
			Name        string   `json:"name"`
			Aliases     []string `json:"aliases,omitempty"`
			Description string   `json:"description"`
			Risk        string   `json:"risk"`
			Note        string   `json:"note"`
			Source      string   `json:"source"`
		}
		rows := []row{}
		for _, e := range entries {
			rows = append(rows, row{e.Port, e.Proto.String(), e.Name, e.Aliases, e.Description, e.Risk.String(), e.Note, e.Source})
		}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	if len(entries) == 0 {
		return nil
	}
	// The first four columns as tabwriter would lay them out; the
	// description and the note after them, broken at spaces to fit the
	// terminal (no limit for a pipe), continued under the description.
	head := [4]string{"PORT", "PROTO", "NAME", "RISK"}
	cells := make([][4]string, len(entries))
	wd := [4]int{len(head[0]), len(head[1]), len(head[2]), len(head[3])}
	for i, e := range entries {
		name := e.Name
		if name == "" {
			name = "-"
		}
		cells[i] = [4]string{strconv.Itoa(int(e.Port)), e.Proto.String(), name, e.Risk.String()}
		for j, c := range cells[i] {
			wd[j] = max(wd[j], len(c))
		}
	}
	indent := 0
	for _, n := range wd {
		indent += n + 2
	}
	width := opts.IO.outWidth()
	var b strings.Builder
	line := func(c [4]string, text string) {
		var l strings.Builder
		for j, s := range c {
			l.WriteString(s + strings.Repeat(" ", wd[j]+2-len(s)))
		}
		l.WriteString(text)
		b.WriteString(strings.TrimRight(render.WrapWords(l.String(), width, indent), " ") + "\n")
	}
	line(head, "DESCRIPTION")
	for i, e := range entries {
		line(cells[i], e.Description)
		if e.Note != "" {
			line([4]string{}, e.Risk.String()+": "+e.Note)
		}
	}
	_, err := io.WriteString(opts.IO.Out, b.String())
	return err
}

// loadRegistry returns the embedded registry, or a copy with files added.
func loadRegistry(files []string) (*registry.Registry, error) {
	reg := registry.Default()
	if len(files) == 0 {
		return reg, nil
	}
	reg = reg.Clone()
	for _, f := range files {
		if err := reg.LoadServicesFile(f); err != nil {
			return nil, err
		}
	}
	return reg, nil
}
