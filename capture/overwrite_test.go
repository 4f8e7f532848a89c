//go:build unix

package capture

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/portsift/portsift/decode/vocab"
)

// TestCreateFileNeverOverwrites: CreateFile (sniff -w) refuses an existing
// file and a symbolic link, dangling or not, leaving what is there intact;
// OverwriteFile (-w --force) replaces the file but still refuses the links.
func TestCreateFileNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	precious := filepath.Join(dir, "precious.pcap")
	if err := os.WriteFile(precious, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.pcap")
	dangling := filepath.Join(dir, "dangling.pcap")
	if err := os.Symlink(precious, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "would-be-created"), dangling); err != nil {
		t.Fatal(err)
	}
	w, err := CreateFile(precious, vocab.LinkEthernet, 0)
	if err == nil {
		w.Close()
	}
	checkErr(t, "CreateFile(precious)", err, "create "+precious+": file exists", fs.ErrExist)
	for _, create := range []struct {
		name string
		fn   func(string, vocab.LinkType, int) (*Writer, error)
	}{{"CreateFile", CreateFile}, {"OverwriteFile", OverwriteFile}} {
		for _, name := range []string{link, dangling} {
			w, err := create.fn(name, vocab.LinkEthernet, 0)
			if err == nil {
				w.Close()
			}
			checkErr(t, create.name+"("+filepath.Base(name)+")", err, "create "+name+": is a symbolic link", ErrSymlink)
		}
	}
	if b, _ := os.ReadFile(precious); string(b) != "keep me" {
		t.Errorf("the existing file now holds %q", b)
	}
	if _, err := os.Lstat(filepath.Join(dir, "would-be-created")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a dangling symlink was followed: %v", err)
	}
	w, err = OverwriteFile(precious, vocab.LinkEthernet, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, info, err := OpenFile(precious); err != nil || info.Format != "pcap-ns" {
		t.Errorf("after OverwriteFile: %v, format %q; want an empty pcap", err, info.Format)
	}
}

// TestCreateOutput: the rule of every output file (-w, --flows), and
// CheckOutput agreeing with it for what is there.
func TestCreateOutput(t *testing.T) {
	dir := t.TempDir()
	long := filepath.Join(dir, "long.jsonl")
	if err := os.WriteFile(long, []byte("a longer line than what replaces it\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.jsonl")
	if err := os.Symlink(long, link); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		force  bool
		wantIs error // nil: opened
		msg    string
	}{
		{long, false, fs.ErrExist, "file exists"},
		{link, false, ErrSymlink, "is a symbolic link"},
		{link, true, ErrSymlink, "is a symbolic link"},
		{sub, false, syscall.EISDIR, "is a directory"},
		{sub, true, syscall.EISDIR, "is a directory"},
		{filepath.Join(dir, "no", "dir.jsonl"), false, fs.ErrNotExist, "no such file or directory"},
	} {
		f, err := CreateOutput(tt.name, tt.force)
		if err == nil {
			f.Close()
		}
		what := "CreateOutput(" + filepath.Base(tt.name) + ")"
		checkErr(t, what, err, "create "+tt.name+": "+tt.msg, tt.wantIs)
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Path != tt.name {
			t.Errorf("%s: %#v is not a *fs.PathError naming the file", what, err)
		}
		if tt.msg == "no such file or directory" {
			continue // CheckOutput leaves a missing directory to CreateOutput
		}
		checkErr(t, "CheckOutput("+filepath.Base(tt.name)+")", CheckOutput(tt.name, tt.force), "create "+tt.name+": "+tt.msg, tt.wantIs)
	}
	if b, _ := os.ReadFile(long); string(b) != "a longer line than what replaces it\n" {
		t.Errorf("a refused CreateOutput changed the file: %q", b)
	}

	// force truncates: nothing of the old content is left.
	if err := CheckOutput(long, true); err != nil {
		t.Errorf("CheckOutput(long, force): %v", err)
	}
	f, err := CreateOutput(long, true)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new\n")
	f.Close()
	if b, _ := os.ReadFile(long); string(b) != "new\n" {
		t.Errorf("after CreateOutput(force): %q, want %q", b, "new\n")
	}

	// A new file: 0644 (less the umask), refused the second time.
	fresh := filepath.Join(dir, "fresh.csv")
	if err := CheckOutput(fresh, false); err != nil {
		t.Errorf("CheckOutput(fresh): %v", err)
	}
	if f, err = CreateOutput(fresh, false); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm()&^0o644 != 0 || !fi.Mode().IsRegular() {
		t.Errorf("the new file: %v, %v", fi.Mode(), err)
	}
	if _, err := CreateOutput(fresh, false); !errors.Is(err, fs.ErrExist) {
		t.Errorf("CreateOutput over the file it made: %v", err)
	}

	// A character device is written as it is, with or without force.
	for _, force := range []bool{false, true} {
		if err := CheckOutput(os.DevNull, force); err != nil {
			t.Errorf("CheckOutput(%s, %v): %v", os.DevNull, force, err)
		}
		f, err := CreateOutput(os.DevNull, force)
		if err != nil {
			t.Errorf("CreateOutput(%s, %v): %v", os.DevNull, force, err)
			continue
		}
		if _, err := f.WriteString("x\n"); err != nil {
			t.Errorf("write %s: %v", os.DevNull, err)
		}
		f.Close()
	}

	// So is a FIFO: what is written reaches its reader.
	fifo := filepath.Join(dir, "flows.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		r, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		defer r.Close()
		b, _ := io.ReadAll(r)
		got <- string(b)
	}()
	if err := CheckOutput(fifo, false); err != nil {
		t.Errorf("CheckOutput(fifo): %v", err)
	}
	if f, err = CreateOutput(fifo, false); err != nil {
		t.Fatalf("CreateOutput(fifo): %v", err)
	}
	f.WriteString("through the pipe\n")
	f.Close()
	select {
	case s := <-got:
		if s != "through the pipe\n" {
			t.Errorf("the FIFO's reader got %q", s)
		}
	case <-time.After(time.Minute):
		t.Fatal("the FIFO's reader got nothing")
	}
}
