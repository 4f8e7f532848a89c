package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/portsift/portsift/classify/report"
)

// TestProgressLineWidths: at every terminal width the bar leaves the last
// column free (a line as wide as the terminal wraps, and the next redraw
// leaves it behind); parts go in the documented order as the width
// shrinks; with no limit it is the whole line.
func TestProgressLineWidths(t *testing.T) {
	const full = "[=========                     ]  31% 28.0 MB of 90.2 MB, 274897 packets/s, 3s left"
	el := 1500 * time.Millisecond
	if got := progressLine(28_000_000, 90_200_000, 412345, el, 0); got != full {
		t.Fatalf("progressLine(width 0) = %q, want %q", got, full)
	}
	tests := []struct {
		width int
		want  string
	}{
		{200, full},
		{84, full}, // 83 columns and the last one free
		{83, "[=========                    ]  31% 28.0 MB of 90.2 MB, 274897 packets/s, 3s left"},
		{80, "[========                  ]  31% 28.0 MB of 90.2 MB, 274897 packets/s, 3s left"},
		{64, "[===       ]  31% 28.0 MB of 90.2 MB, 274897 packets/s, 3s left"},
		{63, "[========                   ]  31% 28.0 MB of 90.2 MB, 3s left"}, // the rate goes first
		{60, "[=======                 ]  31% 28.0 MB of 90.2 MB, 3s left"},
		{46, "[===       ]  31% 28.0 MB of 90.2 MB, 3s left"},
		{45, "[=====             ]  31% 28.0 MB of 90.2 MB"}, // then the time left
		{37, "[===       ]  31% 28.0 MB of 90.2 MB"},
		{36, " 31% 28.0 MB of 90.2 MB, 3s left"}, // then the bar
		{32, " 31%, 3s left"},
		{14, " 31%, 3s left"},
		{13, " 31%"},
		{3, " 3"},
		{1, ""},
	}
	for _, tt := range tests {
		if got := progressLine(28_000_000, 90_200_000, 412345, el, tt.width); got != tt.want {
			t.Errorf("progressLine(width %d) =\n%q, want\n%q", tt.width, got, tt.want)
		}
	}
	for _, p := range []struct{ read, total int64 }{{0, 90_200_000}, {28_000_000, 90_200_000}, {90_200_000, 90_200_000},
		{95_000_000, 90_200_000}, {3_600_000_000_000, 3_600_000_000_000}, {28_000_000, 0}, {999, 0}} {
		for width := 1; width <= 200; width++ {
			for _, frames := range []uint64{0, 412345, 1 << 40} {
				line := progressLine(p.read, p.total, frames, el, width)
				if n := utf8.RuneCountInString(line); n > width-1 {
					t.Fatalf("progressLine(%d of %d, width %d) = %q: %d columns, want at most %d", p.read, p.total, width, line, n, width-1)
				}
				rate, left := strings.Contains(line, "packets/s"), strings.Contains(line, "left")
				if p.total > 0 && rate && !left {
					t.Fatalf("progressLine(%d of %d, width %d) = %q: the rate stayed, the time left went", p.read, p.total, width, line)
				}
			}
		}
	}
}

// TestProgressBarFitsWidth: every redraw of the running bar fits the
// width the terminal has at that moment.
func TestProgressBarFitsWidth(t *testing.T) {
	out := runProgress(t, func() int { return 40 })
	draws := strings.Split(out, "\r\033[K")
	if len(draws) < 3 {
		t.Fatalf("the bar was not drawn: %q", out)
	}
	for _, d := range draws {
		if n := utf8.RuneCountInString(d); n > 39 || strings.ContainsAny(d, "\r\n") {
			t.Fatalf("a redraw is %d columns (%q), want at most 39 on one line", n, d)
		}
	}
}

func TestTerminalWidth(t *testing.T) {
	size := func(w int, err error) func() (int, int, error) {
		return func() (int, int, error) { return w, 24, err }
	}
	tests := []struct {
		name    string
		size    func() (int, int, error)
		columns string
		want    int
	}{
		{"kernel", size(132, nil), "", 132},
		{"kernel over COLUMNS", size(132, nil), "100", 132},
		{"no size: COLUMNS", size(0, nil), "100", 100},
		{"error: COLUMNS", size(0, errors.New("inappropriate ioctl")), "100", 100},
		{"no size, bad COLUMNS", size(0, nil), "wide", 80},
		{"no size, COLUMNS 0", size(0, nil), "0", 80},
		{"nothing", size(0, errors.New("x")), "", 80},
	}
	for _, tt := range tests {
		if got := terminalWidth(tt.size, tt.columns); got != tt.want {
			t.Errorf("%s: terminalWidth = %d, want %d", tt.name, got, tt.want)
		}
	}
	if w := (&IOStreams{OutTTY: false, OutWidth: func() int { return 50 }}).outWidth(); w != 0 {
		t.Errorf("not a terminal: outWidth = %d, want 0 (no limit)", w)
	}
	if w := (&IOStreams{OutTTY: true, OutWidth: func() int { return 50 }}).outWidth(); w != 50 {
		t.Errorf("terminal: outWidth = %d, want 50", w)
	}
}

func TestTableTop(t *testing.T) {
	tests := []struct {
		top        int
		given, tty bool
		want       int
	}{
		{0, false, true, 20}, {0, true, true, 0}, {5, true, true, 5}, {50, true, true, 50},
		{0, false, false, 0}, {0, true, false, 0}, {5, true, false, 5},
	}
	for _, tt := range tests {
		if got := tableTop(tt.top, tt.given, tt.tty); got != tt.want {
			t.Errorf("tableTop(%d, given %v, tty %v) = %d, want %d", tt.top, tt.given, tt.tty, got, tt.want)
		}
	}
}

// TestReadTerminalTable: read and merge on a terminal 80 columns wide
// print the top 20 services, "(126 more)" and the ephemeral row, no line
// wider than 80; --top is honoured, 0 meaning all; a pipe gets every row
// and every column, whatever the width.
func TestReadTerminalTable(t *testing.T) {
	trace := manyServicesTrace(t) // 146 services
	run := func(tty bool, args ...string) string {
		t.Helper()
		ios, _, o, e := TestIO()
		ios.OutTTY, ios.OutWidth = tty, func() int { return 80 }
		if code := Main(args, ios); code != ExitOK {
			t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, e)
		}
		return o.String()
	}
	js := run(false, "read", "-q", "-o", "json", trace)
	rep := writeTemp(t, "many.json", js)
	for _, tt := range []struct {
		args       []string
		tty        bool
		rows       int // service rows
		more       int // in the "(N more)" row; 0: none
		maxWidth   int
		allColumns bool
	}{
		{[]string{"read", "-q", trace}, true, 20, 126, 80, false},
		{[]string{"read", "-q", "--top", "5", trace}, true, 5, 141, 80, false},
		{[]string{"read", "-q", "--top", "0", trace}, true, 146, 0, 80, false},
		{[]string{"read", "-q", trace}, false, 146, 0, 0, true},
		{[]string{"merge", rep}, true, 20, 126, 80, false},
		{[]string{"merge", "--top", "0", rep}, true, 146, 0, 80, false},
		{[]string{"merge", rep}, false, 146, 0, 0, true},
	} {
		what := fmt.Sprintf("%s (terminal %v)", strings.Join(tt.args, " "), tt.tty)
		out := run(tt.tty, tt.args...)
		lines := strings.Split(out, "\n")
		if tt.maxWidth > 0 {
			for _, l := range lines {
				if n := utf8.RuneCountInString(l); n > tt.maxWidth {
					t.Errorf("%s: a line of %d columns: %q", what, n, l)
				}
			}
		}
		start := -1
		for i, l := range lines {
			if strings.HasPrefix(l, "  SERVICE ") {
				start = i
			}
		}
		if start < 0 {
			t.Fatalf("%s: no service table:\n%s", what, out)
		}
		if got := strings.Contains(lines[start], "FRAGS"); got != tt.allColumns {
			t.Errorf("%s: header %q: FRAGS shown %v, want %v", what, lines[start], got, tt.allColumns)
		}
		end := start + 1
		for lines[end] != "" {
			end++
		}
		table := lines[start+1 : end]
		wantLines := tt.rows + 1
		if tt.more > 0 {
			wantLines++
			if want := fmt.Sprintf("  (%d more) ", tt.more); !strings.HasPrefix(table[len(table)-2], want) {
				t.Errorf("%s: row before the ephemeral one is %q, want %q", what, table[len(table)-2], want)
			}
		}
		if len(table) != wantLines || !strings.HasPrefix(table[len(table)-1], "  ephemeral ") {
			t.Errorf("%s: %d table rows, want %d service rows, then (N more) if any, then ephemeral:\n%s", what, len(table), tt.rows, strings.Join(table, "\n"))
		}
	}
}

// TestReadReportOnStderrTerminal: with the flow log on standard output
// the report goes to standard error, and fits stderr's terminal, not
// stdout's.
func TestReadReportOnStderrTerminal(t *testing.T) {
	trace := manyServicesTrace(t)
	for _, tt := range []struct {
		outTTY, errTTY bool
		fitted         bool
	}{{true, false, false}, {false, true, true}} {
		ios, _, _, e := TestIO()
		ios.OutTTY, ios.ErrTTY = tt.outTTY, tt.errTTY
		ios.OutWidth, ios.ErrWidth = func() int { return 200 }, func() int { return 60 }
		if code := Main([]string{"read", "-q", "--flows", "-", trace}, ios); code != ExitOK {
			t.Fatalf("read --flows -: exit %d: %s", code, e)
		}
		got := e.String()
		fitted := strings.Contains(got, "\n  (126 more) ") && !strings.Contains(got, " FRAGS ")
		wide := 0
		for _, l := range strings.Split(got, "\n") {
			wide = max(wide, utf8.RuneCountInString(l))
		}
		if fitted != tt.fitted || tt.fitted && wide > 60 {
			t.Errorf("read --flows - (stdout terminal %v, stderr terminal %v): report fitted %v (want %v), widest line %d:\n%s",
				tt.outTTY, tt.errTTY, fitted, tt.fitted, wide, got)
		}
	}
}

// writeTemp writes data to a file named name in a temporary directory.
func writeTemp(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSniffFinalTerminal: sniff's final report on a terminal 60 columns
// wide: the top 20 services, no line wider, the capture lines broken; in a
// pipe, the whole table as before.
func TestSniffFinalTerminal(t *testing.T) {
	ios, _, o, e := TestIO()
	if code := Main([]string{"read", "-q", "-o", "json", manyServicesTrace(t)}, ios); code != ExitOK {
		t.Fatalf("read: exit %d: %s", code, e)
	}
	rep, err := report.ReadReport(o)
	if err != nil {
		t.Fatal(err)
	}
	rep.Capture = &report.LiveCapture{Interface: "eth0", Received: 1_234_567, DroppedKernel: 12_345, DroppedInterface: 1_234, FlowsActive: 99_999}
	snap := &report.Snapshot{Report: rep, Final: true}
	for _, tty := range []bool{true, false} {
		ios, _, out, _ := TestIO()
		ios.OutTTY, ios.OutWidth = tty, func() int { return 60 }
		opts := &SniffOptions{IO: ios, Format: "table", Sort: "bytes"}
		if err := writeFinal(opts, snap, &printer{}); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		rows, wide := 0, 0
		for _, l := range strings.Split(got, "\n") {
			wide = max(wide, utf8.RuneCountInString(l))
			if strings.HasPrefix(l, "  ") && (strings.Contains(l, " tcp ") || strings.Contains(l, " udp ") || strings.Contains(l, " sctp ")) {
				rows++
			}
		}
		switch {
		case tty && (rows != 20 || wide > 60 || !strings.Contains(got, "\n  (126 more) ") || !strings.Contains(got, "\ncapture:  1,234,567 received,")):
			t.Errorf("terminal: %d service rows (want 20), widest line %d (want at most 60):\n%s", rows, wide, got)
		case !tty && (rows != 146 || !strings.Contains(got, "\ncapture:  1,234,567 received, 12,345 dropped by kernel, 1,234 dropped by interface\n")):
			t.Errorf("pipe: %d service rows (want 146), capture line not whole:\n%s", rows, got)
		}
	}
}
