package classify

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

// Floods: a million distinct flows, or a million fragments that never
// complete, must cost bounded memory, keep counting, and say what was
// evicted or forgotten. Memory is measured with runtime.ReadMemStats (live
// heap after a GC) against the per-entry sizes documented in the README
// (Hostile input) and at DefaultMaxFlows; nothing here is timed.
//
// The documented bounds, in bytes of live heap per entry. Measured on
// amd64 with Go 1.26 (the tests log what they see): a flow slot costs about
// 200 bytes (152 in the slab, 16-32 its flow-table entry, whose table is
// kept at most half full; TestFloodFlowBytes), a host pair 66-80, an
// endpoint of rule 5's history about 60, the fragment table 10-19 MiB when
// full (65,536 entries). The bounds leave room for growth steps.
const (
	boundBytesPerFlow     = 240
	boundBytesPerHostPair = 96
	boundBytesPerEndpoint = 80
	boundFragTable        = 24 << 20
	// boundFixed is what a Tracker costs before its first flow: the
	// service index, link counters, the flow index made for 65,536 flows.
	boundFixed = 12 << 20
	floodSize  = 1 << 20
)

// liveHeap returns the bytes of live heap objects after a full GC.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// flood feeds n packets made by mk to a Tracker, 1 µs apart (a million
// packets span one second: nothing reaches the idle timeout).
type flood struct {
	t   *Tracker
	now time.Time
	rng *rand.Rand
}

func newFlood(o Options) *flood {
	return &flood{t: NewTracker(o), now: t0, rng: rand.New(rand.NewPCG(6, 6))}
}

func (f *flood) randAddrPort() netip.AddrPort {
	a := f.rng.Uint32()
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), uint16(1024+f.rng.IntN(64000)))
}

func (f *flood) send(s *decode.Summary) {
	f.t.Observe(f.now, 60, 60, vocab.LinkEthernet, s)
	f.now = f.now.Add(time.Microsecond)
}

// TestFloodSYN: a million SYNs from random sources to one server. The flow
// table stays at DefaultMaxFlows, every flow is counted, evictions are
// counted and shown, and the heap stays within the documented bound.
func TestFloodSYN(t *testing.T) {
	before := liveHeap()
	f := newFlood(Options{})
	server := netip.MustParseAddrPort("198.51.100.1:80")
	for range floodSize {
		s := decode.Summary{Bucket: vocab.BucketTCP, Proto: vocab.TCP, IPVersion: 4,
			Src: f.randAddrPort(), Dst: server, TCPFlags: decode.TCPSyn, HasFlags: true}
		f.send(&s)
	}
	grown := liveHeap() - before
	hosts := f.t.hosts.len()
	active := f.t.ActiveFlows()
	bound := uint64(boundFixed + DefaultMaxFlows*boundBytesPerFlow + hosts*boundBytesPerHostPair)
	t.Logf("SYN flood of %d flows: %d active, %d host pairs; heap grew %.1f MiB (bound %.1f MiB); per flow slot %.0f bytes with the hosts' share",
		floodSize, active, hosts, mib(grown), mib(bound), float64(grown)/float64(DefaultMaxFlows))
	if grown > bound {
		t.Errorf("heap grew %d bytes, more than the documented bound %d", grown, bound)
	}
	if active != DefaultMaxFlows {
		t.Errorf("%d flows in the table, want the bound %d", active, DefaultMaxFlows)
	}

	f.t.Finish()
	r := f.t.Report()
	if err := r.CheckTotals(); err != nil {
		t.Error(err)
	}
	if r.Flows.Total != floodSize || r.Flows.Evicted != floodSize-DefaultMaxFlows || r.Flows.ByReason["handshake"] != floodSize {
		t.Errorf("flows %+v, want %d in total, %d evicted, all by handshake", r.Flows, floodSize, floodSize-DefaultMaxFlows)
	}
	http := r.ServicePort(vocab.TCP, 80)
	if http == nil || http.Packets != floodSize || http.Flows != floodSize || http.Servers != 1 || http.Clients+r.HostsUntracked < floodSize*99/100 {
		t.Errorf("tcp/80 row %+v (hosts untracked %d)", http, r.HostsUntracked)
	}
	var text bytes.Buffer
	if err := render.WriteText(&text, r, render.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if want := "786,432 evicted (table full, --max-flows)"; !strings.Contains(text.String(), want) {
		t.Errorf("the table does not show the evictions (%q):\n%s", want, text.String())
	}
}

// TestFloodUDP: a million UDP flows between random ephemeral ports (no
// service side: the ephemeral row), each recorded in rule 5's endpoint
// history. The flow table and the history stay bounded.
func TestFloodUDP(t *testing.T) {
	before := liveHeap()
	f := newFlood(Options{})
	for range floodSize {
		src := netip.AddrPortFrom(f.randAddrPort().Addr(), uint16(49152+f.rng.IntN(16000)))
		dst := netip.AddrPortFrom(f.randAddrPort().Addr(), uint16(49152+f.rng.IntN(16000)))
		s := decode.Summary{Bucket: vocab.BucketUDP, Proto: vocab.UDP, IPVersion: 4, Src: src, Dst: dst}
		f.send(&s)
	}
	grown := liveHeap() - before
	eps := len(f.t.eps) + len(f.t.epsOld)
	bound := uint64(boundFixed + DefaultMaxFlows*boundBytesPerFlow + 2*DefaultMaxFlows*boundBytesPerEndpoint)
	t.Logf("UDP flood of %d flows: %d active, %d endpoints remembered; heap grew %.1f MiB (bound %.1f MiB)",
		floodSize, f.t.ActiveFlows(), eps, mib(grown), mib(bound))
	if grown > bound {
		t.Errorf("heap grew %d bytes, more than the documented bound %d", grown, bound)
	}
	if eps > 2*DefaultMaxFlows {
		t.Errorf("%d endpoints remembered, want at most 2*DefaultMaxFlows", eps)
	}
	f.t.Finish()
	r := f.t.Report()
	if err := r.CheckTotals(); err != nil {
		t.Error(err)
	}
	// A few random ports in 49152-65151 have registry names: their flows
	// have a service side.
	if r.Flows.Total != floodSize || r.Flows.Evicted != floodSize-DefaultMaxFlows || r.Ephemeral.Flows < floodSize*99/100 {
		t.Errorf("ephemeral row %+v, flows %+v; want %d flows, almost all ephemeral, %d evicted", r.Ephemeral, r.Flows, floodSize, floodSize-DefaultMaxFlows)
	}
	runtime.KeepAlive(f)
}

// TestFloodHostTable: distinct clients beyond MaxHosts are not remembered;
// they are counted as untracked and the table says the columns are lower
// bounds. The offline path is bounded, as the live one.
func TestFloodHostTable(t *testing.T) {
	const maxHosts, n = 1000, 5000
	f := newFlood(Options{MaxHosts: maxHosts})
	server := netip.MustParseAddrPort("198.51.100.1:53")
	for range n {
		s := decode.Summary{Bucket: vocab.BucketUDP, Proto: vocab.UDP, IPVersion: 4, Src: f.randAddrPort(), Dst: server}
		f.send(&s)
	}
	f.t.settle(false) // hosts are counted when a flow's side is decided
	if f.t.hosts.len() != maxHosts {
		t.Errorf("host table has %d pairs, want the bound %d", f.t.hosts.len(), maxHosts)
	}
	f.t.Finish()
	r := f.t.Report()
	dns := r.ServicePort(vocab.UDP, 53)
	if dns == nil || dns.Flows != n || dns.Clients+dns.Servers != maxHosts || r.HostsUntracked != n+1-maxHosts {
		t.Fatalf("udp/53 %+v, untracked %d; want %d flows, %d hosts counted, %d untracked", dns, r.HostsUntracked, n, maxHosts, n+1-maxHosts)
	}
	var text bytes.Buffer
	render.WriteText(&text, r, render.TextOptions{})
	if want := "hosts:    4,001 (service, address) pairs not counted (host table full): CLIENTS and SERVERS are lower bounds\n"; !strings.Contains(text.String(), want) {
		t.Errorf("the table does not say the host counts are lower bounds (%q):\n%s", want, text.String())
	}
	// The default bound applies to files too.
	if tr := NewTracker(Options{}); tr.maxHosts != DefaultMaxHosts {
		t.Errorf("NewTracker(Options{}).maxHosts = %d, want DefaultMaxHosts", tr.maxHosts)
	}
}

// TestFloodFirstFragments: a million first fragments (ports readable, more
// fragments announced) whose later fragments never come, from 1,024
// clients with a new IP ID each time. The fragment table stays at 65,536
// entries, the forgotten ones are counted, and entries expire 30 s (packet
// time) after they were made.
func TestFloodFirstFragments(t *testing.T) {
	before := liveHeap()
	f := newFlood(Options{})
	dst := netip.MustParseAddrPort("198.51.100.1:2049")
	src := func(i int) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8 & 3), byte(i)}), 700)
	}
	first := func(i int) {
		s := decode.Summary{Bucket: vocab.BucketUDP, Proto: vocab.UDP, IPVersion: 4,
			Src: src(i), Dst: dst, Fragment: true, FragID: uint32(i)}
		f.send(&s)
	}
	later := func(i int) {
		s := decode.Summary{Bucket: vocab.BucketFragment, Proto: vocab.UDP, IPVersion: 4,
			Src: netip.AddrPortFrom(src(i).Addr(), 0), Dst: netip.AddrPortFrom(dst.Addr(), 0), Fragment: true, FragID: uint32(i), FragOffset: 185}
		f.send(&s)
	}
	for i := range floodSize {
		first(i)
	}
	grown := liveHeap() - before
	bound := uint64(boundFixed + boundFragTable)
	t.Logf("first-fragment flood of %d: %d in the fragment table, %d forgotten; heap grew %.1f MiB (bound %.1f MiB)",
		floodSize, f.t.shards[0].frags.len(), f.t.fragsLost, mib(grown), mib(bound))
	if n := f.t.shards[0].frags.len(); n != maxFrags {
		t.Errorf("fragment table: %d entries; want %d", n, maxFrags)
	}
	if grown > bound {
		t.Errorf("heap grew %d bytes, more than the documented bound %d for a full fragment table", grown, bound)
	}
	// A later fragment of a first fragment still in the table is attributed;
	// one of a forgotten first fragment is not.
	later(floodSize - 1)
	later(0)
	r := f.t.Report()
	if r.Fragments.Attributed.Frames != 1 || r.Fragments.Unattributed.Frames != 1 || r.Fragments.Untracked != floodSize-maxFrags {
		t.Errorf("fragments %+v; want 1 attributed (the newest), 1 unattributed (the oldest, forgotten), %d untracked", r.Fragments, floodSize-maxFrags)
	}
	// 30 s later every entry has expired: the next settlement leaves only
	// the newest (expiry walks the queue from the oldest entry).
	f.now = f.now.Add(fragTimeout + time.Second)
	first(7)
	f.t.settle(true)
	if n := f.t.shards[0].frags.len(); n != 1 {
		t.Errorf("after %v: %d fragment entries, want only the newest", fragTimeout, n)
	}
	f.t.Finish()
	r = f.t.Report()
	if err := r.CheckTotals(); err != nil {
		t.Error(err)
	}
	var text bytes.Buffer
	render.WriteText(&text, r, render.TextOptions{})
	if want := "983,040 first fragments forgotten early (fragment table full)"; !strings.Contains(text.String(), want) {
		t.Errorf("the table does not show the forgotten fragments (%q):\n%s", want, text.String())
	}
}

// TestFloodLaterFragments: a million non-first fragments with no first
// fragment: each is counted as unattributed and none is remembered.
func TestFloodLaterFragments(t *testing.T) {
	before := liveHeap()
	f := newFlood(Options{})
	dst := netip.MustParseAddr("198.51.100.1")
	for i := range floodSize {
		s := decode.Summary{Bucket: vocab.BucketFragment, Proto: vocab.UDP, IPVersion: 4,
			Src: netip.AddrPortFrom(f.randAddrPort().Addr(), 0), Dst: netip.AddrPortFrom(dst, 0), Fragment: true, FragID: uint32(i), FragOffset: 8}
		f.send(&s)
	}
	grown := liveHeap() - before
	t.Logf("later-fragment flood of %d: heap grew %.1f MiB", floodSize, mib(grown))
	if f.t.shards[0].frags.len() != 0 || f.t.ActiveFlows() != 0 || grown > boundFixed {
		t.Errorf("%d fragment entries, %d flows, heap grew %d bytes: orphan fragments must leave no state", f.t.shards[0].frags.len(), f.t.ActiveFlows(), grown)
	}
	r := f.t.Report()
	if err := r.CheckTotals(); err != nil {
		t.Error(err)
	}
	if r.Buckets[vocab.BucketFragment].Frames != floodSize || r.Fragments.Unattributed.Frames != floodSize {
		t.Errorf("fragment bucket %+v, fragments %+v; want all %d unattributed", r.Buckets[vocab.BucketFragment], r.Fragments, floodSize)
	}
}

// TestFloodEndpointHistory: rule 5's endpoint history is bounded (two
// generations of MaxFlows endpoints) and keeps learning after a scan has
// filled it: a resolver on an unnamed port that starts answering after a
// flood of one-off flows is still recognised by its fixed port.
func TestFloodEndpointHistory(t *testing.T) {
	const maxFlows = 1000
	f := newFlood(Options{MaxFlows: maxFlows})
	victim := netip.MustParseAddr("198.51.100.9")
	for range 50 * maxFlows { // UDP between random ephemeral ports: no service, but rule 5's history records both ends
		src := netip.AddrPortFrom(f.randAddrPort().Addr(), uint16(49152+f.rng.IntN(16000)))
		s := decode.Summary{Bucket: vocab.BucketUDP, Proto: vocab.UDP, IPVersion: 4, Src: src,
			Dst: netip.AddrPortFrom(victim, uint16(49152+f.rng.IntN(16000)))}
		f.send(&s)
	}
	if n := len(f.t.eps) + len(f.t.epsOld); n > 2*maxFlows {
		t.Errorf("endpoint history holds %d entries, want at most 2*MaxFlows = %d", n, 2*maxFlows)
	}
	// After the scan: a server on 28111/udp (unnamed, outside the
	// ephemeral ranges) answers clients on 50000+ (ephemeral): rule 4
	// picks 28111. Then a client on 23456 (unnamed, outside the ranges
	// too), where rule 4 would pick the lower port, 23456: only the
	// history (port-stability) keeps the server's side.
	srv := netip.AddrPortFrom(netip.MustParseAddr("198.51.100.53"), 28111)
	cli := netip.MustParseAddr("192.0.2.7")
	for i := range 3 {
		s := decode.Summary{Bucket: vocab.BucketUDP, Proto: vocab.UDP, IPVersion: 4, Src: netip.AddrPortFrom(cli, uint16(50000+i)), Dst: srv}
		f.send(&s)
	}
	s := decode.Summary{Bucket: vocab.BucketUDP, Proto: vocab.UDP, IPVersion: 4, Src: netip.AddrPortFrom(cli, 23456), Dst: srv}
	f.send(&s)
	r := f.t.Report()
	if row := r.ServicePort(vocab.UDP, 28111); row == nil || row.Flows != 4 {
		t.Errorf("udp/28111 %+v: want all 4 flows, the last one by port-stability although the client port is lower", row)
	}
	if row := r.ServicePort(vocab.UDP, 23456); row != nil {
		t.Errorf("udp/23456 became a service %+v: the endpoint history stopped learning after the flood", row)
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// TestFloodFlowBytes measures what a flow costs alone: a million SYNs from
// 64 addresses on random ports (so the host table stays small) fill the
// table to DefaultMaxFlows and keep evicting; the heap per flow slot is
// logged (README, Hostile input) and held to boundBytesPerFlow.
func TestFloodFlowBytes(t *testing.T) {
	before := liveHeap()
	f := newFlood(Options{})
	server := netip.MustParseAddrPort("198.51.100.1:80")
	for i := range floodSize {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, 0, byte(i & 63)}), uint16(1024+f.rng.IntN(64000)))
		s := decode.Summary{Bucket: vocab.BucketTCP, Proto: vocab.TCP, IPVersion: 4,
			Src: src, Dst: server, TCPFlags: decode.TCPSyn, HasFlags: true}
		f.send(&s)
	}
	grown := liveHeap() - before
	active := f.t.ActiveFlows()
	perFlow := float64(grown) / float64(active)
	t.Logf("SYN flood of %d flows from 64 hosts: %d active, %d evicted, %d host pairs; heap grew %.1f MiB: %.0f bytes per flow slot",
		floodSize, active, f.t.evicted, f.t.hosts.len(), mib(grown), perFlow)
	if active > DefaultMaxFlows || perFlow > boundBytesPerFlow {
		t.Errorf("%d flows active (bound %d), %.0f bytes each (bound %d)", active, DefaultMaxFlows, perFlow, boundBytesPerFlow)
	}
}
