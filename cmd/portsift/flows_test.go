package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlowsStdoutProcess: in the built binary, --flows /dev/stdout and
// --flows - put the flow log, and only it, on the process's standard
// output (a pipe here), the report on standard error; --flows /dev/null is
// written, not refused as an existing file.
func TestFlowsStdoutProcess(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(root, "testdata/golden/eth-mixed.flows.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"/dev/stdout", "-"} {
		r := portsift(t, nil, "read", "-o", "json", "--flows", name, mixed)
		if r.code != 0 || r.out != string(want) {
			t.Errorf("--flows %s: exit %d, stdout:\n%s\nstderr:\n%.200s", name, r.code, r.out, r.errOut)
			continue
		}
		if rep := parseReport(t, result{r.code, r.errOut, ""}); rep.Flows.Total != uint64(strings.Count(r.out, "\n")) {
			t.Errorf("--flows %s: %d flows in the report on stderr, %d lines on stdout", name, rep.Flows.Total, strings.Count(r.out, "\n"))
		}
	}
	r := portsift(t, nil, "read", "-o", "json", "--flows", os.DevNull, mixed)
	if r.code != 0 || r.errOut != "" || parseReport(t, r).Flows.Total == 0 {
		t.Errorf("--flows %s: exit %d, stderr %q", os.DevNull, r.code, r.errOut)
	}
	r = portsift(t, nil, "read", "--flows", "-", "--flows-format", "yaml", mixed)
	if r.code != 2 || r.out != "" || !strings.HasPrefix(r.errOut, `portsift: invalid argument "yaml" for "--flows-format" flag: unknown flow log format "yaml" (want jsonl or csv)`+"\n") {
		t.Errorf("--flows-format yaml: exit %d, stdout %q, stderr %q; want 2", r.code, r.out, r.errOut)
	}
}

// TestFlowsNeverOverwritesProcess: the built binary (run as root in CI,
// where the danger is) refuses an existing --flows file without --force
// and a symbolic link with it, one line on stderr, exit 1, and changes
// neither file.
func TestFlowsNeverOverwritesProcess(t *testing.T) {
	dir := t.TempDir()
	existing, target, link := filepath.Join(dir, "flows.jsonl"), filepath.Join(dir, "passwd"), filepath.Join(dir, "link.jsonl")
	for _, f := range []string{existing, target} {
		if err := os.WriteFile(f, []byte("keep me\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--flows", existing}, `--flows "` + existing + `": file exists (use --force to overwrite)`},
		{[]string{"--flows", link, "--force"}, `--flows "` + link + `": is a symbolic link (portsift never writes through one, even with --force)`},
	} {
		r := portsift(t, nil, append([]string{"read"}, append(tt.args, mixed)...)...)
		if r.code != 1 || r.out != "" {
			t.Errorf("read %q: exit %d, stdout %q; want 1, nothing", tt.args, r.code, r.out)
		}
		oneLine(t, r.errOut, tt.want)
		for _, f := range []string{existing, target} {
			if b, _ := os.ReadFile(f); string(b) != "keep me\n" {
				t.Errorf("read %q: %s now holds %q", tt.args, filepath.Base(f), b)
			}
		}
	}
	if r := portsift(t, nil, "read", "-q", "--flows", existing, "--force", mixed); r.code != 0 {
		t.Fatalf("--force: exit %d: %s", r.code, r.errOut)
	}
	if b, _ := os.ReadFile(existing); strings.Count(string(b), "\n") != 42 || strings.Contains(string(b), "keep me") {
		t.Errorf("--force left:\n%s", b)
	}
}
