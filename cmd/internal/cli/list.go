package cli

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/cmd/internal/cmdutil"
)

// listRun prints the interfaces live capture can open, like tcpdump -D:
// a number, the name, the description, the flags, then the addresses.
func listRun(opts *SniffOptions) error {
	ifs, err := capture.Interfaces()
	if err != nil {
		return err
	}
	out := opts.IO.Out
	if opts.Format == "json" {
		type row struct {
			Name        string   `json:"name"`
			Description string   `json:"description"`
			Flags       []string `json:"flags"`
			Addresses   []string `json:"addresses"`
		}
		rows := make([]row, 0, len(ifs))
		for _, in := range ifs {
			r := row{Name: in.Name, Description: in.Description, Flags: in.Flags, Addresses: []string{}}
			for _, a := range in.Addrs {
				r.Addresses = append(r.Addresses, a.String())
			}
			rows = append(rows, r)
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	if len(ifs) == 0 {
		_, err := fmt.Fprintln(out, "no interfaces can be captured on (are you root, or does portsift have CAP_NET_RAW?)")
		return err
	}
	var b strings.Builder
	for i, in := range ifs {
		fmt.Fprintf(&b, "%d.%s", i+1, in.Name)
		if in.Description != "" {
			fmt.Fprintf(&b, " (%s)", in.Description)
		}
		flags := make([]string, len(in.Flags))
		for j, f := range in.Flags {
			flags[j] = strings.ToUpper(f[:1]) + f[1:]
		}
		if len(flags) == 0 {
			flags = []string{"none"}
		}
		fmt.Fprintf(&b, " [%s]", strings.Join(flags, ", "))
		for j, a := range in.Addrs {
			sep := ", "
			if j == 0 {
				sep = " "
			}
			b.WriteString(sep + a.String())
		}
		b.WriteByte('\n')
	}
	_, err = fmt.Fprint(out, b.String())
	return err
}

// interfaceByIndex resolves -i N, as tcpdump does: a number that is not the
// name of an interface is the Nth (from 1) that sniff --list prints.
func interfaceByIndex(name string) (string, error) {
	n, err := strconv.Atoi(name)
	if err != nil || n < 0 || strconv.Itoa(n) != name {
		return name, nil
	}
	if _, err := net.InterfaceByName(name); err == nil {
		return name, nil // an interface named "1"
	}
	ifs, err := capture.Interfaces()
	if err != nil {
		return "", err
	}
	if n < 1 || n > len(ifs) {
		return "", cmdutil.FlagErrorf("-i %d: there are %d interfaces (portsift sniff --list numbers them from 1)", n, len(ifs))
	}
	return ifs[n-1].Name, nil
}
