package capture

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// ErrSymlink is the error CreateOutput and CheckOutput give for a symbolic
// link at the output name: they never write through one, even with force.
var ErrSymlink = errors.New("is a symbolic link")

// errExists is fs.ErrExist with open(2)'s words for it.
var errExists error = existsError{}

type existsError struct{}

func (existsError) Error() string        { return "file exists" }
func (existsError) Is(target error) bool { return target == fs.ErrExist }

// CreateOutput opens name for writing an output file (sniff -w, --flows),
// by the one rule every output follows. portsift often runs as root, and a
// mistyped or planted name must not destroy a file:
//
//   - A new file is created (mode 0644) with O_CREATE|O_EXCL|O_NOFOLLOW.
//   - An existing regular file is refused (errors.Is fs.ErrExist) unless
//     force, which truncates it once opened.
//   - A symbolic link at name, dangling or not, is always refused
//     (ErrSymlink): it is never followed.
//   - Anything else that exists (a character device such as /dev/null, a
//     terminal, a FIFO) is opened for writing as it is, never truncated; a
//     FIFO's open waits for its reader.
//
// Errors are *fs.PathError with Op "create".
func CreateOutput(name string, force bool) (*os.File, error) {
	for try := 0; ; try++ {
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|oNoFollow, 0o644)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, outputError(name, err)
		}
		// Something is there (O_EXCL fails for any symlink too). What it is
		// decides; a name that vanished in between is tried again.
		fi, err := os.Lstat(name)
		if errors.Is(err, fs.ErrNotExist) && try < 3 {
			continue
		}
		if err != nil {
			return nil, outputError(name, err)
		}
		if err := refuse(fi.Mode(), force); err != nil {
			return nil, outputError(name, err)
		}
		f, err = os.OpenFile(name, os.O_WRONLY|oNoFollow, 0)
		if errors.Is(err, fs.ErrNotExist) && try < 3 {
			continue
		}
		if err != nil {
			if isLoop(err) { // replaced by a symlink since the Lstat
				err = ErrSymlink
			}
			return nil, outputError(name, err)
		}
		// What was opened, which may not be what Lstat saw.
		if fi, err = f.Stat(); err != nil {
			f.Close()
			return nil, outputError(name, err)
		}
		if err := refuse(fi.Mode(), force); err != nil {
			f.Close()
			return nil, outputError(name, err)
		}
		if fi.Mode().IsRegular() { // force
			if err := f.Truncate(0); err != nil {
				f.Close()
				return nil, outputError(name, err)
			}
		}
		return f, nil
	}
}

// CheckOutput returns the error CreateOutput would return for what is at
// name now, without creating or opening anything: a command calls it
// before its inputs are opened, so a refused output fails at once.
// CreateOutput checks again when it opens the file.
func CheckOutput(name string, force bool) error {
	fi, err := os.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // created later; a missing directory is CreateOutput's error
	}
	if err != nil {
		return outputError(name, err)
	}
	if err := refuse(fi.Mode(), force); err != nil {
		return outputError(name, err)
	}
	return nil
}

// refuse applies the rule to an existing file of mode m.
func refuse(m fs.FileMode, force bool) error {
	switch {
	case m&fs.ModeSymlink != 0:
		return ErrSymlink
	case m.IsRegular() && !force:
		return errExists
	case m.IsDir():
		return syscall.EISDIR
	}
	return nil
}

func outputError(name string, err error) error {
	return &fs.PathError{Op: "create", Path: name, Err: cause(err)}
}
