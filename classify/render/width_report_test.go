package render

import (
	"fmt"

	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
)

// richReport is a report with every line WriteText can print: three
// sources (a long path, standard input with filtered frames, a file cut
// short), a filter, 30 services (one with a 31-character name from a
// --services file), big counts, every trailer line and alerts, one with
// more hosts than the table lists. The width tests and the goldens in
// testdata/golden/width read it.
func richReport() *report.Report {
	r := &report.Report{Schema: report.Schema, Frames: 5_000_000, Bytes: 3_514_009_224, CapturedBytes: 3_400_000_000,
		First: tm("2026-01-01T23:59:58.5Z"), Last: tm("2026-01-02T00:00:03.499999Z"), Filter: "tcp or udp and not (port 22 or port 3389)"}
	r.Sources = []report.SourceInfo{
		{Name: "/srv/captures/2026/01/01/edge-router-03.example.net/eth0-0001.pcap.gz", Format: "pcap+gzip", LinkTypes: []vocab.LinkType{vocab.LinkEthernet}, Frames: 4_000_000},
		{Name: "-", Format: "pcapng", LinkTypes: []vocab.LinkType{vocab.LinkEthernet, vocab.LinkLinuxSLL}, Frames: 900_000, Filtered: 12_345},
		{Name: "capture-cut.pcap", Format: "pcap", LinkTypes: []vocab.LinkType{vocab.LinkRaw}, Frames: 100_000,
			Error: `read "capture-cut.pcap": record at byte 104857600 cut short (unexpected EOF)`},
	}
	names := []string{"https", "http", "domain", "corp-billing-gateway-v2-internal", "ssh", "mysql", "postgresql",
		"microsoft-ds", "ntp", "snmp", "unknown", "unknown", "imaps", "ldap", "kerberos", "ms-wbt-server", "nfs",
		"syslog", "http-alt", "unknown", "eldim", "smtp", "submission", "pop3", "irc", "unknown", "sip", "rtsp", "bgp", "italk"}
	for i, name := range names {
		by := uint64(1_700_000_000) >> (i / 2) / uint64(1+i%2)
		s := report.Service{Proto: []vocab.Proto{vocab.TCP, vocab.UDP, vocab.TCP}[i%3], Port: uint16(20 + 517*i), Name: name,
			Packets: by / 700, Bytes: by, Flows: by / 47_000, Fragments: uint64(i * 1234),
			ToServer: report.Direction{Packets: by / 2100, Bytes: by / 5}, ToClient: report.Direction{Packets: by / 1050, Bytes: by - by/5},
			Clients: by / 48_000, Servers: by / 300_000}
		switch name {
		case "ssh", "domain", "http", "snmp":
			s.Risk = registry.RiskNote
		case "eldim", "italk":
			s.Risk = registry.RiskAlert
		}
		r.Services = append(r.Services, s)
	}
	r.Ephemeral = report.Ephemeral{Packets: 225_664, Bytes: 156_600_000, Flows: 4_249, Fragments: 66_666}
	r.Buckets = report.Buckets{vocab.BucketTCP: {Frames: 4_583_621, Bytes: 0}, vocab.BucketUDP: {Frames: 349_713, Bytes: 0}, vocab.BucketSCTP: {Frames: 12, Bytes: 0}, vocab.BucketFragment: {Frames: 66_666, Bytes: 0},
		vocab.BucketICMP: {Frames: 1_234, Bytes: 0}, vocab.BucketOtherIP: {Frames: 56, Bytes: 0}, vocab.BucketNonIP: {Frames: 7_890, Bytes: 0}, vocab.BucketTruncated: {Frames: 3, Bytes: 0}, vocab.BucketMalformed: {Frames: 4, Bytes: 0}}
	r.Short = 17
	r.OtherIP = []report.TypeCount{{Type: "gre", Frames: 40}, {Type: "ospf", Frames: 16}}
	r.NonIP = []report.TypeCount{{Type: "arp", Frames: 7_000}, {Type: "lldp", Frames: 800}, {Type: "0x88cc", Frames: 90}}
	r.Decap = 8
	r.Tunnels = []report.TunnelCount{{Type: "vxlan", Frames: 21_000, Decapsulated: 20_990, InnerDamaged: 10},
		{Type: "geneve", Frames: 14_000, Decapsulated: 14_000}, {Type: "gre", Frames: 2_000, Decapsulated: 1_990, TooDeep: 10}}
	r.Fragments = report.Fragments{Attributed: report.Counter{Frames: 66_000, Bytes: 0}, Unattributed: report.Counter{Frames: 666, Bytes: 0}, Untracked: 12}
	r.Flows = report.FlowTotals{Total: 95_000, Evicted: 1_234, ByReason: map[string]uint64{"handshake": 64_128, "registry": 26_547,
		"well-known": 66, "non-ephemeral": 10, "lower-port": 3, "port-stability": 2, "ephemeral": 4_249}}
	r.HostsUntracked = 4_321
	r.DecodePanics = 2
	var hosts []string
	for i := range 9 {
		hosts = append(hosts, fmt.Sprintf("198.51.100.%d", 10+i))
	}
	r.Alerts = []report.Alert{
		{Proto: vocab.TCP, Port: 10360, Name: "eldim", Risk: registry.RiskAlert, Packets: 1_234, Flows: 56, Hosts: hosts,
			Note: `The traditional "elite" hacker port: many backdoors, Back Orifice variants and bind shells listen here.`},
		{Proto: vocab.TCP, Port: 15013, Name: "italk", Risk: registry.RiskAlert, Packets: 2, Flows: 1, Hosts: []string{"192.0.2.41", "198.51.100.42"},
			Note: "Default port of the NetBus remote-control trojan."},
	}
	return r
}
