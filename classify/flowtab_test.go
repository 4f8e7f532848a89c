package classify

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFlowTabModel drives the flow table with random inserts, lookups and
// deletes (many in long probe runs: a small key space and a table that
// grows and shrinks) and checks every answer against a Go map.
func TestFlowTabModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	sh := newShard(0, 0)
	model := map[flowKey]int32{}
	keyOf := func(n int) flowKey {
		var k flowKey
		k.a[15], k.b[15] = byte(n), byte(n>>8)
		k.pa, k.pb, k.proto, k.v4 = uint16(n>>16), 80, 6, true
		return k
	}
	var free []int32
	next := int32(0)
	for op := 0; op < 400000; op++ {
		k := keyOf(rng.IntN(5000) | rng.IntN(3)<<16)
		h := hashKey(&k)
		slot, f := sh.flows.find(h, &k, sh)
		ok := f != nil
		want, wok := model[k]
		if ok != wok || (ok && (slot != want || f != sh.flow(slot))) {
			t.Fatalf("op %d: find = %d,%v; want %d,%v", op, slot, ok, want, wok)
		}
		switch {
		case ok && rng.IntN(2) == 0:
			sh.flows.remove(h, slot)
			delete(model, k)
			free = append(free, slot)
		case !ok:
			var i int32
			if len(free) > 0 {
				i, free = free[len(free)-1], free[:len(free)-1]
			} else {
				i = next
				next++
				if int(i)>>chunkShift == len(sh.chunks) {
					sh.chunks = append(sh.chunks, new([chunkSize]flow))
				}
			}
			sh.flow(i).key = k
			sh.flows.insert(h, i)
			model[k] = i
		}
		if sh.flows.n != len(model) {
			t.Fatalf("op %d: %d entries, want %d", op, sh.flows.n, len(model))
		}
	}
	for k, want := range model {
		if slot, f := sh.flows.find(hashKey(&k), &k, sh); f == nil || slot != want {
			t.Fatalf("%v: %d,%v; want %d", k, slot, f != nil, want)
		}
	}
}

// TestFlowTabProbes: keys that differ in one port only (a SYN flood from
// one source) spread over the table as randomly hashed keys do, whatever
// the per-process seed. For 300 seeds (fixed, so the test is repeatable)
// it takes the longest run of occupied slots among 65,536 such keys in
// 131,072 slots; with random hashes the 99th percentile of those is about
// 60, and it is 52 here (worst 62). Without the final mix (fold) it was 103
// (worst 285) and this test failed (checked); the test it replaces, one
// random seed per process with a bound of 64, failed now and then for that
// reason (CI, 2026-12-03: a run of 75).
func TestFlowTabProbes(t *testing.T) {
	old := flowSeed
	defer func() { flowSeed = old }()
	rng := rand.New(rand.NewPCG(11, 12))
	var longest []int
	for range 300 {
		for i := range flowSeed {
			flowSeed[i] = rng.Uint64()
		}
		ft := newFlowTab(0)
		for p := 0; p < 65536; p++ {
			k := flowKey{pa: uint16(p), pb: 80, proto: 6, v4: true}
			ft.insert(hashKey(&k), int32(p))
		}
		run, l := 0, 0
		for _, e := range ft.e {
			if e == 0 {
				run = 0
				continue
			}
			run++
			l = max(l, run)
		}
		longest = append(longest, l)
	}
	slices.Sort(longest)
	t.Logf("longest runs over 300 seeds: median %d, 99th percentile %d, worst %d", longest[149], longest[296], longest[299])
	if p99 := longest[296]; p99 > 80 {
		t.Errorf("longest runs over 300 seeds: 99th percentile %d, worst %d; random hashes give about 60", p99, longest[299])
	}
}
