package capture

import (
	"errors"
	"net/netip"
	"time"
)

// Defaults for LiveOptions fields left zero.
const (
	// DefaultLiveTimeout is how long a live read waits for a frame before
	// Live.Next returns ErrIdle. It is also libpcap's buffer timeout: without
	// immediate mode, frames wait in the kernel ring for at most this long,
	// so a quiet link still shows up within a tenth of a second.
	DefaultLiveTimeout = 100 * time.Millisecond

	// DefaultLiveBuffer is the kernel ring size, in bytes. libpcap's default
	// is 2 MiB, about 1,400 full-size frames or 15 ms of a saturated 1 Gb/s
	// link; 32 MiB rides out a quarter of a second of stall there.
	DefaultLiveBuffer = 32 << 20
)

// LiveOptions configure OpenLive. The zero value captures whole frames
// (MaxCaptureLength), in promiscuous mode, with DefaultLiveTimeout and
// DefaultLiveBuffer and no filter.
type LiveOptions struct {
	// Snaplen is the most bytes kept of each frame; 0 means
	// MaxCaptureLength (262144, tcpdump's default).
	Snaplen int

	// NoPromisc leaves the interface out of promiscuous mode (tcpdump -p).
	// The Linux "any" device never is promiscuous; it is not asked to be.
	NoPromisc bool

	// Immediate hands every frame over as soon as it arrives instead of
	// letting libpcap batch them for up to Timeout: lower latency, more
	// wake-ups. Tests use it; busy links do better without.
	Immediate bool

	// Timeout bounds how long Next waits before returning ErrIdle (and
	// how long Stop takes to end a read); 0 means DefaultLiveTimeout.
	Timeout time.Duration

	// BufferSize is the kernel ring in bytes; 0 means DefaultLiveBuffer.
	BufferSize int

	// Filter is a BPF expression (libpcap syntax) run in the kernel; ""
	// keeps every frame.
	Filter string
}

// Stats are the capture counters the kernel keeps for a live handle, since
// it was opened (libpcap's pcap_stats).
type Stats struct {
	// Received counts frames the capture saw. On Linux it counts frames
	// that passed the filter, including those then dropped.
	Received uint64
	// Dropped counts frames that passed the filter but were dropped
	// because the buffer was full: the reader was too slow.
	Dropped uint64
	// IfDropped counts frames the network interface or its driver dropped
	// (Linux: the interface's rx_dropped, which other traffic shares).
	IfDropped uint64
}

// Interface is a device live capture can open, as libpcap lists it.
type Interface struct {
	Name        string
	Description string         // often "" on Linux; "Pseudo-device that captures on all interfaces" for any
	Flags       []string       // among up, running, loopback, wireless, connected, disconnected
	Addrs       []netip.Prefix // IPv4 and IPv6 addresses with their prefix length
}

// Errors of live capture, for errors.Is.
var (
	// ErrIdle is returned by Live.Next when no frame arrived within the
	// read timeout: the link is quiet, and the caller's loop gets control
	// back (to refresh a view, or notice that it should stop). Its Idle
	// method reports true, which is how classify's live loop, which does
	// not import capture, recognises it.
	ErrIdle error = idleError{}

	// ErrNoInterface: the interface to capture on does not exist.
	ErrNoInterface = errors.New("no such interface")

	// ErrPermission: the process may not capture (no CAP_NET_RAW).
	ErrPermission = errors.New("permission denied")

	// ErrNoLive: this build has no live capture (built without cgo).
	ErrNoLive = errors.New("live capture needs cgo and libpcap (build with CGO_ENABLED=1 and libpcap-dev installed)")
)

// idleError is ErrIdle's type: a timeout in the manner of net.Error, told
// apart by its Idle method.
type idleError struct{}

func (idleError) Error() string { return "no frame within the read timeout" }
func (idleError) Idle() bool    { return true }
func (idleError) Timeout() bool { return true }
