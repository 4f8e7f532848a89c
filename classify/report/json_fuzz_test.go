package report_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/portsift/portsift/classify/internal/testread"
	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/classify/report"
)

// FuzzReadReport feeds arbitrary bytes to report.ReadReport, the reader behind
// `portsift check` and `portsift merge`. Properties: no panic; an error is
// one line and wraps report.ErrNotReport or report.ErrNewerSchema; a report that is read
// is written back by report.WriteJSON and read again into the same report.Report, with
// the same bytes the second time (the round trip check --update relies
// on); it equals itself under report.Diff; report.Merge, render.WriteText and render.WriteCSV take it.
func FuzzReadReport(f *testing.F) {
	for _, pattern := range []string{testread.GoldenPath("*.json"), testread.GoldenPath("*/*.json")} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if data, err := os.ReadFile(name); err == nil && len(data) < 64<<10 {
				f.Add(data)
			}
		}
	}
	for _, s := range []string{
		``, `null`, `[]`, `"x"`, `{}`, `{"schema": 1}`, `{"schema": "portsift.report/v2"}`,
		`{"schema": "portsift.report/v0"}`, `{"schema": "portsift.report/v1"}`, `{"schema": "portsift.report/v1", "frames": -1}`,
		`{"schema": "portsift.report/v1", "services": [{"proto": "tcp", "port": 70000}]}`,
		`{"schema": "portsift.report/v1", "first": "not a time", "last": "2026-01-01T00:00:00Z"}`,
		`{"schema": "portsift.report/v1", "alerts": [{"hosts": null}], "flows": {"by_reason": {"": 1}}}`,
		`{"schema": "portsift.report/v1", "capture": {"seconds": 1e308}}`,
		`{"schema": "portsift.report/v1", "SCHEMA": "x", "Frames": 3}`,
		"{\"schema\": \"portsift.report/v1\", \"filter\": \"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := report.ReadReport(bytes.NewReader(data))
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "\n") || msg == "" {
				t.Fatalf("error is not one line: %q", msg)
			}
			if !errors.Is(err, report.ErrNotReport) && !errors.Is(err, report.ErrNewerSchema) {
				t.Fatalf("error %q wraps neither report.ErrNotReport nor report.ErrNewerSchema", err)
			}
			return
		}
		var b1, b2 bytes.Buffer
		if err := report.WriteJSON(&b1, rep); err != nil {
			t.Fatalf("WriteJSON of a report just read: %v", err)
		}
		again, err := report.ReadReport(bytes.NewReader(b1.Bytes()))
		if err != nil {
			t.Fatalf("ReadReport(report.WriteJSON(r)): %v\n%s", err, b1.Bytes())
		}
		if !reflect.DeepEqual(rep, again) {
			t.Fatalf("the report read back differs from the one written:\n%+v\n%+v", rep, again)
		}
		report.WriteJSON(&b2, again)
		if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
			t.Fatalf("WriteJSON is not stable over a round trip:\n%s\n%s", b1.Bytes(), b2.Bytes())
		}
		if d := rep.Diff(again, report.DiffOptions{}); !d.Equal() {
			t.Fatalf("a report differs from its own copy: %v", d.Changes)
		}
		if _, err := (report.MergeOptions{Force: true}).Merge(rep, again); err != nil {
			t.Fatalf("Merge of a report with its copy: %v", err)
		}
		if err := render.WriteText(io.Discard, rep, render.TextOptions{Top: 3}); err != nil {
			t.Fatalf("WriteText: %v", err)
		}
		if err := render.WriteCSV(io.Discard, rep); err != nil {
			t.Fatalf("WriteCSV: %v", err)
		}
	})
}

// TestReadReportLimits: report.ReadReport reads at most maxReportSize bytes, and
// refuses timestamps that are not RFC 3339 (merge and check compare them
// as instants).
func TestReadReportLimits(t *testing.T) {
	defer func(n int) { *report.MaxReportSize = n }(*report.MaxReportSize)
	*report.MaxReportSize = 2 << 20
	big := `{"schema": "portsift.report/v1", "filter": "` + strings.Repeat("x", 3<<20) + `"}`
	if _, err := report.ReadReport(strings.NewReader(big)); !errors.Is(err, report.ErrNotReport) || err.Error() != "not a portsift report: larger than 2 MiB" {
		t.Errorf("3 MiB report: error %v, want report.ErrNotReport, larger than 2 MiB", err)
	}
	for _, tt := range []struct{ in, want string }{
		{`{"schema": "portsift.report/v1", "first": "yesterday", "last": "2026-01-01T00:00:00Z"}`, `not a portsift report: field first: "yesterday" is not an RFC 3339 time`},
		{`{"schema": "portsift.report/v1", "first": "2026-01-01T00:00:00Z"}`, `not a portsift report: "first" is "2026-01-01T00:00:00Z" but "last" is "": both or neither`},
	} {
		if _, err := report.ReadReport(strings.NewReader(tt.in)); err == nil || err.Error() != tt.want {
			t.Errorf("ReadReport(%s) error %v, want %q", tt.in, err, tt.want)
		}
	}
}
