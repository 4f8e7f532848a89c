package classify

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// apiClone deep-copies r through its JSON form.
func apiClone(t *testing.T, r *Report) *Report {
	t.Helper()
	c, err := ReadReport(bytes.NewReader(apiJSON(t, r)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDiffSameTrace: the same trace read from another directory, under
// another name, gzip-compressed or through ReadReport gives no difference.
func TestDiffSameTrace(t *testing.T) {
	plain := apiRead(t, Options{}, mixedTrace)
	data, err := os.ReadFile(mixedTrace)
	if err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(t.TempDir(), "renamed.cap")
	if err := os.WriteFile(moved, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, rep := range map[string]*Report{
		"gzip":       apiRead(t, Options{}, mixedTrace+".gz"),
		"moved":      apiRead(t, Options{}, moved),
		"round trip": apiClone(t, plain),
	} {
		if d := rep.Diff(plain, DiffOptions{}); !d.Equal() {
			t.Errorf("%s: Diff found changes:\n%s", name, d)
		}
	}
}

func TestDiffChanges(t *testing.T) {
	base := apiRead(t, Options{}, mixedTrace)
	https := func(r *Report) *Service { return r.ServicePort("tcp", 443) }
	tests := []struct {
		name string
		edit func(r *Report) // applied to the new report
		opts DiffOptions
		want []string // section|row|field|kind|delta
	}{
		{name: "equal", edit: func(*Report) {}},
		{name: "count", edit: func(r *Report) { https(r).Packets += 2; https(r).ToServer.Bytes -= 10 },
			want: []string{"services|tcp/443|packets|changed|2", "services|tcp/443|to_server.bytes|changed|-10"}},
		{name: "service removed", edit: func(r *Report) { r.Services = r.Services[1:] },
			want: []string{"services|" + base.Services[0].Proto + "/" + fmt.Sprint(base.Services[0].Port) + "||removed|0"}},
		{name: "service added", edit: func(r *Report) {
			r.Services = append(r.Services, Service{Proto: "tcp", Port: 4242, Name: "unknown", Packets: 3})
		}, want: []string{"services|tcp/4242||added|0"}},
		{name: "name and risk", edit: func(r *Report) { https(r).Name = "web"; https(r).Risk = "note" },
			want: []string{"services|tcp/443|name|changed|0", "services|tcp/443|risk|changed|0"}},
		{name: "alert hosts", edit: func(r *Report) { r.Alerts[0].Hosts = append(r.Alerts[0].Hosts, "203.0.113.99") },
			want: []string{"alerts|" + base.Alerts[0].Proto + "/" + fmt.Sprint(base.Alerts[0].Port) + "|hosts|changed|0"}},
		{name: "alert added", edit: func(r *Report) {
			r.Alerts = append(r.Alerts, Alert{Proto: "tcp", Port: 27374, Name: "asp", Risk: "alert", Packets: 1, Flows: 1, Hosts: []string{}})
		}, want: []string{"alerts|tcp/27374||added|0"}},
		{name: "buckets and types", edit: func(r *Report) {
			r.Buckets.ICMP.Frames++
			r.NonIP = append(r.NonIP, TypeCount{Type: "lldp-x", Frames: 1, Bytes: 60})
		}, want: []string{"buckets|icmp|frames|changed|1", "buckets|non_ip[lldp-x]|frames|changed|1", "buckets|non_ip[lldp-x]|bytes|changed|60"}},
		{name: "ephemeral", edit: func(r *Report) { r.Ephemeral.Flows++ }, want: []string{"ephemeral||flows|changed|1"}},
		{name: "flows", edit: func(r *Report) {
			r.Flows.Total++
			r.Flows.ByReason["handshake"]++
			delete(r.Flows.ByReason, "lower-port")
		}, want: []string{"flows||total|changed|1", "flows||by_reason.handshake|changed|1",
			fmt.Sprintf("flows||by_reason.lower-port|changed|%d", -int64(base.Flows.ByReason["lower-port"]))}},
		{name: "settings", edit: func(r *Report) { r.Filter = "tcp"; r.Registry.Ephemeral = "1025-5000" },
			want: []string{"settings||filter|changed|0", "settings||registry.ephemeral|changed|0"}},
		{name: "totals", edit: func(r *Report) { r.Frames += 5; r.Last = "2027-01-01T00:00:00Z" },
			want: []string{"totals||frames|changed|5", "totals||last|changed|0"}},
		{name: "same instant, other spelling", edit: func(r *Report) { r.First = strings.Replace(r.First, "Z", "+00:00", 1) }},
		{name: "not compared", edit: func(r *Report) {
			r.Sources[0].Name, r.Sources[0].Format = "elsewhere/x.pcap.gz", "pcap+gzip"
			r.Registry.Fingerprint = "000000000000"
		}},
		{name: "absolute tolerance", edit: func(r *Report) { https(r).Packets += 10; https(r).Bytes += 11 },
			opts: DiffOptions{Tolerance: Tolerance{Abs: 10}}, want: []string{"services|tcp/443|bytes|changed|11"}},
		{name: "relative tolerance", edit: func(r *Report) {
			s := https(r)
			s.Bytes += s.Bytes / 50 // 2%: within
			s.Packets += s.Packets/50 + 1
		}, opts: DiffOptions{Tolerance: Tolerance{Rel: 0.02}}, want: []string{"services|tcp/443|packets|changed|" + fmt.Sprint(base.ServicePort("tcp", 443).Packets/50+1)}},
		{name: "tolerance never allows from zero", edit: func(r *Report) { r.Buckets.Malformed.Frames, r.Buckets.Malformed.Bytes = 0, 0; r.DecodePanics = 1 },
			opts: DiffOptions{Tolerance: Tolerance{Rel: 0.5}},
			want: []string{"totals||decode_panics|changed|1", "buckets|malformed|frames|changed|" + fmt.Sprint(-int64(base.Buckets.Malformed.Frames)),
				"buckets|malformed|bytes|changed|" + fmt.Sprint(-int64(base.Buckets.Malformed.Bytes))}},
		{name: "tolerance does not hide a new row", edit: func(r *Report) {
			r.Services = append(r.Services, Service{Proto: "udp", Port: 9, Name: "discard", Packets: 1})
		}, opts: DiffOptions{Tolerance: Tolerance{Abs: 1000}}, want: []string{"services|udp/9||added|0"}},
		{name: "hosts within an upper bound", edit: func(r *Report) { https(r).Clients += 3; https(r).HostsUpperBound = true }},
		{name: "hosts beyond an upper bound", edit: func(r *Report) { https(r).Clients--; https(r).HostsUpperBound = true },
			want: []string{"services|tcp/443|clients|changed|-1"}},
		{name: "only", edit: func(r *Report) { https(r).Packets++; r.Frames++; r.Flows.Total++ },
			opts: DiffOptions{Only: []string{"services", "flows"}}, want: []string{"services|tcp/443|packets|changed|1", "flows||total|changed|1"}},
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
	base := apiRead(t, Options{}, mixedTrace)
	got := apiClone(t, base)
	s := got.ServicePort("tcp", 443)
	s.Packets += 4
	got.Services = append(got.Services, Service{Proto: "tcp", Port: 4242, Name: "unknown", Packets: 3, Bytes: 1200, Flows: 1})
	d := got.Diff(base, DiffOptions{})
	if len(d.Changes) != 2 {
		t.Fatalf("Diff: %d changes, want 2:\n%s", len(d.Changes), d)
	}
	c := d.Changes[0]
	want := base.ServicePort("tcp", 443).Packets
	if c.Name != "https" || c.Expected != want || c.Got != want+4 || c.Delta != 4 {
		t.Errorf("changed count: %+v", c)
	}
	if a := d.Changes[1]; a.Kind != Added || a.Expected != nil || a.Got.(Service).Port != 4242 || a.Name != "unknown" {
		t.Errorf("added row: %+v", a)
	}
	if sum := d.Summary(); sum != "services 2" {
		t.Errorf("Summary() = %q", sum)
	}
	text := d.String()
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
	if (Diff{}).String() != "" {
		t.Errorf("an empty Diff writes a table")
	}
}

func TestParseTolerance(t *testing.T) {
	tests := []struct {
		in   string
		want Tolerance
		err  bool
	}{
		{"2%", Tolerance{Rel: 0.02}, false},
		{"0.5%", Tolerance{Rel: 0.005}, false},
		{"10", Tolerance{Abs: 10}, false},
		{"0", Tolerance{}, false},
		{"-1", Tolerance{}, true},
		{"-2%", Tolerance{}, true},
		{"x%", Tolerance{}, true},
		{"2.5", Tolerance{}, true},
		{"", Tolerance{}, true},
	}
	for _, tt := range tests {
		got, err := ParseTolerance(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseTolerance(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.err)
		}
		if err == nil && tt.in != "0" {
			if back, _ := ParseTolerance(got.String()); back != got {
				t.Errorf("ParseTolerance(%q).String() = %q does not parse back", tt.in, got.String())
			}
		}
	}
}

// TestDiffWidth: on a terminal narrower than the diff table, each change is
// one line "section row field: expected -> got, delta", broken to fit;
// numbers have thousands separators.
func TestDiffWidth(t *testing.T) {
	d := Diff{Changes: []Change{
		{Section: "totals", Field: "frames", Kind: Changed, Expected: uint64(9), Got: uint64(158), Delta: 149},
		{Section: "totals", Field: "last", Kind: Changed, Expected: "2026-01-01T00:00:00.008Z", Got: "2026-01-01T00:00:00.157Z"},
		{Section: "buckets", Row: "link_types[ethernet]", Field: "frames", Kind: Changed, Expected: uint64(1311), Got: uint64(27772), Delta: 26461},
		{Section: "services", Row: "tcp/2222", Name: "EtherNet-IP-1", Kind: Added, Got: Service{Packets: 4, Bytes: 822, Flows: 1}},
	}}
	var wide, narrow strings.Builder
	d.WriteTextWidth(&wide, 0)
	d.WriteTextWidth(&narrow, 60)
	if wide.String() != d.String() || !strings.Contains(wide.String(), "+26,461 (+2,018.4%)") {
		t.Errorf("width 0 is not the table, or its numbers lack separators:\n%s", wide.String())
	}
	for _, want := range []string{
		"  totals frames: 9 -> 158, +149 (+1,655.6%)",
		"  services tcp/2222 EtherNet-IP-1 (added): 4 packets, 822 B,",
	} {
		if !strings.Contains(narrow.String(), want) {
			t.Errorf("narrow diff lacks %q:\n%s", want, narrow.String())
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(narrow.String(), "\n"), "\n") {
		if len(line) > 60 {
			t.Errorf("line of %d columns at width 60: %q", len(line), line)
		}
	}
}
