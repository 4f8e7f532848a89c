package report_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portsift/portsift/classify/internal/testread"
	"github.com/portsift/portsift/classify/pipeline"
	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
)

// apiClone deep-copies r through its JSON form.
func apiClone(t *testing.T, r *report.Report) *report.Report {
	t.Helper()
	c, err := report.ReadReport(bytes.NewReader(testread.JSON(t, r)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDiffSameTrace: the same trace read from another directory, under
// another name, gzip-compressed or through report.ReadReport gives no difference.
func TestDiffSameTrace(t *testing.T) {
	plain := testread.Read(t, pipeline.Options{}, testread.Mixed())
	data, err := os.ReadFile(testread.Mixed())
	if err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(t.TempDir(), "renamed.cap")
	if err := os.WriteFile(moved, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, rep := range map[string]*report.Report{
		"gzip":       testread.Read(t, pipeline.Options{}, testread.Mixed()+".gz"),
		"moved":      testread.Read(t, pipeline.Options{}, moved),
		"round trip": apiClone(t, plain),
	} {
		if d := rep.Diff(plain, report.DiffOptions{}); !d.Equal() {
			t.Errorf("%s: report.Diff found changes:\n%s", name, d)
		}
	}
}

func TestDiffChanges(t *testing.T) {
	base := testread.Read(t, pipeline.Options{}, testread.Mixed())
	https := func(r *report.Report) *report.Service { return r.ServicePort(vocab.TCP, 443) }
	tests := []struct {
		name string
		edit func(r *report.Report) // applied to the new report
		opts report.DiffOptions
		want []string // section|row|field|kind|delta
	}{
		{name: "equal", edit: func(*report.Report) {}},
		{name: "count", edit: func(r *report.Report) { https(r).Packets += 2; https(r).ToServer.Bytes -= 10 },
			want: []string{"services|tcp/443|packets|changed|2", "services|tcp/443|to_server.bytes|changed|-10"}},
		{name: "service removed", edit: func(r *report.Report) { r.Services = r.Services[1:] },
			want: []string{"services|" + base.Services[0].Proto.String() + "/" + fmt.Sprint(base.Services[0].Port) + "||removed|0"}},
		{name: "service added", edit: func(r *report.Report) {
			r.Services = append(r.Services, report.Service{Proto: vocab.TCP, Port: 4242, Name: "unknown", Packets: 3})
		}, want: []string{"services|tcp/4242||added|0"}},
		{name: "name and risk", edit: func(r *report.Report) { https(r).Name = "web"; https(r).Risk = registry.RiskNote },
			want: []string{"services|tcp/443|name|changed|0", "services|tcp/443|risk|changed|0"}},
		{name: "alert hosts", edit: func(r *report.Report) { r.Alerts[0].Hosts = append(r.Alerts[0].Hosts, "203.0.113.99") },
			want: []string{"alerts|" + base.Alerts[0].Proto.String() + "/" + fmt.Sprint(base.Alerts[0].Port) + "|hosts|changed|0"}},
		{name: "alert added", edit: func(r *report.Report) {
			r.Alerts = append(r.Alerts, report.Alert{Proto: vocab.TCP, Port: 27374, Name: "asp", Risk: registry.RiskAlert, Packets: 1, Flows: 1, Hosts: []string{}})
		}, want: []string{"alerts|tcp/27374||added|0"}},
		{name: "buckets and types", edit: func(r *report.Report) {
			r.Buckets[vocab.BucketICMP].Frames++
			r.NonIP = append(r.NonIP, report.TypeCount{Type: "lldp-x", Frames: 1, Bytes: 60})
		}, want: []string{"buckets|icmp|frames|changed|1", "buckets|non_ip[lldp-x]|frames|changed|1", "buckets|non_ip[lldp-x]|bytes|changed|60"}},
		{name: "ephemeral", edit: func(r *report.Report) { r.Ephemeral.Flows++ }, want: []string{"ephemeral||flows|changed|1"}},
		{name: "flows", edit: func(r *report.Report) {
			r.Flows.Total++
			r.Flows.ByReason["handshake"]++
			delete(r.Flows.ByReason, "lower-port")
		}, want: []string{"flows||total|changed|1", "flows||by_reason.handshake|changed|1",
			fmt.Sprintf("flows||by_reason.lower-port|changed|%d", -int64(base.Flows.ByReason["lower-port"]))}},
		{name: "settings", edit: func(r *report.Report) { r.Filter = "tcp"; r.Registry.Ephemeral = "1025-5000" },
			want: []string{"settings||filter|changed|0", "settings||registry.ephemeral|changed|0"}},
		{name: "totals", edit: func(r *report.Report) {
			r.Frames += 5
			r.Last = report.TimeOf(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
		},
			want: []string{"totals||frames|changed|5", "totals||last|changed|0"}},
		{name: "same instant, other spelling", edit: func(r *report.Report) {
			// as a report edited by hand may write it: another zone
			s := r.First.Time().In(time.FixedZone("", 3600)).Format(time.RFC3339Nano)
			if err := r.First.UnmarshalText([]byte(s)); err != nil || !strings.HasSuffix(s, "+01:00") {
				t.Fatalf("%s: %v", s, err)
			}
		}},
		{name: "not compared", edit: func(r *report.Report) {
			r.Sources[0].Name, r.Sources[0].Format = "elsewhere/x.pcap.gz", "pcap+gzip"
			r.Registry.Fingerprint = "000000000000"
		}},
		{name: "absolute tolerance", edit: func(r *report.Report) { https(r).Packets += 10; https(r).Bytes += 11 },
			opts: report.DiffOptions{Tolerance: report.Tolerance{Abs: 10}}, want: []string{"services|tcp/443|bytes|changed|11"}},
		{name: "relative tolerance", edit: func(r *report.Report) {
			s := https(r)
			s.Bytes += s.Bytes / 50 // 2%: within
			s.Packets += s.Packets/50 + 1
		}, opts: report.DiffOptions{Tolerance: report.Tolerance{Rel: 0.02}}, want: []string{"services|tcp/443|packets|changed|" + fmt.Sprint(base.ServicePort(vocab.TCP, 443).Packets/50+1)}},
		{name: "tolerance never allows from zero", edit: func(r *report.Report) {
			r.Buckets[vocab.BucketMalformed].Frames, r.Buckets[vocab.BucketMalformed].Bytes = 0, 0
			r.DecodePanics = 1
		},
			opts: report.DiffOptions{Tolerance: report.Tolerance{Rel: 0.5}},
			want: []string{"totals||decode_panics|changed|1", "buckets|malformed|frames|changed|" + fmt.Sprint(-int64(base.Buckets[vocab.BucketMalformed].Frames)),
				"buckets|malformed|bytes|changed|" + fmt.Sprint(-int64(base.Buckets[vocab.BucketMalformed].Bytes))}},
		{name: "tolerance does not hide a new row", edit: func(r *report.Report) {
			r.Services = append(r.Services, report.Service{Proto: vocab.UDP, Port: 9, Name: "discard", Packets: 1})
		}, opts: report.DiffOptions{Tolerance: report.Tolerance{Abs: 1000}}, want: []string{"services|udp/9||added|0"}},
		{name: "hosts within an upper bound", edit: func(r *report.Report) { https(r).Clients += 3; https(r).HostsUpperBound = true }},
		{name: "hosts beyond an upper bound", edit: func(r *report.Report) { https(r).Clients--; https(r).HostsUpperBound = true },
			want: []string{"services|tcp/443|clients|changed|-1"}},
		{name: "only", edit: func(r *report.Report) { https(r).Packets++; r.Frames++; r.Flows.Total++ },
			opts: report.DiffOptions{Only: []string{"services", "flows"}}, want: []string{"services|tcp/443|packets|changed|1", "flows||total|changed|1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := apiClone(t, base)
			tt.edit(got)
			d := got.Diff(base, tt.opts)
			var have []string
			for _, c := range d.Changes {
				have = append(have, fmt.Sprintf("%s|%s|%s|%s|%d", c.Section, c.Row, c.Field, c.Kind, c.Delta))
			}
			if !reflect.DeepEqual(have, tt.want) {
				t.Errorf("Diff:\n got %q\nwant %q\n%s", have, tt.want, d)
			}
			if d.Equal() != (len(tt.want) == 0) {
				t.Errorf("Equal() = %v with %d changes", d.Equal(), len(d.Changes))
			}
		})
	}
}

func TestDiffValues(t *testing.T) {
	base := testread.Read(t, pipeline.Options{}, testread.Mixed())
	got := apiClone(t, base)
	s := got.ServicePort(vocab.TCP, 443)
	s.Packets += 4
	got.Services = append(got.Services, report.Service{Proto: vocab.TCP, Port: 4242, Name: "unknown", Packets: 3, Bytes: 1200, Flows: 1})
	d := got.Diff(base, report.DiffOptions{})
	if len(d.Changes) != 2 {
		t.Fatalf("Diff: %d changes, want 2:\n%s", len(d.Changes), d)
	}
	c := d.Changes[0]
	want := base.ServicePort(vocab.TCP, 443).Packets
	if c.Name != "https" || c.Expected != want || c.Got != want+4 || c.Delta != 4 {
		t.Errorf("changed count: %+v", c)
	}
	if a := d.Changes[1]; a.Kind != report.Added || a.Expected != nil || a.Got.(report.Service).Port != 4242 || a.Name != "unknown" {
		t.Errorf("added row: %+v", a)
	}
	if sum := d.Summary(); sum != "services 2" {
		t.Errorf("Summary() = %q", sum)
	}
	text := render.DiffText(d)
	for _, w := range []string{"SECTION", "tcp/443 https", "packets", "+4 (", "tcp/4242 unknown", "(added)", "3 packets, 1.2 kB, 1 flow"} {
		if !strings.Contains(text, w) {
			t.Errorf("table lacks %q:\n%s", w, text)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasSuffix(line, " ") {
			t.Errorf("table line %q ends in spaces", line)
		}
	}
	var empty strings.Builder
	if render.WriteDiff(&empty, report.Diff{}, 0); empty.Len() != 0 {
		t.Errorf("an empty Diff writes a table: %q", empty.String())
	}
}

func TestParseTolerance(t *testing.T) {
	tests := []struct {
		in   string
		want report.Tolerance
		err  bool
	}{
		{"2%", report.Tolerance{Rel: 0.02}, false},
		{"0.5%", report.Tolerance{Rel: 0.005}, false},
		{"10", report.Tolerance{Abs: 10}, false},
		{"0", report.Tolerance{}, false},
		{"-1", report.Tolerance{}, true},
		{"-2%", report.Tolerance{}, true},
		{"x%", report.Tolerance{}, true},
		{"2.5", report.Tolerance{}, true},
		{"", report.Tolerance{}, true},
	}
	for _, tt := range tests {
		got, err := report.ParseTolerance(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseTolerance(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.err)
		}
		if err == nil && tt.in != "0" {
			if back, _ := report.ParseTolerance(got.String()); back != got {
				t.Errorf("ParseTolerance(%q).String() = %q does not parse back", tt.in, got.String())
			}
		}
	}
}
