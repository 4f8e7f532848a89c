package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/portsift/portsift/classify/internal/numfmt"
	"github.com/portsift/portsift/decode/vocab"
)

// DiffSections are the parts of a report that Diff compares, in the order
// it reports them:
//
//   - totals: frames, bytes, captured_bytes, short, first, last, decode_panics
//   - settings: filter and the ephemeral ranges (registry.ephemeral)
//   - buckets: the nine buckets, link_types, non_ip, other_ip, fragments
//   - services: rows added or removed, and every count, name and risk of a
//     row (distinct clients and servers marked as upper bounds, by Merge,
//     match any exact count up to the bound)
//   - ephemeral: the ephemeral row
//   - alerts: alerts added or removed; name, risk, note, packets, flows, hosts
//   - flows: total, evicted, expired and each by_reason count
//
// Not compared: sources (file names, formats and sizes differ when the same
// trace is read from another directory or gzip-compressed) and the registry
// fingerprint (a new registry shows as changed service names and risks, if
// it changes anything this trace uses).
var DiffSections = []string{"totals", "settings", "buckets", "services", "ephemeral", "alerts", "flows"}

// DiffOptions shape Diff.
type DiffOptions struct {
	// Tolerance lets counts differ a little; the zero value requires equality.
	Tolerance Tolerance
	// Only restricts the comparison to these sections (names from
	// DiffSections); empty means all.
	Only []string
}

// Tolerance is how far a count may be from the expected one and still
// match: by at most Abs, or by at most Rel times the expected count
// (Rel 0.02 is 2%). It applies to counts only; names, timestamps, hosts and
// the presence of service and alert rows must match exactly.
type Tolerance struct {
	Abs uint64
	Rel float64
}

// ParseTolerance parses "2%" (relative) or "10" (absolute).
func ParseTolerance(s string) (Tolerance, error) {
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return Tolerance{}, fmt.Errorf("tolerance %q: want a percentage like 2%% or a count like 10", s)
		}
		return Tolerance{Rel: f / 100}, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return Tolerance{}, fmt.Errorf("tolerance %q: want a percentage like 2%% or a count like 10", s)
	}
	return Tolerance{Abs: n}, nil
}

// String returns the tolerance as ParseTolerance reads it ("0" for none).
func (t Tolerance) String() string {
	if t.Rel > 0 {
		return strconv.FormatFloat(t.Rel*100, 'f', -1, 64) + "%"
	}
	return strconv.FormatUint(t.Abs, 10)
}

func (t Tolerance) allows(exp, got uint64) bool {
	d := max(exp, got) - min(exp, got)
	return d <= t.Abs || float64(d) <= t.Rel*float64(exp)
}

// Change kinds.
const (
	Changed = "changed" // a field has another value
	Added   = "added"   // a service or alert row only in the new report
	Removed = "removed" // a service or alert row only in the expected one
)

// Change is one difference between an expected report and a new one.
type Change struct {
	Section string `json:"section"`        // one of DiffSections
	Row     string `json:"row,omitempty"`  // "tcp/443" (services, alerts), "udp" or "non_ip[arp]" (buckets); "" for a section's own fields
	Name    string `json:"name,omitempty"` // the service's name (services, alerts)
	Field   string `json:"field"`          // "packets", "to_server.bytes", "by_reason.handshake"; "" for a row added or removed
	Kind    string `json:"change"`         // Changed, Added or Removed
	// Expected and Got are the values: uint64 for counts, string for
	// names and timestamps, []string for alert hosts, the whole Service or
	// Alert for a row added or removed (nil on the side that lacks it).
	Expected any `json:"expected"`
	Got      any `json:"got"`
	// Delta is Got - Expected for counts; 0 otherwise.
	Delta int64 `json:"delta,omitempty"`
}

// Diff is the result of comparing two reports: what changed, in the order
// of DiffSections.
type Diff struct {
	Changes []Change `json:"changes"`
}

// Equal reports whether there is no change.
func (d Diff) Equal() bool { return len(d.Changes) == 0 }

// Summary counts the changes per section: "services 2, alerts 1".
func (d Diff) Summary() string {
	var parts []string
	for _, sec := range DiffSections {
		n := 0
		for _, c := range d.Changes {
			if c.Section == sec {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, sec+" "+numfmt.Commas(uint64(n)))
		}
	}
	return strings.Join(parts, ", ")
}

// Diff compares r (the new report) with expected. Reports of the same
// trace read from different paths, or from a gzip-compressed copy, are
// equal: sources are not compared (see DiffSections).
func (r *Report) Diff(expected *Report, o DiffOptions) Diff {
	dc := differ{tol: o.Tolerance, changes: []Change{}}
	want := func(sec string) bool { return len(o.Only) == 0 || slices.Contains(o.Only, sec) }
	e, g := expected, r
	if want("totals") {
		dc.sec = "totals"
		dc.num("", "frames", e.Frames, g.Frames)
		dc.num("", "bytes", e.Bytes, g.Bytes)
		dc.num("", "captured_bytes", e.CapturedBytes, g.CapturedBytes)
		dc.num("", "short", e.Short, g.Short)
		dc.time("", "first", e.First, g.First)
		dc.time("", "last", e.Last, g.Last)
		dc.num("", "decode_panics", e.DecodePanics, g.DecodePanics)
		dc.num("", "hosts_untracked", e.HostsUntracked, g.HostsUntracked)
	}
	if want("settings") {
		dc.sec = "settings"
		dc.str("", "filter", e.Filter, g.Filter)
		dc.str("", "registry.ephemeral", e.Registry.Ephemeral, g.Registry.Ephemeral)
		dc.str("", "decap", strconv.Itoa(e.Decap), strconv.Itoa(g.Decap))
	}
	if want("buckets") {
		dc.sec = "buckets"
		for b := range vocab.NumBuckets {
			ec, gc := &e.Buckets[b], &g.Buckets[b]
			dc.num(b.String(), "frames", ec.Frames, gc.Frames)
			dc.num(b.String(), "bytes", ec.Bytes, gc.Bytes)
		}
		dc.types("link_types", e.LinkTypes, g.LinkTypes)
		dc.types("non_ip", e.NonIP, g.NonIP)
		dc.types("other_ip", e.OtherIP, g.OtherIP)
		dc.tunnels(e.Tunnels, g.Tunnels)
		dc.num("fragments.attributed", "frames", e.Fragments.Attributed.Frames, g.Fragments.Attributed.Frames)
		dc.num("fragments.attributed", "bytes", e.Fragments.Attributed.Bytes, g.Fragments.Attributed.Bytes)
		dc.num("fragments.unattributed", "frames", e.Fragments.Unattributed.Frames, g.Fragments.Unattributed.Frames)
		dc.num("fragments.unattributed", "bytes", e.Fragments.Unattributed.Bytes, g.Fragments.Unattributed.Bytes)
		dc.num("fragments", "untracked", e.Fragments.Untracked, g.Fragments.Untracked)
	}
	if want("services") {
		dc.sec = "services"
		dc.services(e.Services, g.Services)
	}
	if want("ephemeral") {
		dc.sec = "ephemeral"
		ee, ge := e.Ephemeral, g.Ephemeral
		dc.num("", "packets", ee.Packets, ge.Packets)
		dc.num("", "bytes", ee.Bytes, ge.Bytes)
		dc.num("", "flows", ee.Flows, ge.Flows)
		dc.num("", "fragments", ee.Fragments, ge.Fragments)
		dc.num("", "fragment_bytes", ee.FragmentBytes, ge.FragmentBytes)
	}
	if want("alerts") {
		dc.sec = "alerts"
		dc.alerts(e.Alerts, g.Alerts)
	}
	if want("flows") {
		dc.sec = "flows"
		dc.num("", "total", e.Flows.Total, g.Flows.Total)
		dc.num("", "evicted", e.Flows.Evicted, g.Flows.Evicted)
		dc.num("", "expired", e.Flows.Expired, g.Flows.Expired)
		for _, k := range unionKeys(e.Flows.ByReason, g.Flows.ByReason) {
			dc.num("", "by_reason."+k, e.Flows.ByReason[k], g.Flows.ByReason[k])
		}
	}
	return Diff{Changes: dc.changes}
}

// differ collects the changes of one comparison.
type differ struct {
	tol     Tolerance
	sec     string
	name    string // the current row's service name
	changes []Change
}

func (d *differ) add(c Change) {
	c.Section = d.sec
	if c.Row != "" && (d.sec == "services" || d.sec == "alerts") {
		c.Name = d.name
	}
	d.changes = append(d.changes, c)
}

func (d *differ) num(row, field string, exp, got uint64) {
	if exp == got || d.tol.allows(exp, got) {
		return
	}
	d.add(Change{Row: row, Field: field, Kind: Changed, Expected: exp, Got: got, Delta: int64(got) - int64(exp)})
}

// hosts compares distinct host counts. A count marked as an upper bound (a
// merged report) matches any exact count up to it.
func (d *differ) hosts(row, field string, exp, got uint64, expBound, gotBound bool) {
	switch {
	case expBound && !gotBound && got <= exp:
		return
	case gotBound && !expBound && exp <= got:
		return
	}
	d.num(row, field, exp, got)
}

func (d *differ) str(row, field, exp, got string) {
	if exp != got {
		d.add(Change{Row: row, Field: field, Kind: Changed, Expected: exp, Got: got})
	}
}

// time compares two timestamps as instants, so that a report edited by
// hand with another precision or zone still matches.
func (d *differ) time(row, field string, exp, got Time) {
	if exp.Compare(got) != 0 {
		d.str(row, field, exp.String(), got.String())
	}
}

func (d *differ) types(list string, exp, got []TypeCount) {
	pairs(exp, got, func(c *TypeCount) string { return c.Type }, strings.Compare, func(t string, e, g *TypeCount) {
		var ec, gc TypeCount
		if e != nil {
			ec = *e
		}
		if g != nil {
			gc = *g
		}
		row := list + "[" + t + "]"
		d.num(row, "frames", ec.Frames, gc.Frames)
		d.num(row, "bytes", ec.Bytes, gc.Bytes)
	})
}

func (d *differ) tunnels(exp, got []TunnelCount) {
	pairs(exp, got, func(c *TunnelCount) string { return c.Type }, strings.Compare, func(t string, e, g *TunnelCount) {
		var ec, gc TunnelCount
		if e != nil {
			ec = *e
		}
		if g != nil {
			gc = *g
		}
		row := "tunnels[" + t + "]"
		d.num(row, "frames", ec.Frames, gc.Frames)
		d.num(row, "bytes", ec.Bytes, gc.Bytes)
		d.num(row, "decapsulated", ec.Decapsulated, gc.Decapsulated)
		d.num(row, "inner_damaged", ec.InnerDamaged, gc.InnerDamaged)
		d.num(row, "too_deep", ec.TooDeep, gc.TooDeep)
	})
}

type portKey struct {
	proto vocab.Proto
	port  uint16
}

func (k portKey) String() string { return k.proto.String() + "/" + strconv.Itoa(int(k.port)) }

func comparePortKeys(a, b portKey) int {
	return cmp.Or(CompareProto(a.proto, b.proto), cmp.Compare(a.port, b.port))
}

// pairs matches the rows of exp and got by key and calls f once per key, in
// key order, with nil for the side that lacks the row.
func pairs[T any, K comparable](exp, got []T, key func(*T) K, order func(a, b K) int, f func(k K, e, g *T)) {
	em, gm := map[K]*T{}, map[K]*T{}
	var keys []K
	for i := range exp {
		k := key(&exp[i])
		em[k] = &exp[i]
		keys = append(keys, k)
	}
	for i := range got {
		k := key(&got[i])
		gm[k] = &got[i]
		if em[k] == nil {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, order)
	for _, k := range keys {
		f(k, em[k], gm[k])
	}
}

func servicePortKey(s *Service) portKey { return portKey{s.Proto, s.Port} }
func alertPortKey(a *Alert) portKey     { return portKey{a.Proto, a.Port} }

func (d *differ) services(exp, got []Service) {
	pairs(exp, got, servicePortKey, comparePortKeys, func(k portKey, e, g *Service) {
		row := k.String()
		switch {
		case g == nil:
			d.name = e.Name
			d.add(Change{Row: row, Kind: Removed, Expected: *e})
		case e == nil:
			d.name = g.Name
			d.add(Change{Row: row, Kind: Added, Got: *g})
		default:
			d.name = g.Name
			d.str(row, "name", e.Name, g.Name)
			d.str(row, "risk", e.Risk.String(), g.Risk.String())
			d.num(row, "packets", e.Packets, g.Packets)
			d.num(row, "bytes", e.Bytes, g.Bytes)
			d.num(row, "flows", e.Flows, g.Flows)
			d.num(row, "fragments", e.Fragments, g.Fragments)
			d.num(row, "fragment_bytes", e.FragmentBytes, g.FragmentBytes)
			d.num(row, "to_server.packets", e.ToServer.Packets, g.ToServer.Packets)
			d.num(row, "to_server.bytes", e.ToServer.Bytes, g.ToServer.Bytes)
			d.num(row, "to_client.packets", e.ToClient.Packets, g.ToClient.Packets)
			d.num(row, "to_client.bytes", e.ToClient.Bytes, g.ToClient.Bytes)
			d.hosts(row, "clients", e.Clients, g.Clients, e.HostsUpperBound, g.HostsUpperBound)
			d.hosts(row, "servers", e.Servers, g.Servers, e.HostsUpperBound, g.HostsUpperBound)
		}
	})
}

func (d *differ) alerts(exp, got []Alert) {
	pairs(exp, got, alertPortKey, comparePortKeys, func(k portKey, e, g *Alert) {
		row := k.String()
		switch {
		case g == nil:
			d.name = e.Name
			d.add(Change{Row: row, Kind: Removed, Expected: *e})
		case e == nil:
			d.name = g.Name
			d.add(Change{Row: row, Kind: Added, Got: *g})
		default:
			d.name = g.Name
			d.str(row, "name", e.Name, g.Name)
			d.str(row, "risk", e.Risk.String(), g.Risk.String())
			d.str(row, "note", e.Note, g.Note)
			d.num(row, "packets", e.Packets, g.Packets)
			d.num(row, "flows", e.Flows, g.Flows)
			eh, gh := slices.Sorted(slices.Values(e.Hosts)), slices.Sorted(slices.Values(g.Hosts))
			if !slices.Equal(eh, gh) {
				d.add(Change{Row: row, Field: "hosts", Kind: Changed, Expected: e.Hosts, Got: g.Hosts})
			}
		}
	})
}

func unionKeys(a, b map[string]uint64) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// String is the change in one line, "services tcp/443 https packets: 10 ->
// 12", values as Go prints them (render.WriteDiff writes the table).
func (c Change) String() string {
	s := c.Section
	for _, p := range []string{c.Row, c.Name} {
		if p != "" {
			s += " " + p
		}
	}
	switch c.Kind {
	case Added, Removed:
		return fmt.Sprintf("%s (%s)", s, c.Kind)
	}
	return fmt.Sprintf("%s %s: %v -> %v", s, c.Field, c.Expected, c.Got)
}

// String lists the changes, one per line: for a test's failure message.
func (d Diff) String() string {
	var b strings.Builder
	for _, c := range d.Changes {
		b.WriteString(c.String() + "\n")
	}
	return b.String()
}
