//go:build linux && cgo

package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portsift/portsift/classify"
)

// procStatus returns the Uid, Gid, Groups, CapEff and CapPrm lines of
// every thread of process pid (/proc/PID/task/*/status), one string per
// thread: privileges must be dropped in all of them.
func procStatus(t *testing.T, pid int) []string {
	t.Helper()
	tasks, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/status")
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no threads of %d: %v", pid, err)
	}
	var out []string
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			continue // the thread ended
		}
		var keep []string
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) > 0 && (f[0] == "Uid:" || f[0] == "Gid:" || f[0] == "Groups:" || f[0] == "CapEff:" || f[0] == "CapPrm:") {
				keep = append(keep, strings.Join(f, " "))
			}
		}
		out = append(out, strings.Join(keep, "; "))
	}
	return out
}

// TestSniffDropsPrivileges: started as root, sniff opens the capture, then
// runs as nobody (uid, gid and groups 65534, no capabilities left in any
// thread) and still counts the traffic mix exactly; -Z root keeps root;
// an unknown user fails before the capture opens.
func TestSniffDropsPrivileges(t *testing.T) {
	needLive(t)
	t.Parallel()
	n := newTestNet(t)
	n.servers(t)
	s := startSniff(t, n.a, "-i", "vA", "--immediate-mode", "-o", "json", "-c", strconv.Itoa(mixFrames))
	want := "Uid: 65534 65534 65534 65534; Gid: 65534 65534 65534 65534; Groups: 65534; CapPrm: 0000000000000000; CapEff: 0000000000000000"
	threads := procStatus(t, s.cmd.Process.Pid)
	for i, st := range threads {
		if st != want {
			t.Errorf("thread %d of %d: %s\nwant %s", i, len(threads), st, want)
		}
	}
	t.Logf("%d threads: %s", len(threads), threads[0])
	if !strings.Contains(s.errOut.String(), ", running as nobody (uid 65534, gid 65534)\n") {
		t.Errorf("stderr %q does not say whom it runs as", s.errOut.String())
	}
	n.mix(t)
	r := s.wait(t)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	checkMix(t, parseReport(t, r))

	s = startSniff(t, n.a, "-i", "vA", "-Z", "root", "--duration", "5s", "-o", "json")
	if st := procStatus(t, s.cmd.Process.Pid)[0]; !strings.HasPrefix(st, "Uid: 0 0 0 0; Gid: 0 0 0 0;") {
		t.Errorf("-Z root: %s, want uid and gid 0", st)
	}
	if strings.Contains(s.errOut.String(), "running as") {
		t.Errorf("-Z root: stderr %q", s.errOut.String())
	}
	s.stop(t, syscall.SIGTERM)

	exe, _ := os.Executable()
	c := exec.Command("ip", "netns", "exec", n.a.name, exe, "sniff", "-i", "vA", "-Z", "no-such-user-here")
	c.Env = append(os.Environ(), "PORTSIFT_E2E=1")
	out, _ := c.CombinedOutput()
	if code := c.ProcessState.ExitCode(); code != 1 {
		t.Errorf("-Z no-such-user-here: exit %d, want 1", code)
	}
	oneLine(t, string(out), "-Z no-such-user-here: no such user")
	if strings.Contains(string(out), "listening") {
		t.Errorf("-Z with an unknown user opened the capture: %q", out)
	}
}

// TestSniffWithCapabilities follows the README: a copy of the binary given
// CAP_NET_RAW and CAP_NET_ADMIN with setcap, run by an unprivileged user
// (nobody), captures, and refuses -Z (only root changes user).
func TestSniffWithCapabilities(t *testing.T) {
	needLive(t)
	setcap, err1 := exec.LookPath("setcap")
	setpriv, err2 := exec.LookPath("setpriv")
	if err1 != nil || err2 != nil {
		t.Skip("needs setcap (apt-get install libcap2-bin) and setpriv (util-linux)")
	}
	t.Parallel()
	n := newTestNet(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	bin := filepath.Join(dir, "portsift")
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	asNobody := func(args ...string) result {
		t.Helper()
		c := exec.Command("ip", append([]string{"netns", "exec", n.a.name, setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--", bin}, args...)...)
		c.Dir = "/"
		c.Env = append(os.Environ(), "PORTSIFT_E2E=1")
		var out, errOut bytes.Buffer
		c.Stdout, c.Stderr = &out, &errOut
		c.Run()
		return result{c.ProcessState.ExitCode(), out.String(), errOut.String()}
	}
	if r := asNobody("sniff", "-i", "vA", "--duration", "100ms"); r.code != 1 || !strings.Contains(r.errOut, "CAP_NET_RAW") {
		t.Fatalf("as nobody without capabilities: exit %d, stderr %q; want the CAP_NET_RAW message", r.code, r.errOut)
	}
	if out, err := exec.Command(setcap, "cap_net_raw,cap_net_admin+eip", bin).CombinedOutput(); err != nil {
		t.Skipf("setcap: %v: %s", err, out)
	}
	r := asNobody("sniff", "-i", "vA", "--duration", "300ms", "-o", "json")
	if r.code != 0 || strings.Contains(r.errOut, "running as") {
		t.Fatalf("as nobody with the capabilities: exit %d, stderr %q", r.code, r.errOut)
	}
	if rep := parseReport(t, r); rep.Capture == nil || !rep.Capture.Final {
		t.Errorf("capture section %+v", rep.Capture)
	}
	r = asNobody("sniff", "-i", "vA", "--duration", "100ms", "-Z", "root")
	if r.code != 1 {
		t.Errorf("-Z root, not root: exit %d, want 1", r.code)
	}
	oneLine(t, r.errOut, "-Z root: only root can change user (portsift runs as uid 65534)")
}

// TestSniffWriteNeverOverwrites: -w refuses an existing file and leaves it
// as it was; --force replaces it, but never writes through a symbolic
// link; --flows follows the same rule; -w - and --flows - write to
// standard output, and the report goes to standard error.
func TestSniffWriteNeverOverwrites(t *testing.T) {
	needLive(t)
	t.Parallel()
	n := newTestNet(t)
	file := filepath.Join(t.TempDir(), "precious.pcap")
	if err := os.WriteFile(file, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	inA := func(args ...string) result {
		c := exec.Command("ip", append([]string{"netns", "exec", n.a.name, exe, "sniff", "-i", "vA", "--duration", "200ms", "-q"}, args...)...)
		c.Env = append(os.Environ(), "PORTSIFT_E2E=1")
		var out, errOut bytes.Buffer
		c.Stdout, c.Stderr = &out, &errOut
		c.Run()
		return result{c.ProcessState.ExitCode(), out.String(), errOut.String()}
	}
	r := inA("-w", file)
	if r.code != 1 || r.out != "" {
		t.Errorf("-w over an existing file: exit %d, stdout %q; want 1, nothing", r.code, r.out)
	}
	oneLine(t, r.errOut, `-w "`+file+`": file exists (use --force to overwrite)`)
	if b, _ := os.ReadFile(file); string(b) != "keep me" {
		t.Errorf("the file now holds %q", b)
	}
	if r = inA("-w", file, "--force", "-o", "json"); r.code != 0 {
		t.Fatalf("-w --force: exit %d: %s", r.code, r.errOut)
	}
	if rr := portsift(t, nil, "read", "-o", "json", file); rr.code != 0 || parseReport(t, rr).Sources[0].Format != "pcap-ns" {
		t.Errorf("the file written with --force: exit %d, %s", rr.code, rr.errOut)
	}
	// A symbolic link is refused even with --force, and so is an existing
	// --flows file: the same rule.
	target, link := filepath.Join(filepath.Dir(file), "target"), filepath.Join(filepath.Dir(file), "link.pcap")
	if err := os.WriteFile(target, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	r = inA("-w", link, "--force")
	if r.code != 1 || r.out != "" {
		t.Errorf("-w over a symlink: exit %d, stdout %q; want 1, nothing", r.code, r.out)
	}
	oneLine(t, r.errOut, `-w "`+link+`": is a symbolic link (portsift never writes through one, even with --force)`)
	r = inA("--flows", target, "--flows-format", "csv")
	if r.code != 1 || r.out != "" {
		t.Errorf("--flows over a file: exit %d, stdout %q; want 1, nothing", r.code, r.out)
	}
	oneLine(t, r.errOut, `--flows "`+target+`": file exists (use --force to overwrite)`)
	if b, _ := os.ReadFile(target); string(b) != "keep me" {
		t.Errorf("the symlink's target now holds %q", b)
	}
	// -w - writes the capture to standard output, the report to stderr.
	if r = inA("-w", "-", "-o", "json"); r.code != 0 || !strings.HasPrefix(r.out, "\x4d\x3c\xb2\xa1") || !strings.Contains(r.errOut, `"final": true`) {
		t.Errorf("-w -: exit %d, stdout %q..., stderr %.300q", r.code, r.out[:min(len(r.out), 24)], r.errOut)
	}
	// --flows - likewise: the reports are not mixed into the flow log.
	if r = inA("--flows", "-", "-o", "json"); r.code != 0 || strings.Contains(r.out, "schema") || !strings.Contains(r.errOut, `"final": true`) {
		t.Errorf("--flows -: exit %d, stdout %q, stderr %.300q", r.code, r.out, r.errOut)
	}
}

// TestSniffFloodTcpreplay replays a SYN flood from distinct sources into
// the veth pair with tcpreplay while sniff captures with a small flow
// table: the table stays at --max-flows, every frame counted is a flow,
// the evictions are counted, and the peak memory stays bounded.
func TestSniffFloodTcpreplay(t *testing.T) {
	needLive(t)
	tcpreplay, err := exec.LookPath("tcpreplay")
	if err != nil {
		t.Skip("needs tcpreplay (apt-get install tcpreplay; make deps installs it)")
	}
	t.Parallel()
	const maxFlows = 65536
	frames := 200000
	if raceEnabled {
		frames = 100000
	}
	file := filepath.Join(t.TempDir(), "synflood.pcap")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := writeFlood(bw, frames, synFrame); err != nil {
		t.Fatal(err)
	}
	if err := errorsJoin(bw.Flush(), f.Close()); err != nil {
		t.Fatal(err)
	}
	n := newTestNet(t)
	s := startSniff(t, n.a, "-i", "vA", "-o", "json", "--max-flows", strconv.Itoa(maxFlows), "-c", strconv.Itoa(frames))
	out, err := exec.Command("ip", "netns", "exec", n.b.name, tcpreplay, "-q", "--topspeed", "-i", "vB", file).CombinedOutput()
	if err != nil {
		t.Fatalf("tcpreplay: %v\n%s", err, out)
	}
	var hwm string
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "VmHWM:") {
				hwm = strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
			}
		}
	}
	// sniff ends by itself at -c once it has counted every frame; if the
	// kernel dropped some, it never gets there and SIGINT ends it.
	var r result
	select {
	case <-s.done:
		r = s.wait(t)
	case <-time.After(10 * time.Second):
		r = s.stop(t, syscall.SIGINT)
	}
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	rep := parseReport(t, r)
	c := rep.Capture
	t.Logf("replayed %d SYNs: %d counted, kernel received %d, dropped %d; %d flows, %d evicted; peak RSS %s", frames, rep.Frames, c.Received, c.DroppedKernel, rep.Flows.Total, rep.Flows.Evicted, hwm)
	if rep.Frames == 0 || rep.Frames > uint64(frames) || c.Received < rep.Frames {
		t.Errorf("%d frames counted, kernel received %d, %d replayed", rep.Frames, c.Received, frames)
	}
	evicted := uint64(0)
	if rep.Frames > maxFlows {
		evicted = rep.Frames - maxFlows
	}
	// The table is cut back to --max-flows every classify.SettleFrames frames.
	if rep.Flows.Total != rep.Frames || rep.Flows.Evicted != evicted || c.FlowsActive > maxFlows+classify.SettleFrames {
		t.Errorf("flows %+v, %d active; want one per frame (%d), %d evicted, at most %d+%d active", rep.Flows, c.FlowsActive, rep.Frames, evicted, maxFlows, classify.SettleFrames)
	}
	if kb, err := strconv.Atoi(strings.TrimSuffix(hwm, " kB")); err == nil && !raceEnabled && kb > floodRSSBound>>10 {
		t.Errorf("peak RSS %s, more than the documented %d MiB", hwm, floodRSSBound>>20)
	}
}
