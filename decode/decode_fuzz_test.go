package decode

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/portsift/portsift/decode/vocab"
)

// FuzzDecode feeds arbitrary frames to Decode under every link type and
// checks properties of the Summary, not just the absence of a crash. Where
// gopacket's own decoder reaches the same TCP or UDP header, the ports must
// agree. `make fuzz` runs it for FUZZTIME; `make test` runs it briefly.
func FuzzDecode(f *testing.F) {
	for _, tt := range decodeCases(f) {
		f.Add(uint16(tt.link), tt.frame)
	}
	for _, tt := range tunnelCases(f) {
		f.Add(uint16(tt.link), tt.frame)
	}
	f.Add(uint16(vocab.LinkRaw), ipipBomb(f))
	// Every frame of the generated traces, tunnel and link-type traces.
	files, _ := filepath.Glob("../testdata/tunnels/*.pcap*")
	more, _ := filepath.Glob("../testdata/traces/*.pcap")
	files = append(files, more...)
	for _, name := range files {
		fh, err := os.Open(name)
		if err != nil {
			continue
		}
		r, err := pcapgo.NewReader(fh)
		if err != nil {
			fh.Close()
			continue
		}
		lt := uint16(r.LinkType())
		if lt == 20 { // pcapgo keeps 8 bits of LINKTYPE_LINUX_SLL2 (276)
			lt = uint16(vocab.LinkLinuxSLL2)
		}
		for {
			data, _, err := r.ReadPacketData()
			if err != nil {
				break
			}
			f.Add(lt, data)
		}
		fh.Close()
	}
	d := NewDecoder()
	dd := NewDecoder()
	dd.Decap = true
	gen, gend := NewDecoder(), NewDecoder() // the general path only
	gen.general, gend.general, gend.Decap = true, true, true
	f.Fuzz(func(t *testing.T, link uint16, frame []byte) {
		var s Summary
		err := d.Decode(vocab.LinkType(link), frame, 0, &s)
		// The fast path (fast.go) must give what the general path gives,
		// with and without Decap, for a cut frame and a whole one.
		for _, wire := range []int{0, len(frame)} {
			var a, b Summary
			errA, errB := d.Decode(vocab.LinkType(link), frame, wire, &a), gen.Decode(vocab.LinkType(link), frame, wire, &b)
			if a != b || errA != errB {
				t.Fatalf("link %d, wire %d: fast path %+v (%v), general path %+v (%v)", link, wire, a, errA, b, errB)
			}
			errA, errB = dd.Decode(vocab.LinkType(link), frame, wire, &a), gend.Decode(vocab.LinkType(link), frame, wire, &b)
			if a != b || errA != errB {
				t.Fatalf("link %d, wire %d, decap: fast path %+v (%v), general path %+v (%v)", link, wire, a, errA, b, errB)
			}
		}
		err = d.Decode(vocab.LinkType(link), frame, 0, &s)
		if s.Decap != 0 || s.InnerDamaged || s.DepthExceeded {
			t.Fatalf("without Decap: %+v", s)
		}
		check(t, d, link, frame, &s, err)
		var sd Summary
		err = dd.Decode(vocab.LinkType(link), frame, 0, &sd)
		check(t, dd, link, frame, &sd, err)
		if sd.Tunnel != s.Tunnel {
			t.Fatalf("tunnel %v with Decap, %v without", sd.Tunnel, s.Tunnel)
		}
		if sd.Decap == 0 && sd != s && !sd.InnerDamaged && !sd.DepthExceeded {
			t.Fatalf("Decap opened nothing but changed the summary:\n%+v\n%+v", sd, s)
		}
		if (sd.DepthExceeded || sd.InnerDamaged) && sd.Decap != 0 {
			t.Fatalf("a tunnel that could not be opened is counted at level %d, not as the outer packet", sd.Decap)
		}
	})
}

// check asserts the properties every Summary has.
func check(t *testing.T, d *Decoder, link uint16, frame []byte, s *Summary, err error) {
	{
		if s.Bucket >= vocab.NumBuckets {
			t.Fatalf("bucket %d out of range", s.Bucket)
		}
		switch s.Bucket {
		case vocab.BucketTCP, vocab.BucketUDP, vocab.BucketSCTP:
			if err != nil {
				t.Fatalf("bucket %v with error %v", s.Bucket, err)
			}
			if !s.Proto.HasPorts() || s.IPVersion == 0 {
				t.Fatalf("bucket %v with proto %v, IP version %d", s.Bucket, s.Proto, s.IPVersion)
			}
		case vocab.BucketTruncated:
			if err != ErrTruncated {
				t.Fatalf("bucket truncated with error %v", err)
			}
		case vocab.BucketMalformed:
			if err != ErrMalformed {
				t.Fatalf("bucket malformed with error %v", err)
			}
		default:
			if s.Src.Port() != 0 || s.Dst.Port() != 0 {
				t.Fatalf("bucket %v has ports %v -> %v", s.Bucket, s.Src, s.Dst)
			}
		}
		if s.IPVersion == 0 && (s.Src.IsValid() || s.Dst.IsValid()) {
			t.Fatalf("addresses %v -> %v without an IP header", s.Src, s.Dst)
		}
		if s.IPVersion == 4 && !(s.Src.Addr().Is4() && s.Dst.Addr().Is4()) {
			t.Fatalf("IPv4 summary with addresses %v -> %v", s.Src, s.Dst)
		}
		if s.Fragment && s.FragOffset != 0 && s.Bucket != vocab.BucketFragment {
			t.Fatalf("later fragment (offset %d) in bucket %v", s.FragOffset, s.Bucket)
		}
		if d.Panics != 0 {
			t.Fatalf("decoder recovered %d panics", d.Panics)
		}
		if vocab.LinkType(link) == vocab.LinkEthernet && (s.Bucket == vocab.BucketTCP || s.Bucket == vocab.BucketUDP) && !s.Short && s.Decap == 0 {
			crossCheck(t, frame, s)
		}
	}
}

// crossCheck compares ports with gopacket.NewPacket when gopacket decodes
// exactly one IP header followed by the same transport protocol.
func crossCheck(t *testing.T, frame []byte, s *Summary) {
	t.Helper()
	p := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.DecodeOptions{NoCopy: true, Lazy: false})
	nIP := 0
	for _, l := range p.Layers() {
		switch l.LayerType() {
		case layers.LayerTypeIPv4, layers.LayerTypeIPv6:
			nIP++
		case layers.LayerTypeGRE, layers.LayerTypeVXLAN, layers.LayerTypeGeneve, layers.LayerTypeEtherIP:
			return // gopacket follows tunnels; we count the outer header
		}
	}
	if nIP != 1 || p.ErrorLayer() != nil {
		return
	}
	var sp, dp uint16
	switch tl := p.TransportLayer().(type) {
	case *layers.TCP:
		if s.Bucket != vocab.BucketTCP {
			t.Fatalf("gopacket sees TCP, we see %v", s.Bucket)
		}
		sp, dp = uint16(tl.SrcPort), uint16(tl.DstPort)
	case *layers.UDP:
		if s.Bucket != vocab.BucketUDP {
			t.Fatalf("gopacket sees UDP, we see %v", s.Bucket)
		}
		sp, dp = uint16(tl.SrcPort), uint16(tl.DstPort)
	default:
		return
	}
	if sp != s.Src.Port() || dp != s.Dst.Port() {
		t.Fatalf("ports %d -> %d, gopacket says %d -> %d", s.Src.Port(), s.Dst.Port(), sp, dp)
	}
}
