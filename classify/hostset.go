package classify

import "encoding/binary"

// hostSet is the set of distinct (service, client or server address)
// pairs behind the clients and servers columns. It replaces a Go map,
// whose insert (a lookup, then an assign that hashes the 24-byte key again
// and rehashes the whole map as it grows) cost about 700 instructions per
// new pair: here one probe decides, and growing moves 8-byte entries, not
// keys. The keys live once in a slab in insertion order, in chunks that are
// never copied (a slice doubling as it grows left its old copies to the
// garbage collector: 12 MiB allocated for 6 MiB of keys on the 5M-packet
// trace, all of it resident); the table holds their 32-bit hash and slab
// index, open addressing with linear probing, at most half full. Pairs are
// never removed.
type hostSet struct {
	chunks []*[hostChunk]hostKey
	n      int      // keys in the slab
	e      []uint64 // 0: empty; else hash32<<32 | index+1
	mask   uint32
}

// hostChunk is the number of keys per slab chunk (96 KiB).
const (
	hostChunkShift = 12
	hostChunk      = 1 << hostChunkShift
)

// key returns slab entry i.
func (s *hostSet) key(i uint32) *hostKey {
	return &s.chunks[i>>hostChunkShift][i&(hostChunk-1)]
}

func hashHost(k *hostKey) uint32 {
	a0, a1 := binary.LittleEndian.Uint64(k.addr[:8]), binary.LittleEndian.Uint64(k.addr[8:])
	rest := uint64(uint32(k.svc)) << 1
	if k.server {
		rest |= 1
	}
	h := mum(a0^flowSeed[0], a1^flowSeed[1])
	return fold(mum(h^flowSeed[4], rest^flowSeed[5]))
}

func (s *hostSet) len() int { return s.n }

// has reports whether k is in the set.
func (s *hostSet) has(k hostKey) bool {
	_, found := s.probe(hashHost(&k), &k)
	return found
}

// add puts k in the set; it reports whether k was new.
func (s *hostSet) add(k hostKey) bool {
	h := hashHost(&k)
	i, found := s.probe(h, &k)
	if found {
		return false
	}
	if 2*(s.n+1) > len(s.e) {
		s.grow()
		i, _ = s.probe(h, &k)
	}
	if s.n>>hostChunkShift == len(s.chunks) {
		s.chunks = append(s.chunks, new([hostChunk]hostKey))
	}
	*s.key(uint32(s.n)) = k
	s.n++
	s.e[i] = uint64(h)<<32 | uint64(s.n)
	return true
}

// probe returns where k is, or the empty entry where it would go.
func (s *hostSet) probe(h uint32, k *hostKey) (uint32, bool) {
	if len(s.e) == 0 {
		return 0, false
	}
	for i := h & s.mask; ; i = (i + 1) & s.mask {
		e := s.e[i]
		if e == 0 {
			return i, false
		}
		if uint32(e>>32) == h && *s.key(uint32(e) - 1) == *k {
			return i, true
		}
	}
}

func (s *hostSet) grow() {
	size := max(16, 2*len(s.e))
	old := s.e
	s.e, s.mask = make([]uint64, size), uint32(size-1)
	for _, e := range old {
		if e == 0 {
			continue
		}
		i := uint32(e>>32) & s.mask
		for s.e[i] != 0 {
			i = (i + 1) & s.mask
		}
		s.e[i] = e
	}
}
