//go:build !cgo

package capture

import "testing"

// TestFilterNeedsCgo: without cgo there is no libpcap to compile filters.
func TestFilterNeedsCgo(t *testing.T) {
	_, err := Open([]string{"-"}, Options{Filter: "udp"})
	checkErr(t, "Open", err, "BPF filters need cgo and libpcap (build with CGO_ENABLED=1)", nil)
}
