package render

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/portsift/portsift/classify/internal/testread"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
)

var testWidths = []int{40, 60, 80, 100, 132, 200}

func writeText(t *testing.T, r *report.Report, o TextOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteText(&b, r, o); err != nil {
		t.Fatalf("WriteText(%+v): %v", o, err)
	}
	return b.String()
}

// TestTextWidthGolden: the rich report at widths 0 (the file and pipe
// table, whose golden was written by WriteText before it knew widths),
// 40, 80 and 132.
func TestTextWidthGolden(t *testing.T) {
	for _, w := range []int{0, 40, 80, 132} {
		got := writeText(t, richReport(), TextOptions{Sort: "bytes", Width: w})
		testread.Golden(t, filepath.Join("width", fmt.Sprintf("rich-%d.txt", w)), got)
	}
}

// TestTextWidthZeroSameBytes: with Width 0, or a width the table fits,
// WriteText writes what it wrote before widths existed; for random
// reports, the table a width does not change fits in it unchanged.
func TestTextWidthZeroSameBytes(t *testing.T) {
	want, err := os.ReadFile(testread.GoldenPath("width/rich-0.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{0, 1 << 20, widest(want)} {
		if got := writeText(t, richReport(), TextOptions{Sort: "bytes", Width: w}); got != string(want) {
			t.Errorf("Width %d: not the bytes of the table without a width:\n%s", w, lineDiff(string(want), got))
		}
	}
	rng := rand.New(rand.NewPCG(12, 2026))
	for c := range 200 {
		r := randReport(rng)
		o := TextOptions{Top: []int{0, 3, 20}[c%3], Sort: "bytes"}
		plain := writeText(t, r, o)
		o.Width = widest([]byte(plain))
		if got := writeText(t, r, o); got != plain {
			t.Fatalf("case %d: Width %d, the width of the table, changed it:\n%s", c, o.Width, lineDiff(plain, got))
		}
	}
}

// lineDiff shows the first lines where got differs from want.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i, shown := 0, 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  - %q\n  + %q\n", i+1, wl, gl)
			shown++
		}
	}
	return b.String()
}

// TestTextWidthColumns: the columns the rich report's table keeps at each
// width, in the documented order of importance: RISK, PACKETS, FLOWS, TO
// SERVER with TO CLIENT, CLIENTS, SERVERS, FRAGS; the 31-rune name is cut
// to 20 runes once the table does not fit.
func TestTextWidthColumns(t *testing.T) {
	tests := []struct {
		width int
		head  string // the header line, trailing spaces trimmed
		name  string // the long name as shown
	}{
		{40, "  SERVICE         PROTO   PORT     BYTES", "corp-billing-…"}, // names cut to fit the kept columns
		{50, "  SERVICE               PROTO   PORT     BYTES", "corp-billing-gatewa…"},
		{60, "  SERVICE               PROTO   PORT     BYTES   RISK", "corp-billing-gatewa…"},
		{64, "  SERVICE               PROTO   PORT    PACKETS     BYTES   RISK", "corp-billing-gatewa…"},
		// CLIENTS (9 columns) does not fit beside FLOWS at 80, FRAGS (8) does.
		{80, "  SERVICE               PROTO   PORT    PACKETS     BYTES   FLOWS   FRAGS   RISK", "corp-billing-gatewa…"},
		{81, "  SERVICE               PROTO   PORT    PACKETS     BYTES   FLOWS  CLIENTS   RISK", "corp-billing-gatewa…"},
		{100, "  SERVICE               PROTO   PORT    PACKETS     BYTES   FLOWS  TO SERVER  TO CLIENT   RISK", "corp-billing-gatewa…"},
		{112, "  SERVICE               PROTO   PORT    PACKETS     BYTES   FLOWS  TO SERVER  TO CLIENT  CLIENTS  SERVERS   RISK", "corp-billing-gatewa…"},
		{131, "  SERVICE               PROTO   PORT    PACKETS     BYTES   FLOWS  TO SERVER  TO CLIENT  CLIENTS  SERVERS   FRAGS   RISK", "corp-billing-gatewa…"},
		{132, "  SERVICE                           PROTO   PORT    PACKETS     BYTES   FLOWS  TO SERVER  TO CLIENT  CLIENTS  SERVERS   FRAGS   RISK", "corp-billing-gateway-v2-internal"},
	}
	for _, tt := range tests {
		out := writeText(t, richReport(), TextOptions{Sort: "bytes", Width: tt.width})
		lines := strings.Split(out, "\n")
		i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "  SERVICE ") })
		if i < 0 {
			t.Fatalf("width %d: no service table:\n%s", tt.width, out)
		}
		if got := strings.TrimRight(lines[i], " "); got != tt.head {
			t.Errorf("width %d: header\n got %q\nwant %q", tt.width, got, tt.head)
		}
		if !strings.Contains(out, "\n  "+tt.name+" ") {
			t.Errorf("width %d: no row named %q:\n%s", tt.width, tt.name, out)
		}
	}
}

// TestTextWidthProperties: for random reports (and the rich one), every
// width (down to 1 column, where even the labels are cut), --top and
// --sort: no line is wider than the width; the service
// table is exactly the one the layout rules give (checked against a model
// of the table built from the cells: which columns, which rows, names cut,
// alignment); the other lines say what they say without a width, broken
// differently.
func TestTextWidthProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2026))
	cases := 120
	if testing.Short() {
		cases = 40
	}
	reports := []*report.Report{richReport()}
	for range cases {
		r := randReport(rng)
		if rng.IntN(3) == 0 { // a long path (maybe with clamped timestamps) and a long filter
			r.Sources = append(r.Sources, report.SourceInfo{Name: "/var/tmp/" + strings.Repeat("deep/", rng.IntN(30)) + "trace.pcapng",
				Format: "pcapng", LinkTypes: []vocab.LinkType{vocab.LinkEthernet}, Frames: randCount(rng), TimesClamped: uint64(rng.IntN(3))})
			r.Filter = strings.Repeat("not port 1 and ", rng.IntN(10)) + "tcp"
		}
		reports = append(reports, r)
	}
	for c, r := range reports {
		for _, top := range []int{0, 1, 20} {
			for _, key := range []string{"bytes", "packets", "flows"} {
				plain := writeText(t, r, TextOptions{Top: top, Sort: key})
				for _, w := range append([]int{1, 9, 20, 30}, testWidths...) { // and narrower than the labels
					o := TextOptions{Top: top, Sort: key, Width: w}
					out := writeText(t, r, o)
					if err := checkFitted(out, plain, r, o); err != nil {
						t.Fatalf("report %d (%d services), %+v: %v\n%s", c, len(r.Services), o, err, out)
					}
				}
			}
		}
	}
}

// checkFitted checks WriteText(r, o) = out against the table without a
// width, plain.
func checkFitted(out, plain string, r *report.Report, o TextOptions) error {
	for i, l := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(l); n > o.Width {
			return fmt.Errorf("line %d is %d runes wide, more than %d: %q", i+1, n, o.Width, l)
		}
	}
	// Blocks: header and sources, service table, trailer, alerts.
	blocks, pblocks := strings.Split(out, "\n\n"), strings.Split(plain, "\n\n")
	if len(blocks) != len(pblocks) {
		return fmt.Errorf("%d blocks, want %d as without a width", len(blocks), len(pblocks))
	}
	if want := modelTable(r, o); blocks[1] != want {
		return fmt.Errorf("service table is not the model's:\n%s", lineDiff(want, blocks[1]))
	}
	if o.Width < 40 { // continuation lines are not indented enough to tell apart
		return nil
	}
	// The header: its words, wherever the lines break, up to the sources.
	head, phead := strings.Split(blocks[0], "\n"), strings.Split(pblocks[0], "\n")
	n := 1
	for n < len(head) && strings.HasPrefix(head[n], "   ") {
		n++
	}
	if err := sameWords(strings.Join(head[:n], " "), phead[0]); err != nil {
		return fmt.Errorf("header: %v", err)
	}
	// The sources and the filter: one entry each, maybe broken into lines
	// (the next ones indented by 4), with the words they have without a
	// width, the name maybe cut in the middle.
	var entries []string
	for _, l := range head[n:] {
		if strings.HasPrefix(l, "    ") && len(entries) > 0 {
			entries[len(entries)-1] += " " + l
		} else {
			entries = append(entries, l)
		}
	}
	if got, want := len(entries), len(phead)-1; got != want {
		return fmt.Errorf("%d source and filter entries, want %d", got, want)
	}
	for i, s := range r.Sources {
		words := strings.Fields(entries[i])
		if err := sourceName(words[0], s.Name, o.Width); err != nil {
			return err
		}
		if err := sameWords(strings.Join(words[1:], " "), strings.Join(strings.Fields(phead[1+i])[1:], " ")); err != nil {
			return fmt.Errorf("source %q: %v", s.Name, err)
		}
	}
	if r.Filter != "" {
		if err := sameWords(entries[len(entries)-1], phead[len(phead)-1]); err != nil {
			return fmt.Errorf("filter: %v", err)
		}
	}
	for i := 2; i < len(blocks); i++ {
		if err := sameWords(blocks[i], pblocks[i]); err != nil {
			return fmt.Errorf("block %d: %v", i+1, err)
		}
	}
	return nil
}

// sameWords: got has the words of want in order; a word may be cut, its
// last rune an ellipsis, when it is wider than a line.
func sameWords(got, want string) error {
	g, w := strings.Fields(got), strings.Fields(want)
	if len(g) != len(w) {
		return fmt.Errorf("%d words, want %d:\n%s\nwant\n%s", len(g), len(w), got, want)
	}
	for i := range g {
		if cut, ok := strings.CutSuffix(g[i], "…"); g[i] != w[i] && (!ok || !strings.HasPrefix(w[i], cut)) {
			return fmt.Errorf("word %d is %q, want %q", i+1, g[i], w[i])
		}
	}
	return nil
}

// sourceName: a source's name is shown whole or cut in the middle, to at
// least a third of the width, keeping more of its end than of its start.
func sourceName(got, name string, width int) error {
	if got == name {
		return nil
	}
	head, tail, cut := strings.Cut(got, "…")
	h, tl := utf8.RuneCountInString(head), utf8.RuneCountInString(tail)
	switch {
	case !cut || !strings.HasPrefix(name, head) || !strings.HasSuffix(name, tail) || h > tl:
		return fmt.Errorf("source %q shown as %q: not cut in the middle", name, got)
	case h+tl+1 >= utf8.RuneCountInString(name):
		return fmt.Errorf("source %q shown as %q: cut but not shorter", name, got)
	case h+tl+1 < width/3:
		return fmt.Errorf("source %q shown as %q: shorter than a third of the width %d", name, got, width)
	}
	return nil
}

// modelTable is the service table WriteText(r, o) must print, built from
// the cells and the layout rules, not with text/tabwriter: every column
// as wide as its widest cell, two spaces before it, right-aligned, the
// names left-aligned. Without a width, or when all of it fits, all the
// columns; otherwise SERVICE, PROTO, PORT and BYTES, names cut to 20 runes
// (or shorter so that these fit, never below the labels), then, in this
// order, each group of columns that still fits.
func modelTable(r *report.Report, o TextOptions) string {
	order := slices.Clone(r.Services)
	slices.SortFunc(order, func(a, b report.Service) int { return byTextOrder(a, b, o.Sort) })
	shown, cut := order, []report.Service(nil)
	if o.Top > 0 && len(order) > o.Top {
		shown, cut = order[:o.Top], order[o.Top:]
	}
	head := []string{"SERVICE", "PROTO", "PORT", "PACKETS", "BYTES", "FLOWS", "TO SERVER", "TO CLIENT", "CLIENTS", "SERVERS", "FRAGS", "RISK"}
	rows := [][]string{head}
	for _, s := range shown {
		name, cells := textCells(s)
		rows = append(rows, append([]string{name}, cells...))
	}
	labels := []string{"SERVICE", "ephemeral"}
	if len(cut) > 0 {
		name, cells := fmt.Sprintf("(%d more)", len(cut)), []string{"", ""}
		var p, b, f uint64
		for _, s := range cut {
			p, b, f = p+s.Packets, b+s.Bytes, f+s.Flows
		}
		cells = append(cells, commas(p), human(b), commas(f), "", "", "", "", "", "")
		rows = append(rows, append([]string{name}, cells...))
		labels = append(labels, name)
	}
	rows = append(rows, append([]string{"ephemeral"}, textEphemeral(r.Ephemeral)...))
	runes := utf8.RuneCountInString
	colW := make([]int, len(head))
	for _, row := range rows {
		for j, c := range row {
			colW[j] = max(colW[j], runes(c))
		}
	}
	labelW, nameW := 0, colW[0]
	for _, l := range labels {
		labelW = max(labelW, runes(l))
	}
	width := func(cols []int) int {
		n := nameW + 2
		for _, j := range cols {
			n += colW[j] + 2
		}
		return n
	}
	cols := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	if o.Width > 0 && width(cols) > o.Width {
		nameW = max(labelW, min(nameW, 20))
		cols = []int{1, 2, 4} // PROTO, PORT, BYTES
		if over := width(cols) - o.Width; over > 0 {
			nameW = max(labelW, nameW-over)
		}
		for _, g := range [][]int{{11}, {3}, {5}, {6, 7}, {8}, {9}, {10}} { // RISK, PACKETS, FLOWS, TO SERVER+TO CLIENT, CLIENTS, SERVERS, FRAGS
			if more := append(slices.Clone(cols), g...); width(more) <= o.Width {
				cols = more
			}
		}
		slices.Sort(cols)
	}
	var b strings.Builder
	for i, row := range rows {
		name := row[0]
		if runes(name) > nameW {
			name = string([]rune(name)[:nameW-1]) + "…"
		}
		b.WriteString("  " + name + strings.Repeat(" ", nameW-runes(name)))
		for _, j := range cols {
			b.WriteString(strings.Repeat(" ", 2+colW[j]-runes(row[j])) + row[j])
		}
		if i < len(rows)-1 {
			b.WriteByte('\n')
		}
	}
	line := b.String()
	if o.Width > 0 { // the last resort: a table that cannot fit is cut
		var c []string
		for _, l := range strings.Split(line, "\n") {
			c = append(c, cutEnd(l, o.Width))
		}
		line = strings.Join(c, "\n")
	}
	return line
}

func TestWrap(t *testing.T) {
	tests := []struct {
		s      string
		width  int
		indent int
		want   string
	}{
		{"flows:    12 (a 1, b 2)", 0, 10, "flows:    12 (a 1, b 2)"},
		{"flows:    12 (a 1, b 2)", 23, 10, "flows:    12 (a 1, b 2)"},
		{"frames:   tcp 174,216, udp 23,118, sctp 0", 30, 10, "frames:   tcp 174,216,\n          udp 23,118, sctp 0"},
		{"frames:   tcp 174,216, udp 23,118, sctp 0", 21, 10, "frames:   tcp\n          174,216,\n          udp 23,118,\n          sctp 0"},
		{"frames:   tcp 174,216, udp 23,118, sctp 0", 20, 10, "frames:   tcp\n          174,216,\n          udp\n          23,118,\n          sctp 0"},
		{"  tcp/1 x: hosts a, b", 12, 4, "  tcp/1 x:\n    hosts a,\n    b"},
		{"CLIENTS and SERVERS are upper bounds", 20, 0, "CLIENTS and SERVERS\nare upper bounds"},
		{"see /a/very/long/path/name", 12, 2, "see\n  /a/very/l…"},
		{"abcdef", 3, 0, "ab…"},
		{"abc", 1, 0, "…"},
	}
	for _, tt := range tests {
		if got := Wrap(tt.s, tt.width, tt.indent); got != tt.want {
			t.Errorf("Wrap(%q, %d, %d) =\n%s\nwant\n%s", tt.s, tt.width, tt.indent, got, tt.want)
		}
	}
}

func TestCutMiddle(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"/srv/captures/eth0-0001.pcap", 30, "/srv/captures/eth0-0001.pcap"},
		{"/srv/captures/eth0-0001.pcap", 28, "/srv/captures/eth0-0001.pcap"},
		{"/srv/captures/eth0-0001.pcap", 16, "/srv/…-0001.pcap"},
		{"/srv/captures/eth0-0001.pcap", 10, "/sr…1.pcap"},
		{"abcdef", 1, "…"},
	}
	for _, tt := range tests {
		if got := cutMiddle(tt.s, tt.n); got != tt.want || utf8.RuneCountInString(got) > tt.n {
			t.Errorf("cutMiddle(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
