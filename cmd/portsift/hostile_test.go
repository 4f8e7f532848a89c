//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/gopacket"

	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/capture/sharedtest"
	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/classify/pipeline"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
)

// Hostile input through the binary: every corrupt and real capture, floods,
// signals in the middle of a read, a reader that goes away.

// run is portsift() with the child's peak resident memory (KiB).
func runRSS(t *testing.T, args ...string) (result, int64) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command(exe, args...)
	c.Dir = root
	c.Env = append(os.Environ(), "PORTSIFT_E2E=1")
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	err = c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var rss int64
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	return result{code, out.String(), errOut.String()}, rss
}

// TestReadHostileFiles reads every crafted file in testdata/corrupt and
// every real trace in ../shared/traces, all in one run (as one stream) and
// then the readable ones alone. The report lists every file with the
// frames read from it and what stopped it, the same as reading that file
// alone with pipeline.ReadFiles gives; stderr has exactly one line per
// failed file, its error, naming the file and the byte offset of the fault;
// exit 1, and 0 for the readable files. No panic, no trace; the run's
// memory stays far below what a corrupt length claims.
func TestReadHostileFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(root, "testdata/corrupt/*"))
	for i, f := range files {
		files[i] = strings.TrimPrefix(f, root+"/")
	}
	abs, _ := filepath.Abs(root)
	for _, f := range sharedtest.Traces() { // named from root, as the corrupt files
		rel, err := filepath.Rel(abs, f)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, rel)
	}
	if len(files) < 28 {
		t.Fatalf("only %d files found", len(files))
	}
	r, rss := runRSS(t, append([]string{"read", "-o", "json"}, files...)...)
	if strings.Contains(r.errOut, "panic") || strings.Contains(r.errOut, "goroutine ") {
		t.Fatalf("Go trace on stderr:\n%s", r.errOut)
	}
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	rep := parseReport(t, r)
	if len(rep.Sources) != len(files) {
		t.Fatalf("%d sources for %d files", len(rep.Sources), len(files))
	}
	var wantErr strings.Builder
	var readable []string
	var frames uint64
	for i, f := range files {
		src := rep.Sources[i]
		frames += src.Frames
		alone, err := pipeline.ReadFiles(t.Context(), []string{filepath.Join(root, f)}, pipeline.Options{})
		if alone == nil {
			t.Errorf("%s: no report alone: %v", f, err)
			continue
		}
		a := alone.Sources[0]
		if src.Name != f || src.Frames != a.Frames || src.Error != strings.ReplaceAll(a.Error, filepath.Join(root, f), f) {
			t.Errorf("%s: in the run %+v, alone %+v", f, src, a)
		}
		if src.Error == "" {
			readable = append(readable, f)
			continue
		}
		wantErr.WriteString("portsift: " + src.Error + "\n")
		if !strings.Contains(src.Error, `"`+f+`"`) || !(strings.Contains(src.Error, "byte ") || strings.HasSuffix(src.Error, "(empty)")) {
			t.Errorf("%s: error %q does not name the file and the byte offset", f, src.Error)
		}
	}
	if frames != rep.Frames {
		t.Errorf("sources read %d frames, the report counts %d", frames, rep.Frames)
	}
	if r.errOut != wantErr.String() {
		t.Errorf("stderr:\n%s\nwant one line per failed file:\n%s", r.errOut, wantErr.String())
	}
	t.Logf("%d files, %d of them readable to the end, %d frames; peak RSS %d KiB", len(files), len(readable), rep.Frames, rss)
	// The race detector's shadow memory inflates the child; the bound is
	// for a normal build, where this run needs about 40 MiB.
	if !raceEnabled && rss > 100<<10 {
		t.Errorf("the run took %d KiB of memory: some length in a corrupt file was believed", rss)
	}
	r, _ = runRSS(t, append([]string{"read", "-o", "json"}, readable...)...)
	if r.code != 0 || r.errOut != "" {
		t.Errorf("the readable files: exit %d, stderr %q; want 0 and nothing", r.code, r.errOut)
	}
}

// TestReadSignals: SIGINT or SIGTERM while read waits on a FIFO that a
// writer keeps open and quiet: the report of the frames read so far on
// stdout, "interrupted" on stderr, exit 130. Without the interrupt reaching
// the blocked read, the child would wait forever (the test's deadline).
func TestReadSignals(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const frames = 3000 // 3 MB of 1 kB frames: more than the pipe and the read buffer hold
	var file bytes.Buffer
	if err := writeFlood(&file, frames, bigFrame); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			fifo := filepath.Join(t.TempDir(), "live.pcap")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			c := exec.Command(exe, "read", "-o", "json", fifo)
			c.Env = append(os.Environ(), "PORTSIFT_E2E=1")
			var out, errOut bytes.Buffer
			c.Stdout, c.Stderr = &out, &errOut
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { c.Wait(); close(done) }()
			t.Cleanup(func() {
				select {
				case <-done:
				default:
					c.Process.Kill()
					<-done
				}
			})
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // waits for the child to open it
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close() // only after the child exited: the read must be waiting, not at EOF
			// All written means the child took all but what the pipe
			// (64 KiB) holds: it has been reading for a while.
			if _, err := w.Write(file.Bytes()); err != nil {
				t.Fatal(err)
			}
			if err := c.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatalf("no exit within a minute of %v: the read blocked on the FIFO was not interrupted\nstderr: %s", sig, errOut.String())
			}
			r := result{c.ProcessState.ExitCode(), out.String(), errOut.String()}
			if r.code != 130 {
				t.Errorf("exit %d after %v, want 130; stderr %q", r.code, sig, r.errOut)
			}
			if r.errOut != "portsift: interrupted; the report covers the packets read so far\n" {
				t.Errorf("stderr %q", r.errOut)
			}
			rep := parseReport(t, r)
			if rep.Frames == 0 || rep.Frames > frames || rep.Sources[0].Frames != rep.Frames || rep.Sources[0].Error != "" {
				t.Errorf("report of the interrupted read: %d frames, source %+v; want the frames read so far (1 to %d)", rep.Frames, rep.Sources[0], frames)
			}
			t.Logf("%v after %d of %d frames", sig, rep.Frames, frames)
		})
	}
}

// TestReadBrokenPipe: `portsift read x -o json | head -1`, where head has
// gone when the report is written: nothing on stderr, and the process dies
// of SIGPIPE, as tcpdump and cat do (a shell says 141). The Go runtime
// does so for a write to standard output even when SIGPIPE was ignored by
// whoever started portsift (the second case). TestMainBrokenPipe (package
// cmd) covers a broken pipe that is not standard output: exit 141, silent.
func TestReadBrokenPipe(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		argv []string
	}{
		{"default", []string{exe}},
		{"SIGPIPE ignored", []string{"/bin/sh", "-c", `trap "" PIPE; exec "$0" "$@"`, exe}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			pr.Close() // the reader is gone before anything is written
			c := exec.Command(tt.argv[0], append(tt.argv[1:], "read", "-o", "json", mixed)...)
			c.Dir = root
			c.Env = append(os.Environ(), "PORTSIFT_E2E=1")
			var errOut bytes.Buffer
			c.Stdout, c.Stderr = pw, &errOut
			err = c.Run()
			pw.Close()
			if _, ok := err.(*exec.ExitError); !ok && err != nil {
				t.Fatal(err)
			}
			ws := c.ProcessState.Sys().(syscall.WaitStatus)
			switch {
			case errOut.Len() != 0:
				t.Errorf("stderr %q, want nothing", errOut.String())
			case !(ws.Signaled() && ws.Signal() == syscall.SIGPIPE):
				t.Errorf("ended with %v, want death by SIGPIPE", c.ProcessState)
			}
		})
	}
}

// TestReadFloods reads generated floods end to end: a million SYNs from
// distinct sources (every one a new flow: the table stays at --max-flows,
// the rest is evicted and counted) and a million first fragments that
// never complete (the fragment table stays at 65,536). The peak memory of
// the run stays under the documented bound (README, Hostile input).
func TestReadFloods(t *testing.T) {
	if testing.Short() {
		t.Skip("floods skipped under -short")
	}
	n := 1 << 20
	if raceEnabled {
		n = 1 << 17 // the race-instrumented child reads about 10 times slower
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		name  string
		frame func(i int, b []byte)
		check func(t *testing.T, r *report.Report)
	}{
		{"syn", synFrame, func(t *testing.T, r *report.Report) {
			evicted := uint64(n - classify.DefaultMaxFlows)
			if n < classify.DefaultMaxFlows {
				evicted = 0
			}
			if r.Flows.Total != uint64(n) || r.Flows.Evicted != evicted || r.Flows.ByReason["handshake"] != uint64(n) {
				t.Errorf("flows %+v, want %d by handshake, %d evicted", r.Flows, n, evicted)
			}
		}},
		{"fragments", fragFrame, func(t *testing.T, r *report.Report) {
			if r.Flows.Total != uint64(n>>10) || r.Fragments.Untracked != uint64(n-65536) {
				t.Errorf("flows %+v, fragments %+v; want %d flows, %d first fragments forgotten", r.Flows, r.Fragments, n>>10, n-65536)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".pcap")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			bw := bufio.NewWriterSize(f, 1<<20)
			if err := writeFlood(bw, n, tt.frame); err != nil {
				t.Fatal(err)
			}
			if err := errorsJoin(bw.Flush(), f.Close()); err != nil {
				t.Fatal(err)
			}
			r, rss := runRSS(t, "read", "-o", "json", path)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.errOut)
			}
			rep := parseReport(t, r)
			if rep.Frames != uint64(n) {
				t.Errorf("%d frames, want %d", rep.Frames, n)
			}
			tt.check(t, rep)
			t.Logf("%d frames: peak RSS %d MiB", n, rss>>10)
			if !raceEnabled && rss > floodRSSBound>>10 {
				t.Errorf("peak RSS %d KiB, more than the documented %d MiB", rss, floodRSSBound>>20)
			}
		})
	}
}

// floodRSSBound is the documented peak memory of `portsift read` on a
// flood with the default bounds: the tables' live heap at their bounds
// (README: about 200 MiB in the worst case), plus the garbage collector's
// headroom over it and the runtime.
const floodRSSBound = 320 << 20

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// writeFlood writes a pcap of n frames made by frame (which fills b in
// place, b being reused), one microsecond apart.
func writeFlood(w interface{ Write([]byte) (int, error) }, n int, frame func(i int, b []byte)) error {
	wr, err := capture.NewWriter(w, false, vocab.LinkEthernet, 0)
	if err != nil {
		return err
	}
	b := make([]byte, 2048)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		frame(i, b)
		size := int(binary.BigEndian.Uint16(b[16:])) + 14 // IPv4 total length + Ethernet
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Microsecond), CaptureLength: size, Length: size}
		if err := wr.WritePacket(ci, b[:size]); err != nil {
			return err
		}
	}
	return wr.Close()
}

// ipv4Frame writes an Ethernet + IPv4 header (no options) into b and
// returns the IPv4 header: src, dst, protocol, total length, ID, flags and
// fragment offset set, checksum computed.
func ipv4Frame(b []byte, src, dst [4]byte, proto uint8, total, id, frag uint16) {
	copy(b, []byte{0x02, 0, 0xc6, 0x12, 0, 1, 0x02, 0, 0xc6, 0x12, 0, 2, 0x08, 0x00}) // to vA's MAC, from vB's; IPv4
	ip := b[14:34]
	ip[0], ip[1] = 0x45, 0 // version 4, IHL 5; TOS
	binary.BigEndian.PutUint16(ip[2:], total)
	binary.BigEndian.PutUint16(ip[4:], id)
	binary.BigEndian.PutUint16(ip[6:], frag)
	ip[8], ip[9] = 64, proto // TTL, protocol
	ip[10], ip[11] = 0, 0
	copy(ip[12:], src[:])
	copy(ip[16:], dst[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
}

// synFrame is the i-th SYN of a flood: from a pseudo-random source
// address and port (distinct for every i) to 198.18.0.1:80. TCP checksums
// are left 0 (portsift does not check them).
func synFrame(i int, b []byte) {
	x := rand.New(rand.NewPCG(uint64(i), 7)).Uint32()
	src := [4]byte{byte(10 + i>>22), byte(i >> 14), byte(i >> 6), byte(x)}
	ipv4Frame(b, src, [4]byte{198, 18, 0, 1}, 6, 40, uint16(i), 0x4000)
	tcp := b[34:54]
	clear(tcp)
	binary.BigEndian.PutUint16(tcp[0:], uint16(1024+(i&63)<<9+int(x>>23)))
	binary.BigEndian.PutUint16(tcp[2:], 80)
	binary.BigEndian.PutUint32(tcp[4:], x) // sequence number
	tcp[12], tcp[13] = 5<<4, 0x02          // data offset 5, SYN
	binary.BigEndian.PutUint16(tcp[14:], 65535)
}

// fragFrame is the i-th of a flood of first fragments (more fragments
// announced, none sent) of UDP datagrams to 198.18.0.1:2049: a new source
// every 1,024 fragments, the IP ID counting up, so that every (source, ID)
// is new (the 16-bit ID alone repeats every 65,536).
func fragFrame(i int, b []byte) {
	src := [4]byte{10, 0, byte(i >> 18), byte(i >> 10)}
	ipv4Frame(b, src, [4]byte{198, 18, 0, 1}, 17, 20+8+16, uint16(i), 0x2000) // MF, offset 0
	udp := b[34:58]
	clear(udp)
	binary.BigEndian.PutUint16(udp[0:], 700)
	binary.BigEndian.PutUint16(udp[2:], 2049)
	binary.BigEndian.PutUint16(udp[4:], 8+1400) // the whole datagram's length
}

// bigFrame is a 1,014-byte UDP datagram from 10.0.0.1:5000 to 198.18.0.1:53.
func bigFrame(i int, b []byte) {
	ipv4Frame(b, [4]byte{10, 0, 0, 1}, [4]byte{198, 18, 0, 1}, 17, 1000, uint16(i), 0)
	udp := b[34:1014]
	clear(udp)
	binary.BigEndian.PutUint16(udp[0:], 5000)
	binary.BigEndian.PutUint16(udp[2:], 53)
	binary.BigEndian.PutUint16(udp[4:], 980)
}
