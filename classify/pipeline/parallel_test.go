package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/portsift/portsift/classify/internal/linediff"
	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/classify/report"

	"github.com/portsift/portsift/capture/sharedtest"
	"github.com/portsift/portsift/classify"
)

// TestShardedReadFiles: ReadFiles with every thread setting gives the same
// report on every generated trace and tunnel trace (in both decap modes)
// and on the shared public traces when they are there.
func TestShardedReadFiles(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/traces/*.pcap")
	tunnels, _ := filepath.Glob("../../testdata/tunnels/*.pcap*")
	if len(files)+len(tunnels) < 20 {
		t.Fatalf("only %d traces", len(files)+len(tunnels))
	}
	shared := sharedtest.Traces()
	files = append(append(files, tunnels...), shared...)
	if len(shared) == 0 {
		t.Log("shared traces absent: generated traces only")
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err != nil || fi.IsDir() || filepath.Ext(f) == ".md" {
			continue
		}
		for _, decap := range []bool{false, true} {
			var want []byte
			threadsList := []int{1, 2, 3, 5}
			if raceEnabled { // 10x slower: the single, pipelined and sharded reads only
				threadsList = []int{1, 2, 3}
			}
			for _, threads := range threadsList {
				r, _ := ReadFiles(context.Background(), []string{f}, Options{Threads: threads, Options: classify.Options{Decap: decap, SettleEvery: 64}})
				if r == nil {
					t.Fatalf("%s: no report", f)
				}
				got, _ := json.Marshal(r)
				if threads == 1 {
					want = got
				} else if !bytes.Equal(got, want) {
					t.Errorf("%s (decap %v): threads=%d report differs from threads=1:\n%s", f, decap, threads, linediff.First(string(want), string(got)))
				}
			}
		}
	}
}

// TestParallelFilesSameAsSingle: several files read at once (each by its
// own goroutine) give the report, flow log and error of reading them one
// after the other: the generated traces with corrupt captures among them,
// in two orders, with every thread setting.
func TestParallelFilesSameAsSingle(t *testing.T) {
	traces, _ := filepath.Glob("../../testdata/traces/*.pcap")
	corrupt, _ := filepath.Glob("../../testdata/corrupt/*")
	if len(traces) < 10 || len(corrupt) < 5 {
		t.Fatalf("%d traces, %d corrupt captures", len(traces), len(corrupt))
	}
	var mixed []string
	for i, f := range traces {
		mixed = append(mixed, f)
		if i < len(corrupt) {
			mixed = append(mixed, corrupt[i])
		}
	}
	reversed := slices.Clone(mixed)
	slices.Reverse(reversed)
	for _, files := range [][]string{traces, mixed, reversed} {
		read := func(threads int) (string, string, string) {
			var log bytes.Buffer
			fw := render.NewFlowWriter(&log, true)
			r, err := ReadFiles(context.Background(), files, Options{Threads: threads, Options: classify.Options{SettleEvery: 100, FlowLog: func(r *report.FlowRecord) { fw.Write(r) }}})
			if r == nil {
				t.Fatalf("threads=%d: no report: %v", threads, err)
			}
			fw.Flush()
			b, _ := json.MarshalIndent(r, "", " ")
			return string(b), log.String(), fmt.Sprint(err)
		}
		wantRep, wantLog, wantErr := read(1)
		for _, threads := range []int{2, 3, 6} {
			rep, log, err := read(threads)
			if rep != wantRep {
				t.Errorf("%d files, threads=%d: report differs:\n%s", len(files), threads, linediff.First(wantRep, rep))
			}
			if log != wantLog {
				t.Errorf("%d files, threads=%d: flow log differs:\n%s", len(files), threads, linediff.First(wantLog, log))
			}
			if err != wantErr {
				t.Errorf("%d files, threads=%d: error %q, want %q", len(files), threads, err, wantErr)
			}
		}
	}
}
