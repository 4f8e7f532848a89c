package classify

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
)

// flowTab maps flow keys to slots of a shard's flow slab. It replaces a Go
// map, whose lookup was a quarter of a single-threaded read (three cache
// misses: control word, key, then the flow): an entry is 8 bytes (the
// key's 32-bit hash and the slot), so the table is small and a lookup
// costs the entry and the flow, whose key is compared where it lives.
// Open addressing with linear probing, at most half full, deletion by
// backward shift (no tombstones, so probe sequences stay short however
// many flows come and go). The hash is seeded per process, so a crafted
// capture cannot aim its flows at one probe sequence.
type flowTab struct {
	e    []uint64 // 0: empty; else hash32<<32 | slot+1
	mask uint32
	n    int
}

// flowSeed keys the flow hash: random per process.
var flowSeed = [6]uint64{rand.Uint64(), rand.Uint64(), rand.Uint64(), rand.Uint64(), rand.Uint64(), rand.Uint64()}

// hashKey is a wyhash-style hash of the key: 64x64->128-bit multiplies of
// seeded words, folded.
func hashKey(k *flowKey) uint32 {
	a0, a1 := binary.LittleEndian.Uint64(k.a[:8]), binary.LittleEndian.Uint64(k.a[8:])
	b0, b1 := binary.LittleEndian.Uint64(k.b[:8]), binary.LittleEndian.Uint64(k.b[8:])
	rest := uint64(k.pa) | uint64(k.pb)<<16 | uint64(k.proto)<<32
	if k.v4 {
		rest |= 1 << 40
	}
	h := mum(a0^flowSeed[0], a1^flowSeed[1]) ^ mum(b0^flowSeed[2], b1^flowSeed[3])
	return fold(mum(h^flowSeed[4], rest^flowSeed[5]))
}

// fold mixes h once more and folds it to 32 bits. The last multiply of a
// hash leaves its low bits depending mostly on the low bits of the words
// multiplied: keys that differ in one port only (a SYN flood from one
// source) then fell into long runs of neighbouring slots for some seeds
// (the longest run among 65,536 such keys in 131,072 slots: 103 at the
// 99th percentile of 300 seeds, 285 at worst; about 60 with random hashes,
// 52 with fold: TestFlowTabProbes). The high half of a second product
// depends on every bit.
func fold(h uint64) uint32 {
	h = mum(h, flowSeed[5]|1)
	return uint32(h ^ h>>32)
}

// sameKey is a == b, word by word: the compiler's == on the struct calls
// memequal for the 38 bytes.
func sameKey(a, b *flowKey) bool {
	le := binary.LittleEndian
	return le.Uint64(a.a[:8]) == le.Uint64(b.a[:8]) && le.Uint64(a.a[8:]) == le.Uint64(b.a[8:]) &&
		le.Uint64(a.b[:8]) == le.Uint64(b.b[:8]) && le.Uint64(a.b[8:]) == le.Uint64(b.b[8:]) &&
		a.pa == b.pa && a.pb == b.pb && a.proto == b.proto && a.v4 == b.v4
}

func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func newFlowTab(capacity int) flowTab {
	size := 16
	for size < 2*capacity {
		size <<= 1
	}
	return flowTab{e: make([]uint64, size), mask: uint32(size - 1)}
}

// find returns the slot of the flow with key k (hash h) in sh's slab and
// the flow, or nil.
func (t *flowTab) find(h uint32, k *flowKey, sh *shard) (int32, *flow) {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		e := t.e[i]
		if e == 0 {
			return 0, nil
		}
		if uint32(e>>32) == h {
			slot := int32(uint32(e)) - 1
			if f := sh.flow(slot); sameKey(&f.key, k) {
				return slot, f
			}
		}
	}
}

// insert adds slot for a key of hash h that is not in the table.
func (t *flowTab) insert(h uint32, slot int32) {
	if 2*(t.n+1) > len(t.e) {
		t.grow()
	}
	i := h & t.mask
	for t.e[i] != 0 {
		i = (i + 1) & t.mask
	}
	t.e[i] = uint64(h)<<32 | uint64(uint32(slot+1))
	t.n++
}

// remove deletes slot, whose key has hash h; it must be in the table.
func (t *flowTab) remove(h uint32, slot int32) {
	want := uint64(h)<<32 | uint64(uint32(slot+1))
	i := h & t.mask
	for t.e[i] != want {
		i = (i + 1) & t.mask
	}
	// Backward shift: move up every later entry of the run that may sit
	// at i (its home is not cyclically within (i, j]).
	for j := (i + 1) & t.mask; t.e[j] != 0; j = (j + 1) & t.mask {
		home := uint32(t.e[j]>>32) & t.mask
		if (j-home)&t.mask >= (j-i)&t.mask {
			t.e[i] = t.e[j]
			i = j
		}
	}
	t.e[i] = 0
	t.n--
}

func (t *flowTab) grow() {
	old := t.e
	t.e = make([]uint64, 2*len(old))
	t.mask = uint32(len(t.e) - 1)
	for _, e := range old {
		if e != 0 {
			i := uint32(e>>32) & t.mask
			for t.e[i] != 0 {
				i = (i + 1) & t.mask
			}
			t.e[i] = e
		}
	}
}
