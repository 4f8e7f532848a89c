//go:build unix

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"
)

// bigTrace writes cmd/tracegen's large trace at 50,000 packets and 5,000
// flows (255 services, 22 MB, deterministic: 0.1 s) as dir/big.pcap.
func bigTrace(t *testing.T, dir string) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to run cmd/tracegen")
	}
	path := filepath.Join(dir, "big.pcap")
	c := exec.Command("go", "run", "./cmd/tracegen", "-big", "-packets", "50000", "-flows", "5000", "-o", path)
	c.Dir = root
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("tracegen: %v\n%s", err, out)
	}
	return path
}

// runPty runs portsift with args in dir, its three standard streams a
// pseudo-terminal of cols x rows, and returns what it wrote to the
// terminal. feed, when set, runs once the process has started.
func runPty(t *testing.T, dir string, cols, rows int, feed func(), args ...string) []byte {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command(exe, args...)
	c.Dir = dir
	for _, kv := range os.Environ() { // the kernel's window size, not the environment's, must decide
		if !strings.HasPrefix(kv, "COLUMNS=") && !strings.HasPrefix(kv, "LINES=") {
			c.Env = append(c.Env, kv)
		}
	}
	c.Env = append(c.Env, "PORTSIFT_E2E=1", "TERM=xterm")
	ptmx, err := pty.StartWithSize(c, &pty.Winsize{Rows: uint16(rows), Cols: uint16(cols)})
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	out := make(chan []byte)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, ptmx) // ends with EIO once the process has exited and closed its side
		out <- b.Bytes()
	}()
	if feed != nil {
		feed()
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("portsift %s: %v", strings.Join(args, " "), err)
		}
	case <-time.After(60 * time.Second):
		c.Process.Kill()
		t.Fatalf("portsift %s: still running after 60s", strings.Join(args, " "))
	}
	return <-out
}

// screen is a terminal emulator just big enough for portsift's output: it
// prints runes with the autowrap of a VT100 (a rune written past the last
// column goes to the next line, which is marked wrapped), handles \r, \n
// and the escapes portsift writes (erase in line, erase in display,
// cursor home), scrolls into a history, and fails on anything else.
type screen struct {
	cols, rows int
	lines      [][]rune // history, then the rows of the screen
	wrapped    []bool   // lines[i] continues lines[i-1]: autowrap
	top        int      // index in lines of the screen's first row
	r, c       int      // cursor, on the screen
	pending    bool     // the cursor is past the last column (VT100 deferred wrap)
}

func newScreen(cols, rows int) *screen {
	s := &screen{cols: cols, rows: rows}
	for range rows {
		s.lines = append(s.lines, blankLine(cols))
		s.wrapped = append(s.wrapped, false)
	}
	return s
}

func blankLine(n int) []rune { return []rune(strings.Repeat(" ", n)) }

func (s *screen) lineFeed() {
	if s.r < s.rows-1 {
		s.r++
		return
	}
	s.lines = append(s.lines, blankLine(s.cols))
	s.wrapped = append(s.wrapped, false)
	s.top++
}

func (s *screen) write(b []byte) error {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		switch {
		case r == '\r':
			s.c, s.pending = 0, false
		case r == '\n':
			s.lineFeed()
			s.pending = false
		case r == '\033':
			i := 0
			if len(b) == 0 || b[0] != '[' {
				return fmt.Errorf("escape %q not handled", b[:min(len(b), 8)])
			}
			for i = 1; i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == ';'); i++ {
			}
			if i == len(b) {
				return fmt.Errorf("escape cut short: %q", b)
			}
			param, final := string(b[1:i]), b[i]
			b = b[i+1:]
			row := s.lines[s.top+s.r]
			switch {
			case final == 'K' && param == "":
				copy(row[s.c:], blankLine(s.cols-s.c))
			case final == 'J' && param == "":
				copy(row[s.c:], blankLine(s.cols-s.c))
				for i := s.top + s.r + 1; i < len(s.lines); i++ {
					s.lines[i], s.wrapped[i] = blankLine(s.cols), false
				}
			case final == 'J' && param == "2":
				for i := s.top; i < len(s.lines); i++ {
					s.lines[i], s.wrapped[i] = blankLine(s.cols), false
				}
			case final == 'H' && param == "":
				s.r, s.c, s.pending = 0, 0, false
			default:
				return fmt.Errorf("escape ESC[%s%c not handled", param, final)
			}
		case r < ' ' || r == utf8.RuneError || r == 0x7f:
			return fmt.Errorf("control character %q not handled", r)
		default:
			if s.pending {
				s.lineFeed()
				s.wrapped[s.top+s.r] = true
				s.c, s.pending = 0, false
			}
			s.lines[s.top+s.r][s.c] = r
			if s.c == s.cols-1 {
				s.pending = true
			} else {
				s.c++
			}
		}
	}
	return nil
}

// text is every line the terminal showed, history first, trailing spaces
// and the blank rows at the bottom removed.
func (s *screen) text() []string {
	var out []string
	for _, l := range s.lines {
		out = append(out, strings.TrimRight(string(l), " "))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// emulate runs out through a cols x rows screen and checks that no line
// wrapped, on the screen or in its history, and that no line between two
// line ends (what the program wrote, escapes removed) is wider than cols.
func emulate(t *testing.T, what string, out []byte, cols, rows int) *screen {
	t.Helper()
	s := newScreen(cols, rows)
	if err := s.write(out); err != nil {
		t.Fatalf("%s: %v in\n%q", what, err, out)
	}
	for i, w := range s.wrapped {
		if w {
			t.Errorf("%s: line %d wrapped at %d columns: %q then %q", what, i, cols, strings.TrimRight(string(s.lines[i-1]), " "), strings.TrimRight(string(s.lines[i]), " "))
		}
	}
	for _, l := range strings.Split(string(out), "\r\n") {
		plain := l
		for _, esc := range []string{"\033[2J", "\033[H", "\033[J", "\033[K"} {
			plain = strings.ReplaceAll(plain, esc, "")
		}
		if i := strings.LastIndexByte(plain, '\r'); i >= 0 { // a redrawn status line: its last drawing
			plain = plain[i+1:]
		}
		if n := utf8.RuneCountInString(plain); n > cols {
			t.Errorf("%s: a line of %d columns on a %d-column terminal: %q", what, n, cols, plain)
		}
	}
	return s
}

// checkScreenTable checks the service table of a terminal's text: the top
// 20 services, "(N more)" with the N others, then ephemeral, and the final
// screen (the last rows) ending with the report's flows line.
func checkScreenTable(t *testing.T, what string, lines []string, rows, services int) {
	t.Helper()
	start := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "  SERVICE ") })
	if start < 0 {
		t.Fatalf("%s: no service table:\n%s", what, strings.Join(lines, "\n"))
	}
	end := start + slices.Index(lines[start:], "")
	if end < start {
		t.Fatalf("%s: no blank line after the table", what)
	}
	table := lines[start+1 : end]
	more := fmt.Sprintf("  (%d more) ", services-20)
	if len(table) != 22 || !strings.HasPrefix(table[20], more) || !strings.HasPrefix(table[21], "  ephemeral ") {
		t.Errorf("%s: %d rows, want 20 services, then %q, then ephemeral:\n%s", what, len(table), more, strings.Join(table, "\n"))
	}
	final := lines[max(0, len(lines)-rows):]
	i := slices.IndexFunc(final, func(l string) bool { return strings.HasPrefix(l, "flows:    ") })
	if i < 0 || slices.ContainsFunc(final[i+1:], func(l string) bool { return !strings.HasPrefix(l, "          ") }) {
		t.Errorf("%s: the final screen does not end with the flows line:\n%s", what, strings.Join(final, "\n"))
	}
}

// TestPtyGolden runs `portsift read big.pcap` in pseudo-terminals of 80x24
// and 200x50 and reads what they show through a terminal emulator: no line
// wraps, the table has the top 20 services, "(N more)" and the ephemeral
// row, and what the terminal shows is the golden screen
// (testdata/golden/tty/, rewritten with -update). Then the same read from
// a FIFO fed slowly, so that the progress bar is drawn: once the read is
// over the terminal shows exactly the same.
func TestPtyGolden(t *testing.T) {
	dir := t.TempDir()
	bigTrace(t, dir)
	// The number of services: from the JSON report, in a pipe.
	r := portsift(t, nil, "read", "-q", "-o", "json", filepath.Join(dir, "big.pcap"))
	services := len(parseReport(t, r).Services)
	if services < 100 {
		t.Fatalf("the trace has %d services; the test needs many more than 20", services)
	}
	shown := map[string][]string{}
	for _, size := range []struct{ cols, rows int }{{80, 24}, {200, 50}} {
		name := fmt.Sprintf("read-%dx%d.txt", size.cols, size.rows)
		out := runPty(t, dir, size.cols, size.rows, nil, "read", "big.pcap")
		lines := emulate(t, name, out, size.cols, size.rows).text()
		checkScreenTable(t, name, lines, size.rows, services)
		goldenIn(t, "tty", name, strings.Join(lines, "\n")+"\n")
		shown[name] = lines
	}
	// A pipe gets every service and every column.
	plain := strings.Split(portsift(t, nil, "read", "-q", filepath.Join(dir, "big.pcap")).out, "\n")
	start := slices.IndexFunc(plain, func(l string) bool { return strings.HasPrefix(l, "  SERVICE ") })
	if start < 0 || !strings.Contains(plain[start], " FRAGS ") || slices.Index(plain[start+1:], "") != services+1 {
		t.Errorf("read in a pipe: not the whole table (%d services):\n%s", services, strings.Join(plain, "\n"))
	}

	t.Run("progress", func(t *testing.T) {
		fifoDir := t.TempDir()
		fifo := filepath.Join(fifoDir, "big.pcap")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "big.pcap"))
		if err != nil {
			t.Fatal(err)
		}
		feed := func() { // 1.6 s for the whole trace: the bar shows after 1 s
			go func() {
				f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
				if err != nil {
					t.Error(err)
					return
				}
				defer f.Close()
				const parts = 16
				for i := range parts {
					f.Write(data[len(data)*i/parts : len(data)*(i+1)/parts])
					time.Sleep(100 * time.Millisecond)
				}
			}()
		}
		out := runPty(t, fifoDir, 80, 24, feed, "read", "big.pcap")
		if !bytes.Contains(out, []byte(" read, ")) || !bytes.Contains(out, []byte(" packets/s")) {
			t.Fatalf("the progress bar was not drawn:\n%q", out[:min(len(out), 500)])
		}
		lines := emulate(t, "read from a FIFO", out, 80, 24).text()
		if want := shown["read-80x24.txt"]; !slices.Equal(lines, want) {
			t.Errorf("read from a FIFO: the terminal shows\n%s\nwant what reading the file shows\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
	})
}
