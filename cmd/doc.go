// Package cmd is portsift's command line: cobra commands that turn flags
// into options and call capture, decode, classify and registry. It holds no
// counting logic of its own. Main is the entry point; commands write only
// to the IOStreams they are given, so tests run them in process.
package cmd
