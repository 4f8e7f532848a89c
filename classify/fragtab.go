package classify

import "encoding/binary"

// fragTable remembers first fragments, so that later fragments of the same
// datagram find the flow, and forgets them oldest first (fragTimeout,
// maxFrags; see Tracker.boundFrags). It replaces a Go map plus a queue of
// its keys: the map's 56-byte slots at most 7/8 full, the queue's copy of
// every key and the copies both left behind as they grew took 15 MiB on the
// 5M-packet trace (66,666 fragments), all of it resident to the end.
//
// The entries live in a ring in arrival order, each with its key and hash;
// the index is open addressing with linear probing over entry numbers, at
// most half full. The ring is made of chunks of fragChunk entries: entry
// number id sits in chunk id/fragChunk (modulo the number of chunks), so
// growing the ring adds chunks and moves chunk pointers, never entries (a
// ring doubling as one slice left each old copy resident: 9 MiB allocated
// for 4.5 MiB of entries on the 5M trace), and never touches the index.
// An entry leaves the index when it is removed (its slot freed by shifting
// the probe run back, no tombstones there); in the ring it is marked dead
// and skipped, and the head moves past dead entries, so the oldest entry
// is always live. The entries in the ring, dead or alive, are the first
// fragments remembered since the oldest: its span.
type fragTable struct {
	ring []*[fragChunk]fragRec // a power of two of them, or none
	head uint64                // id of the oldest entry (live unless head == tail)
	tail uint64                // id the next entry gets
	n    int                   // live entries
	idx  []uint64
	mask uint32
}

const (
	fragChunkShift = 10
	fragChunk      = 1 << fragChunkShift // 72 KiB
)

type fragRec struct {
	key  fragKey
	hash uint32
	dead bool   // removed: the datagram was whole
	seq  uint64 // input index of the first fragment
	e    fragEntry
}

// hashFrag hashes k; the result is never 0, which marks empty index slots.
func hashFrag(k *fragKey) uint32 {
	s0, s1 := binary.LittleEndian.Uint64(k.src[:8]), binary.LittleEndian.Uint64(k.src[8:])
	d0, d1 := binary.LittleEndian.Uint64(k.dst[:8]), binary.LittleEndian.Uint64(k.dst[8:])
	h := mum(s0^flowSeed[0], s1^flowSeed[1])
	h ^= mum(d0^flowSeed[2], d1^flowSeed[3])
	return fold(mum(h^flowSeed[4], (uint64(k.id)<<8|uint64(k.proto))^flowSeed[5])) | 1
}

// len is the number of live entries; span counts the dead ones after the
// oldest too.
func (t *fragTable) len() int  { return t.n }
func (t *fragTable) span() int { return int(t.tail - t.head) }

func (t *fragTable) rec(id uint64) *fragRec {
	return &t.ring[(id>>fragChunkShift)&uint64(len(t.ring)-1)][id&(fragChunk-1)]
}

// oldest returns the oldest entry; the table must not be empty.
func (t *fragTable) oldest() *fragRec { return t.rec(t.head) }

// oldestValid returns the seq of the oldest live entry that expires at now
// or later.
func (t *fragTable) oldestValid(now int64) (uint64, bool) {
	for id := t.head; id != t.tail; id++ {
		if r := t.rec(id); !r.dead && r.e.expires >= now {
			return r.seq, true
		}
	}
	return 0, false
}

// probe returns the index slot of k, or the empty slot where it would go.
func (t *fragTable) probe(h uint32, k *fragKey) (uint32, bool) {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		e := t.idx[i]
		if e == 0 {
			return i, false
		}
		if uint32(e>>32) == h && t.rec(uint64(uint32(e))).key == *k {
			return i, true
		}
	}
}

// get returns the entry of k and its index slot (for removeAt), or nil.
func (t *fragTable) get(k *fragKey) (*fragEntry, uint32) {
	if t.len() == 0 {
		return nil, 0
	}
	if i, ok := t.probe(hashFrag(k), k); ok {
		return &t.rec(t.idOf(i)).e, i
	}
	return nil, 0
}

// idOf is the entry number held in index slot i (the index keeps its low
// 32 bits; live entries span fewer than 2^32 numbers from the head).
func (t *fragTable) idOf(i uint32) uint64 {
	return t.head + (uint64(uint32(t.idx[i]))-t.head)&0xffffffff
}

// put sets the entry of k: an entry already there keeps its place in the
// arrival order (and its seq); a new one is the newest.
func (t *fragTable) put(k *fragKey, seq uint64, e fragEntry) {
	h := hashFrag(k)
	if len(t.idx) == 0 || 2*(t.n+1) > len(t.idx) {
		t.growIndex()
	}
	i, ok := t.probe(h, k)
	if ok {
		t.rec(t.idOf(i)).e = e
		return
	}
	if t.tail-t.head&^(fragChunk-1) == uint64(len(t.ring))*fragChunk { // the head's chunk is next
		t.growRing()
	}
	id := t.tail
	t.tail++
	t.n++
	if c := &t.ring[(id>>fragChunkShift)&uint64(len(t.ring)-1)]; *c == nil {
		*c = new([fragChunk]fragRec)
	}
	*t.rec(id) = fragRec{key: *k, hash: h, seq: seq, e: e}
	t.idx[i] = uint64(h)<<32 | uint64(uint32(id))
}

// dropOldest forgets the oldest entry; the table must not be empty.
func (t *fragTable) dropOldest() {
	r := t.oldest()
	t.unindex(r.hash, t.head)
	*r = fragRec{}
	t.n--
	t.head++
	t.skipDead()
}

// removeAt forgets the entry in index slot i, as get returned it.
func (t *fragTable) removeAt(i uint32) {
	id := t.idOf(i)
	t.unindexSlot(i)
	*t.rec(id) = fragRec{dead: true}
	t.n--
	t.skipDead()
}

// skipDead moves the head past dead entries.
func (t *fragTable) skipDead() {
	for t.head != t.tail && t.rec(t.head).dead {
		*t.rec(t.head) = fragRec{}
		t.head++
	}
}

// unindex frees the index slot of entry id, whose hash is h.
func (t *fragTable) unindex(h uint32, id uint64) {
	i := h & t.mask
	for uint32(t.idx[i]) != uint32(id) || uint32(t.idx[i]>>32) != h {
		i = (i + 1) & t.mask
	}
	t.unindexSlot(i)
}

// unindexSlot empties index slot i, shifting back the entries after it that
// probed past it (Knuth 6.4, algorithm R).
func (t *fragTable) unindexSlot(i uint32) {
	for j := (i + 1) & t.mask; t.idx[j] != 0; j = (j + 1) & t.mask {
		home := uint32(t.idx[j]>>32) & t.mask
		if (j-home)&t.mask >= (j-i)&t.mask { // home is not in (i, j]
			t.idx[i] = t.idx[j]
			i = j
		}
	}
	t.idx[i] = 0
}

// growRing doubles the number of chunks: the chunks in use move to their
// places in the longer ring; the other places get a chunk when first used.
func (t *fragTable) growRing() {
	old := t.ring
	t.ring = make([]*[fragChunk]fragRec, max(1, 2*len(old)))
	if len(old) > 0 {
		for c := t.head >> fragChunkShift; c <= (t.tail-1)>>fragChunkShift; c++ {
			t.ring[c&uint64(len(t.ring)-1)] = old[c&uint64(len(old)-1)]
		}
	}
}

func (t *fragTable) growIndex() {
	size := max(128, 2*len(t.idx))
	t.idx, t.mask = make([]uint64, size), uint32(size-1)
	for id := t.head; id != t.tail; id++ {
		r := t.rec(id)
		if r.dead {
			continue
		}
		i := r.hash & t.mask
		for t.idx[i] != 0 {
			i = (i + 1) & t.mask
		}
		t.idx[i] = uint64(r.hash)<<32 | uint64(uint32(id))
	}
}
