package registry

// Tests against the registry sources in ../../shared/registry-data (see its
// README). Those files are not part of the repository (IANA's copies are not
// ours to commit, the others are GPL), so each test skips when they are
// absent.

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/portsift/portsift/capture/sharedtest"
	"github.com/portsift/portsift/decode/vocab"
)

// sharedFile returns the path of a file in the shared registry-data folder,
// skipping the test when it is not there.
func sharedFile(t *testing.T, name string) string {
	t.Helper()
	return sharedtest.File(t, "registry-data", name)
}

// parseFile parses a shared file with the same code LoadServices uses.
func parseFile(t *testing.T, name string) parseResult {
	t.Helper()
	f, err := os.Open(sharedFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parseAny(f)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return res
}

func countByProto(recs []record) map[vocab.Proto]int {
	n := make(map[vocab.Proto]int)
	for _, rec := range recs {
		if rec.name != "" {
			n[rec.proto]++
		}
	}
	return n
}

func TestSharedIANACSV(t *testing.T) {
	res := parseFile(t, "service-names-port-numbers.csv")
	// README: 11,606 named (port, proto) pairs, of which dccp 9. Resolving
	// duplicate names picks one name per pair and drops none.
	got := countByProto(res.recs)
	want := map[vocab.Proto]int{vocab.TCP: 5952, vocab.UDP: 5557, vocab.SCTP: 88}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("IANA CSV: %d named %v pairs, want %d", got[p], p, w)
		}
	}
	if len(res.recs) != 5952+5557+88 {
		t.Errorf("IANA CSV: %d pairs, want %d", len(res.recs), 5952+5557+88)
	}
	// 14,500 records: 11,708 carry a name, a port and a protocol; 9 of those
	// are dccp. Everything else is skipped.
	if res.skipped != 14500-11708+9 {
		t.Errorf("IANA CSV: skipped %d rows, want %d", res.skipped, 14500-11708+9)
	}

	var r Registry
	f, err := os.Open(sharedFile(t, "service-names-port-numbers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := r.LoadServices(f, "iana.csv")
	if err != nil {
		t.Fatal(err)
	}
	if n != 5952+5557+88 || r.Len() != n {
		t.Errorf("LoadServices(IANA CSV) into an empty registry = %d (Len %d), want %d", n, r.Len(), 5952+5557+88)
	}
	tests := []struct {
		proto vocab.Proto
		port  uint16
		name  string
		why   string
	}{
		{vocab.TCP, 80, "http", "www and www-http are duplicate rows"},
		{vocab.TCP, 2049, "nfs", "shilp is listed first but has no description"},
		{vocab.UDP, 2049, "nfs", "same"},
		// ident is listed first, but its row has no description, so rule 2
		// picks auth ("Authentication Service"); /etc/services agrees.
		{vocab.TCP, 113, "auth", "ident has no description"},
		{vocab.TCP, 465, "submissions", "tie with urd, settled by preferredNames"},
		{vocab.UDP, 1701, "l2tp", "tie with l2f, settled by preferredNames"},
		{vocab.TCP, 631, "ipp", "tie with ipps: first in IANA order"},
		{vocab.UDP, 3478, "stun", "tie with turn and stun-behavior: first"},
		{vocab.TCP, 20034, "nburn-id", "nburn_id is not well formed"},
		{vocab.TCP, 6000, "x11", "from the range 6000-6063"},
		{vocab.TCP, 6063, "x11", "end of the range"},
		{vocab.TCP, 22, "ssh", ""},
		{vocab.SCTP, 2905, "m3ua", ""},
		{vocab.TCP, 31337, "eldim", ""},
		{vocab.TCP, 0, "", "port 0 is reserved, unnamed"},
		{vocab.TCP, 49152, "", "no IANA name in 49152-65535"},
	}
	for _, tt := range tests {
		if got := r.Name(tt.proto, tt.port); got != tt.name {
			t.Errorf("IANA CSV: Name(%v, %d) = %q, want %q (%s)", tt.proto, tt.port, got, tt.name, tt.why)
		}
	}
	if e := r.Lookup(vocab.TCP, 80); e == nil || e.Description != "World Wide Web HTTP" {
		t.Errorf("IANA CSV: Lookup(tcp, 80) = %+v, want description %q", e, "World Wide Web HTTP")
	}

	// Over the default registry: names follow the file, risks stay ours.
	c := Default().Clone()
	if err := c.LoadServicesFile(sharedFile(t, "service-names-port-numbers.csv")); err != nil {
		t.Fatal(err)
	}
	e := c.Lookup(vocab.TCP, 12345)
	if e == nil || e.Name != "italk" || e.Risk != RiskAlert || !strings.HasSuffix(e.Source, "service-names-port-numbers.csv") {
		t.Errorf("default + IANA CSV: Lookup(tcp, 12345) = %+v, want italk, still alert, source the CSV", e)
	}
}

func TestSharedEtcServices(t *testing.T) {
	res := parseFile(t, "etc-services.netbase-6.4")
	got := countByProto(res.recs)
	want := map[vocab.Proto]int{vocab.TCP: 218, vocab.UDP: 95, vocab.SCTP: 1} // 318 pairs minus 4 ddp
	for p, w := range want {
		if got[p] != w {
			t.Errorf("/etc/services: %d %v pairs, want %d", got[p], p, w)
		}
	}
	if res.skipped != 4 || len(res.dups) != 0 {
		t.Errorf("/etc/services: skipped %d lines, %d duplicates; want 4 ddp lines, none", res.skipped, len(res.dups))
	}
	var r Registry
	if err := r.LoadServicesFile(sharedFile(t, "etc-services.netbase-6.4")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		proto   vocab.Proto
		port    uint16
		name    string
		aliases string
	}{
		{vocab.TCP, 22, "ssh", ""},
		{vocab.TCP, 25, "smtp", "mail"},
		{vocab.UDP, 9, "discard", "sink null"},
		{vocab.TCP, 113, "auth", "authentication tap ident"},
		{vocab.UDP, 21, "fsp", "fspd"},
		{vocab.TCP, 1, "tcpmux", ""},
	}
	for _, tt := range tests {
		e := r.Lookup(tt.proto, tt.port)
		if e == nil || e.Name != tt.name || strings.Join(e.Aliases, " ") != tt.aliases {
			t.Errorf("/etc/services: Lookup(%v, %d) = %+v, want %q aliases %q", tt.proto, tt.port, e, tt.name, tt.aliases)
		}
	}
	if e := r.Lookup(vocab.TCP, 22); e == nil || e.Description != "SSH Remote Login Protocol" {
		t.Errorf("/etc/services: Lookup(tcp, 22).Description = %+v, want the comment", e)
	}
}

// ianaRows reads IANA's CSV independently of the loader: per (port, proto),
// every name in IANA order and the latest modification date of its rows.
func ianaRows(t *testing.T) (names map[pairKey][]string, modified map[pairKey]string) {
	t.Helper()
	f, err := os.Open(sharedFile(t, "service-names-port-numbers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	names, modified = make(map[pairKey][]string), make(map[pairKey]string)
	for first := true; ; first = false {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if first || row[0] == "" || row[1] == "" {
			continue
		}
		p, err := vocab.ParsePortProto(row[2])
		if err != nil {
			continue
		}
		var lo, hi int
		if _, err := fmt.Sscanf(row[1], "%d-%d", &lo, &hi); err != nil {
			hi = lo
		}
		for port := lo; port <= hi; port++ {
			k := pairKey{p, uint16(port)}
			names[k] = append(names[k], row[0])
			modified[k] = max(modified[k], row[7])
		}
	}
	return names, modified
}

// TestSharedWiresharkCrossCheck compares the IANA CSV loader with Wireshark's
// services file (read with our /etc/services parser). Wireshark builds its
// file from an IANA CSV of 2024-08 with simpler rules: the first name listed
// for a pair wins (shilp, spr-itunes and spl-itunes excluded) and names are
// cut to 15 characters. Every disagreement must be explained by those rules
// or by an IANA row modified after Wireshark's snapshot.
func TestSharedWiresharkCrossCheck(t *testing.T) {
	ws := parseFile(t, "wireshark-services.4.0.17")
	wsName := make(map[pairKey]string, len(ws.recs))
	for _, rec := range ws.recs {
		wsName[pairKey{rec.proto, rec.port}] = rec.name
	}
	if len(wsName) != 11600-9 {
		t.Errorf("wireshark: %d tcp/udp/sctp pairs, want %d (11,600 minus 9 dccp)", len(wsName), 11600-9)
	}
	ianaNames, modified := ianaRows(t)
	const wiresharkSnapshot = "2024-08-28"
	excluded := map[string]bool{"shilp": true, "spr-itunes": true, "spl-itunes": true}
	preferred := make(map[pairKey]bool)
	for _, pn := range preferredNames {
		preferred[pairKey{pn.proto, pn.port}] = true
	}

	var (
		both, agree, single, singleAgree int
		why                              = map[string][]string{}
	)
	for _, rec := range parseFile(t, "service-names-port-numbers.csv").recs {
		k := pairKey{rec.proto, rec.port}
		theirs, ok := wsName[k]
		if !ok {
			continue
		}
		both++
		cands := ianaNames[k]
		isSingle := len(uniq(cands)) == 1 && len(rec.name) <= 15
		if isSingle {
			single++
		}
		if rec.name == theirs {
			agree++
			if isSingle {
				singleAgree++
			}
			continue
		}
		first := ""
		for _, c := range cands {
			if !excluded[c] {
				first = c
				break
			}
		}
		cut := first
		if len(cut) > 15 {
			cut = cut[:15]
		}
		example := fmt.Sprintf("%d/%v ours %q wireshark %q", k.port, k.proto, rec.name, theirs)
		switch {
		case theirs == cut && first != rec.name:
			// Our rules differ from first-name only where preferredNames
			// says so (it lists every such pair, see names.go).
			if !preferred[k] {
				example += " (not in preferredNames)"
				why["unexplained"] = append(why["unexplained"], example)
				break
			}
			why["first-name rule"] = append(why["first-name rule"], example)
		case theirs == cut:
			why["15-char cut"] = append(why["15-char cut"], example)
		case modified[k] > wiresharkSnapshot:
			why["renamed after 2024-08-28"] = append(why["renamed after 2024-08-28"], example+" (modified "+modified[k]+")")
		default:
			why["unexplained"] = append(why["unexplained"], example)
		}
	}
	t.Logf("pairs named by both: %d, same name: %d; single IANA name of <= 15 chars: %d, same name: %d", both, agree, single, singleAgree)
	reasons := make([]string, 0, len(why))
	for r := range why {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		ex := why[r]
		t.Logf("%s: %d, e.g. %s", r, len(ex), strings.Join(ex[:min(3, len(ex))], "; "))
	}
	if n := len(why["unexplained"]); n != 0 {
		t.Errorf("%d unexplained disagreements with wireshark: %s", n, strings.Join(why["unexplained"], "; "))
	}
	// Wireshark's data is 18 months older: only a handful of renames.
	if n := len(why["renamed after 2024-08-28"]); n > 20 {
		t.Errorf("%d pairs renamed since wireshark's snapshot, want at most 20", n)
	}
	if single-singleAgree > 20 || singleAgree < 11000 {
		t.Errorf("single-name pairs: %d of %d agree, want at least 11000 and at most 20 differences", singleAgree, single)
	}
	if both < 11500 {
		t.Errorf("only %d pairs named by both, want over 11500", both)
	}
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// TestSharedBackdoorExtra checks every row of backdoor-ports-extra.csv is in
// ports.txt as an alert, and that extraPorts (used when the file is absent)
// lists the same rows.
func TestSharedBackdoorExtra(t *testing.T) {
	f, err := os.Open(sharedFile(t, "backdoor-ports-extra.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var fromFile []string
	for _, row := range rows[1:] {
		fromFile = append(fromFile, row[0]+"/"+row[1])
		es, err := Default().Find(row[0] + "/" + row[1])
		if err != nil || len(es) != 1 || es[0].Risk != RiskAlert {
			t.Errorf("backdoor-ports-extra %s/%s (%s): Find = %v, %v; want one alert", row[0], row[1], row[2], es, err)
		}
	}
	sort.Strings(fromFile)
	ours := append([]string(nil), extraPorts...)
	sort.Strings(ours)
	if strings.Join(fromFile, " ") != strings.Join(ours, " ") {
		t.Errorf("extraPorts = %v, want the file's rows %v", ours, fromFile)
	}
}

// TestSharedEphemeralRanges checks the presets against
// ephemeral-port-ranges.csv.
func TestSharedEphemeralRanges(t *testing.T) {
	f, err := os.Open(sharedFile(t, "ephemeral-port-ranges.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	ranges := map[string]bool{}
	for _, row := range rows[1:] {
		ranges[row[1]+"-"+row[2]] = true
	}
	presetRanges := map[string]bool{}
	for _, p := range Presets() {
		r := fmt.Sprintf("%d-%d", p.First, p.Last)
		presetRanges[r] = true
		if !ranges[r] {
			t.Errorf("preset %s = %s, not a range of ephemeral-port-ranges.csv", p.Name, r)
		}
	}
	for r := range ranges {
		if !presetRanges[r] {
			t.Errorf("ephemeral-port-ranges.csv range %s has no preset", r)
		}
	}
}
