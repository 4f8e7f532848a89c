package render

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
)

// wideMoreReport has 150 services with names shorter than "(147 more)",
// the label of the rows that --top 3 cuts: wider than every shown name and
// than "ephemeral", the widest label the table had room for.
func wideMoreReport() *report.Report {
	r := &report.Report{Schema: report.Schema}
	for i := range 150 {
		r.Services = append(r.Services, report.Service{Proto: vocab.UDP, Port: uint16(1000 + i), Name: "svc",
			Packets: uint64(1000 - i), Bytes: uint64(100000 - i), Flows: 1})
	}
	r.Ephemeral = report.Ephemeral{Packets: 5, Bytes: 500, Flows: 1}
	return r
}

// TestWriteTextWideMoreLabel: the (K more) row is part of the name column
// (it panicked with "strings: negative Repeat count" when its label was
// the widest), and every row stays aligned with the header.
func TestWriteTextWideMoreLabel(t *testing.T) {
	r := wideMoreReport()
	for _, top := range []int{1, 3, 50} {
		o := TextOptions{Top: top, Sort: "bytes"}
		var b strings.Builder
		if err := WriteText(&b, r, o); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.Contains(out, fmt.Sprintf("\n  (%d more)  ", 150-top)) {
			t.Errorf("top %d: no (%d more) row at the names' offset:\n%s", top, 150-top, out)
		}
		checkNameColumn(t, out, top+3)
		if err := checkText(out, r, o); err != nil {
			t.Errorf("top %d: %v\n%s", top, err, out)
		}
	}
}

// TestWriteViewWideMoreLabel: the same in the live view, where the label
// pushed the name column right of the header and of the other names.
func TestWriteViewWideMoreLabel(t *testing.T) {
	r := wideMoreReport()
	cur := &report.Snapshot{Report: r, Taken: time.Unix(1e9, 0), Elapsed: 10 * time.Second}
	for _, rows := range []int{1, 3, 50} {
		o := ViewOptions{Rows: rows}
		var b strings.Builder
		if err := WriteView(&b, nil, cur, o); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.Contains(out, fmt.Sprintf("\n  (%d more)  ", 150-rows)) {
			t.Errorf("rows %d: no (%d more) row at the names' offset:\n%s", rows, 150-rows, out)
		}
		checkNameColumn(t, out, rows+3)
		if err := checkView(out, nil, cur, o); err != nil {
			t.Errorf("rows %d: %v\n%s", rows, err, out)
		}
	}
}

// checkNameColumn checks that the service table in out has n lines (the
// header included), each name two spaces from the left and every line as
// wide as the header.
func checkNameColumn(t *testing.T, out string, n int) {
	t.Helper()
	var table []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " "), "SERVICE ") || len(table) > 0 {
			if l == "" {
				break
			}
			table = append(table, l)
		}
	}
	if len(table) != n {
		t.Fatalf("the service table has %d lines, want %d:\n%s", len(table), n, out)
	}
	for _, l := range table {
		if !strings.HasPrefix(l, "  ") || l[2] == ' ' || len(l) != len(table[0]) {
			t.Errorf("line %q: want a name at offset 2 and %d bytes like the header\n%s", l, len(table[0]), out)
		}
	}
}

// TestWriteTextTimes: the header's times are UTC and say so; with
// LocalTime, in the local zone, named; durations are rounded; counts of
// one are singular.
func TestWriteTextTimes(t *testing.T) {
	r := &report.Report{Frames: 2, First: tm("2026-01-01T23:30:00.000000001Z"), Last: tm("2026-01-01T23:30:04.999999Z")}
	var b strings.Builder
	if err := WriteText(&b, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if want := "2026-01-01 23:30:00.000000 to 23:30:04.999999 UTC (5s)"; !strings.Contains(b.String(), want) {
		t.Errorf("header %q lacks %q", strings.SplitN(b.String(), "\n", 2)[0], want)
	}
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.FixedZone("XYZ", 3600)
	b.Reset()
	if err := WriteText(&b, r, TextOptions{LocalTime: true}); err != nil {
		t.Fatal(err)
	}
	if want := "2026-01-02 00:30:00.000000 to 00:30:04.999999 XYZ (5s)"; !strings.Contains(b.String(), want) {
		t.Errorf("local header %q lacks %q", strings.SplitN(b.String(), "\n", 2)[0], want)
	}
	for d, want := range map[time.Duration]string{4999999 * time.Microsecond: "5s", 19999 * time.Microsecond: "20ms",
		83*time.Second + 400*time.Millisecond: "1m23s", 1500 * time.Nanosecond: "2µs", 1234567 * time.Microsecond: "1.23s"} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
	for n, want := range map[uint64]string{0: "0 flows", 1: "1 flow", 2: "2 flows", 12345: "12,345 flows"} {
		if got := Count(n, "flow"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

// tm is the report time s (RFC 3339).
func tm(s string) report.Time {
	t, err := report.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}
