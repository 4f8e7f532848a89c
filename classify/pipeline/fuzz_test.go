package pipeline

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
)

// FuzzReadFrom reads arbitrary bytes as a capture, all the way to a
// report.Report: capture, decode and the classify.Tracker together. Properties: no panic;
// the buckets add up to the frames and bytes; the service rows and the
// ephemeral row add up to the transport buckets, and each row's two
// directions to the row; flows add up by reason and by row; every frame
// read is counted once; attributed and unattributed fragments add up to the
// fragment bucket; the pipelined loop gives the same report as the plain
// one; an error is one line naming the input.
func FuzzReadFrom(f *testing.F) {
	for _, pattern := range []string{"../../testdata/traces/*", "../../testdata/corrupt/*", "../../testdata/tunnels/*.pcap*"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if data, err := os.ReadFile(name); err == nil && len(data) < 16<<10 {
				f.Add(data)
			}
		}
	}
	// A small registry (the embedded one's fingerprint alone costs more
	// than reading most inputs) and small tables, so that eviction, the
	// endpoint history's generations and the host bound are reached.
	var reg registry.Registry
	if _, err := reg.LoadServices(strings.NewReader(fuzzServices), "fuzz"); err != nil {
		f.Fatal(err)
	}
	// Settling every 7 frames puts settlements inside every input (the
	// sharded read must settle where the single one does).
	opts := Options{Options: classify.Options{Registry: &reg, MaxFlows: 16, MaxHosts: 16, SettleEvery: 7}}
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := opts
		opts.Threads = 1
		rep, err := ReadFrom(t.Context(), "fuzz.pcap", bytes.NewReader(data), opts)
		if rep == nil {
			t.Fatalf("no report (error %v): reading from a reader always starts", err)
		}
		if err != nil && (strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), `"fuzz.pcap"`)) {
			t.Fatalf("error is not one line naming the input: %q", err)
		}
		checkReport(t, rep)
		if rep.Sources[0].Frames != rep.Frames {
			t.Fatalf("source read %d frames, report counts %d", rep.Sources[0].Frames, rep.Frames)
		}
		var a bytes.Buffer
		report.WriteJSON(&a, rep)
		for _, threads := range []int{2, 4} { // pipelined; sharded over 3
			opts.Threads = threads
			other, err2 := ReadFrom(t.Context(), "fuzz.pcap", bytes.NewReader(data), opts)
			if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
				t.Fatalf("errors differ: --threads 1 %v, --threads %d %v", err, threads, err2)
			}
			var b bytes.Buffer
			report.WriteJSON(&b, other)
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatalf("--threads %d gives another report:\n%s\n%s", threads, a.Bytes(), b.Bytes())
			}
		}
	})
}

// fuzzServices names the ports of the generated traces' main services, and
// some alert ports.
const fuzzServices = `http 80/tcp
https 443/tcp/udp
domain 53/tcp/udp
ssh 22/tcp/sctp
ntp 123/udp
nfs 2049/tcp/udp
syslog 514/udp
vxlan 4789/udp
gtp-u 2152/udp
s1ap 36412/sctp
- 0/tcp/udp # | alert: port 0
eldim 31337/tcp # | alert: backdoor
`

// checkReport fails unless the report's counts add up.
func checkReport(t *testing.T, r *report.Report) {
	t.Helper()
	if err := r.CheckTotals(); err != nil {
		t.Error(err)
	}
	var byReason, rowFlows uint64
	for _, n := range r.Flows.ByReason {
		byReason += n
	}
	rowFlows = r.Ephemeral.Flows
	for _, s := range r.Services {
		rowFlows += s.Flows
		if s.ToServer.Packets+s.ToClient.Packets != s.Packets || s.ToServer.Bytes+s.ToClient.Bytes != s.Bytes {
			t.Fatalf("service %s/%d: directions %+v + %+v do not add up to %d packets, %d bytes", s.Proto, s.Port, s.ToServer, s.ToClient, s.Packets, s.Bytes)
		}
		if s.Flows == 0 || (r.HostsUntracked == 0 && (s.Clients == 0 || s.Servers == 0)) {
			t.Fatalf("service %s/%d with %d flows, %d clients, %d servers", s.Proto, s.Port, s.Flows, s.Clients, s.Servers)
		}
	}
	if byReason != r.Flows.Total || rowFlows != r.Flows.Total {
		t.Fatalf("flows: %d in all, %d by reason, %d by row", r.Flows.Total, byReason, rowFlows)
	}
	fr := r.Fragments
	if fr.Attributed.Frames+fr.Unattributed.Frames != r.Buckets[vocab.BucketFragment].Frames || fr.Attributed.Bytes+fr.Unattributed.Bytes != r.Buckets[vocab.BucketFragment].Bytes {
		t.Fatalf("fragments %+v do not add up to the fragment bucket %+v", fr, r.Buckets[vocab.BucketFragment])
	}
	if (r.Frames == 0) != (r.First.IsZero()) {
		t.Fatalf("%d frames, first %q", r.Frames, r.First)
	}
}

// TestHugeWireLength is the crasher FuzzReadFrom found (its input is kept
// in testdata/fuzz/FuzzReadFrom/pipelined-wire-length-over-2GiB): a pcap
// record may claim up to 4 GiB on the wire, and the pipelined loop, which
// kept the length in an int32, counted 4,110,418,647 bytes as
// 18,446,744,073,525,002,967. Both loops must count what the file says.
func TestHugeWireLength(t *testing.T) {
	var file bytes.Buffer
	le := binary.LittleEndian
	file.Write(le.AppendUint32(nil, 0xa1b2c3d4))
	file.Write([]byte{2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0}) // 2.4, snaplen 65535, Ethernet
	frame := make([]byte, 60)
	for _, wire := range []uint32{0x7fffffff, 0x80000000, 0xf4ffffff, 0xffffffff} {
		file.Write(le.AppendUint32(nil, 1767225600)) // seconds
		file.Write(le.AppendUint32(nil, 0))          // microseconds
		file.Write(le.AppendUint32(nil, 60))         // captured
		file.Write(le.AppendUint32(nil, wire))       // on the wire
		file.Write(frame)
	}
	const want = 0x7fffffff + 0x80000000 + 0xf4ffffff + 0xffffffff
	for _, threads := range []int{1, 2} {
		rep, err := ReadFrom(t.Context(), "huge-wire.pcap", bytes.NewReader(file.Bytes()), Options{Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Frames != 4 || rep.Bytes != want || rep.CapturedBytes != 240 {
			t.Errorf("Threads %d: %d frames, %d bytes (%d captured); want 4, %d (240)", threads, rep.Frames, rep.Bytes, rep.CapturedBytes, uint64(want))
		}
	}
}
