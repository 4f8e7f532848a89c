//go:build !cgo

package capture

import (
	"io"

	"github.com/portsift/portsift/decode/vocab"
)

// Live is live capture; this build has none: live capture needs cgo and
// libpcap. OpenLive and Interfaces return ErrNoLive.
type Live struct{}

// OpenLive returns ErrNoLive: this build has no libpcap.
func OpenLive(name string, o LiveOptions) (*Live, error) { return nil, ErrNoLive }

// Interfaces returns ErrNoLive: this build has no libpcap.
func Interfaces() ([]Interface, error) { return nil, ErrNoLive }

func (*Live) Next(*Frame) error        { return io.EOF }
func (*Live) Wait(*Frame) error        { return io.EOF }
func (*Live) Stop()                    {}
func (*Live) Name() string             { return "" }
func (*Live) Snaplen() int             { return 0 }
func (*Live) LinkType() vocab.LinkType { return 0 }
func (*Live) Stats() (Stats, error)    { return Stats{}, ErrNoLive }
func (*Live) Close() error             { return nil }
