package capture

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/portsift/portsift/decode/vocab"
)

// TestPcapgoQuirks pins the gopacket v1.1.19 behaviours this package works
// around. If one of these fails after an upgrade, the workaround named in
// the message can probably go.
func TestPcapgoQuirks(t *testing.T) {
	eth := frame(t, vocab.LinkEthernet, kindUDP, 1)
	ngOne := func(idb []byte, rest ...[]byte) []byte {
		return cat(append([][]byte{ngSHB(le, 1, 0), idb}, rest...)...)
	}

	t.Run("vocab.LinkType is 8 bits", func(t *testing.T) {
		sll2 := 276
		if layers.LinkType(sll2) != 20 {
			t.Errorf("layers.LinkType holds 276: vocab.LinkType may go")
		}
		r, err := pcapgo.NewReader(bytes.NewReader(pcapHeader(le, 0xa1b2c3d4, 2, 4, 65535, 276)))
		if err != nil || r.LinkType() != 20 {
			t.Errorf("pcapgo reads LINUX_SLL2 as %v (err %v), not 20", r.LinkType(), err)
		}
	})
	t.Run("pcap 2.1 refused", func(t *testing.T) {
		_, err := pcapgo.NewReader(bytes.NewReader(pcapHeader(be, 0xa1b2c3d4, 2, 1, 65535, 1)))
		if err == nil || err.Error() != "Unknown minor version 1" {
			t.Errorf("pcapgo on pcap 2.1: %v; openPcap's version rewrite may go", err)
		}
	})
	t.Run("pcap cut after a record header reads as a clean end", func(t *testing.T) {
		f := pcapFile(t, vocab.LinkEthernet, false, []pkt{{ts: at(1, 0), data: eth}})
		r, err := pcapgo.NewReader(bytes.NewReader(f[:24+16]))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := r.ZeroCopyReadPacketData(); err != io.EOF {
			t.Errorf("pcapgo: %v, want io.EOF (the quirk)", err)
		}
	})
	t.Run("pcapng cut inside a packet reads as a clean end", func(t *testing.T) {
		f := ngOne(ngIDB(le, 1, 0), ngEPB(le, 0, 1, eth, uint32(len(eth)), -1))
		r, err := pcapgo.NewNgReader(bytes.NewReader(f[:len(f)-20]), pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := r.ZeroCopyReadPacketData(); err != io.EOF {
			t.Errorf("pcapgo: %v, want io.EOF (the quirk)", err)
		}
	})
	t.Run("pcapng binary timestamp resolution divides by zero", func(t *testing.T) {
		f := ngOne(ngIDB(le, 1, 0, ngOpt(le, 9, []byte{0x80 | 64})), ngEPB(le, 0, 1, eth, uint32(len(eth)), -1))
		defer func() {
			if p := recover(); p == nil || !strings.Contains(p.(error).Error(), "divide by zero") {
				t.Errorf("pcapgo did not panic with divide by zero (got %v): checkInterface's tsresol check may go", p)
			}
		}()
		r, err := pcapgo.NewNgReader(bytes.NewReader(f), pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err == nil {
			r.ZeroCopyReadPacketData()
		}
	})
	t.Run("pcapng binary timestamp resolution is inexact", func(t *testing.T) {
		f := ngOne(ngIDB(le, 1, 0, ngOpt(le, 9, []byte{0x80 | 10})), ngEPB(le, 0, 1536, eth, uint32(len(eth)), -1))
		r, _ := pcapgo.NewNgReader(bytes.NewReader(f), pcapgo.NgReaderOptions{WantMixedLinkType: true})
		_, ci, err := r.ZeroCopyReadPacketData()
		if err != nil || ci.Timestamp.Equal(time.Unix(1, 500_000_000)) {
			t.Errorf("pcapgo gives %v for 1.5 s (err %v): binaryTime may go", ci.Timestamp, err)
		}
	})
	t.Run("pcapng simple packets at the zero time", func(t *testing.T) {
		f := ngOne(ngIDB(le, 1, 0), ngSPB(le, uint32(len(eth)), eth))
		r, _ := pcapgo.NewNgReader(bytes.NewReader(f), pcapgo.NgReaderOptions{WantMixedLinkType: true})
		_, ci, err := r.ZeroCopyReadPacketData()
		if err != nil || !ci.Timestamp.IsZero() {
			t.Errorf("pcapgo gives a simple packet %v (err %v): the epoch rewrite may go", ci.Timestamp, err)
		}
	})
	t.Run("pcapng captured length allocated as claimed", func(t *testing.T) {
		const claim = 16 << 20
		f := ngOne(ngIDB(le, 1, 0), ngEPB(le, 0, 1, eth, claim, claim))
		r, _ := pcapgo.NewNgReader(bytes.NewReader(f), pcapgo.NgReaderOptions{WantMixedLinkType: true})
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r.ZeroCopyReadPacketData()
		runtime.ReadMemStats(&after)
		if after.TotalAlloc-before.TotalAlloc < claim {
			t.Errorf("pcapgo allocated %d bytes for a 16 MiB claim: checkPacket's bound is still wise, but the reason changed", after.TotalAlloc-before.TotalAlloc)
		}
	})
}
