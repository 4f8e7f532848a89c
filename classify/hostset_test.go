package classify

import (
	"math/rand/v2"
	"testing"
)

// TestHostSet checks the set against a map: random pairs from a small
// space (so most adds are repeats), across many growths.
func TestHostSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var s hostSet
	model := map[hostKey]bool{}
	key := func() hostKey {
		k := hostKey{svc: int32(rng.IntN(40)), server: rng.IntN(2) == 0}
		k.addr[15], k.addr[3] = byte(rng.IntN(256)), byte(rng.IntN(64))
		return k
	}
	for op := range 300000 {
		k := key()
		if got, want := s.has(k), model[k]; got != want {
			t.Fatalf("op %d: has(%v) = %v, want %v", op, k, got, want)
		}
		if added := s.add(k); added == model[k] {
			t.Fatalf("op %d: add(%v) = %v with the key in the set: %v", op, k, added, model[k])
		}
		model[k] = true
		if s.len() != len(model) {
			t.Fatalf("op %d: %d pairs, want %d", op, s.len(), len(model))
		}
	}
	for k := range model {
		if !s.has(k) {
			t.Fatalf("%v lost", k)
		}
	}
	if 2*s.len() > len(s.e) {
		t.Errorf("table more than half full: %d pairs in %d entries", s.len(), len(s.e))
	}
}
