package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/classify/pipeline"
)

// Read a capture file and look at its services and alerts, as a test in
// your own project would.
func ExampleReadFiles() {
	rep, err := pipeline.ReadFiles(context.Background(), []string{"../../testdata/traces/eth-mixed.pcap"}, classify.Options{})
	if err != nil {
		log.Fatal(err)
	}
	https := rep.Service("https", "tcp")
	fmt.Printf("%d frames; https: %d packets, %d flows, %d bytes to the server\n",
		rep.Frames, https.Packets, https.Flows, https.ToServer.Bytes)
	fmt.Println("udp/53:", rep.ServicePort("udp", 53).Name)
	for _, a := range rep.Alerts {
		fmt.Printf("alert %s/%d %s: %d packets, hosts %s\n", a.Proto, a.Port, a.Name, a.Packets, strings.Join(a.Hosts, " "))
	}
	// Output:
	// 158 frames; https: 22 packets, 2 flows, 1817 bytes to the server
	// udp/53: domain
	// alert tcp/31337 eldim: 5 packets, hosts 192.0.2.41 198.51.100.41
	// alert tcp/12345 italk: 2 packets, hosts 192.0.2.41 198.51.100.42
	// alert udp/0 unknown: 2 packets, hosts 192.0.2.40 198.51.100.40
	// alert tcp/1243 serialgateway: 1 packets, hosts 192.0.2.41 198.51.100.43
}

// Compare a fresh report with one recorded earlier (`portsift read -o json`),
// as `portsift check` does. Here the ssh flows were filtered out.
func ExampleReport_Diff() {
	expected, err := classify.ReadReportFile("../../testdata/golden/eth-mixed.pcap.json")
	if err != nil {
		log.Fatal(err)
	}
	rep, err := pipeline.ReadFiles(context.Background(), []string{"../../testdata/traces/eth-mixed.pcap"},
		classify.Options{Filter: "not tcp port 22"})
	if err != nil {
		log.Fatal(err)
	}
	d := rep.Diff(expected, classify.DiffOptions{Only: []string{"services", "settings"}})
	fmt.Println(d.Summary())
	fmt.Print(d)
	// Output:
	// settings 1, services 1
	//   SECTION   ROW         FIELD      EXPECTED                  GOT              DELTA
	//   settings  -           filter     ""                        not tcp port 22
	//   services  tcp/22 ssh  (removed)  4 packets, 822 B, 1 flow  -
}

// Tolerate small changes in counts, e.g. for a capture whose retransmissions vary.
func ExampleDiffOptions_tolerance() {
	expected, err := classify.ReadReportFile("../../testdata/golden/eth-mixed.pcap.json")
	if err != nil {
		log.Fatal(err)
	}
	rep, err := pipeline.ReadFiles(context.Background(), []string{"../../testdata/traces/eth-mixed.pcap"}, classify.Options{})
	if err != nil {
		log.Fatal(err)
	}
	rep.ServicePort("tcp", 443).Packets++ // one packet more
	tol, _ := classify.ParseTolerance("5%")
	fmt.Println("exact:", rep.Diff(expected, classify.DiffOptions{}).Summary())
	fmt.Println("within 5%:", rep.Diff(expected, classify.DiffOptions{Tolerance: tol}).Equal())
	// Output:
	// exact: services 1
	// within 5%: true
}

// Merge reports made on different files (or machines) into one.
func ExampleMerge() {
	ctx := context.Background()
	a, err := pipeline.ReadFiles(ctx, []string{"../../testdata/traces/eth-mixed.pcap"}, classify.Options{})
	if err != nil {
		log.Fatal(err)
	}
	b, err := pipeline.ReadFiles(ctx, []string{"../../testdata/traces/encap.pcap"}, classify.Options{})
	if err != nil {
		log.Fatal(err)
	}
	m, err := classify.Merge(a, b)
	if err != nil {
		log.Fatal(err)
	}
	both, err := pipeline.ReadFiles(ctx, []string{"../../testdata/traces/eth-mixed.pcap", "../../testdata/traces/encap.pcap"}, classify.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Frames, "frames from", len(m.Sources), "sources, as reading both:", m.Frames == both.Frames)
	https := m.Service("https", "tcp")
	fmt.Printf("https: %d packets; clients %d (an upper bound: %v)\n", https.Packets, https.Clients, https.HostsUpperBound)
	// Output:
	// 179 frames from 2 sources, as reading both: true
	// https: 26 packets; clients 3 (an upper bound: true)
}

// Read a report back from JSON; reports from a newer portsift are refused.
func ExampleReadReport() {
	rep, err := pipeline.ReadFiles(context.Background(), []string{"../../testdata/traces/ipv6.pcap"}, classify.Options{})
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	classify.WriteJSON(&buf, rep)
	back, err := classify.ReadReport(&buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(back.Schema, back.Frames, "frames")

	_, err = classify.ReadReport(strings.NewReader(`{"schema": "portsift.report/v2"}`))
	fmt.Println(errors.Is(err, classify.ErrNewerSchema), err)
	// Output:
	// portsift.report/v1 7 frames
	// true report schema portsift.report/v2 is newer than this portsift reads (portsift.report/v1); upgrade portsift
}
