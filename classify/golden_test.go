package classify

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in ../testdata/golden")

func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./classify -run Golden -update creates it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (review, then go test ./classify -run Golden -update):\n--- want\n%s\n--- got\n%s", name, want, got)
	}
}

// metricsReport is a synthetic report (testdata/golden/synthetic-report.json):
// named services, a risky one, three unnamed ports, the ephemeral row,
// buckets and the kernel's counters. The metrics and live-view tests share
// it.
func metricsReport() *Report { return syntheticReport() }

func syntheticReport() *Report {
	r, err := ReadReportFile(filepath.Join("..", "testdata", "golden", "synthetic-report.json"))
	if err != nil {
		panic(err)
	}
	return r
}
