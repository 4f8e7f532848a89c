package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/cmd/internal/cmdutil"
)

// splitFilter splits read's arguments as tcpdump does its own: capture
// files, then a BPF expression in the words after them (portsift read
// x.pcap tcp port 443). The expression is the longest run of trailing
// words, after at least one input, none of which is an existing file (or
// '-', or a pattern that matches files), that compiles. When the trailing
// words are not files and look like filter words (no '/', no '.' in a word
// that is not an address) but do not compile, the error says so: a typo in
// a filter is not reported as three missing files.
func splitFilter(args []string) (inputs []string, expr string, err error) {
	for k := 1; k < len(args); k++ {
		rest := args[k:]
		if slices.ContainsFunc(rest, isInput) {
			continue
		}
		e := strings.Join(rest, " ")
		if capture.CheckFilter(e) == nil {
			return args[:k], e, nil
		}
	}
	// No trailing expression compiles. Words that cannot be file names
	// of captures are a filter with a mistake in it.
	for k := 1; k < len(args); k++ {
		rest := args[k:]
		if slices.ContainsFunc(rest, isInput) || !slices.ContainsFunc(rest, isFilterWord) {
			continue
		}
		e := strings.Join(rest, " ")
		cerr := capture.CheckFilter(e)
		return nil, "", cmdutil.FlagErrorf("%q: not a file, and not a filter that compiles (%v)", e, strings.TrimPrefix(cerr.Error(), fmt.Sprintf("bad filter %q: ", e)))
	}
	return args, "", nil
}

// isInput reports whether a names something to read: '-', an existing
// file or directory, or a pattern matching some.
func isInput(a string) bool {
	if a == "-" {
		return true
	}
	if _, err := os.Stat(a); err == nil {
		return true
	}
	if strings.ContainsAny(a, "*?[") {
		m, _ := filepath.Glob(a)
		return len(m) > 0
	}
	return false
}

// isFilterWord reports whether a looks like a word of a BPF expression
// rather than a file name: a primitive, a number, an operator.
func isFilterWord(a string) bool {
	if a == "" || strings.ContainsAny(a, "/*?") {
		return false
	}
	switch a {
	case "and", "or", "not", "&&", "||", "!", "(", ")", "tcp", "udp", "sctp", "icmp", "icmp6", "ip", "ip6", "arp",
		"host", "net", "port", "portrange", "src", "dst", "ether", "vlan", "mpls", "less", "greater", "proto", "gateway":
		return true
	}
	return !strings.Contains(a, ".") // a name with an extension is a file; "443" or "tcpflags" is not
}

// expandInputs turns read's inputs into the files to read, in order: a
// directory stands for the captures in it (sorted by name; files without
// a capture's magic number are left out and named in a note), a quoted
// pattern for the files it matches (as check expands them, so that
// 'traces/*.pcap' works in any shell), anything else is kept as given (a
// missing file is reported by the read, and the others are read).
func expandInputs(args []string, notes io.Writer) []string {
	var files []string
	for _, a := range args {
		fi, err := os.Stat(a)
		switch {
		case a == "-":
			files = append(files, a)
		case err == nil && fi.IsDir():
			files = append(files, captureDir(a, notes)...)
		case err != nil && strings.ContainsAny(a, "*?["):
			m, _ := filepath.Glob(a)
			n := 0
			for _, f := range m {
				if fi, err := os.Stat(f); err == nil && !fi.IsDir() {
					files = append(files, f)
					n++
				}
			}
			if n == 0 {
				files = append(files, a) // reported as missing
			}
		default:
			files = append(files, a)
		}
	}
	return files
}

// captureDir lists the captures in dir (not its subdirectories), sorted.
func captureDir(dir string, notes io.Writer) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return []string{dir} // the read reports why it cannot be read
	}
	var files, other []string
	for _, e := range ents {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if capture.LooksLikeCapture(p) {
			files = append(files, p)
		} else {
			other = append(other, e.Name())
		}
	}
	if len(other) > 0 {
		what := fmt.Sprintf("%d files are", len(other))
		if len(other) == 1 {
			what = "1 file is"
		}
		fmt.Fprintf(notes, "portsift: %s: %s not a capture, not read: %s\n", dir, what, strings.Join(other, ", "))
	}
	if len(files) == 0 {
		fmt.Fprintf(notes, "portsift: %s: no capture files in the directory\n", dir)
	}
	return files
}
