//go:build !cgo

package capture

// LibpcapVersion says that this build has no libpcap (built without cgo:
// no live capture, no BPF filters).
func LibpcapVersion() string { return "none (built without cgo)" }
