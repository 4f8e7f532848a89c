package registry

import "testing"

// BenchmarkFingerprint is the registry's fingerprint, computed once per
// report's first use.
func BenchmarkFingerprint(b *testing.B) {
	r := Default()
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Fingerprint()
	}
}
