// Package cli is portsift's command line: cobra commands that turn flags
// into options and call classify/pipeline (reads and live capture),
// classify (reports: diff, merge, output) and registry (ports). It holds no
// counting logic of its own. Main is the entry point, called by
// cmd/portsift, which holds main only; commands write only to the
// IOStreams they are given, so tests run them in process. The flag
// helpers the commands share are flags.go (decode, threads, counts) and
// enum.go (flags with a fixed set of values, checked when parsed and
// offered by completion); the package is internal: the Go API is classify
// and classify/pipeline.
package cli
