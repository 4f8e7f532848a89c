// Package cli is portsift's command line: cobra commands that turn flags
// into options and call classify/pipeline (reads and live capture),
// classify/report (diff, merge), classify/render (tables, CSV, flow log)
// and registry (ports). It holds no counting logic of its own. Main is the
// entry point, called by cmd/portsift, which holds main only; commands
// write only to the IOStreams they are given, so tests run them in
// process. The flag helpers the commands share (usage errors, flags
// checked when parsed, flag groups) are cmd/internal/cmdutil; the package
// is internal: the Go API is classify/pipeline, classify/report and
// classify/render.
package cli
