package report_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/portsift/portsift/classify/pipeline"
	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
)

// Compare a fresh report with one recorded earlier (`portsift read -o json`),
// as `portsift check` does. Here the ssh flows were filtered out.
func ExampleReport_Diff() {
	expected, err := report.ReadReportFile("../../testdata/golden/eth-mixed.pcap.json")
	if err != nil {
		log.Fatal(err)
	}
	rep, err := pipeline.ReadFiles(context.Background(), []string{"../../testdata/traces/eth-mixed.pcap"},
		pipeline.Options{Filter: "not tcp port 22"})
	if err != nil {
		log.Fatal(err)
	}
	d := rep.Diff(expected, report.DiffOptions{Only: []string{"services", "settings"}})
	fmt.Println(d.Summary())
	fmt.Print(render.DiffText(d))
	// Output:
	// settings 1, services 1
	//   SECTION   ROW         FIELD      EXPECTED                  GOT              DELTA
	//   settings  -           filter     ""                        not tcp port 22
	//   services  tcp/22 ssh  (removed)  4 packets, 822 B, 1 flow  -
}

// Tolerate small changes in counts, e.g. for a capture whose retransmissions vary.
func ExampleDiffOptions_tolerance() {
	expected, err := report.ReadReportFile("../../testdata/golden/eth-mixed.pcap.json")
	if err != nil {
		log.Fatal(err)
	}
	rep, err := pipeline.ReadFiles(context.Background(), []string{"../../testdata/traces/eth-mixed.pcap"}, pipeline.Options{})
	if err != nil {
		log.Fatal(err)
	}
	rep.ServicePort(vocab.TCP, 443).Packets++ // one packet more
	tol, _ := report.ParseTolerance("5%")
	fmt.Println("exact:", rep.Diff(expected, report.DiffOptions{}).Summary())
	fmt.Println("within 5%:", rep.Diff(expected, report.DiffOptions{Tolerance: tol}).Equal())
	// Output:
	// exact: services 1
	// within 5%: true
}

// Merge reports made on different files (or machines) into one.
func ExampleMerge() {
	ctx := context.Background()
	a, err := pipeline.ReadFiles(ctx, []string{"../../testdata/traces/eth-mixed.pcap"}, pipeline.Options{})
	if err != nil {
		log.Fatal(err)
	}
	b, err := pipeline.ReadFiles(ctx, []string{"../../testdata/traces/encap.pcap"}, pipeline.Options{})
	if err != nil {
		log.Fatal(err)
	}
	m, err := report.Merge(a, b)
	if err != nil {
		log.Fatal(err)
	}
	both, err := pipeline.ReadFiles(ctx, []string{"../../testdata/traces/eth-mixed.pcap", "../../testdata/traces/encap.pcap"}, pipeline.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Frames, "frames from", len(m.Sources), "sources, as reading both:", m.Frames == both.Frames)
	https := m.Service("https", vocab.TCP)
	fmt.Printf("https: %d packets; clients %d (an upper bound: %v)\n", https.Packets, https.Clients, https.HostsUpperBound)
	// Output:
	// 179 frames from 2 sources, as reading both: true
	// https: 26 packets; clients 3 (an upper bound: true)
}

// Read a report back from JSON; reports from a newer portsift are refused.
func ExampleReadReport() {
	rep, err := pipeline.ReadFiles(context.Background(), []string{"../../testdata/traces/ipv6.pcap"}, pipeline.Options{})
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	report.WriteJSON(&buf, rep)
	back, err := report.ReadReport(&buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(back.Schema, back.Frames, "frames")

	_, err = report.ReadReport(strings.NewReader(`{"schema": "portsift.report/v2"}`))
	fmt.Println(errors.Is(err, report.ErrNewerSchema), err)
	// Output:
	// portsift.report/v1 7 frames
	// true report schema portsift.report/v2 is newer than this portsift reads (portsift.report/v1); upgrade portsift
}
