package testread

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/classify/pipeline"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
)

// Trace is the path of testdata/traces/name relative to the test's
// directory ("../../testdata/traces/name"), as the report's source name.
func Trace(name string) string { return filepath.Join(root(), "testdata", "traces", name) }

// GoldenPath is the path of testdata/golden/name, relative.
func GoldenPath(name string) string { return filepath.Join(root(), "testdata", "golden", name) }

var update = flag.Bool("update", false, "rewrite golden files in testdata/golden")

// Golden fails the test unless got is the content of testdata/golden/name;
// with -update it writes got there instead (review the diff).
func Golden(t testing.TB, name, got string) {
	t.Helper()
	path := GoldenPath(name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run Golden -update creates it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (review, then go test -run Golden -update):\n--- want\n%s\n--- got\n%s", name, want, got)
	}
}

// Synthetic is the synthetic report in testdata/golden/synthetic-report.json
// (written from the literal the collector tests began with): named
// services, a risky one, three unnamed ports, the ephemeral row, buckets
// and the kernel's counters. The metrics and live-view tests share it.
func Synthetic() *report.Report {
	r, err := report.ReadReportFile(GoldenPath("synthetic-report.json"))
	if err != nil {
		panic(err)
	}
	return r
}

// root is the module's root, relative to the working directory.
func root() string {
	rel := "."
	for range 8 {
		if _, err := os.Stat(filepath.Join(rel, "go.mod")); err == nil {
			return rel
		}
		rel = filepath.Join(rel, "..")
	}
	panic("testread: no go.mod in the 8 directories above the test")
}

// Mixed is the bundled Ethernet trace with a bit of everything.
func Mixed() string { return Trace("eth-mixed.pcap") }

// Read counts files as one stream on one goroutine and fails the test
// when they cannot be opened; a read error after some frames leaves it in
// the report's sources.
func Read(t testing.TB, opts pipeline.Options, files ...string) *report.Report {
	t.Helper()
	rep, err := Files(files, opts)
	if rep == nil {
		t.Fatalf("read %q: %v", files, err)
	}
	return rep
}

// Files is pipeline.ReadFiles on one goroutine (Threads 1, unless opts
// says otherwise). The report is nil only when the files cannot be opened.
func Files(files []string, opts pipeline.Options) (*report.Report, error) {
	if opts.Threads == 0 {
		opts.Threads = 1
	}
	return pipeline.ReadFiles(context.Background(), files, opts)
}

// JSON is r as WriteJSON writes it.
func JSON(t testing.TB, r *report.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Frames reads every frame of testdata/traces/name into memory (Data
// copied), to feed a Tracker frame by frame.
func Frames(t testing.TB, name string) []vocab.Frame {
	t.Helper()
	rd, err := capture.Open([]string{Trace(name)}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var out []vocab.Frame
	var f vocab.Frame
	for rd.Next(&f) == nil {
		g := f
		g.Data = append([]byte(nil), f.Data...)
		out = append(out, g)
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
