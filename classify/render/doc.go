// Package render writes reports for people and spreadsheets: the table of
// `portsift read` (WriteText, fitted to a terminal's width), the CSV
// service table (WriteCSV), the live view of `portsift sniff`
// (WriteView, WriteCapture), the table of a report.Diff (WriteDiff,
// DiffText) and the per-flow log (FlowWriter, JSON lines or CSV), plus the
// number and line formatting the command shares (Count, Duration, Wrap).
//
// It reads report values only; it never counts and never parses.
package render
