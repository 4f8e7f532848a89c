package classify

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
)

// Schema names the JSON report format. Fields are added within v1, never
// renamed; docs/report.md describes every field.
const Schema = "portsift.report/v1"

// Report is what portsift counted, in a form that can be printed, written
// as JSON and compared. It holds no wall-clock time: the same input gives
// the same Report.
type Report struct {
	Schema        string        `json:"schema"`
	Sources       []SourceInfo  `json:"sources"`
	Filter        string        `json:"filter,omitempty"`
	Registry      RegistryInfo  `json:"registry"`
	First         string        `json:"first"` // RFC 3339 with nanoseconds, UTC; "" when no frame was counted
	Last          string        `json:"last"`
	Frames        uint64        `json:"frames"`
	Bytes         uint64        `json:"bytes"`
	CapturedBytes uint64        `json:"captured_bytes"`
	Buckets       Buckets       `json:"buckets"`
	Short         uint64        `json:"short"`
	LinkTypes     []TypeCount   `json:"link_types"`
	NonIP         []TypeCount   `json:"non_ip"`
	OtherIP       []TypeCount   `json:"other_ip"`
	Decap         int           `json:"decap"` // 0: tunnels count as their outer flow; with --decap, the depth limit
	Tunnels       []TunnelCount `json:"tunnels"`
	Services      []Service     `json:"services"`
	Ephemeral     Ephemeral     `json:"ephemeral"`
	Alerts        []Alert       `json:"alerts"`
	Flows         FlowTotals    `json:"flows"`
	Fragments     Fragments     `json:"fragments"`
	DecodePanics  uint64        `json:"decode_panics,omitempty"`
	Capture       *LiveCapture  `json:"capture,omitempty"` // live capture (sniff) only

	// HostsUntracked counts (service, client or server address) pairs not
	// counted because the distinct-host table was full (DefaultMaxHosts);
	// when not 0, clients and servers are lower bounds.
	HostsUntracked uint64 `json:"hosts_untracked,omitempty"`
}

// LiveCapture describes a live capture: the kernel's counters and the
// state of the flow table when the report was taken. Unlike the rest of
// the report it depends on the machine and the wall clock.
type LiveCapture struct {
	Interface        string  `json:"interface"`
	Received         uint64  `json:"received"`          // frames the kernel's capture saw (pcap_stats ps_recv)
	DroppedKernel    uint64  `json:"dropped_kernel"`    // dropped because the capture buffer was full
	DroppedInterface uint64  `json:"dropped_interface"` // dropped by the interface or its driver
	FlowsActive      uint64  `json:"flows_active"`      // flows in the table (for the final report: when the capture stopped)
	HostsUntracked   uint64  `json:"hosts_untracked"`   // (service, address) pairs not counted: host table full
	Seconds          float64 `json:"seconds"`           // wall-clock time since the capture started
	Final            bool    `json:"final"`             // the last report of the capture
}

// SourceInfo describes one input of the report.
type SourceInfo struct {
	Name      string   `json:"name"`
	Format    string   `json:"format"`     // pcap, pcap-ns, pcapng; "+gzip" when compressed
	LinkTypes []string `json:"link_types"` // declared link types
	Frames    uint64   `json:"frames"`     // frames read from the file
	Filtered  uint64   `json:"filtered,omitempty"`
	// TimesClamped counts the frames whose timestamp was beyond what the
	// report's times hold (pcapng can say any year; 1677-2262 are kept)
	// and was clamped to the nearest end: read and counted all the same.
	TimesClamped uint64 `json:"times_clamped,omitempty"`
	Error        string `json:"error"` // "" or what stopped the read
	// FilterError says why the BPF filter could not be applied to some of
	// the file's frames (an expression libpcap cannot compile for one of
	// its link types); those frames are counted in Filtered.
	FilterError string `json:"filter_error,omitempty"`
}

// RegistryInfo says which registry and ephemeral ranges decided the service
// keys, so reports made with different settings can be told apart.
type RegistryInfo struct {
	Fingerprint string `json:"fingerprint"`
	Ephemeral   string `json:"ephemeral"`
}

// Buckets holds the top-level counters; they add up to Frames and Bytes.
type Buckets struct {
	TCP       Counter `json:"tcp"`
	UDP       Counter `json:"udp"`
	SCTP      Counter `json:"sctp"`
	Fragment  Counter `json:"fragment"`
	ICMP      Counter `json:"icmp"`
	OtherIP   Counter `json:"other-ip"`
	NonIP     Counter `json:"non-ip"`
	Truncated Counter `json:"truncated"`
	Malformed Counter `json:"malformed"`
}

// Get returns the counter of bucket b.
func (b *Buckets) Get(k vocab.Bucket) *Counter {
	return [...]*Counter{&b.TCP, &b.UDP, &b.SCTP, &b.Fragment, &b.ICMP, &b.OtherIP, &b.NonIP, &b.Truncated, &b.Malformed}[k]
}

// TypeCount counts frames of one kind inside a bucket or header field.
type TypeCount struct {
	Type   string `json:"type"`
	Frames uint64 `json:"frames"`
	Bytes  uint64 `json:"bytes,omitempty"`
}

// TunnelCount counts the frames that travel in one type of tunnel
// (outermost), in both modes. With --decap, Decapsulated frames were counted
// as their innermost packet; InnerDamaged and TooDeep ones as their outer
// packet, because an inner packet was cut or invalid, or the tunnels were
// nested deeper than the limit.
type TunnelCount struct {
	Type         string `json:"type"`
	Frames       uint64 `json:"frames"`
	Bytes        uint64 `json:"bytes"`
	Decapsulated uint64 `json:"decapsulated"`
	InnerDamaged uint64 `json:"inner_damaged"`
	TooDeep      uint64 `json:"too_deep"`
}

// Service is one row of the service table: a protocol and a service-side
// port. Packets and Bytes count frames with a transport header (so the rows
// plus the ephemeral row add up to the tcp, udp and sctp buckets);
// Fragments and FragmentBytes count later IP fragments attributed to the
// service's flows.
type Service struct {
	Proto         string    `json:"proto"`
	Port          uint16    `json:"port"`
	Name          string    `json:"name"` // registry name, or "unknown"
	Risk          string    `json:"risk"` // "", "note" or "alert"
	Packets       uint64    `json:"packets"`
	Bytes         uint64    `json:"bytes"`
	Flows         uint64    `json:"flows"`
	Fragments     uint64    `json:"fragments"`
	FragmentBytes uint64    `json:"fragment_bytes"`
	ToServer      Direction `json:"to_server"`
	ToClient      Direction `json:"to_client"`
	Clients       uint64    `json:"clients"` // distinct client addresses
	Servers       uint64    `json:"servers"` // distinct server addresses
	// HostsUpperBound reports that Clients and Servers are sums over merged
	// reports (Merge), so upper bounds: a host seen in two inputs counts twice.
	HostsUpperBound bool `json:"hosts_upper_bound,omitempty"`
}

// Direction counts one direction of a service's traffic.
type Direction struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// Ephemeral is the row for flows whose two ports are both ephemeral and unnamed.
type Ephemeral struct {
	Packets       uint64 `json:"packets"`
	Bytes         uint64 `json:"bytes"`
	Flows         uint64 `json:"flows"`
	Fragments     uint64 `json:"fragments"`
	FragmentBytes uint64 `json:"fragment_bytes"`
}

// Alert is a service whose port the registry marks as risky (risk "alert":
// port 0 and ports only malware uses).
type Alert struct {
	Proto   string   `json:"proto"`
	Port    uint16   `json:"port"`
	Name    string   `json:"name"`
	Risk    string   `json:"risk"`
	Note    string   `json:"note"`
	Packets uint64   `json:"packets"`
	Flows   uint64   `json:"flows"`
	Hosts   []string `json:"hosts"` // client and server addresses, sorted; at most 64
}

// FlowTotals counts flows.
type FlowTotals struct {
	Total    uint64            `json:"total"`
	Evicted  uint64            `json:"evicted"` // ended early because the table was full (--max-flows)
	Expired  uint64            `json:"expired"` // ended by the idle timeout
	ByReason map[string]uint64 `json:"by_reason"`
}

// Fragments counts later IP fragments (the fragment bucket) by fate.
type Fragments struct {
	Attributed   Counter `json:"attributed"`   // matched to the flow of their first fragment
	Unattributed Counter `json:"unattributed"` // first fragment not seen (or too old)
	Untracked    uint64  `json:"untracked"`    // first fragments forgotten early: fragment table full
}

// Report returns a snapshot of the counters. Call Finish first for a final
// report; a report taken mid-stream counts open flows as they are (it
// decides the side of the flows started since the last settlement first).
func (t *Tracker) Report() *Report {
	t.settle(false)
	var (
		tot      shardTotals
		nonIP    = map[uint64]Counter{}
		ephRow   rowStats
		rows     = make([]rowStats, len(t.svcs))
		frames   uint64
		first    int64
		last     int64
		unattrib Counter
	)
	for _, sh := range t.shards {
		if sh.frames > 0 {
			if frames == 0 || sh.first < first {
				first = sh.first
			}
			if frames == 0 || sh.last > last {
				last = sh.last
			}
		}
		frames += sh.frames
		tot.bytes += sh.bytes
		tot.captured += sh.captured
		tot.short += sh.short
		tot.expired += sh.expired
		unattrib.sum(sh.unattrib)
		for b := range sh.buckets {
			tot.buckets[b].sum(sh.buckets[b])
		}
		for k := range sh.tunnels {
			tot.tunnels[k].sum(&sh.tunnels[k])
		}
		for p := range sh.otherIP {
			tot.otherIP[p].sum(sh.otherIP[p])
		}
		for k, c := range sh.nonIP {
			n := nonIP[k]
			n.sum(*c)
			nonIP[k] = n
		}
		ephRow.add(&sh.rows[0])
		for i := 1; i < len(sh.rows); i++ {
			rows[i-1].add(&sh.rows[i])
		}
	}
	r := &Report{
		Schema:        Schema,
		Sources:       []SourceInfo{},
		Registry:      RegistryInfo{Fingerprint: t.fingerprint(), Ephemeral: t.eph.String()},
		Frames:        frames,
		Bytes:         tot.bytes,
		CapturedBytes: tot.captured,
		Short:         tot.short,
		LinkTypes:     []TypeCount{},
		NonIP:         []TypeCount{},
		OtherIP:       []TypeCount{},
		Decap:         t.decapDepth,
		Tunnels:       []TunnelCount{},
		Services:      []Service{},
		Alerts:        []Alert{},
		Flows:         FlowTotals{Total: t.totalFlows, Evicted: t.evicted, Expired: t.expired + tot.expired, ByReason: map[string]uint64{}},
		Fragments:     Fragments{Unattributed: unattrib, Untracked: t.fragsLost},
	}
	r.HostsUntracked = t.hostsLost
	if frames > 0 {
		r.First = formatTime(first)
		r.Last = formatTime(last)
	}
	for b := vocab.Bucket(0); b < vocab.NumBuckets; b++ {
		*r.Buckets.Get(b) = tot.buckets[b]
	}
	for lt := range 1 << 16 {
		var n uint64
		for _, sh := range t.shards {
			n += uint64(sh.links[lt])
			if len(sh.linksBig) > 0 {
				n += sh.linksBig[vocab.LinkType(lt)]
			}
		}
		if n > 0 {
			r.LinkTypes = append(r.LinkTypes, TypeCount{Type: vocab.LinkType(lt).String(), Frames: n})
		}
	}
	for key, c := range nonIP {
		name := vocab.EtherType(key).String()
		if key&linkKey != 0 {
			name = vocab.LinkType(key).String()
		}
		r.NonIP = append(r.NonIP, TypeCount{Type: name, Frames: c.Frames, Bytes: c.Bytes})
	}
	for p, c := range tot.otherIP {
		if c.Frames > 0 {
			r.OtherIP = append(r.OtherIP, TypeCount{Type: vocab.Proto(p).String(), Frames: c.Frames, Bytes: c.Bytes})
		}
	}
	for k, ts := range tot.tunnels {
		if ts.frames > 0 {
			r.Tunnels = append(r.Tunnels, TunnelCount{Type: decode.Tunnel(k).String(), Frames: ts.frames, Bytes: ts.bytes,
				Decapsulated: ts.decap, InnerDamaged: ts.damaged, TooDeep: ts.deep})
		}
	}
	SortTunnels(r.Tunnels)
	for _, l := range [][]TypeCount{r.LinkTypes, r.NonIP, r.OtherIP} {
		slices.SortFunc(l, func(a, b TypeCount) int {
			return cmp.Or(cmp.Compare(b.Frames, a.Frames), cmp.Compare(a.Type, b.Type))
		})
	}
	var attributed Counter
	for i := range t.svcs {
		sv, c := &t.svcs[i], &rows[i]
		row := Service{
			Proto: sv.proto.String(), Port: sv.port, Name: "unknown",
			Packets: c.pkts[0] + c.pkts[1], Bytes: c.bytes[0] + c.bytes[1], Flows: sv.flows,
			Fragments: c.frags, FragmentBytes: c.fragBytes,
			ToServer: Direction{c.pkts[0], c.bytes[0]}, ToClient: Direction{c.pkts[1], c.bytes[1]},
			Clients: sv.clients, Servers: sv.servers,
		}
		attributed.sum(Counter{c.frags, c.fragBytes})
		if e := sv.entry; e != nil {
			if e.Name != "" {
				row.Name = e.Name
			}
			row.Risk = e.Risk.String()
			if e.Risk == registry.RiskAlert {
				a := Alert{Proto: row.Proto, Port: row.Port, Name: row.Name, Risk: row.Risk, Note: e.Note,
					Packets: row.Packets, Flows: row.Flows, Hosts: []string{}}
				for h := range sv.hosts {
					a.Hosts = append(a.Hosts, h.String())
				}
				slices.SortFunc(a.Hosts, func(x, y string) int {
					return netip.MustParseAddr(x).Compare(netip.MustParseAddr(y))
				})
				r.Alerts = append(r.Alerts, a)
			}
		}
		r.Services = append(r.Services, row)
	}
	SortServices(r.Services, "bytes")
	slices.SortFunc(r.Alerts, func(a, b Alert) int {
		return cmp.Or(cmp.Compare(b.Packets, a.Packets), cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
	})
	e := &ephRow
	r.Ephemeral = Ephemeral{Packets: e.pkts[0] + e.pkts[1], Bytes: e.bytes[0] + e.bytes[1], Flows: t.ephFlows,
		Fragments: e.frags, FragmentBytes: e.fragBytes}
	attributed.sum(Counter{e.frags, e.fragBytes})
	r.Fragments.Attributed = attributed
	for i, n := range t.byReason {
		if n > 0 {
			r.Flows.ByReason[Reason(i).String()] = n
		}
	}
	return r
}

// shardTotals are the sums of the shards' per-frame counters.
type shardTotals struct {
	bytes, captured, short, expired uint64
	buckets                         [vocab.NumBuckets]Counter
	tunnels                         [decode.NumTunnels]tunnelStats
	otherIP                         [256]Counter
}

func (r *rowStats) add(x *rowStats) {
	r.pkts[0] += x.pkts[0]
	r.pkts[1] += x.pkts[1]
	r.bytes[0] += x.bytes[0]
	r.bytes[1] += x.bytes[1]
	r.frags += x.frags
	r.fragBytes += x.fragBytes
}

// SortTunnels orders tunnel rows by frames, largest first, then by type.
func SortTunnels(l []TunnelCount) {
	slices.SortFunc(l, func(a, b TunnelCount) int {
		return cmp.Or(cmp.Compare(b.Frames, a.Frames), cmp.Compare(a.Type, b.Type))
	})
}

// SortServices orders rows by key ("bytes", "packets" or "flows"),
// largest first, then by protocol and port, so the order is total.
func SortServices(rows []Service, key string) {
	val := func(s *Service) uint64 {
		switch key {
		case "packets":
			return s.Packets
		case "flows":
			return s.Flows
		}
		return s.Bytes
	}
	slices.SortStableFunc(rows, func(a, b Service) int {
		return cmp.Or(cmp.Compare(val(&b), val(&a)), cmp.Compare(b.Packets, a.Packets),
			cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
	})
}

func formatTime(ns int64) string {
	return time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
}

// Service returns the row of the service called name (as in Service.Name,
// e.g. "https") on proto ("tcp", "udp", "sctp"; "" for any), or nil. When
// several rows share the name (e.g. "unknown"), it returns the first in
// report order (most bytes); use ServicePort to pick one.
func (r *Report) Service(name, proto string) *Service {
	for i := range r.Services {
		s := &r.Services[i]
		if s.Name == name && (proto == "" || s.Proto == proto) {
			return s
		}
	}
	return nil
}

// ServicePort returns the row of service port port on proto, or nil.
func (r *Report) ServicePort(proto string, port uint16) *Service {
	for i := range r.Services {
		if s := &r.Services[i]; s.Port == port && s.Proto == proto {
			return s
		}
	}
	return nil
}

// Alert returns the alert for service port port on proto, or nil.
func (r *Report) Alert(proto string, port uint16) *Alert {
	for i := range r.Alerts {
		if a := &r.Alerts[i]; a.Port == port && a.Proto == proto {
			return a
		}
	}
	return nil
}
