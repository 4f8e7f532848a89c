package pipeline_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/portsift/portsift/classify/pipeline"
	"github.com/portsift/portsift/decode/vocab"
)

// Read a capture file and look at its services and alerts, as a test in
// your own project would.
func ExampleReadFiles() {
	rep, err := pipeline.ReadFiles(context.Background(), []string{"../../testdata/traces/eth-mixed.pcap"}, pipeline.Options{})
	if err != nil {
		log.Fatal(err)
	}
	https := rep.Service("https", vocab.TCP)
	fmt.Printf("%d frames; https: %d packets, %d flows, %d bytes to the server\n",
		rep.Frames, https.Packets, https.Flows, https.ToServer.Bytes)
	fmt.Println("udp/53:", rep.ServicePort(vocab.UDP, 53).Name)
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
