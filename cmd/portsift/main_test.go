package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/cmd/internal/cli"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/e2e files")

// TestMain lets the test binary act as portsift: when PORTSIFT_E2E is set
// it runs cli.Main with the process's real streams and exit code, so the
// tests below exercise exactly what the built binary does.
func TestMain(m *testing.M) {
	if os.Getenv("PORTSIFT_E2E") == "1" {
		os.Exit(cli.Main(os.Args[1:], cli.SystemIO()))
	}
	os.Exit(m.Run())
}

const root = "../.."

type result struct {
	code        int
	out, errOut string
}

// portsift runs the binary from the repository root with stdin as input.
func portsift(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command(exe, args...)
	c.Dir = root
	c.Env = append(os.Environ(), "PORTSIFT_E2E=1")
	c.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	err = c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errOut.String()}
}

func parseReport(t *testing.T, r result) *report.Report {
	t.Helper()
	var rep report.Report
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s\nstderr: %s", err, r.out, r.errOut)
	}
	return &rep
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenIn(t, "e2e", name, got)
}

// goldenIn compares got with testdata/golden/dir/name, or rewrites it with -update.
func goldenIn(t *testing.T, dir, name, got string) {
	t.Helper()
	path := filepath.Join(root, "testdata", "golden", dir, name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/portsift -update creates it)", err)
	}
	if string(want) != got {
		t.Errorf("%s: output differs from golden file (review, then -update):\n--- want\n%s\n--- got\n%s", name, want, got)
	}
}

func oneLine(t *testing.T, s string, wants ...string) {
	t.Helper()
	if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
		t.Errorf("stderr should be exactly one line, got %q", s)
	}
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("stderr %q does not mention %q", s, w)
		}
	}
	if strings.Contains(s, "goroutine") || strings.Contains(s, "panic") {
		t.Errorf("stderr has a Go trace: %q", s)
	}
}

const mixed = "testdata/traces/eth-mixed.pcap"

func TestReadGolden(t *testing.T) {
	r := portsift(t, nil, "read", mixed)
	if r.code != 0 || r.errOut != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
	}
	golden(t, "read-eth-mixed.txt", r.out)
	r = portsift(t, nil, "read", "-o", "json", mixed)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	golden(t, "read-eth-mixed.json", r.out)
}

// sameCounts compares two reports except for their sources.
func sameCounts(t *testing.T, what string, a, b *report.Report) {
	t.Helper()
	a2, b2 := *a, *b
	a2.Sources, b2.Sources = nil, nil
	ja, _ := json.Marshal(a2)
	jb, _ := json.Marshal(b2)
	if !bytes.Equal(ja, jb) {
		t.Errorf("%s: counts differ from reading the file", what)
	}
}

func TestReadStdinGzipAndSeveral(t *testing.T) {
	plain := parseReport(t, portsift(t, nil, "read", "-o", "json", mixed))
	data, err := os.ReadFile(filepath.Join(root, mixed))
	if err != nil {
		t.Fatal(err)
	}
	stdin := parseReport(t, portsift(t, data, "read", "-o", "json", "-"))
	sameCounts(t, "stdin", plain, stdin)
	if stdin.Sources[0].Name != "-" || stdin.Sources[0].Frames != plain.Frames {
		t.Errorf("stdin source = %+v", stdin.Sources[0])
	}
	gz := parseReport(t, portsift(t, nil, "read", "-o", "json", mixed+".gz"))
	sameCounts(t, "gzip", plain, gz)
	if gz.Sources[0].Format != "pcap+gzip" {
		t.Errorf("gzip source format = %q, want pcap+gzip", gz.Sources[0].Format)
	}
	gzbin := parseReport(t, portsift(t, nil, "read", "-o", "json", "testdata/traces/multi-if.pcapng.gz.bin"))
	if gzbin.Sources[0].Format != "pcapng+gzip" || gzbin.Frames != 17 {
		t.Errorf("multi-if.pcapng.gz.bin: format %q, %d frames; want pcapng+gzip, 17", gzbin.Sources[0].Format, gzbin.Frames)
	}
	encap := parseReport(t, portsift(t, nil, "read", "-o", "json", "testdata/traces/encap.pcap"))
	both := parseReport(t, portsift(t, data, "read", "-o", "json", mixed, "-", "testdata/traces/encap.pcap"))
	if len(both.Sources) != 3 || both.Frames != 2*plain.Frames+encap.Frames {
		t.Errorf("three inputs: %d sources, %d frames; want 3, %d", len(both.Sources), both.Frames, 2*plain.Frames+encap.Frames)
	}
	if both.Buckets[vocab.BucketTCP].Frames != 2*plain.Buckets[vocab.BucketTCP].Frames+encap.Buckets[vocab.BucketTCP].Frames {
		t.Errorf("three inputs: tcp %d", both.Buckets[vocab.BucketTCP].Frames)
	}
}

func TestReadFlagsFilterFlowsCount(t *testing.T) {
	flows := filepath.Join(t.TempDir(), "f.csv")
	r := portsift(t, nil, "read", "-o", "json", "-f", "tcp port 443", "--flows", flows, mixed)
	rep := parseReport(t, r)
	if len(rep.Services) != 1 || rep.Services[0].Port != 443 || rep.Frames != rep.Services[0].Packets {
		t.Errorf("filter 'tcp port 443': services %+v, frames %d", rep.Services, rep.Frames)
	}
	if s := rep.Sources[0]; s.Filtered == 0 || s.Filtered+rep.Frames != s.Frames {
		t.Errorf("filtered frames not accounted: %+v, counted %d", s, rep.Frames)
	}
	data, err := os.ReadFile(flows)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "proto,client,server,") || !strings.Contains(lines[1], ",https,handshake,") {
		t.Errorf("flows CSV:\n%s", data)
	}
	rep = parseReport(t, portsift(t, nil, "read", "-o", "json", "-c", "10", mixed))
	if rep.Frames != 10 {
		t.Errorf("-c 10: %d frames", rep.Frames)
	}
	r = portsift(t, nil, "read", "-o", "csv", mixed)
	if r.code != 0 || !strings.HasPrefix(r.out, "proto,port,name,risk,packets,") || !strings.Contains(r.out, "\ntcp,443,https,,") {
		t.Errorf("-o csv: exit %d\n%s", r.code, r.out)
	}
}

func TestReadBadInput(t *testing.T) {
	r := portsift(t, nil, "read", "no/such.pcap")
	if r.code != 1 || r.out != "" {
		t.Errorf("missing file: exit %d, stdout %q", r.code, r.out)
	}
	oneLine(t, r.errOut, "no/such.pcap", "no such file")

	r = portsift(t, nil, "read", "testdata/corrupt/not-a-capture.txt")
	if r.code != 1 {
		t.Errorf("not a capture: exit %d", r.code)
	}
	oneLine(t, r.errOut, "not-a-capture.txt", "not a capture file")

	r = portsift(t, nil, "read", "-o", "json", "testdata/corrupt/record-cut.pcap")
	if r.code != 1 {
		t.Errorf("truncated file: exit %d, want 1", r.code)
	}
	oneLine(t, r.errOut, "record-cut.pcap", "truncated")
	rep := parseReport(t, r)
	if rep.Frames != 5 || !strings.Contains(rep.Sources[0].Error, "truncated") {
		t.Errorf("truncated file: %d frames (want the 5 before the cut), source error %q", rep.Frames, rep.Sources[0].Error)
	}

	for _, f := range []string{"gzip-cut.pcap.gz", "header-cut.pcap", "empty.pcap", "huge-record.pcap"} {
		r = portsift(t, nil, "read", "-o", "json", "testdata/corrupt/"+f)
		if r.code != 1 {
			t.Errorf("%s: exit %d, want 1", f, r.code)
		}
		oneLine(t, r.errOut, f)
		parseReport(t, r) // a report of what was read is still printed
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"read"},
		{"read", "--top", "-1", mixed},
		{"read", "-o", "xml", mixed},
		{"read", "--sort", "name", mixed},
		{"read", "--bogus", mixed},
		{"read", "--flows", "x.txt", mixed},
		{"read", "-", "-"},
		{"read", "--ephemeral", "70000", mixed},
		{"read", "-f", "tcp prot 80", mixed},
		{"ports"},
		{"ports", "443/xyz"},
		{"frobnicate"},
	} {
		r := portsift(t, nil, args...)
		want := 2
		if r.code != want {
			t.Errorf("portsift %s: exit %d, want %d (stderr %q)", strings.Join(args, " "), r.code, want, r.errOut)
		}
		if !strings.HasPrefix(r.errOut, "portsift: ") || strings.Contains(r.errOut, "goroutine") {
			t.Errorf("portsift %s: stderr %q", strings.Join(args, " "), r.errOut)
		}
	}
}

func TestPortsVersionCompletion(t *testing.T) {
	r := portsift(t, nil, "ports", "1243", "ssh", "443/udp")
	for _, w := range []string{"1243", "alert", "SubSeven", "22", "ssh", "443", "udp"} {
		if !strings.Contains(r.out, w) {
			t.Errorf("ports 1243 ssh 443/udp: output lacks %q:\n%s", w, r.out)
		}
	}
	r = portsift(t, nil, "ports", "--risky", "-o", "json")
	var rows []struct {
		Port uint16        `json:"port"`
		Risk registry.Risk `json:"risk"`
	}
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil || r.code != 0 {
		t.Fatalf("ports --risky -o json: exit %d, %v", r.code, err)
	}
	alerts := map[uint16]bool{}
	for _, row := range rows {
		if row.Risk == registry.RiskNone {
			t.Errorf("--risky lists port %d without a risk", row.Port)
		}
		if row.Risk == registry.RiskAlert {
			alerts[row.Port] = true
		}
	}
	for _, p := range []uint16{0, 1243, 12345, 27374, 31337} {
		if !alerts[p] {
			t.Errorf("--risky: port %d is not an alert", p)
		}
	}
	if r = portsift(t, nil, "version"); r.code != 0 || !strings.HasPrefix(r.out, "portsift ") {
		t.Errorf("version: exit %d, %q", r.code, r.out)
	}
	if r = portsift(t, nil, "completion", "bash"); r.code != 0 || !strings.Contains(r.out, "bash completion") {
		t.Errorf("completion bash: exit %d", r.code)
	}
}

// TestReadThreadsIdentical: `portsift read` prints the same JSON report,
// table and flow log with every --threads, on one file and on several
// files read at once (standard input among them, with a filter), and the
// same error for a corrupt file in the list.
func TestReadThreadsIdentical(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, mixed))
	if err != nil {
		t.Fatal(err)
	}
	cases := [][]string{
		{"-o", "json", "testdata/traces/ns-be.pcap"},
		{"-o", "json", mixed, "-", "testdata/traces/encap.pcap", "testdata/traces/ipv6.pcap"},
		{"-f", "udp or tcp port 443", mixed, "-", "testdata/traces/encap.pcap"},
		{"-o", "json", "testdata/traces/encap.pcap", "testdata/corrupt/record-cut.pcap", mixed},
	}
	for _, args := range cases {
		var want result
		var wantFlows []byte
		for _, threads := range []string{"1", "2", "3", "5"} {
			flows := filepath.Join(t.TempDir(), "flows.jsonl")
			r := portsift(t, data, append([]string{"read", "--threads", threads, "--flows", flows}, args...)...)
			got, err := os.ReadFile(flows)
			if err != nil {
				t.Fatal(err)
			}
			if threads == "1" {
				want, wantFlows = r, got
				if len(got) == 0 || len(r.out) == 0 {
					t.Fatalf("%v: empty output or flow log: %+v", args, r)
				}
				continue
			}
			if r != want {
				t.Errorf("read %v --threads %s: exit %d, stdout/stderr differ from --threads 1:\n%s\n%s", args, threads, r.code, r.out, r.errOut)
			}
			if !bytes.Equal(got, wantFlows) {
				t.Errorf("read %v --threads %s: flow log differs from --threads 1", args, threads)
			}
		}
	}
}
