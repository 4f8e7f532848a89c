package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/portsift/portsift/capture"
)

// Every file a flag writes (sniff -w, read and sniff --flows) is opened
// here, by one rule (capture.CreateOutput): never over an existing regular
// file unless --force, never through a symbolic link, even with --force; a
// device or FIFO is written as it is. '-' and /dev/stdout name the
// command's standard output, /dev/stderr its standard error (those names
// are symbolic links, which the rule would refuse).

// std streams an output name can stand for.
const (
	notStd = iota
	stdOut
	stdErr
)

// stdStream tells whether name is standard output or standard error.
func stdStream(name string) int {
	switch name {
	case "-":
		return stdOut
	}
	switch filepath.Clean(name) {
	case "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1":
		return stdOut
	case "/dev/stderr", "/dev/fd/2", "/proc/self/fd/2":
		return stdErr
	}
	return notStd
}

// output is a file that flag writes.
type output struct {
	io.Writer
	flag, name string
	f          *os.File // nil for standard output and error, which stay open
}

// precheckOutput fails as openOutput would for what is at name now, without
// creating anything: commands call it before opening their inputs.
func precheckOutput(flag, name string, force bool) error {
	if stdStream(name) != notStd {
		return nil
	}
	if err := capture.CheckOutput(name, force); err != nil {
		return outputError(flag, err)
	}
	return nil
}

// openOutput opens name, the value of flag, by the rule above.
func openOutput(ios *IOStreams, flag, name string, force bool) (*output, error) {
	switch stdStream(name) {
	case stdOut:
		return &output{Writer: ios.Out, flag: flag, name: name}, nil
	case stdErr:
		return &output{Writer: ios.ErrOut, flag: flag, name: name}, nil
	}
	f, err := capture.CreateOutput(name, force)
	if err != nil {
		return nil, outputError(flag, err)
	}
	return &output{Writer: f, flag: flag, name: name, f: f}, nil
}

// Close closes the file (not a standard stream). It is safe to call more
// than once.
func (o *output) Close() error {
	if o == nil || o.f == nil {
		return nil
	}
	err := o.f.Close()
	o.f = nil
	if err != nil {
		return o.errorf(err)
	}
	return nil
}

// errorf names the flag and the file in err: --flows "x.jsonl": ...
func (o *output) errorf(err error) error {
	return fmt.Errorf("%s %q: %w", o.flag, o.name, err)
}

// outputError is one line naming the flag and the file, with what to do:
// --flows "x.jsonl": file exists (use --force to overwrite).
func outputError(flag string, err error) error {
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", flag, err)
	}
	hint := ""
	switch {
	case errors.Is(pe.Err, fs.ErrExist):
		hint = " (use --force to overwrite)"
	case errors.Is(pe.Err, capture.ErrSymlink):
		hint = " (portsift never writes through one, even with --force)"
	}
	return fmt.Errorf("%s %q: %w%s", flag, pe.Path, pe.Err, hint)
}
