package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/classify/report"
)

// tripReader is a standard input that must not be read.
type tripReader struct{ read bool }

func (r *tripReader) Read([]byte) (int, error) {
	r.read = true
	return 0, errors.New("standard input was read")
}

// outputFiles are an existing file, a second one that a symbolic link
// points to, the link, and a dangling link: what no output may destroy.
type outputFiles struct {
	dir, precious, target, link, dangling, wouldBe string
}

func newOutputFiles(t *testing.T, ext string) *outputFiles {
	t.Helper()
	dir := t.TempDir()
	o := &outputFiles{dir: dir, precious: filepath.Join(dir, "precious"+ext), target: filepath.Join(dir, "target"+ext),
		link: filepath.Join(dir, "link"+ext), dangling: filepath.Join(dir, "dangling"+ext), wouldBe: filepath.Join(dir, "would-be-created"+ext)}
	for _, f := range []string{o.precious, o.target} {
		if err := os.WriteFile(f, []byte("keep "+filepath.Base(f)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(o.target, o.link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(o.wouldBe, o.dangling); err != nil {
		t.Fatal(err)
	}
	return o
}

// intact fails unless every file is as newOutputFiles made it (precious
// too, unless it was replaced on purpose).
func (o *outputFiles) intact(t *testing.T, what string, precious bool) {
	t.Helper()
	files := []string{o.target}
	if precious {
		files = append(files, o.precious)
	}
	for _, f := range files {
		if b, err := os.ReadFile(f); err != nil || string(b) != "keep "+filepath.Base(f)+"\n" {
			t.Errorf("%s: %s now holds %q (%v)", what, filepath.Base(f), b, err)
		}
	}
	for _, l := range []string{o.link, o.dangling} {
		if fi, err := os.Lstat(l); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s: %s is no longer a symbolic link (%v)", what, filepath.Base(l), err)
		}
	}
	if _, err := os.Lstat(o.wouldBe); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s: the dangling link was followed: %v", what, err)
	}
}

func existsMsg(flag, name string) string {
	return `portsift: ` + flag + ` "` + name + `": file exists (use --force to overwrite)` + "\n"
}

func symlinkMsg(flag, name string) string {
	return `portsift: ` + flag + ` "` + name + `": is a symbolic link (portsift never writes through one, even with --force)` + "\n"
}

// TestReadFlowsNeverOverwrites: read --flows refuses an existing file
// unless --force, and a symbolic link even with --force, in one line
// naming the flag and the file (exit 1), before reading any input, and
// leaves every file as it was; --force replaces the file with the log.
func TestReadFlowsNeverOverwrites(t *testing.T) {
	o := newOutputFiles(t, ".jsonl")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--flows", o.precious}, existsMsg("--flows", o.precious)},
		{[]string{"--flows", o.link}, symlinkMsg("--flows", o.link)},
		{[]string{"--flows", o.link, "--force"}, symlinkMsg("--flows", o.link)},
		{[]string{"--flows", o.dangling}, symlinkMsg("--flows", o.dangling)},
		{[]string{"--flows", o.dangling, "--force"}, symlinkMsg("--flows", o.dangling)},
	} {
		ios, _, out, errOut := TestIO()
		in := &tripReader{}
		ios.In = in
		code := Main(append([]string{"read", "-q"}, append(tt.args, "-")...), ios)
		if code != ExitFailure || out.Len() != 0 || errOut.String() != tt.want {
			t.Errorf("read %q: exit %d, stdout %q, stderr %q; want 1, nothing, %q", tt.args, code, out, errOut, tt.want)
		}
		if in.read {
			t.Errorf("read %q read standard input before refusing --flows", tt.args)
		}
		o.intact(t, strings.Join(tt.args, " "), true)
	}

	code, out, errOut := runRead(t, "-o", "json", "--flows", o.precious, "--force", mixedTrace)
	if code != ExitOK || !json.Valid([]byte(out)) {
		t.Fatalf("read --flows --force: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	got, _ := os.ReadFile(o.precious)
	golden(t, "eth-mixed.flows.jsonl", got)
	o.intact(t, "--force", false)
}

// TestReadFlowsStdout: --flows - and /dev/stdout write the flow log to
// standard output, one JSON line per flow by default (CSV with its header
// with --flows-format csv), and the report to standard error; /dev/stderr
// swaps them; a character device is written, not refused.
func TestReadFlowsStdout(t *testing.T) {
	jsonl, err := os.ReadFile("../testdata/golden/eth-mixed.flows.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile("../testdata/golden/eth-mixed.flows.csv")
	if err != nil {
		t.Fatal(err)
	}
	reportOf := func(t *testing.T, what, s string) *report.Report {
		t.Helper()
		var rep report.Report
		if err := json.Unmarshal([]byte(s), &rep); err != nil {
			t.Fatalf("%s: the report is not JSON: %v\n%s", what, err, s)
		}
		return &rep
	}
	for _, name := range []string{"-", "/dev/stdout"} {
		what := "--flows " + name
		code, out, errOut := runRead(t, "-o", "json", "--flows", name, mixedTrace)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", what, code, errOut)
		}
		rep := reportOf(t, what, errOut)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if uint64(len(lines)) != rep.Flows.Total || rep.Flows.Total == 0 {
			t.Errorf("%s: %d lines on stdout, %d flows in the report", what, len(lines), rep.Flows.Total)
		}
		for i, l := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil || m["proto"] == nil {
				t.Errorf("%s: line %d is not a flow record: %q (%v)", what, i+1, l, err)
			}
		}
		if out != string(jsonl) {
			t.Errorf("%s: stdout differs from eth-mixed.flows.jsonl:\n%s", what, lineDiff(string(jsonl), out))
		}

		what += " --flows-format csv"
		code, out, errOut = runRead(t, "-o", "json", "--flows", name, "--flows-format", "csv", mixedTrace)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", what, code, errOut)
		}
		rep = reportOf(t, what, errOut)
		if !strings.HasPrefix(out, strings.Join(render.FlowColumns, ",")+"\n") || uint64(strings.Count(out, "\n")) != rep.Flows.Total+1 {
			t.Errorf("%s: stdout is not a header and %d rows:\n%s", what, rep.Flows.Total, out)
		}
		if out != string(csv) {
			t.Errorf("%s: stdout differs from eth-mixed.flows.csv:\n%s", what, lineDiff(string(csv), out))
		}
	}

	// The table too goes to standard error, after the log on stdout.
	code, out, errOut := runRead(t, "--flows", "-", mixedTrace)
	if code != ExitOK || out != string(jsonl) || !strings.Contains(errOut, "SERVICE") {
		t.Errorf("--flows - with the table: exit %d, stdout %d bytes, stderr %q", code, len(out), errOut)
	}
	code, out, errOut = runRead(t, "-o", "json", "--flows", "/dev/stderr", mixedTrace)
	if code != ExitOK || errOut != string(jsonl) || reportOf(t, "--flows /dev/stderr", out).Flows.Total == 0 {
		t.Errorf("--flows /dev/stderr: exit %d, stderr %d bytes", code, len(errOut))
	}
	// A device is not a file the rule protects: written as it is.
	for _, args := range [][]string{{"--flows", os.DevNull}, {"--flows", os.DevNull, "--force"}} {
		code, out, errOut = runRead(t, append([]string{"-o", "json"}, append(args, mixedTrace)...)...)
		if code != ExitOK || reportOf(t, "--flows "+os.DevNull, out).Flows.Total == 0 || errOut != "" {
			t.Errorf("read %q: exit %d, stderr %q", args, code, errOut)
		}
	}
	// An explicit format wins over the extension.
	f := filepath.Join(t.TempDir(), "flows.csv")
	if code, _, errOut := runRead(t, "--flows", f, "--flows-format", "jsonl", mixedTrace); code != ExitOK {
		t.Fatalf("--flows x.csv --flows-format jsonl: exit %d: %s", code, errOut)
	}
	if b, _ := os.ReadFile(f); !bytes.Equal(b, jsonl) {
		t.Errorf("--flows x.csv --flows-format jsonl wrote:\n%s", b)
	}
}

// TestFlowsFormatUsage: a bad --flows-format, or one without --flows, is a
// usage error (exit 2) for read and sniff, before anything is opened (the
// interface does not exist: a check that let the flags through fails
// fast, exit 1, rather than capture).
func TestFlowsFormatUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"read", "--flows", "-", "--flows-format", "json", mixedTrace}, `invalid argument "json" for "--flows-format" flag: unknown flow log format "json" (want jsonl or csv)`},
		{[]string{"read", "--flows", filepath.Join(t.TempDir(), "f.jsonl"), "--flows-format", "CSV", mixedTrace}, `invalid argument "CSV" for "--flows-format" flag: unknown flow log format "CSV" (want jsonl or csv)`},
		{[]string{"read", "--flows-format", "csv", mixedTrace}, `--flows-format csv needs --flows FILE`},
		{[]string{"read", "--flows", "f.txt", mixedTrace}, `--flows "f.txt": name the file .jsonl or .csv, or give --flows-format jsonl|csv`},
		{[]string{"sniff", "-i", "portsift-none0", "--flows", "-", "--flows-format", "xml"}, `invalid argument "xml" for "--flows-format" flag: unknown flow log format "xml" (want jsonl or csv)`},
		{[]string{"sniff", "-i", "portsift-none0", "-w", "-", "--flows", "/dev/stdout"}, `-w "-" and --flows "/dev/stdout" are the same stream`},
	} {
		ios, _, out, errOut := TestIO()
		code := Main(tt.args, ios)
		if code != ExitUsage || out.Len() != 0 || !strings.HasPrefix(errOut.String(), "portsift: "+tt.want) {
			t.Errorf("portsift %q: exit %d, stdout %q, stderr %q; want 2 and %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

// TestSniffOutputsNeverOverwrite: sniff's -w and --flows follow the rule
// of read --flows, checked before the interface is opened (so no root is
// needed here); and when the capture cannot start, --force has not
// emptied the file.
func TestSniffOutputsNeverOverwrite(t *testing.T) {
	o := newOutputFiles(t, ".pcap")
	const iface = "portsift-none0"
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-w", o.precious}, existsMsg("-w", o.precious)},
		{[]string{"-w", o.link}, symlinkMsg("-w", o.link)},
		{[]string{"-w", o.link, "--force"}, symlinkMsg("-w", o.link)},
		{[]string{"-w", o.dangling, "--force"}, symlinkMsg("-w", o.dangling)},
		{[]string{"--flows", o.precious, "--flows-format", "jsonl"}, existsMsg("--flows", o.precious)},
		{[]string{"--flows", o.link, "--force", "--flows-format", "jsonl"}, symlinkMsg("--flows", o.link)},
		{[]string{"-w", "-", "--flows", o.precious, "--flows-format", "csv"}, existsMsg("--flows", o.precious)},
	} {
		ios, _, out, errOut := TestIO()
		code := Main(append([]string{"sniff", "-i", iface, "-q"}, tt.args...), ios)
		if code != ExitFailure || out.Len() != 0 || errOut.String() != tt.want {
			t.Errorf("sniff %q: exit %d, stdout %q, stderr %q; want 1, nothing, %q", tt.args, code, out, errOut, tt.want)
		}
		o.intact(t, strings.Join(tt.args, " "), true)
	}
	for _, args := range [][]string{{"-w", o.precious, "--force"}, {"--flows", o.precious, "--flows-format", "csv", "--force"}} {
		ios, _, _, errOut := TestIO()
		code := Main(append([]string{"sniff", "-i", iface, "-q"}, args...), ios)
		if code != ExitFailure || strings.Contains(errOut.String(), o.precious) || strings.Count(errOut.String(), "\n") != 1 {
			t.Errorf("sniff %q on no interface: exit %d, stderr %q; want 1 and the capture's error", args, code, errOut)
		}
		o.intact(t, strings.Join(args, " "), true)
	}
}

// TestOpenOutput: the one helper -w and --flows open their files with:
// the standard stream names, and errors naming the flag and the file.
func TestOpenOutput(t *testing.T) {
	for _, tt := range []struct {
		name   string
		stdout bool
	}{{"-", true}, {"/dev/stdout", true}, {"/dev/fd/1", true}, {"/dev/stderr", false}, {"/dev/fd/2", false}} {
		ios, _, out, errOut := TestIO()
		w, err := openOutput(ios, "-w", tt.name, false)
		if err != nil {
			t.Fatalf("openOutput(%s): %v", tt.name, err)
		}
		w.Write([]byte("x"))
		if err := w.Close(); err != nil {
			t.Errorf("Close(%s): %v", tt.name, err)
		}
		want, other := out, errOut
		if !tt.stdout {
			want, other = errOut, out
		}
		if want.String() != "x" || other.Len() != 0 {
			t.Errorf("openOutput(%s) wrote stdout %q, stderr %q", tt.name, out, errOut)
		}
		if err := precheckOutput("-w", tt.name, false); err != nil {
			t.Errorf("precheckOutput(%s): %v", tt.name, err)
		}
	}
	o := newOutputFiles(t, ".jsonl")
	ios, _, _, _ := TestIO()
	for _, tt := range []struct {
		name  string
		force bool
		want  string
	}{
		{o.precious, false, existsMsg("--flows", o.precious)},
		{o.link, true, symlinkMsg("--flows", o.link)},
		{o.dir, true, `portsift: --flows "` + o.dir + `": is a directory` + "\n"},
		{filepath.Join(o.dir, "no", "such.jsonl"), false, `portsift: --flows "` + filepath.Join(o.dir, "no", "such.jsonl") + `": no such file or directory` + "\n"},
	} {
		w, err := openOutput(ios, "--flows", tt.name, tt.force)
		if err == nil {
			w.Close()
			t.Errorf("openOutput(%s, %v) opened it", tt.name, tt.force)
			continue
		}
		if got := "portsift: " + err.Error() + "\n"; got != tt.want {
			t.Errorf("openOutput(%s, %v): %q, want %q", tt.name, tt.force, got, tt.want)
		}
	}
	o.intact(t, "openOutput", true)
	w, err := openOutput(ios, "--flows", o.precious, true)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("new\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(o.precious); string(b) != "new\n" {
		t.Errorf("openOutput(--force) left %q", b)
	}
}
