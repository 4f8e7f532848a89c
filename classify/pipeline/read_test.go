package pipeline

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
)

const mixedTrace = "../../testdata/traces/eth-mixed.pcap"

func apiRead(t *testing.T, opts Options, files ...string) *report.Report {
	t.Helper()
	rep, err := ReadFiles(context.Background(), files, opts)
	if err != nil {
		t.Fatalf("ReadFiles(%q): %v", files, err)
	}
	return rep
}

func apiJSON(t *testing.T, r *report.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestReadFilesGolden checks that ReadFiles gives exactly the report of
// `portsift read -o json` (the golden files were made by the command from
// the same relative path, from a directory one below the top, so even the
// source names agree).
func TestReadFilesGolden(t *testing.T) {
	t.Chdir("..")
	for _, name := range []string{"eth-mixed.pcap", "encap.pcap", "multi-if.pcapng", "sll2.pcap"} {
		got := apiJSON(t, apiRead(t, Options{}, "../testdata/traces/"+name))
		want, err := os.ReadFile("../testdata/golden/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("ReadFiles(%s) differs from testdata/golden/%s.json", name, name)
		}
	}
}

func TestReadFilesOptions(t *testing.T) {
	all := apiRead(t, Options{}, mixedTrace)
	rep := apiRead(t, Options{Count: 10}, mixedTrace)
	if rep.Frames != 10 {
		t.Errorf("Count 10: %d frames", rep.Frames)
	}
	rep = apiRead(t, Options{Filter: "tcp port 443"}, mixedTrace)
	if len(rep.Services) != 1 || rep.Services[0].Port != 443 || rep.Filter != "tcp port 443" {
		t.Errorf("Filter tcp port 443: filter %q, services %+v", rep.Filter, rep.Services)
	}
	if s := rep.Sources[0]; s.Filtered+rep.Frames != all.Frames {
		t.Errorf("Filter: %d filtered + %d counted, want %d frames", s.Filtered, rep.Frames, all.Frames)
	}
	data, err := os.ReadFile(mixedTrace)
	if err != nil {
		t.Fatal(err)
	}
	rep = apiRead(t, Options{Stdin: bytes.NewReader(data)}, "-", mixedTrace)
	if rep.Frames != 2*all.Frames || rep.Sources[0].Name != "-" {
		t.Errorf("stdin and file: %d frames, first source %q; want %d, -", rep.Frames, rep.Sources[0].Name, 2*all.Frames)
	}
	var logged uint64
	started := 0
	rep = apiRead(t, Options{
		Options: classify.Options{FlowLog: func(*report.FlowRecord) { logged++ }},
		Started: func(p Progress) error {
			started++
			if _, total := p.Progress(); total != int64(len(data)) {
				t.Errorf("Started: total %d bytes, want %d", total, len(data))
			}
			return nil
		},
	}, mixedTrace)
	if started != 1 || logged != rep.Flows.Total {
		t.Errorf("Started called %d times (want 1), %d flows logged (want %d)", started, logged, rep.Flows.Total)
	}
}

func TestReadFrom(t *testing.T) {
	data, err := os.ReadFile(mixedTrace)
	if err != nil {
		t.Fatal(err)
	}
	file := apiRead(t, Options{}, mixedTrace)
	rep, err := ReadFrom(context.Background(), "embedded/mixed", bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sources[0].Name != "embedded/mixed" {
		t.Errorf("ReadFrom: source name %q", rep.Sources[0].Name)
	}
	if d := rep.Diff(file, report.DiffOptions{}); !d.Equal() {
		t.Errorf("ReadFrom differs from ReadFiles:\n%s", d)
	}

	cut, err := os.ReadFile("../../testdata/corrupt/record-cut.pcap")
	if err != nil {
		t.Fatal(err)
	}
	rep, err = ReadFrom(context.Background(), "cut.pcap", bytes.NewReader(cut), Options{})
	if rep == nil || rep.Frames != 5 {
		t.Fatalf("ReadFrom(cut.pcap): report %v, want the 5 frames before the cut", rep)
	}
	if err == nil || !strings.Contains(err.Error(), `"cut.pcap"`) || strings.Contains(err.Error(), `"-"`) || !errors.Is(err, capture.ErrTruncated) {
		t.Errorf("ReadFrom(cut.pcap): error %v, want one naming cut.pcap, wrapping capture.ErrTruncated", err)
	}
	if e := rep.Sources[0].Error; !strings.Contains(e, `"cut.pcap"`) {
		t.Errorf("ReadFrom(cut.pcap): source error %q does not name cut.pcap", e)
	}
}

func TestReadFilesErrors(t *testing.T) {
	ctx := context.Background()
	rep, err := ReadFiles(ctx, []string{"no/such.pcap"}, Options{})
	if rep != nil || err == nil || !strings.Contains(err.Error(), "no/such.pcap") {
		t.Errorf("missing file: report %v, error %v", rep, err)
	}
	rep, err = ReadFiles(ctx, nil, Options{})
	if rep != nil || err == nil {
		t.Errorf("no files: report %v, error %v", rep, err)
	}
	rep, err = ReadFiles(ctx, []string{mixedTrace}, Options{Filter: "tcp prot 80"})
	if rep != nil || !errors.Is(err, ErrBadFilter) {
		t.Errorf("bad filter: report %v, error %v; want nil and ErrBadFilter", rep, err)
	}
	stop := errors.New("stop")
	rep, err = ReadFiles(ctx, []string{mixedTrace}, Options{Started: func(Progress) error { return stop }})
	if rep != nil || err != stop {
		t.Errorf("Started fails: report %v, error %v", rep, err)
	}
	rep, err = ReadFiles(ctx, []string{mixedTrace, "../../testdata/corrupt/record-cut.pcap", "../../testdata/corrupt/not-a-capture.txt"}, Options{})
	if rep == nil || err == nil {
		t.Fatalf("corrupt files: report %v, error %v", rep, err)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 2 || !strings.Contains(lines[0], "record-cut.pcap") || !strings.Contains(lines[1], "not-a-capture.txt") {
		t.Errorf("corrupt files: error %q, want one line per file", err)
	}
	if rep.Sources[0].Error != "" || rep.Sources[1].Error == "" || rep.Sources[2].Error == "" {
		t.Errorf("corrupt files: source errors %q, %q, %q", rep.Sources[0].Error, rep.Sources[1].Error, rep.Sources[2].Error)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	rep, err = ReadFiles(cctx, []string{mixedTrace}, Options{})
	if rep == nil || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: report %v, error %v; want a report and context.Canceled", rep, err)
	}
}

func TestReportLookups(t *testing.T) {
	rep := apiRead(t, Options{}, mixedTrace)
	if s := rep.Service("https", vocab.TCP); s == nil || s.Port != 443 || s.Packets == 0 {
		t.Errorf(`report.Service("https", vocab.TCP) = %+v`, s)
	}
	if s := rep.Service("domain", 0); s == nil || s.Proto != vocab.UDP || s.Port != 53 {
		t.Errorf(`report.Service("domain", 0) = %+v`, s)
	}
	if s := rep.Service("https", vocab.SCTP); s != nil {
		t.Errorf(`report.Service("https", vocab.SCTP) = %+v, want nil`, s)
	}
	if s := rep.ServicePort(vocab.TCP, 443); s == nil || s.Name != "https" {
		t.Errorf(`ServicePort("tcp", 443) = %+v`, s)
	}
	if s := rep.ServicePort(vocab.UDP, 443); s != nil {
		t.Errorf(`ServicePort("udp", 443) = %+v, want nil`, s)
	}
	if a := rep.Alert(vocab.TCP, 31337); a == nil || a.Risk != registry.RiskAlert || len(a.Hosts) == 0 {
		t.Errorf(`report.Alert(vocab.TCP, 31337) = %+v`, a)
	}
	if a := rep.Alert(vocab.TCP, 443); a != nil {
		t.Errorf(`report.Alert(vocab.TCP, 443) = %+v, want nil`, a)
	}
}

// TestReadFilesLinkTypesAndTimes: link types above 255 are reported by
// their number, in the source's link types, per-frame counts and non_ip
// (never linktype-65535, never folded to 8 bits), for pcap and pcapng
// alike; a pcapng timestamp beyond the report's years is clamped and
// counted in the source, and the table says so.
func TestReadFilesLinkTypesAndTimes(t *testing.T) {
	for _, tt := range []struct {
		file     string
		declared []vocab.LinkType
		counts   []report.TypeCount // link_types
		nonIP    []report.TypeCount
	}{
		{"linktype-284.pcap", []vocab.LinkType{284}, []report.TypeCount{{Type: "linktype-284", Frames: 3}}, []report.TypeCount{{Type: "linktype-284", Frames: 3, Bytes: 208}}},
		{"linktype-284.pcapng", []vocab.LinkType{284, vocab.LinkEthernet}, []report.TypeCount{{Type: "ethernet", Frames: 2}, {Type: "linktype-284", Frames: 2}}, []report.TypeCount{{Type: "linktype-284", Frames: 2, Bytes: 134}}},
	} {
		rep := apiRead(t, Options{}, "../../testdata/corrupt/"+tt.file)
		src := rep.Sources[0]
		if !slices.Equal(src.LinkTypes, tt.declared) || src.Error != "" {
			t.Errorf("%s: source link types %v, error %q; want %v", tt.file, src.LinkTypes, src.Error, tt.declared)
		}
		if !slices.Equal(rep.LinkTypes, tt.counts) || !slices.Equal(rep.NonIP, tt.nonIP) {
			t.Errorf("%s: link_types %v, non_ip %v; want %v, %v", tt.file, rep.LinkTypes, rep.NonIP, tt.counts, tt.nonIP)
		}
	}

	rep := apiRead(t, Options{}, "../../testdata/corrupt/pcapng-far-future.pcapng")
	if rep.Frames != 4 || rep.Sources[0].TimesClamped != 1 || rep.Last.String() != "2262-04-10T23:47:16Z" {
		t.Errorf("far future: %d frames, %d times clamped, last %s; want 4, 1, 2262-04-10T23:47:16Z", rep.Frames, rep.Sources[0].TimesClamped, rep.Last)
	}
	var b bytes.Buffer
	if err := render.WriteText(&b, rep, render.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "4 frames (1 timestamp out of range, clamped)") {
		t.Errorf("the table does not say a timestamp was clamped:\n%s", b.String())
	}
}
