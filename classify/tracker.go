package classify

import (
	"io"
	"net/netip"
	"time"

	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/registry"
)

// Defaults for Options fields left zero.
const (
	// DefaultMaxFlows bounds the flow table. A flow slot costs 195-305
	// bytes (128 in the slab, the rest its index entry; measured in
	// classify/flood_test.go with a million SYN-flood flows), so the table
	// stays under 90 MiB however many flows arrive; beyond it the longest
	// idle flow is evicted and counted. 262,144 flows alive within one
	// idle timeout is more than a busy server sees (a resolver doing 2,000
	// queries/s from random ports keeps 240,000). It was 1,048,576: up to
	// 320 MiB for the table alone.
	DefaultMaxFlows    = 1 << 18
	DefaultIdleTimeout = 2 * time.Minute
	// DefaultMaxHosts bounds the table of distinct (service, client or
	// server address) pairs behind the clients and servers columns, offline
	// and live. 66-96 bytes each: 1,048,576 pairs are at most 96 MiB. Pairs
	// beyond it are counted in Report.HostsUntracked and not in clients or
	// servers, which become lower bounds.
	DefaultMaxHosts = 1 << 20
	// fragTimeout is how long a first fragment's flow stays findable for
	// later fragments (Linux's ipfrag_time is 30s).
	fragTimeout = 30 * time.Second
	// maxFrags bounds the fragment table; first fragments beyond it are not
	// remembered and their later fragments count as unattributed.
	maxFrags = 1 << 16
	// stabilityFlows is how many earlier flows, with varying peer ports, an
	// endpoint needs before rule 5 calls it a service.
	stabilityFlows = 2
)

// Options configure a Tracker. The zero value is usable: the embedded
// registry, the default ephemeral ranges (iana,linux), DefaultMaxFlows and
// DefaultIdleTimeout.
type Options struct {
	Registry    *registry.Registry  // nil: registry.Default()
	Ephemeral   *registry.Ephemeral // nil: registry.DefaultEphemeral()
	MaxFlows    int                 // flow table bound; the longest idle flow is evicted beyond it
	MaxHosts    int                 // distinct (service, host) pairs counted; 0: DefaultMaxHosts
	IdleTimeout time.Duration       // a flow with no packet for this long (packet time) ends
	// FlowLog, when set, receives every flow when it ends (and all open
	// flows at Finish), in that order. The record is only valid during the call.
	FlowLog func(*FlowRecord)

	// The fields below are used by ReadFiles and ReadFrom only (read.go);
	// NewTracker ignores them.
	Filter  string                   // BPF expression (libpcap syntax); "" keeps every frame
	Count   uint64                   // stop after this many frames (after the filter); 0: all
	Stdin   io.Reader                // read for the file name "-"; nil: os.Stdin
	Started func(ReadProgress) error // called once the inputs are open, before the first frame
	// Threads is how many goroutines read: 1 reads, decodes and counts on
	// one; 0 (automatic) or more pipelines reading and decoding on one
	// goroutine with counting on another when GOMAXPROCS > 1. Reports are
	// identical either way.
	Threads int

	// Decap describes tunnelled frames by their innermost packet instead of
	// the outer one (decode.Decoder.Decap), opening at most DecapDepth
	// tunnels (decode.DefaultMaxDepth when 0). Used by ReadFiles, ReadFrom
	// and RunLive's callers; the Tracker counts tunnels either way.
	Decap      bool
	DecapDepth int
}

// flowKey is a flow's bidirectional 5-tuple, canonicalized so that both
// directions hit one entry (lower address first, then lower port). Fixed
// byte arrays instead of netip.AddrPort keep the key plain memory, which Go
// maps hash in one pass; netip.Addr carries a pointer (its zone).
type flowKey struct {
	a, b   [16]byte
	pa, pb uint16
	proto  uint8
	v4     bool
}

// flow is one entry of the slab. Directions: 0 client→server, 1 server→client.
type flow struct {
	key        flowKey
	gen        uint32 // bumped when the slot is reused, so fragments find only their own flow
	alive      bool
	cliIsA     bool // the client is key.a (else key.b)
	closed     uint8
	reason     Reason
	svc        int32 // index into Tracker.svcs; -1: ephemeral
	first      int64 // unix nanoseconds
	last       int64
	pkts       [2]uint64
	bytes      [2]uint64
	frags      uint64
	fragBytes  uint64
	prev, next int32 // LRU list by last packet time; -1 ends
}

// The flow slab grows by chunks of chunkSize flows (about 1 MiB). A single
// slice would be copied on every growth, and copying a 100 MiB table into
// fresh pages cost a quarter of the run time on a 95k-flow trace.
const (
	chunkShift = 13
	chunkSize  = 1 << chunkShift
)

// flow returns slot i of the slab.
func (t *Tracker) flow(i int32) *flow { return &t.chunks[i>>chunkShift][i&(chunkSize-1)] }

// closed values.
const (
	open uint8 = iota
	closedFin
	closedRst
)

// svcStats are the counters of one service (proto, port).
type svcStats struct {
	proto     decode.Proto
	port      uint16
	entry     *registry.Entry
	pkts      [2]uint64
	bytes     [2]uint64
	flows     uint64
	frags     uint64
	fragBytes uint64
	clients   uint64
	servers   uint64
	hosts     map[netip.Addr]struct{} // alerts only
}

type hostKey struct {
	svc    int32
	server bool
	addr   [16]byte
}

type fragKey struct {
	src, dst [16]byte
	id       uint32
	proto    uint8
}

type fragEntry struct {
	flow    int32
	gen     uint32
	expires int64
}

type epKey struct {
	addr  [16]byte
	port  uint16
	proto uint8
}

type epStat struct {
	flows    uint32
	peerPort uint16
	varied   bool
}

// tunnelStats count the frames of one tunnel type.
type tunnelStats struct {
	frames, bytes, decap, damaged, deep uint64
}

// Counter is a frame and byte count. Bytes are wire bytes (the frames'
// original length).
type Counter struct {
	Frames uint64 `json:"frames"`
	Bytes  uint64 `json:"bytes"`
}

func (c *Counter) add(n uint64) { c.Frames++; c.Bytes += n }

// Tracker counts frames, tracks flows and decides service sides. It is not
// safe for concurrent use: one goroutine observes, and readers get copies
// through Report.
type Tracker struct {
	reg         *registry.Registry
	eph         registry.Ephemeral
	maxFlows    int
	idle        int64
	flowLog     func(*FlowRecord)
	flowIdx     map[flowKey]int32
	chunks      []*[chunkSize]flow // the flow slab: fixed chunks, so growing never copies
	nflows      int32
	free        []int32
	lruHead     int32
	lruTail     int32
	svcIdx      [3][65536]int32 // per transport (tcp, udp, sctp): index+1 into svcs
	svcs        []svcStats
	ephRow      svcStats // the ephemeral row
	hosts       map[hostKey]struct{}
	frags       map[fragKey]fragEntry
	fragRing    []fragKey // keys of frags in arrival order (a ring of maxFrags)
	fragHead    int
	fragLen     int
	eps, epsOld map[epKey]epStat // rule 5's endpoint history in two generations (see stability)
	buckets     [decode.NumBuckets]Counter
	tunnels     [decode.NumTunnels]tunnelStats
	decapDepth  int                 // 0: tunnels counted as their outer flow; else Options.Decap's depth limit
	nonIP       map[uint32]*Counter // EtherType, or link type<<16 for an unknown link
	otherIP     [256]Counter
	links       [1 << 16]uint32 // frames per link type; wraps are avoided by linksBig
	linksBig    map[decode.LinkType]uint64
	frames      uint64
	bytes       uint64
	captured    uint64
	short       uint64
	first, last int64
	totalFlows  uint64
	evicted     uint64
	expired     uint64
	byReason    [numReasons]uint64
	unattrib    Counter
	fragsLost   uint64
	rec         FlowRecord
	// maxHosts bounds hosts when > 0 (live captures, RunLive); pairs beyond
	// it are counted in hostsLost instead. NewTracker sets DefaultMaxHosts
	// (or Options.MaxHosts); RunLive may override it.
	maxHosts  int
	hostsLost uint64
	fp        string // reg.Fingerprint(), computed on the first Report
}

// NewTracker returns a Tracker configured by opts.
func NewTracker(opts Options) *Tracker {
	t := &Tracker{
		reg:      opts.Registry,
		maxFlows: opts.MaxFlows,
		maxHosts: opts.MaxHosts,
		idle:     int64(opts.IdleTimeout),
		flowLog:  opts.FlowLog,
		hosts:    make(map[hostKey]struct{}),
		frags:    make(map[fragKey]fragEntry),
		eps:      make(map[epKey]epStat),
		nonIP:    make(map[uint32]*Counter),
		linksBig: make(map[decode.LinkType]uint64),
		lruHead:  -1,
		lruTail:  -1,
	}
	if t.reg == nil {
		t.reg = registry.Default()
	}
	if opts.Decap {
		t.decapDepth = opts.DecapDepth
		if t.decapDepth <= 0 {
			t.decapDepth = decode.DefaultMaxDepth
		}
	}
	if opts.Ephemeral != nil {
		t.eph = *opts.Ephemeral
	} else {
		t.eph = registry.DefaultEphemeral()
	}
	if t.maxFlows <= 0 {
		t.maxFlows = DefaultMaxFlows
	}
	if t.maxHosts <= 0 {
		t.maxHosts = DefaultMaxHosts
	}
	if t.idle <= 0 {
		t.idle = int64(DefaultIdleTimeout)
	}
	t.flowIdx = make(map[flowKey]int32, min(t.maxFlows, 1<<16))
	return t
}

// transportIndex maps TCP/UDP/SCTP to 0..2.
func transportIndex(p decode.Proto) int {
	switch p {
	case decode.ProtoTCP:
		return 0
	case decode.ProtoUDP:
		return 1
	}
	return 2
}

// Observe counts one decoded frame: ts is its capture time, wire its
// original length, captured the bytes captured, link its link type.
// It does not allocate for frames of known flows.
func (t *Tracker) Observe(ts time.Time, wire, captured int, link decode.LinkType, s *decode.Summary) {
	now := ts.UnixNano()
	if t.frames == 0 || now < t.first {
		t.first = now
	}
	if now > t.last {
		t.last = now
	}
	t.frames++
	t.bytes += uint64(wire)
	t.captured += uint64(captured)
	if t.links[link]++; t.links[link] == 0 { // a dense counter per link type, spilled every 2^32 frames
		t.linksBig[link] += 1 << 32
	}
	t.buckets[s.Bucket].add(uint64(wire))
	if s.Tunnel != decode.TunnelNone {
		ts := &t.tunnels[s.Tunnel]
		ts.frames++
		ts.bytes += uint64(wire)
		if s.Decap > 0 {
			ts.decap++
		}
		if s.InnerDamaged {
			ts.damaged++
		}
		if s.DepthExceeded {
			ts.deep++
		}
	}
	t.expire(now)
	switch s.Bucket {
	case decode.BucketTCP, decode.BucketUDP, decode.BucketSCTP:
		if s.Short {
			t.short++
		}
		t.observeFlow(now, uint64(wire), s)
	case decode.BucketFragment:
		t.observeFragment(now, uint64(wire), s)
	case decode.BucketOtherIP:
		t.otherIP[s.Proto].add(uint64(wire))
	case decode.BucketNonIP:
		t.countNonIP(link, s.EtherType, uint64(wire))
	}
}

func (t *Tracker) countNonIP(link decode.LinkType, et uint16, wire uint64) {
	key := uint32(et)
	switch {
	case !decode.SupportedLink(link):
		key = uint32(link)<<16 | 0xffff
	case et == 0 && link != decode.LinkEthernet && link != decode.LinkLinuxSLL && link != decode.LinkLinuxSLL2 && link != decode.LinkCiscoHDLC:
		// No EtherType to name the frame by (an 802.11 management frame,
		// an NFLOG record without the packet): name it by its link type.
		key = uint32(link)<<16 | 0xffff
	}
	c := t.nonIP[key]
	if c == nil {
		c = new(Counter)
		t.nonIP[key] = c
	}
	c.add(wire)
}

func makeKey(s *decode.Summary) (k flowKey, srcIsA bool) {
	src, dst := s.Src.Addr().As16(), s.Dst.Addr().As16()
	sp, dp := s.Src.Port(), s.Dst.Port()
	k.proto = uint8(s.Proto)
	k.v4 = s.IPVersion == 4
	srcIsA = less(src, sp, dst, dp)
	if srcIsA {
		k.a, k.pa, k.b, k.pb = src, sp, dst, dp
	} else {
		k.a, k.pa, k.b, k.pb = dst, dp, src, sp
	}
	return k, srcIsA
}

func less(a [16]byte, pa uint16, b [16]byte, pb uint16) bool {
	if a != b {
		for i := range a {
			if a[i] != b[i] {
				return a[i] < b[i]
			}
		}
	}
	return pa <= pb
}

func (t *Tracker) observeFlow(now int64, wire uint64, s *decode.Summary) {
	k, srcIsA := makeKey(s)
	i, ok := t.flowIdx[k]
	if ok {
		f := t.flow(i)
		if f.closed != open && s.Proto == decode.ProtoTCP && s.HasFlags && s.TCPFlags&(decode.TCPSyn|decode.TCPAck) == decode.TCPSyn {
			t.end(i, f.closed) // a new SYN on a closed tuple starts a new flow
			ok = false
		}
	}
	if !ok {
		i = t.newFlow(now, k, srcIsA, s)
	}
	f := t.flow(i)
	dir := 0
	if srcIsA != f.cliIsA {
		dir = 1
	}
	f.pkts[dir]++
	f.bytes[dir] += wire
	f.last = now
	t.touch(i)
	if f.svc >= 0 {
		sv := &t.svcs[f.svc]
		sv.pkts[dir]++
		sv.bytes[dir] += wire
	} else {
		t.ephRow.pkts[dir]++
		t.ephRow.bytes[dir] += wire
	}
	if s.Proto == decode.ProtoTCP && s.HasFlags && f.closed == open {
		if s.TCPFlags&decode.TCPRst != 0 {
			f.closed = closedRst
		} else if s.TCPFlags&decode.TCPFin != 0 {
			f.closed = closedFin
		}
	}
	if s.Fragment { // a first fragment: later ones will look for this flow
		t.rememberFragment(now, s, i)
	}
}

// newFlow creates the flow for k, deciding its service side from s.
func (t *Tracker) newFlow(now int64, k flowKey, srcIsA bool, s *decode.Summary) int32 {
	for len(t.flowIdx) >= t.maxFlows && t.lruHead >= 0 {
		t.evicted++
		t.end(t.lruHead, endEvicted)
	}
	rp := regProto(s.Proto)
	sp, dp := s.Src.Port(), s.Dst.Port()
	se, de := t.reg.Lookup(rp, sp), t.reg.Lookup(rp, dp)
	side := DecideSide(Ports{
		Proto: s.Proto, Src: sp, Dst: dp,
		SrcNamed: se != nil && se.Name != "", DstNamed: de != nil && de.Name != "",
		SrcEph: t.eph.Contains(sp), DstEph: t.eph.Contains(dp),
		TCPFlags: s.TCPFlags, SCTPChunk: s.SCTPChunk, HasFlags: s.HasFlags,
	})
	srcAddr, dstAddr := s.Src.Addr().As16(), s.Dst.Addr().As16()
	if side.Reason >= ReasonWellKnown && side.Reason <= ReasonEphemeral && s.Proto != decode.ProtoSCTP {
		side = t.stability(side, s.Proto, srcAddr, sp, dstAddr, dp)
	}

	var i int32
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		i = t.nflows
		if int(i)>>chunkShift == len(t.chunks) {
			t.chunks = append(t.chunks, new([chunkSize]flow))
		}
		t.nflows++
	}
	f := t.flow(i)
	gen := f.gen + 1
	*f = flow{key: k, gen: gen, alive: true, reason: side.Reason, first: now, last: now, prev: -1, next: -1, svc: -1}
	// The client is the source unless the destination is the client.
	cliIsSrc := side.ServerIsDst || side.Reason == ReasonEphemeral
	f.cliIsA = cliIsSrc == srcIsA
	t.flowIdx[k] = i
	t.lruPush(i)
	t.totalFlows++
	t.byReason[side.Reason]++

	if side.Reason == ReasonEphemeral {
		t.ephRow.flows++
		return i
	}
	svPort, svEntry, svAddr, cliAddr := dp, de, dstAddr, srcAddr
	if !side.ServerIsDst {
		svPort, svEntry, svAddr, cliAddr = sp, se, srcAddr, dstAddr
	}
	f.svc = t.service(s.Proto, svPort, svEntry)
	sv := &t.svcs[f.svc]
	sv.flows++
	if t.addHost(hostKey{svc: f.svc, server: false, addr: cliAddr}) {
		sv.clients++
	}
	if t.addHost(hostKey{svc: f.svc, server: true, addr: svAddr}) {
		sv.servers++
	}
	if sv.hosts != nil && len(sv.hosts) < maxAlertHosts {
		sv.hosts[addrOf(cliAddr, k.v4)] = struct{}{}
		sv.hosts[addrOf(svAddr, k.v4)] = struct{}{}
	}
	return i
}

// maxAlertHosts bounds the hosts an alert lists.
const maxAlertHosts = 64

func addrOf(b [16]byte, v4 bool) netip.Addr {
	a := netip.AddrFrom16(b)
	if v4 {
		return a.Unmap()
	}
	return a
}

func (t *Tracker) addHost(k hostKey) bool {
	if _, ok := t.hosts[k]; ok {
		return false
	}
	if t.maxHosts > 0 && len(t.hosts) >= t.maxHosts {
		t.hostsLost++
		return false
	}
	t.hosts[k] = struct{}{}
	return true
}

// service returns the index of the counters for (proto, port), creating them.
func (t *Tracker) service(p decode.Proto, port uint16, e *registry.Entry) int32 {
	ti := transportIndex(p)
	if j := t.svcIdx[ti][port]; j != 0 {
		return j - 1
	}
	sv := svcStats{proto: p, port: port, entry: e}
	if e != nil && e.Risk == registry.RiskAlert {
		sv.hosts = make(map[netip.Addr]struct{})
	}
	t.svcs = append(t.svcs, sv)
	t.svcIdx[ti][port] = int32(len(t.svcs))
	return int32(len(t.svcs) - 1)
}

// stability applies rule 5: if exactly one endpoint has been seen in earlier
// flows with varying peer ports while keeping its own, it is the service. It
// also records both endpoints for later flows.
func (t *Tracker) stability(side Side, p decode.Proto, src [16]byte, sp uint16, dst [16]byte, dp uint16) Side {
	ks, kd := epKey{src, sp, uint8(p)}, epKey{dst, dp, uint8(p)}
	es, ed := t.endpoint(ks), t.endpoint(kd)
	srcStable := es.flows >= stabilityFlows && es.varied
	dstStable := ed.flows >= stabilityFlows && ed.varied
	if srcStable != dstStable {
		side = Side{ServerIsDst: dstStable, Reason: ReasonPortStability}
	}
	t.eps[ks] = seen(es, dp)
	t.eps[kd] = seen(ed, sp)
	if len(t.eps) >= t.maxFlows {
		t.epsOld, t.eps = t.eps, make(map[epKey]epStat)
	}
	return side
}

// endpoint returns the history of k: from the current generation, else the
// previous one.
//
// The history is kept in two generations so that it is bounded and still
// learns: lookups try eps, then epsOld; when eps reaches maxFlows entries
// it becomes epsOld and the older generation is dropped. An endpoint seen
// again is copied into eps, so what is forgotten is what was not seen for a
// whole generation. At most 2*maxFlows entries (about 40 bytes each); a
// single table that stopped growing when full would stop learning for the
// rest of a capture after one scan.
func (t *Tracker) endpoint(k epKey) epStat {
	if e, ok := t.eps[k]; ok {
		return e
	}
	return t.epsOld[k]
}

func seen(e epStat, peer uint16) epStat {
	if e.flows > 0 && e.peerPort != peer {
		e.varied = true
	}
	e.flows++
	e.peerPort = peer
	return e
}

func (t *Tracker) rememberFragment(now int64, s *decode.Summary, i int32) {
	t.expireFrags(now)
	k := fragKey{src: s.Src.Addr().As16(), dst: s.Dst.Addr().As16(), id: s.FragID, proto: uint8(s.Proto)}
	if _, ok := t.frags[k]; !ok {
		if t.fragRing == nil {
			t.fragRing = make([]fragKey, maxFrags)
		}
		if t.fragLen == maxFrags { // full: forget the oldest first fragment
			t.dropOldestFrag()
			t.fragsLost++
		}
		t.fragRing[(t.fragHead+t.fragLen)%maxFrags] = k
		t.fragLen++
	}
	t.frags[k] = fragEntry{flow: i, gen: t.flow(i).gen, expires: now + int64(fragTimeout)}
}

// expireFrags forgets first fragments older than fragTimeout, oldest first.
// The ring holds keys in arrival order, so this costs O(1) per fragment
// however large the table (a flood of fragments that never complete).
func (t *Tracker) expireFrags(now int64) {
	for t.fragLen > 0 {
		if e, ok := t.frags[t.fragRing[t.fragHead]]; ok && e.expires >= now {
			return
		}
		t.dropOldestFrag()
	}
}

func (t *Tracker) dropOldestFrag() {
	delete(t.frags, t.fragRing[t.fragHead])
	t.fragHead = (t.fragHead + 1) % maxFrags
	t.fragLen--
}

func (t *Tracker) observeFragment(now int64, wire uint64, s *decode.Summary) {
	k := fragKey{src: s.Src.Addr().As16(), dst: s.Dst.Addr().As16(), id: s.FragID, proto: uint8(s.Proto)}
	fe, ok := t.frags[k]
	if !ok || fe.expires < now || !t.flow(fe.flow).alive || t.flow(fe.flow).gen != fe.gen {
		t.unattrib.add(wire)
		return
	}
	f := t.flow(fe.flow)
	src := s.Src.Addr().As16()
	dir := 0
	if (src == f.key.a) != f.cliIsA {
		dir = 1
	}
	f.pkts[dir]++
	f.bytes[dir] += wire
	f.frags++
	f.fragBytes += wire
	f.last = now
	t.touch(fe.flow)
	if f.svc >= 0 {
		sv := &t.svcs[f.svc]
		sv.frags++
		sv.fragBytes += wire
	} else {
		t.ephRow.frags++
		t.ephRow.fragBytes += wire
	}
}

// expire ends flows idle for longer than the idle timeout at packet time now.
func (t *Tracker) expire(now int64) {
	for t.lruHead >= 0 {
		f := t.flow(t.lruHead)
		if now-f.last <= t.idle {
			return
		}
		t.expired++
		end := endIdle
		if f.closed != open {
			end = f.closed
		}
		t.end(t.lruHead, end)
	}
}

// end values beyond closedFin/closedRst.
const (
	endIdle uint8 = iota + 3
	endEvicted
	endEOF
)

var endNames = [...]string{closedFin: "fin", closedRst: "rst", endIdle: "idle", endEvicted: "evicted", endEOF: "eof"}

// end removes flow i from the table, logging it with how it ended.
func (t *Tracker) end(i int32, how uint8) {
	f := t.flow(i)
	if t.flowLog != nil {
		t.fillRecord(f, how)
		t.flowLog(&t.rec)
	}
	delete(t.flowIdx, f.key)
	t.lruRemove(i)
	f.alive = false
	t.free = append(t.free, i)
}

// Finish ends every open flow (end "eof", or "fin"/"rst" if it was closed)
// in the order they were last seen. Call it once after the last frame.
func (t *Tracker) Finish() {
	for t.lruHead >= 0 {
		f := t.flow(t.lruHead)
		how := endEOF
		if f.closed != open {
			how = f.closed
		}
		t.end(t.lruHead, how)
	}
}

// ActiveFlows returns the number of flows in the table.
func (t *Tracker) ActiveFlows() int { return len(t.flowIdx) }

func (t *Tracker) lruPush(i int32) {
	f := t.flow(i)
	f.prev, f.next = t.lruTail, -1
	if t.lruTail >= 0 {
		t.flow(t.lruTail).next = i
	} else {
		t.lruHead = i
	}
	t.lruTail = i
}

func (t *Tracker) lruRemove(i int32) {
	f := t.flow(i)
	if f.prev >= 0 {
		t.flow(f.prev).next = f.next
	} else {
		t.lruHead = f.next
	}
	if f.next >= 0 {
		t.flow(f.next).prev = f.prev
	} else {
		t.lruTail = f.prev
	}
	f.prev, f.next = -1, -1
}

// touch moves flow i to the most recently used end.
func (t *Tracker) touch(i int32) {
	if t.lruTail == i {
		return
	}
	t.lruRemove(i)
	t.lruPush(i)
}
