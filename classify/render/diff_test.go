package render

import (
	"strings"
	"testing"

	"github.com/portsift/portsift/classify/report"
)

// TestDiffWidth: on a terminal narrower than the diff table, each change is
// one line "section row field: expected -> got, delta", broken to fit;
// numbers have thousands separators.
func TestDiffWidth(t *testing.T) {
	d := report.Diff{Changes: []report.Change{
		{Section: "totals", Field: "frames", Kind: report.Changed, Expected: uint64(9), Got: uint64(158), Delta: 149},
		{Section: "totals", Field: "last", Kind: report.Changed, Expected: "2026-01-01T00:00:00.008Z", Got: "2026-01-01T00:00:00.157Z"},
		{Section: "buckets", Row: "link_types[ethernet]", Field: "frames", Kind: report.Changed, Expected: uint64(1311), Got: uint64(27772), Delta: 26461},
		{Section: "services", Row: "tcp/2222", Name: "EtherNet-IP-1", Kind: report.Added, Got: report.Service{Packets: 4, Bytes: 822, Flows: 1}},
	}}
	var wide, narrow strings.Builder
	WriteDiff(&wide, d, 0)
	WriteDiff(&narrow, d, 60)
	if wide.String() != DiffText(d) || !strings.Contains(wide.String(), "+26,461 (+2,018.4%)") {
		t.Errorf("width 0 is not the table, or its numbers lack separators:\n%s", wide.String())
	}
	for _, want := range []string{
		"  totals frames: 9 -> 158, +149 (+1,655.6%)",
		"  services tcp/2222 EtherNet-IP-1 (added): 4 packets, 822 B,",
	} {
		if !strings.Contains(narrow.String(), want) {
			t.Errorf("narrow diff lacks %q:\n%s", want, narrow.String())
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(narrow.String(), "\n"), "\n") {
		if len(line) > 60 {
			t.Errorf("line of %d columns at width 60: %q", len(line), line)
		}
	}
}
