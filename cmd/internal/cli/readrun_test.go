package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadRunErrors pins what readRun does around pipeline.ReadFiles: no
// flow log (nor profile) is created when reading cannot start, a bad
// filter is a usage error, and an interrupted read prints its report.
func TestReadRunErrors(t *testing.T) {
	dir := t.TempDir()
	flows := filepath.Join(dir, "flows.jsonl")
	prof := filepath.Join(dir, "cpu.prof")
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"no/such.pcap"}, ExitFailure},
		{[]string{"-f", "tcp prot 80", mixedTrace}, ExitUsage},
		{[]string{"--flows", filepath.Join(dir, "no", "dir.jsonl"), mixedTrace}, ExitFailure},
	} {
		code, out, errOut := runRead(t, append([]string{"--flows", flows, "--cpuprofile", prof}, tt.args...)...)
		if code != tt.code || out != "" || strings.Count(errOut, "portsift: ") != 1 {
			t.Errorf("read %q: exit %d (want %d), stdout %q, stderr %q", tt.args, code, tt.code, out, errOut)
		}
		for _, f := range []string{flows, prof} {
			if _, err := os.Stat(f); err == nil {
				t.Errorf("read %q created %s", tt.args, filepath.Base(f))
			}
		}
	}
	if code, _, errOut := runRead(t, "--flows", flows, "--cpuprofile", prof, mixedTrace); code != ExitOK {
		t.Fatalf("read --flows --cpuprofile: exit %d: %s", code, errOut)
	}
	for _, f := range []string{flows, prof} {
		if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
			t.Errorf("read did not write %s: %v", filepath.Base(f), err)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ios, _, out, errOut := TestIO()
	err := readRun(ctx, &ReadOptions{IO: ios, Files: []string{mixedTrace}, Format: "table", Sort: "bytes", Ephemeral: "iana,linux", IdleTimeout: time.Minute})
	if err != errInterruptedReported || !strings.HasPrefix(out.String(), "portsift: 0 frames") || errOut.String() != "portsift: interrupted; the report covers the packets read so far\n" {
		t.Errorf("interrupted read: %v, stdout %q, stderr %q", err, out, errOut)
	}
}

const mixedTrace = "../testdata/traces/eth-mixed.pcap"
