package cmd

import (
	"fmt"
	"io"
	"strings"
	"time"

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

func startProgress(w io.Writer, rd progressSource) *progress {
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
			frames := rd.Frames()
			rate := float64(frames) / el.Seconds()
			line := fmt.Sprintf("%s read, %.0f packets/s", humanBytes(read), rate)
			if total > 0 {
				frac := min(float64(read)/float64(total), 1) // a file that grows while it is read
				const width = 30
				n := int(frac * width)
				left := time.Duration(float64(el) * (1 - frac) / max(frac, 1e-9)).Round(time.Second)
				line = fmt.Sprintf("[%s%s] %3.0f%% %s of %s, %.0f packets/s, %s left",
					strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, humanBytes(read), humanBytes(total), rate, left)
			}
			fmt.Fprintf(w, "\r\033[K%s", line)
			drawn = true
		}
	}()
	return p
}

func (p *progress) stop() {
	close(p.done)
	<-p.out
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
