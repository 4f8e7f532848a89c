package cli

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/cmd/internal/cmdutil"
	"github.com/portsift/portsift/decode/vocab"
)

func TestNewCmdCheck(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    CheckOptions
		wantErr string
	}{
		{name: "defaults", args: []string{"a.pcap"},
			want: CheckOptions{Files: []string{"a.pcap"}, Format: "table", Ephemeral: "iana,linux", IdleTimeout: 2 * time.Minute, DecodeFlags: cmdutil.DecodeFlags{DecapDepth: 8}}},
		{name: "everything", args: []string{"--expect", "r.json", "--tolerance", "2%", "--only", "services,alerts", "--only", "flows", "-o", "json", "-v",
			"-f", "tcp", "-c", "9", "--services", "s.txt", "--ephemeral", "linux", "--max-flows", "7", "--idle-timeout", "1m", "-q", "a.pcap", "b.pcap"},
			want: CheckOptions{Files: []string{"a.pcap", "b.pcap"}, Expect: "r.json", Tolerance: "2%", Only: []string{"services", "alerts", "flows"},
				Format: "json", Verbose: true, Filter: "tcp", Count: 9, Services: []string{"s.txt"}, Ephemeral: "linux", MaxFlows: 7,
				IdleTimeout: time.Minute, Quiet: true, DecodeFlags: cmdutil.DecodeFlags{DecapDepth: 8}, tolerance: report.Tolerance{Rel: 0.02}}},
		{name: "update", args: []string{"--update", "traces/*.pcap"},
			want: CheckOptions{Files: []string{"traces/*.pcap"}, Update: true, Format: "table", Ephemeral: "iana,linux", IdleTimeout: 2 * time.Minute, DecodeFlags: cmdutil.DecodeFlags{DecapDepth: 8}}},
		{name: "absolute tolerance", args: []string{"--tolerance", "10", "a.pcap"},
			want: CheckOptions{Files: []string{"a.pcap"}, Tolerance: "10", Format: "table", Ephemeral: "iana,linux", IdleTimeout: 2 * time.Minute, DecodeFlags: cmdutil.DecodeFlags{DecapDepth: 8}, tolerance: report.Tolerance{Abs: 10}}},
		{name: "no files", args: nil, wantErr: "requires at least 1 arg"},
		{name: "bad format", args: []string{"-o", "csv", "a.pcap"}, wantErr: `unknown format "csv" (want table or json)`},
		{name: "bad tolerance", args: []string{"--tolerance", "lots", "a.pcap"}, wantErr: `--tolerance: tolerance "lots": want a percentage like 2% or a count like 10`},
		{name: "negative tolerance", args: []string{"--tolerance", "-3%", "a.pcap"}, wantErr: "--tolerance"},
		{name: "bad section", args: []string{"--only", "services,hosts", "a.pcap"}, wantErr: `--only: unknown section "hosts" (want totals, settings, buckets, services, ephemeral, alerts or flows)`},
		{name: "update and only", args: []string{"--update", "--only", "services", "a.pcap"}, wantErr: "--update rewrites the whole expectation"},
		{name: "update and tolerance", args: []string{"--update", "--tolerance", "1", "a.pcap"}, wantErr: "cannot be combined with --tolerance or --only"},
		{name: "stdin without expect", args: []string{"-"}, wantErr: "standard input ('-') has no report beside it: name one with --expect"},
		{name: "stdin twice", args: []string{"--expect", "r.json", "-", "-"}, wantErr: "standard input ('-') can be read only once"},
		{name: "bad pattern", args: []string{"traces/[.pcap"}, wantErr: `bad pattern "traces/[.pcap"`},
		{name: "negative max flows", args: []string{"--max-flows", "-1", "a.pcap"}, wantErr: `invalid argument "-1" for "--max-flows" flag: must be 0 (default 262144) or more`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkParse(t, "check", NewCmdCheck, tt.args, tt.want, tt.wantErr, func(o *CheckOptions) { o.IO = nil }, func(a, b CheckOptions) bool { return reflect.DeepEqual(a, b) })
		})
	}
}

func TestNewCmdMerge(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    MergeOptions
		wantErr string
	}{
		{name: "defaults", args: []string{"a.json", "b.json"}, want: MergeOptions{Files: []string{"a.json", "b.json"}, Format: "table", Sort: "bytes"}},
		{name: "everything", args: []string{"-o", "json", "--force", "--top", "3", "--sort", "flows", "a.json", "-"},
			want: MergeOptions{Files: []string{"a.json", "-"}, Format: "json", Force: true, Top: 3, TopSet: true, Sort: "flows"}},
		{name: "no files", args: nil, wantErr: "requires at least 1 arg"},
		{name: "bad format", args: []string{"-o", "xml", "a.json"}, wantErr: `unknown format "xml" (want table, json or csv)`},
		{name: "bad sort", args: []string{"--sort", "name", "a.json"}, wantErr: `unknown sort key "name"`},
		{name: "negative top", args: []string{"--top", "-2", "a.json"}, wantErr: `invalid argument "-2" for "--top" flag: must be 0 (all) or more`},
		{name: "stdin twice", args: []string{"-", "-"}, wantErr: "standard input ('-') can be read only once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkParse(t, "merge", NewCmdMerge, tt.args, tt.want, tt.wantErr, func(o *MergeOptions) { o.IO = nil }, func(a, b MergeOptions) bool { return reflect.DeepEqual(a, b) })
		})
	}
}

// The flow the edits below act on, as in testdata/golden/eth-mixed.flows.jsonl:
// tcp 192.0.2.21:8080 -> 198.51.100.6:22, the trace's only ssh flow.
var (
	editClient = [4]byte{192, 0, 2, 21}
	editServer = [4]byte{198, 51, 100, 6}
)

const editClientPort, editServerPort = 8080, 22

type frameRec struct {
	ci       gopacket.CaptureInfo
	data     []byte
	tcpAt    int  // offset of the TCP header, -1 if none
	inEdit   bool // a frame of the flow to edit
	toServer bool
}

// editTrace writes a copy of eth-mixed.pcap changed by edit to dir/name.
func editTrace(t *testing.T, dir, name string, edit func([]frameRec) []frameRec) string {
	t.Helper()
	f, err := os.Open("../testdata/traces/eth-mixed.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var frames []frameRec
	found := 0
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		fr := frameRec{ci: ci, data: data, tcpAt: -1}
		p := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.NoCopy)
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && ip != nil {
			fr.tcpAt = 0
			for _, l := range p.Layers() {
				if l.LayerType() == layers.LayerTypeTCP {
					break
				}
				fr.tcpAt += len(l.LayerContents())
			}
			src, dst := [4]byte(ip.SrcIP.To4()), [4]byte(ip.DstIP.To4())
			switch {
			case src == editClient && dst == editServer && tcp.SrcPort == editClientPort && tcp.DstPort == editServerPort:
				fr.inEdit, fr.toServer = true, true
			case src == editServer && dst == editClient && tcp.SrcPort == editServerPort && tcp.DstPort == editClientPort:
				fr.inEdit = true
			}
		}
		if fr.inEdit {
			found++
		}
		frames = append(frames, fr)
	}
	if found == 0 {
		t.Fatal("eth-mixed.pcap has no frame of the ssh flow 192.0.2.21:8080 -> 198.51.100.6:22 (regenerated?)")
	}
	frames = edit(frames)
	path := filepath.Join(dir, name)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := pcapgo.NewWriter(out)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for _, fr := range frames {
		if err := w.WritePacket(fr.ci, fr.data); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// setPorts rewrites the ports of a frame of the edited flow: client and
// server port in the right order for its direction. TCP checksums are not
// checked by portsift, so they are left as they are.
func setPorts(fr frameRec, client, server uint16) frameRec {
	fr.data = bytes.Clone(fr.data)
	src, dst := server, client
	if fr.toServer {
		src, dst = client, server
	}
	binary.BigEndian.PutUint16(fr.data[fr.tcpAt:], src)
	binary.BigEndian.PutUint16(fr.data[fr.tcpAt+2:], dst)
	return fr
}

// traceEdits are the kinds of change a check must report.
var traceEdits = []struct {
	name string
	edit func([]frameRec) []frameRec
}{
	{"drop-flow", func(fs []frameRec) []frameRec { // the ssh flow disappears
		var out []frameRec
		for _, f := range fs {
			if !f.inEdit {
				out = append(out, f)
			}
		}
		return out
	}},
	{"add-port", func(fs []frameRec) []frameRec { // a copy of the flow on tcp/2222 appears
		out := fs
		for _, f := range fs {
			if f.inEdit {
				out = append(out, setPorts(f, 51099, 2222))
			}
		}
		return out
	}},
	{"alert-port", func(fs []frameRec) []frameRec { // the flow moves to tcp/27374 (SubSeven)
		out := make([]frameRec, len(fs))
		for i, f := range fs {
			if f.inEdit {
				// The client port too: 8080 is named (http-alt) and, lower
				// than 27374, would win rule 3; an unnamed ephemeral port
				// leaves the service side to the registry (rule 2).
				f = setPorts(f, 51077, 27374)
			}
			out[i] = f
		}
		return out
	}},
}

const goldenExpect = "../testdata/golden/eth-mixed.pcap.json"

// TestGoldenCheckDiffs checks edited copies of eth-mixed.pcap against its
// golden report: the diff table and the JSON diff of each kind of change
// are golden files (testdata/golden/check/).
func TestGoldenCheckDiffs(t *testing.T) {
	dir := t.TempDir()
	for _, e := range traceEdits {
		t.Run(e.name, func(t *testing.T) {
			trace := editTrace(t, dir, e.name+".pcap", e.edit)
			for _, format := range []string{"table", "json"} {
				ios, _, out, errOut := TestIO()
				code := Main([]string{"check", trace, "--expect", goldenExpect, "-o", format}, ios)
				if code != ExitFailure || errOut.Len() != 0 {
					t.Fatalf("check %s -o %s: exit %d (want 1), stderr %q", e.name, format, code, errOut)
				}
				got := strings.ReplaceAll(out.String(), dir, "$TMP")
				ext := map[string]string{"table": "txt", "json": "json"}[format]
				golden(t, "check/"+e.name+"."+ext, []byte(got))
			}
		})
	}
	// The unedited copy matches.
	trace := editTrace(t, dir, "same.pcap", func(fs []frameRec) []frameRec { return fs })
	ios, _, out, _ := TestIO()
	if code := Main([]string{"check", trace, "--expect", goldenExpect}, ios); code != ExitOK || out.String() != "ok       "+trace+"\n" {
		t.Errorf("unedited copy: exit %d, output %q", code, out)
	}
}

// TestCheckDiffKinds checks, beyond the golden files, that each edit shows
// the changes it must.
func TestCheckDiffKinds(t *testing.T) {
	dir := t.TempDir()
	want := map[string][]string{
		"drop-flow":  {"services|tcp/22|ssh||removed", "flows|||total|changed"},
		"add-port":   {"services|tcp/2222|", "||added"},
		"alert-port": {"services|tcp/22|ssh||removed", "services|tcp/27374|", "alerts|tcp/27374|", "||added"},
	}
	for _, e := range traceEdits {
		trace := editTrace(t, dir, e.name+".pcap", e.edit)
		ios, _, out, _ := TestIO()
		Main([]string{"check", trace, "--expect", goldenExpect, "-o", "json"}, ios)
		var res checkOutput
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%s: %v\n%s", e.name, err, out)
		}
		if res.Failed != 1 || res.Passed != 0 || len(res.Checks) != 1 || res.Checks[0].Status != "fail" {
			t.Fatalf("%s: %+v", e.name, res)
		}
		var all strings.Builder
		for _, c := range res.Checks[0].Changes {
			all.WriteString(c.Section + "|" + c.Row + "|" + c.Name + "|" + c.Field + "|" + c.Kind + "\n")
		}
		for _, w := range want[e.name] {
			if !strings.Contains(all.String(), w) {
				t.Errorf("%s: no change like %q in:\n%s", e.name, w, all.String())
			}
		}
	}
}

func TestCheckUpdate(t *testing.T) {
	dir := t.TempDir()
	trace := editTrace(t, dir, "t.pcap", traceEdits[0].edit)
	expect := filepath.Join(dir, "t.report.json")
	golden, err := os.ReadFile(goldenExpect)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(expect, golden, 0o640); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string) {
		ios, _, out, errOut := TestIO()
		code := Main(append([]string{"check"}, args...), ios)
		if errOut.Len() > 0 {
			t.Errorf("check %s: stderr %q", args, errOut)
		}
		return code, out.String()
	}
	code, out := run(trace, "--update")
	if code != ExitOK || !strings.HasPrefix(out, "updated  "+trace+": "+expect+", ") || !strings.Contains(out, "tcp/22 ssh") || !strings.Contains(out, "(removed)") {
		t.Fatalf("--update: exit %d\n%s", code, out)
	}
	fi, err := os.Stat(expect)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("--update: mode %v, want the old file's 0640", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("--update left files behind: %v", entries)
	}
	if code, out = run(trace); code != ExitOK || out != "ok       "+trace+"\n"+"1 passed, 0 failed\n" {
		t.Errorf("check after --update: exit %d\n%s", code, out)
	}
	// Nothing changed: the file is not touched (not even rewritten with the same bytes).
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	os.Chtimes(expect, old, old)
	code, out = run(trace, "--update")
	if fi2, _ := os.Stat(expect); code != ExitOK || !os.SameFile(fi, fi2) || !fi2.ModTime().Equal(old) {
		t.Errorf("--update with nothing changed: exit %d, file replaced or modified\n%s", code, out)
	}
	if !strings.Contains(out, "t.report.json unchanged") {
		t.Errorf("--update with nothing changed: output %q", out)
	}
	// A missing expectation is created.
	os.Remove(expect)
	if code, out = run(trace, "--update"); code != ExitOK || !strings.HasPrefix(out, "created  ") {
		t.Errorf("--update without an expectation: exit %d\n%s", code, out)
	}
	if rep, err := report.ReadReportFile(expect); err != nil || rep.ServicePort(vocab.TCP, 22) != nil {
		t.Errorf("created expectation: %v", err)
	}
}

func TestCheckGlobSummary(t *testing.T) {
	dir := t.TempDir()
	var traces []string
	for _, e := range traceEdits {
		traces = append(traces, editTrace(t, dir, e.name+".pcap", e.edit))
	}
	same := editTrace(t, dir, "same.pcap", func(fs []frameRec) []frameRec { return fs })
	golden, _ := os.ReadFile(goldenExpect)
	for _, tr := range append(traces, same) {
		os.WriteFile(expectationPath(tr), golden, 0o644)
	}
	ios, _, out, _ := TestIO()
	code := Main([]string{"check", filepath.Join(dir, "*.pcap")}, ios)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if code != ExitFailure || len(lines) != 5 || lines[4] != "1 passed, 3 failed" {
		t.Fatalf("check glob: exit %d, %d lines\n%s", code, len(lines), out)
	}
	for i, l := range lines[:4] {
		prefix := "FAIL     "
		if strings.Contains(l, "same.pcap") {
			prefix = "ok       "
		}
		if !strings.HasPrefix(l, prefix) {
			t.Errorf("line %d: %q, want it to start with %q", i+1, l, prefix)
		}
	}
	// Only the matching traces: all pass.
	ios, _, out, _ = TestIO()
	if code := Main([]string{"check", filepath.Join(dir, "s*.pcap")}, ios); code != ExitOK || out.String() != "ok       "+same+"\n1 passed, 0 failed\n" {
		t.Errorf("check s*.pcap: exit %d\n%s", code, out)
	}
	// -v lists the differences of every failing trace.
	ios, _, out, _ = TestIO()
	Main([]string{"check", "-v", filepath.Join(dir, "*.pcap")}, ios)
	if n := strings.Count(out.String(), "SECTION"); n != 3 {
		t.Errorf("check -v: %d tables, want 3\n%s", n, out)
	}
	// No match is an error naming the pattern.
	ios, _, _, errOut := TestIO()
	if code := Main([]string{"check", filepath.Join(dir, "*.pcapng")}, ios); code != ExitFailure || !strings.Contains(errOut.String(), "no trace matches") {
		t.Errorf("check *.pcapng: exit %d, stderr %q", code, errOut)
	}
}

func TestExpectationPath(t *testing.T) {
	for in, want := range map[string]string{
		"trace.pcap":                "trace.report.json",
		"traces/login.pcapng":       "traces/login.report.json",
		"traces/login.pcap.gz":      "traces/login.report.json",
		"a.b/noext":                 "a.b/noext.report.json",
		"dir/multi.part.name.pcap":  "dir/multi.part.name.report.json",
		"../testdata/traces/x.cap":  "../testdata/traces/x.report.json",
		"capture.pcapng.gz":         "capture.report.json",
		"weird.gz":                  "weird.report.json",
		"trace.pcap.report.json.gz": "trace.pcap.report.report.json",
	} {
		if got := expectationPath(in); got != want {
			t.Errorf("expectationPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExpandTraces(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.pcap", "b.pcap", "a.report.json", "c.pcapng"} {
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	os.Mkdir(filepath.Join(dir, "sub.pcap"), 0o755)
	got, err := expandTraces([]string{filepath.Join(dir, "*"), "-", "plain.pcap"})
	want := []string{filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap"), filepath.Join(dir, "c.pcapng"), "-", "plain.pcap"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("expandTraces: %q, %v; want %q", got, err, want)
	}
	if _, err := expandTraces([]string{filepath.Join(dir, "*.cap")}); err == nil {
		t.Errorf("expandTraces of a pattern matching nothing: no error")
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "r.json")
	if err := writeFileAtomic(name, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(name); fi.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644", fi.Mode().Perm())
	}
	os.Chmod(name, 0o600)
	if err := writeFileAtomic(name, []byte("two")); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(name)
	fi, _ := os.Stat(name)
	entries, _ := os.ReadDir(dir)
	if string(data) != "two" || fi.Mode().Perm() != 0o600 || len(entries) != 1 {
		t.Errorf("rewrite: %q, mode %v, %d files", data, fi.Mode().Perm(), len(entries))
	}
	if err := writeFileAtomic(filepath.Join(dir, "no", "such", "dir.json"), []byte("x")); err == nil {
		t.Errorf("write into a missing directory: no error")
	}
}

func TestMergeCommand(t *testing.T) {
	dir := t.TempDir()
	run := func(stdin string, args ...string) (int, string, string) {
		ios, in, out, errOut := TestIO()
		in.WriteString(stdin)
		code := Main(args, ios)
		return code, out.String(), errOut.String()
	}
	rep := func(name string, args ...string) string {
		code, out, errOut := run("", append([]string{"read", "-q", "-o", "json"}, args...)...)
		if code != ExitOK {
			t.Fatalf("read %s: exit %d: %s", args, code, errOut)
		}
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(out), 0o644)
		return path
	}
	a := rep("a.json", "../testdata/traces/eth-mixed.pcap")
	b := rep("b.json", "../testdata/traces/encap.pcap")
	xp := rep("xp.json", "--ephemeral", "windows-xp", "../testdata/traces/encap.pcap")
	_, both, _ := run("", "read", "-q", "-o", "json", "../testdata/traces/eth-mixed.pcap", "../testdata/traces/encap.pcap")

	code, out, errOut := run("", "merge", "-o", "json", a, b)
	if code != ExitOK || errOut != "" {
		t.Fatalf("merge: exit %d, %s", code, errOut)
	}
	m, err := report.ReadReport(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	all, _ := report.ReadReport(strings.NewReader(both))
	// Distinct hosts marked as upper bounds match the exact counts below them.
	if d := m.Diff(all, report.DiffOptions{}); !d.Equal() {
		t.Errorf("merge differs from reading both:\n%s", d)
	}
	code, out, _ = run("", "merge", a, b)
	if code != ExitOK || !strings.Contains(out, "SERVICE") || !strings.Contains(out, "CLIENTS and SERVERS are upper bounds for") {
		t.Errorf("merge (table): exit %d\n%s", code, out)
	}
	data, _ := os.ReadFile(a)
	if code, out, _ = run(string(data), "merge", "-o", "csv", "-", b); code != ExitOK || !strings.HasPrefix(out, "proto,port,") {
		t.Errorf("merge - b.json: exit %d\n%s", code, out)
	}

	code, out, errOut = run("", "merge", a, xp)
	if code != ExitFailure || out != "" || !strings.Contains(errOut, `"`+xp+`" has registry.ephemeral "1025-5000" but "`+a+`" has "32768-65535"`) ||
		!strings.Contains(errOut, "--force") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("merge of other ephemeral ranges: exit %d, stderr %q", code, errOut)
	}
	if code, out, _ = run("", "merge", "--force", "-o", "json", a, xp); code != ExitOK || !strings.Contains(out, `"ephemeral": "32768-65535 | 1025-5000"`) {
		t.Errorf("merge --force: exit %d\n%s", code, out)
	}

	future := filepath.Join(dir, "future.json")
	os.WriteFile(future, []byte(`{"schema": "portsift.report/v2", "frames": {"new": 1}}`), 0o644)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{\"schema\": \"portsift.report/v1\",\n  \"frames\": 12,,\n}"), 0o644)
	for _, tt := range []struct{ file, want string }{
		{future, "report schema portsift.report/v2 is newer than this portsift reads (portsift.report/v1); upgrade portsift"},
		{bad, "not a portsift report: invalid JSON at line 2"},
		{filepath.Join(dir, "none.json"), "no such file or directory"},
	} {
		code, out, errOut = run("", "merge", a, tt.file)
		if code != ExitFailure || out != "" || !strings.Contains(errOut, tt.file) || !strings.Contains(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("merge %s: exit %d, stderr %q; want 1 and %q", filepath.Base(tt.file), code, errOut, tt.want)
		}
	}
}
