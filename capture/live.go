//go:build cgo

package capture

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/gopacket/pcap"
	"github.com/portsift/portsift/decode/vocab"
)

// Live captures frames from a network interface through libpcap: one
// goroutine reads it with Next, which fills a Frame as Reader.Next does.
// Stop may be called from any goroutine; Stats and Close too, but a frame
// returned by a read is only valid until the next read or Close, so close
// from the reading goroutine (or after it stopped reading).
type Live struct {
	h        *pcap.Handle
	name     string
	link     vocab.LinkType // as mapLinkType maps it
	snaplen  int
	stopping atomic.Bool

	mu     sync.Mutex // guards closed and last against Stats/Close from other goroutines
	closed bool
	last   Stats // the counters read at Close
}

// OpenLive opens the interface name ("any" on Linux captures on all of
// them) the way tcpdump does: an inactive handle configured with snaplen,
// promiscuous mode, immediate mode or the buffer timeout, and the ring
// size, then activated, then the filter compiled for its link type.
//
// Errors say what to do: an unknown interface wraps ErrNoInterface and
// lists those that exist; missing privileges wrap ErrPermission and name
// CAP_NET_RAW; a filter that does not compile wraps ErrBadFilter and
// quotes libpcap.
func OpenLive(name string, o LiveOptions) (*Live, error) {
	if o.Snaplen <= 0 {
		o.Snaplen = MaxCaptureLength
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultLiveTimeout
	}
	if o.BufferSize <= 0 {
		o.BufferSize = DefaultLiveBuffer
	}
	if name == "" {
		return nil, errors.New("no interface given (portsift sniff --list shows them)")
	}
	in, err := pcap.NewInactiveHandle(name)
	if err != nil {
		return nil, fmt.Errorf("open interface %q: %s", name, lowerFirst(err.Error()))
	}
	defer in.CleanUp()
	set := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("open interface %q: set %s: %s", name, what, lowerFirst(err.Error()))
		}
		return nil
	}
	// libpcap refuses promiscuous mode on "any" (a warning that gopacket
	// turns into a failure), and "any" cannot be promiscuous anyway.
	promisc := !o.NoPromisc && name != "any"
	if err := errors.Join(
		set("snaplen", in.SetSnapLen(o.Snaplen)),
		set("promiscuous mode", in.SetPromisc(promisc)),
		set("timeout", in.SetTimeout(o.Timeout)),
		set("buffer size", in.SetBufferSize(o.BufferSize)),
		set("immediate mode", in.SetImmediateMode(o.Immediate)),
	); err != nil {
		return nil, err
	}
	h, err := in.Activate()
	if err != nil {
		return nil, activateError(name, err)
	}
	l := &Live{h: h, name: name, snaplen: o.Snaplen, link: liveLinkType(h)}
	if o.Filter != "" {
		if err := h.SetBPFFilter(o.Filter); err != nil {
			h.Close()
			msg := strings.TrimPrefix(lowerFirst(err.Error()), "can't parse filter expression: ")
			return nil, fmt.Errorf("%w %q: %s", ErrBadFilter, o.Filter, msg)
		}
	}
	return l, nil
}

// activateError turns gopacket's activation errors, which are bare libpcap
// status names ("No Such Device", "Permission Denied"), into messages that
// say what to do.
func activateError(name string, err error) error {
	msg := err.Error()
	low := strings.ToLower(msg)
	switch {
	case msg == "No Such Device" || strings.Contains(low, "no such device"):
		return fmt.Errorf("capture on %q: %w (%s)", name, ErrNoInterface, available())
	case msg == "Permission Denied" || strings.Contains(low, "operation not permitted") || strings.Contains(low, "permission denied"):
		exe, _ := os.Executable()
		if exe == "" {
			exe = "portsift"
		}
		return fmt.Errorf("capture on %q: %w: live capture needs CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous mode); run it with sudo, or grant them once: sudo setcap cap_net_raw,cap_net_admin=eip %s",
			name, ErrPermission, filepath.Clean(exe))
	case msg == "Interface Not Up":
		return fmt.Errorf("capture on %q: the interface is down (ip link set %s up)", name, name)
	}
	return fmt.Errorf("capture on %q: %s", name, strings.TrimPrefix(lowerFirst(msg), "error: "))
}

// available names the interfaces that can be captured on, for messages.
func available() string {
	ifs, err := Interfaces()
	if err != nil || len(ifs) == 0 {
		return "no interfaces can be captured on here"
	}
	names := make([]string, len(ifs))
	for i, in := range ifs {
		names[i] = in.Name
	}
	return "available: " + strings.Join(names, ", ") + "; portsift sniff --list describes them"
}

// liveLinkType returns the handle's link type as mapLinkType maps it.
// gopacket truncates pcap_datalink to 8 bits (LINUX_SLL2, 276, comes out as
// 20); the 16-bit value is recovered from the interface's list of link
// types, whose names libpcap maps back to full values.
func liveLinkType(h *pcap.Handle) vocab.LinkType {
	lt := h.LinkType()
	raw := uint16(lt)
	if dls, err := h.ListDataLinks(); err == nil {
		for _, dl := range dls {
			if v := pcap.DatalinkNameToVal(dl.Name); v > 255 && uint8(v) == uint8(lt) {
				raw = uint16(v)
				break
			}
		}
	}
	return mapLinkType(raw)
}

// Next fills f with the next frame. When no frame arrived within the read
// timeout it returns ErrIdle; after Stop or Close, io.EOF. Any other error
// is libpcap's (the interface went away, say) and ends the capture. f.Data
// belongs to libpcap and is valid until the next call or Close. Next does
// not allocate.
func (l *Live) Next(f *Frame) error {
	if l.stopping.Load() {
		return io.EOF
	}
	data, ci, err := l.h.ZeroCopyReadPacketData()
	if err == nil {
		f.Data, f.Wire, f.Time, f.Link = data, ci.Length, ci.Timestamp.UnixNano(), l.link
		return nil
	}
	if err == pcap.NextErrorTimeoutExpired {
		if l.stopping.Load() {
			return io.EOF
		}
		return ErrIdle
	}
	if err == io.EOF || l.stopping.Load() {
		return io.EOF
	}
	return fmt.Errorf("capture on %q: %s", l.name, lowerFirst(l.readError(err)))
}

// Wait is Next without ErrIdle: it waits, in read-timeout steps, until a
// frame arrives or Stop is called.
func (l *Live) Wait(f *Frame) error {
	for {
		if err := l.Next(f); err != ErrIdle {
			return err
		}
	}
}

// readError gives the reason libpcap recorded for a failed read.
func (l *Live) readError(err error) string {
	if ne, ok := err.(pcap.NextError); ok && ne == pcap.NextErrorReadError {
		if e := l.h.Error(); e != nil && e.Error() != "" {
			return e.Error()
		}
	}
	return err.Error()
}

// Stop makes reads return io.EOF within the read timeout. It may be called
// from any goroutine (a signal handler's, say) and more than once.
func (l *Live) Stop() { l.stopping.Store(true) }

// Name is the interface name as given to OpenLive.
func (l *Live) Name() string { return l.name }

// Snaplen is the snapshot length in effect.
func (l *Live) Snaplen() int { return l.snaplen }

// LinkType is the interface's link type, mapped as for files: the Linux
// "any" device gives LinkLinuxSLL or LinkLinuxSLL2.
func (l *Live) LinkType() vocab.LinkType { return l.link }

// Stats returns the kernel's counters for this capture. After Close it
// returns those read at Close.
func (l *Live) Stats() (Stats, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return l.last, nil
	}
	return l.stats()
}

func (l *Live) stats() (Stats, error) {
	s, err := l.h.Stats()
	if err != nil {
		return Stats{}, fmt.Errorf("capture on %q: statistics: %s", l.name, lowerFirst(err.Error()))
	}
	return Stats{Received: uint64(uint32(s.PacketsReceived)), Dropped: uint64(uint32(s.PacketsDropped)), IfDropped: uint64(uint32(s.PacketsIfDropped))}, nil
}

// Close stops the capture and releases the handle, keeping the final
// statistics for Stats. It waits for a read in progress to end (at most the
// read timeout). It is safe to call more than once.
func (l *Live) Close() error {
	l.Stop()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	var err error
	l.last, err = l.stats()
	l.h.Close()
	return err
}

// pcap_findalldevs flags (pcap/pcap.h).
const (
	ifLoopback         = 0x1
	ifUp               = 0x2
	ifRunning          = 0x4
	ifWireless         = 0x8
	ifConnectionStatus = 0x30
	ifConnected        = 0x10
	ifDisconnected     = 0x20
)

// Interfaces lists the devices libpcap can capture on, in its order (the
// order of tcpdump -D), with their flags and addresses.
func Interfaces() ([]Interface, error) {
	devs, err := pcap.FindAllDevs()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %s", lowerFirst(err.Error()))
	}
	out := make([]Interface, 0, len(devs))
	for _, d := range devs {
		in := Interface{Name: d.Name, Description: d.Description, Flags: []string{}, Addrs: []netip.Prefix{}}
		for _, f := range []struct {
			bit  uint32
			name string
		}{{ifUp, "up"}, {ifRunning, "running"}, {ifWireless, "wireless"}, {ifLoopback, "loopback"}} {
			if d.Flags&f.bit != 0 {
				in.Flags = append(in.Flags, f.name)
			}
		}
		switch d.Flags & ifConnectionStatus {
		case ifConnected:
			in.Flags = append(in.Flags, "connected")
		case ifDisconnected:
			in.Flags = append(in.Flags, "disconnected")
		}
		for _, a := range d.Addresses {
			ip, ok := netip.AddrFromSlice(a.IP)
			if !ok {
				continue
			}
			ip = ip.Unmap()
			bits := ip.BitLen()
			if ones, size := net.IPMask(a.Netmask).Size(); size == ip.BitLen() {
				bits = ones
			}
			in.Addrs = append(in.Addrs, netip.PrefixFrom(ip, bits))
		}
		out = append(out, in)
	}
	return out, nil
}
