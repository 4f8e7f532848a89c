//go:build linux && cgo

package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The live tests build a small network of their own: two network
// namespaces joined by a veth pair, with static neighbour entries and IPv6
// off, so that the only frames on the wire are the ones a test sends and
// counts can be exact. They need root and iproute2 and skip without them.
//
//	ns A: vA 198.18.0.1/24  <-- veth -->  vB 198.18.0.2/24 :ns B
//
// 198.18.0.0/15 is the range RFC 2544 sets aside for such benchmarks; none
// of this traffic leaves the two namespaces.

var nsSeq atomic.Int32

func needLive(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("live capture test skipped under -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("live capture test needs root (network namespaces, CAP_NET_RAW); CI runs as root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("live capture test needs iproute2's ip command (apt-get install iproute2)")
	}
}

// netns is a network namespace made for one test.
type netns struct{ name string }

// do runs fn on an OS thread inside the namespace. Sockets opened by fn
// stay in the namespace and can be used from any goroutine. The thread
// never leaves: it stays locked and ends with its goroutine.
func (n *netns) do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked, on purpose
		f, err := os.Open("/var/run/netns/" + n.name)
		if err != nil {
			errc <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", n.name, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// httpClient dials from inside the namespace (for its 127.0.0.1).
func (n *netns) httpClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (c net.Conn, err error) {
			err = n.do(func() (err error) { c, err = (&net.Dialer{}).DialContext(ctx, network, addr); return err })
			return c, err
		},
	}}
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func newNetns(t *testing.T, tag string) *netns {
	t.Helper()
	n := &netns{name: fmt.Sprintf("psift-e2e-%d-%d%s", os.Getpid(), nsSeq.Add(1), tag)}
	run(t, "ip", "netns", "add", n.name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", n.name).Run() })
	run(t, "ip", "netns", "exec", n.name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	run(t, "ip", "-n", n.name, "link", "set", "lo", "up")
	return n
}

const (
	addrA = "198.18.0.1"
	addrB = "198.18.0.2"
)

// testNet is the pair of namespaces joined by veth vA (in a) and vB (in b).
type testNet struct{ a, b *netns }

func newTestNet(t *testing.T) *testNet {
	t.Helper()
	n := &testNet{a: newNetns(t, "a"), b: newNetns(t, "b")}
	// Interface names are per namespace, but the pair is created in the
	// test's own namespace first: make the names unique there.
	tmpA, tmpB := fmt.Sprintf("psA%d", nsSeq.Add(1)), fmt.Sprintf("psB%d", nsSeq.Add(1))
	run(t, "ip", "link", "add", tmpA, "type", "veth", "peer", "name", tmpB)
	run(t, "ip", "link", "set", tmpA, "netns", n.a.name, "name", "vA", "address", "02:00:c6:12:00:01")
	run(t, "ip", "link", "set", tmpB, "netns", n.b.name, "name", "vB", "address", "02:00:c6:12:00:02")
	run(t, "ip", "-n", n.a.name, "addr", "add", addrA+"/24", "dev", "vA")
	run(t, "ip", "-n", n.b.name, "addr", "add", addrB+"/24", "dev", "vB")
	// Static neighbours: no ARP on the wire.
	run(t, "ip", "-n", n.a.name, "neigh", "add", addrB, "lladdr", "02:00:c6:12:00:02", "dev", "vA", "nud", "permanent")
	run(t, "ip", "-n", n.b.name, "neigh", "add", addrA, "lladdr", "02:00:c6:12:00:01", "dev", "vB", "nud", "permanent")
	run(t, "ip", "-n", n.a.name, "link", "set", "vA", "up")
	run(t, "ip", "-n", n.b.name, "link", "set", "vB", "up")
	return n
}
