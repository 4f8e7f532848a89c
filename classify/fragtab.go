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
// Only the oldest entry is ever removed; its index slot is freed by
// shifting the probe run back (no tombstones).
type fragTable struct {
	ring []*[fragChunk]fragRec // a power of two of them, or none
	head uint64                // id of the oldest entry
	tail uint64                // id the next entry gets
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
	seq  uint64 // input index of the first fragment
	e    fragEntry
}

// hashFrag hashes k; the result is never 0, which marks empty index slots.
func hashFrag(k *fragKey) uint32 {
	s0, s1 := binary.LittleEndian.Uint64(k.src[:8]), binary.LittleEndian.Uint64(k.src[8:])
	d0, d1 := binary.LittleEndian.Uint64(k.dst[:8]), binary.LittleEndian.Uint64(k.dst[8:])
	h := mum(s0^flowSeed[0], s1^flowSeed[1])
	h ^= mum(d0^flowSeed[2], d1^flowSeed[3])
	h = mum(h^flowSeed[4], (uint64(k.id)<<8|uint64(k.proto))^flowSeed[5])
	return uint32(h^h>>32) | 1
}

func (t *fragTable) len() int { return int(t.tail - t.head) }

func (t *fragTable) rec(id uint64) *fragRec {
	return &t.ring[(id>>fragChunkShift)&uint64(len(t.ring)-1)][id&(fragChunk-1)]
}

// oldest returns the oldest entry; the table must not be empty.
func (t *fragTable) oldest() *fragRec { return t.rec(t.head) }

// at returns the i-th oldest entry, i < len().
func (t *fragTable) at(i int) *fragRec { return t.rec(t.head + uint64(i)) }

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

// get returns the entry of k, or nil.
func (t *fragTable) get(k *fragKey) *fragEntry {
	if t.len() == 0 {
		return nil
	}
	if i, ok := t.probe(hashFrag(k), k); ok {
		return &t.rec(uint64(uint32(t.idx[i]))).e
	}
	return nil
}

// put sets the entry of k: an entry already there keeps its place in the
// arrival order (and its seq); a new one is the newest.
func (t *fragTable) put(k *fragKey, seq uint64, e fragEntry) {
	h := hashFrag(k)
	if len(t.idx) == 0 || 2*(t.len()+1) > len(t.idx) {
		t.growIndex()
	}
	i, ok := t.probe(h, k)
	if ok {
		t.rec(uint64(uint32(t.idx[i]))).e = e
		return
	}
	if t.tail-t.head&^(fragChunk-1) == uint64(len(t.ring))*fragChunk { // the head's chunk is next
		t.growRing()
	}
	id := t.tail
	t.tail++
	if c := &t.ring[(id>>fragChunkShift)&uint64(len(t.ring)-1)]; *c == nil {
		*c = new([fragChunk]fragRec)
	}
	*t.rec(id) = fragRec{key: *k, hash: h, seq: seq, e: e}
	t.idx[i] = uint64(h)<<32 | uint64(uint32(id))
}

// dropOldest forgets the oldest entry; the table must not be empty.
func (t *fragTable) dropOldest() {
	r := t.oldest()
	i := r.hash & t.mask
	for uint32(t.idx[i]) != uint32(t.head) || uint32(t.idx[i]>>32) != r.hash {
		i = (i + 1) & t.mask
	}
	// Shift back the entries after i that probed past it (Knuth 6.4, R).
	for j := (i + 1) & t.mask; t.idx[j] != 0; j = (j + 1) & t.mask {
		home := uint32(t.idx[j]>>32) & t.mask
		if (j-home)&t.mask >= (j-i)&t.mask { // home is not in (i, j]
			t.idx[i] = t.idx[j]
			i = j
		}
	}
	t.idx[i] = 0
	*r = fragRec{}
	t.head++
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
		i := r.hash & t.mask
		for t.idx[i] != 0 {
			i = (i + 1) & t.mask
		}
		t.idx[i] = uint64(r.hash)<<32 | uint64(uint32(id))
	}
}
