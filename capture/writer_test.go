package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/portsift/portsift/decode/vocab"
)

// writerFrames are frames of every shape the writer must keep intact: odd
// lengths (pcapng pads to 4 bytes), a frame cut by the snapshot length, an
// empty one, nanosecond timestamps and one before 2001 (small seconds).
func writerFrames(t *testing.T, link vocab.LinkType) []pkt {
	t.Helper()
	fl := vocab.LinkEthernet
	if link == vocab.LinkRaw {
		fl = vocab.LinkRaw
	}
	f1, f2, f3 := frame(t, fl, kindUDP, 1), frame(t, fl, kindTCP, 2), frame(t, fl, kindUDP, 3)
	return []pkt{
		{ts: at(0, 1), data: f1},
		{ts: at(1500, 999), data: f2[:41], wire: len(f2)}, // cut: 41 of the frame's bytes
		{ts: at(2_000_000, 7), data: f3},
		{ts: at(3_000_000, 0), data: []byte{}, wire: 60},
		{ts: time.Unix(12, 345678901).UTC(), data: f1[:17]},
	}
}

func TestWriterRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name    string
		ng      bool
		link    vocab.LinkType
		format  string
		snaplen int
	}{
		{"pcap ethernet", false, vocab.LinkEthernet, "pcap-ns", 0},
		{"pcap raw", false, vocab.LinkRaw, "pcap-ns", 0},
		{"pcap sll2", false, vocab.LinkLinuxSLL2, "pcap-ns", 96},
		{"pcapng ethernet", true, vocab.LinkEthernet, "pcapng", 0},
		{"pcapng sll2", true, vocab.LinkLinuxSLL2, "pcapng", 65535},
		// A link type portsift cannot decode is still saved as itself.
		{"pcap 284", false, 284, "pcap-ns", 0},
		{"pcapng 284", true, 284, "pcapng", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pkts := writerFrames(t, tt.link)
			var b bytes.Buffer
			w, err := NewWriter(&b, tt.ng, tt.link, tt.snaplen)
			if err != nil {
				t.Fatalf("NewWriter: %v", err)
			}
			for _, p := range pkts {
				if err := w.WritePacket(p.ci(), p.data); err != nil {
					t.Fatalf("WritePacket: %v", err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if w.Frames() != uint64(len(pkts)) {
				t.Errorf("Frames() = %d, want %d", w.Frames(), len(pkts))
			}
			src, info, err := OpenReader("w", bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatalf("OpenReader(written file): %v", err)
			}
			wantSnap := uint32(tt.snaplen)
			if wantSnap == 0 {
				wantSnap = MaxCaptureLength
			}
			if info.Format != tt.format || info.Snaplen != wantSnap || len(info.LinkTypes) != 1 || info.LinkTypes[0] != tt.link {
				t.Errorf("read back: format %q snaplen %d link types %v; want %q, %d, [%v]", info.Format, info.Snaplen, info.LinkTypes, tt.format, wantSnap, tt.link)
			}
			for i, p := range pkts {
				data, ci, err := src.ZeroCopyReadPacketData()
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				want := p.ci()
				if !ci.Timestamp.Equal(want.Timestamp) || ci.Length != want.Length || ci.CaptureLength != want.CaptureLength {
					t.Errorf("frame %d: ts %v len %d caplen %d; want %v, %d, %d", i, ci.Timestamp, ci.Length, ci.CaptureLength, want.Timestamp, want.Length, want.CaptureLength)
				}
				if !bytes.Equal(data, p.data) {
					t.Errorf("frame %d: data differs", i)
				}
				if lt := src.LinkTypeOf(ci); lt != tt.link {
					t.Errorf("frame %d: LinkTypeOf = %v, want %v", i, lt, tt.link)
				}
			}
			if _, _, err := src.ZeroCopyReadPacketData(); err != io.EOF {
				t.Errorf("after the last frame: %v, want io.EOF", err)
			}
		})
	}
}

func TestWriterCutsToSnaplen(t *testing.T) {
	var b bytes.Buffer
	w, err := NewWriter(&b, false, vocab.LinkEthernet, 64)
	if err != nil {
		t.Fatal(err)
	}
	f := frame(t, vocab.LinkEthernet, kindUDP, 40)
	if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts0, CaptureLength: len(f), Length: len(f)}, f); err != nil {
		t.Fatal(err)
	}
	w.Close()
	src, _, err := OpenReader("w", &b)
	if err != nil {
		t.Fatal(err)
	}
	data, ci, err := src.ZeroCopyReadPacketData()
	if err != nil || len(data) != 64 || ci.CaptureLength != 64 || ci.Length != len(f) {
		t.Errorf("frame of %d bytes, snaplen 64: read %d bytes, caplen %d, len %d, err %v", len(f), len(data), ci.CaptureLength, ci.Length, err)
	}
}

func TestWriterNoAllocs(t *testing.T) {
	w, err := NewWriter(io.Discard, true, vocab.LinkEthernet, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := frame(t, vocab.LinkEthernet, kindTCP, 5)
	ci := gopacket.CaptureInfo{Timestamp: ts0, CaptureLength: len(f), Length: len(f)}
	if n := testing.AllocsPerRun(1000, func() {
		if err := w.WritePacket(ci, f); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("WritePacket: %v allocs per frame, want 0", n)
	}
}

func TestCreateFile(t *testing.T) {
	dir := t.TempDir()
	for name, want := range map[string]string{"a.pcap": "pcap-ns", "b.PCAPNG": "pcapng", "c.ntar": "pcapng", "d.cap": "pcap-ns", "e": "pcap-ns"} {
		path := filepath.Join(dir, name)
		w, err := CreateFile(path, vocab.LinkEthernet, 0)
		if err != nil {
			t.Fatalf("CreateFile(%q): %v", name, err)
		}
		f := frame(t, vocab.LinkEthernet, kindUDP, 1)
		w.WritePacket(gopacket.CaptureInfo{Timestamp: ts0, CaptureLength: len(f), Length: len(f)}, f)
		if err := w.Close(); err != nil {
			t.Fatalf("Close(%q): %v", name, err)
		}
		src, info, err := OpenFile(path)
		if err != nil {
			t.Fatalf("OpenFile(%q): %v", name, err)
		}
		if info.Format != want {
			t.Errorf("CreateFile(%q) wrote %s, want %s", name, info.Format, want)
		}
		src.Close()
	}
	if _, err := CreateFile(filepath.Join(dir, "no", "such", "dir.pcap"), vocab.LinkEthernet, 0); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CreateFile in a missing directory: %v, want a not-exist error", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriterErrorIsSticky(t *testing.T) {
	w, err := NewWriter(failWriter{}, false, vocab.LinkEthernet, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := frame(t, vocab.LinkEthernet, kindUDP, 1)
	ci := gopacket.CaptureInfo{Timestamp: ts0, CaptureLength: len(f), Length: len(f)}
	if err := w.WritePacket(ci, f); err != nil {
		t.Fatalf("first WritePacket (buffered) failed: %v", err)
	}
	if err := w.Flush(); err == nil {
		t.Fatal("Flush to a failing writer: no error")
	}
	if err := w.WritePacket(ci, f); err == nil {
		t.Error("WritePacket after a failed flush: no error")
	}
}
