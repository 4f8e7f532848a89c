package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
)

// Built with -race (make test), every run of the binary would sleep a
// second on exit: the race runtime's atexit_sleep_ms, which waits for late
// race reports, defaults to 1000. 50 ms keeps the wait and makes the
// end-to-end tests of every command a minute faster. The variable is read by
// the children that portsift() starts (it inherits os.Environ), not by this
// process, whose runtime already started; a GORACE set by the caller wins.
func init() {
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=50")
	}
}

// hasRow reports whether a line of out has exactly these fields
// (table columns, whatever their widths).
func hasRow(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		if slices.Equal(strings.Fields(line), fields) {
			return true
		}
	}
	return false
}

// copyFile copies a repository file into dir and returns the new path.
func copyFile(t *testing.T, src, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, src))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, name)
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// record writes `portsift read -o json args...` to path, as a user records
// an expectation (`portsift read trace.pcap -o json > trace.report.json`).
func record(t *testing.T, path string, args ...string) *report.Report {
	t.Helper()
	r := portsift(t, nil, append([]string{"read", "-o", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("read %s: exit %d: %s", args, r.code, r.errOut)
	}
	if err := os.WriteFile(path, []byte(r.out), 0o644); err != nil {
		t.Fatal(err)
	}
	return parseReport(t, r)
}

// editReport rewrites the report in path with edit applied.
func editReport(t *testing.T, path string, edit func(*report.Report)) {
	t.Helper()
	rep, err := report.ReadReportFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edit(rep)
	var b bytes.Buffer
	report.WriteJSON(&b, rep)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheckRecordAndMatch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	trace := copyFile(t, mixed, dir, "trace.pcap")
	expect := filepath.Join(dir, "trace.report.json")
	record(t, expect, trace)

	r := portsift(t, nil, "check", trace, "--expect", expect)
	if r.code != 0 || r.out != "ok       "+trace+"\n" || r.errOut != "" {
		t.Errorf("check trace.pcap --expect trace.report.json: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	// Without --expect: trace.report.json beside the trace.
	r = portsift(t, nil, "check", trace)
	if r.code != 0 || r.out != "ok       "+trace+"\n1 passed, 0 failed\n" {
		t.Errorf("check trace.pcap: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	// The same trace from another directory, under another name, or
	// compressed, matches: sources are not compared.
	for _, other := range []string{mixed, mixed + ".gz"} {
		r = portsift(t, nil, "check", other, "--expect", expect)
		if r.code != 0 {
			t.Errorf("check %s against a report recorded elsewhere: exit %d\n%s", other, r.code, r.out)
		}
	}
	data, _ := os.ReadFile(trace)
	r = portsift(t, data, "check", "-", "--expect", expect)
	if r.code != 0 {
		t.Errorf("check - (stdin): exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	// The same flags as when recording: a filter is a setting.
	filtered := filepath.Join(dir, "https.report.json")
	record(t, filtered, "-f", "tcp port 443", trace)
	if r = portsift(t, nil, "check", "-f", "tcp port 443", trace, "--expect", filtered); r.code != 0 {
		t.Errorf("check -f: exit %d\n%s", r.code, r.out)
	}
	r = portsift(t, nil, "check", trace, "--expect", filtered, "--only", "settings")
	if r.code != 1 || !hasRow(r.out, "settings", "-", "filter", "tcp", "port", "443", `""`) {
		t.Errorf("check without the recorded filter: exit %d\n%s", r.code, r.out)
	}
}

func TestCheckMismatch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	trace := copyFile(t, mixed, dir, "trace.pcap")
	expect := filepath.Join(dir, "trace.report.json")
	record(t, expect, trace)
	editReport(t, expect, func(r *report.Report) {
		r.ServicePort(vocab.TCP, 443).Packets++
		r.Services = append(r.Services, report.Service{Proto: vocab.UDP, Port: 5353, Name: "mdns", Packets: 3, Bytes: 300, Flows: 1})
		r.Alerts = r.Alerts[1:]
	})
	r := portsift(t, nil, "check", trace, "--expect", expect)
	if r.code != 1 || r.errOut != "" {
		t.Fatalf("check against an edited report: exit %d, stderr %q", r.code, r.errOut)
	}
	lines := strings.Split(r.out, "\n")
	if !strings.HasPrefix(lines[0], "FAIL     "+trace+": 3 differences from "+expect+" (services 2, alerts 1)") {
		t.Errorf("first line %q", lines[0])
	}
	for _, row := range [][]string{
		{"SECTION", "ROW", "FIELD", "EXPECTED", "GOT", "DELTA"},
		{"services", "tcp/443", "https", "packets", "23", "22", "-1", "(-4.3%)"},
		{"services", "udp/5353", "mdns", "(removed)", "3", "packets,", "300", "B,", "1", "flow", "-"},
		{"alerts", "tcp/31337", "eldim", "(added)", "-", "5", "packets,", "1", "flow"},
	} {
		if !hasRow(r.out, row...) {
			t.Errorf("diff lacks a row %q:\n%s", row, r.out)
		}
	}

	r = portsift(t, nil, "check", trace, "--expect", expect, "-o", "json")
	var out struct {
		Passed, Failed int
		Checks         []struct {
			Status  string
			Changes []report.Change
		}
	}
	if err := json.Unmarshal([]byte(r.out), &out); err != nil || r.code != 1 {
		t.Fatalf("check -o json: exit %d, %v\n%s", r.code, err, r.out)
	}
	if out.Failed != 1 || out.Checks[0].Status != "fail" || len(out.Checks[0].Changes) != 3 {
		t.Errorf("check -o json: %+v", out)
	}
	if c := out.Checks[0].Changes[0]; c.Row != "tcp/443" || c.Field != "packets" || c.Expected != 23.0 || c.Got != 22.0 || c.Delta != -1 {
		t.Errorf("check -o json: first change %+v", c)
	}

	// --only services,alerts still fails; --only flows passes.
	if r = portsift(t, nil, "check", trace, "--expect", expect, "--only", "services,alerts"); r.code != 1 {
		t.Errorf("--only services,alerts: exit %d", r.code)
	}
	if r = portsift(t, nil, "check", trace, "--expect", expect, "--only", "flows,buckets,totals,ephemeral"); r.code != 0 {
		t.Errorf("--only flows,...: exit %d\n%s", r.code, r.out)
	}
}

func TestCheckTolerance(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	trace := copyFile(t, mixed, dir, "trace.pcap")
	expect := filepath.Join(dir, "trace.report.json")
	rep := record(t, expect, trace)
	https := rep.ServicePort(vocab.TCP, 443)
	// 2 more packets and 3% more bytes than recorded.
	editReport(t, expect, func(r *report.Report) {
		s := r.ServicePort(vocab.TCP, 443)
		s.Packets += 2
		s.Bytes += s.Bytes * 3 / 100
	})
	for _, tt := range []struct {
		tol  string
		code int
	}{
		{"", 1},
		{"2%", 1},   // 2 of 24 packets is 8%
		{"10%", 0},  // covers both
		{"2", 1},    // the bytes differ by more than 2
		{"1000", 0}, // absolute
		{"0.5%", 1},
	} {
		args := []string{"check", trace, "--expect", expect}
		if tt.tol != "" {
			args = append(args, "--tolerance", tt.tol)
		}
		if r := portsift(t, nil, args...); r.code != tt.code {
			t.Errorf("--tolerance %q (https %d packets, %d bytes): exit %d, want %d\n%s", tt.tol, https.Packets, https.Bytes, r.code, tt.code, r.out)
		}
	}
}

func TestCheckUpdateAndGlob(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var traces []string
	for _, name := range []string{"eth-mixed.pcap", "encap.pcap", "ipv6.pcap"} {
		traces = append(traces, copyFile(t, "testdata/traces/"+name, dir, name))
	}
	glob := filepath.Join(dir, "*.pcap")

	// No expectations yet: each trace fails, naming the missing file.
	r := portsift(t, nil, "check", glob)
	if r.code != 1 || strings.Count(r.out, "\n") != 4 || !strings.HasSuffix(r.out, "0 passed, 3 failed\n") ||
		!strings.Contains(r.out, "error    "+traces[0]+`: expectation "`+filepath.Join(dir, "eth-mixed.report.json")+`" does not exist (record it with --update)`) {
		t.Fatalf("check glob without expectations: exit %d\n%s", r.code, r.out)
	}
	// --update records them.
	r = portsift(t, nil, "check", glob, "--update")
	if r.code != 0 || strings.Count(r.out, "created  ") != 3 || !strings.HasSuffix(r.out, "3 passed, 0 failed\n") {
		t.Fatalf("check glob --update: exit %d\n%s", r.code, r.out)
	}
	r = portsift(t, nil, "check", glob)
	if r.code != 0 || r.out != "ok       "+traces[1]+"\nok       "+traces[0]+"\nok       "+traces[2]+"\n3 passed, 0 failed\n" {
		t.Errorf("check glob: exit %d\n%s", r.code, r.out)
	}
	// One expectation goes stale: one line per trace, a summary, exit 1.
	stale := filepath.Join(dir, "ipv6.report.json")
	editReport(t, stale, func(r *report.Report) { r.Flows.Total += 5; r.Services = r.Services[1:] })
	r = portsift(t, nil, "check", glob)
	lines := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
	if r.code != 1 || len(lines) != 4 || lines[3] != "2 passed, 1 failed" ||
		!strings.HasPrefix(lines[2], "FAIL     "+traces[2]+": 2 differences from "+stale+" (services 1, flows 1)") {
		t.Errorf("check glob with a stale expectation: exit %d\n%s", r.code, r.out)
	}
	// --update rewrites only the stale one and says what changed.
	before := map[string]os.FileInfo{}
	for _, tr := range traces {
		fi, _ := os.Stat(strings.TrimSuffix(tr, ".pcap") + ".report.json")
		before[tr] = fi
	}
	r = portsift(t, nil, "check", glob, "--update")
	if r.code != 0 || !strings.Contains(r.out, "updated  "+traces[2]+": "+stale+", 2 changes (services 1, flows 1)") ||
		!hasRow(r.out, "flows", "-", "total", "7", "2", "-5", "(-71.4%)") || strings.Count(r.out, " unchanged\n") != 2 {
		t.Errorf("check glob --update: exit %d\n%s", r.code, r.out)
	}
	for _, tr := range traces[:2] {
		fi, _ := os.Stat(strings.TrimSuffix(tr, ".pcap") + ".report.json")
		if !os.SameFile(fi, before[tr]) || !fi.ModTime().Equal(before[tr].ModTime()) {
			t.Errorf("--update touched the unchanged expectation of %s", tr)
		}
	}
	if fi, _ := os.Stat(stale); os.SameFile(fi, before[traces[2]]) {
		t.Errorf("--update did not replace %s (atomic rename)", stale)
	}
	if r = portsift(t, nil, "check", glob); r.code != 0 {
		t.Errorf("check after --update: exit %d\n%s", r.code, r.out)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 6 {
		t.Errorf("%d files in the directory, want 3 traces and 3 reports (a temporary file left?)", len(entries))
	}
}

func TestCheckUnreadable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	trace := copyFile(t, mixed, dir, "trace.pcap")
	expect := filepath.Join(dir, "trace.report.json")
	record(t, expect, trace)
	future := filepath.Join(dir, "future.json")
	os.WriteFile(future, []byte(`{"schema": "portsift.report/v2", "services": {"changed": "shape"}}`), 0o644)
	corrupt := filepath.Join(dir, "corrupt.json")
	good, _ := os.ReadFile(expect)
	os.WriteFile(corrupt, good[:len(good)/2], 0o644)
	notJSON := copyFile(t, "testdata/corrupt/not-a-capture.txt", dir, "notes.json")

	for _, tt := range []struct {
		name, trace, expect string
		want                []string
	}{
		{"future schema", trace, future, []string{"expectation unreadable", future, "report schema portsift.report/v2 is newer than this portsift reads (portsift.report/v1); upgrade portsift"}},
		{"corrupt expectation", trace, corrupt, []string{"expectation unreadable", corrupt, "not a portsift report: invalid JSON at line"}},
		{"not JSON", trace, notJSON, []string{"expectation unreadable", notJSON, "not a portsift report"}},
		{"missing expectation", trace, filepath.Join(dir, "none.json"), []string{"none.json", "does not exist"}},
		{"missing trace", filepath.Join(dir, "none.pcap"), expect, []string{"trace unreadable", "none.pcap", "no such file"}},
		{"corrupt trace", "testdata/corrupt/record-cut.pcap", expect, []string{"trace unreadable", "record-cut.pcap", "truncated record"}},
		{"not a trace", "testdata/corrupt/not-a-capture.txt", expect, []string{"trace unreadable", "not-a-capture.txt", "not a capture file"}},
	} {
		r := portsift(t, nil, "check", tt.trace, "--expect", tt.expect)
		if r.code != 1 || r.errOut != "" || strings.Count(r.out, "\n") != 1 || !strings.HasPrefix(r.out, "error    ") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 and one error line", tt.name, r.code, r.out, r.errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(r.out, w) {
				t.Errorf("%s: %q does not mention %q", tt.name, r.out, w)
			}
		}
		if strings.Contains(r.out, "FAIL") || strings.Contains(r.out, "goroutine") {
			t.Errorf("%s: %q reads like a mismatch or a crash", tt.name, r.out)
		}
	}
	// --update with a trace that cannot be read to its end leaves the
	// expectation as it is.
	r := portsift(t, nil, "check", "testdata/corrupt/record-cut.pcap", "--expect", expect, "--update")
	if after, _ := os.ReadFile(expect); r.code != 1 || !bytes.Equal(after, good) {
		t.Errorf("--update with a corrupt trace: exit %d, expectation changed: %v", r.code, !bytes.Equal(after, good))
	}
}

func TestMergeReports(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	day1 := filepath.Join(dir, "day1.json")
	day2 := filepath.Join(dir, "day2.json")
	hostB := filepath.Join(dir, "host-b.json")
	record(t, day1, mixed)
	record(t, day2, "testdata/traces/encap.pcap")
	record(t, hostB, "testdata/traces/ipv6.pcap")
	all := parseReport(t, portsift(t, nil, "read", "-o", "json", mixed, "testdata/traces/encap.pcap", "testdata/traces/ipv6.pcap"))

	r := portsift(t, nil, "merge", day1, day2, hostB, "-o", "json")
	if r.code != 0 || r.errOut != "" {
		t.Fatalf("merge: exit %d: %s", r.code, r.errOut)
	}
	m := parseReport(t, r)
	if m.Frames != all.Frames || len(m.Services) != len(all.Services) || m.Flows.Total != all.Flows.Total || len(m.Sources) != 3 {
		t.Errorf("merge: %d frames, %d services, %d flows, %d sources; reading all: %d, %d, %d", m.Frames, len(m.Services), m.Flows.Total, len(m.Sources), all.Frames, len(all.Services), all.Flows.Total)
	}
	for _, s := range m.Services {
		exact := all.ServicePort(s.Proto, s.Port)
		if s.Packets != exact.Packets || s.Bytes != exact.Bytes || s.Clients < exact.Clients || (!s.HostsUpperBound && s.Clients != exact.Clients) {
			t.Errorf("merge: %s/%d = %+v; reading all: %+v", s.Proto, s.Port, s, exact)
		}
	}
	if !strings.Contains(r.out, `"hosts_upper_bound": true`) {
		t.Errorf("merge: no service marked as an upper bound")
	}
	// A merged report merges again, and checks against a trace read at once.
	merged := filepath.Join(dir, "merged.json")
	os.WriteFile(merged, []byte(r.out), 0o644)
	if r = portsift(t, nil, "check", mixed, "testdata/traces/encap.pcap", "testdata/traces/ipv6.pcap", "--expect", merged); r.code != 0 {
		t.Errorf("check of the three traces against their merged report: exit %d\n%s", r.code, r.out)
	}

	other := filepath.Join(dir, "other.json")
	record(t, other, "--ephemeral", "windows-xp", "testdata/traces/ipv6.pcap")
	r = portsift(t, nil, "merge", day1, other)
	if r.code != 1 || r.out != "" {
		t.Errorf("merge of other ephemeral ranges: exit %d", r.code)
	}
	oneLine(t, r.errOut, other, day1, "registry.ephemeral", "--force")
	if r = portsift(t, nil, "merge", "--force", day1, other); r.code != 0 {
		t.Errorf("merge --force: exit %d: %s", r.code, r.errOut)
	}

	future := filepath.Join(dir, "future.json")
	os.WriteFile(future, []byte(`{"schema": "portsift.report/v3"}`), 0o644)
	r = portsift(t, nil, "merge", day1, future)
	if r.code != 1 {
		t.Errorf("merge of a newer report: exit %d", r.code)
	}
	oneLine(t, r.errOut, future, "newer than this portsift reads")
	r = portsift(t, nil, "merge", day1, "testdata/corrupt/not-a-capture.txt")
	if r.code != 1 {
		t.Errorf("merge of a text file: exit %d", r.code)
	}
	oneLine(t, r.errOut, "not-a-capture.txt", "not a portsift report")
}

func TestCheckMergeUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"check"},
		{"check", "--tolerance", "x", mixed},
		{"check", "--only", "everything", mixed},
		{"check", "--update", "--only", "services", mixed},
		{"check", "-o", "csv", mixed},
		{"check", "-"},
		{"check", "-f", "tcp prot 80", mixed, "--expect", "testdata/golden/eth-mixed.pcap.json"},
		{"merge"},
		{"merge", "--top", "-1", "a.json"},
		{"merge", "-o", "xml", "a.json"},
	} {
		r := portsift(t, nil, args...)
		if r.code != 2 {
			t.Errorf("portsift %s: exit %d, want 2 (stderr %q)", strings.Join(args, " "), r.code, r.errOut)
		}
		if !strings.HasPrefix(r.errOut, "portsift: ") || strings.Contains(r.errOut, "goroutine") {
			t.Errorf("portsift %s: stderr %q", strings.Join(args, " "), r.errOut)
		}
	}
}
