package cmd

import (
	"runtime"
	"strings"
	"testing"

	"github.com/portsift/portsift/capture"
)

// TestVersion: version, commit, Go and libpcap, one per line.
func TestVersion(t *testing.T) {
	ios, _, out, _ := TestIO()
	if code := Main([]string{"version"}, ios); code != ExitOK {
		t.Fatalf("version: exit %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{"portsift ", "commit:  ", "go:      " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH, "libpcap: " + capture.LibpcapVersion()}
	if len(lines) != len(want) {
		t.Fatalf("version printed %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) || len(lines[i]) <= len(w) && i < 2 {
			t.Errorf("line %d = %q, want %q...", i+1, lines[i], w)
		}
	}
	if runtime.Compiler == "gc" && !strings.Contains(lines[3], "libpcap version") && !strings.Contains(lines[3], "without cgo") {
		t.Errorf("libpcap line %q names no version", lines[3])
	}
}

// TestPortsNoMatch: like grep, `ports` exits 1 when a query matches
// nothing, and still prints what the other queries found.
func TestPortsNoMatch(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		code    int
		out     string // a line that must be on stdout, "" for no output at all
		errLine string
	}{
		{[]string{"ports", "no-such-service"}, ExitFailure, "", `portsift: "no-such-service": not in the registry`},
		{[]string{"ports", "no-such-service", "ssh"}, ExitFailure, "22    tcp", `portsift: "no-such-service": not in the registry`},
		{[]string{"ports", "ssh"}, ExitOK, "22    tcp", ""},
	} {
		ios, _, out, errOut := TestIO()
		code := Main(tt.args, ios)
		if code != tt.code {
			t.Errorf("%v: exit %d, want %d", tt.args, code, tt.code)
		}
		if tt.out == "" && out.Len() != 0 {
			t.Errorf("%v: printed %q, want nothing (no empty table)", tt.args, out)
		}
		if tt.out != "" && !strings.Contains(out.String(), tt.out) {
			t.Errorf("%v: stdout lacks %q:\n%s", tt.args, tt.out, out)
		}
		if strings.TrimSpace(errOut.String()) != tt.errLine {
			t.Errorf("%v: stderr %q, want %q", tt.args, errOut, tt.errLine)
		}
	}
}

// TestUsageHints: flag values a user gets wrong in a familiar way are
// usage errors that say how to write them.
func TestUsageHints(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"read", "--ephemeral", "1024:65535", mixedTrace}, `ranges use '-' (1024-65535), not ':'`},
		{[]string{"read", "-c", "99999999999999999999999", mixedTrace}, "too large: a packet count is at most 18446744073709551615"},
		{[]string{"read", "-c", "-1", mixedTrace}, "a packet count cannot be negative"},
		{[]string{"sniff", "-i", "lo", "-c", "1e6"}, "not a whole number of packets"},
		{[]string{"check", "-c", "18446744073709551616", mixedTrace, "--expect", "x.json"}, "too large"},
	} {
		ios, _, out, errOut := TestIO()
		if code := Main(tt.args, ios); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (usage)", tt.args, code, ExitUsage)
		}
		if !strings.Contains(errOut.String(), tt.want) || strings.Contains(errOut.String(), "strconv") {
			t.Errorf("%v: stderr %q, want it to say %q (and no strconv wording)", tt.args, errOut, tt.want)
		}
		if out.Len() != 0 {
			t.Errorf("%v: printed a report on a usage error: %q", tt.args, out)
		}
	}
}

// TestFlagCompletion: shell completion offers the values of the enum-like
// flags (cobra's __complete is what the bash/zsh/fish scripts call).
func TestFlagCompletion(t *testing.T) {
	complete := func(args ...string) []string {
		ios, _, out, _ := TestIO()
		if code := Main(append([]string{"__complete"}, args...), ios); code != ExitOK {
			t.Fatalf("__complete %v: exit %d", args, code)
		}
		var vals []string
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if !strings.HasPrefix(l, ":") { // the last line is the directive
				vals = append(vals, strings.SplitN(l, "\t", 2)[0])
			}
		}
		return vals
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"read", "-o", ""}, "table json csv"},
		{[]string{"sniff", "-o", ""}, "table json"},
		{[]string{"merge", "--sort", "p"}, "bytes packets flows"}, // cobra filters by prefix in the shell, not here
		{[]string{"read", "--ephemeral", "iana,li"}, "iana,linux"},
		{[]string{"read", "--ephemeral", "win"}, "windows windows-xp"},
		{[]string{"check", "--only", "services,a"}, "services,alerts"},
	} {
		if got := strings.Join(complete(tt.args...), " "); got != tt.want {
			t.Errorf("complete %v = %q, want %q", tt.args, got, tt.want)
		}
	}
	ifs, err := capture.Interfaces()
	if err != nil {
		t.Skipf("no interface list here: %v", err)
	}
	got := complete("sniff", "-i", "")
	if len(got) != len(ifs) || len(ifs) == 0 || got[0] != ifs[0].Name {
		t.Errorf("complete sniff -i = %v, want the %d interfaces of sniff --list", got, len(ifs))
	}
}

func TestCommaList(t *testing.T) {
	vals := []string{"iana", "linux", "windows"}
	for typed, want := range map[string]string{"": "iana linux windows", "li": "linux", "iana,": "iana,linux iana,windows", "iana,linux,w": "iana,linux,windows", "x": ""} {
		if got := strings.Join(commaList(typed, vals), " "); got != want {
			t.Errorf("commaList(%q) = %q, want %q", typed, got, want)
		}
	}
}
