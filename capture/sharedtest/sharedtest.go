package sharedtest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Env is the environment variable that names the shared directory.
const Env = "PORTSIFT_SHARED"

// Dir returns the shared data directory: $PORTSIFT_SHARED when set, else
// ../shared beside the module root (the directory holding go.mod, found
// from the working directory up). ok is false when it does not exist.
func Dir() (dir string, ok bool) {
	if d, set := os.LookupEnv(Env); set {
		dir = d
	} else {
		root, err := moduleRoot()
		if err != nil {
			return "", false
		}
		dir = filepath.Join(root, "..", "shared")
	}
	fi, err := os.Stat(dir)
	return dir, err == nil && fi.IsDir()
}

func moduleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", fs.ErrNotExist
		}
		d = up
	}
}

// Sub returns the shared subdirectory sub ("traces", "registry-data"),
// and whether it exists.
func Sub(sub string) (string, bool) {
	dir, ok := Dir()
	if !ok {
		return filepath.Join(dir, sub), false
	}
	p := filepath.Join(dir, sub)
	fi, err := os.Stat(p)
	return p, err == nil && fi.IsDir()
}

// Require returns the shared subdirectory sub, or skips t with the reason
// when it is absent.
func Require(t testing.TB, sub string) string {
	t.Helper()
	p, ok := Sub(sub)
	if !ok {
		t.Skipf("shared data absent (%s; set %s or put ../shared beside the checkout): skipping", p, Env)
	}
	return p
}

// File returns the path of name in the shared subdirectory sub, or skips t
// when the file (or the whole shared directory) is absent. Any other error
// fails the test.
func File(t testing.TB, sub, name string) string {
	t.Helper()
	p := filepath.Join(Require(t, sub), name)
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			t.Skipf("shared file absent (%s): skipping", p)
		}
		t.Fatal(err)
	}
	return p
}

// Trace returns the path of a public trace, or skips t when it is absent.
func Trace(t testing.TB, name string) string { t.Helper(); return File(t, "traces", name) }

// Traces returns every capture file in the shared traces directory, sorted
// (README.md left out), or nil when there is none. It never skips: callers
// that also test generated traces go on without these.
func Traces() []string {
	dir, ok := Sub("traces")
	if !ok {
		return nil
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*"))
	m = slices.DeleteFunc(m, func(f string) bool { return strings.HasSuffix(f, ".md") })
	slices.Sort(m)
	return m
}
