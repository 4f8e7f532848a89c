package report_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/portsift/portsift/classify/internal/testread"
	"github.com/portsift/portsift/classify/pipeline"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
)

// reportLeaf is one counter (uint64) of a report, found by reflection, so that
// the tests below also cover fields added to report.Report later.
type reportLeaf struct {
	path string // "Services[tcp/443].ToServer.Bytes", "Flows.ByReason[handshake]"
	get  func() uint64
	set  func(uint64)
}

// reportCounters returns every uint64 in r, keyed by a path that does not
// depend on the order of lists: services and alerts by protocol/port, type
// counts by type, maps by key, other lists by index.
func reportCounters(r *report.Report) map[string]reportLeaf {
	out := map[string]reportLeaf{}
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() { // not the inside of a Time
					walk(v.Field(i), path+"."+v.Type().Field(i).Name)
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				e := v.Index(i)
				key := fmt.Sprint(i)
				if e.Kind() == reflect.Struct {
					if p, q := e.FieldByName("Proto"), e.FieldByName("Port"); p.IsValid() && q.IsValid() {
						key = fmt.Sprintf("%v/%v", p, q)
					} else if ty := e.FieldByName("Type"); ty.IsValid() {
						key = ty.String()
					}
				}
				walk(e, fmt.Sprintf("%s[%s]", path, key))
			}
		case reflect.Array: // Buckets, by bucket name
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), fmt.Sprintf("%s[%s]", path, vocab.Bucket(i)))
			}
		case reflect.Map:
			if v.Type().Elem().Kind() != reflect.Uint64 {
				panic("counters: a map of " + v.Type().Elem().String() + " at " + path + ": teach the walk")
			}
			for _, k := range v.MapKeys() {
				k := k
				out[fmt.Sprintf("%s[%v]", path, k)] = reportLeaf{
					path: fmt.Sprintf("%s[%v]", path, k),
					get:  func() uint64 { return v.MapIndex(k).Uint() },
					set:  func(n uint64) { v.SetMapIndex(k, reflect.ValueOf(n)) },
				}
			}
		case reflect.Uint64:
			p := strings.TrimPrefix(path, ".")
			out[p] = reportLeaf{path: p, get: v.Uint, set: v.SetUint}
		}
	}
	walk(reflect.ValueOf(r).Elem(), "")
	return out
}

// apiFullReport returns a report of eth-mixed with every list and pointer
// filled and every counter set to a distinct value.
func apiFullReport(t *testing.T) *report.Report {
	t.Helper()
	r := testread.Read(t, pipeline.Options{}, testread.Mixed())
	r.Capture = &report.LiveCapture{Interface: "eth0", Seconds: 10, Final: true}
	if len(r.Alerts) == 0 || len(r.NonIP) == 0 || len(r.OtherIP) == 0 || len(r.Flows.ByReason) == 0 {
		t.Fatal("eth-mixed lacks alerts, non-ip, other-ip or reasons")
	}
	n := uint64(100)
	for _, l := range reportCounters(r) {
		n += 7
		l.set(n)
	}
	return r
}

// notSummed are counters report.Merge does not add up, with the reason.
var notSummed = map[string]string{
	"Sources": "sources are concatenated, each keeps its own frames",
}

// TestMergeSumsEveryCounter merges a report with every counter set with
// itself: each counter must double. A counter added to report.Report later fails
// here until report.Merge handles it (or notSummed says why not).
func TestMergeSumsEveryCounter(t *testing.T) {
	r := apiFullReport(t)
	m, err := report.Merge(r, r)
	if err != nil {
		t.Fatal(err)
	}
	orig, merged := reportCounters(r), reportCounters(m)
	if len(orig) < 80 {
		t.Fatalf("only %d counters found", len(orig))
	}
	for path, l := range orig {
		if _, skip := notSummed[strings.SplitN(path, "[", 2)[0]]; skip {
			continue
		}
		ml, ok := merged[path]
		switch {
		case !ok:
			t.Errorf("Merge(r, r) lost %s", path)
		case ml.get() != 2*l.get():
			t.Errorf("Merge(r, r).%s = %d, want %d: a counter report.Merge does not sum (a new field? add it to merge.go, or to notSummed with the reason)", path, ml.get(), 2*l.get())
		}
	}
	if len(m.Sources) != 2*len(r.Sources) {
		t.Errorf("Merge(r, r): %d sources, want %d", len(m.Sources), 2*len(r.Sources))
	}
	for _, s := range m.Services {
		if !s.HostsUpperBound {
			t.Errorf("Merge(r, r): service %s/%d not marked as an upper bound", s.Proto, s.Port)
		}
	}
	if c := m.Capture; c.Interface != "eth0" || c.Seconds != 10 || !c.Final {
		t.Errorf("Merge(r, r).Capture = %+v", c)
	}
}

// notCompared are counters report.Diff ignores, with the reason (see report.DiffSections).
var notCompared = map[string]string{
	"Sources": "file names and sizes differ when the same trace is read from elsewhere",
	"Capture": "live capture details depend on the machine and the wall clock",
}

// TestDiffComparesEveryCounter changes each counter by one: report.Diff must see
// it, unless notCompared says why not. A counter added to report.Report later
// fails here until report.Diff compares it.
func TestDiffComparesEveryCounter(t *testing.T) {
	base := apiFullReport(t)
	for path := range reportCounters(base) {
		if _, skip := notCompared[strings.SplitN(strings.SplitN(path, "[", 2)[0], ".", 2)[0]]; skip {
			continue
		}
		got := apiClone(t, base)
		l := reportCounters(got)[path]
		l.set(l.get() + 1)
		d := got.Diff(base, report.DiffOptions{})
		if len(d.Changes) != 1 || d.Changes[0].Delta != 1 {
			t.Errorf("%s + 1: report.Diff found %d changes, want 1 with delta 1 (a new field? compare it in diff.go, or add it to notCompared with the reason):\n%s", path, len(d.Changes), d)
		}
	}
}
