package classify

import (
	"math/rand/v2"
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
// one source) spread over the table: the longest probe run stays short.
func TestFlowTabProbes(t *testing.T) {
	ft := newFlowTab(0)
	for p := 0; p < 65536; p++ {
		k := flowKey{pa: uint16(p), pb: 80, proto: 6, v4: true}
		ft.insert(hashKey(&k), int32(p))
	}
	run, longest := 0, 0
	for _, e := range ft.e {
		if e == 0 {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	if longest > 64 {
		t.Errorf("longest run of occupied entries %d in a table of %d with %d keys", longest, len(ft.e), ft.n)
	}
}
