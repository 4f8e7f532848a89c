package capture

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestCreateFileNeverOverwrites: CreateFile (sniff -w) refuses an existing
// file and a symbolic link, dangling or not, leaving what is there intact;
// OverwriteFile (-w --force) replaces the file.
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
	for _, name := range []string{precious, link, dangling} {
		w, err := CreateFile(name, LinkTypeEthernet, 0)
		if err == nil {
			w.Close()
			t.Errorf("CreateFile(%s) succeeded over an existing name", filepath.Base(name))
			continue
		}
		checkErr(t, "CreateFile", err, `create "`+name+`": file exists`, fs.ErrExist)
	}
	if b, _ := os.ReadFile(precious); string(b) != "keep me" {
		t.Errorf("the existing file now holds %q", b)
	}
	if _, err := os.Lstat(filepath.Join(dir, "would-be-created")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("CreateFile followed a dangling symlink: %v", err)
	}
	w, err := OverwriteFile(precious, LinkTypeEthernet, 0)
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
