package classify

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
)

// Report returns a snapshot of the counters. Call Finish first for a final
// report; a report taken mid-stream counts open flows as they are (it
// decides the side of the flows started since the last settlement first).
func (t *Tracker) Report() *report.Report {
	t.settle(false)
	var (
		tot      shardTotals
		nonIP    = map[uint64]counter{}
		ephRow   rowStats
		rows     = make([]rowStats, len(t.svcs))
		frames   uint64
		first    int64
		last     int64
		unattrib counter
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
	r := &report.Report{
		Schema:        report.Schema,
		Sources:       []report.SourceInfo{},
		Registry:      report.RegistryInfo{Fingerprint: t.fingerprint(), Ephemeral: t.eph.String()},
		Frames:        frames,
		Bytes:         tot.bytes,
		CapturedBytes: tot.captured,
		Short:         tot.short,
		LinkTypes:     []report.TypeCount{},
		NonIP:         []report.TypeCount{},
		OtherIP:       []report.TypeCount{},
		Decap:         t.decapDepth,
		Tunnels:       []report.TunnelCount{},
		Services:      make([]report.Service, 0, len(t.svcs)), // one row per service seen, at most
		Alerts:        []report.Alert{},
		Flows:         report.FlowTotals{Total: t.totalFlows, Evicted: t.evicted, Expired: t.expired + tot.expired, ByReason: map[string]uint64{}},
		Fragments:     report.Fragments{Unattributed: report.Counter(unattrib), Untracked: t.fragsLost},
	}
	r.HostsUntracked = t.hostsLost
	if frames > 0 {
		r.First = report.UnixTime(first)
		r.Last = report.UnixTime(last)
	}
	for b := vocab.Bucket(0); b < vocab.NumBuckets; b++ {
		r.Buckets[b] = report.Counter(tot.buckets[b])
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
			r.LinkTypes = append(r.LinkTypes, report.TypeCount{Type: vocab.LinkType(lt).String(), Frames: n})
		}
	}
	for key, c := range nonIP {
		name := vocab.EtherType(key).String()
		if key&linkKey != 0 {
			name = vocab.LinkType(key).String()
		}
		r.NonIP = append(r.NonIP, report.TypeCount{Type: name, Frames: c.Frames, Bytes: c.Bytes})
	}
	for p, c := range tot.otherIP {
		if c.Frames > 0 {
			r.OtherIP = append(r.OtherIP, report.TypeCount{Type: vocab.Proto(p).String(), Frames: c.Frames, Bytes: c.Bytes})
		}
	}
	for k, ts := range tot.tunnels {
		if ts.frames > 0 {
			r.Tunnels = append(r.Tunnels, report.TunnelCount{Type: decode.Tunnel(k).String(), Frames: ts.frames, Bytes: ts.bytes,
				Decapsulated: ts.decap, InnerDamaged: ts.damaged, TooDeep: ts.deep})
		}
	}
	report.SortTunnels(r.Tunnels)
	for _, l := range [][]report.TypeCount{r.LinkTypes, r.NonIP, r.OtherIP} {
		slices.SortFunc(l, func(a, b report.TypeCount) int {
			return cmp.Or(cmp.Compare(b.Frames, a.Frames), cmp.Compare(a.Type, b.Type))
		})
	}
	var attributed counter
	for i := range t.svcs {
		sv, c := &t.svcs[i], &rows[i]
		row := report.Service{
			Proto: sv.proto, Port: sv.port, Name: "unknown",
			Packets: c.pkts[0] + c.pkts[1], Bytes: c.bytes[0] + c.bytes[1], Flows: sv.flows,
			Fragments: c.frags, FragmentBytes: c.fragBytes,
			ToServer: report.Direction{Packets: c.pkts[0], Bytes: c.bytes[0]}, ToClient: report.Direction{Packets: c.pkts[1], Bytes: c.bytes[1]},
			Clients: sv.clients, Servers: sv.servers,
		}
		attributed.sum(counter{c.frags, c.fragBytes})
		if e := sv.entry; e != nil {
			if e.Name != "" {
				row.Name = e.Name
			}
			row.Risk = e.Risk
			if e.Risk == registry.RiskAlert {
				a := report.Alert{Proto: row.Proto, Port: row.Port, Name: row.Name, Risk: row.Risk, Note: e.Note,
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
	report.SortServices(r.Services, "bytes")
	slices.SortFunc(r.Alerts, func(a, b report.Alert) int {
		return cmp.Or(cmp.Compare(b.Packets, a.Packets), report.CompareProto(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
	})
	e := &ephRow
	r.Ephemeral = report.Ephemeral{Packets: e.pkts[0] + e.pkts[1], Bytes: e.bytes[0] + e.bytes[1], Flows: t.ephFlows,
		Fragments: e.frags, FragmentBytes: e.fragBytes}
	attributed.sum(counter{e.frags, e.fragBytes})
	r.Fragments.Attributed = report.Counter(attributed)
	for i, n := range t.byReason {
		if n > 0 {
			r.Flows.ByReason[report.Reason(i).String()] = n
		}
	}
	return r
}

// shardTotals are the sums of the shards' per-frame counters.
type shardTotals struct {
	bytes, captured, short, expired uint64
	buckets                         [vocab.NumBuckets]counter
	tunnels                         [decode.NumTunnels]tunnelStats
	otherIP                         [256]counter
}

func (r *rowStats) add(x *rowStats) {
	r.pkts[0] += x.pkts[0]
	r.pkts[1] += x.pkts[1]
	r.bytes[0] += x.bytes[0]
	r.bytes[1] += x.bytes[1]
	r.frags += x.frags
	r.fragBytes += x.fragBytes
}
