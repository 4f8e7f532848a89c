package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

var update = flag.Bool("update", false, "rewrite testdata traces")

// testdata is the repository's shared testdata directory.
const testdata = "../../testdata"

func mustGenerate(t *testing.T) []*trace {
	t.Helper()
	ts, err := generate()
	if err != nil {
		t.Fatalf("generate() error: %v", err)
	}
	return ts
}

// TestTraces compares every generated trace with the committed file, or
// rewrites the committed files with -update.
func TestTraces(t *testing.T) {
	for _, tr := range mustGenerate(t) {
		t.Run(tr.path, func(t *testing.T) {
			if len(tr.data) >= 64<<10 {
				t.Errorf("%s is %d bytes; small traces must stay under 64 KiB", tr.path, len(tr.data))
			}
			p := filepath.Join(testdata, filepath.FromSlash(tr.path))
			if *update {
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, tr.data, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			got, err := os.ReadFile(p)
			if err != nil {
				t.Fatalf("read committed trace: %v; run go test ./cmd/tracegen -update", err)
			}
			if !bytes.Equal(got, tr.data) {
				i := 0
				for i < len(got) && i < len(tr.data) && got[i] == tr.data[i] {
					i++
				}
				t.Errorf("testdata/%s differs from the generator (committed %d bytes, generated %d, first difference at byte %d); run go test ./cmd/tracegen -update",
					tr.path, len(got), len(tr.data), i)
			}
		})
	}
}

// TestDeterministic generates the set twice and wants identical bytes.
func TestDeterministic(t *testing.T) {
	a, b := mustGenerate(t), mustGenerate(t)
	if len(a) != len(b) {
		t.Fatalf("generate() gave %d then %d traces", len(a), len(b))
	}
	for i := range a {
		if a[i].path != b[i].path || !bytes.Equal(a[i].data, b[i].data) {
			t.Errorf("generate() twice: %s differs between runs", a[i].path)
		}
	}
}

// readFrame is one frame as a capture reader returns it.
type readFrame struct {
	ci   gopacket.CaptureInfo
	data []byte
}

// readAll reads a capture the way capture.OpenFile is meant to: by magic
// (gzip, then pcapng or pcap), with pcapgo. It returns the frames read before
// the first error and that error (nil at a clean EOF).
func readAll(b []byte) ([]readFrame, error) {
	var r io.Reader = bytes.NewReader(b)
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	br := bufio.NewReader(r)
	magic, _ := br.Peek(4)
	var src interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	if bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		ng, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, err
		}
		src = ng
	} else {
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, err
		}
		src = pr
	}
	var out []readFrame
	for {
		data, ci, err := src.ReadPacketData()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, readFrame{ci, bytes.Clone(data)})
	}
}

// TestReadBack reads every trace with pcapgo and checks the frame count, and
// for the generated traces every frame's bytes, lengths, timestamp and
// interface against the table.
func TestReadBack(t *testing.T) {
	ts := mustGenerate(t)
	byPath := map[string]*trace{}
	for _, tr := range ts {
		byPath[tr.path] = tr
	}
	for _, tr := range ts {
		if tr.format == fmtText {
			continue
		}
		t.Run(tr.path, func(t *testing.T) {
			if tr.hostile {
				t.Skip("crafted to break readers (pcapgo alone may allocate 4 GiB or divide by zero): checked by capture/corrupt_test.go")
			}
			got, err := readAll(tr.data)
			if tr.broken {
				if err == nil {
					t.Fatalf("reading %s: got %d frames and no error, want an error", tr.path, len(got))
				}
				if tr.nread >= 0 && len(got) != tr.nread {
					t.Errorf("reading %s: got %d frames before error %q, want %d", tr.path, len(got), err, tr.nread)
				}
				if tr.nread < 0 && (len(got) == 0 || len(got) >= len(sampleFrames(tr.path))) {
					t.Errorf("reading %s: got %d frames before error %q, want some but not all %d", tr.path, len(got), err, len(sampleFrames(tr.path)))
				}
				t.Logf("%s: %d frames, then %v", tr.path, len(got), err)
				return
			}
			if err != nil {
				t.Fatalf("reading %s: %v after %d frames", tr.path, err, len(got))
			}
			src := tr
			if tr.format == fmtGzip {
				src = byPath[tr.from]
			}
			if len(got) != len(src.frames) || len(got) != tr.nread {
				t.Fatalf("reading %s: got %d frames, table has %d", tr.path, len(got), len(src.frames))
			}
			res := time.Nanosecond
			if src.format == fmtPcap || src.format == fmtPcapHand || src.format == fmtPcapBE {
				res = time.Microsecond
			}
			for i, f := range src.frames {
				g := got[i]
				want := timestamp(i, src.gap).Truncate(res)
				if !g.ci.Timestamp.Equal(want) {
					t.Errorf("frame %d: timestamp %v, want %v", i, g.ci.Timestamp, want)
				}
				if g.ci.CaptureLength != len(f.data) || g.ci.Length != f.wireLen() {
					t.Errorf("frame %d: caplen/len %d/%d, want %d/%d", i, g.ci.CaptureLength, g.ci.Length, len(f.data), f.wireLen())
				}
				if !bytes.Equal(g.data, f.data) {
					t.Errorf("frame %d: data differs from the table", i)
				}
				if g.ci.InterfaceIndex != f.iface {
					t.Errorf("frame %d: interface %d, want %d", i, g.ci.InterfaceIndex, f.iface)
				}
			}
		})
	}
}

// TestFileHeaders checks the hand-built and unusual file headers byte by byte.
func TestFileHeaders(t *testing.T) {
	ts := mustGenerate(t)
	find := func(p string) []byte {
		for _, tr := range ts {
			if tr.path == p {
				return tr.data
			}
		}
		t.Fatalf("no trace %s", p)
		return nil
	}
	tests := []struct {
		path  string
		magic []byte // first 4 bytes
		order binary.ByteOrder
		link  uint32
	}{
		{"traces/eth-mixed.pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1}, binary.LittleEndian, 1},
		{"traces/ns-be.pcap", []byte{0xa1, 0xb2, 0x3c, 0x4d}, binary.BigEndian, 1},
		{"traces/ipv6.pcap", []byte{0x4d, 0x3c, 0xb2, 0xa1}, binary.LittleEndian, 229},
		{"traces/sll2.pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1}, binary.LittleEndian, 276},
		{"traces/null.pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1}, binary.LittleEndian, 0},
		{"traces/loop.pcap", []byte{0x4d, 0x3c, 0xb2, 0xa1}, binary.LittleEndian, 108},
		{"tunnels/gre.pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1}, binary.LittleEndian, 1},
		{"tunnels/cisco-hdlc.pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1}, binary.LittleEndian, 104},
		{"tunnels/nflog.pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1}, binary.LittleEndian, 239},
		{"tunnels/sll2-any.pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1}, binary.LittleEndian, 276},
		{"tunnels/radiotap.pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1}, binary.LittleEndian, 127},
		{"tunnels/null-be.pcap", []byte{0xa1, 0xb2, 0xc3, 0xd4}, binary.BigEndian, 0},
	}
	for _, tt := range tests {
		b := find(tt.path)
		if !bytes.Equal(b[:4], tt.magic) {
			t.Errorf("%s: magic % x, want % x", tt.path, b[:4], tt.magic)
		}
		if v := tt.order.Uint16(b[4:6]); v != 2 {
			t.Errorf("%s: version major %d, want 2", tt.path, v)
		}
		if l := tt.order.Uint32(b[20:24]); l != tt.link {
			t.Errorf("%s: link type %d, want %d", tt.path, l, tt.link)
		}
	}
	for _, p := range []string{"traces/eth-mixed.pcap.gz", "traces/multi-if.pcapng.gz.bin", "corrupt/gzip-cut.pcap.gz"} {
		if b := find(p); b[0] != 0x1f || b[1] != 0x8b || binary.LittleEndian.Uint32(b[4:8]) != 0 {
			t.Errorf("%s: want gzip magic 1f 8b and mtime 0, got % x", p, b[:8])
		}
	}
	if b := find("traces/multi-if.pcapng"); !bytes.Equal(b[:4], []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		t.Errorf("multi-if.pcapng: block type % x, want section header 0a 0d 0d 0a", b[:4])
	}
}

// decodeFrame decodes one frame of the given link type with
// gopacket.NewPacket. Link headers gopacket cannot decode (SLL2, Cisco HDLC,
// NFLOG, the PBB I-TAG) are checked field by field and the rest is decoded
// from their protocol field; NULL/LOOP families are checked in either byte
// order. It returns nil for an NFLOG message without a packet.
func decodeFrame(t *testing.T, link uint16, data []byte) gopacket.Packet {
	t.Helper()
	switch link {
	case uint16(layers.LinkTypeEthernet):
		// 802.1ah PBB: [B-TAG 0x88a8,] I-TAG 0x88e7 (4 bytes), then the
		// customer's Ethernet header. gopacket v1.1.19 stops at 0x88e7.
		if len(data) < 18 {
			return gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		}
		off, et := 14, binary.BigEndian.Uint16(data[12:14])
		if et == 0x88a8 {
			off, et = 18, binary.BigEndian.Uint16(data[16:18])
		}
		if et == 0x88e7 {
			return gopacket.NewPacket(data[off+4:], layers.LayerTypeEthernet, gopacket.Default)
		}
		return gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
	case uint16(layers.LinkTypeRaw):
		return gopacket.NewPacket(data, layers.LinkTypeRaw, gopacket.Default)
	case uint16(layers.LinkTypeIPv4):
		return gopacket.NewPacket(data, layers.LayerTypeIPv4, gopacket.Default)
	case uint16(layers.LinkTypeIPv6):
		return gopacket.NewPacket(data, layers.LayerTypeIPv6, gopacket.Default)
	case uint16(layers.LinkTypeNull), uint16(layers.LinkTypeLoop):
		// The family is in the capturing host's byte order (NULL) or
		// network order (LOOP); both fit in the low byte, so whichever
		// order leaves the first two bytes zero is the one.
		fam := binary.LittleEndian.Uint32(data[:4])
		if data[0] == 0 && data[1] == 0 {
			fam = binary.BigEndian.Uint32(data[:4])
		}
		if !slices.Contains([]uint32{afInet, afInet6BSD, afInet6FreeBSD, afInet6Darwin}, fam) {
			t.Errorf("loopback header % x: family %d is not 2, 24, 28 or 30", data[:4], fam)
		}
		return gopacket.NewPacket(data, layers.LayerTypeLoopback, gopacket.Default)
	case uint16(layers.LinkTypePPP):
		return gopacket.NewPacket(data, layers.LinkTypePPP, gopacket.Default)
	case uint16(layers.LinkTypeLinuxSLL):
		return gopacket.NewPacket(data, layers.LayerTypeLinuxSLL, gopacket.Default)
	case uint16(layers.LinkTypeIEEE80211Radio):
		return gopacket.NewPacket(data, layers.LayerTypeRadioTap, gopacket.Default)
	case linkTypeSLL2:
		// gopacket v1.1.19 has no SLL2 decoder: check the 20-byte header by
		// hand and decode the rest from its protocol field.
		h := data[:20]
		proto := layers.EthernetType(binary.BigEndian.Uint16(h[0:2]))
		arphrd, alen := binary.BigEndian.Uint16(h[8:10]), h[11]
		if binary.BigEndian.Uint16(h[2:4]) != 0 || binary.BigEndian.Uint32(h[4:8]) == 0 || h[10] > sllOutgoing ||
			!(arphrd == arphrdEther && alen == 6 || arphrd == arphrdLoop && alen == 6 || arphrd == arphrdNone && alen == 0) {
			t.Errorf("SLL2 header % x: want reserved 0, ifindex > 0, packet type 0-4, ARPHRD 1 or 772 with address length 6 or 0xfffe with 0", h)
		}
		if proto == 0x0004 { // 802.2 LLC frames, no EtherType
			return gopacket.NewPacket(data[20:], layers.LayerTypeLLC, gopacket.Default)
		}
		return gopacket.NewPacket(data[20:], proto, gopacket.Default)
	case uint16(layers.LinkTypeC_HDLC):
		// gopacket v1.1.19 has no Cisco HDLC decoder.
		if (data[0] != 0x0f && data[0] != 0x8f) || data[1] != 0 {
			t.Errorf("Cisco HDLC header % x: want address 0x0f or 0x8f, control 0", data[:4])
		}
		return gopacket.NewPacket(data[4:], layers.EthernetType(binary.BigEndian.Uint16(data[2:4])), gopacket.Default)
	case linkTypeNFLOG:
		payload, family := nflogPayload(t, data)
		if payload == nil {
			return nil
		}
		if family == 10 {
			return gopacket.NewPacket(payload, layers.LayerTypeIPv6, gopacket.Default)
		}
		return gopacket.NewPacket(payload, layers.LayerTypeIPv4, gopacket.Default)
	}
	t.Fatalf("no decoder for link type %d", link)
	return nil
}

// nflogPayload walks an NFLOG message (gopacket v1.1.19 has no decoder):
// the 4-byte header, then TLVs with little-endian length and type, each
// padded to 4 bytes. It returns the NFULA_PAYLOAD value (nil if absent) and
// the address family, and checks that the TLVs fill the message exactly and
// that NFULA_PACKET_HDR's protocol matches the family.
func nflogPayload(t *testing.T, data []byte) (payload []byte, family byte) {
	t.Helper()
	family = data[0]
	if (family != 2 && family != 10) || data[1] != 0 {
		t.Errorf("NFLOG header % x: want family 2 or 10, version 0", data[:4])
	}
	off := 4
	for off < len(data) {
		if off+4 > len(data) {
			t.Errorf("NFLOG: TLV header at %d runs past the end (%d bytes)", off, len(data))
			return nil, family
		}
		n, typ := int(binary.LittleEndian.Uint16(data[off:])), binary.LittleEndian.Uint16(data[off+2:])
		if n < 4 || off+n > len(data) {
			t.Errorf("NFLOG: TLV type %d at %d: length %d does not fit %d bytes", typ, off, n, len(data))
			return nil, family
		}
		v := data[off+4 : off+n]
		switch typ {
		case nfulaPacketHdr:
			want := uint16(layers.EthernetTypeIPv4)
			if family == 10 {
				want = uint16(layers.EthernetTypeIPv6)
			}
			if len(v) != 4 || binary.BigEndian.Uint16(v) != want {
				t.Errorf("NFLOG: NFULA_PACKET_HDR % x: want hw_protocol %#04x", v, want)
			}
		case nfulaPayload:
			payload = v
		}
		off += (n + 3) &^ 3
	}
	if off != len(data) {
		t.Errorf("NFLOG: TLVs end at %d, message has %d bytes", off, len(data))
	}
	return payload, family
}

// transportOf returns the layer right after the outermost IP header and its
// extension headers, and the bytes after those headers; without an IP layer,
// the first layer after the link and encapsulation headers.
func transportOf(p gopacket.Packet) (gopacket.LayerType, []byte) {
	ls := p.Layers()
	for i, l := range ls {
		if lt := l.LayerType(); lt != layers.LayerTypeIPv4 && lt != layers.LayerTypeIPv6 {
			continue
		}
		after := l.LayerPayload()
		j := i + 1
		for ; j < len(ls); j++ {
			switch ls[j].LayerType() {
			case layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Destination, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Fragment:
				after = ls[j].LayerPayload()
				continue
			}
			break
		}
		if j == len(ls) {
			return gopacket.LayerTypeZero, after
		}
		if ls[j].LayerType() == gopacket.LayerTypeDecodeFailure && nextHeader(ls[j-1]) == layers.IPProtocolIPv6Routing && len(after) >= 8 {
			// gopacket v1.1.19 decodes routing type 0 only: skip any other
			// routing header by its length and decode what follows.
			skip := (int(after[1]) + 1) * 8
			if len(after) >= skip {
				rest := gopacket.NewPacket(after[skip:], layers.IPProtocol(after[0]).LayerType(), gopacket.Default)
				return rest.Layers()[0].LayerType(), after[skip:]
			}
		}
		return ls[j].LayerType(), after
	}
	for _, l := range ls {
		switch l.LayerType() {
		case layers.LayerTypeEthernet, layers.LayerTypeDot1Q, layers.LayerTypeMPLS, layers.LayerTypePPPoE,
			layers.LayerTypePPP, layers.LayerTypeLinuxSLL, layers.LayerTypeLoopback, layers.LayerTypeRadioTap, layers.LayerTypeDot11, layers.LayerTypeDot11Data:
			continue
		}
		return l.LayerType(), nil
	}
	return gopacket.LayerTypeZero, nil
}

// TestFramesDecode decodes every frame of the generated traces with
// gopacket.NewPacket, independently of the builders, and checks the layer
// after IP and the ports against the table. For a tunnelled frame it also
// decodes the inner packet from its offset and checks the --decap reading,
// and checks whether gopacket's whole-frame decode reaches that packet.
func TestFramesDecode(t *testing.T) {
	for _, tr := range mustGenerate(t) {
		if tr.table == nil {
			continue
		}
		t.Run(tr.path, func(t *testing.T) {
			if tr.tshark {
				t.Skip("beyond gopacket v1.1.19's decoders: cmd's TestTsharkAgreement checks this trace against tshark")
			}
			for ri, r := range tr.table {
				for fi, f := range r.frames {
					name := fmt.Sprintf("row %d (%s) frame %d", ri, r.what, fi)
					p := decodeFrame(t, tr.ifaces[f.iface].link, f.data)
					if p == nil {
						if !f.noPacket || f.bucket != bTruncated || f.hasPorts {
							t.Errorf("%s: the link header holds no packet; want bucket truncated, noPacket, no ports", name)
						}
						continue
					}
					if f.noPacket {
						t.Errorf("%s: noPacket, but the link header holds a packet (%s)", name, layerNames(p))
					}
					checkTransport(t, name, p, f)
					cut := f.wireLen() > len(f.data)
					cutOK := f.bucket == bTruncated || f.short
					if d := f.decap; d != nil {
						cutOK = cutOK || d.bucket == bTruncated || d.short
						checkDecap(t, name, p, f)
					}
					switch {
					case cut && !cutOK:
						t.Errorf("%s: cut (caplen %d < len %d) but neither reading is truncated or short", name, len(f.data), f.wireLen())
					case !cut && cutOK && !f.noPacket:
						t.Errorf("%s: a reading is truncated or short but the frame is not cut (caplen %d, len %d)", name, len(f.data), f.wireLen())
					}
				}
			}
		})
	}
}

// checkTransport checks the layer after the outermost IP header of p and
// the ports against f.
func checkTransport(t *testing.T, name string, p gopacket.Packet, f frame) {
	t.Helper()
	lt, after := transportOf(p)
	if lt != f.layer {
		t.Errorf("%s: gopacket.NewPacket: layer after IP = %v, want %v (layers %v)", name, lt, f.layer, layerNames(p))
		return
	}
	var sport, dport uint16
	tl := p.TransportLayer()
	if f.short {
		tl = nil // gopacket adds the cut TCP/UDP layer with zero ports: read them from the bytes
	}
	switch l := tl.(type) {
	case *layers.TCP:
		sport, dport = uint16(l.SrcPort), uint16(l.DstPort)
	case *layers.UDP:
		sport, dport = uint16(l.SrcPort), uint16(l.DstPort)
	case *layers.SCTP:
		sport, dport = uint16(l.SrcPort), uint16(l.DstPort)
	default:
		if f.hasPorts {
			if len(after) < 4 {
				t.Errorf("%s: %d bytes after the IP header, want at least 4 (ports)", name, len(after))
				return
			}
			sport, dport = binary.BigEndian.Uint16(after[0:2]), binary.BigEndian.Uint16(after[2:4])
		}
	}
	if lt == layers.LayerTypeTCP || lt == layers.LayerTypeUDP || lt == layers.LayerTypeSCTP || f.hasPorts {
		if !f.hasPorts {
			t.Errorf("%s: gopacket found %v, but the table says no ports", name, lt)
		} else if sport != f.sport || dport != f.dport {
			t.Errorf("%s: ports %d -> %d, want %d -> %d", name, sport, dport, f.sport, f.dport)
		}
	}
	if f.hasPorts && f.service != 0 && f.service != f.sport && f.service != f.dport {
		t.Errorf("%s: service port %d is neither port (%d -> %d)", name, f.service, f.sport, f.dport)
	}
}

// checkDecap checks the --decap reading of a tunnelled frame: the inner
// packet at f.decap.l3, decoded on its own, must give the inner layer and
// ports; gopacket's whole-frame decode p must reach an IP header at exactly
// that offset iff the table says gopacket opens every tunnel on the way
// (and the inner IP header is one gopacket accepts).
func checkDecap(t *testing.T, name string, p gopacket.Packet, f frame) {
	t.Helper()
	d := *f.decap
	if len(f.tunnels) == 0 {
		t.Errorf("%s: decap reading without a tunnel", name)
	}
	if d.l3 <= 0 || d.l3 >= len(f.data) {
		t.Errorf("%s: inner IP header at %d, frame has %d bytes", name, d.l3, len(f.data))
		return
	}
	inner := f.data[d.l3:]
	lt := layers.LayerTypeIPv4
	if inner[0]>>4 == 6 {
		lt = layers.LayerTypeIPv6
	}
	checkTransport(t, name+" (--decap, inner packet)", gopacket.NewPacket(inner, lt, gopacket.Default), d)

	reach := false
	base := cap(p.Data())
	for _, l := range p.Layers() {
		if l.LayerType() == layers.LayerTypeIPv4 || l.LayerType() == layers.LayerTypeIPv6 {
			// Layer contents are subslices of p.Data(): the offset is the
			// difference of capacities (the link header may have been
			// skipped by decodeFrame; tunnelled frames are Ethernet only).
			if base-cap(l.LayerContents()) == d.l3 {
				reach = true
			}
		}
	}
	// gopacket keeps an IPv4 layer whose header it rejects (IHL 3), but adds
	// none for a header cut short.
	want := d.gopacket && !(d.bucket == bTruncated && !d.short)
	if reach != want {
		t.Errorf("%s: gopacket's whole-frame decode reaches the inner IP header at %d: %v, table says %v (layers %s)", name, d.l3, reach, want, layerNames(p))
	}
}

// nextHeader is the next-header field of an IPv6 header or extension header.
func nextHeader(l gopacket.Layer) layers.IPProtocol {
	switch h := l.(type) {
	case *layers.IPv6:
		return h.NextHeader
	case *layers.IPv6HopByHop:
		return h.NextHeader
	case *layers.IPv6Destination:
		return h.NextHeader
	}
	return 0
}

func layerNames(p gopacket.Packet) string {
	var s []string
	for _, l := range p.Layers() {
		s = append(s, l.LayerType().String())
	}
	return strings.Join(s, "/")
}

// ephemeral is portsift's default ephemeral range (iana,linux).
func ephemeral(p uint16) bool { return p >= 32768 }

func named(proto string, p uint16) bool {
	if proto == "tcp" {
		return layers.TCPPortNames[layers.TCPPort(p)] != ""
	}
	return layers.UDPPortNames[layers.UDPPort(p)] != ""
}

// TestPortRules checks that the rows meant for the port rules 2-5 use ports
// that make exactly that rule apply, by gopacket's IANA tables (the names
// portsift's registry starts from).
func TestPortRules(t *testing.T) {
	for _, tr := range mustGenerate(t) {
		for _, r := range tr.table {
			if r.rule == "" {
				continue
			}
			for _, f := range r.frames {
				if !f.hasPorts {
					continue
				}
				srv, cli := f.dport, f.sport
				if f.sport == r.srvPort && r.rule != "ephemeral" {
					srv, cli = f.sport, f.dport
				}
				if r.rule != "ephemeral" && srv != r.srvPort {
					t.Errorf("%s %q: frame %d->%d does not involve service port %d", tr.path, r.what, f.sport, f.dport, r.srvPort)
					continue
				}
				ns, nc := named(r.proto, srv), named(r.proto, cli)
				var ok bool
				switch r.rule {
				case "registry":
					ok = ns && !nc
				case "well-known":
					ok = ns == nc && srv < 1024 && cli >= 1024
				case "non-ephemeral":
					ok = ns == nc && srv >= 1024 && !ephemeral(srv) && ephemeral(cli)
				case "lower-port":
					ok = ns && nc && srv >= 1024 && ephemeral(srv) == ephemeral(cli) && srv < cli
				case "ephemeral", "port-stability":
					ok = !ns && !nc && ephemeral(srv) && ephemeral(cli)
				default:
					t.Errorf("%s %q: unknown rule %q", tr.path, r.what, r.rule)
					continue
				}
				if !ok {
					t.Errorf("%s %q: %s ports %d (named %v) and %d (named %v) do not fit rule %s",
						tr.path, r.what, r.proto, srv, ns, cli, nc, r.rule)
				}
			}
		}
	}
}

// TestCoverage checks that eth-mixed exercises every bucket, the short
// counter and every flow reason, so the trace keeps its purpose when edited.
func TestCoverage(t *testing.T) {
	var mixed *trace
	for _, tr := range mustGenerate(t) {
		if tr.path == "traces/eth-mixed.pcap" {
			mixed = tr
		}
	}
	buckets := map[string]int{}
	short := 0
	for _, f := range mixed.frames {
		buckets[f.bucket]++
		if f.short {
			short++
		}
	}
	for _, b := range []string{bTCP, bUDP, bSCTP, bFragment, bICMP, bOtherIP, bNonIP, bTruncated, bMalformed} {
		if buckets[b] == 0 {
			t.Errorf("eth-mixed.pcap has no %s frame", b)
		}
	}
	if short == 0 {
		t.Errorf("eth-mixed.pcap has no short frame")
	}
	var expects strings.Builder
	for _, r := range mixed.table {
		expects.WriteString(r.expect + "\n")
	}
	for _, reason := range []string{"handshake", "registry", "well-known", "non-ephemeral", "lower-port", "port-stability", "ephemeral", "ALERT", "end fin", "end rst"} {
		if !strings.Contains(expects.String(), reason) {
			t.Errorf("eth-mixed.pcap: no row expects %q", reason)
		}
	}
}

func TestBigServicesUnnamed(t *testing.T) {
	for _, p := range unnamedHighPorts {
		if named("tcp", p) || named("udp", p) || p < 1024 || ephemeral(p) {
			t.Errorf("unnamedHighPorts: %d is named or not in 1024-32767", p)
		}
	}
	sum := 0
	for _, s := range bigMix {
		sum += s.permill
	}
	if sum != 1000 {
		t.Errorf("bigMix adds up to %d per mille, want 1000", sum)
	}
}

// TestBig writes a small big trace twice (same bytes), reads it back and
// checks counts, the traffic mix and a sample of frames with gopacket.
func TestBig(t *testing.T) {
	cfg := bigConfig{packets: 100000, flows: 2000, seed: 7}
	var a bytes.Buffer
	a.Grow(cfg.packets * 720)
	st, err := writeBig(&a, cfg)
	if err != nil {
		t.Fatalf("writeBig(%+v): %v", cfg, err)
	}
	h := sha256.New()
	if _, err := writeBig(h, cfg); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(a.Bytes()); !bytes.Equal(h.Sum(nil), sum[:]) {
		t.Fatalf("writeBig(%+v) twice: outputs differ", cfg)
	}
	if st.packets != int64(cfg.packets) || st.flows != int64(cfg.flows) {
		t.Errorf("writeBig stats: %d packets, %d flows; want %d, %d", st.packets, st.flows, cfg.packets, cfg.flows)
	}
	r, err := pcapgo.NewReader(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet || r.Snaplen() != 65535 {
		t.Errorf("big trace: link type %v, snaplen %d; want Ethernet, 65535", r.LinkType(), r.Snaplen())
	}
	var n, small, full, v6, vlan, frags, syns int
	var nbytes int64
	type key struct{ a, b string }
	tuples := map[key]bool{}
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read back after %d packets: %v", n, err)
		}
		n++
		nbytes += int64(ci.Length)
		switch {
		case ci.Length <= 90:
			small++
		case ci.Length >= 1514:
			full++
		}
		// Count by hand; decode every 25th frame with gopacket as well.
		off, et := 14, binary.BigEndian.Uint16(data[12:14])
		if et == 0x8100 {
			vlan++
			off, et = 18, binary.BigEndian.Uint16(data[16:18])
		}
		var proto byte
		var l4 []byte
		var src, dst []byte
		switch et {
		case 0x0800:
			h := data[off : off+20]
			if inetChecksum(h) != 0 {
				t.Fatalf("packet %d: IPv4 header checksum does not verify: % x", n, h)
			}
			ff := binary.BigEndian.Uint16(h[6:8])
			if ff&0x2000 != 0 || ff&0x1fff != 0 {
				frags++
			}
			proto, src, dst = h[9], h[12:16], h[16:20]
			if ff&0x1fff == 0 {
				l4 = data[off+20:]
			}
		case 0x86dd:
			v6++
			h := data[off : off+40]
			proto, src, dst, l4 = h[6], h[8:24], h[24:40], data[off+40:]
		default:
			t.Fatalf("packet %d: EtherType %#04x", n, et)
		}
		if proto == 6 && l4[13]&0x12 == 0x02 {
			syns++
		}
		if l4 != nil {
			k := key{fmt.Sprint(proto, src, l4[0:2]), fmt.Sprint(proto, dst, l4[2:4])}
			if k.b < k.a {
				k.a, k.b = k.b, k.a
			}
			tuples[k] = true
		}
		if n%25 == 0 {
			p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
			lt, _ := transportOf(p)
			want := map[byte]gopacket.LayerType{6: layers.LayerTypeTCP, 17: layers.LayerTypeUDP}[proto]
			if l4 == nil || (et == 0x0800 && binary.BigEndian.Uint16(data[off+6:off+8])&0x2000 != 0) {
				want = gopacket.LayerTypeFragment
			}
			if lt != want {
				t.Fatalf("packet %d: gopacket.NewPacket: layer after IP %v, want %v (%s)", n, lt, want, layerNames(p))
			}
		}
	}
	if n != cfg.packets || nbytes != st.bytes {
		t.Errorf("read back %d packets, %d bytes; want %d, %d", n, nbytes, cfg.packets, st.bytes)
	}
	frac := func(x int) float64 { return float64(x) / float64(n) }
	t.Logf("<= 90 bytes %.3f, >= 1514 bytes %.3f, IPv6 %.3f, VLAN %.3f, fragments %.3f, distinct tuples %d, SYNs %d",
		frac(small), frac(full), frac(v6), frac(vlan), frac(frags), len(tuples), syns)
	check := func(what string, got, lo, hi float64) {
		if got < lo || got > hi {
			t.Errorf("%s: %.3f of packets, want %.2f-%.2f", what, got, lo, hi)
		}
	}
	check("small (<= 90 byte) frames", frac(small), 0.34, 0.46)
	check("full-size frames", frac(full), 0.25, 0.35)
	check("IPv6", frac(v6), 0.15, 0.17)
	check("802.1Q", frac(vlan), 0.15, 0.17)
	check("IPv4 fragments", frac(frags), 0.015, 0.025)
	if len(tuples) < cfg.flows*97/100 || len(tuples) > cfg.flows {
		t.Errorf("distinct 5-tuples: %d, want about %d", len(tuples), cfg.flows)
	}
	if float64(syns) < 0.5*float64(cfg.flows) {
		t.Errorf("SYNs: %d for %d flows; want most flows to be TCP opened by a SYN", syns, cfg.flows)
	}
}

func TestSynflood(t *testing.T) {
	var buf bytes.Buffer
	const n = 100000
	st, err := writeSynflood(&buf, n, 3)
	if err != nil {
		t.Fatal(err)
	}
	if st.packets != n || st.flows != n {
		t.Errorf("writeSynflood stats %+v, want %d packets and flows", st, n)
	}
	r, err := pcapgo.NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	srcs := map[[6]byte]bool{}
	for i := 0; ; i++ {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i%1000 == 0 {
			p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
			tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
			if tcp == nil || !tcp.SYN || tcp.ACK || tcp.DstPort != 80 {
				t.Fatalf("packet %d: want a SYN to port 80, got %v", i, layerNames(p))
			}
		}
		var k [6]byte
		copy(k[:4], data[14+12:14+16]) // source address
		copy(k[4:], data[34:36])       // source port
		srcs[k] = true
	}
	if len(srcs) != n {
		t.Errorf("synflood: %d distinct sources, want %d", len(srcs), n)
	}
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"-big"}, {"-out", "x", "-list"}, {"-big", "-o", "x", "-packets", "0"}, {"extra"}} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("run(%q) = %d, want 2 (usage); stderr:\n%s", args, code, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"-big", "-packets", "10", "-flows", "100", "-o", filepath.Join(t.TempDir(), "x.pcap")}, &out, &errb); code != 1 {
		t.Errorf("run(-big -packets 10 -flows 100) = %d, want 1 (too few packets); stderr: %s", code, errb.String())
	}
}

func TestWriteSmall(t *testing.T) {
	dir := t.TempDir()
	if code := run([]string{"-out", dir}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("run(-out %s) = %d", dir, code)
	}
	for _, tr := range mustGenerate(t) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tr.path)))
		if err != nil || !bytes.Equal(b, tr.data) {
			t.Errorf("run(-out): %s not written as generated (err %v)", tr.path, err)
		}
	}
}
