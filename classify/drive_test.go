package classify

import (
	"bytes"
	"context"
	"testing"

	"github.com/portsift/portsift/capture"
)

// The driver that opens files and picks threads is classify/pipeline,
// which imports this package; these tests count trace files with the
// smallest driver that does the same on one goroutine.

const mixedTrace = "../testdata/traces/eth-mixed.pcap"

// apiRead counts files as one stream (Run), with their sources in the
// report as pipeline.ReadFiles records them.
func apiRead(t *testing.T, opts Options, files ...string) *Report {
	t.Helper()
	rep, err := readFiles(files, opts)
	if rep == nil {
		t.Fatalf("read %q: %v", files, err)
	}
	return rep
}

// readFiles counts files on one goroutine; the report is nil only when they
// cannot be opened.
func readFiles(files []string, opts Options) (*Report, error) {
	rd, err := capture.Open(files, capture.Options{Filter: opts.Filter})
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	tr := NewTracker(opts)
	dec := opts.NewDecoder()
	if err := tr.Run(context.Background(), rd, dec, opts.Count); err != nil {
		return nil, err
	}
	tr.Finish()
	rep := tr.Report()
	rep.Filter, rep.DecodePanics = opts.Filter, dec.Panics
	for _, s := range rd.Sources() {
		si := SourceInfo{Name: s.Name, Format: s.Format, LinkTypes: []string{}, Frames: s.Frames, Filtered: s.Filtered, TimesClamped: s.TimesClamped}
		for _, lt := range s.LinkTypes {
			si.LinkTypes = append(si.LinkTypes, lt.String())
		}
		if s.Err != nil {
			si.Error = s.Err.Error()
		}
		rep.Sources = append(rep.Sources, si)
	}
	return rep, rd.Err()
}

func apiJSON(t *testing.T, r *Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
