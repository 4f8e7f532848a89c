//go:build cgo && linux

package capture

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/portsift/portsift/decode/vocab"
)

// openIn opens a live capture inside ns and closes it after the test.
func openIn(t *testing.T, ns *netns, iface string, o LiveOptions) *Live {
	t.Helper()
	var l *Live
	if err := ns.do(func() (err error) { l, err = OpenLive(iface, o); return err }); err != nil {
		t.Fatalf("OpenLive(%q) in %s: %v", iface, ns.name, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// udpSender returns a UDP socket in ns connected to 127.0.0.1:port, and
// a receiver bound there (so no ICMP port-unreachable answers).
func udpSender(t *testing.T, ns *netns) (send *net.UDPConn, port uint16) {
	t.Helper()
	var recv *net.UDPConn
	err := ns.do(func() (err error) {
		if recv, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
			return err
		}
		send, err = net.DialUDP("udp4", nil, recv.LocalAddr().(*net.UDPAddr))
		return err
	})
	if err != nil {
		t.Fatalf("UDP sockets in %s: %v", ns.name, err)
	}
	t.Cleanup(func() { send.Close(); recv.Close() })
	return send, uint16(recv.LocalAddr().(*net.UDPAddr).Port)
}

// readFrames reads exactly n frames (copied), then checks that no other
// frame follows: the next read must find the link quiet (ErrIdle).
func readFrames(t *testing.T, l *Live, n int) ([][]byte, []gopacket.CaptureInfo) {
	t.Helper()
	var (
		frames [][]byte
		cis    []gopacket.CaptureInfo
	)
	deadline := time.Now().Add(10 * time.Second) // generous: only reached on failure
	for len(frames) < n {
		data, ci, err := liveNext(l)
		if errors.Is(err, ErrIdle) {
			if time.Now().After(deadline) {
				t.Fatalf("read %d frames, want %d: nothing more arrived within 10s", len(frames), n)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Next after %d frames: %v", len(frames), err)
		}
		frames = append(frames, append([]byte(nil), data...))
		cis = append(cis, ci)
	}
	if data, _, err := liveNext(l); err != ErrIdle {
		t.Fatalf("after the %d expected frames: Next = %d bytes, %v; want ErrIdle (no stray frame)", n, len(data), err)
	}
	return frames, cis
}

// udpOf decodes frame's UDP header and payload (link type link).
func udpOf(t *testing.T, frame []byte, link vocab.LinkType) (*layers.UDP, string) {
	t.Helper()
	first := gopacket.LayerType(layers.LayerTypeEthernet)
	switch link {
	case vocab.LinkLinuxSLL:
		first = layers.LayerTypeLinuxSLL
	case vocab.LinkLinuxSLL2: // gopacket has no SLL2 decoder: skip its 20-byte header
		frame, first = frame[20:], layers.LayerTypeIPv4
	}
	p := gopacket.NewPacket(frame, first, gopacket.Default)
	udp, _ := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if udp == nil {
		t.Fatalf("frame is not UDP: %v", p)
	}
	return udp, string(udp.Payload)
}

func TestLiveLoopbackUDP(t *testing.T) {
	needLive(t)
	ns := newNetns(t)
	l := openIn(t, ns, "lo", LiveOptions{Immediate: true})
	if l.LinkType() != vocab.LinkEthernet || l.Name() != "lo" || l.Snaplen() != MaxCaptureLength {
		t.Errorf("lo: link type %v, name %q, snaplen %d; want ethernet, lo, %d", l.LinkType(), l.Name(), l.Snaplen(), MaxCaptureLength)
	}
	send, port := udpSender(t, ns)
	start := time.Now()
	const n = 5
	for i := range n {
		if _, err := fmt.Fprintf(send, "portsift %d", i); err != nil {
			t.Fatal(err)
		}
	}
	frames, cis := readFrames(t, l, n)
	for i, f := range frames {
		udp, payload := udpOf(t, f, vocab.LinkEthernet)
		if uint16(udp.DstPort) != port || payload != fmt.Sprintf("portsift %d", i) {
			t.Errorf("frame %d: udp to %d with %q; want to %d with %q", i, udp.DstPort, payload, port, fmt.Sprintf("portsift %d", i))
		}
		if cis[i].CaptureLength != len(f) || cis[i].Length != len(f) || cis[i].Timestamp.Before(start.Add(-time.Second)) {
			t.Errorf("frame %d: capture info %+v for %d bytes", i, cis[i], len(f))
		}
	}
	st, err := l.Stats()
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	t.Logf("lo: %d frames read; kernel stats %+v", n, st)
	// On lo the kernel also counts the outgoing copy of each frame, which
	// libpcap skips: received is n or 2n.
	if st.Received < n || st.Dropped != 0 {
		t.Errorf("Stats = %+v; want at least %d received, 0 dropped", st, n)
	}
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if after, err := l.Stats(); err != nil || after.Received < st.Received {
		t.Errorf("Stats after Close = %+v, %v; want the final counters", after, err)
	}
	if _, _, err := liveNext(l); err != io.EOF {
		t.Errorf("Next after Close: %v, want io.EOF", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestLiveFilterAndSnaplen(t *testing.T) {
	needLive(t)
	ns := newNetns(t)
	send1, p1 := udpSender(t, ns)
	send2, _ := udpSender(t, ns)
	l := openIn(t, ns, "lo", LiveOptions{Immediate: true, Snaplen: 50, Filter: fmt.Sprintf("udp dst port %d", p1)})
	for i := range 4 {
		fmt.Fprintf(send2, "other %d", i)
		if i < 3 {
			fmt.Fprintf(send1, "%s %d", strings.Repeat("x", 40), i)
		}
	}
	frames, cis := readFrames(t, l, 3)
	for i := range frames {
		// 14 Ethernet + 20 IPv4 + 8 UDP + 42 payload = 84 bytes on the wire, 50 captured.
		if len(frames[i]) != 50 || cis[i].Length != 84 {
			t.Errorf("frame %d: captured %d of %d bytes; want 50 of 84 (snaplen 50)", i, len(frames[i]), cis[i].Length)
		}
		udp, _ := udpOf(t, frames[i], vocab.LinkEthernet)
		if uint16(udp.DstPort) != p1 {
			t.Errorf("frame %d: udp to port %d passed the filter for port %d", i, udp.DstPort, p1)
		}
	}
}

func TestLiveAny(t *testing.T) {
	needLive(t)
	ns := newNetns(t)
	l := openIn(t, ns, "any", LiveOptions{Immediate: true})
	link := l.LinkType()
	if link != vocab.LinkLinuxSLL && link != vocab.LinkLinuxSLL2 {
		t.Fatalf("any: link type %d, want LINUX_SLL (113) or LINUX_SLL2 (276)", link)
	}
	t.Logf("any: link type %d", link)
	send, port := udpSender(t, ns)
	fmt.Fprint(send, "a")
	fmt.Fprint(send, "b")
	frames, _ := readFrames(t, l, 2)
	for i, f := range frames {
		udp, payload := udpOf(t, f, link)
		if uint16(udp.DstPort) != port || payload != string(rune('a'+i)) {
			t.Errorf("any frame %d: udp to %d with %q", i, udp.DstPort, payload)
		}
	}
}

func TestLiveIdleStopClose(t *testing.T) {
	needLive(t)
	ns := newNetns(t)
	l := openIn(t, ns, "lo", LiveOptions{Timeout: 20 * time.Millisecond})
	if _, _, err := liveNext(l); err != ErrIdle {
		t.Fatalf("Next on a quiet link: %v, want ErrIdle", err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		l.Stop()
	}()
	done := make(chan error, 1)
	go func() {
		var f Frame
		err := l.Wait(&f) // waits through the idle timeouts until Stop
		done <- err
	}()
	select {
	case err := <-done:
		if err != io.EOF {
			t.Errorf("Wait after Stop: %v, want io.EOF", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return within 10s of Stop")
	}
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestOpenLiveErrors(t *testing.T) {
	needLive(t)
	ns := newNetns(t)
	try := func(iface string, o LiveOptions) error {
		var err error
		ns.do(func() error {
			var l *Live
			if l, err = OpenLive(iface, o); l != nil {
				l.Close()
			}
			return nil
		})
		return err
	}
	err := try("psift-nosuch0", LiveOptions{})
	if !errors.Is(err, ErrNoInterface) || !strings.Contains(err.Error(), `"psift-nosuch0"`) ||
		!strings.Contains(err.Error(), "available: ") || !strings.Contains(err.Error(), "lo") || !strings.Contains(err.Error(), "--list") {
		t.Errorf("unknown interface: %v; want ErrNoInterface naming it and listing lo", err)
	}
	err = try("lo", LiveOptions{Filter: "tcp prot 80"})
	if !errors.Is(err, ErrBadFilter) || err.Error() != `bad filter "tcp prot 80": syntax error` {
		t.Errorf("bad filter: %v; want ErrBadFilter quoting libpcap's syntax error", err)
	}
	if err = try("", LiveOptions{}); err == nil || !strings.Contains(err.Error(), "--list") {
		t.Errorf("no interface: %v", err)
	}
}

func TestInterfaces(t *testing.T) {
	needLive(t)
	ns := newNetns(t)
	var ifs []Interface
	if err := ns.do(func() (err error) { ifs, err = Interfaces(); return err }); err != nil {
		t.Fatalf("Interfaces: %v", err)
	}
	i := slices.IndexFunc(ifs, func(in Interface) bool { return in.Name == "lo" })
	if i < 0 {
		t.Fatalf("Interfaces() = %+v: no lo", ifs)
	}
	lo := ifs[i]
	if !slices.Contains(lo.Flags, "up") || !slices.Contains(lo.Flags, "loopback") {
		t.Errorf("lo flags = %v, want up and loopback", lo.Flags)
	}
	if !slices.Contains(lo.Addrs, netip.MustParsePrefix("127.0.0.1/8")) {
		t.Errorf("lo addresses = %v, want 127.0.0.1/8", lo.Addrs)
	}
	if !slices.ContainsFunc(ifs, func(in Interface) bool { return in.Name == "any" }) {
		t.Errorf("Interfaces() lacks the any device: %+v", ifs)
	}
}
