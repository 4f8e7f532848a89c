package classify

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportRoundTrip reads every golden report back and writes it again:
// the bytes must not change, so every field survives ReadReport.
func TestReportRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("../testdata/golden/*.json")
	e2e, _ := filepath.Glob("../testdata/golden/e2e/*.json")
	files = append(files, e2e...)
	if len(files) < 10 {
		t.Fatalf("only %d golden reports found", len(files))
	}
	for _, f := range files {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := ReadReport(bytes.NewReader(want))
		if err != nil {
			t.Errorf("ReadReport(%s): %v", f, err)
			continue
		}
		if got := apiJSON(t, rep); !bytes.Equal(got, want) {
			t.Errorf("ReadReport(%s) then WriteJSON: bytes differ", f)
		}
	}
	// A report made in memory, with a merged service, too.
	rep := apiRead(t, Options{}, mixedTrace)
	rep.Services[0].HostsUpperBound = true
	want := apiJSON(t, rep)
	back, err := ReadReport(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if got := apiJSON(t, back); !bytes.Equal(got, want) {
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
		{name: "newer", in: `{"schema": "portsift.report/v2", "frames": "many"}`, wantErr: ErrNewerSchema,
			msg: "report schema portsift.report/v2 is newer than this portsift reads (portsift.report/v1); upgrade portsift"},
		{name: "much newer", in: `{"schema": "portsift.report/v17"}`, wantErr: ErrNewerSchema, msg: "portsift.report/v17 is newer"},
		{name: "no schema", in: `{"frames": 3}`, wantErr: ErrNotReport, msg: `no "schema" field`},
		{name: "other schema", in: `{"schema": "something/v1"}`, wantErr: ErrNotReport, msg: `schema "something/v1"`},
		{name: "version 0", in: `{"schema": "portsift.report/v0"}`, wantErr: ErrNotReport, msg: `schema "portsift.report/v0"`},
		{name: "bad version", in: `{"schema": "portsift.report/vx"}`, wantErr: ErrNotReport},
		{name: "empty", in: ``, wantErr: ErrNotReport, msg: "empty input"},
		{name: "cut", in: "{\"schema\": \"portsift.report/v1\",\n\"frames\": 1", wantErr: ErrNotReport, msg: "line 2"},
		{name: "syntax", in: "{\"schema\": \"portsift.report/v1\",\n\n\"frames\": x}", wantErr: ErrNotReport, msg: "invalid JSON at line 3"},
		{name: "wrong type", in: `{"schema": "portsift.report/v1", "frames": "x"}`, wantErr: ErrNotReport, msg: "field frames: JSON string where uint64 was expected"},
		{name: "array", in: `[1, 2]`, wantErr: ErrNotReport, msg: "the input is a JSON array, not an object"},
		{name: "two reports", in: `{"schema": "portsift.report/v1"} {"schema": "portsift.report/v1"}`, wantErr: ErrNotReport, msg: "after top-level value"},
		{name: "text", in: `portsift: 3 frames`, wantErr: ErrNotReport},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := ReadReport(strings.NewReader(tt.in))
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("ReadReport(%q): %v", tt.in, err)
				}
				if rep.Services == nil || rep.Alerts == nil || rep.Flows.ByReason == nil || rep.Sources == nil || rep.LinkTypes == nil {
					t.Errorf("ReadReport(%q): absent lists not made empty: %+v", tt.in, rep)
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
	rep, err := ReadReportFile("../testdata/golden/ipv4.pcap.json")
	if err != nil || rep.Frames == 0 {
		t.Fatalf("ReadReportFile(ipv4.pcap.json): %v, %+v", err, rep)
	}
	_, err = ReadReportFile("no/such.json")
	if err == nil || err.Error() != `open "no/such.json": no such file or directory` {
		t.Errorf("missing file: error %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"schema": "portsift.report/v9"}`), 0o644)
	_, err = ReadReportFile(bad)
	if !errors.Is(err, ErrNewerSchema) || !strings.HasPrefix(err.Error(), `read "`+bad+`": report schema portsift.report/v9 is newer`) {
		t.Errorf("newer schema: error %v", err)
	}
}
