package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in ../testdata/golden")

// golden compares got with ../testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (review, then go test ./cmd -run Golden -update):\n%s", name, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the first differing lines of want and got.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 20; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  - " + wl + "\n  + " + gl + "\n")
			shown++
		}
	}
	return b.String()
}

func runRead(t *testing.T, args ...string) (code int, out, errOut string) {
	t.Helper()
	ios, _, o, e := TestIO()
	code = Main(append([]string{"read", "-q"}, args...), ios)
	return code, o.String(), e.String()
}

// TestGoldenReports reads every generated trace and compares the JSON
// report with its golden file; eth-mixed also in table and CSV form, and
// with its flow log.
func TestGoldenReports(t *testing.T) {
	traces, _ := filepath.Glob("../testdata/traces/*")
	if len(traces) == 0 {
		t.Fatal("no traces in ../testdata/traces (go run ./cmd/tracegen -out testdata)")
	}
	for _, tr := range traces {
		name := filepath.Base(tr)
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runRead(t, "-o", "json", tr)
			if code != ExitOK {
				t.Fatalf("read %s: exit %d: %s", name, code, errOut)
			}
			golden(t, name+".json", []byte(out))
		})
	}
	tunnels, _ := filepath.Glob("../testdata/tunnels/*.pcap*")
	if len(tunnels) == 0 {
		t.Fatal("no traces in ../testdata/tunnels")
	}
	for _, tr := range tunnels {
		name := filepath.Base(tr)
		for _, mode := range []struct{ suffix, flag string }{{".json", "--decap=false"}, {".decap.json", "--decap"}} {
			t.Run(name+mode.suffix, func(t *testing.T) {
				code, out, errOut := runRead(t, "-o", "json", mode.flag, tr)
				if code != ExitOK {
					t.Fatalf("read %s %s: exit %d: %s", mode.flag, name, code, errOut)
				}
				golden(t, filepath.Join("tunnels", name+mode.suffix), []byte(out))
			})
		}
	}
	// The odd but readable crafted files, and one that is refused (a case
	// of issue 11: the reserved bits of a pcap link-type field), whose
	// report shows the error.
	for _, name := range append(append([]string(nil), quirkTraces...), "linktype-reserved-bits.pcap") {
		t.Run("corrupt/"+name, func(t *testing.T) {
			want := ExitOK
			if name == "linktype-reserved-bits.pcap" {
				want = ExitFailure
			}
			code, out, errOut := runRead(t, "-o", "json", filepath.Join("../testdata/corrupt", name))
			if code != want {
				t.Fatalf("read %s: exit %d, want %d: %s", name, code, want, errOut)
			}
			golden(t, filepath.Join("corrupt", name+".json"), []byte(out))
		})
	}
	mixed := "../testdata/traces/eth-mixed.pcap"
	for _, f := range []struct{ format, ext string }{{"table", "txt"}, {"csv", "csv"}} {
		code, out, errOut := runRead(t, "-o", f.format, mixed)
		if code != ExitOK {
			t.Fatalf("read -o %s: exit %d: %s", f.format, code, errOut)
		}
		golden(t, "eth-mixed.pcap."+f.ext, []byte(out))
	}
	for _, ext := range []string{"jsonl", "csv"} {
		flows := filepath.Join(t.TempDir(), "flows."+ext)
		if code, _, errOut := runRead(t, "-o", "json", "--flows", flows, mixed); code != ExitOK {
			t.Fatalf("read --flows: exit %d: %s", code, errOut)
		}
		got, err := os.ReadFile(flows)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "eth-mixed.flows."+ext, got)
	}
}
