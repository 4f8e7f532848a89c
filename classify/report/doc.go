// Package report owns the report model: what portsift counted, typed
// (protocols are vocab.Proto, risks registry.Risk, timestamps Time, link
// types vocab.LinkType), with its JSON form (schema portsift.report/v1,
// described field by field in docs/report.md). WriteJSON and ReadReport
// make the round trip with the same bytes; Report.Service, ServicePort and
// Alert look rows up; Report.Diff compares two reports, as `portsift
// check` does; Merge combines reports of other files or machines, as
// `portsift merge` does; NewInterval takes the difference of two
// snapshots, as `sniff --interval` prints it; Latest hands the newest
// Snapshot of a live capture to other goroutines; FlowRecord is one ended
// flow (--flows).
//
// It imports neither the counting (classify) nor libpcap: a program that
// only reads, compares or merges reports links this package alone.
// Printing a report as a table or CSV is classify/render's job.
package report
