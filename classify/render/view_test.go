package render

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/portsift/portsift/classify/internal/testread"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
)

// viewSnapshots returns two snapshots one second apart: https has the most
// bytes in total but was quiet in the last second, while tcp/41000 and
// domain were busy.
func viewSnapshots() (prev, cur *report.Snapshot) {
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	r1 := testread.Synthetic()
	r1.Sources = []report.SourceInfo{{Name: "eth0", Format: "live", LinkTypes: []vocab.LinkType{vocab.LinkEthernet}}}
	r2 := testread.Synthetic()
	r2.Sources = r1.Sources
	r2.Filter = "not port 22"
	for i := range r2.Services {
		s := &r2.Services[i]
		switch s.Port {
		case 41000: // +100 packets, +125,000 bytes: 1 Mb/s
			s.Packets, s.Bytes = s.Packets+100, s.Bytes+125000
		case 53: // +10 packets, +1,000 bytes
			s.Packets, s.Bytes = s.Packets+10, s.Bytes+1000
		}
	}
	r2.Frames, r2.Bytes = r1.Frames+110, r1.Bytes+126000
	prev = &report.Snapshot{Report: r1, Seq: 4, Taken: start.Add(4 * time.Second), Elapsed: 4 * time.Second}
	cur = &report.Snapshot{Report: r2, Seq: 5, Taken: start.Add(5 * time.Second), Elapsed: 5 * time.Second}
	return prev, cur
}

func TestRates(t *testing.T) {
	prev, cur := viewSnapshots()
	rates := Rates(prev, cur)
	var order []uint16
	for _, r := range rates {
		order = append(order, r.Port)
	}
	// Busy ones first by bits/s, then the quiet ones by total bytes.
	want := []uint16{41000, 53, 443, 40000, 31337, 50000}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("Rates order = %v, want %v", order, want)
		}
	}
	if r := rates[0]; r.PacketsPerSec != 100 || r.BitsPerSec != 1e6 {
		t.Errorf("tcp/41000: %v pkt/s, %v b/s; want 100, 1e6", r.PacketsPerSec, r.BitsPerSec)
	}
	// Without a previous snapshot, rates are averages since the start.
	if r := Rates(nil, cur)[0]; r.Port != 41000 || r.PacketsPerSec != 120.0/5 {
		t.Errorf("Rates(nil): first %d at %v pkt/s, want 41000 at 24", r.Port, r.PacketsPerSec)
	}
}

func TestWriteView(t *testing.T) {
	prev, cur := viewSnapshots()
	var b strings.Builder
	if err := WriteView(&b, prev, cur, ViewOptions{Rows: 3}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")
	for _, want := range []string{
		"portsift sniff eth0 (ethernet)  0:00:05  310 frames, 126.0 kB  now 110 pkt/s, 1.0 Mb/s",
		"filter:   not port 22",
		"capture:  230 received, 2 dropped by kernel, 1 dropped by interface",
		"table:    7 flows active, 3 evicted (--max-flows), 1 expired",
		"frames:   tcp 46, udp 17, sctp 0, fragment 0, icmp 2, other-ip 0, non-ip 1, truncated 0, malformed 0",
		"ALERTS (1)",
		"  tcp/31337 eldim: 3 packets, 1 flow; hosts 192.0.2.1, 192.0.2.2",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("view lacks line %q:\n%s", want, out)
		}
	}
	var rows []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 2 && (f[0] == "unknown" || f[0] == "domain" || f[0] == "https" || f[0] == "(3" || f[0] == "ephemeral") {
			rows = append(rows, strings.Join(f, " "))
		}
	}
	want := []string{
		"unknown tcp 41000 100 1.0 Mb/s 120 127.0 kB 1 0",
		"domain udp 53 10 8.0 kb/s 18 1.8 kB 4 0 note",
		"https tcp 443 0 0 b/s 22 10.5 kB 2 0",
		"(3 more) 0 0 b/s 9 740 B 7",
		"ephemeral 0 0 b/s 4 400 B 1",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("service rows:\n%s\nwant:\n%s\nview:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"), out)
	}
	if strings.Contains(out, "\033") {
		t.Errorf("plain view has escape sequences: %q", out)
	}

	b.Reset()
	WriteView(&b, prev, cur, ViewOptions{Terminal: true})
	term := b.String()
	if !strings.HasPrefix(term, "\033[H") || !strings.HasSuffix(term, "\033[J") || !strings.Contains(term, "malformed 0\033[K\n") {
		t.Errorf("terminal view must start at home, clear each line's rest and the screen below: %q", term)
	}
	if strings.Contains(term, "more)") {
		t.Errorf("Rows 0 must show every service:\n%s", term)
	}
}

func TestWriteCapture(t *testing.T) {
	var b strings.Builder
	r := testread.Synthetic()
	r.Capture.HostsUntracked = 12
	WriteCapture(&b, r)
	want := "capture:  230 received, 2 dropped by kernel, 1 dropped by interface\n" +
		"table:    7 flows active, 3 evicted (--max-flows), 1 expired; host table full: 12 (service, host) pairs not counted, clients and servers are lower bounds\n"
	if b.String() != want {
		t.Errorf("WriteCapture:\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	WriteCapture(&b, &report.Report{})
	if b.Len() != 0 {
		t.Errorf("WriteCapture without capture stats wrote %q", b.String())
	}
}

func TestRateFormats(t *testing.T) {
	for _, tt := range []struct {
		v         float64
		pps, bits string
	}{
		{0, "0", "0 b/s"},
		{999.4, "999", "999 b/s"},
		{1234, "1,234", "1.2 kb/s"},
		{12345, "12.3k", "12.3 kb/s"},
		{999960, "1.0M", "1.0 Mb/s"},
		{9999.7, "10.0k", "10.0 kb/s"},
		{2.5e9, "2.5G", "2.5 Gb/s"},
	} {
		if got := rate(tt.v); got != tt.pps {
			t.Errorf("rate(%v) = %q, want %q", tt.v, got, tt.pps)
		}
		if got := bitRate(tt.v); got != tt.bits {
			t.Errorf("bitRate(%v) = %q, want %q", tt.v, got, tt.bits)
		}
	}
	if got := clock(3723 * time.Second); got != "1:02:03" {
		t.Errorf("clock(3723s) = %q", got)
	}
}

// TestWriteViewWidth: the live view fits the terminal: no line wider than
// the width, the rates always shown, columns added while they fit; without
// a width, the same bytes as before.
func TestWriteViewWidth(t *testing.T) {
	prev, cur := viewSnapshots()
	var full bytes.Buffer
	if err := WriteView(&full, prev, cur, ViewOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int{40, 60, 80, 100, 200} {
		var b bytes.Buffer
		if err := WriteView(&b, prev, cur, ViewOptions{Width: width}); err != nil {
			t.Fatal(err)
		}
		if widest(full.Bytes()) <= width && !bytes.Equal(b.Bytes(), full.Bytes()) {
			t.Errorf("width %d: the view fits but differs from the view without a width", width)
		}
		for line := range strings.SplitSeq(strings.TrimSuffix(b.String(), "\n"), "\n") {
			if n := utf8.RuneCountInString(line); n > width {
				t.Errorf("width %d: line of %d runes: %q", width, n, line)
			}
		}
		head := ""
		for line := range strings.SplitSeq(b.String(), "\n") {
			if strings.Contains(line, "SERVICE") {
				head = line
			}
		}
		for _, col := range []string{"SERVICE", "PROTO", "PORT", "PKT/S", "BIT/S"} {
			if width >= 60 && !strings.Contains(head, col) { // below, even these are cut
				t.Errorf("width %d: header %q lacks %s", width, head, col)
			}
		}
		if width >= 80 && !strings.Contains(head, "BYTES") {
			t.Errorf("width %d: header %q: BYTES fits in 80 columns", width, head)
		}
	}
}
