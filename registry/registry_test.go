package registry

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/portsift/portsift/decode/vocab"
)

// Package-level sinks keep the compiler from dropping the work measured in
// alloc tests and benchmarks.
var (
	sinkEntry *Entry
	sinkName  string
	sinkBool  bool
)

func TestLookup(t *testing.T) {
	tests := []struct {
		proto  vocab.Proto
		port   uint16
		name   string // "" with nilOK: Lookup must return nil
		source string
	}{
		{vocab.TCP, 443, "https", SourcePortsift},
		{vocab.UDP, 53, "domain", SourcePortsift},
		{vocab.TCP, 22, "ssh", SourcePortsift},
		{vocab.TCP, 2049, "nfs", SourcePortsift},
		{vocab.TCP, 113, "auth", SourcePortsift},
		// Not in ports.txt: names from gopacket's IANA maps.
		{vocab.TCP, 3306, "mysql", SourceIANA},
		{vocab.UDP, 123, "ntp", SourceIANA},
		{vocab.UDP, 443, "https", SourceIANA},
		{vocab.SCTP, 2905, "m3ua", SourceIANA},
		{vocab.SCTP, 22, "ssh", SourceIANA},
		{vocab.TCP, 8080, "http-alt", SourceIANA},
		// Corrected by preferredNames.
		{vocab.TCP, 465, "submissions", SourceIANA},
		{vocab.UDP, 1701, "l2tp", SourceIANA},
		{vocab.UDP, 750, "kerberos-iv", SourceIANA},
		// Unnamed.
		{vocab.TCP, 60000, "", ""},
		{vocab.UDP, 6711, "", ""}, // SubSeven's 6711 is TCP only
		{vocab.SCTP, 53, "", ""},
		{vocab.Proto(1), 80, "", ""}, // ICMP has no ports
	}
	r := Default()
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%v", tt.port, tt.proto), func(t *testing.T) {
			e := r.Lookup(tt.proto, tt.port)
			if got := r.Name(tt.proto, tt.port); got != tt.name {
				t.Errorf("Name(%v, %d) = %q, want %q", tt.proto, tt.port, got, tt.name)
			}
			if tt.name == "" {
				if e != nil {
					t.Errorf("Lookup(%v, %d) = %+v, want nil", tt.proto, tt.port, *e)
				}
				return
			}
			if e == nil {
				t.Fatalf("Lookup(%v, %d) = nil, want %q", tt.proto, tt.port, tt.name)
			}
			if e.Name != tt.name || e.Proto != tt.proto || e.Port != tt.port || e.Source != tt.source {
				t.Errorf("Lookup(%v, %d) = %v/%d %q source %q, want %v/%d %q source %q",
					tt.proto, tt.port, e.Proto, e.Port, e.Name, e.Source, tt.proto, tt.port, tt.name, tt.source)
			}
		})
	}
}

// TestGopacketNames checks every IANA name gopacket knows reaches the
// registry unchanged, unless ports.txt or preferredNames sets the pair.
func TestGopacketNames(t *testing.T) {
	ours := make(map[pairKey]bool)
	for _, rec := range parseEmbedded(t).recs {
		if rec.name != "" {
			ours[pairKey{rec.proto, rec.port}] = true
		}
	}
	for _, pn := range preferredNames {
		ours[pairKey{pn.proto, pn.port}] = true
	}
	r := Default()
	checked := 0
	check := func(p vocab.Proto, port uint16, want string) {
		if ours[pairKey{p, port}] {
			return
		}
		checked++
		if got := r.Name(p, port); got != want {
			t.Errorf("Name(%v, %d) = %q, want gopacket's %q", p, port, got, want)
		}
	}
	for port, name := range layers.TCPPortNames {
		check(vocab.TCP, uint16(port), name)
	}
	for port, name := range layers.UDPPortNames {
		check(vocab.UDP, uint16(port), name)
	}
	for port, name := range layers.SCTPPortNames {
		check(vocab.SCTP, uint16(port), name)
	}
	if checked < 11000 {
		t.Errorf("checked %d gopacket names, want over 11000", checked)
	}
}

// TestPriority checks the merge: ports.txt overrides IANA's name and
// description, keeps IANA's name where it says "-", and gives the risk.
func TestPriority(t *testing.T) {
	r := Default()
	// 2049/tcp: gopacket says shilp, ports.txt and preferredNames say nfs.
	if got := r.Name(vocab.TCP, 2049); got != "nfs" {
		t.Errorf("Name(tcp, 2049) = %q, want %q", got, "nfs")
	}
	if layers.TCPPortNames[2049] != "shilp" {
		t.Logf("gopacket no longer says shilp for 2049/tcp; the check above proves less")
	}
	// 12345/tcp: IANA's name kept, risk from ports.txt, malware as alias.
	e := r.Lookup(vocab.TCP, 12345)
	if e == nil || e.Name != "italk" || e.Risk != RiskAlert || !slices.Contains(e.Aliases, "netbus") || !strings.Contains(e.Note, "NetBus") {
		t.Errorf("Lookup(tcp, 12345) = %+v, want italk, alert, alias netbus, a NetBus note", e)
	}
	// Port 0 and 1024: "-" lines, no IANA name, so unnamed but described.
	for _, port := range []uint16{0, 1024} {
		e := r.Lookup(vocab.TCP, port)
		if e == nil || e.Name != "" || e.Description == "" {
			t.Errorf("Lookup(tcp, %d) = %+v, want an unnamed entry with a description", port, e)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	r := Default()
	eph := DefaultEphemeral()
	tests := []struct {
		name string
		fn   func()
	}{
		{"Lookup", func() {
			sinkEntry = r.Lookup(vocab.TCP, 443)
			if sinkEntry == nil {
				panic("Lookup(tcp, 443) = nil")
			}
		}},
		{"LookupMiss", func() {
			sinkEntry = r.Lookup(vocab.UDP, 60001)
			if sinkEntry != nil {
				panic("Lookup(udp, 60001) != nil")
			}
		}},
		{"Name", func() {
			sinkName = r.Name(vocab.UDP, 53)
			if sinkName != "domain" {
				panic("Name(udp, 53) = " + sinkName)
			}
		}},
		{"Contains", func() {
			sinkBool = eph.Contains(40000)
			if !sinkBool {
				panic("Contains(40000) = false")
			}
		}},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(1000, tt.fn); n != 0 {
			t.Errorf("%s: %v allocs per run, want 0", tt.name, n)
		}
	}
}

func TestFind(t *testing.T) {
	tests := []struct {
		query string
		want  string // portProtos of the result
		names string // names of the result, space separated; "" to skip
	}{
		{"1243", "1243/tcp 1243/udp", "serialgateway serialgateway"},
		{"ssh", "22/tcp 22/udp 22/sctp", "ssh ssh ssh"},
		{"SSH", "22/tcp 22/udp 22/sctp", ""},
		{"ssh/tcp", "22/tcp", ""},
		{"443/udp", "443/udp", "https"},
		{" 443/TCP ", "443/tcp", "https"},
		{"http", "80/tcp 80/udp 80/sctp", "http http http"},
		{"www", "80/tcp", "http"},
		{"www-http", "80/tcp", "http"},
		{"netbus", "12345/tcp 12346/tcp", "italk netbus"},
		{"0", "0/tcp 0/udp", ""},
		{"60000", "", ""},
		{"no-such-service", "", ""},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			es, err := r.Find(tt.query)
			if err != nil {
				t.Fatalf("Find(%q): %v", tt.query, err)
			}
			if got := portProtos(es); got != tt.want {
				t.Errorf("Find(%q) = %q, want %q", tt.query, got, tt.want)
			}
			if tt.names != "" {
				names := make([]string, len(es))
				for i, e := range es {
					names[i] = e.Name
				}
				if got := strings.Join(names, " "); got != tt.names {
					t.Errorf("Find(%q) names = %q, want %q", tt.query, got, tt.names)
				}
			}
		})
	}
}

func TestFindErrors(t *testing.T) {
	tests := []struct {
		query string
		want  string
	}{
		{"443/xyz", `bad query "443/xyz": unknown protocol "xyz" (want tcp, udp or sctp)`},
		{"70000", `bad query "70000": bad port "70000"`},
		{"", `bad query "": want PORT, PORT/PROTO, NAME or NAME/PROTO`},
		{"/tcp", `bad query "/tcp": want PORT, PORT/PROTO, NAME or NAME/PROTO`},
		{"a b", `bad query "a b": want PORT, PORT/PROTO, NAME or NAME/PROTO`},
	}
	for _, tt := range tests {
		es, err := Default().Find(tt.query)
		if err == nil {
			t.Errorf("Find(%q) = %v, nil; want error %q", tt.query, es, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("Find(%q) error = %q, want %q", tt.query, err, tt.want)
		}
	}
}

func TestRisky(t *testing.T) {
	es := Default().Risky()
	if len(es) == 0 {
		t.Fatal("Risky() is empty")
	}
	if es[0].Port != 0 || es[0].Proto != vocab.TCP || es[1].Port != 0 || es[1].Proto != vocab.UDP {
		t.Errorf("Risky()[:2] = %v, want 0/tcp 0/udp", portProtos(es[:2]))
	}
	for i, e := range es {
		if e.Risk == RiskNone || e.Note == "" {
			t.Errorf("Risky()[%d] = %d/%v risk %q note %q: want a risk and a note", i, e.Port, e.Proto, e.Risk, e.Note)
		}
		if i > 0 {
			prev := es[i-1]
			if prev.Port > e.Port || (prev.Port == e.Port && prev.Proto >= e.Proto) {
				t.Errorf("Risky() not sorted: %d/%v before %d/%v", prev.Port, prev.Proto, e.Port, e.Proto)
			}
		}
	}
}

func TestCloneIsolated(t *testing.T) {
	def := Default()
	before, beforeLen := def.Fingerprint(), def.Len()
	c := def.Clone()
	if got := c.Fingerprint(); got != before {
		t.Errorf("Clone().Fingerprint() = %q, want the original's %q", got, before)
	}
	if _, err := c.LoadServices(strings.NewReader("web 80/tcp # renamed\nnew 40001/udp\n"), "t"); err != nil {
		t.Fatal(err)
	}
	if got := c.Name(vocab.TCP, 80); got != "web" {
		t.Errorf("clone: Name(tcp, 80) = %q, want %q", got, "web")
	}
	if got := def.Name(vocab.TCP, 80); got != "http" {
		t.Errorf("default after loading into a clone: Name(tcp, 80) = %q, want %q", got, "http")
	}
	if def.Lookup(vocab.UDP, 40001) != nil || def.Len() != beforeLen || def.Fingerprint() != before {
		t.Errorf("default changed after loading into a clone")
	}
	if c.Fingerprint() == before {
		t.Errorf("clone's Fingerprint did not change after a load")
	}
}

func TestFingerprint(t *testing.T) {
	fp := Default().Fingerprint()
	if len(fp) != 12 || strings.Trim(fp, "0123456789abcdef") != "" {
		t.Errorf("Fingerprint() = %q, want 12 hex digits", fp)
	}
	if again := Default().Fingerprint(); again != fp {
		t.Errorf("Fingerprint() = %q then %q, want stable", fp, again)
	}
	// Every field that matters changes it; Source does not.
	edits := map[string]string{
		"description": "ssh 22/tcp # other text",
		"risk":        "- 443/tcp # | alert: test",
		"alias":       "http 80/tcp www",
		"new port":    "x 40001/tcp",
	}
	seen := map[string]string{fp: "default"}
	for what, file := range edits {
		c := Default().Clone()
		if _, err := c.LoadServices(strings.NewReader(file), "t"); err != nil {
			t.Fatal(err)
		}
		got := c.Fingerprint()
		if prev, dup := seen[got]; dup {
			t.Errorf("Fingerprint after changing the %s = %q, same as after %s", what, got, prev)
		}
		seen[got] = what
	}
	var a, b Registry
	a.LoadServices(strings.NewReader("x 1/tcp # d"), "one")
	b.LoadServices(strings.NewReader("x 1/tcp # d"), "two")
	if a.Fingerprint() != b.Fingerprint() {
		t.Errorf("Fingerprint depends on Source: %q vs %q", a.Fingerprint(), b.Fingerprint())
	}
}

func TestZeroRegistry(t *testing.T) {
	var r Registry
	if e := r.Lookup(vocab.TCP, 22); e != nil || r.Name(vocab.TCP, 22) != "" || r.Len() != 0 || len(r.Risky()) != 0 {
		t.Errorf("zero Registry is not empty")
	}
	es, err := r.Find("ssh")
	if err != nil || len(es) != 0 {
		t.Errorf("zero Registry: Find(ssh) = %v, %v; want nothing", es, err)
	}
}

func TestRisk(t *testing.T) {
	for r, want := range map[Risk]string{RiskNone: "", RiskNote: "note", RiskAlert: "alert"} {
		if got := r.String(); got != want {
			t.Errorf("Risk(%d).String() = %q, want %q", r, got, want)
		}
	}
	// JSON round trip, the form reports use.
	type row struct {
		Proto vocab.Proto
		Risk  Risk
	}
	b, err := json.Marshal(row{vocab.UDP, RiskAlert})
	if err != nil || string(b) != `{"Proto":"udp","Risk":"alert"}` {
		t.Errorf("json.Marshal = %s, %v", b, err)
	}
	var back row
	if err := json.Unmarshal(b, &back); err != nil || back != (row{vocab.UDP, RiskAlert}) {
		t.Errorf("json.Unmarshal(%s) = %+v, %v", b, back, err)
	}
}

func BenchmarkLookup(b *testing.B) {
	r := Default()
	ports := []uint16{443, 53, 22, 60000, 31337, 8080, 0, 65535}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		sinkEntry = r.Lookup(vocab.TCP, ports[i&7])
	}
}

func BenchmarkName(b *testing.B) {
	r := Default()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sinkName = r.Name(vocab.UDP, uint16(i))
	}
}

func BenchmarkBuildDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := build(); err != nil {
			b.Fatal(err)
		}
	}
}

var update = flag.Bool("update", false, "rewrite fingerprint_default.go and table_default.go")

// TestDefaultFingerprintGolden: the precomputed fingerprint of the default
// registry is the one its sources give (after a change to ports.txt,
// preferredNames or gopacket: go test ./registry -run Golden -update, or
// make golden), and Default().Fingerprint() returns it.
func TestDefaultFingerprintGolden(t *testing.T) {
	r, err := build()
	if err != nil {
		t.Fatal(err)
	}
	got := r.fingerprint()
	if *update {
		src := fmt.Sprintf(`// Code generated by go test ./registry -run TestDefaultFingerprintGolden -update; DO NOT EDIT.

package registry

// defaultFingerprint is the Fingerprint of the default registry, computed
// from its sources (gopacket's IANA maps, preferredNames, ports.txt).
const defaultFingerprint = %q
`, got)
		if err := os.WriteFile("fingerprint_default.go", []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got != defaultFingerprint {
		t.Fatalf("the default registry's fingerprint is %s, fingerprint_default.go says %s (go test ./registry -run Golden -update)", got, defaultFingerprint)
	}
	if fp := Default().Fingerprint(); fp != got {
		t.Errorf("Default().Fingerprint() = %s, want %s", fp, got)
	}
	if fp := Default().Clone().Fingerprint(); fp != got {
		t.Errorf("a clone's computed fingerprint %s differs from the default's %s", fp, got)
	}
}
