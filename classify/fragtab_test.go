package classify

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFragTable checks the table against a map and a queue of its keys in
// arrival order (what it replaced): random puts from a small key space (so
// many are updates), gets, removals anywhere and drops of the oldest, across
// many growths of the ring and the index and runs of entries that wrap the
// index.
func TestFragTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var tab fragTable
	model := map[fragKey]fragEntry{}
	var order []fragKey // arrival order of model's keys
	seqOf := map[fragKey]uint64{}
	key := func() fragKey {
		k := fragKey{id: uint32(rng.IntN(3000)), proto: 17}
		k.src[15], k.dst[15] = byte(rng.IntN(4)), byte(rng.IntN(2))
		return k
	}
	for op := range 400000 {
		k := key()
		switch r := rng.IntN(12); {
		case r < 5:
			e := fragEntry{flow: int32(op), gen: uint32(rng.IntN(9)), expires: int64(op), got: uint32(op)}
			if _, ok := model[k]; !ok {
				order = append(order, k)
				seqOf[k] = uint64(op)
			}
			model[k] = e
			tab.put(&k, uint64(op), e)
		case r < 7:
			got, _ := tab.get(&k)
			want := model[k]
			if _, ok := model[k]; !ok {
				if got != nil {
					t.Fatalf("op %d: get(%v) = %v, want none", op, k, *got)
				}
			} else if got == nil || *got != want {
				t.Fatalf("op %d: get(%v) = %v, want %v", op, k, got, want)
			}
		case r < 10:
			e, slot := tab.get(&k)
			if _, ok := model[k]; ok != (e != nil) {
				t.Fatalf("op %d: get(%v) = %v before its removal, want it there: %v", op, k, e, ok)
			}
			if e != nil {
				tab.removeAt(slot)
				delete(model, k)
				order = slices.DeleteFunc(order, func(o fragKey) bool { return o == k })
			}
		default:
			// Drop in bursts, so the table shrinks to empty now and then.
			for n := 1 + rng.IntN(2*len(order)/3+1); n > 0 && len(order) > 0; n-- {
				old := tab.oldest()
				if old.key != order[0] || old.seq != seqOf[order[0]] {
					t.Fatalf("op %d: oldest is %v (seq %d), want %v (seq %d)", op, old.key, old.seq, order[0], seqOf[order[0]])
				}
				tab.dropOldest()
				delete(model, order[0])
				order = order[1:]
			}
		}
		if tab.len() != len(model) {
			t.Fatalf("op %d: %d entries, want %d", op, tab.len(), len(model))
		}
		if len(order) > 0 {
			if s, ok := tab.oldestValid(0); !ok || s != seqOf[order[0]] {
				t.Fatalf("op %d: oldest valid seq %d %v, want %d", op, s, ok, seqOf[order[0]])
			}
		} else if tab.span() != 0 {
			t.Fatalf("op %d: empty, but a span of %d", op, tab.span())
		}
	}
	var live []fragKey
	for id := tab.head; id != tab.tail; id++ {
		if r := tab.rec(id); !r.dead {
			live = append(live, r.key)
			if r.e != model[r.key] {
				t.Fatalf("%v: %v, want %v", r.key, r.e, model[r.key])
			}
		}
	}
	if !slices.Equal(live, order) {
		t.Fatalf("live entries in the ring: %d, want %d in arrival order", len(live), len(order))
	}
	for _, k := range order {
		if got, _ := tab.get(&k); got == nil || *got != model[k] {
			t.Fatalf("%v: get = %v, want %v", k, got, model[k])
		}
	}
	if 2*tab.len() > len(tab.idx) {
		t.Errorf("index more than half full: %d entries in %d slots", tab.len(), len(tab.idx))
	}
}
