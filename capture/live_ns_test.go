//go:build cgo && linux

package capture

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// Live capture tests run in network namespaces of their own, so that
// nothing but the test's traffic is on the wire: they need root and
// iproute2, and skip without them (and under -short).

var nsSeq atomic.Int32

// needLive skips the test unless it may create network namespaces.
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

// netns is a network namespace made for one test and deleted after it.
type netns struct{ name string }

// newNetns creates a namespace with its loopback up and IPv6 off (no
// neighbour discovery or MLD reports to spoil exact counts).
func newNetns(t *testing.T) *netns {
	t.Helper()
	n := &netns{name: fmt.Sprintf("psift-cap-%d-%d", os.Getpid(), nsSeq.Add(1))}
	ipCmd(t, "netns", "add", n.name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", n.name).Run() })
	ipCmd(t, "netns", "exec", n.name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	ipCmd(t, "-n", n.name, "link", "set", "lo", "up")
	return n
}

func ipCmd(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// do runs fn on an OS thread that has entered the namespace. Sockets and
// capture handles fn opens belong to the namespace for their lifetime and
// may be used from any goroutine afterwards. The thread never leaves the
// namespace: it stays locked and exits with its goroutine.
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
