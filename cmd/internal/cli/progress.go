package cli

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portsift/portsift/capture"
)

// progress draws a one-line bar on a terminal's stderr while a long read
// runs: bytes read of the total, the rate, and the time left. It reads the
// reader's atomic counters from its own goroutine and never slows the loop.
type progress struct {
	done chan struct{}
	out  chan struct{}
}

// progressSource is what the bar reads: capture.Reader's atomic counters.
type progressSource interface {
	Progress() (read, total int64)
	Frames() uint64
}

var _ progressSource = (*capture.Reader)(nil)

// Progress bar timing: nothing for reads shorter than progressDelay.
var (
	progressDelay = time.Second
	progressTick  = 200 * time.Millisecond
)

// startProgress draws the bar on w, fitted at every redraw to the width
// that width returns (0: no limit).
func startProgress(w io.Writer, width func() int, rd progressSource) *progress {
	p := &progress{done: make(chan struct{}), out: make(chan struct{})}
	go func() {
		defer close(p.out)
		start := time.Now()
		tick := time.NewTicker(progressTick)
		defer tick.Stop()
		drawn := false
		for {
			select {
			case <-p.done:
				if drawn {
					fmt.Fprint(w, "\r\033[K")
				}
				return
			case <-tick.C:
			}
			el := time.Since(start)
			if el < progressDelay { // short reads get no bar
				continue
			}
			read, total := rd.Progress()
			fmt.Fprintf(w, "\r\033[K%s", progressLine(read, total, rd.Frames(), el, width()))
			drawn = true
		}
	}()
	return p
}

func (p *progress) stop() {
	close(p.done)
	<-p.out
}

// Bar widths, in columns between the brackets.
const (
	barMax = 30
	barMin = 10
)

// progressLine is the bar after el of a read of total bytes (0: unknown,
// standard input) that has read bytes and frames so far:
//
//	[=========                     ]  31% 28.0 MB of 90.2 MB, 412345 packets/s, 2s left
//
// fitted to a terminal width columns wide (0: no limit) in at most width-1
// columns, so that the cursor never reaches the last column, where a
// terminal wraps and the next redraw's \r leaves the line behind. The
// first of these that fits is drawn: the bar (30 columns, or down to 10)
// with everything; the bar without the rate; the bar with the percentage
// and byte counts; no bar: the percentage, byte counts and time left; the
// percentage and time left; the percentage, cut if need be. Without a
// total: the bytes read and the rate; the bytes read.
func progressLine(read, total int64, frames uint64, el time.Duration, width int) string {
	room := width - 1
	if width <= 0 {
		room = int(^uint(0) >> 1)
	}
	rate := fmt.Sprintf("%.0f packets/s", float64(frames)/el.Seconds())
	if total <= 0 {
		if line := humanBytes(read) + " read, " + rate; len(line) <= room {
			return line
		}
		return statusFit(humanBytes(read)+" read", width)
	}
	frac := min(float64(read)/float64(total), 1) // a file that grows while it is read
	left := time.Duration(float64(el) * (1 - frac) / max(frac, 1e-9)).Round(time.Second)
	pct := fmt.Sprintf("%3.0f%%", frac*100)
	amounts := fmt.Sprintf("%s of %s", humanBytes(read), humanBytes(total))
	for _, c := range []struct {
		bar  bool
		text string
	}{
		{true, fmt.Sprintf("%s %s, %s, %s left", pct, amounts, rate, left)},
		{true, fmt.Sprintf("%s %s, %s left", pct, amounts, left)},
		{true, pct + " " + amounts},
		{false, fmt.Sprintf("%s %s, %s left", pct, amounts, left)},
		{false, fmt.Sprintf("%s, %s left", pct, left)},
	} {
		if !c.bar {
			if len(c.text) <= room {
				return c.text
			}
			continue
		}
		if n := min(barMax, room-len(c.text)-3); n >= barMin {
			filled := int(frac * float64(n))
			return fmt.Sprintf("[%s%s] %s", strings.Repeat("=", filled), strings.Repeat(" ", n-filled), c.text)
		}
	}
	return statusFit(pct, width)
}

// statusFit cuts a status line for a terminal width columns wide (0: no
// limit) to width-1 columns.
func statusFit(line string, width int) string {
	if width <= 0 || utf8.RuneCountInString(line) < width {
		return line
	}
	return string([]rune(line)[:max(width-1, 0)])
}

func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n)/unit, 0
	for f >= unit && i < 4 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %cB", f, "kMGTP"[i])
}
