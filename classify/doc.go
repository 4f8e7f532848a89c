// Package classify owns what portsift counts: the flow table, the decision
// which side of a flow is the service, the per-service and per-bucket
// counters, and the Report built from them (table, JSON, CSV and the
// per-flow log).
//
// A Tracker is fed one decoded frame at a time (Observe) by a single
// goroutine; Run is the loop that reads a Source, decodes and observes, and
// RunPipelined, RunSharded, RunFiles and RunLive spread the same work over
// goroutines with settlements on the same frames, so every one gives the
// same report. A Source is anything that fills a vocab.Frame: classify
// imports neither capture nor libpcap; classify/pipeline opens the files
// and interfaces and picks the loop. Time comes from packet timestamps only, so a trace always gives the same
// report.
//
// With classify/pipeline it is portsift's Go API, the one the command uses:
// pipeline.ReadFiles (or ReadFrom, for an io.Reader) reads capture files
// into a Report, as `portsift read` does; Report.Service, ServicePort and Alerts
// look things up; Report.Diff compares two reports, as `portsift check`
// does; WriteJSON and ReadReport make the JSON round trip (schema
// portsift.report/v1, described field by field in docs/report.md); Merge
// combines reports made on other files or machines, as `portsift merge`
// does. A test in another project can pin the traffic mix of a trace:
//
//	rep, err := pipeline.ReadFiles(ctx, []string{"testdata/login.pcap"}, classify.Options{})
//	...
//	if s := rep.Service("https", "tcp"); s == nil || s.Flows != 3 { ... }
//	want, err := classify.ReadReportFile("testdata/login.report.json")
//	...
//	if d := rep.Diff(want, classify.DiffOptions{}); !d.Equal() {
//		t.Errorf("traffic changed:\n%s", d)
//	}
package classify
