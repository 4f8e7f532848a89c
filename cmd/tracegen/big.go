package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
)

// The large traces are for benchmarks and memory tests, not for goldens.
// They are deterministic for given flags but built for speed: each frame is
// written into one reused buffer by patching header fields, never with
// gopacket. The bytes after the headers are whatever the buffer holds (a fixed
// pattern plus earlier payload templates), which is deterministic too.
//
// Checksums: IPv4 header checksums are computed; TCP and UDP checksums are
// zero (for UDP over IPv4 that means "no checksum"; for TCP and for UDP over
// IPv6 it is wrong on the wire, which portsift and gopacket do not check).

// bigConfig are the -big flags.
type bigConfig struct {
	packets, flows int
	seed           uint64
}

// Flow kinds of the big trace.
const (
	kTCP  = iota // SYN, SYN-ACK, ACK, data and ACKs, FIN/FIN/ACK (5% end with RST)
	kUDP         // request/response pairs
	kFrag        // IPv4 UDP: request, then a 3960-byte response in 3 fragments
)

// bigService is one line of the service mix: which server port (or how to
// draw it), with what weight (per mille of flows).
type bigService struct {
	kind    int
	port    uint16 // 0: drawn from ports, or a random ephemeral port if ports is nil
	ports   []uint16
	permill int
	payload int // payload template: plNone, plTLS, plDNS, plNTP
}

const (
	plNone = iota
	plTLS
	plDNS
	plNTP
)

// unnamedHighPorts are TCP/UDP ports in 1024-32767 that gopacket's IANA
// tables do not name (checked by TestBigServicesUnnamed).
var unnamedHighPorts = []uint16{5017, 5018, 5019, 5035, 5036, 5037, 5038, 5039, 5040, 5041}

// bigMix is the service mix of -big, per mille of flows.
var bigMix = []bigService{
	{kind: kTCP, port: 443, permill: 380, payload: plTLS},
	{kind: kTCP, port: 80, permill: 90},
	{kind: kUDP, port: 53, permill: 200, payload: plDNS},
	{kind: kTCP, port: 22, permill: 25},
	{kind: kTCP, port: 3306, permill: 30},
	{kind: kTCP, port: 5432, permill: 25},
	{kind: kTCP, port: 8080, permill: 40},
	{kind: kUDP, port: 123, permill: 40, payload: plNTP},
	{kind: kUDP, port: 161, permill: 20},
	{kind: kTCP, ports: unnamedHighPorts, permill: 40},
	{kind: kTCP, permill: 45},              // ephemeral <-> ephemeral (e.g. FTP data, P2P)
	{kind: kUDP, permill: 45},              // ephemeral <-> ephemeral (e.g. RTP, games)
	{kind: kFrag, port: 2049, permill: 20}, // NFS over UDP: fragmented replies
}

// bflow is the plan and state of one flow of the big trace.
type bflow struct {
	kind       uint8
	payload    uint8
	v6, vlan   bool
	rstEnd     bool   // TCP: ends with the server's RST instead of FINs
	serverFin  bool   // TCP: server closes first
	vid        uint16 // VLAN ID
	cport      uint16
	sport      uint16
	cli, srv   uint32 // host numbers, mapped to IPv4 or IPv6 addresses
	n, sent    int32  // packets planned, packets written
	cseq, sseq uint32
	ipid       uint16
}

// Frame size classes in the middle of a TCP flow: a client ACK (66 bytes
// over IPv4), a full-size server segment (1514), or a spread size.
const (
	pAck  = 0.37 // cumulative probabilities
	pFull = 0.70
)

// planBig draws every flow of the big trace and how many packets it gets.
// The total is exactly cfg.packets: fixed minimal lengths (TCP 6, UDP 2,
// fragmenting UDP 4), then ~2% of all packets as fragments, then the rest
// spread over TCP and ephemeral-UDP flows by heavy-tailed weights.
func planBig(cfg bigConfig, rng *rand.Rand) ([]bflow, error) {
	fl := make([]bflow, cfg.flows)
	total := 0
	for i := range fl {
		f := &fl[i]
		r := rng.IntN(1000)
		var s *bigService
		for k := range bigMix {
			if r < bigMix[k].permill {
				s = &bigMix[k]
				break
			}
			r -= bigMix[k].permill
		}
		if s == nil {
			s = &bigMix[0]
		}
		f.kind, f.payload = uint8(s.kind), uint8(s.payload)
		f.cport = uint16(32768 + rng.IntN(61000-32768)) // Linux's default range
		switch {
		case s.port != 0:
			f.sport = s.port
		case s.ports != nil:
			f.sport = s.ports[rng.IntN(len(s.ports))]
		default:
			f.sport = uint16(49152 + rng.IntN(16384))
		}
		f.vid = []uint16{10, 20, 30, 100, 200}[rng.IntN(5)]
		f.cli = rng.Uint32N(1 << 22)
		f.srv = rng.Uint32N(4096)
		f.cseq, f.sseq = rng.Uint32(), rng.Uint32()
		f.ipid = uint16(rng.Uint32())
		switch s.kind {
		case kTCP:
			f.n = 6
			f.rstEnd = rng.IntN(100) < 5
			f.serverFin = rng.IntN(100) < 30
		case kUDP:
			f.n = 2
			if s.port == 53 && rng.IntN(100) < 20 {
				f.n = 4 // A and AAAA
			}
		case kFrag:
			f.n = 4
		}
		total += int(f.n)
	}
	rest := cfg.packets - total
	if rest < 0 {
		return nil, fmt.Errorf("-packets %d is too few for -flows %d: the flows' minimal lengths add up to %d", cfg.packets, cfg.flows, total)
	}

	// Fragments: 3 of every 4 packets of a kFrag flow; aim at 2% of all.
	var frag []int
	for i := range fl {
		if fl[i].kind == kFrag {
			frag = append(frag, i)
		}
	}
	if len(frag) > 0 {
		want := cfg.packets * 2 / 100 * 4 / 3 // packets of kFrag flows
		extra := min(want-4*len(frag), rest) / 4
		for k := 0; extra > 0; k = (k + 1) % len(frag) {
			// A few rounds of random-sized slices keep lengths uneven.
			n := min(extra, 1+rng.IntN(8))
			fl[frag[k]].n += int32(4 * n)
			rest -= 4 * n
			extra -= n
		}
	}

	// The rest by Pareto weights (alpha 1.2, capped), TCP and ephemeral UDP.
	var bulk []int
	var weights []float64
	sum := 0.0
	for i := range fl {
		if fl[i].kind == kTCP || (fl[i].kind == kUDP && fl[i].payload == plNone && fl[i].sport >= 49152) {
			w := math.Min(math.Pow(1-rng.Float64(), -1/1.2), 5000)
			bulk = append(bulk, i)
			weights = append(weights, w)
			sum += w
		}
	}
	if len(bulk) == 0 {
		bulk, weights, sum = []int{0}, []float64{1}, 1
	}
	given := 0
	for k, i := range bulk {
		n := int(float64(rest) * weights[k] / sum)
		fl[i].n += int32(n)
		given += n
	}
	for k := 0; given < rest; k = (k + 1) % len(bulk) {
		fl[bulk[k]].n++
		given++
	}

	// 16% of packets (and about 16% of flows) IPv6, 16% VLAN-tagged, chosen
	// independently: each walks the flows in its own random order and takes
	// a flow while its share of the packets seen so far is below 16%. A coin
	// per flow would miss by several points, since a few long flows carry
	// much of the traffic.
	balance := func(set func(f *bflow)) {
		var seen, on int
		for _, i := range rng.Perm(len(fl)) {
			f := &fl[i]
			seen += int(f.n)
			if on*100 < 16*seen && f.kind != kFrag {
				set(f)
				on += int(f.n)
			}
		}
	}
	balance(func(f *bflow) { f.v6 = true }) // fragmenting flows stay IPv4
	balance(func(f *bflow) { f.vlan = true })
	return fl, nil
}

// frameWriter builds frames in one reused buffer: a 16-byte pcap record
// header followed by the frame.
type frameWriter struct {
	w   io.Writer
	buf []byte
	ts  uint64 // microseconds since the epoch of the next record
	st  stats
}

const bigStartUnixMicro = 1767225600 * 1_000_000 // 2026-01-01T00:00:00Z

func newFrameWriter(w io.Writer) (*frameWriter, error) {
	fw := &frameWriter{w: w, buf: make([]byte, 16+1600), ts: bigStartUnixMicro}
	copy(fw.buf[16:], pattern(1600))
	_, err := w.Write(pcapFileHeader(binary.LittleEndian, false, 65535, 1)) // Ethernet, µs, LE
	return fw, err
}

// emit writes the record header for a frame of n bytes already in buf[16:]
// and the frame, and advances the clock by 1 µs.
func (fw *frameWriter) emit(n int) error {
	h := fw.buf[:16]
	binary.LittleEndian.PutUint32(h[0:4], uint32(fw.ts/1_000_000)) // seconds
	binary.LittleEndian.PutUint32(h[4:8], uint32(fw.ts%1_000_000)) // microseconds
	binary.LittleEndian.PutUint32(h[8:12], uint32(n))              // captured length
	binary.LittleEndian.PutUint32(h[12:16], uint32(n))             // original length
	fw.ts++
	fw.st.packets++
	fw.st.bytes += int64(n)
	_, err := fw.w.Write(fw.buf[:16+n])
	return err
}

var (
	bigMACClient = [6]byte{0x02, 0x00, 0x00, 0x00, 0x0c, 0x01}
	bigMACRouter = [6]byte{0x02, 0x00, 0x00, 0x00, 0x05, 0x01}
)

// l2 writes Ethernet (and a VLAN tag) at b and returns the header length.
func l2(b []byte, up, vlan bool, vid uint16, etype uint16) int {
	src, dst := bigMACClient, bigMACRouter
	if !up {
		src, dst = dst, src
	}
	copy(b[0:6], dst[:])
	copy(b[6:12], src[:])
	if vlan {
		binary.BigEndian.PutUint16(b[12:14], 0x8100)
		binary.BigEndian.PutUint16(b[14:16], vid) // PCP 0, DEI 0, VID
		binary.BigEndian.PutUint16(b[16:18], etype)
		return 18
	}
	binary.BigEndian.PutUint16(b[12:14], etype)
	return 14
}

// ipv4Header writes a 20-byte IPv4 header with its checksum.
func ipv4Header(b []byte, totalLen int, id uint16, flagsFrag uint16, proto uint8, src, dst uint32) {
	b[0] = 0x45 // version 4, IHL 5
	b[1] = 0
	binary.BigEndian.PutUint16(b[2:4], uint16(totalLen))
	binary.BigEndian.PutUint16(b[4:6], id)
	binary.BigEndian.PutUint16(b[6:8], flagsFrag)
	b[8] = 64 // TTL
	b[9] = proto
	b[10], b[11] = 0, 0
	binary.BigEndian.PutUint32(b[12:16], src)
	binary.BigEndian.PutUint32(b[16:20], dst)
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	sum = sum>>16 + sum&0xffff
	sum += sum >> 16
	binary.BigEndian.PutUint16(b[10:12], ^uint16(sum))
}

// ipv6Header writes a 40-byte IPv6 header; hosts map into 2001:db8:c::/48
// (clients) and 2001:db8:5::/48 (servers).
func ipv6Header(b []byte, payloadLen int, proto uint8, src, dst uint32, srcIsClient bool) {
	binary.BigEndian.PutUint32(b[0:4], 6<<28) // version 6, traffic class 0, flow label 0
	binary.BigEndian.PutUint16(b[4:6], uint16(payloadLen))
	b[6] = proto
	b[7] = 64 // hop limit
	put := func(a []byte, host uint32, client bool) {
		clear(a[:16])
		a[0], a[1], a[2], a[3] = 0x20, 0x01, 0x0d, 0xb8
		a[5] = 0x05
		if client {
			a[5] = 0x0c
		}
		binary.BigEndian.PutUint32(a[12:16], host+1)
	}
	put(b[8:24], src, srcIsClient)
	put(b[24:40], dst, !srcIsClient)
}

// v4addr maps host numbers into 10.0.0.0/8 (clients) and 198.18.0.0/15
// (servers, the benchmarking range).
func v4addr(host uint32, client bool) uint32 {
	if client {
		return 10<<24 | (host+1)&0xffffff
	}
	return 198<<24 | 18<<16 | (host+1)&0x1ffff
}

// TCP flags.
const (
	tFIN = 0x01
	tSYN = 0x02
	tRST = 0x04
	tPSH = 0x08
	tACK = 0x10
)

// writeBig streams the big trace.
func writeBig(w io.Writer, cfg bigConfig) (stats, error) {
	rng := rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x626967747261636b)) // "bigtrack"
	fl, err := planBig(cfg, rng)
	if err != nil {
		return stats{}, err
	}
	fw, err := newFrameWriter(w)
	if err != nil {
		return stats{}, err
	}
	for i := range fl {
		if fl[i].v6 {
			fw.st.v6 += int64(fl[i].n)
		}
		if fl[i].vlan {
			fw.st.vlan += int64(fl[i].n)
		}
	}
	fw.st.flows = int64(len(fl))

	// At most 2048 flows are open at a time; each packet comes from a random
	// open flow, so flows interleave; a finished flow's slot goes to the next.
	active := make([]int32, 0, 2048)
	next := 0
	for next < len(fl) && len(active) < cap(active) {
		active = append(active, int32(next))
		next++
	}
	for len(active) > 0 {
		k := rng.IntN(len(active))
		f := &fl[active[k]]
		if err := fw.bigPacket(f, rng); err != nil {
			return fw.st, err
		}
		f.sent++
		if f.sent == f.n {
			if next < len(fl) {
				active[k] = int32(next)
				next++
			} else {
				active[k] = active[len(active)-1]
				active = active[:len(active)-1]
			}
		}
	}
	return fw.st, nil
}

// bigPacket writes the next packet of flow f.
func (fw *frameWriter) bigPacket(f *bflow, rng *rand.Rand) error {
	j := f.sent
	switch f.kind {
	case kTCP:
		var up bool
		var flags uint8
		payload := 0
		switch {
		case j == 0:
			up, flags = true, tSYN
		case j == 1:
			up, flags = false, tSYN|tACK
		case j == 2:
			up, flags = true, tACK
		case f.rstEnd && j == f.n-1:
			up, flags = false, tRST|tACK
		case !f.rstEnd && j >= f.n-3:
			// FIN from the closer, FIN from the peer, last ACK from the closer.
			closerUp := !f.serverFin
			switch j - (f.n - 3) {
			case 0:
				up, flags = closerUp, tFIN|tACK
			case 1:
				up, flags = !closerUp, tFIN|tACK
			default:
				up, flags = closerUp, tACK
			}
		default:
			r := rng.Float64()
			switch {
			case r < pAck:
				up, flags = true, tACK
			case r < pFull:
				up, flags, payload = false, tACK, -1 // full size
			default:
				up, flags = rng.IntN(2) == 0, tACK|tPSH
				payload = 1 + rng.IntN(1400)
			}
		}
		return fw.tcpPacket(f, up, flags, payload)
	case kUDP:
		up := j%2 == 0
		n := 0
		switch f.payload {
		case plDNS:
			n = 33 // query; answer 49
			if !up {
				n = 49
			}
		case plNTP:
			n = 48
		default:
			n = 40 + rng.IntN(260)
			if f.sport >= 49152 {
				n = 100 + rng.IntN(1100)
			}
		}
		return fw.udpPacket(f, up, n)
	default: // kFrag
		return fw.fragPacket(f, int(j%4))
	}
}

func (fw *frameWriter) ends(f *bflow, up bool) (src, dst uint32, sp, dp uint16) {
	if up {
		return f.cli, f.srv, f.cport, f.sport
	}
	return f.srv, f.cli, f.sport, f.cport
}

// ipHeader writes the IP header for l4len bytes of transport header and
// data, returning the offset of the transport header.
func (fw *frameWriter) ipHeader(f *bflow, up bool, proto uint8, l4len int, flagsFrag uint16) int {
	b := fw.buf[16:]
	src, dst, _, _ := fw.ends(f, up)
	if f.v6 {
		off := l2(b, up, f.vlan, f.vid, 0x86dd)
		ipv6Header(b[off:], l4len, proto, src, dst, up)
		return off + 40
	}
	off := l2(b, up, f.vlan, f.vid, 0x0800)
	f.ipid++
	ipv4Header(b[off:], 20+l4len, f.ipid, flagsFrag, proto, v4addr(src, up), v4addr(dst, !up))
	return off + 20
}

// tcpPacket writes a TCP segment: SYNs carry MSS, SACK-permitted,
// timestamps and window scale (40-byte header), other segments timestamps
// (32-byte header). payload -1 means a full 1500-byte IP packet.
func (fw *frameWriter) tcpPacket(f *bflow, up bool, flags uint8, payload int) error {
	hlen := 32
	if flags&tSYN != 0 {
		hlen = 40
	}
	if payload < 0 {
		payload = 1500 - 20 - hlen
		if f.v6 {
			payload = 1500 - 40 - hlen
		}
	}
	off := fw.ipHeader(f, up, 6, hlen+payload, 0x4000) // DF
	b := fw.buf[16+off:]
	_, _, sp, dp := fw.ends(f, up)
	seq, ack := &f.cseq, f.sseq
	if !up {
		seq, ack = &f.sseq, f.cseq
	}
	binary.BigEndian.PutUint16(b[0:2], sp)
	binary.BigEndian.PutUint16(b[2:4], dp)
	binary.BigEndian.PutUint32(b[4:8], *seq)
	if flags&tACK == 0 {
		ack = 0
	}
	binary.BigEndian.PutUint32(b[8:12], ack)
	b[12] = uint8(hlen/4) << 4 // data offset
	b[13] = flags
	binary.BigEndian.PutUint16(b[14:16], 502) // window (scaled by 128)
	b[16], b[17], b[18], b[19] = 0, 0, 0, 0   // checksum 0 (not computed), urgent pointer 0
	o := b[20:hlen]
	if hlen == 40 {
		copy(o, []byte{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7}) // MSS 1460, SACK-perm, TS, NOP, WS 7
		binary.BigEndian.PutUint32(o[8:12], uint32(fw.ts/1000))
	} else {
		copy(o, []byte{1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0}) // NOP, NOP, timestamps
		binary.BigEndian.PutUint32(o[4:8], uint32(fw.ts/1000))
		binary.BigEndian.PutUint32(o[8:12], uint32(fw.ts/1000-1))
	}
	if payload >= 5 && f.payload == plTLS {
		p := b[hlen:]
		p[0], p[1], p[2] = 0x17, 3, 3 // TLS application data, version 3.3
		binary.BigEndian.PutUint16(p[3:5], uint16(payload-5))
	}
	*seq += uint32(payload)
	if flags&(tSYN|tFIN) != 0 {
		*seq++
	}
	return fw.emit(off + hlen + payload)
}

var (
	dnsQueryTemplate = []byte{
		0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, // ID, RD, 1 question
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, // www.example.com
		0, 1, 0, 1, // type A, class IN
	}
	dnsAnswerTail = []byte{0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 203, 0, 113, 7} // A 203.0.113.7, TTL 300
)

// udpPacket writes a UDP datagram with n bytes of data.
func (fw *frameWriter) udpPacket(f *bflow, up bool, n int) error {
	off := fw.ipHeader(f, up, 17, 8+n, 0)
	b := fw.buf[16+off:]
	_, _, sp, dp := fw.ends(f, up)
	binary.BigEndian.PutUint16(b[0:2], sp)
	binary.BigEndian.PutUint16(b[2:4], dp)
	binary.BigEndian.PutUint16(b[4:6], uint16(8+n))
	b[6], b[7] = 0, 0 // checksum 0: none
	p := b[8:]
	switch f.payload {
	case plDNS:
		copy(p, dnsQueryTemplate)
		binary.BigEndian.PutUint16(p[0:2], f.cport^uint16(f.sent>>1)) // ID
		if !up {
			p[2], p[3] = 0x81, 0x80 // QR, RD, RA
			p[7] = 1                // 1 answer
			copy(p[33:], dnsAnswerTail)
		}
	case plNTP:
		clear(p[:48])
		p[0] = 4<<3 | 3 // version 4, mode 3 (client)
		if !up {
			p[0], p[1] = 4<<3|4, 2 // mode 4 (server), stratum 2
		}
	}
	return fw.emit(off + 8 + n)
}

// fragPacket writes packet i (0-3) of a request/response exchange whose
// response is a 3960-byte UDP datagram sent as 3 IPv4 fragments of 1480,
// 1480 and 1000 bytes of IP payload.
func (fw *frameWriter) fragPacket(f *bflow, i int) error {
	if i == 0 {
		return fw.udpPacket(f, true, 120)
	}
	const mf = 0x2000
	sizes := [4]int{0, 1480, 1480, 1000}
	if i == 1 {
		f.ipid++ // one identification for the three fragments
	}
	id := f.ipid
	flagsFrag := uint16((i - 1) * 185) // offset in 8-byte units: 0, 185, 370
	if i < 3 {
		flagsFrag |= mf
	}
	b := fw.buf[16:]
	off := l2(b, false, f.vlan, f.vid, 0x0800)
	ipv4Header(b[off:], 20+sizes[i], id, flagsFrag, 17, v4addr(f.srv, false), v4addr(f.cli, true))
	off += 20
	if i == 1 {
		u := b[off:]
		binary.BigEndian.PutUint16(u[0:2], f.sport)
		binary.BigEndian.PutUint16(u[2:4], f.cport)
		binary.BigEndian.PutUint16(u[4:6], 3960) // whole datagram
		u[6], u[7] = 0, 0
	}
	fw.st.frags++
	return fw.emit(off + sizes[i])
}

// writeSynflood streams n TCP SYNs (no options, 60-byte frames) to
// 198.18.0.1:80, each from a distinct source address and port: i maps to
// x = (i*a + b) mod 64512*2^24, a bijection because a is coprime to the
// modulus; the address is 10.0.0.0/8 + x/64512 and the port 1024 + x%64512.
func writeSynflood(w io.Writer, n int, seed uint64) (stats, error) {
	const m = 64512 << 24
	const a = 2654435761                                        // prime, so coprime to 2^34 * 3^2 * 7
	rng := rand.New(rand.NewPCG(seed, seed^0x73796e666c6f6f64)) // "synflood"
	b0 := rng.Uint64N(m)
	fw, err := newFrameWriter(w)
	if err != nil {
		return stats{}, err
	}
	for i := range uint64(n) {
		hi, lo := bits.Mul64(i%m, a)
		x := (bits.Rem64(hi, lo, m) + b0) % m
		b := fw.buf[16:]
		off := l2(b, true, false, 0, 0x0800)
		ipv4Header(b[off:], 40, uint16(x), 0x4000, 6, 10<<24|uint32(x/64512), 198<<24|18<<16|1)
		t := b[off+20:]
		binary.BigEndian.PutUint16(t[0:2], uint16(1024+x%64512))
		binary.BigEndian.PutUint16(t[2:4], 80)
		binary.BigEndian.PutUint32(t[4:8], uint32(x*2654435761)) // sequence number
		binary.BigEndian.PutUint32(t[8:12], 0)
		t[12], t[13] = 5<<4, tSYN
		binary.BigEndian.PutUint16(t[14:16], 64240)
		t[16], t[17], t[18], t[19] = 0, 0, 0, 0
		clear(b[off+40 : 60]) // Ethernet padding to 60 bytes
		if err := fw.emit(60); err != nil {
			return fw.st, err
		}
	}
	fw.st.flows = int64(n)
	return fw.st, nil
}
