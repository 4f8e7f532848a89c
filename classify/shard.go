package classify

import (
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

// A shard owns the flows of some address pairs and counts the frames routed
// to it. Everything a frame changes lives in its shard, so shards can count
// on different goroutines: a flow's packets, its later fragments (the
// fragment key names the same address pair) and the per-frame counters,
// which are sums. What depends on the order of all frames (the service side
// of a new flow, rule 5's endpoint history, the distinct hosts, idle expiry,
// eviction, the fragment table bound) is left to the Tracker, which settles
// it between batches in packet order (tracker.go). A single-threaded read is
// one shard; `--threads N` splits the same work into N-1 shards, and the
// reports are byte for byte the same.
type shard struct {
	idle int64

	frames, bytes, captured, short uint64
	first, last                    int64           // smallest and largest frame time seen (unix ns)
	links                          [1 << 16]uint32 // frames per link type; wraps are spilled into linksBig
	linksBig                       map[vocab.LinkType]uint64
	buckets                        [vocab.NumBuckets]counter
	tunnels                        [decode.NumTunnels]tunnelStats
	nonIP                          map[uint64]*counter // EtherType, or 1<<32 | link type for a frame named by its link type
	otherIP                        [256]counter
	unattrib                       counter
	expired                        uint64 // flows ended by a packet after an idle gap

	flows            flowTab            // key -> slot
	chunks           []*[chunkSize]flow // the flow slab: fixed chunks, so growing never copies
	nflows           int32
	free             []int32
	lruHead, lruTail int32 // by last packet (lastSeq); -1 ends

	// rows[0] counts the ephemeral flows' packets, rows[s+1] those of
	// service s (Tracker.svcs), once the flow's side is decided.
	rows []rowStats
	// pending are the flows started since the last settle, in packet order;
	// ended the flows a packet ended since then. Their slots are not reused
	// before the Tracker has decided and logged them.
	pending []pendingFlow
	ended   []endedFlow

	// linger, when > 0 (live capture), is how long a TCP flow closed by
	// FIN or RST stays after its last packet; closing lists those flows
	// (Tracker.retireClosed ends them).
	linger  int64
	closing []closingRef

	frags fragTable // first fragments, in arrival order
}

// flow is one entry of the slab. Counters are by key direction: [0] is
// key.a to key.b. Later IP fragments are counted apart (fpkts, fbytes): the
// service rows count them as fragments, the flow log as packets.
type flow struct {
	key     flowKey
	gen     uint32 // bumped when the slot is reused, so fragments find only their own flow
	alive   bool
	decided bool // svc, cliIsA and reason are set
	cliIsA  bool // the client is key.a (else key.b)
	closed  uint8
	reason  report.Reason
	svc     int32 // index into Tracker.svcs; -1: ephemeral
	first   int64 // unix nanoseconds
	last    int64
	lastSeq uint64 // index of the flow's last frame in the whole input
	pkts    [2]uint64
	bytes   [2]uint64
	fpkts   [2]uint64
	fbytes  [2]uint64
	prev    int32 // LRU list by last packet; -1 ends
	next    int32
}

// rowStats are a shard's counts of one service row: packets and bytes to
// the server [0] and to the client [1], and later fragments.
type rowStats struct {
	pkts, bytes      [2]uint64
	frags, fragBytes uint64
}

// pendingFlow is a flow whose side is not decided yet: what the decision
// needs beyond the key in its slot.
type pendingFlow struct {
	seq       uint64
	slot      int32
	srcIsA    bool // the first packet went from key.a to key.b
	hasFlags  bool
	tcpFlags  uint8
	sctpChunk uint8
}

type endedFlow struct {
	seq  uint64
	slot int32
	how  uint8
}

// The flow slab grows by chunks of chunkSize flows (about 1 MiB). A single
// slice would be copied on every growth, and copying a 100 MiB table into
// fresh pages cost a quarter of the run time on a 95k-flow trace.
const (
	chunkShift = 13
	chunkSize  = 1 << chunkShift
)

func newShard(idle int64, flows int) *shard {
	return &shard{
		idle:     idle,
		linksBig: make(map[vocab.LinkType]uint64),
		nonIP:    make(map[uint64]*counter),
		flows:    newFlowTab(flows),
		rows:     make([]rowStats, 1, 64),
		lruHead:  -1,
		lruTail:  -1,
	}
}

// flow returns slot i of the slab.
func (sh *shard) flow(i int32) *flow { return &sh.chunks[i>>chunkShift][i&(chunkSize-1)] }

// observe counts frame number seq of the input (see Tracker.Observe).
func (sh *shard) observe(seq uint64, now int64, wire, captured int, link vocab.LinkType, s *decode.Summary) {
	if sh.frames == 0 || now < sh.first {
		sh.first = now
	}
	if sh.frames == 0 || now > sh.last {
		sh.last = now
	}
	sh.frames++
	sh.bytes += uint64(wire)
	sh.captured += uint64(captured)
	if sh.links[link]++; sh.links[link] == 0 { // a dense counter per link type, spilled every 2^32 frames
		sh.linksBig[link] += 1 << 32
	}
	sh.buckets[s.Bucket].add(uint64(wire))
	if s.Tunnel != decode.TunnelNone {
		ts := &sh.tunnels[s.Tunnel]
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
	switch s.Bucket {
	case vocab.BucketTCP, vocab.BucketUDP, vocab.BucketSCTP:
		if s.Short {
			sh.short++
		}
		sh.observeFlow(seq, now, uint64(wire), s)
	case vocab.BucketFragment:
		sh.observeFragment(seq, now, uint64(wire), s)
	case vocab.BucketOtherIP:
		sh.otherIP[s.Proto].add(uint64(wire))
	case vocab.BucketNonIP:
		sh.countNonIP(link, s.EtherType, uint64(wire))
	}
}

// linkKey marks a non-ip key that is a link type, not an EtherType.
const linkKey = 1 << 32

func (sh *shard) countNonIP(link vocab.LinkType, et vocab.EtherType, wire uint64) {
	key := uint64(et)
	switch {
	case !decode.SupportedLink(link):
		key = linkKey | uint64(link)
	case et == 0 && link != vocab.LinkEthernet && link != vocab.LinkLinuxSLL && link != vocab.LinkLinuxSLL2 && link != vocab.LinkCiscoHDLC:
		// No EtherType to name the frame by (an 802.11 management frame,
		// an NFLOG record without the packet, an unknown loopback
		// family): name it by its link type.
		key = linkKey | uint64(link)
	}
	c := sh.nonIP[key]
	if c == nil {
		c = new(counter)
		sh.nonIP[key] = c
	}
	c.add(wire)
}

func (sh *shard) observeFlow(seq uint64, now int64, wire uint64, s *decode.Summary) {
	k, srcIsA := makeKey(s)
	h := hashKey(&k)
	i, f := sh.flows.find(h, &k, sh)
	ok := f != nil
	if ok {
		switch {
		case now-f.last > sh.idle: // idle for longer than the timeout: this packet starts a new flow
			sh.expired++
			sh.endLater(seq, i, endedHow(f, endIdle))
			ok = false
		case f.closed != open && s.Proto == vocab.TCP && s.HasFlags && s.TCPFlags&(decode.TCPSyn|decode.TCPAck) == decode.TCPSyn:
			sh.endLater(seq, i, f.closed) // a new SYN on a closed tuple starts a new flow
			ok = false
		}
	}
	if !ok {
		i = sh.newFlow(seq, now, h, k, srcIsA, s)
		f = sh.flow(i)
	}
	d := 0
	if !srcIsA {
		d = 1
	}
	f.pkts[d]++
	f.bytes[d] += wire
	f.last = now
	f.lastSeq = seq
	sh.touch(i, f)
	if f.decided {
		if !f.cliIsA {
			d ^= 1
		}
		r := &sh.rows[f.svc+1]
		r.pkts[d]++
		r.bytes[d] += wire
	}
	if s.Proto == vocab.TCP && s.HasFlags && f.closed == open {
		if s.TCPFlags&decode.TCPRst != 0 {
			f.closed = closedRst
		} else if s.TCPFlags&decode.TCPFin != 0 {
			f.closed = closedFin
		}
		if f.closed != open && sh.linger > 0 {
			sh.closing = append(sh.closing, closingRef{slot: i, gen: f.gen})
		}
	}
	if s.Fragment { // a first fragment: later ones will look for this flow
		sh.rememberFragment(seq, now, s, i)
	}
}

// closingRef names a flow closed by FIN or RST: its slot, and the slot's
// generation then (a reused slot is another flow).
type closingRef struct {
	slot int32
	gen  uint32
}

// endedHow is how a flow ends for reason how: as it was closed, if it was.
func endedHow(f *flow, how uint8) uint8 {
	if f.closed != open {
		return f.closed
	}
	return how
}

// newFlow creates the flow for k. Its side is decided later, in packet
// order across shards (Tracker.settle); until then its packets are counted
// in the flow only.
func (sh *shard) newFlow(seq uint64, now int64, h uint32, k flowKey, srcIsA bool, s *decode.Summary) int32 {
	var i int32
	if n := len(sh.free); n > 0 {
		i = sh.free[n-1]
		sh.free = sh.free[:n-1]
	} else {
		i = sh.nflows
		if int(i)>>chunkShift == len(sh.chunks) {
			sh.chunks = append(sh.chunks, new([chunkSize]flow))
		}
		sh.nflows++
	}
	f := sh.flow(i)
	*f = flow{key: k, gen: f.gen + 1, alive: true, first: now, last: now, prev: -1, next: -1, svc: -1}
	sh.flows.insert(h, i)
	sh.lruPush(i)
	sh.pending = append(sh.pending, pendingFlow{seq: seq, slot: i, srcIsA: srcIsA,
		hasFlags: s.HasFlags, tcpFlags: s.TCPFlags, sctpChunk: s.SCTPChunk})
	return i
}

func (sh *shard) rememberFragment(seq uint64, now int64, s *decode.Summary, i int32) {
	k := fragKey{src: s.Src.Addr().As16(), dst: s.Dst.Addr().As16(), id: s.FragID, proto: uint8(s.Proto)}
	sh.frags.put(&k, seq, fragEntry{flow: i, gen: sh.flow(i).gen, expires: now + int64(fragTimeout), got: uint32(s.FragLen)})
}

func (sh *shard) observeFragment(seq uint64, now int64, wire uint64, s *decode.Summary) {
	k := fragKey{src: s.Src.Addr().As16(), dst: s.Dst.Addr().As16(), id: s.FragID, proto: uint8(s.Proto)}
	fe, slot := sh.frags.get(&k)
	if fe == nil || fe.expires < now {
		sh.unattrib.add(wire)
		return
	}
	f := sh.flow(fe.flow)
	if !f.alive || f.gen != fe.gen || now-f.last > sh.idle {
		sh.unattrib.add(wire)
		return
	}
	d := 0
	if k.src != f.key.a {
		d = 1
	}
	f.fpkts[d]++
	f.fbytes[d] += wire
	f.last = now
	f.lastSeq = seq
	sh.touch(fe.flow, f)
	if f.decided {
		r := &sh.rows[f.svc+1]
		r.frags++
		r.fragBytes += wire
	}
	// A datagram made whole needs its entry no more (as a reassembler frees
	// its queue): fragment-heavy traffic keeps a small table.
	fe.got += uint32(s.FragLen)
	if !s.FragMore {
		fe.end = uint32(s.FragOffset) + uint32(s.FragLen)
	}
	if fe.end != 0 && fe.got >= fe.end {
		sh.frags.removeAt(slot) // the slot get found: no second probe
	}
}

// endLater takes flow i out of the table at frame seq; the Tracker logs it
// and frees its slot when it settles.
func (sh *shard) endLater(seq uint64, i int32, how uint8) {
	sh.unlink(i)
	sh.ended = append(sh.ended, endedFlow{seq: seq, slot: i, how: how})
}

// unlink takes flow i out of the table and the LRU list.
func (sh *shard) unlink(i int32) {
	f := sh.flow(i)
	sh.flows.remove(hashKey(&f.key), i)
	sh.lruRemove(i)
	f.alive = false
}

func (sh *shard) lruPush(i int32) {
	f := sh.flow(i)
	f.prev, f.next = sh.lruTail, -1
	if sh.lruTail >= 0 {
		sh.flow(sh.lruTail).next = i
	} else {
		sh.lruHead = i
	}
	sh.lruTail = i
}

func (sh *shard) lruRemove(i int32) {
	f := sh.flow(i)
	if f.prev >= 0 {
		sh.flow(f.prev).next = f.next
	} else {
		sh.lruHead = f.next
	}
	if f.next >= 0 {
		sh.flow(f.next).prev = f.prev
	} else {
		sh.lruTail = f.prev
	}
	f.prev, f.next = -1, -1
}

// touch moves flow i (f) to the most recently used end. It is lruRemove
// then lruPush for a flow that is in the list and not its tail, so its
// next flow and the tail exist: three flows touched, not six.
func (sh *shard) touch(i int32, f *flow) {
	if sh.lruTail == i {
		return
	}
	if f.prev >= 0 {
		sh.flow(f.prev).next = f.next
	} else {
		sh.lruHead = f.next
	}
	sh.flow(f.next).prev = f.prev
	sh.flow(sh.lruTail).next = i
	f.prev, f.next = sh.lruTail, -1
	sh.lruTail = i
}

// headSeq is the lastSeq of the least recently used flow, or ^0 if none.
func (sh *shard) headSeq() uint64 {
	if sh.lruHead < 0 {
		return ^uint64(0)
	}
	return sh.flow(sh.lruHead).lastSeq
}

// fragHeadSeq is the arrival seq of the oldest remembered first fragment,
// or ^0 if none.
func (sh *shard) fragHeadSeq() uint64 {
	if sh.frags.len() == 0 {
		return ^uint64(0)
	}
	return sh.frags.oldest().seq
}
