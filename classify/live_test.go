package classify

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

// ethFrame builds an Ethernet/IPv4 frame carrying UDP (tcpFlags < 0) or TCP
// with the given flags, from src to dst ("a.b.c.d:port").
func ethFrame(t testing.TB, src, dst string, tcpFlags int, payload int) []byte {
	t.Helper()
	sa, err := net.ResolveUDPAddr("udp4", src)
	if err != nil {
		t.Fatal(err)
	}
	da, err := net.ResolveUDPAddr("udp4", dst)
	if err != nil {
		t.Fatal(err)
	}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, SrcIP: sa.IP.To4(), DstIP: da.IP.To4()}
	var l4 gopacket.SerializableLayer
	if tcpFlags < 0 {
		ip.Protocol = layers.IPProtocolUDP
		u := &layers.UDP{SrcPort: layers.UDPPort(sa.Port), DstPort: layers.UDPPort(da.Port)}
		u.SetNetworkLayerForChecksum(ip)
		l4 = u
	} else {
		ip.Protocol = layers.IPProtocolTCP
		f := uint8(tcpFlags)
		tc := &layers.TCP{SrcPort: layers.TCPPort(sa.Port), DstPort: layers.TCPPort(da.Port), Window: 512,
			SYN: f&decode.TCPSyn != 0, ACK: f&decode.TCPAck != 0, FIN: f&decode.TCPFin != 0, RST: f&decode.TCPRst != 0}
		tc.SetNetworkLayerForChecksum(ip)
		l4 = tc
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip, l4, gopacket.Payload(make([]byte, payload))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// liveFrames is a small mix: a TCP handshake to 443, three DNS queries with
// answers, and a UDP exchange between two ephemeral ports.
func liveFrames(t testing.TB) [][]byte {
	c, s := "192.0.2.1:51000", "198.51.100.2:443"
	fr := [][]byte{
		ethFrame(t, c, s, int(syn), 0),
		ethFrame(t, s, c, int(synack), 0),
		ethFrame(t, c, s, int(ack), 100),
	}
	for i := range 3 {
		q := "192.0.2.1:" + []string{"50001", "50002", "50003"}[i]
		fr = append(fr, ethFrame(t, q, "198.51.100.53:53", -1, 30), ethFrame(t, "198.51.100.53:53", q, -1, 80))
	}
	return append(fr, ethFrame(t, "192.0.2.7:40000", "192.0.2.8:50000", -1, 10))
}

// fakeLive hands out frames one millisecond apart, returning ErrIdle
// between them when idle is set; after the last one it returns end (io.EOF
// or ErrIdle forever).
type fakeLive struct {
	frames [][]byte
	i      int
	idle   bool
	end    error
	calls  int
}

func (f *fakeLive) Next(fr *vocab.Frame) error { return fill(fr)(f.read()) }

func (f *fakeLive) read() ([]byte, gopacket.CaptureInfo, vocab.LinkType, error) {
	f.calls++
	if f.idle && f.calls%2 == 1 {
		return nil, gopacket.CaptureInfo{}, 0, capture.ErrIdle
	}
	if f.i >= len(f.frames) {
		if f.end == capture.ErrIdle {
			time.Sleep(time.Millisecond) // like a read timeout, shortened
		}
		return nil, gopacket.CaptureInfo{}, 0, f.end
	}
	d := f.frames[f.i]
	ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(f.i) * time.Millisecond), CaptureLength: len(d), Length: len(d)}
	f.i++
	return d, ci, vocab.LinkEthernet, nil
}

// offline counts frames the way the offline path does: decode, observe,
// finish.
func offline(frames [][]byte) *report.Report {
	tr := NewTracker(Options{})
	d := decode.NewDecoder()
	var s decode.Summary
	for i, f := range frames {
		d.Decode(vocab.LinkEthernet, f, 0, &s)
		tr.Observe(t0.Add(time.Duration(i)*time.Millisecond), len(f), len(f), vocab.LinkEthernet, &s)
	}
	tr.Finish()
	return tr.Report()
}

func TestRunLiveCountsLikeOffline(t *testing.T) {
	frames := liveFrames(t)
	src := &fakeLive{frames: frames, idle: true, end: io.EOF}
	latest := report.NewLatest()
	var decorated []*report.Report
	var saved int
	tr := NewTracker(Options{})
	final, err := tr.RunLive(context.Background(), src, decode.NewDecoder(), LiveOptions{
		OnFrame:  func(*vocab.Frame) error { saved++; return nil },
		Decorate: func(r *report.Report) { r.Filter = "decorated"; decorated = append(decorated, r) },
	}, latest)
	if err != nil {
		t.Fatalf("RunLive: %v", err)
	}
	if !final.Final || latest.Load() != final || final.Seq != 1 || len(decorated) != 2 {
		t.Errorf("final snapshot: Final %v, Seq %d, latest is final %v, %d reports decorated; want true, 1, true, 2 (start and end)",
			final.Final, final.Seq, latest.Load() == final, len(decorated))
	}
	if decorated[0].Frames != 0 || decorated[0].Capture == nil || decorated[0].Capture.Final {
		t.Errorf("start snapshot: %d frames, capture %+v; want 0 frames, not final", decorated[0].Frames, decorated[0].Capture)
	}
	got, want := final.Report, offline(frames)
	if got.Filter != "decorated" || got.Capture == nil || !got.Capture.Final {
		t.Fatalf("final report not decorated or not final: filter %q capture %+v", got.Filter, got.Capture)
	}
	// 1 TCP flow, 3 DNS flows, 1 ephemeral flow: all still open when the capture ends.
	if got.Capture.FlowsActive != 5 {
		t.Errorf("FlowsActive = %d, want 5 (counted before Finish)", got.Capture.FlowsActive)
	}
	if saved != len(frames) {
		t.Errorf("OnFrame saw %d frames, want %d", saved, len(frames))
	}
	g, w := *got, *want
	g.Filter, g.Capture = "", nil
	if a, b := reportJSON(t, &g), reportJSON(t, &w); a != b {
		t.Errorf("live report differs from the offline one:\n--- live\n%s\n--- offline\n%s", a, b)
	}
}

func reportJSON(t *testing.T, r *report.Report) string {
	t.Helper()
	var b strings.Builder
	if err := report.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRunLiveLimit(t *testing.T) {
	src := &fakeLive{frames: liveFrames(t), end: capture.ErrIdle}
	final, err := NewTracker(Options{}).RunLive(context.Background(), src, decode.NewDecoder(), LiveOptions{Limit: 4}, report.NewLatest())
	if err != nil || final.Report.Frames != 4 || src.i != 4 {
		t.Errorf("Limit 4: err %v, %d frames counted, %d read; want nil, 4, 4", err, final.Report.Frames, src.i)
	}
}

func TestRunLiveStopsOnCancelAndPublishesWhileIdle(t *testing.T) {
	src := &fakeLive{frames: liveFrames(t)[:3], end: capture.ErrIdle} // then a quiet link
	latest := report.NewLatest()
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		s   *report.Snapshot
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := NewTracker(Options{}).RunLive(ctx, src, decode.NewDecoder(), LiveOptions{Interval: 5 * time.Millisecond}, latest)
		done <- result{s, err}
	}()
	// Snapshots keep coming on the quiet link after the last frame; nobody
	// reads most of them and the loop does not wait.
	deadline := time.After(10 * time.Second)
	var quiet uint64 // Seq of the first snapshot with all 3 frames
	for {
		select {
		case <-latest.Updates():
		case <-deadline:
			t.Fatalf("within 10s: newest snapshot %+v, want two more after the one with all frames", latest.Load())
		}
		s := latest.Load()
		if s.Final {
			t.Fatal("final snapshot before the cancel")
		}
		if s.Report.Frames == 3 && quiet == 0 {
			quiet = s.Seq
			if s.Report.Capture.FlowsActive != 1 || s.Elapsed <= 0 {
				t.Errorf("snapshot %d: %d active flows, elapsed %v; want 1, > 0", s.Seq, s.Report.Capture.FlowsActive, s.Elapsed)
			}
		}
		if quiet > 0 && s.Seq >= quiet+2 {
			break
		}
	}
	cancel()
	select {
	case r := <-done:
		if r.err != nil || !r.s.Final || r.s.Report.Frames != 3 {
			t.Errorf("after cancel: err %v, final %v, %d frames; want nil, true, 3", r.err, r.s.Final, r.s.Report.Frames)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunLive did not return within 10s of the cancel")
	}
}

func TestRunLiveErrors(t *testing.T) {
	boom := errors.New("interface went down")
	src := &fakeLive{frames: liveFrames(t)[:2], end: boom}
	final, err := NewTracker(Options{}).RunLive(context.Background(), src, decode.NewDecoder(), LiveOptions{}, report.NewLatest())
	if err != boom || final.Report.Frames != 2 || !final.Final {
		t.Errorf("source error: %v, %d frames, final %v; want the error, 2 frames counted, a final snapshot", err, final.Report.Frames, final.Final)
	}
	full := errors.New("disk full")
	n := 0
	src = &fakeLive{frames: liveFrames(t), end: io.EOF}
	final, err = NewTracker(Options{}).RunLive(context.Background(), src, decode.NewDecoder(), LiveOptions{
		OnFrame: func(*vocab.Frame) error {
			if n++; n == 3 {
				return full
			}
			return nil
		},
	}, report.NewLatest())
	if err != full || final.Report.Frames != 2 {
		t.Errorf("OnFrame error at frame 3: %v, %d frames; want the error and the 2 frames before", err, final.Report.Frames)
	}
}

func TestRunLiveBoundsHosts(t *testing.T) {
	var frames [][]byte
	for _, c := range []string{"192.0.2.1:50001", "192.0.2.2:50001", "192.0.2.3:50001"} {
		frames = append(frames, ethFrame(t, c, "198.51.100.53:53", -1, 10))
	}
	final, err := NewTracker(Options{}).RunLive(context.Background(), &fakeLive{frames: frames, end: io.EOF},
		decode.NewDecoder(), LiveOptions{MaxHosts: 2}, report.NewLatest())
	if err != nil {
		t.Fatal(err)
	}
	sv := final.Report.ServicePort(vocab.UDP, 53)
	// The first flow fills the table (client and server); the next two
	// clients are not counted.
	if sv == nil || sv.Flows != 3 || sv.Clients != 1 || sv.Servers != 1 || final.Report.Capture.HostsUntracked != 2 {
		t.Errorf("MaxHosts 2: service %+v, untracked %d; want 3 flows, 1 client, 1 server, 2 untracked", sv, final.Report.Capture.HostsUntracked)
	}
}

func TestLatestNeverBlocks(t *testing.T) {
	l := report.NewLatest()
	if l.Load() != nil {
		t.Fatal("new report.Latest is not empty")
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 1000 {
			l.Publish(&report.Snapshot{Seq: uint64(i)}) // nobody reads Updates
		}
	}()
	wg.Wait()
	if s := l.Load(); s.Seq != 999 {
		t.Errorf("Load().Seq = %d, want 999", s.Seq)
	}
	select {
	case <-l.Updates():
	default:
		t.Error("no pending update after publishing")
	}
}

// TestRunLiveSteadyStateAllocs checks that the loop adds no allocation per
// frame: a run over 3 times as many frames (of known flows, with the
// snapshot timer far away) allocates no more than a short one.
func TestRunLiveSteadyStateAllocs(t *testing.T) {
	frames := liveFrames(t)
	tr := NewTracker(Options{})
	d := decode.NewDecoder()
	run := func(n int) float64 {
		src := &cycling{frames: frames}
		return testing.AllocsPerRun(3, func() {
			src.left = n
			if _, err := tr.RunLive(context.Background(), src, d, LiveOptions{Interval: time.Hour, Limit: uint64(n)}, report.NewLatest()); err != nil {
				t.Fatal(err)
			}
		})
	}
	short, long := run(10000), run(30000)
	t.Logf("RunLive: %v allocations for 10,000 frames, %v for 30,000", short, long)
	if long > short+10 {
		t.Errorf("RunLive: %v allocations for 10,000 frames but %v for 30,000: the loop allocates per frame", short, long)
	}
}

// cycling repeats frames with increasing timestamps.
type cycling struct {
	frames [][]byte
	i      int
	left   int
}

func (c *cycling) Next(f *vocab.Frame) error { return fill(f)(c.read()) }

func (c *cycling) read() ([]byte, gopacket.CaptureInfo, vocab.LinkType, error) {
	if c.left == 0 {
		return nil, gopacket.CaptureInfo{}, 0, io.EOF
	}
	c.left--
	d := c.frames[c.i%len(c.frames)]
	c.i++
	return d, gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(c.i) * time.Microsecond), CaptureLength: len(d), Length: len(d)}, vocab.LinkEthernet, nil
}

// TestRunLiveExpiresWhenQuiet: on a quiet link, flows idle past the
// timeout leave the table at the next interval, not after SettleFrames
// more frames.
func TestRunLiveExpiresWhenQuiet(t *testing.T) {
	frames := liveFrames(t) // 10 frames 1 ms apart, 5 flows
	src := &fakeLive{frames: frames, end: capture.ErrIdle}
	latest := report.NewLatest()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		NewTracker(Options{IdleTimeout: 2 * time.Millisecond}).RunLive(ctx, src, decode.NewDecoder(), LiveOptions{Interval: 5 * time.Millisecond}, latest)
	}()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-latest.Updates():
		case <-deadline:
			t.Fatalf("within 10s: newest snapshot %+v, want the idle flows expired", latest.Load().Report.Flows)
		}
		r := latest.Load().Report
		// The latest frame is at 9 ms: the flows last seen at 2, 4 and
		// 6 ms are idle for more than 2 ms, those at 8 and 9 ms are not
		// yet; a few intervals later the quiet link's clock has run on
		// and they are too (TestRunLiveQuietClock). Either state will do:
		// a slow reader of the snapshots may miss the first.
		if r.Frames == uint64(len(frames)) && r.Flows.Expired >= 3 && r.Capture.FlowsActive == 5-r.Flows.Expired {
			break
		}
	}
	cancel()
	<-done
}

// pacedLive hands out frames with packet times gap apart and a real pause
// of pause before each, so the live loop's intervals pass between them.
type pacedLive struct {
	frames [][]byte
	gap    time.Duration
	pause  time.Duration
	i      int
}

func (p *pacedLive) Next(f *vocab.Frame) error { return fill(f)(p.read()) }

func (p *pacedLive) read() ([]byte, gopacket.CaptureInfo, vocab.LinkType, error) {
	if p.i == len(p.frames) {
		return nil, gopacket.CaptureInfo{}, 0, io.EOF
	}
	time.Sleep(p.pause)
	d := p.frames[p.i]
	ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(p.i) * p.gap), CaptureLength: len(d), Length: len(d)}
	p.i++
	return d, ci, vocab.LinkEthernet, nil
}

// TestRunLiveClosedFlowsLeave: a TCP flow closed by FIN (or RST) leaves the
// table and the active count once the linger has passed in packet time,
// logged with its end, while a quiet UDP flow stays; with a negative
// Linger it stays until the idle timeout, as in a file read.
func TestRunLiveClosedFlowsLeave(t *testing.T) {
	c, s := "192.0.2.1:51000", "198.51.100.2:443"
	r1, r2 := "192.0.2.3:51001", "198.51.100.2:443"
	frames := [][]byte{
		ethFrame(t, c, s, int(syn), 0), ethFrame(t, s, c, int(synack), 0), ethFrame(t, c, s, int(ack), 100),
		ethFrame(t, c, s, int(decode.TCPFin|decode.TCPAck), 0), ethFrame(t, s, c, int(decode.TCPFin|decode.TCPAck), 0), ethFrame(t, c, s, int(ack), 0),
		ethFrame(t, r1, r2, int(syn), 0), ethFrame(t, r2, r1, int(decode.TCPRst|decode.TCPAck), 0),
	}
	for range 40 { // 4 s of packet time: a DNS query every 100 ms
		frames = append(frames, ethFrame(t, "192.0.2.9:50009", "198.51.100.53:53", -1, 30))
	}
	for _, tt := range []struct {
		linger     time.Duration
		wantActive uint64 // in the last snapshot before the end
		wantEarly  string // flow ends logged before the run ended, in order
	}{
		{0, 1, "fin rst"},
		{-1, 3, ""},
	} {
		var ends []string
		tr := NewTracker(Options{FlowLog: func(r *report.FlowRecord) { ends = append(ends, r.End) }})
		latest := report.NewLatest()
		var lastActive uint64
		early := 0 // flows logged by the last interval, before the run's end
		_, err := tr.RunLive(context.Background(), &pacedLive{frames: frames, gap: 100 * time.Millisecond, pause: 3 * time.Millisecond},
			decode.NewDecoder(), LiveOptions{Interval: 10 * time.Millisecond, Linger: tt.linger, OnInterval: func() {
				lastActive = latest.Load().Report.Capture.FlowsActive
				early = len(ends)
			}}, latest)
		if err != nil {
			t.Fatal(err)
		}
		if lastActive != tt.wantActive || strings.Join(ends[:early], " ") != tt.wantEarly || len(ends) != 3 {
			t.Errorf("linger %v: %d flows active at the last interval, ends logged before the end %q (all: %q); want %d, %q",
				tt.linger, lastActive, ends[:early], ends, tt.wantActive, tt.wantEarly)
		}
	}
}

// TestRunLiveQuietClock: on a link that goes quiet, the capture's clock
// runs on with the wall clock: a closed TCP flow leaves after the linger
// and an open one after the idle timeout, though no frame follows them.
func TestRunLiveQuietClock(t *testing.T) {
	c, s := "192.0.2.1:51000", "198.51.100.2:443"
	frames := [][]byte{
		ethFrame(t, c, s, int(syn), 0), ethFrame(t, s, c, int(synack), 0),
		ethFrame(t, c, s, int(decode.TCPFin|decode.TCPAck), 0), ethFrame(t, s, c, int(decode.TCPFin|decode.TCPAck), 0),
		ethFrame(t, "192.0.2.9:50009", "198.51.100.53:53", -1, 30),
	}
	src := &fakeLive{frames: frames, end: capture.ErrIdle}
	var mu sync.Mutex
	var ends []string
	tr := NewTracker(Options{IdleTimeout: 300 * time.Millisecond, FlowLog: func(r *report.FlowRecord) { mu.Lock(); ends = append(ends, r.End); mu.Unlock() }})
	latest := report.NewLatest()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tr.RunLive(ctx, src, decode.NewDecoder(), LiveOptions{Interval: 10 * time.Millisecond, Linger: 50 * time.Millisecond}, latest)
	}()
	deadline := time.After(10 * time.Second)
	sawOnlyUDP := false
	for {
		select {
		case <-latest.Updates():
		case <-deadline:
			t.Fatalf("within 10s: flows active %d, ends %v", latest.Load().Report.Capture.FlowsActive, ends)
		}
		r := latest.Load().Report
		mu.Lock()
		e := strings.Join(ends, " ")
		mu.Unlock()
		if r.Frames == uint64(len(frames)) && r.Capture.FlowsActive == 1 && e == "fin" {
			sawOnlyUDP = true // the closed flow left first, the quiet UDP flow stays for now
		}
		if r.Frames == uint64(len(frames)) && r.Capture.FlowsActive == 0 {
			if !sawOnlyUDP || e != "fin idle" {
				t.Errorf("ends %q, saw the closed flow leave first: %v; want fin, then idle", e, sawOnlyUDP)
			}
			break
		}
	}
	cancel()
	<-done
}
