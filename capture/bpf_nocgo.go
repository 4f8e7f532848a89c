//go:build !cgo

package capture

import (
	"errors"

	"github.com/google/gopacket"
	"github.com/portsift/portsift/decode/vocab"
)

// errNoCgo is returned by Open when a filter is asked for in a build
// without cgo: BPF compilation is libpcap's.
var errNoCgo = errors.New("BPF filters need cgo and libpcap (build with CGO_ENABLED=1)")

// filter is never built without cgo.
type filter struct{}

func newFilter(string) (*filter, error) { return nil, errNoCgo }

func (*filter) match(vocab.LinkType, *gopacket.CaptureInfo, []byte) (bool, error) {
	return false, errNoCgo
}

// CheckFilter fails: this build has no libpcap to compile filters.
func CheckFilter(string) error { return errNoCgo }
