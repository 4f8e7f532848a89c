// Package classify only counts: the flow table, the decision which side
// of a flow is the service, and the per-service and per-bucket counters.
// What it counts comes out as a report.Report (Tracker.Report); printing
// it is classify/render's job, comparing and merging reports
// classify/report's.
//
// A Tracker is fed one decoded frame at a time (Observe) by a single
// goroutine; Run is the loop that reads a Source, decodes and observes, and
// RunPipelined, RunSharded, RunFiles and RunLive spread the same work over
// goroutines with settlements on the same frames, so every one gives the
// same report. A Source is anything that fills a vocab.Frame: classify
// imports neither capture nor libpcap; classify/pipeline opens the files
// and interfaces and picks the loop. Time comes from packet timestamps
// only, so a trace always gives the same report.
//
// The Go API, the one the command uses, is pipeline.ReadFiles (or
// ReadFrom, for an io.Reader), which reads capture files into a
// report.Report, as `portsift read` does; the report package looks things
// up, compares and merges. A test in another project can pin the traffic
// mix of a trace:
//
//	rep, err := pipeline.ReadFiles(ctx, []string{"testdata/login.pcap"}, pipeline.Options{})
//	...
//	if s := rep.Service("https", vocab.TCP); s == nil || s.Flows != 3 { ... }
//	want, err := report.ReadReportFile("testdata/login.report.json")
//	...
//	if d := rep.Diff(want, report.DiffOptions{}); !d.Equal() {
//		t.Errorf("traffic changed:\n%s", render.DiffText(d))
//	}
package classify
