package report_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portsift/portsift/capture/sharedtest"
	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/classify/internal/testread"
	"github.com/portsift/portsift/classify/pipeline"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
)

// The generated traces whose flows do not meet across files. The others
// (ipv4, raw, sll, sll2, null, loop, ppp, and the .gz copies) replay the
// same few flows (same addresses, ports and timestamps) over other link
// types, so reading two of them at once joins their flows (and rule 5,
// port stability, sees one endpoint's history across files): their merge
// rightly differs from reading them together.
var disjointTraces = []string{"eth-mixed.pcap", "encap.pcap", "ipv6.pcap", "multi-if.pcapng", "ns-be.pcap"}

// TestMergeEqualsReadAll is the merge property: for random splits of a set
// of traces into consecutive parts of a random order, merging the reports
// of the parts equals the report of reading all the files at once, in
// every field, except the distinct client and server counts of services
// found in several parts: those are upper bounds (at least the true count)
// and marked so.
func TestMergeEqualsReadAll(t *testing.T) {
	t.Run("generated", func(t *testing.T) {
		var files []string
		for _, f := range disjointTraces {
			files = append(files, testread.Trace(f))
		}
		mergeProperty(t, files, pipeline.Options{}, 16)
	})
	t.Run("shared", func(t *testing.T) {
		sharedtest.Require(t, "traces")
		files := sharedtest.Traces()
		if testing.Short() {
			t.Skip("3.7 MB of traces, read 8 times; skipped with -short")
		}
		// These traces were captured years apart. Read at once, a flow of
		// one file would end by the idle timeout when the next file starts
		// later (flows.expired), where alone it ends at the end of its
		// file: the idle timeout spans files. A timeout longer than the
		// gaps keeps every flow within its file.
		mergeProperty(t, files, pipeline.Options{Options: classify.Options{IdleTimeout: 100 * 365 * 24 * time.Hour}}, 4)
	})
}

func mergeProperty(t *testing.T, files []string, opts pipeline.Options, rounds int) {
	rng := rand.New(rand.NewPCG(4, uint64(len(files))))
	memo := map[string]*report.Report{} // report.Merge does not modify its inputs (TestMergeKeepsInputs)
	read := func(files []string) *report.Report {
		t.Helper()
		key := strings.Join(files, "\x00")
		if rep := memo[key]; rep != nil {
			return rep
		}
		rep, err := testread.Files(files, opts)
		if rep == nil { // a corrupt file (sv-bug-6875-fuzz.pcap) is fine: its error is in the report
			t.Fatalf("read %q: %v", files, err)
		}
		memo[key] = rep
		return rep
	}
	for round := 0; round < rounds; round++ {
		order := slices.Clone(files)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		// Cut the order into 2..n consecutive parts.
		cuts := rng.Perm(len(order) - 1)[:1+rng.IntN(len(order)-1)]
		slices.Sort(cuts)
		var parts [][]string
		prev := 0
		for _, c := range cuts {
			parts = append(parts, order[prev:c+1])
			prev = c + 1
		}
		parts = append(parts, order[prev:])

		var reps []*report.Report
		inParts := map[svcKey]int{}
		for _, p := range parts {
			r := read(p)
			reps = append(reps, r)
			for _, s := range r.Services {
				inParts[svcKey{s.Proto, s.Port}]++
			}
		}
		merged, err := report.Merge(reps...)
		if err != nil {
			t.Fatalf("round %d: Merge: %v", round, err)
		}
		all := read(order)

		if got, want := exactJSON(t, merged), exactJSON(t, all); !bytes.Equal(got, want) {
			t.Errorf("round %d: merge of %q differs from reading them at once:\n%s", round, parts, all.Diff(merged, report.DiffOptions{}))
		}
		for _, s := range merged.Services {
			k := svcKey{s.Proto, s.Port}
			exact := all.ServicePort(s.Proto, s.Port)
			if s.HostsUpperBound != (inParts[k] > 1) {
				t.Errorf("round %d: %s: hosts_upper_bound %v, but found in %d parts", round, k, s.HostsUpperBound, inParts[k])
			}
			if s.Clients < exact.Clients || s.Servers < exact.Servers ||
				(!s.HostsUpperBound && (s.Clients != exact.Clients || s.Servers != exact.Servers)) {
				t.Errorf("round %d: %s: clients %d, servers %d; reading at once %d, %d", round, k, s.Clients, s.Servers, exact.Clients, exact.Servers)
			}
		}
	}
}

// exactJSON is r's JSON without the distinct host counts, which report.Merge can
// only bound.
func exactJSON(t *testing.T, r *report.Report) []byte {
	t.Helper()
	c := *r
	c.Services = slices.Clone(r.Services)
	for i := range c.Services {
		c.Services[i].Clients, c.Services[i].Servers, c.Services[i].HostsUpperBound = 0, 0, false
	}
	return testread.JSON(t, &c)
}

func TestMergeRefuses(t *testing.T) {
	a := testread.Read(t, pipeline.Options{}, testread.Trace("ipv6.pcap"))
	tests := []struct {
		name  string
		edit  func(*report.Report)
		field string
	}{
		{"registry", func(r *report.Report) { r.Registry.Fingerprint = "0123456789ab" }, "registry.fingerprint"},
		{"ephemeral", func(r *report.Report) { r.Registry.Ephemeral = "1025-5000" }, "registry.ephemeral"},
		{"filter", func(r *report.Report) { r.Filter = "tcp" }, "filter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := apiClone(t, a)
			tt.edit(b)
			_, err := report.Merge(a, a, b)
			var ie *report.IncompatibleError
			if !errors.Is(err, report.ErrIncompatible) || !errors.As(err, &ie) || ie.I != 0 || ie.J != 2 || ie.Field != tt.field {
				t.Fatalf("Merge: error %v (%+v); want an report.IncompatibleError for reports 0 and 2, %s", err, ie, tt.field)
			}
			m, err := report.MergeOptions{Force: true}.Merge(a, b, a)
			if err != nil {
				t.Fatalf("Merge with Force: %v", err)
			}
			if m.Frames != 3*a.Frames {
				t.Errorf("Merge with Force: %d frames, want %d", m.Frames, 3*a.Frames)
			}
			both := m.Registry.Fingerprint + " " + m.Registry.Ephemeral + " " + m.Filter
			if !strings.Contains(both, " | ") {
				t.Errorf("Merge with Force: settings %q do not list both values", both)
			}
		})
	}
	if _, err := report.Merge(); err == nil {
		t.Errorf("Merge(): no error")
	}
	if _, err := report.Merge(a, nil); err == nil {
		t.Errorf("Merge(a, nil): no error")
	}
}

func TestMergeKeepsInputs(t *testing.T) {
	a := testread.Read(t, pipeline.Options{}, testread.Mixed())
	before := testread.JSON(t, a)
	m, err := report.Merge(a)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(testread.JSON(t, m), before) {
		t.Errorf("Merge of one report differs from it:\n%s", m.Diff(a, report.DiffOptions{}))
	}
	m.Services[0].Packets++
	m.Alerts[0].Hosts[0] = "changed"
	m.Sources[0].LinkTypes[0] = vocab.LinkNFLOG
	m.Flows.ByReason["handshake"]++
	m2, _ := report.Merge(a, a)
	m2.Alerts[0].Hosts = append(m2.Alerts[0].Hosts[:0], "x")
	if !bytes.Equal(testread.JSON(t, a), before) {
		t.Errorf("changing the merged report changed its input")
	}
}

func TestMergeTimes(t *testing.T) {
	a := testread.Read(t, pipeline.Options{}, testread.Trace("ipv6.pcap"))
	b := apiClone(t, a)
	b.First, b.Last = tm(t, "2025-12-31T23:59:59Z"), tm(t, "2025-12-31T23:59:59.5Z")
	c := apiClone(t, a)
	c.First, c.Last = tm(t, "2026-01-02T00:00:00.000000001Z"), tm(t, "2026-01-02T00:00:01Z")
	empty := apiClone(t, a)
	empty.First, empty.Last = report.Time{}, report.Time{}
	m, err := report.Merge(a, b, empty, c)
	if err != nil {
		t.Fatal(err)
	}
	if m.First != b.First || m.Last != c.Last {
		t.Errorf("Merge: span %s to %s, want %s to %s", m.First, m.Last, b.First, c.Last)
	}
}

// svcKey names a service row.
type svcKey struct {
	proto vocab.Proto
	port  uint16
}

func (k svcKey) String() string { return fmt.Sprintf("%s/%d", k.proto, k.port) }

func tm(t *testing.T, s string) report.Time {
	t.Helper()
	v, err := report.ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
