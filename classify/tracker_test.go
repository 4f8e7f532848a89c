package classify

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func pkt(proto vocab.Proto, src, dst string, flags uint8) decode.Summary {
	s := decode.Summary{Proto: proto, Src: netip.MustParseAddrPort(src), Dst: netip.MustParseAddrPort(dst), TCPFlags: flags, HasFlags: true}
	s.IPVersion = 4
	if s.Src.Addr().Is6() {
		s.IPVersion = 6
	}
	switch proto {
	case vocab.TCP:
		s.Bucket = vocab.BucketTCP
	case vocab.UDP:
		s.Bucket, s.HasFlags = vocab.BucketUDP, false
	case vocab.SCTP:
		s.Bucket = vocab.BucketSCTP
	}
	return s
}

// feeder observes summaries one second apart and records ended flows.
type feeder struct {
	t     *Tracker
	now   time.Time
	ended []report.FlowRecord
}

func newFeeder(o Options) *feeder {
	f := &feeder{now: t0}
	o.FlowLog = func(r *report.FlowRecord) { f.ended = append(f.ended, *r) }
	f.t = NewTracker(o)
	return f
}

func (f *feeder) send(s decode.Summary, wire int) {
	f.t.Observe(f.now, wire, wire, vocab.LinkEthernet, &s)
	f.now = f.now.Add(time.Second)
}

const (
	syn    = decode.TCPSyn
	synack = decode.TCPSyn | decode.TCPAck
	ack    = decode.TCPAck
	fin    = decode.TCPFin | decode.TCPAck
	rst    = decode.TCPRst
)

func TestTrackerHandshakeAndClose(t *testing.T) {
	f := newFeeder(Options{})
	c, s := "192.0.2.1:51000", "198.51.100.2:443"
	f.send(pkt(vocab.TCP, c, s, syn), 74)
	f.send(pkt(vocab.TCP, s, c, synack), 74)
	f.send(pkt(vocab.TCP, c, s, ack), 66)
	f.send(pkt(vocab.TCP, s, c, ack), 1514)
	f.send(pkt(vocab.TCP, c, s, fin), 66)
	f.send(pkt(vocab.TCP, s, c, fin), 66) // still the same flow after the first FIN
	f.send(pkt(vocab.TCP, c, s, ack), 66)
	f.send(pkt(vocab.TCP, c, s, syn), 74) // new SYN on the closed tuple: a second flow
	f.send(pkt(vocab.TCP, s, c, rst), 60)
	f.t.Finish()
	r := f.t.Report()
	https := r.ServicePort(vocab.TCP, 443)
	if https == nil {
		t.Fatalf("no tcp/443 row in %+v", r.Services)
	}
	if https.Name != "https" || https.Flows != 2 || https.Packets != 9 {
		t.Errorf("https row = %+v, want name https, 2 flows, 9 packets", *https)
	}
	if https.ToServer != (report.Direction{Packets: 5, Bytes: 74 + 66 + 66 + 66 + 74}) || https.ToClient != (report.Direction{Packets: 4, Bytes: 74 + 1514 + 66 + 60}) {
		t.Errorf("directions = %+v / %+v", https.ToServer, https.ToClient)
	}
	if https.Clients != 1 || https.Servers != 1 {
		t.Errorf("clients/servers = %d/%d, want 1/1", https.Clients, https.Servers)
	}
	if len(f.ended) != 2 || f.ended[0].End != "fin" || f.ended[1].End != "rst" {
		t.Fatalf("ended flows = %+v, want a fin then an rst", f.ended)
	}
	first := f.ended[0]
	if first.Client.String() != c || first.Server.String() != s || first.PacketsToServer != 4 || first.PacketsToClient != 3 || first.Reason != report.ReasonHandshake {
		t.Errorf("first flow = %+v", first)
	}
	if r.Flows.Total != 2 || r.Flows.ByReason["handshake"] != 2 {
		t.Errorf("flows = %+v", r.Flows)
	}
	if r.Frames != 9 || r.Buckets[vocab.BucketTCP].Frames != 9 {
		t.Errorf("frames %d, tcp bucket %d, want 9", r.Frames, r.Buckets[vocab.BucketTCP].Frames)
	}
}

func TestTrackerMidstreamReply(t *testing.T) {
	// A capture that starts with the server's reply: the registry decides.
	f := newFeeder(Options{})
	f.send(pkt(vocab.UDP, "198.51.100.53:53", "192.0.2.1:55123", 0), 100)
	f.send(pkt(vocab.UDP, "192.0.2.1:55123", "198.51.100.53:53", 0), 80)
	f.t.Finish()
	r := f.t.Report()
	dns := r.ServicePort(vocab.UDP, 53)
	if dns == nil || dns.Flows != 1 || dns.ToClient.Packets != 1 || dns.ToServer.Packets != 1 {
		t.Fatalf("udp/53 row = %+v", dns)
	}
	if f.ended[0].Reason != report.ReasonRegistry || f.ended[0].Client.Port() != 55123 {
		t.Errorf("flow = %+v, want reason registry and client port 55123", f.ended[0])
	}
}

func TestTrackerIdleAndEviction(t *testing.T) {
	f := newFeeder(Options{MaxFlows: 2, IdleTimeout: 10 * time.Second})
	f.send(pkt(vocab.UDP, "192.0.2.1:40001", "198.51.100.1:53", 0), 80) // flow A
	f.send(pkt(vocab.UDP, "192.0.2.1:40002", "198.51.100.1:53", 0), 80) // flow B
	f.send(pkt(vocab.UDP, "192.0.2.1:40001", "198.51.100.1:53", 0), 80) // A again: B is now the longest idle
	f.send(pkt(vocab.UDP, "192.0.2.1:40003", "198.51.100.1:53", 0), 80) // C: table over its bound
	f.t.settle(true)                                                    // the next settlement evicts B
	if len(f.ended) != 1 || f.ended[0].Client.Port() != 40002 || f.ended[0].End != "evicted" {
		t.Fatalf("after eviction: ended = %+v, want flow B evicted", f.ended)
	}
	f.now = f.now.Add(time.Minute)
	f.send(pkt(vocab.UDP, "192.0.2.1:40001", "198.51.100.1:53", 0), 80) // A was idle: it ends and starts again
	f.t.settle(true)                                                    // C idles out at the next settlement
	if len(f.ended) != 3 || f.ended[1].End != "idle" || f.ended[2].End != "idle" {
		t.Fatalf("after idle: ended = %+v", f.ended)
	}
	f.t.Finish()
	r := f.t.Report()
	if r.Flows.Total != 4 || r.Flows.Evicted != 1 || r.Flows.Expired != 2 {
		t.Errorf("flows = %+v, want total 4, evicted 1, expired 2", r.Flows)
	}
	if dns := r.ServicePort(vocab.UDP, 53); dns.Flows != 4 || dns.Packets != 5 || dns.Clients != 1 {
		t.Errorf("udp/53 = %+v", dns)
	}
	if f.t.ActiveFlows() != 0 {
		t.Errorf("ActiveFlows after Finish = %d", f.t.ActiveFlows())
	}
}

func TestTrackerFragments(t *testing.T) {
	f := newFeeder(Options{})
	first := pkt(vocab.UDP, "192.0.2.1:40000", "198.51.100.1:2049", 0)
	first.Fragment, first.FragID = true, 77
	f.send(first, 1514)
	later := decode.Summary{Bucket: vocab.BucketFragment, IPVersion: 4, Proto: vocab.UDP, Fragment: true, FragID: 77, FragOffset: 1480,
		Src: netip.MustParseAddrPort("192.0.2.1:0"), Dst: netip.MustParseAddrPort("198.51.100.1:0")}
	f.send(later, 600)
	orphan := later
	orphan.FragID = 78
	f.send(orphan, 600)
	f.t.Finish()
	r := f.t.Report()
	nfs := r.ServicePort(vocab.UDP, 2049)
	if nfs == nil || nfs.Packets != 1 || nfs.Fragments != 1 || nfs.FragmentBytes != 600 {
		t.Fatalf("udp/2049 = %+v, want 1 packet and 1 fragment of 600 bytes", nfs)
	}
	if r.Fragments.Attributed.Frames != 1 || r.Fragments.Unattributed.Frames != 1 || r.Buckets[vocab.BucketFragment].Frames != 2 {
		t.Errorf("fragments = %+v, bucket %+v", r.Fragments, r.Buckets[vocab.BucketFragment])
	}
	if fl := f.ended[0]; fl.PacketsToServer != 2 || fl.Fragments != 1 || fl.BytesToServer != 2114 {
		t.Errorf("flow = %+v, want 2 packets (fragment included) and 2114 bytes to the server", fl)
	}
}

// TestTrackerFragmentsWhole: a datagram's entry lives until its fragments
// add up to the length the last one declares, whatever their order, and no
// longer: a copy of a fragment after that is not attributed.
func TestTrackerFragmentsWhole(t *testing.T) {
	f := newFeeder(Options{})
	frag := func(id uint32, off, n uint16, more bool) decode.Summary {
		s := decode.Summary{Bucket: vocab.BucketFragment, IPVersion: 4, Proto: vocab.UDP, Fragment: true, FragID: id,
			FragOffset: off, FragLen: n, FragMore: more,
			Src: netip.MustParseAddrPort("192.0.2.1:0"), Dst: netip.MustParseAddrPort("198.51.100.1:0")}
		if off == 0 {
			s.Bucket, s.Src, s.Dst = vocab.BucketUDP, netip.MustParseAddrPort("192.0.2.1:40000"), netip.MustParseAddrPort("198.51.100.1:2049")
		}
		return s
	}
	sh := f.t.shards[0]
	// Datagram 1, in order: first, middle, last.
	f.send(frag(1, 0, 1480, true), 1514)
	f.send(frag(1, 1480, 1480, true), 1514)
	if sh.frags.len() != 1 {
		t.Fatalf("datagram 1 half seen: %d fragment entries, want 1", sh.frags.len())
	}
	f.send(frag(1, 2960, 40, false), 74)
	if sh.frags.len() != 0 {
		t.Fatalf("datagram 1 whole: %d fragment entries, want 0", sh.frags.len())
	}
	f.send(frag(1, 2960, 40, false), 74) // a copy of its last fragment
	// Datagram 2, out of order: first, last, middle.
	f.send(frag(2, 0, 1480, true), 1514)
	f.send(frag(2, 2960, 40, false), 74)
	if sh.frags.len() != 1 {
		t.Fatalf("datagram 2 without its middle: %d fragment entries, want 1", sh.frags.len())
	}
	f.send(frag(2, 1480, 1480, true), 1514)
	if sh.frags.len() != 0 || sh.frags.span() != 0 {
		t.Fatalf("datagram 2 whole: %d fragment entries (span %d), want none", sh.frags.len(), sh.frags.span())
	}
	f.t.Finish()
	r := f.t.Report()
	if r.Fragments.Attributed.Frames != 4 || r.Fragments.Unattributed.Frames != 1 {
		t.Errorf("fragments = %+v, want 4 attributed and the copy unattributed", r.Fragments)
	}
	if nfs := r.ServicePort(vocab.UDP, 2049); nfs == nil || nfs.Packets != 2 || nfs.Fragments != 4 {
		t.Errorf("udp/2049 = %+v, want 2 packets and 4 fragments", nfs)
	}

	// A datagram still waiting is forgotten once maxFrags first fragments
	// arrived after it (more than maxFrags with it), as when every datagram
	// waited, though the whole ones left the table.
	f = newFeeder(Options{})
	sh = f.t.shards[0]
	at := func(s decode.Summary, wire int) { f.t.Observe(f.now, wire, wire, vocab.LinkEthernet, &s) } // all within fragTimeout
	at(frag(0, 0, 1480, true), 1514)
	for id := uint32(1); id < maxFrags; id++ {
		at(frag(id, 0, 1480, true), 1514)
		at(frag(id, 1480, 40, false), 74)
	}
	f.t.settle(true)
	if sh.frags.len() != 1 || f.t.fragsLost != 0 {
		t.Fatalf("after %d whole datagrams: %d entries, %d forgotten; want the waiting one kept", maxFrags-1, sh.frags.len(), f.t.fragsLost)
	}
	at(frag(maxFrags, 0, 1480, true), 1514)
	f.t.settle(true)
	if sh.frags.len() != 1 || f.t.fragsLost != 1 || sh.frags.oldest().key.id != maxFrags {
		t.Fatalf("one more first fragment: %d entries, %d forgotten; want the waiting one forgotten", sh.frags.len(), f.t.fragsLost)
	}
}

func TestTrackerPortStability(t *testing.T) {
	reg := registry.Default()
	for _, p := range []uint16{62345, 61001, 61002, 61003} {
		if reg.Name(vocab.UDP, p) != "" {
			t.Fatalf("test needs udp/%d unnamed, registry says %q", p, reg.Name(vocab.UDP, p))
		}
	}
	f := newFeeder(Options{})
	srv := "198.51.100.9:62345"
	f.send(pkt(vocab.UDP, "192.0.2.1:61001", srv, 0), 100) // ephemeral: nothing known yet
	f.send(pkt(vocab.UDP, "192.0.2.2:61002", srv, 0), 100) // the server's port stays, the peer's varies
	f.send(pkt(vocab.UDP, "192.0.2.3:61003", srv, 0), 100) // third flow: port stability
	f.t.Finish()
	r := f.t.Report()
	if r.Flows.ByReason["ephemeral"] != 2 || r.Flows.ByReason["port-stability"] != 1 {
		t.Fatalf("by reason = %v, want 2 ephemeral and 1 port-stability", r.Flows.ByReason)
	}
	if s := r.ServicePort(vocab.UDP, 62345); s == nil || s.Flows != 1 || s.Name != "unknown" {
		t.Errorf("udp/62345 = %+v, want 1 flow, name unknown", s)
	}
	if r.Ephemeral.Flows != 2 || r.Ephemeral.Packets != 2 {
		t.Errorf("ephemeral = %+v", r.Ephemeral)
	}
}

func TestTrackerAlertsAndBuckets(t *testing.T) {
	reg := registry.Default()
	e := reg.Lookup(vocab.TCP, 31337)
	if e == nil || e.Risk != registry.RiskAlert {
		t.Fatalf("registry: tcp/31337 = %+v, want an alert entry", e)
	}
	f := newFeeder(Options{})
	f.send(pkt(vocab.TCP, "192.0.2.7:51000", "198.51.100.66:31337", syn), 74)
	f.send(pkt(vocab.TCP, "192.0.2.8:51001", "198.51.100.66:31337", syn), 74)
	f.send(decode.Summary{Bucket: vocab.BucketNonIP, EtherType: 0x0806}, 60)
	f.send(decode.Summary{Bucket: vocab.BucketOtherIP, IPVersion: 4, Proto: vocab.GRE}, 100)
	f.send(decode.Summary{Bucket: vocab.BucketMalformed}, 50)
	f.t.Finish()
	r := f.t.Report()
	if len(r.Alerts) != 1 {
		t.Fatalf("alerts = %+v, want one", r.Alerts)
	}
	a := r.Alerts[0]
	if a.Port != 31337 || a.Packets != 2 || a.Flows != 2 || a.Note == "" ||
		strings.Join(a.Hosts, " ") != "192.0.2.7 192.0.2.8 198.51.100.66" {
		t.Errorf("alert = %+v", a)
	}
	var sum report.Counter
	for b := vocab.Bucket(0); b < vocab.NumBuckets; b++ {
		c := &r.Buckets[b]
		sum.Frames += c.Frames
		sum.Bytes += c.Bytes
	}
	if sum.Frames != r.Frames || sum.Bytes != r.Bytes {
		t.Errorf("buckets add up to %+v, report says %d frames %d bytes", sum, r.Frames, r.Bytes)
	}
	if len(r.NonIP) != 1 || r.NonIP[0].Type != "arp" || len(r.OtherIP) != 1 || r.OtherIP[0].Type != "gre" {
		t.Errorf("non-ip %+v other-ip %+v", r.NonIP, r.OtherIP)
	}
}

var sinkTracker *Tracker

func TestObserveNoAllocs(t *testing.T) {
	tr := NewTracker(Options{})
	sinkTracker = tr
	c2s := pkt(vocab.TCP, "192.0.2.1:51000", "198.51.100.2:443", ack)
	s2c := pkt(vocab.TCP, "198.51.100.2:443", "192.0.2.1:51000", ack)
	v6 := pkt(vocab.UDP, "[2001:db8::1]:40000", "[2001:db8::2]:53", 0)
	ts := t0
	for _, s := range []*decode.Summary{&c2s, &s2c, &v6} {
		tr.Observe(ts, 100, 100, vocab.LinkEthernet, s) // create the flows
	}
	allocs := testing.AllocsPerRun(1000, func() {
		ts = ts.Add(time.Millisecond)
		tr.Observe(ts, 100, 100, vocab.LinkEthernet, &c2s)
		tr.Observe(ts, 1500, 1500, vocab.LinkEthernet, &s2c)
		tr.Observe(ts, 80, 80, vocab.LinkEthernet, &v6)
	})
	if allocs != 0 {
		t.Errorf("Observe on known flows: %v allocs, want 0", allocs)
	}
	if tr.ActiveFlows() != 2 {
		t.Errorf("ActiveFlows = %d, want 2", tr.ActiveFlows())
	}
}

func TestFlowWriter(t *testing.T) {
	rec := report.FlowRecord{Proto: vocab.TCP, Client: netip.MustParseAddrPort("[2001:db8::1]:51000"),
		Server: netip.MustParseAddrPort("[2001:db8::2]:443"), Service: `we"ird`, Reason: report.ReasonHandshake,
		PacketsToServer: 3, BytesToServer: 200, PacketsToClient: 2, BytesToClient: 3000,
		First: t0, Last: t0.Add(1500 * time.Millisecond), End: "fin"}
	var buf bytes.Buffer
	fw := render.NewFlowWriter(&buf, false)
	fw.Write(&rec)
	fw.Flush()
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("JSON line %q: %v", buf.String(), err)
	}
	if m["client"] != "[2001:db8::1]:51000" || m["service"] != `we"ird` || m["bytes_to_client"] != 3000.0 ||
		m["last"] != "2026-01-01T00:00:01.5Z" || m["end"] != "fin" || len(m) != len(render.FlowColumns) {
		t.Errorf("JSON line = %v", m)
	}
	buf.Reset()
	fw = render.NewFlowWriter(&buf, true)
	rec.Service = "https"
	fw.Write(&rec)
	fw.Flush()
	want := strings.Join(render.FlowColumns, ",") + "\ntcp,[2001:db8::1]:51000,[2001:db8::2]:443,https,handshake,3,200,2,3000,0,0,2026-01-01T00:00:00Z,2026-01-01T00:00:01.5Z,fin\n"
	if buf.String() != want {
		t.Errorf("CSV =\n%s\nwant\n%s", buf.String(), want)
	}
	allocs := testing.AllocsPerRun(100, func() { fw.Write(&rec) })
	if allocs != 0 {
		t.Errorf("FlowWriter.Write: %v allocs, want 0", allocs)
	}
}

// TestFragmentFlood sends first fragments that never complete, far more
// than the fragment table holds: the table stays bounded, the oldest are
// forgotten and counted, and later fragments of recent datagrams are still
// attributed.
func TestFragmentFlood(t *testing.T) {
	f := newFeeder(Options{})
	const n = 3 * maxFrags
	first := pkt(vocab.UDP, "192.0.2.1:40000", "198.51.100.1:2049", 0)
	first.Fragment = true
	for i := 0; i < n; i++ {
		first.FragID = uint32(i)
		f.t.Observe(f.now, 100, 100, vocab.LinkEthernet, &first)
		f.now = f.now.Add(time.Microsecond) // all within the 30 s timeout
	}
	f.t.settle(true) // the table is cut back to its bound at every settlement
	if f.t.shards[0].frags.len() != maxFrags || f.t.fragsLost != n-maxFrags {
		t.Fatalf("fragment table %d entries, %d forgotten; want %d and %d", f.t.shards[0].frags.len(), f.t.fragsLost, maxFrags, n-maxFrags)
	}
	later := decode.Summary{Bucket: vocab.BucketFragment, IPVersion: 4, Proto: vocab.UDP, Fragment: true, FragOffset: 1480,
		Src: first.Src, Dst: first.Dst}
	later.FragID = n - 1 // recent: attributed
	f.send(later, 60)
	later.FragID = 0 // forgotten: unattributed
	f.send(later, 60)
	// After the timeout every entry expires at the next settlement.
	f.now = f.now.Add(time.Minute)
	first.FragID = 1 << 30
	f.t.Observe(f.now, 100, 100, vocab.LinkEthernet, &first)
	f.t.settle(true)
	if f.t.shards[0].frags.len() != 1 {
		t.Errorf("after the timeout: %d fragment entries, want 1", f.t.shards[0].frags.len())
	}
	f.t.Finish()
	r := f.t.Report()
	if r.Fragments.Attributed.Frames != 1 || r.Fragments.Unattributed.Frames != 1 || r.Fragments.Untracked != n-maxFrags {
		t.Errorf("fragments = %+v", r.Fragments)
	}
}
