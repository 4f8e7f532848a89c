package report

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/portsift/portsift/decode/vocab"
)

// ErrIncompatible is wrapped by Merge's error when reports were made with
// different settings (see IncompatibleError).
var ErrIncompatible = errors.New("reports made with different settings")

// IncompatibleError reports two inputs of Merge made with different
// settings. Their service keys may differ (another registry names other
// ports, other ephemeral ranges move flows between services and the
// ephemeral row) or they count different frames (another filter), so their
// sum would mean nothing.
type IncompatibleError struct {
	I, J  int    // indexes into Merge's arguments, I < J
	Field string // "registry.fingerprint", "registry.ephemeral" or "filter"
	A, B  string // the values of reports I and J
}

func (e *IncompatibleError) Error() string {
	return fmt.Sprintf("report %d has %s %q, report %d has %q", e.J+1, e.Field, e.B, e.I+1, e.A)
}

func (e *IncompatibleError) Unwrap() error { return ErrIncompatible }

// MergeOptions shape Merge.
type MergeOptions struct {
	// Force merges reports made with different registries, ephemeral
	// ranges or filters. The merged report then lists each distinct value
	// of such a setting, in input order, joined by " | ".
	Force bool
}

// Merge combines reports made on different files or machines into one,
// refusing reports made with different settings (errors.Is(err,
// ErrIncompatible)); MergeOptions{Force: true}.Merge merges them anyway.
func Merge(reports ...*Report) (*Report, error) {
	return MergeOptions{}.Merge(reports...)
}

// Merge combines reports into one that equals, in every count, the report
// of reading all their inputs at once, provided no flow spans two inputs:
// counters, flows and fragments are summed; first and last are the union of
// the time spans; sources are concatenated in argument order; services and
// alerts are matched by protocol and port; an alert's hosts are the union
// (at most 64). Distinct client and server counts cannot be summed exactly:
// for a service present in more than one input they are sums, upper
// bounds, and the row says so (Service.HostsUpperBound).
//
// The inputs are not modified. Merge of one report returns a copy.
func (o MergeOptions) Merge(reports ...*Report) (*Report, error) {
	if len(reports) == 0 {
		return nil, errors.New("merge: no reports")
	}
	for i, r := range reports {
		if r == nil {
			return nil, fmt.Errorf("merge: report %d is nil", i+1)
		}
	}
	m := &Report{
		Schema:    Schema,
		Sources:   []SourceInfo{},
		LinkTypes: []TypeCount{},
		NonIP:     []TypeCount{},
		OtherIP:   []TypeCount{},
		Tunnels:   []TunnelCount{},
		Services:  []Service{},
		Alerts:    []Alert{},
		Flows:     FlowTotals{ByReason: map[string]uint64{}},
	}
	var err error
	if m.Registry.Fingerprint, err = o.setting(reports, "registry.fingerprint", func(r *Report) string { return r.Registry.Fingerprint }); err != nil {
		return nil, err
	}
	if m.Registry.Ephemeral, err = o.setting(reports, "registry.ephemeral", func(r *Report) string { return r.Registry.Ephemeral }); err != nil {
		return nil, err
	}
	if m.Filter, err = o.setting(reports, "filter", func(r *Report) string { return r.Filter }); err != nil {
		return nil, err
	}
	decap, err := o.setting(reports, "decap", func(r *Report) string { return strconv.Itoa(r.Decap) })
	if err != nil {
		return nil, err
	}
	m.Decap, _ = strconv.Atoi(decap)

	svcIdx := map[portKey]int{}
	svcSeen := map[portKey]int{} // inputs that have the service
	alertIdx := map[portKey]int{}
	for _, r := range reports {
		for _, s := range r.Sources {
			s.LinkTypes = append([]vocab.LinkType{}, s.LinkTypes...)
			m.Sources = append(m.Sources, s)
		}
		if !r.First.IsZero() {
			if m.First.IsZero() || r.First.Compare(m.First) < 0 {
				m.First = r.First
			}
			if m.Last.IsZero() || r.Last.Compare(m.Last) > 0 {
				m.Last = r.Last
			}
		}
		m.Frames += r.Frames
		m.Bytes += r.Bytes
		m.CapturedBytes += r.CapturedBytes
		m.Short += r.Short
		m.DecodePanics += r.DecodePanics
		m.HostsUntracked += r.HostsUntracked
		for k := range vocab.NumBuckets {
			m.Buckets[k].Add(r.Buckets[k])
		}
		m.Fragments.Attributed.Add(r.Fragments.Attributed)
		m.Fragments.Unattributed.Add(r.Fragments.Unattributed)
		m.Fragments.Untracked += r.Fragments.Untracked
		m.LinkTypes = addTypes(m.LinkTypes, r.LinkTypes)
		m.NonIP = addTypes(m.NonIP, r.NonIP)
		m.Tunnels = addTunnels(m.Tunnels, r.Tunnels)
		m.OtherIP = addTypes(m.OtherIP, r.OtherIP)

		for _, s := range r.Services {
			k := portKey{s.Proto, s.Port}
			svcSeen[k]++
			j, ok := svcIdx[k]
			if !ok {
				svcIdx[k] = len(m.Services)
				m.Services = append(m.Services, s)
				continue
			}
			d := &m.Services[j]
			d.Packets += s.Packets
			d.Bytes += s.Bytes
			d.Flows += s.Flows
			d.Fragments += s.Fragments
			d.FragmentBytes += s.FragmentBytes
			d.ToServer.Packets += s.ToServer.Packets
			d.ToServer.Bytes += s.ToServer.Bytes
			d.ToClient.Packets += s.ToClient.Packets
			d.ToClient.Bytes += s.ToClient.Bytes
			d.Clients += s.Clients
			d.Servers += s.Servers
			d.HostsUpperBound = d.HostsUpperBound || s.HostsUpperBound
		}
		e := &m.Ephemeral
		e.Packets += r.Ephemeral.Packets
		e.Bytes += r.Ephemeral.Bytes
		e.Flows += r.Ephemeral.Flows
		e.Fragments += r.Ephemeral.Fragments
		e.FragmentBytes += r.Ephemeral.FragmentBytes

		for _, a := range r.Alerts {
			k := portKey{a.Proto, a.Port}
			j, ok := alertIdx[k]
			if !ok {
				alertIdx[k] = len(m.Alerts)
				a.Hosts = append([]string{}, a.Hosts...)
				m.Alerts = append(m.Alerts, a)
				continue
			}
			d := &m.Alerts[j]
			d.Packets += a.Packets
			d.Flows += a.Flows
			for _, h := range a.Hosts {
				if !slices.Contains(d.Hosts, h) {
					d.Hosts = append(d.Hosts, h)
				}
			}
		}

		if r.Capture != nil {
			m.Capture = mergeCapture(m.Capture, r.Capture)
		}

		m.Flows.Total += r.Flows.Total
		m.Flows.Evicted += r.Flows.Evicted
		m.Flows.Expired += r.Flows.Expired
		for k, n := range r.Flows.ByReason {
			m.Flows.ByReason[k] += n
		}
	}
	for k, j := range svcIdx {
		if svcSeen[k] > 1 {
			m.Services[j].HostsUpperBound = true
		}
	}
	SortServices(m.Services, "bytes")
	for i := range m.Alerts {
		a := &m.Alerts[i]
		slices.SortFunc(a.Hosts, compareHosts)
		if len(a.Hosts) > MaxAlertHosts {
			a.Hosts = a.Hosts[:MaxAlertHosts]
		}
	}
	slices.SortFunc(m.Alerts, func(a, b Alert) int {
		return cmp.Or(cmp.Compare(b.Packets, a.Packets), CompareProto(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
	})
	return m, nil
}

// setting returns the value of a setting all reports must share; with
// Force, the distinct values joined by " | ".
func (o MergeOptions) setting(reports []*Report, field string, get func(*Report) string) (string, error) {
	vals := []string{get(reports[0])}
	for j, r := range reports[1:] {
		v := get(r)
		if slices.Contains(vals, v) {
			continue
		}
		if !o.Force {
			return "", &IncompatibleError{I: 0, J: j + 1, Field: field, A: vals[0], B: v}
		}
		vals = append(vals, v)
	}
	return strings.Join(vals, " | "), nil
}

// addTunnels adds the tunnel counts of src to dst by type.
func addTunnels(dst, src []TunnelCount) []TunnelCount {
	for _, s := range src {
		i := slices.IndexFunc(dst, func(d TunnelCount) bool { return d.Type == s.Type })
		if i < 0 {
			dst = append(dst, s)
			continue
		}
		d := &dst[i]
		d.Frames += s.Frames
		d.Bytes += s.Bytes
		d.Decapsulated += s.Decapsulated
		d.InnerDamaged += s.InnerDamaged
		d.TooDeep += s.TooDeep
	}
	SortTunnels(dst)
	return dst
}

// addTypes adds the counts of src to dst by type, keeping dst sorted as
// Tracker.Report sorts it: most frames first, then by type.
func addTypes(dst, src []TypeCount) []TypeCount {
	for _, s := range src {
		i := slices.IndexFunc(dst, func(d TypeCount) bool { return d.Type == s.Type })
		if i < 0 {
			dst = append(dst, s)
			continue
		}
		dst[i].Frames += s.Frames
		dst[i].Bytes += s.Bytes
	}
	slices.SortFunc(dst, func(a, b TypeCount) int {
		return cmp.Or(cmp.Compare(b.Frames, a.Frames), cmp.Compare(a.Type, b.Type))
	})
	return dst
}

// compareHosts orders addresses as Tracker.Report does (netip order), and
// anything unparsable after them, by text.
func compareHosts(x, y string) int {
	a, errA := netip.ParseAddr(x)
	b, errB := netip.ParseAddr(y)
	switch {
	case errA == nil && errB == nil:
		return a.Compare(b)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(x, y)
}

// mergeCapture adds the live capture details of src to dst (nil: none yet):
// the kernel's counters, active flows and untracked hosts are summed (each
// sensor counts its own), the duration is the longest, the interfaces are
// listed once each, joined by " | ", and the result is final when every
// input is.
func mergeCapture(dst, src *LiveCapture) *LiveCapture {
	if dst == nil {
		c := *src
		return &c
	}
	if !slices.Contains(strings.Split(dst.Interface, " | "), src.Interface) {
		dst.Interface += " | " + src.Interface
	}
	dst.Received += src.Received
	dst.DroppedKernel += src.DroppedKernel
	dst.DroppedInterface += src.DroppedInterface
	dst.FlowsActive += src.FlowsActive
	dst.HostsUntracked += src.HostsUntracked
	dst.Seconds = max(dst.Seconds, src.Seconds)
	dst.Final = dst.Final && src.Final
	return dst
}
