package classify

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
)

// Defaults for Options fields left zero.
const (
	// DefaultMaxFlows bounds the flow table. A flow slot costs about 200
	// bytes (152 in the slab, 16-32 its entry in the flow table, which is
	// kept at most half full; measured in classify/flood_test.go with a
	// million SYN-flood flows), so the table stays near 50 MiB however
	// many flows arrive; beyond it the longest idle flow is evicted and
	// counted (at the next settlement: up to SettleFrames more flows live
	// for a moment). 262,144 flows alive within one idle timeout is more
	// than a busy server sees (a resolver doing 2,000 queries/s from random
	// ports keeps 240,000).
	DefaultMaxFlows    = 1 << 18
	DefaultIdleTimeout = 2 * time.Minute
	// DefaultMaxHosts bounds the table of distinct (service, client or
	// server address) pairs behind the clients and servers columns, offline
	// and live. 40-64 bytes each (hostSet: the 24-byte key, its table entries): 1,048,576 pairs are at most 64 MiB. Pairs
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
	FlowLog func(*report.FlowRecord)

	// Decap describes tunnelled frames by their innermost packet instead of
	// the outer one (decode.Decoder.Decap), opening at most DecapDepth
	// tunnels (decode.DefaultMaxDepth when 0). Used by the decoder
	// NewDecoder returns; the Tracker counts tunnels either way.
	Decap      bool
	DecapDepth int

	// SettleEvery, when > 0 (at most 65,536), replaces SettleFrames: how
	// many frames pass between settlements (sides of new flows decided,
	// idle flows expired, the table bounded). Every thread setting gives
	// the same report for a given value; tests set it small so that
	// settlements fall inside small inputs.
	SettleEvery int
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

// closed values.
const (
	open uint8 = iota
	closedFin
	closedRst
)

// svcStats describe one service (proto, port): what is decided when its
// flows start. Its packet counters are in the shards' rows.
type svcStats struct {
	proto   vocab.Proto
	port    uint16
	entry   *registry.Entry
	flows   uint64
	clients uint64
	servers uint64
	hosts   map[netip.Addr]struct{} // alerts only
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
	got     uint32 // bytes of the datagram seen (each fragment's FragLen)
	end     uint32 // its length, from the last fragment; 0 until that is seen
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

// counter is a report.Counter with the per-frame add of the shards.
type counter report.Counter

func (c *counter) add(n uint64) { c.Frames++; c.Bytes += n }

// sum adds the counts of o.
func (c *counter) sum(o counter) { c.Frames += o.Frames; c.Bytes += o.Bytes }

// sum adds the counts of o.
func (t *tunnelStats) sum(o *tunnelStats) {
	t.frames += o.frames
	t.bytes += o.bytes
	t.decap += o.decap
	t.damaged += o.damaged
	t.deep += o.deep
}

// SettleFrames is how many frames pass between two settlements (see
// Tracker): the flows started in the meantime get their service side, in
// packet order; idle flows are expired, the flow table is cut back to
// MaxFlows (the longest idle flows are evicted), and old first fragments
// are forgotten. It is counted in frames of the whole input, so where these
// happen does not depend on how many goroutines count.
const SettleFrames = 16384

// Tracker counts frames, tracks flows and decides service sides. It is not
// safe for concurrent use: one goroutine observes, and readers get copies
// through Report.
//
// The flows and the per-frame counters are kept in shards (shard.go): one
// for Observe, several for a sharded read. What depends on the order of
// every frame is settled by the Tracker every SettleFrames frames, in the
// order of the input: the side of each new flow (rules 1-5, rule 5's
// endpoint history), the service's flow and host counts, the flow log,
// idle expiry, eviction beyond MaxFlows and the fragment table's bound.
// So the flow table may exceed MaxFlows by SettleFrames flows for a moment,
// and a flow's packets reach its service row at the next settlement.
type Tracker struct {
	// clockFloor, when not 0, is the least "now" (unix ns) that expiry
	// uses: a live capture sets it to the last frame's time plus the
	// wall-clock time since, so flows idle out and closed flows leave
	// while no frame arrives.
	clockFloor int64

	reg        *registry.Registry
	eph        registry.Ephemeral
	maxFlows   int
	idle       int64
	flowLog    func(*report.FlowRecord)
	decapDepth int // 0: tunnels counted as their outer flow; else Options.Decap's depth limit
	shards     []*shard
	seq        uint64 // frames observed through Observe
	every      uint64 // settle every this many frames: SettleFrames

	svcIdx      [3][65536]int32 // per transport (tcp, udp, sctp): index+1 into svcs
	svcs        []svcStats
	ephFlows    uint64
	hosts       hostSet
	eps, epsOld map[epKey]epStat // rule 5's endpoint history in two generations (see stability)
	totalFlows  uint64
	evicted     uint64
	expired     uint64 // flows expired at a settlement (the shards count those ended by a packet)
	byReason    [report.NumReasons]uint64
	fragsLost   uint64
	rec         report.FlowRecord
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
		eps:      make(map[epKey]epStat),
		every:    SettleFrames,
	}
	if opts.SettleEvery > 0 {
		t.every = uint64(min(opts.SettleEvery, 1<<16)) // batch indexes are 16-bit
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
	t.setShards(1)
	return t
}

// setShards replaces the (unused) shards by n new ones.
func (t *Tracker) setShards(n int) {
	t.shards = make([]*shard, n)
	for i := range t.shards {
		t.shards[i] = newShard(t.idle, min(t.maxFlows, 1<<16)/n)
	}
}

// transportIndex maps TCP/UDP/SCTP to 0..2.
func transportIndex(p vocab.Proto) int {
	switch p {
	case vocab.TCP:
		return 0
	case vocab.UDP:
		return 1
	}
	return 2
}

// Observe counts one decoded frame: ts is its capture time, wire its
// original length, captured the bytes captured, link its link type.
// It does not allocate for frames of known flows.
func (t *Tracker) Observe(ts time.Time, wire, captured int, link vocab.LinkType, s *decode.Summary) {
	t.observe(ts.UnixNano(), wire, captured, link, s)
}

// observe is Observe with the time in unix nanoseconds.
func (t *Tracker) observe(now int64, wire, captured int, link vocab.LinkType, s *decode.Summary) {
	sh := t.shards[0]
	if len(t.shards) > 1 { // after a sharded read: a flow's frames go to its shard
		sh = t.shards[shardOf(s, t.seq, len(t.shards))]
	}
	sh.observe(t.seq, now, wire, captured, link, s)
	if t.seq++; t.seq%t.every == 0 {
		t.settle(true)
	}
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

// less orders two endpoints: address bytes first (as two big-endian
// words, the order of the bytes), then port.
func less(a [16]byte, pa uint16, b [16]byte, pb uint16) bool {
	a0, b0 := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])
	if a0 != b0 {
		return a0 < b0
	}
	a1, b1 := binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(b[8:])
	if a1 != b1 {
		return a1 < b1
	}
	return pa <= pb
}

// settle decides the flows started since the last call and logs those
// ended by a packet, in packet order across the shards. With expire set
// (every SettleFrames frames of the input, and at Finish) it then expires
// idle flows, evicts beyond MaxFlows and bounds the fragment table.
// The shards must not be observing while it runs.
func (t *Tracker) settle(expire bool) {
	if len(t.shards) == 1 {
		sh := t.shards[0]
		for i := range sh.pending {
			t.decide(sh, &sh.pending[i])
		}
		for _, e := range sh.ended {
			t.retire(sh, e.slot, e.how)
		}
	} else {
		t.mergeBySeq(func(sh *shard, k int) (uint64, bool) {
			if k < len(sh.pending) {
				return sh.pending[k].seq, true
			}
			return 0, false
		}, func(sh *shard, k int) { t.decide(sh, &sh.pending[k]) })
		t.mergeBySeq(func(sh *shard, k int) (uint64, bool) {
			if k < len(sh.ended) {
				return sh.ended[k].seq, true
			}
			return 0, false
		}, func(sh *shard, k int) { t.retire(sh, sh.ended[k].slot, sh.ended[k].how) })
	}
	for _, sh := range t.shards {
		sh.pending, sh.ended = sh.pending[:0], sh.ended[:0]
	}
	if expire {
		t.expire()
		t.evict()
		t.boundFrags()
	}
}

// mergeBySeq calls do for the entries of every shard in increasing seq:
// at(sh, k) is the seq of shard sh's k-th entry, false past the last. Each
// shard's entries are in increasing seq already.
func (t *Tracker) mergeBySeq(at func(sh *shard, k int) (uint64, bool), do func(sh *shard, k int)) {
	var pos [MaxShards]int
	for {
		best, bestSeq := -1, uint64(0)
		for j, sh := range t.shards {
			if s, ok := at(sh, pos[j]); ok && (best < 0 || s < bestSeq) {
				best, bestSeq = j, s
			}
		}
		if best < 0 {
			return
		}
		do(t.shards[best], pos[best])
		pos[best]++
	}
}

// oldest returns the shard whose least recently used flow was seen first,
// or nil when no shard has flows.
func (t *Tracker) oldest() *shard {
	var best *shard
	for _, sh := range t.shards {
		if sh.lruHead >= 0 && (best == nil || sh.headSeq() < best.headSeq()) {
			best = sh
		}
	}
	return best
}

// latest returns the largest frame time seen (unix ns), 0 before the first frame.
func (t *Tracker) latest() int64 {
	now := t.clockFloor // a live capture's clock runs on when the link is quiet (RunLive)
	if now != 0 {
		for _, sh := range t.shards {
			if sh.frames > 0 && sh.last > now {
				now = sh.last
			}
		}
		return now
	}
	seen := false
	for _, sh := range t.shards {
		if sh.frames > 0 && (!seen || sh.last > now) {
			now, seen = sh.last, true
		}
	}
	return now
}

// expire ends the flows idle for longer than the idle timeout at the
// latest frame time: the least recently used flows, in that order across
// the shards, up to the first one that is not idle (so it costs only what
// it ends).
func (t *Tracker) expire() {
	now := t.latest()
	stop := ^uint64(0) // lastSeq of the least recent flow that is not idle
	for _, sh := range t.shards {
		for i := sh.lruHead; i >= 0; {
			f := sh.flow(i)
			if now-f.last <= t.idle {
				stop = min(stop, f.lastSeq)
				break
			}
			i = f.next
		}
	}
	for {
		sh := t.oldest()
		if sh == nil || sh.headSeq() >= stop {
			return
		}
		i := sh.lruHead
		t.expired++
		sh.unlink(i)
		t.retire(sh, i, endedHow(sh.flow(i), endIdle))
	}
}

// retireClosed ends the TCP flows closed by FIN or RST whose last packet is
// more than the linger ago (live capture: a closed connection leaves the
// table and the active count at once, not after the idle timeout). It is
// called after settle, when every flow's side is decided.
func (t *Tracker) retireClosed() {
	now := t.latest()
	for _, sh := range t.shards {
		keep := sh.closing[:0]
		for _, c := range sh.closing {
			f := sh.flow(c.slot)
			if !f.alive || f.gen != c.gen || f.closed == open {
				continue // ended already, or the slot is another flow
			}
			if now-f.last < sh.linger {
				keep = append(keep, c)
				continue
			}
			sh.unlink(c.slot)
			t.retire(sh, c.slot, f.closed)
		}
		sh.closing = keep
	}
}

// evict ends the least recently used flows beyond MaxFlows.
func (t *Tracker) evict() {
	for t.ActiveFlows() > t.maxFlows {
		sh := t.oldest()
		i := sh.lruHead
		t.evicted++
		sh.unlink(i)
		t.retire(sh, i, endEvicted)
	}
}

// boundFrags forgets first fragments older than fragTimeout at the latest
// frame time (oldest first, up to the first one still valid, across the
// shards), then the oldest while more than maxFrags first fragments arrived
// since it (the tables' spans: a datagram made whole leaves the table at
// once, but an old one still waiting is dropped when it would have been
// had every datagram waited).
func (t *Tracker) boundFrags() {
	n := 0
	for _, sh := range t.shards {
		n += sh.frags.span()
	}
	if n == 0 {
		return
	}
	now := t.latest()
	stop := ^uint64(0)
	for _, sh := range t.shards {
		if seq, ok := sh.frags.oldestValid(now); ok {
			stop = min(stop, seq)
		}
	}
	for _, sh := range t.shards {
		for sh.frags.len() > 0 && sh.fragHeadSeq() < stop {
			n -= sh.frags.span()
			sh.frags.dropOldest()
			n += sh.frags.span()
		}
	}
	for n > maxFrags {
		var best *shard
		for _, sh := range t.shards {
			if sh.frags.len() > 0 && (best == nil || sh.fragHeadSeq() < best.fragHeadSeq()) {
				best = sh
			}
		}
		n -= best.frags.span()
		best.frags.dropOldest()
		n += best.frags.span()
		t.fragsLost++
	}
}

// decide applies rules 1-5 to a new flow, counts it for its service and
// moves the packets it had so far into the service's row.
func (t *Tracker) decide(sh *shard, p *pendingFlow) {
	f := sh.flow(p.slot)
	k := &f.key
	src, sp, dst, dp := k.a, k.pa, k.b, k.pb
	if !p.srcIsA {
		src, sp, dst, dp = dst, dp, src, sp
	}
	proto := vocab.Proto(k.proto)
	rp := regProto(proto)
	se, de := t.reg.Lookup(rp, sp), t.reg.Lookup(rp, dp)
	side := DecideSide(Ports{
		Proto: proto, Src: sp, Dst: dp,
		SrcNamed: se != nil && se.Name != "", DstNamed: de != nil && de.Name != "",
		SrcEph: t.eph.Contains(sp), DstEph: t.eph.Contains(dp),
		TCPFlags: p.tcpFlags, SCTPChunk: p.sctpChunk, HasFlags: p.hasFlags,
	})
	if side.Reason >= report.ReasonWellKnown && side.Reason <= report.ReasonEphemeral && proto != vocab.SCTP {
		side = t.stability(side, proto, src, sp, dst, dp)
	}
	// The client is the source unless the destination is the client.
	cliIsSrc := side.ServerIsDst || side.Reason == report.ReasonEphemeral
	f.cliIsA = cliIsSrc == p.srcIsA
	f.reason = side.Reason
	f.decided = true
	t.totalFlows++
	t.byReason[side.Reason]++
	f.svc = -1
	if side.Reason == report.ReasonEphemeral {
		t.ephFlows++
	} else {
		svPort, svEntry, svAddr, cliAddr := dp, de, dst, src
		if !side.ServerIsDst {
			svPort, svEntry, svAddr, cliAddr = sp, se, src, dst
		}
		f.svc = t.service(proto, svPort, svEntry)
		sv := &t.svcs[f.svc]
		sv.flows++
		if t.addHost(hostKey{svc: f.svc, server: false, addr: cliAddr}) {
			sv.clients++
		}
		if t.addHost(hostKey{svc: f.svc, server: true, addr: svAddr}) {
			sv.servers++
		}
		if sv.hosts != nil && len(sv.hosts) < report.MaxAlertHosts {
			sv.hosts[addrOf(cliAddr, k.v4)] = struct{}{}
			sv.hosts[addrOf(svAddr, k.v4)] = struct{}{}
		}
	}
	for int(f.svc+1) >= len(sh.rows) {
		sh.rows = append(sh.rows, rowStats{})
	}
	r := &sh.rows[f.svc+1]
	c := 0 // the key direction that goes to the server
	if !f.cliIsA {
		c = 1
	}
	r.pkts[0] += f.pkts[c]
	r.bytes[0] += f.bytes[c]
	r.pkts[1] += f.pkts[c^1]
	r.bytes[1] += f.bytes[c^1]
	r.frags += f.fpkts[0] + f.fpkts[1]
	r.fragBytes += f.fbytes[0] + f.fbytes[1]
}

// retire logs flow i of sh, taken out of its table already, and frees its slot.
func (t *Tracker) retire(sh *shard, i int32, how uint8) {
	if t.flowLog != nil {
		t.fillRecord(sh.flow(i), how)
		t.flowLog(&t.rec)
	}
	sh.free = append(sh.free, i)
}

// MaxShards bounds the shards of a sharded read (RunSharded, RunFiles).
const MaxShards = 64

func addrOf(b [16]byte, v4 bool) netip.Addr {
	a := netip.AddrFrom16(b)
	if v4 {
		return a.Unmap()
	}
	return a
}

func (t *Tracker) addHost(k hostKey) bool {
	if t.maxHosts > 0 && t.hosts.len() >= t.maxHosts {
		if !t.hosts.has(k) {
			t.hostsLost++
		}
		return false
	}
	return t.hosts.add(k)
}

// service returns the index of the counters for (proto, port), creating them.
func (t *Tracker) service(p vocab.Proto, port uint16, e *registry.Entry) int32 {
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
func (t *Tracker) stability(side Side, p vocab.Proto, src [16]byte, sp uint16, dst [16]byte, dp uint16) Side {
	ks, kd := epKey{src, sp, uint8(p)}, epKey{dst, dp, uint8(p)}
	es, ed := t.endpoint(ks), t.endpoint(kd)
	srcStable := es.flows >= stabilityFlows && es.varied
	dstStable := ed.flows >= stabilityFlows && ed.varied
	if srcStable != dstStable {
		side = Side{ServerIsDst: dstStable, Reason: report.ReasonPortStability}
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

// end values beyond closedFin/closedRst.
const (
	endIdle uint8 = iota + 3
	endEvicted
	endEOF
)

var endNames = [...]string{closedFin: "fin", closedRst: "rst", endIdle: "idle", endEvicted: "evicted", endEOF: "eof"}

// Finish settles what is pending (expiring idle flows at the last frame's
// time) and ends every open flow (end "eof", or "fin"/"rst" if it was
// closed) in the order they were last seen. Call it once after the last
// frame.
func (t *Tracker) Finish() {
	t.settle(true)
	for {
		sh := t.oldest()
		if sh == nil {
			return
		}
		i := sh.lruHead
		sh.unlink(i)
		t.retire(sh, i, endedHow(sh.flow(i), endEOF))
	}
}

// ActiveFlows returns the number of flows in the table.
func (t *Tracker) ActiveFlows() int {
	n := 0
	for _, sh := range t.shards {
		n += sh.flows.n
	}
	return n
}

// NewDecoder returns a decoder set up as o says (Decap, DecapDepth).
func (o *Options) NewDecoder() *decode.Decoder {
	d := decode.NewDecoder()
	d.Decap, d.MaxDepth = o.Decap, o.DecapDepth
	return d
}
