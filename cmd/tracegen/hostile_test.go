package main

import (
	"bytes"
	"io"
	"testing"

	"github.com/portsift/portsift/capture"
)

// TestHostileIntent reads each crafted file of hostileSet with portsift's
// own reader (pcapgo alone is not safe on them): the frames before the
// fault are the ones the generator says, and the file ends in an error
// unless it is marked readable. capture/corrupt_test.go holds the messages.
func TestHostileIntent(t *testing.T) {
	n := 0
	for _, tr := range mustGenerate(t) {
		if !tr.hostile {
			continue
		}
		n++
		got := 0
		src, _, err := capture.OpenReader(tr.path, bytes.NewReader(tr.data))
		if err == nil {
			for {
				_, _, err = src.ZeroCopyReadPacketData()
				if err != nil {
					break
				}
				got++
			}
			src.Close()
			if err == io.EOF {
				err = nil
			}
		}
		if got != tr.nread || (err != nil) != tr.broken {
			t.Errorf("%s: %d frames, then %v; the generator says %d frames, read error %v", tr.path, got, err, tr.nread, tr.broken)
		}
	}
	if n < 20 {
		t.Errorf("only %d crafted files", n)
	}
}
