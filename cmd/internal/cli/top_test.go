package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// manyServicesTrace is eth-mixed.pcap with copies of its ssh flow on tcp
// ports 2000 to 2119: 146 services, so that --top 3 cuts 143 of them and
// "(143 more)" is wider than every name it shows (https, imaps, nfs) and
// than "ephemeral".
func manyServicesTrace(t *testing.T) string {
	t.Helper()
	return editTrace(t, t.TempDir(), "many.pcap", func(fs []frameRec) []frameRec {
		out := fs
		for port := uint16(2000); port < 2120; port++ {
			for _, f := range fs {
				if f.inEdit {
					out = append(out, setPorts(f, 51099, port))
				}
			}
		}
		return out
	})
}

// checkTopTable checks the service table of a --top 3 report: https,
// imaps and nfs, then "(143 more)", then ephemeral, each name where the
// header has SERVICE and every line of the table as wide as the header.
func checkTopTable(t *testing.T, what, out string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "  SERVICE ") {
			start = i
			break
		}
	}
	if start < 0 || start+6 > len(lines) {
		t.Fatalf("%s: no service table:\n%s", what, out)
	}
	table := lines[start : start+6]
	for i, name := range []string{"SERVICE", "https", "imaps", "nfs", "(143 more)", "ephemeral"} {
		if !strings.HasPrefix(table[i], "  "+name+" ") || len(table[i]) != len(table[0]) {
			t.Errorf("%s: line %d of the table is %q, want %q at offset 2 and %d wide like the header\n%s",
				what, i, table[i], name, len(table[0]), out)
		}
	}
	if lines[start+6] != "" {
		t.Errorf("%s: more than 3 service rows:\n%s", what, out)
	}
}

// TestTopWideMoreLabel: read --top 3 and merge --top 3 of a report with
// 146 services print the table (they panicked with "strings: negative
// Repeat count" in render.WriteText).
func TestTopWideMoreLabel(t *testing.T) {
	trace := manyServicesTrace(t)
	code, out, errOut := runRead(t, "--top", "3", trace)
	if code != ExitOK {
		t.Fatalf("read --top 3: exit %d: %s", code, errOut)
	}
	checkTopTable(t, "read --top 3", out)

	code, js, errOut := runRead(t, "-o", "json", trace)
	if code != ExitOK {
		t.Fatalf("read -o json: exit %d: %s", code, errOut)
	}
	rep := filepath.Join(t.TempDir(), "many.json")
	if err := os.WriteFile(rep, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"merge", "--top", "3", rep}, {"merge", "--top", "3", rep, rep}} {
		ios, _, o, e := TestIO()
		if code := Main(args, ios); code != ExitOK {
			t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, e)
		}
		checkTopTable(t, fmt.Sprint(args[:len(args)-1]), o.String())
	}
}
