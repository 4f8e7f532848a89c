package cli

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// IOStreams are the streams a command reads and writes, and whether they
// are terminals (the table, the progress bar and colors depend on it).
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	OutTTY, ErrTTY bool
	// OutWidth and ErrWidth return the width in columns of the terminal
	// that Out and ErrOut are, read at each call since a window can be
	// resized. They are nil when the stream is not a terminal; see
	// terminalWidth.
	OutWidth, ErrWidth func() int
}

// SystemIO returns the process's standard streams.
func SystemIO() *IOStreams {
	ios := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	if ios.OutTTY {
		ios.OutWidth = fileWidth(os.Stdout)
	}
	if ios.ErrTTY {
		ios.ErrWidth = fileWidth(os.Stderr)
	}
	return ios
}

func fileWidth(f *os.File) func() int {
	return func() int {
		return terminalWidth(func() (int, int, error) { return term.GetSize(int(f.Fd())) }, os.Getenv("COLUMNS"))
	}
}

// defaultWidth is the width of a terminal that tells none.
const defaultWidth = 80

// terminalWidth is the width of a terminal: what the kernel says
// (TIOCGWINSZ, through size); when it says nothing (an error, or 0 columns,
// as on a serial console nobody sized), the COLUMNS variable if it holds a
// positive number; else 80. COLUMNS never applies to a pipe or a file:
// they get the whole table, whatever the variable says.
func terminalWidth(size func() (w, h int, err error), columns string) int {
	if w, _, err := size(); err == nil && w > 0 {
		return w
	}
	if n, err := strconv.Atoi(columns); err == nil && n > 0 {
		return n
	}
	return defaultWidth
}

// outWidth is the width the table written to Out must fit: 0 (no limit)
// unless Out is a terminal.
func (s *IOStreams) outWidth() int {
	switch {
	case !s.OutTTY:
		return 0
	case s.OutWidth == nil:
		return defaultWidth
	}
	return s.OutWidth()
}

// errWidth is outWidth for ErrOut.
func (s *IOStreams) errWidth() int {
	switch {
	case !s.ErrTTY:
		return 0
	case s.ErrWidth == nil:
		return defaultWidth
	}
	return s.ErrWidth()
}

// ttyTop is the number of service rows a table shows on a terminal when
// --top is not given: the busiest 20, then "(N more)" and the ephemeral
// row, a screenful.
const ttyTop = 20

// tableTop is the --top a table is written with: top when the flag was
// given (0: all), else ttyTop when the table goes to a terminal (tty) and
// all rows elsewhere.
func tableTop(top int, given, tty bool) int {
	if !given && tty {
		return ttyTop
	}
	return top
}

// TestIO returns streams backed by buffers, none of them a terminal.
func TestIO() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = new(bytes.Buffer), new(bytes.Buffer), new(bytes.Buffer)
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}
