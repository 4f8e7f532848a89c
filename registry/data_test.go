package registry

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/portsift/portsift/decode/vocab"
)

// parseEmbedded parses ports.txt and fails the test on error.
func parseEmbedded(t *testing.T) parseResult {
	t.Helper()
	res, err := parseServices(strings.NewReader(portsTxt))
	if err != nil {
		t.Fatalf("parse ports.txt: %v", err)
	}
	return res
}

// TestEmbeddedData checks ports.txt itself: it parses, and has no duplicate
// (port, proto), no unknown protocol, only well-formed names, a description
// everywhere, and a note exactly where there is a risk level.
func TestEmbeddedData(t *testing.T) {
	res := parseEmbedded(t)
	if len(res.dups) != 0 {
		t.Errorf("ports.txt: duplicate (port, proto) on lines %v", res.dups)
	}
	if res.skipped != 0 {
		t.Errorf("ports.txt: %d lines with an unknown protocol", res.skipped)
	}
	if len(res.recs) < 100 {
		t.Errorf("ports.txt: %d entries, want at least 100", len(res.recs))
	}
	for _, rec := range res.recs {
		where := fmt.Sprintf("ports.txt line %d (%d/%v)", rec.line, rec.port, rec.proto)
		if rec.name != "" && !wellFormed.MatchString(rec.name) {
			t.Errorf("%s: name %q is not lower-case [a-z0-9-]", where, rec.name)
		}
		for _, a := range rec.aliases {
			if !wellFormed.MatchString(a) || a == rec.name {
				t.Errorf("%s: alias %q is malformed or repeats the name", where, a)
			}
		}
		if rec.desc == "" {
			t.Errorf("%s: no description", where)
		}
		if (rec.risk != RiskNone) != (rec.note != "") {
			t.Errorf("%s: risk %q with note %q: want both or neither", where, rec.risk, rec.note)
		}
	}
}

// TestEmbeddedRiskLines counts risk markers in the raw text, independently of
// the comment parser, and compares with Risky.
func TestEmbeddedRiskLines(t *testing.T) {
	want := 0
	for _, line := range strings.Split(portsTxt, "\n") {
		if strings.HasPrefix(line, "#") || !(strings.Contains(line, "| alert: ") || strings.Contains(line, "| note: ")) {
			continue
		}
		portProto := strings.Fields(line)[1]
		want += strings.Count(portProto, "/") // one per protocol
	}
	if got := len(Default().Risky()); got != want {
		t.Errorf("len(Default().Risky()) = %d, want %d (risk markers in ports.txt)", got, want)
	}
}

func TestRiskLevels(t *testing.T) {
	tests := []struct {
		proto vocab.Proto
		port  uint16
		want  Risk
	}{
		{vocab.TCP, 0, RiskAlert},
		{vocab.UDP, 0, RiskAlert},
		{vocab.UDP, 31337, RiskAlert},
		{vocab.TCP, 31337, RiskAlert},
		{vocab.TCP, 12345, RiskAlert},
		{vocab.TCP, 1243, RiskAlert},
		{vocab.TCP, 27374, RiskAlert},
		{vocab.TCP, 54320, RiskAlert},
		{vocab.UDP, 27444, RiskAlert},
		{vocab.TCP, 21, RiskNote},
		{vocab.TCP, 23, RiskNote},
		{vocab.TCP, 25, RiskNote},
		{vocab.TCP, 80, RiskNote},
		{vocab.TCP, 110, RiskNote},
		{vocab.TCP, 2000, RiskNote},
		{vocab.TCP, 443, RiskNone},
		{vocab.TCP, 2049, RiskNone},
		{vocab.UDP, 12345, RiskNone}, // NetBus is TCP only
	}
	r := Default()
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%v", tt.port, tt.proto), func(t *testing.T) {
			e := r.Lookup(tt.proto, tt.port)
			var got Risk
			if e != nil {
				got = e.Risk
			}
			if got != tt.want {
				t.Fatalf("Lookup(%v, %d).Risk = %q, want %q", tt.proto, tt.port, got, tt.want)
			}
			if got != RiskNone && e.Note == "" {
				t.Errorf("Lookup(%v, %d).Note is empty for risk %q", tt.proto, tt.port, got)
			}
		})
	}
}

// TestSeedFixes checks the corrections the registry-data README lists.
func TestSeedFixes(t *testing.T) {
	tests := []struct {
		proto    vocab.Proto
		port     uint16
		name     string
		descHas  string // substring of the description, "" to skip
		descNot  string // must not appear in the description or aliases
		noteHas  string
		wantRisk Risk
	}{
		{vocab.TCP, 110, "pop3", "Post Office Protocol version 3", "RPC", "", RiskNote},
		{vocab.TCP, 111, "sunrpc", "portmapper", "", "rpc.mountd", RiskNote},
		{vocab.UDP, 111, "sunrpc", "portmapper", "", "", RiskNote},
		{vocab.TCP, 109, "pop2", "version 2", "version 3", "", RiskNote},
		{vocab.TCP, 553, "pirp", "which is 683", "", "", RiskNone},
		{vocab.TCP, 683, "corba-iiop", "CORBA IIOP", "", "", RiskNote},
		{vocab.TCP, 2023, "xinuexpansion3", "Xinu expansion 3", "expansion4", "Pass Ripper", RiskAlert},
		{vocab.TCP, 1, "tcpmux", "", "", "SGI IRIX", RiskNote},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%v", tt.port, tt.proto), func(t *testing.T) {
			e := r.Lookup(tt.proto, tt.port)
			if e == nil {
				t.Fatalf("Lookup(%v, %d) = nil, want %q", tt.proto, tt.port, tt.name)
			}
			if e.Name != tt.name {
				t.Errorf("Lookup(%v, %d).Name = %q, want %q", tt.proto, tt.port, e.Name, tt.name)
			}
			if !strings.Contains(e.Description, tt.descHas) {
				t.Errorf("Lookup(%v, %d).Description = %q, want it to contain %q", tt.proto, tt.port, e.Description, tt.descHas)
			}
			if tt.descNot != "" {
				all := strings.ToLower(e.Description + " " + strings.Join(e.Aliases, " "))
				if strings.Contains(all, strings.ToLower(tt.descNot)) {
					t.Errorf("Lookup(%v, %d) = %q %v, must not mention %q", tt.proto, tt.port, e.Description, e.Aliases, tt.descNot)
				}
			}
			if !strings.Contains(e.Note, tt.noteHas) {
				t.Errorf("Lookup(%v, %d).Note = %q, want it to contain %q", tt.proto, tt.port, e.Note, tt.noteHas)
			}
			if e.Risk != tt.wantRisk {
				t.Errorf("Lookup(%v, %d).Risk = %q, want %q", tt.proto, tt.port, e.Risk, tt.wantRisk)
			}
			if e.Source != SourcePortsift {
				t.Errorf("Lookup(%v, %d).Source = %q, want %q", tt.proto, tt.port, e.Source, SourcePortsift)
			}
		})
	}
	// The seed's wrong names must lead to the right ports only.
	for _, tt := range []struct {
		query string
		want  string
	}{
		{"xinuexpansion4", "2024/tcp 2024/udp"}, // not 2023
		{"iiop", "535/tcp 535/udp"},             // IANA's own iiop; never 553
		{"corba-iiop", "683/tcp 683/udp"},
		{"pop3", "110/tcp 110/udp"}, // not 109
		{"sunrpc", "111/tcp 111/udp"},
	} {
		es, err := r.Find(tt.query)
		if err != nil {
			t.Fatalf("Find(%q): %v", tt.query, err)
		}
		if got := portProtos(es); got != tt.want {
			t.Errorf("Find(%q) = %q, want %q", tt.query, got, tt.want)
		}
	}
}

// seedPorts are the 75 distinct ports of seed-ports.txt (quick list and
// "Port:" blocks).
var seedPorts = []uint16{
	0, 1, 7, 19, 21, 22, 23, 25, 31, 42, 53, 67, 69, 79, 80, 88, 99, 102, 109, 110,
	113, 119, 135, 137, 138, 139, 143, 161, 177, 220, 389, 443, 456, 513, 544, 548,
	553, 555, 568, 569, 635, 636, 666, 993, 1001, 1011, 1024, 1025, 1033, 1080, 1170,
	1234, 1243, 1245, 1433, 1492, 1500, 1503, 1524, 1600, 1720, 1731, 1807, 1981,
	1999, 2000, 2001, 2023, 2049, 2115, 2140, 2500, 3150, 6711, 6776,
}

// seedTrojanPorts are the seed's ports whose block names a trojan, backdoor
// or worm, plus port 0 (fingerprinting): each must carry a security note.
var seedTrojanPorts = []uint16{
	0, 21, 23, 25, 31, 80, 99, 143, 456, 555, 666, 1001, 1011, 1025, 1033, 1170,
	1234, 1243, 1245, 1492, 1524, 1600, 1807, 1981, 1999, 2000, 2001, 2023, 2115,
	2140, 3150, 6711, 6776,
}

// extraPorts are the rows of backdoor-ports-extra.csv.
var extraPorts = []string{
	"12345/tcp", "12346/tcp", "20034/tcp", "31337/udp", "31337/tcp", "31338/udp",
	"54320/tcp", "54321/tcp", "54321/udp", "27374/tcp", "16959/tcp", "17300/tcp",
	"7597/tcp", "27665/tcp", "27444/udp", "31335/udp", "21544/tcp", "23476/tcp",
	"23477/tcp", "12361/tcp", "12362/tcp", "40421/tcp", "40422/tcp", "40423/tcp",
	"40426/tcp", "5554/tcp", "9996/tcp", "3127/tcp",
}

func TestSeedPortsCovered(t *testing.T) {
	if len(seedPorts) != 75 || len(extraPorts) != 28 {
		t.Fatalf("test tables: %d seed ports, %d extra rows; want 75 and 28", len(seedPorts), len(extraPorts))
	}
	r := Default()
	ours := func(port uint16) []Entry {
		var out []Entry
		for _, p := range vocab.PortProtos {
			if e := r.Lookup(p, port); e != nil && e.Source == SourcePortsift {
				out = append(out, *e)
			}
		}
		return out
	}
	for _, port := range seedPorts {
		if len(ours(port)) == 0 {
			t.Errorf("seed port %d: no entry from ports.txt", port)
		}
	}
	for _, port := range seedTrojanPorts {
		risky := false
		for _, e := range ours(port) {
			risky = risky || (e.Risk != RiskNone && e.Note != "")
		}
		if !risky {
			t.Errorf("seed port %d names a trojan or backdoor: no entry with a security note", port)
		}
	}
	for _, pp := range extraPorts {
		es, err := r.Find(pp)
		if err != nil || len(es) != 1 {
			t.Fatalf("Find(%q) = %v, %v; want one entry", pp, es, err)
		}
		e := es[0]
		if e.Risk != RiskAlert || e.Name == "" || e.Source != SourcePortsift {
			t.Errorf("Find(%q) = %q risk %q source %q; want a named alert from ports.txt", pp, e.Name, e.Risk, e.Source)
		}
	}
}

// TestOurNamesAgreeWithIANA guards against typos in ports.txt: where ports.txt
// names a port that gopacket's IANA maps name too, the names agree, except
// where preferredNames deliberately picks another IANA name.
func TestOurNamesAgreeWithIANA(t *testing.T) {
	preferred := make(map[pairKey]string)
	for _, pn := range preferredNames {
		preferred[pairKey{pn.proto, pn.port}] = pn.name
	}
	agree := 0
	for _, rec := range parseEmbedded(t).recs {
		iana := gopacketName(rec.proto, rec.port)
		if rec.name == "" || iana == "" {
			continue
		}
		want := iana
		if p, ok := preferred[pairKey{rec.proto, rec.port}]; ok {
			want = p
		}
		if rec.name != want {
			t.Errorf("ports.txt line %d: %d/%v is %q, IANA (gopacket) says %q", rec.line, rec.port, rec.proto, rec.name, want)
			continue
		}
		agree++
	}
	t.Logf("%d names in ports.txt agree with IANA's", agree)
}

func gopacketName(p vocab.Proto, port uint16) string {
	switch p {
	case vocab.TCP:
		return layers.TCPPortNames[layers.TCPPort(port)]
	case vocab.UDP:
		return layers.UDPPortNames[layers.UDPPort(port)]
	case vocab.SCTP:
		return layers.SCTPPortNames[layers.SCTPPort(port)]
	}
	return ""
}

// portProtos renders entries as "port/proto port/proto ...".
func portProtos(es []Entry) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = fmt.Sprintf("%d/%v", e.Port, e.Proto)
	}
	return strings.Join(s, " ")
}
