package report_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/portsift/portsift/classify/internal/testread"
	"github.com/portsift/portsift/classify/pipeline"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
)

// TestReportRoundTrip reads every golden report back and writes it again:
// the bytes must not change, so every field survives report.ReadReport.
func TestReportRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(testread.GoldenPath("*.json"))
	e2e, _ := filepath.Glob(testread.GoldenPath("e2e/*.json"))
	files = append(files, e2e...)
	if len(files) < 10 {
		t.Fatalf("only %d golden reports found", len(files))
	}
	for _, f := range files {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := report.ReadReport(bytes.NewReader(want))
		if err != nil {
			t.Errorf("ReadReport(%s): %v", f, err)
			continue
		}
		if got := testread.JSON(t, rep); !bytes.Equal(got, want) {
			t.Errorf("ReadReport(%s) then WriteJSON: bytes differ", f)
		}
	}
	// A report made in memory, with a merged service, too.
	rep := testread.Read(t, pipeline.Options{}, testread.Mixed())
	rep.Services[0].HostsUpperBound = true
	want := testread.JSON(t, rep)
	back, err := report.ReadReport(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if got := testread.JSON(t, back); !bytes.Equal(got, want) {
		t.Errorf("round trip of a report with hosts_upper_bound: bytes differ")
	}
}

func TestReadReport(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr error  // nil: accepted
		msg     string // in the error
	}{
		{name: "minimal v1", in: `{"schema": "portsift.report/v1"}`},
		{name: "unknown fields", in: `{"schema": "portsift.report/v1", "frames": 3, "kernel": {"dropped": 1}}`},
		{name: "newer", in: `{"schema": "portsift.report/v2", "frames": "many"}`, wantErr: report.ErrNewerSchema,
			msg: "report schema portsift.report/v2 is newer than this portsift reads (portsift.report/v1); upgrade portsift"},
		{name: "much newer", in: `{"schema": "portsift.report/v17"}`, wantErr: report.ErrNewerSchema, msg: "portsift.report/v17 is newer"},
		{name: "no schema", in: `{"frames": 3}`, wantErr: report.ErrNotReport, msg: `no "schema" field`},
		{name: "other schema", in: `{"schema": "something/v1"}`, wantErr: report.ErrNotReport, msg: `schema "something/v1"`},
		{name: "version 0", in: `{"schema": "portsift.report/v0"}`, wantErr: report.ErrNotReport, msg: `schema "portsift.report/v0"`},
		{name: "bad version", in: `{"schema": "portsift.report/vx"}`, wantErr: report.ErrNotReport},
		{name: "empty", in: ``, wantErr: report.ErrNotReport, msg: "empty input"},
		{name: "cut", in: "{\"schema\": \"portsift.report/v1\",\n\"frames\": 1", wantErr: report.ErrNotReport, msg: "line 2"},
		{name: "syntax", in: "{\"schema\": \"portsift.report/v1\",\n\n\"frames\": x}", wantErr: report.ErrNotReport, msg: "invalid JSON at line 3"},
		{name: "wrong type", in: `{"schema": "portsift.report/v1", "frames": "x"}`, wantErr: report.ErrNotReport, msg: "field frames: JSON string where uint64 was expected"},
		{name: "array", in: `[1, 2]`, wantErr: report.ErrNotReport, msg: "the input is a JSON array, not an object"},
		{name: "two reports", in: `{"schema": "portsift.report/v1"} {"schema": "portsift.report/v1"}`, wantErr: report.ErrNotReport, msg: "after top-level value"},
		{name: "text", in: `portsift: 3 frames`, wantErr: report.ErrNotReport},
		// Typed fields: a value portsift never writes is refused by name.
		{name: "typed", in: `{"schema": "portsift.report/v1", "first": "2026-01-01T01:00:00+01:00", "last": "2026-01-01T00:00:01Z",
			"sources": [{"link_types": ["linux-sll2", "linktype-147"]}], "services": [{"proto": "UDP", "port": 53, "risk": "note"}]}`},
		{name: "unknown proto", in: `{"schema": "portsift.report/v1", "services": [{"proto": "icmp", "port": 1}]}`,
			wantErr: report.ErrNotReport, msg: `unknown protocol "icmp" (want tcp, udp or sctp)`},
		{name: "no proto", in: `{"schema": "portsift.report/v1", "alerts": [{"port": 0}]}`,
			wantErr: report.ErrNotReport, msg: `alerts[0] has no "proto"`},
		{name: "unknown risk", in: `{"schema": "portsift.report/v1", "services": [{"proto": "tcp", "risk": "high"}]}`,
			wantErr: report.ErrNotReport, msg: `unknown risk "high"`},
		{name: "unknown link type", in: `{"schema": "portsift.report/v1", "sources": [{"link_types": ["token-ring"]}]}`,
			wantErr: report.ErrNotReport, msg: `unknown link type "token-ring"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := report.ReadReport(strings.NewReader(tt.in))
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("ReadReport(%q): %v", tt.in, err)
				}
				if rep.Services == nil || rep.Alerts == nil || rep.Flows.ByReason == nil || rep.Sources == nil || rep.LinkTypes == nil {
					t.Errorf("ReadReport(%q): absent lists not made empty: %+v", tt.in, rep)
				}
				if tt.name == "typed" {
					s, src := rep.Services[0], rep.Sources[0]
					if s.Proto != vocab.UDP || s.Risk != registry.RiskNote || rep.First.String() != "2026-01-01T00:00:00Z" ||
						!slices.Equal(src.LinkTypes, []vocab.LinkType{vocab.LinkLinuxSLL2, 147}) {
						t.Errorf("typed fields read as %v %v, first %s, link types %v", s.Proto, s.Risk, rep.First, src.LinkTypes)
					}
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("ReadReport(%q): error %v; want %v with %q", tt.in, err, tt.wantErr, tt.msg)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("ReadReport(%q): error %q is not one line", tt.in, err)
			}
		})
	}
}

func TestReadReportFile(t *testing.T) {
	rep, err := report.ReadReportFile(testread.GoldenPath("ipv4.pcap.json"))
	if err != nil || rep.Frames == 0 {
		t.Fatalf("ReadReportFile(ipv4.pcap.json): %v, %+v", err, rep)
	}
	_, err = report.ReadReportFile("no/such.json")
	if err == nil || err.Error() != `open "no/such.json": no such file or directory` {
		t.Errorf("missing file: error %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"schema": "portsift.report/v9"}`), 0o644)
	_, err = report.ReadReportFile(bad)
	if !errors.Is(err, report.ErrNewerSchema) || !strings.HasPrefix(err.Error(), `read "`+bad+`": report schema portsift.report/v9 is newer`) {
		t.Errorf("newer schema: error %v", err)
	}
}
