//go:build unix

package capture

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestOpenFIFO: Open only looks at a named pipe (opening it would wait for
// a writer, and closing it again would break the writer's next write), and
// Interrupt ends a Next that waits on a quiet pipe.
func TestOpenFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "live.pcap")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	opened := make(chan *Reader, 1)
	go func() {
		r, err := Open([]string{fifo}, Options{})
		if err != nil {
			t.Error(err)
		}
		opened <- r
	}()
	var r *Reader
	select {
	case r = <-opened:
	case <-time.After(time.Minute):
		t.Fatal("Open blocked on a FIFO with no writer")
	}
	if r == nil {
		return
	}
	// The writer: a header and three records, then silence, the pipe open.
	pkts := manyPackets(t, 3)
	file := pcapFile(t, 1, false, pkts)
	w := make(chan *os.File, 1)
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			w <- nil
			return
		}
		f.Write(file)
		w <- f
	}()
	for i := range 3 {
		if _, _, _, err := next(r); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	if f := <-w; f != nil {
		defer f.Close()
	}
	nextErr := make(chan error, 1)
	go func() {
		_, _, _, err := next(r) // waits: the writer is quiet
		nextErr <- err
	}()
	select {
	case err := <-nextErr:
		t.Fatalf("Next returned %v with the writer quiet and the pipe open", err)
	case <-time.After(50 * time.Millisecond):
	}
	r.Interrupt()
	select {
	case err := <-nextErr:
		if err != io.EOF {
			t.Errorf("Next after Interrupt = %v, want io.EOF", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Interrupt did not end a Next waiting on a FIFO")
	}
	if si := r.Sources()[0]; si.Frames != 3 || si.Err != nil {
		t.Errorf("source %+v, want 3 frames and no error: an interrupt is not the file's fault", si)
	}
	if err := r.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
	if _, _, _, err := next(r); err != io.EOF {
		t.Errorf("Next after the interrupted one = %v, want io.EOF", err)
	}
}
