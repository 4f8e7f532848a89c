package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/portsift/portsift/capture/sharedtest"
	"github.com/portsift/portsift/decode/vocab"
)

// Package-level sinks keep the compiler from discarding work in alloc tests.
var (
	sinkData []byte
	sinkCI   gopacket.CaptureInfo
	sinkLink vocab.LinkType
)

// tracesDir holds the shared real traces (see its README.md); never copied
// into the repository. It may be absent: tests skip through sharedtest.
var tracesDir, _ = sharedtest.Sub("traces")

// frameKind selects the transport of a generated frame.
type frameKind int

const (
	kindUDP frameKind = iota
	kindTCP
	kindARP // not IP at all
)

// frame builds a valid frame of the given link type carrying a UDP or TCP
// packet (or an ARP request on Ethernet); i varies ports and payload so that
// frames differ.
func frame(t testing.TB, link vocab.LinkType, kind frameKind, i int) []byte {
	t.Helper()
	ip := &layers.IPv4{
		Version: 4, TTL: 64,
		SrcIP: net.IPv4(192, 0, 2, 1), DstIP: net.IPv4(198, 51, 100, byte(i)),
	}
	payload := gopacket.Payload(bytes.Repeat([]byte{byte(i)}, 20+i%50))
	var l4 gopacket.SerializableLayer
	switch kind {
	case kindUDP:
		ip.Protocol = layers.IPProtocolUDP
		udp := &layers.UDP{SrcPort: layers.UDPPort(40000 + i%1000), DstPort: 53}
		udp.SetNetworkLayerForChecksum(ip)
		l4 = udp
	case kindTCP:
		ip.Protocol = layers.IPProtocolTCP
		tcp := &layers.TCP{SrcPort: layers.TCPPort(40000 + i%1000), DstPort: 443, Seq: uint32(i), ACK: true, Window: 512}
		tcp.SetNetworkLayerForChecksum(ip)
		l4 = tcp
	}
	var ls []gopacket.SerializableLayer
	switch link {
	case vocab.LinkEthernet:
		eth := &layers.Ethernet{
			SrcMAC:       net.HardwareAddr{2, 0, 0, 0, 0, 1},
			DstMAC:       net.HardwareAddr{2, 0, 0, 0, 0, 2},
			EthernetType: layers.EthernetTypeIPv4,
		}
		if kind == kindARP {
			eth.EthernetType = layers.EthernetTypeARP
			arp := &layers.ARP{
				AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
				HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPRequest,
				SourceHwAddress: eth.SrcMAC, SourceProtAddress: []byte{192, 0, 2, 1},
				DstHwAddress: make([]byte, 6), DstProtAddress: []byte{192, 0, 2, byte(i)},
			}
			ls = []gopacket.SerializableLayer{eth, arp}
			break
		}
		ls = []gopacket.SerializableLayer{eth, ip, l4, payload}
	case vocab.LinkNull:
		ls = []gopacket.SerializableLayer{&layers.Loopback{Family: layers.ProtocolFamilyIPv4}, ip, l4, payload}
	case vocab.LinkRaw:
		ls = []gopacket.SerializableLayer{ip, l4, payload}
	default:
		t.Fatalf("frame: no builder for link type %v", link)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatalf("frame: SerializeLayers: %v", err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// pkt is one record of a generated file.
type pkt struct {
	ts    time.Time
	iface int // pcapng interface index
	data  []byte
	wire  int // original length; 0 means len(data)
}

func (p pkt) ci() gopacket.CaptureInfo {
	wire := p.wire
	if wire == 0 {
		wire = len(p.data)
	}
	return gopacket.CaptureInfo{Timestamp: p.ts, CaptureLength: len(p.data), Length: wire, InterfaceIndex: p.iface}
}

// ts0 is the base timestamp of generated files.
var ts0 = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// at returns ts0 plus n microseconds plus ns nanoseconds.
func at(us, ns int) time.Time {
	return ts0.Add(time.Duration(us)*time.Microsecond + time.Duration(ns))
}

// pcapFile writes pkts as a little-endian pcap file with pcapgo.
func pcapFile(t testing.TB, link vocab.LinkType, nanos bool, pkts []pkt) []byte {
	t.Helper()
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	if nanos {
		w = pcapgo.NewWriterNanos(&b)
	}
	if err := w.WriteFileHeader(65535, layers.LinkType(link)); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		if err := w.WritePacket(p.ci(), p.data); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// pcapngFile writes pkts as a pcapng file with one interface per link type.
func pcapngFile(t testing.TB, links []vocab.LinkType, pkts []pkt) []byte {
	t.Helper()
	var b bytes.Buffer
	intf := pcapgo.DefaultNgInterface
	intf.LinkType = layers.LinkType(links[0])
	w, err := pcapgo.NewNgWriterInterface(&b, intf, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range links[1:] {
		intf.LinkType = layers.LinkType(l)
		intf.Name = "intf" + string(rune('1'+i))
		if _, err := w.AddInterface(intf); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range pkts {
		if err := w.WritePacket(p.ci(), p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Hand-built pcap, for what pcapgo cannot write: big-endian files, old
// versions, 16-bit link types, lying headers.

// pcapHeader is a pcap file header; magic is written in order, so
// 0xa1b2c3d4 with binary.BigEndian gives a big-endian µs file.
func pcapHeader(order byteOrder, magic uint32, major, minor uint16, snaplen, link uint32) []byte {
	b := make([]byte, 24)
	order.PutUint32(b[0:], magic)
	order.PutUint16(b[4:], major)
	order.PutUint16(b[6:], minor)
	// 8: thiszone, 12: sigfigs, both 0
	order.PutUint32(b[16:], snaplen)
	order.PutUint32(b[20:], link)
	return b
}

// pcapRecord is a record: header fields in the order given (f1 is the
// captured length in pcap 2.4), then data.
func pcapRecord(order byteOrder, sec, frac, f1, f2 uint32, data []byte) []byte {
	b := make([]byte, 16, 16+len(data))
	order.PutUint32(b[0:], sec)
	order.PutUint32(b[4:], frac)
	order.PutUint32(b[8:], f1)
	order.PutUint32(b[12:], f2)
	return append(b, data...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// Hand-built pcapng.

// ngBlock is a block: type, total length, body padded to 4 bytes, total
// length again.
func ngBlock(order byteOrder, typ uint32, body ...[]byte) []byte {
	bd := cat(body...)
	for len(bd)%4 != 0 {
		bd = append(bd, 0)
	}
	total := uint32(12 + len(bd))
	b := make([]byte, 8, total)
	order.PutUint32(b[0:], typ)
	order.PutUint32(b[4:], total)
	b = append(b, bd...)
	return order.AppendUint32(b, total)
}

func ngSHB(order byteOrder, major, minor uint16, opts ...[]byte) []byte {
	body := make([]byte, 16)
	order.PutUint32(body[0:], 0x1a2b3c4d)
	order.PutUint16(body[4:], major)
	order.PutUint16(body[6:], minor)
	binary.LittleEndian.PutUint64(body[8:], ^uint64(0)) // section length unknown
	return ngBlock(order, blockSHB, append([][]byte{body}, opts...)...)
}

func ngIDB(order byteOrder, link uint16, snap uint32, opts ...[]byte) []byte {
	body := make([]byte, 8)
	order.PutUint16(body[0:], link)
	order.PutUint32(body[4:], snap)
	return ngBlock(order, blockIDB, append([][]byte{body}, opts...)...)
}

// ngEPB is an enhanced packet block with microsecond timestamp us (the
// default resolution), captured length len(data) unless caplen >= 0.
func ngEPB(order byteOrder, iface uint32, us uint64, data []byte, wire uint32, caplen int64) []byte {
	h := make([]byte, 20)
	order.PutUint32(h[0:], iface)
	order.PutUint32(h[4:], uint32(us>>32))
	order.PutUint32(h[8:], uint32(us))
	cl := uint32(len(data))
	if caplen >= 0 {
		cl = uint32(caplen)
	}
	order.PutUint32(h[12:], cl)
	order.PutUint32(h[16:], wire)
	return ngBlock(order, blockEPB, h, data)
}

func ngSPB(order byteOrder, wire uint32, data []byte) []byte {
	return ngBlock(order, blockSPB, order.AppendUint32(nil, wire), data)
}

func ngISB(order byteOrder, iface uint32, opts ...[]byte) []byte {
	body := make([]byte, 12)
	order.PutUint32(body[0:], iface)
	return ngBlock(order, blockISB, append([][]byte{body}, opts...)...)
}

// ngOpt is an option: code, length, value padded to 4 bytes.
func ngOpt(order byteOrder, code uint16, value []byte) []byte {
	b := order.AppendUint16(nil, code)
	b = order.AppendUint16(b, uint16(len(value)))
	b = append(b, value...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// byteOrder is what binary.LittleEndian and binary.BigEndian both are.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

var le, be byteOrder = binary.LittleEndian, binary.BigEndian

// readAll reads src to the end; it returns the frames (copied), their link
// types and the error that ended the read (nil at io.EOF).
func readAll(t testing.TB, src Source) ([]pkt, []vocab.LinkType, error) {
	t.Helper()
	var pkts []pkt
	var links []vocab.LinkType
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("readAll: no end after a million reads")
		}
		data, ci, err := src.ZeroCopyReadPacketData()
		if err == io.EOF {
			return pkts, links, nil
		}
		if err != nil {
			// The error is sticky: reading again returns it, no loop.
			if _, _, again := src.ZeroCopyReadPacketData(); again != err {
				t.Errorf("read after error %q: got %v, want the same error", err, again)
			}
			return pkts, links, err
		}
		pkts = append(pkts, pkt{ts: ci.Timestamp, iface: ci.InterfaceIndex, data: append([]byte(nil), data...), wire: ci.Length})
		if ci.CaptureLength != len(data) {
			t.Errorf("frame %d: CaptureLength %d, len(data) %d", i, ci.CaptureLength, len(data))
		}
		links = append(links, src.LinkTypeOf(ci))
	}
}

// writeFile writes b to dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkErr checks err against a wanted message and sentinel, and that it is
// one line without a trailing period.
func checkErr(t testing.TB, what string, err error, wantMsg string, wantIs error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: err = nil, want %q", what, wantMsg)
		return
	}
	if err.Error() != wantMsg {
		t.Errorf("%s: err = %q, want %q", what, err, wantMsg)
	}
	if wantIs != nil && !errors.Is(err, wantIs) {
		t.Errorf("%s: errors.Is(%q, %v) = false", what, err, wantIs)
	}
	if strings.Contains(err.Error(), "\n") || strings.HasSuffix(err.Error(), ".") {
		t.Errorf("%s: err %q is not one line without a period", what, err)
	}
}

// manyPackets is a generated workload for benchmarks and alloc tests: n
// frames, mostly UDP and TCP, varied sizes.
func manyPackets(t testing.TB, n int, links ...vocab.LinkType) []pkt {
	t.Helper()
	if len(links) == 0 {
		links = []vocab.LinkType{vocab.LinkEthernet}
	}
	// Build a few hundred distinct frames and reuse them: realistic sizes
	// without paying for n serialisations.
	const distinct = 256
	frames := make([][][]byte, len(links))
	for li, l := range links {
		for i := 0; i < distinct; i++ {
			kind := kindUDP
			if i%3 != 0 {
				kind = kindTCP
			}
			f := frame(t, l, kind, i)
			if i%5 == 0 { // some full-size frames
				f = append(f, make([]byte, 1400)...)
			}
			frames[li] = append(frames[li], f)
		}
	}
	pkts := make([]pkt, n)
	for i := range pkts {
		li := i % len(links)
		pkts[i] = pkt{ts: at(i*10, 0), iface: li, data: frames[li][i%distinct]}
	}
	return pkts
}

// next reads r's next frame in the shape the tests compare: data, a capture
// info (time, captured and wire lengths) and the link type.
func next(r *Reader) ([]byte, gopacket.CaptureInfo, vocab.LinkType, error) {
	var f Frame
	err := r.Next(&f)
	return f.Data, frameInfo(&f), f.Link, err
}

// liveNext is next for a live capture.
func liveNext(l *Live) ([]byte, gopacket.CaptureInfo, error) {
	var f Frame
	err := l.Next(&f)
	return f.Data, frameInfo(&f), err
}

func frameInfo(f *Frame) gopacket.CaptureInfo {
	if f.Data == nil && f.Wire == 0 && f.Time == 0 {
		return gopacket.CaptureInfo{}
	}
	return gopacket.CaptureInfo{Timestamp: f.Timestamp(), CaptureLength: f.Captured(), Length: f.Wire}
}
