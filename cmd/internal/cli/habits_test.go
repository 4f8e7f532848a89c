package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/classify/report"
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

// readJSON runs read with args and returns the exit code, the report and stderr.
func readJSON(t *testing.T, args ...string) (int, *report.Report, string) {
	t.Helper()
	ios, _, out, errOut := TestIO()
	code := Main(append([]string{"read", "-q", "-o", "json"}, args...), ios)
	if out.Len() == 0 {
		return code, nil, errOut.String()
	}
	var rep report.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("read %v: bad JSON: %v", args, err)
	}
	return code, &rep, errOut.String()
}

// TestReadTcpdumpHabits: -r FILE, a filter after the files, -n and -nn.
func TestReadTcpdumpHabits(t *testing.T) {
	code, want, _ := readJSON(t, "-f", "tcp port 443", mixedTrace)
	if code != ExitOK || want.Filter != "tcp port 443" || want.Frames == 0 {
		t.Fatalf("read -f: exit %d, %+v", code, want)
	}
	for _, args := range [][]string{
		{mixedTrace, "tcp", "port", "443"},
		{mixedTrace, "tcp port 443"},
		{"-r", mixedTrace, "tcp", "port", "443"},
		{"-n", "-r", mixedTrace, "-f", "tcp port 443"},
		{"-nn", mixedTrace, "tcp", "port", "443"},
	} {
		code, got, errOut := readJSON(t, args...)
		if code != ExitOK || got == nil || !reflect.DeepEqual(got, want) {
			t.Errorf("read %q: exit %d (%s), report differs from read -f 'tcp port 443'", args, code, errOut)
		}
	}
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{mixedTrace, "tcp", "prot", "443"}, `"tcp prot 443": not a file, and not a filter that compiles (syntax error)`},
		{[]string{"-f", "udp", mixedTrace, "tcp"}, `two filters: -f "udp" and "tcp" after the files; give one`},
		{[]string{}, "name a capture file"},
	} {
		code, rep, errOut := readJSON(t, tt.args...)
		if code != ExitUsage || rep != nil || !strings.Contains(errOut, tt.msg) {
			t.Errorf("read %q: exit %d, stderr %q; want exit 2 and %q", tt.args, code, errOut, tt.msg)
		}
	}
}

// TestReadInputs: a directory reads the captures in it, sorted, naming the
// other files; a quoted pattern expands; a missing file among several is
// reported and the others are read (exit 1).
func TestReadInputs(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"raw.pcap", "eth-mixed.pcap", "multi-if.pcapng.gz.bin"} {
		b, err := os.ReadFile(filepath.Join("../testdata/traces", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a capture\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, rep, errOut := readJSON(t, dir)
	var names []string
	for _, s := range rep.Sources {
		names = append(names, filepath.Base(s.Name))
	}
	if code != ExitOK || strings.Join(names, " ") != "eth-mixed.pcap multi-if.pcapng.gz.bin raw.pcap" {
		t.Errorf("read DIR: exit %d, sources %v; want the 3 captures sorted", code, names)
	}
	if want := "portsift: " + dir + ": 1 file is not a capture, not read: notes.txt\n"; errOut != want {
		t.Errorf("read DIR: stderr %q, want %q", errOut, want)
	}
	_, one, _ := readJSON(t, filepath.Join(dir, "eth-mixed.pcap"), filepath.Join(dir, "multi-if.pcapng.gz.bin"), filepath.Join(dir, "raw.pcap"))
	if rep.Frames != one.Frames || !reflect.DeepEqual(rep.Services, one.Services) {
		t.Errorf("read DIR counted %d frames, the 3 files named %d", rep.Frames, one.Frames)
	}
	code, globbed, _ := readJSON(t, filepath.Join(dir, "*.pcap"))
	if code != ExitOK || len(globbed.Sources) != 2 {
		t.Errorf("read 'DIR/*.pcap': exit %d, %d sources, want 2", code, len(globbed.Sources))
	}
	gone := filepath.Join(dir, "gone.pcap")
	code, rep, errOut = readJSON(t, filepath.Join(dir, "raw.pcap"), gone, filepath.Join(dir, "eth-mixed.pcap"))
	if code != ExitFailure || rep == nil || len(rep.Sources) != 3 || rep.Sources[1].Error == "" || rep.Sources[0].Frames == 0 || rep.Sources[2].Frames == 0 {
		t.Fatalf("read a gone b: exit %d, %+v; want exit 1 and a, b read", code, rep)
	}
	if want := `portsift: open "` + gone + `": no such file or directory` + "\n"; errOut != want {
		t.Errorf("read a gone b: stderr %q, want %q", errOut, want)
	}
}

// TestReadWrite: read -w saves the frames that pass the filter; reading
// the saved file counts what the filtered read counted.
func TestReadWrite(t *testing.T) {
	for _, name := range []string{"udp.pcap", "udp.pcapng"} {
		out := filepath.Join(t.TempDir(), name)
		code, filtered, errOut := readJSON(t, mixedTrace, "udp", "-w", out)
		if code != ExitOK {
			t.Fatalf("read -w %s: exit %d: %s", name, code, errOut)
		}
		code, saved, _ := readJSON(t, out)
		if code != ExitOK || saved.Frames != filtered.Frames || saved.Bytes != filtered.Bytes || !reflect.DeepEqual(saved.Services, filtered.Services) || !reflect.DeepEqual(saved.Buckets, filtered.Buckets) {
			t.Errorf("%s: saved %d frames, the filtered read counted %d", name, saved.Frames, filtered.Frames)
		}
		wantFormat := "pcap-ns" // the writer keeps nanoseconds
		if strings.HasSuffix(name, ".pcapng") {
			wantFormat = "pcapng"
		}
		if saved.Sources[0].Format != wantFormat {
			t.Errorf("%s: format %s, want %s", name, saved.Sources[0].Format, wantFormat)
		}
		// Never over an existing file without --force.
		code, _, errOut = readJSON(t, mixedTrace, "-w", out)
		if code != ExitFailure || !strings.Contains(errOut, "file exists (use --force to overwrite)") {
			t.Errorf("read -w over %s: exit %d, %q", name, code, errOut)
		}
	}
	// Two link types cannot share one file: saving stops, counting does not.
	out := filepath.Join(t.TempDir(), "mixed.pcap")
	code, rep, errOut := readJSON(t, mixedTrace, "../testdata/traces/raw.pcap", "-w", out)
	if code != ExitFailure || rep == nil || !strings.Contains(errOut, "one capture file holds one link type") {
		t.Errorf("read -w of two link types: exit %d, %q", code, errOut)
	}
}

// TestInterfaceByIndex: sniff -i N is the Nth interface of sniff --list.
func TestInterfaceByIndex(t *testing.T) {
	ifs, err := capture.Interfaces()
	if err != nil || len(ifs) == 0 {
		t.Skipf("no interface list here: %v", err)
	}
	if got, err := interfaceByIndex("1"); err != nil || got != ifs[0].Name {
		t.Errorf("-i 1 = %q, %v; want %q", got, err, ifs[0].Name)
	}
	if got, err := interfaceByIndex(strconv.Itoa(len(ifs))); err != nil || got != ifs[len(ifs)-1].Name {
		t.Errorf("-i %d = %q, %v; want %q", len(ifs), got, err, ifs[len(ifs)-1].Name)
	}
	if _, err := interfaceByIndex(strconv.Itoa(len(ifs) + 1)); err == nil {
		t.Errorf("-i %d: no error for one past the list", len(ifs)+1)
	}
	if got, _ := interfaceByIndex("lo"); got != "lo" {
		t.Errorf("-i lo = %q", got)
	}
}

// TestPortsFitTerminal: on an 80-column terminal the descriptions and notes
// of `ports` break at spaces under the DESCRIPTION column; a pipe gets each
// on one line.
func TestPortsFitTerminal(t *testing.T) {
	ios, _, out, _ := TestIO()
	ios.OutTTY, ios.OutWidth = true, func() int { return 80 }
	if code := Main([]string{"ports", "ssh", "31337"}, ios); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	col := strings.Index(lines[0], "DESCRIPTION")
	for _, l := range lines {
		if utf8.RuneCountInString(l) > 80 {
			t.Errorf("line of %d columns: %q", utf8.RuneCountInString(l), l)
		}
		if strings.HasPrefix(l, " ") && strings.TrimSpace(l) != "" && len(l)-len(strings.TrimLeft(l, " ")) != col {
			t.Errorf("continuation %q does not start under DESCRIPTION (column %d)", l, col)
		}
	}
	ios, _, pipe, _ := TestIO()
	Main([]string{"ports", "ssh", "31337"}, ios)
	if n := strings.Count(pipe.String(), "\n"); n >= len(lines) || !strings.Contains(pipe.String(), "note: Connection attempts here are mostly searches for SSH servers") {
		t.Errorf("pipe: %d lines (terminal %d), notes broken:\n%s", n, len(lines), pipe)
	}
}

// TestFilterPerLinkType: a filter libpcap cannot compile for a file's link
// type counts its frames as filtered out, with a warning, never uncounted.
func TestFilterPerLinkType(t *testing.T) {
	code, rep, errOut := readJSON(t, "../testdata/tunnels/nflog.pcap", "../testdata/traces/eth-mixed.pcap", "ether", "host", "02:00:00:00:05:01")
	if code != ExitOK || rep == nil {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	nf, eth := rep.Sources[0], rep.Sources[1]
	if nf.Frames == 0 || nf.Filtered != nf.Frames || !strings.Contains(nf.FilterError, "does not compile for link type 239") {
		t.Errorf("nflog.pcap: %d frames, %d filtered, %q; want all filtered, with the reason", nf.Frames, nf.Filtered, nf.FilterError)
	}
	if eth.FilterError != "" || eth.Filtered == eth.Frames || eth.Frames-eth.Filtered != rep.Frames {
		t.Errorf("eth-mixed.pcap: %+v, report %d frames: the filter applies to Ethernet", eth, rep.Frames)
	}
	if !strings.HasPrefix(errOut, "portsift: warning: ") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("stderr %q: want one warning line", errOut)
	}
}
