//go:build linux && cgo

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
)

// The traffic mix every veth test sends from ns B to the servers in ns A,
// and what it must count to (mixFrames frames, all of them exact):
//
//	udp/53 domain      7 queries from 198.18.0.2:50001, each answered    14 frames, 1 flow (registry)
//	udp 50002 -> 41000 3 datagrams, each answered; both ports unnamed    6 frames, the ephemeral row
//	tcp/80 http        3 connections: handshake, then RST from client    12 frames, 3 flows (handshake)
//	tcp/46000 unknown  1 connection to a high unnamed port               4 frames, 1 flow (handshake)
//	tcp/31337 eldim    1 connection to a backdoor port: an alert         4 frames, 1 flow (handshake)
//
// A connection closed with SO_LINGER 0 is exactly SYN, SYN+ACK, ACK, RST;
// the listeners never accept, so the servers send nothing else.
const (
	mixFrames = 40
	portDNS   = 53
	portEphA  = 41000 // the "server" of the ephemeral flow
	portHTTP  = 80
	portHigh  = 46000
	portBad   = 31337
	cliDNS    = 50001
	cliEph    = 50002
)

// checkPorts fails the test if the registry changed under the mix: the
// ports meant to be unnamed must be unnamed.
func checkPorts(t *testing.T) {
	t.Helper()
	reg := registry.Default()
	for _, p := range []struct {
		proto vocab.Proto
		port  uint16
	}{{17, portEphA}, {17, cliDNS}, {17, cliEph}, {6, portHigh}} {
		if name := reg.Name(p.proto, p.port); name != "" {
			t.Fatalf("port %d/%v is now named %q in the registry: pick another unnamed port for this test", p.port, p.proto, name)
		}
	}
}

// servers starts, in ns A, UDP echo servers on 53 and 41000 and TCP
// listeners that never accept on 80, 46000 and 31337.
func (n *testNet) servers(t *testing.T) {
	t.Helper()
	var closers []io.Closer
	err := n.a.do(func() error {
		for _, p := range []int{portDNS, portEphA} {
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(addrA), Port: p})
			if err != nil {
				return err
			}
			closers = append(closers, c)
			go func() {
				buf := make([]byte, 2048)
				for {
					k, from, err := c.ReadFromUDP(buf)
					if err != nil {
						return
					}
					c.WriteToUDP(append([]byte("re: "), buf[:k]...), from)
				}
			}()
		}
		for _, p := range []int{portHTTP, portHigh, portBad} {
			l, err := net.Listen("tcp4", net.JoinHostPort(addrA, strconv.Itoa(p)))
			if err != nil {
				return err
			}
			closers = append(closers, l)
		}
		return nil
	})
	t.Cleanup(func() {
		for _, c := range closers {
			c.Close()
		}
	})
	if err != nil {
		t.Fatalf("servers in %s: %v", n.a.name, err)
	}
}

// mix sends the traffic mix from ns B and waits for every answer.
func (n *testNet) mix(t *testing.T) {
	t.Helper()
	err := n.b.do(func() error {
		udp := func(cport, sport, count int) error {
			c, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.ParseIP(addrB), Port: cport}, &net.UDPAddr{IP: net.ParseIP(addrA), Port: sport})
			if err != nil {
				return err
			}
			defer c.Close()
			buf := make([]byte, 2048)
			for i := range count {
				msg := fmt.Sprintf("query %d", i)
				if _, err := c.Write([]byte(msg)); err != nil {
					return err
				}
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				k, err := c.Read(buf)
				if err != nil {
					return fmt.Errorf("answer to %q on port %d: %w", msg, sport, err)
				}
				if string(buf[:k]) != "re: "+msg {
					return fmt.Errorf("answer %q to %q", buf[:k], msg)
				}
			}
			return nil
		}
		if err := udp(cliDNS, portDNS, 7); err != nil {
			return err
		}
		if err := udp(cliEph, portEphA, 3); err != nil {
			return err
		}
		for _, p := range []int{portHTTP, portHTTP, portHTTP, portHigh, portBad} {
			c, err := net.DialTimeout("tcp4", net.JoinHostPort(addrA, strconv.Itoa(p)), 10*time.Second)
			if err != nil {
				return err
			}
			c.(*net.TCPConn).SetLinger(0) // close with a RST: no FIN exchange
			c.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("traffic from %s: %v", n.b.name, err)
	}
}

// checkMix asserts the exact counts of the traffic mix.
func checkMix(t *testing.T, r *report.Report) {
	t.Helper()
	if r.Frames != mixFrames || r.Buckets[vocab.BucketUDP].Frames != 20 || r.Buckets[vocab.BucketTCP].Frames != 20 {
		t.Errorf("frames %d (udp %d, tcp %d), want %d (udp 20, tcp 20); buckets %+v", r.Frames, r.Buckets[vocab.BucketUDP].Frames, r.Buckets[vocab.BucketTCP].Frames, mixFrames, r.Buckets)
	}
	for _, w := range []struct {
		proto         vocab.Proto
		port          uint16
		name          string
		flows, up, dn uint64
	}{
		{vocab.UDP, portDNS, "domain", 1, 7, 7},
		{vocab.TCP, portHTTP, "http", 3, 9, 3},
		{vocab.TCP, portHigh, "unknown", 1, 3, 1},
		{vocab.TCP, portBad, "eldim", 1, 3, 1},
	} {
		s := r.ServicePort(w.proto, w.port)
		if s == nil {
			t.Errorf("no service %s/%d in %+v", w.proto, w.port, r.Services)
			continue
		}
		if s.Name != w.name || s.Flows != w.flows || s.ToServer.Packets != w.up || s.ToClient.Packets != w.dn || s.Clients != 1 || s.Servers != 1 {
			t.Errorf("%s/%d: %s, %d flows, %d to server, %d to client, %d clients, %d servers; want %s, %d, %d, %d, 1, 1",
				w.proto, w.port, s.Name, s.Flows, s.ToServer.Packets, s.ToClient.Packets, s.Clients, s.Servers, w.name, w.flows, w.up, w.dn)
		}
	}
	if len(r.Services) != 4 {
		t.Errorf("%d services, want 4 (client ports must not become services): %+v", len(r.Services), r.Services)
	}
	if e := r.Ephemeral; e.Packets != 6 || e.Flows != 1 {
		t.Errorf("ephemeral row %+v, want 6 packets, 1 flow", e)
	}
	if len(r.Alerts) != 1 || r.Alerts[0].Port != portBad || strings.Join(r.Alerts[0].Hosts, " ") != addrA+" "+addrB {
		t.Errorf("alerts %+v, want tcp/31337 between %s and %s", r.Alerts, addrA, addrB)
	}
	want := map[string]uint64{"handshake": 5, "registry": 1, "ephemeral": 1}
	if r.Flows.Total != 7 || fmt.Sprint(r.Flows.ByReason) != fmt.Sprint(want) {
		t.Errorf("flows %d by reason %v, want 7 by %v", r.Flows.Total, r.Flows.ByReason, want)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sniffer is `portsift sniff` running inside a namespace.
type sniffer struct {
	cmd         *exec.Cmd
	out, errOut syncBuffer
	done        chan struct{}
	metrics     string // the /metrics URL, when --metrics-addr was given
}

var metricsURL = regexp.MustCompile(`serving metrics at (http://\S+/metrics)`)

// startSniff starts portsift sniff args... in ns and waits until it
// listens (its "listening on" line on stderr).
func startSniff(t *testing.T, ns *netns, args ...string) *sniffer {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := &sniffer{done: make(chan struct{})}
	s.cmd = exec.Command("ip", append([]string{"netns", "exec", ns.name, exe, "sniff"}, args...)...)
	s.cmd.Dir = root
	s.cmd.Env = append(os.Environ(), "PORTSIFT_E2E=1")
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.errOut
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	s.waitFor(t, "stderr", func() string { return s.errOut.String() }, "listening on")
	if m := metricsURL.FindStringSubmatch(s.errOut.String()); m != nil {
		s.metrics = m[1]
	}
	return s
}

// waitFor polls what() until it contains want; generous timeout, only
// reached on failure.
func (s *sniffer) waitFor(t *testing.T, name string, what func() string, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(what(), want) {
		select {
		case <-s.done:
			if strings.Contains(what(), want) {
				return
			}
			t.Fatalf("sniff exited (%v) before its %s had %q\nstdout:\n%s\nstderr:\n%s", s.cmd.ProcessState, name, want, s.out.String(), s.errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q on sniff's %s within 20s\nstdout:\n%s\nstderr:\n%s", want, name, s.out.String(), s.errOut.String())
		}
	}
}

// wait waits for sniff to exit on its own and returns its result.
func (s *sniffer) wait(t *testing.T) result {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		t.Fatalf("sniff did not exit within 30s\nstdout:\n%s\nstderr:\n%s", s.out.String(), s.errOut.String())
	}
	return result{s.cmd.ProcessState.ExitCode(), s.out.String(), s.errOut.String()}
}

func (s *sniffer) stop(t *testing.T, sig syscall.Signal) result {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	return s.wait(t)
}

// sameCountsLive compares a live report with the report of reading the
// file it wrote: equal except for the sources and the capture section.
func sameCountsLive(t *testing.T, what string, live, read *report.Report) {
	t.Helper()
	a, b := *live, *read
	a.Sources, b.Sources, a.Capture, b.Capture = nil, nil, nil, nil
	ja, _ := json.MarshalIndent(a, "", " ")
	jb, _ := json.MarshalIndent(b, "", " ")
	if !bytes.Equal(ja, jb) {
		t.Errorf("%s: the report of the written file differs from the live one:\n--- live\n%s\n--- read\n%s", what, ja, jb)
	}
}

// TestSniffCountsAndWrite captures the mix on vA and on any, stops at -c,
// checks every count, and reads the -w file back into the same report.
func TestSniffCountsAndWrite(t *testing.T) {
	needLive(t)
	t.Parallel()
	checkPorts(t)
	for _, tt := range []struct{ iface, file, format, link string }{
		{"vA", "mix.pcap", "pcap-ns", "ethernet"},
		{"any", "mix.pcapng", "pcapng", "linux-sll"},
	} {
		t.Run(tt.iface, func(t *testing.T) {
			n := newTestNet(t)
			n.servers(t)
			file := filepath.Join(t.TempDir(), tt.file)
			s := startSniff(t, n.a, "-i", tt.iface, "--immediate-mode", "-c", strconv.Itoa(mixFrames), "-o", "json", "-w", file)
			n.mix(t)
			r := s.wait(t)
			if r.code != 0 {
				t.Fatalf("sniff -c %d: exit %d\n%s", mixFrames, r.code, r.errOut)
			}
			rep := parseReport(t, r)
			checkMix(t, rep)
			src := rep.Sources[0]
			if len(rep.Sources) != 1 || src.Name != tt.iface || src.Format != "live" || fmt.Sprint(src.LinkTypes) != "["+tt.link+"]" || src.Frames != mixFrames {
				t.Errorf("sources %+v, want one: %s, live, %s, %d frames", rep.Sources, tt.iface, tt.link, mixFrames)
			}
			c := rep.Capture
			if c == nil || c.Interface != tt.iface || c.Received != mixFrames || c.DroppedKernel != 0 || !c.Final || c.FlowsActive != 7 {
				t.Errorf("capture %+v, want %s, %d received, 0 dropped, final, 7 active flows", c, tt.iface, mixFrames)
			}
			t.Logf("%s: %d frames captured, kernel received %d, dropped %d/%d", tt.iface, rep.Frames, c.Received, c.DroppedKernel, c.DroppedInterface)

			rr := portsift(t, nil, "read", "-o", "json", file)
			if rr.code != 0 {
				t.Fatalf("read %s: exit %d: %s", tt.file, rr.code, rr.errOut)
			}
			back := parseReport(t, rr)
			if back.Sources[0].Format != tt.format {
				t.Errorf("-w %s wrote %s, want %s", tt.file, back.Sources[0].Format, tt.format)
			}
			sameCountsLive(t, "-w "+tt.file, rep, back)
		})
	}
}

var updateMetrics = update // the -update flag of main_test.go

// TestSniffMetricsAndSIGINT scrapes /metrics of a running sniff once it has
// counted the mix, compares the scrape with a golden file, then stops it
// with SIGINT: the final report must count the same and the exit be 0.
func TestSniffMetricsAndSIGINT(t *testing.T) {
	needLive(t)
	t.Parallel()
	checkPorts(t)
	n := newTestNet(t)
	n.servers(t)
	s := startSniff(t, n.a, "-i", "vA", "--immediate-mode", "-o", "json", "--metrics-addr", "127.0.0.1:0") // snapshots every 1s (default)
	if s.metrics == "" {
		t.Fatalf("no metrics URL on stderr:\n%s", s.errOut.String())
	}
	if strings.Contains(s.errOut.String(), "warning") {
		t.Errorf("loopback metrics address warned: %s", s.errOut.String())
	}
	n.mix(t)
	client := n.a.httpClient()
	var body string
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get(s.metrics)
		if err != nil {
			t.Fatalf("GET %s: %v", s.metrics, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		if framesTotal(body) == mixFrames {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics never counted %d frames within 20s:\n%s", mixFrames, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	goldenMetrics(t, "metrics-sniff.prom", body)

	r := s.stop(t, syscall.SIGINT)
	if r.code != 0 {
		t.Fatalf("sniff after SIGINT: exit %d\n%s", r.code, r.errOut)
	}
	// With -o json and no --interval: one indented report, at the end.
	if !strings.HasPrefix(r.out, "{\n") || strings.Count(r.out, `"schema"`) != 1 {
		t.Errorf("stdout is not one indented JSON report:\n%s", r.out)
	}
	rep := parseReport(t, r)
	checkMix(t, rep)
	if rep.Capture == nil || !rep.Capture.Final || rep.Capture.Seconds <= 0 {
		t.Errorf("final capture section %+v", rep.Capture)
	}
}

// framesTotal sums portsift_frames_total over buckets.
func framesTotal(metrics string) int {
	total := 0
	for _, line := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(line, "portsift_frames_total{") {
			v, _ := strconv.Atoi(line[strings.LastIndexByte(line, ' ')+1:])
			total += v
		}
	}
	return total
}

func goldenMetrics(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(root, "testdata", "golden", name)
	if *updateMetrics {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/portsift -run Metrics -update creates it)", err)
	}
	if string(want) != got {
		t.Errorf("/metrics differs from %s (review, then -update):\n--- want\n%s\n--- got\n%s", name, want, got)
	}
}

// TestSniffJSONLinesAndFilter: -o json --interval prints one compact line
// per interval: the counts of the interval, with the cumulative report
// alongside; the deltas add up to the cumulative counts of every line. The
// BPF filter keeps only UDP; -c counts what the filter passed.
func TestSniffJSONLinesAndFilter(t *testing.T) {
	needLive(t)
	t.Parallel()
	n := newTestNet(t)
	n.servers(t)
	s := startSniff(t, n.a, "-i", "vA", "--immediate-mode", "-f", "udp", "-c", "20", "-o", "json", "--interval", "50ms")
	s.waitFor(t, "stdout", s.out.String, "\n") // an interval line before any traffic
	n.mix(t)
	r := s.wait(t)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	lines := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
	if len(lines) < 2 {
		t.Fatalf("%d lines, want at least an interval line and the final one:\n%s", len(lines), r.out)
	}
	var frames, udp, dns, received uint64
	var lastSec float64
	for i, line := range lines {
		var iv report.Interval
		if err := json.Unmarshal([]byte(line), &iv); err != nil {
			t.Fatalf("line %d is not a JSON interval: %v\n%s", i+1, err, line)
		}
		rep := iv.Cumulative
		if iv.Schema != report.IntervalSchema || iv.Seq != uint64(i+1) || rep == nil || rep.Capture == nil {
			t.Fatalf("line %d: schema %q, seq %d, cumulative %v", i+1, iv.Schema, iv.Seq, rep != nil)
		}
		if iv.Final != (i == len(lines)-1) || rep.Capture.Final != iv.Final {
			t.Errorf("line %d: final %v; only the last line is final", i+1, iv.Final)
		}
		frames += iv.Frames
		udp += iv.Buckets[vocab.BucketUDP].Frames
		received += iv.Capture.Received
		for _, sv := range iv.Services {
			if sv.Proto == vocab.UDP && sv.Port == portDNS {
				dns += sv.Packets
			}
		}
		var repDNS uint64
		if sv := rep.ServicePort(vocab.UDP, portDNS); sv != nil {
			repDNS = sv.Packets
		}
		if frames != rep.Frames || udp != rep.Buckets[vocab.BucketUDP].Frames || dns != repDNS || received != rep.Capture.Received {
			t.Errorf("line %d: the intervals so far add up to %d frames, %d udp, %d dns, %d received; the cumulative report says %d, %d, %d, %d",
				i+1, frames, udp, dns, received, rep.Frames, rep.Buckets[vocab.BucketUDP].Frames, repDNS, rep.Capture.Received)
		}
		if rep.Capture.Seconds < lastSec || iv.Seconds < 0 {
			t.Errorf("line %d: time went back (%vs after %vs, interval %vs)", i+1, rep.Capture.Seconds, lastSec, iv.Seconds)
		}
		lastSec = rep.Capture.Seconds
		if i == len(lines)-1 {
			if rep.Frames != 20 || rep.Buckets[vocab.BucketTCP].Frames != 0 || rep.Filter != "udp" || rep.ServicePort(vocab.UDP, portDNS).Packets != 14 || rep.Ephemeral.Packets != 6 {
				t.Errorf("final line: %d frames, tcp %d, filter %q; want 20 udp frames only", rep.Frames, rep.Buckets[vocab.BucketTCP].Frames, rep.Filter)
			}
		}
	}
}

// TestSniffTableBlocksAndSIGTERM: not a terminal, so the table view comes
// as one block per interval; SIGTERM prints the final table, exit 0.
func TestSniffTableBlocksAndSIGTERM(t *testing.T) {
	needLive(t)
	t.Parallel()
	n := newTestNet(t)
	n.servers(t)
	s := startSniff(t, n.a, "-i", "vA", "--immediate-mode", "--interval", "50ms")
	n.mix(t)
	s.waitFor(t, "stdout", s.out.String, "portsift sniff vA (ethernet)  ")
	s.waitFor(t, "stdout", s.out.String, "  40 frames, ")
	r := s.stop(t, syscall.SIGTERM)
	if r.code != 0 {
		t.Fatalf("exit %d after SIGTERM\n%s", r.code, r.errOut)
	}
	if strings.Contains(r.out, "\033") {
		t.Errorf("escape sequences in output that is not a terminal")
	}
	blocks := strings.Count(r.out, "portsift sniff vA (ethernet)")
	final := r.out[strings.LastIndex(r.out, "portsift sniff vA"):]
	final = final[strings.Index(final, "\nportsift: ")+1:]
	for _, want := range []string{
		"portsift: 40 frames, ",
		"  vA  live  ethernet  40 frames\n",
		"frames:   tcp 20, udp 20, sctp 0,",
		"ALERTS (1)\n  tcp/31337 eldim: 4 packets, 1 flow; hosts 198.18.0.1, 198.18.0.2\n",
		"\ncapture:  40 received, 0 dropped by kernel, 0 dropped by interface\n",
		"table:    7 flows active, 0 evicted (--max-flows), 0 expired\n",
	} {
		if !strings.Contains(final, want) {
			t.Errorf("final table lacks %q:\n%s", want, final)
		}
	}
	if !regexp.MustCompile(`\n  domain +udp +53 +14 +714 B +1 `).MatchString(final) {
		t.Errorf("final table lacks the domain row with 14 packets:\n%s", final)
	}
	if blocks < 1 {
		t.Errorf("no interval block before the final report:\n%s", r.out)
	}
	t.Logf("%d interval blocks before the final report", blocks)
}

// TestSniffDurationQuiet: --duration ends a capture on a quiet link with
// the final report and exit 0.
func TestSniffDurationQuiet(t *testing.T) {
	needLive(t)
	t.Parallel()
	n := newTestNet(t)
	s := startSniff(t, n.a, "-i", "vA", "--duration", "300ms", "-o", "json")
	r := s.wait(t)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	rep := parseReport(t, r)
	if rep.Frames != 0 || rep.Capture == nil || !rep.Capture.Final || rep.Capture.Seconds <= 0 || len(rep.Services) != 0 {
		t.Errorf("quiet capture: %d frames, capture %+v", rep.Frames, rep.Capture)
	}
}

// TestSniffLoopback captures on lo inside a namespace: UDP datagrams to
// an unnamed port, counted exactly.
func TestSniffLoopback(t *testing.T) {
	needLive(t)
	t.Parallel()
	ns := newNetns(t, "lo")
	var recv *net.UDPConn
	if err := ns.do(func() (err error) {
		recv, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50003})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	s := startSniff(t, ns, "-i", "lo", "--immediate-mode", "-c", "9", "-o", "json")
	if err := ns.do(func() error {
		c, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50004}, recv.LocalAddr().(*net.UDPAddr))
		if err != nil {
			return err
		}
		defer c.Close()
		for i := range 9 {
			fmt.Fprintf(c, "datagram %d", i)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r := s.wait(t)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	rep := parseReport(t, r)
	// 50003 and 50004 are both unnamed and ephemeral: the flow goes to the
	// ephemeral row, with all 9 datagrams.
	if rep.Frames != 9 || rep.Ephemeral.Packets != 9 || rep.Ephemeral.Flows != 1 || len(rep.Services) != 0 {
		t.Errorf("lo: %d frames, ephemeral %+v, services %+v; want 9 frames in one ephemeral flow", rep.Frames, rep.Ephemeral, rep.Services)
	}
}

// TestSniffErrors: the messages for an unknown interface, a bad filter and
// missing privileges, and --list.
func TestSniffErrors(t *testing.T) {
	needLive(t)
	t.Parallel()
	n := newTestNet(t)
	inA := func(args ...string) result {
		exe, _ := os.Executable()
		c := exec.Command("ip", append([]string{"netns", "exec", n.a.name, exe}, args...)...)
		c.Dir = root
		c.Env = append(os.Environ(), "PORTSIFT_E2E=1")
		var out, errOut bytes.Buffer
		c.Stdout, c.Stderr = &out, &errOut
		c.Run()
		return result{c.ProcessState.ExitCode(), out.String(), errOut.String()}
	}

	r := inA("sniff", "-i", "eth9")
	if r.code != 1 {
		t.Errorf("unknown interface: exit %d, want 1", r.code)
	}
	oneLine(t, r.errOut, `capture on "eth9": no such interface (available: `, "vA", "lo", "portsift sniff --list")

	r = inA("sniff", "-i", "vA", "-f", "tcp prot 80")
	if r.code != 2 {
		t.Errorf("bad filter: exit %d, want 2", r.code)
	}
	if !strings.HasPrefix(r.errOut, "portsift: bad filter \"tcp prot 80\": syntax error\n") {
		t.Errorf("bad filter: stderr %q", r.errOut)
	}

	r = inA("sniff", "--list")
	if r.code != 0 || !regexp.MustCompile(`(?m)^\d+\.vA \[Up, Running(, Connected)?\] 198\.18\.0\.1/24$`).MatchString(r.out) ||
		!regexp.MustCompile(`(?m)^\d+\.lo \[Up, Running, Loopback\] 127\.0\.0\.1/8$`).MatchString(r.out) ||
		!strings.Contains(r.out, ".any (Pseudo-device that captures on all interfaces) [Up, Running]") {
		t.Errorf("--list: exit %d\n%s", r.code, r.out)
	}

	r = inA("sniff", "-i", "vA", "--duration", "200ms", "-q", "--metrics-addr", addrA+":0")
	if r.code != 0 || !strings.Contains(r.errOut, "portsift: warning: --metrics-addr "+addrA+":0 is not a loopback address") {
		t.Errorf("metrics on a non-loopback address: exit %d, stderr %q; want a warning", r.code, r.errOut)
	}

	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Log("no setpriv: permission message not tested")
		return
	}
	// Root without CAP_NET_RAW and CAP_NET_ADMIN, as an unprivileged user would run it.
	exe, _ := os.Executable()
	c := exec.Command("ip", "netns", "exec", n.a.name, setpriv, "--inh-caps=-net_raw,-net_admin", "--bounding-set=-net_raw,-net_admin", "--", exe, "sniff", "-i", "vA")
	c.Dir = root
	c.Env = append(os.Environ(), "PORTSIFT_E2E=1")
	var errOut bytes.Buffer
	c.Stderr = &errOut
	c.Run()
	if code := c.ProcessState.ExitCode(); code != 1 {
		t.Errorf("without CAP_NET_RAW: exit %d, want 1", code)
	}
	oneLine(t, errOut.String(), `capture on "vA": permission denied`, "CAP_NET_RAW", "sudo", "setcap cap_net_raw,cap_net_admin=eip")
}

// readLines is bufio.Scanner over s, for tests that look at output line by line.
func readLines(s string) []string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// TestSniffClosedFlowsLeaveAndFlowsFlushed: during the capture, the TCP
// flows the mix closes with RST leave the table once the linger (2 s) has
// passed, and their records are in the --flows file while sniff still
// runs (the log is flushed every interval); the UDP flows stay active.
func TestSniffClosedFlowsLeaveAndFlowsFlushed(t *testing.T) {
	needLive(t)
	t.Parallel()
	n := newTestNet(t)
	n.servers(t)
	flows := filepath.Join(t.TempDir(), "flows.jsonl")
	s := startSniff(t, n.a, "-i", "vA", "--immediate-mode", "--flows", flows, "-o", "json", "--interval", "50ms")
	n.mix(t)
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(flows)
		if strings.Count(string(b), `"end":"rst"`) == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("within 20s, the flow log has %q; want the 5 TCP flows closed by RST, while sniff runs", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The next interval line counts only the UDP flows as active.
	var active uint64 = 99
	for time.Now().Before(deadline) && active != 2 {
		time.Sleep(100 * time.Millisecond)
		out := strings.TrimSpace(s.out.String())
		var iv report.Interval
		if err := json.Unmarshal([]byte(out[strings.LastIndexByte(out, '\n')+1:]), &iv); err == nil && iv.Capture != nil {
			active = iv.Capture.FlowsActive
		}
	}
	if active != 2 {
		t.Errorf("flows active %d after the TCP flows closed, want 2 (the UDP flows)", active)
	}
	if r := s.stop(t, syscall.SIGINT); r.code != 0 {
		t.Errorf("exit %d: %s", r.code, r.errOut)
	}
	b, _ := os.ReadFile(flows)
	if got := strings.Count(string(b), "\n"); got != 7 {
		t.Errorf("flow log has %d records at the end, want 7 (5 TCP, 2 UDP):\n%s", got, b)
	}
}
