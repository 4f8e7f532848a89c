package render

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
)

// The service tables of WriteText and WriteView are right-aligned columns
// after a left-aligned name column. tableLayout is where the columns of one
// table are, read from its header line; render builds the line a row must
// be, so that comparing the two checks every column of every row at once.
type tableLayout struct {
	nameAt int   // offset of the names (the SERVICE column, left-aligned)
	ends   []int // offset just past each other column (right-aligned)
}

// propTextColumns and propViewColumns are the headers after SERVICE.
var (
	propTextColumns = []string{"PROTO", "PORT", "PACKETS", "BYTES", "FLOWS", "TO SERVER", "TO CLIENT", "CLIENTS", "SERVERS", "FRAGS", "RISK"}
	propViewColumns = []string{"PROTO", "PORT", "PKT/S", "BIT/S", "PACKETS", "BYTES", "FLOWS", "CLIENTS", "RISK"}
)

// parseHeader reads the layout from a header line: SERVICE, then labels.
func parseHeader(line string, labels []string) (tableLayout, error) {
	var l tableLayout
	l.nameAt = strings.Index(line, "SERVICE")
	if l.nameAt < 0 || strings.TrimLeft(line[:l.nameAt], " ") != "" {
		return l, fmt.Errorf("header %q does not start with SERVICE", line)
	}
	pos := l.nameAt + len("SERVICE")
	for _, lab := range labels {
		i := strings.Index(line[pos:], lab)
		if i < 0 {
			return l, fmt.Errorf("header %q lacks %s after offset %d", line, lab, pos)
		}
		pos += i + len(lab)
		l.ends = append(l.ends, pos)
	}
	if want, err := l.render("SERVICE", labels); err != nil || want != line {
		return l, fmt.Errorf("header %q is not its own layout (%q, %v)", line, want, err)
	}
	return l, nil
}

// render returns the line of a row: name at nameAt, each cell ending at
// its column's end, at least two spaces between cells. It fails when a
// cell does not fit its column.
func (l tableLayout) render(name string, cells []string) (string, error) {
	if len(cells) != len(l.ends) {
		return "", fmt.Errorf("%d cells for %d columns", len(cells), len(l.ends))
	}
	b := []byte(strings.Repeat(" ", l.nameAt) + name)
	for i, c := range cells {
		start := l.ends[i] - len(c)
		if c != "" && start < len(b)+2 || start < len(b) {
			return "", fmt.Errorf("cell %d %q does not fit (%q so far, column ends at %d)", i+1, c, b, l.ends[i])
		}
		b = append(b, strings.Repeat(" ", start-len(b))...)
		b = append(b, c...)
	}
	return string(b), nil
}

// cellAt is the last space-free word of line ending at end ("" when the
// column is empty there): the proto and port cells, which identify a row.
func cellAt(line string, end int) string {
	if end > len(line) {
		return ""
	}
	s := line[:end]
	return s[strings.LastIndexByte(s, ' ')+1:]
}

// serviceTable finds the table whose header matches labels in out: the
// header, the lines up to the next blank line, and the layout.
func serviceTable(out string, labels []string) (tableLayout, string, []string, error) {
	lines := strings.Split(out, "\n")
	for i, line := range lines {
		if !strings.HasPrefix(strings.TrimLeft(line, " "), "SERVICE ") || !strings.Contains(line, " "+labels[2]) {
			continue
		}
		l, err := parseHeader(line, labels)
		if err != nil {
			return l, line, nil, err
		}
		end := slices.Index(lines[i+1:], "")
		if end < 1 {
			return l, line, nil, fmt.Errorf("the table after %q has no ephemeral row or no blank line after it", line)
		}
		return l, line, lines[i+1 : i+1+end], nil
	}
	return tableLayout{}, "", nil, fmt.Errorf("no service table")
}

// tableRows checks a table's rows against its layout: service rows (proto
// and port set) identified through byKey and rendered by svc, then an
// optional "(K more)" row rendered by more(K), then the ephemeral row
// eph. It returns the services in the order shown and K (0: no row).
func tableRows[S any](l tableLayout, rows []string, byKey map[svcLabel]S, svc func(S) (string, []string),
	more func(k int) (string, []string), eph []string) ([]S, int, error) {
	if len(rows) == 0 {
		return nil, 0, fmt.Errorf("no rows")
	}
	var shown []S
	seen := map[svcLabel]bool{}
	k := 0
	for i, line := range rows {
		last := i == len(rows)-1
		proto := cellAt(line, l.ends[0])
		var name string
		var cells []string
		switch {
		case last:
			name, cells = "ephemeral", eph
		case proto == "": // the (K more) row: the one before the ephemeral row
			if i != len(rows)-2 {
				return nil, 0, fmt.Errorf("row %d %q has no proto and is not the (K more) row", i, line)
			}
			// The label is read from the line; more(k) renders it again.
			lab, _, _ := strings.Cut(line[min(l.nameAt, len(line)):], " more)")
			n, err := strconv.Atoi(strings.TrimPrefix(lab, "("))
			if err != nil || n <= 0 || !strings.HasPrefix(lab, "(") {
				return nil, 0, fmt.Errorf("row %q: want a (K more) row", line)
			}
			k = n
			name, cells = more(k)
		default:
			port, err := strconv.ParseUint(cellAt(line, l.ends[1]), 10, 16)
			p, _ := vocab.ParsePortProto(proto)
			key := svcLabel{p, uint16(port)}
			s, ok := byKey[key]
			if err != nil || !ok || seen[key] {
				return nil, 0, fmt.Errorf("row %q: not a service of the report, or shown twice", line)
			}
			seen[key] = true
			shown = append(shown, s)
			name, cells = svc(s)
		}
		want, err := l.render(name, cells)
		if err != nil {
			return nil, 0, fmt.Errorf("row %q: %v", line, err)
		}
		if line != want {
			return nil, 0, fmt.Errorf("row misaligned or wrong:\n got %q\nwant %q", line, want)
		}
	}
	return shown, k, nil
}

func textCells(s report.Service) (string, []string) {
	return s.Name, []string{s.Proto.String(), strconv.Itoa(int(s.Port)), commas(s.Packets), human(s.Bytes), commas(s.Flows),
		human(s.ToServer.Bytes), human(s.ToClient.Bytes), commas(s.Clients), commas(s.Servers), commas(s.Fragments), s.Risk.String()}
}

func textEphemeral(e report.Ephemeral) []string {
	return []string{"", "", commas(e.Packets), human(e.Bytes), commas(e.Flows), "", "", "", "", commas(e.Fragments), ""}
}

// checkText checks the service table of WriteText(r, o): as many rows as
// o.Top lets through, sorted by o.Sort, the top ones, the (K more) row with
// the sums of the cut ones exactly when some were cut, every row aligned.
func checkText(out string, r *report.Report, o TextOptions) error {
	l, _, rows, err := serviceTable(out, propTextColumns)
	if err != nil {
		return err
	}
	byKey := map[svcLabel]report.Service{}
	for _, s := range r.Services {
		byKey[svcLabel{s.Proto, s.Port}] = s
	}
	want := len(r.Services)
	if o.Top > 0 {
		want = min(o.Top, want)
	}
	order := slices.Clone(r.Services)
	slices.SortFunc(order, func(a, b report.Service) int { return byTextOrder(a, b, o.Sort) })
	more := func(k int) (string, []string) {
		var p, b, f uint64
		for _, s := range order[min(want, len(order)):] {
			p, b, f = p+s.Packets, b+s.Bytes, f+s.Flows
		}
		return fmt.Sprintf("(%d more)", k), []string{"", "", commas(p), human(b), commas(f), "", "", "", "", "", ""}
	}
	shown, k, err := tableRows(l, rows, byKey, textCells, more, textEphemeral(r.Ephemeral))
	if err != nil {
		return err
	}
	if len(shown) != want || k != len(r.Services)-want {
		return fmt.Errorf("%d service rows and (%d more), want %d and %d (top %d of %d)", len(shown), k, want, len(r.Services)-want, o.Top, len(r.Services))
	}
	for i := 1; i < len(shown); i++ {
		if sortKey(shown[i], o.Sort) > sortKey(shown[i-1], o.Sort) {
			return fmt.Errorf("row %d (%s/%d) has more %s than the row above it", i, shown[i].Proto, shown[i].Port, o.Sort)
		}
	}
	if len(shown) > 0 {
		for _, c := range order[want:] {
			if sortKey(c, o.Sort) > sortKey(shown[len(shown)-1], o.Sort) {
				return fmt.Errorf("%s/%d was cut but has more %s than a shown row", c.Proto, c.Port, o.Sort)
			}
		}
	}
	for i, s := range shown { // ties: more packets first, then proto and port
		if s.Proto != order[i].Proto || s.Port != order[i].Port {
			return fmt.Errorf("row %d is %s/%d, want %s/%d", i, s.Proto, s.Port, order[i].Proto, order[i].Port)
		}
	}
	return nil
}

func sortKey(s report.Service, key string) uint64 {
	switch key {
	case "packets":
		return s.Packets
	case "flows":
		return s.Flows
	}
	return s.Bytes
}

// byTextOrder is the table's documented order: the key, largest first,
// then packets, largest first, then proto and port.
func byTextOrder(a, b report.Service, key string) int {
	return cmp.Or(cmp.Compare(sortKey(b, key), sortKey(a, key)), cmp.Compare(b.Packets, a.Packets),
		cmp.Compare(a.Proto.String(), b.Proto.String()), cmp.Compare(a.Port, b.Port))
}

// checkView checks the service table of WriteView(prev, cur, o) as
// checkText does, in the view's order: bits/s, packets/s, then bytes,
// largest first, then proto and port.
func checkView(out string, prev, cur *report.Snapshot, o ViewOptions) error {
	l, _, rows, err := serviceTable(out, propViewColumns)
	if err != nil {
		return err
	}
	order := Rates(prev, cur)
	byKey := map[svcLabel]Rate{}
	for _, s := range order {
		byKey[svcLabel{s.Proto, s.Port}] = s
	}
	slices.SortFunc(order, func(a, b Rate) int {
		return cmp.Or(cmp.Compare(b.BitsPerSec, a.BitsPerSec), cmp.Compare(b.PacketsPerSec, a.PacketsPerSec),
			cmp.Compare(b.Bytes, a.Bytes), cmp.Compare(a.Proto.String(), b.Proto.String()), cmp.Compare(a.Port, b.Port))
	})
	want := len(order)
	if o.Rows > 0 {
		want = min(o.Rows, want)
	}
	svc := func(s Rate) (string, []string) {
		return s.Name, []string{s.Proto.String(), strconv.Itoa(int(s.Port)), rate(s.PacketsPerSec), bitRate(s.BitsPerSec),
			commas(s.Packets), human(s.Bytes), commas(s.Flows), commas(s.Clients), s.Risk.String()}
	}
	more := func(k int) (string, []string) {
		var pps, bps float64
		var p, b, f uint64
		for _, s := range order[min(want, len(order)):] {
			pps, bps, p, b, f = pps+s.PacketsPerSec, bps+s.BitsPerSec, p+s.Packets, b+s.Bytes, f+s.Flows
		}
		return fmt.Sprintf("(%d more)", k), []string{"", "", rate(pps), bitRate(bps), commas(p), human(b), commas(f), "", ""}
	}
	e := cur.Report.Ephemeral
	var pe report.Ephemeral
	dt := cur.Elapsed.Seconds()
	if prev != nil {
		pe, dt = prev.Report.Ephemeral, cur.Taken.Sub(prev.Taken).Seconds()
	}
	eph := []string{"", "", rate(perSec(e.Packets-pe.Packets, dt)), bitRate(perSec(8*(e.Bytes-pe.Bytes), dt)),
		commas(e.Packets), human(e.Bytes), commas(e.Flows), "", ""}
	shown, k, err := tableRows(l, rows, byKey, svc, more, eph)
	if err != nil {
		return err
	}
	if len(shown) != want || k != len(order)-want {
		return fmt.Errorf("%d service rows and (%d more), want %d and %d (rows %d of %d)", len(shown), k, want, len(order)-want, o.Rows, len(order))
	}
	for i := 1; i < len(shown); i++ {
		if shown[i].BitsPerSec > shown[i-1].BitsPerSec {
			return fmt.Errorf("row %d (%s/%d) is faster than the row above it", i, shown[i].Proto, shown[i].Port)
		}
	}
	for i, s := range shown {
		if s.Proto != order[i].Proto || s.Port != order[i].Port {
			return fmt.Errorf("row %d is %s/%d, want %s/%d", i, s.Proto, s.Port, order[i].Proto, order[i].Port)
		}
	}
	return nil
}

// checkCSV checks WriteCSV: the columns, then every service in the
// report's order with its exact counts, then the ephemeral row.
func checkCSV(out string, r *report.Report) error {
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		return err
	}
	if len(recs) != len(r.Services)+2 || !slices.Equal(recs[0], CSVColumns) {
		return fmt.Errorf("%d records (want %d), header %q", len(recs), len(r.Services)+2, recs[0])
	}
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	for i, s := range r.Services {
		want := []string{s.Proto.String(), strconv.Itoa(int(s.Port)), s.Name, s.Risk.String(), u(s.Packets), u(s.Bytes), u(s.Flows),
			u(s.Fragments), u(s.FragmentBytes), u(s.ToServer.Packets), u(s.ToServer.Bytes), u(s.ToClient.Packets),
			u(s.ToClient.Bytes), u(s.Clients), u(s.Servers)}
		if !slices.Equal(recs[i+1], want) {
			return fmt.Errorf("record %d = %q, want %q", i+1, recs[i+1], want)
		}
	}
	e := r.Ephemeral
	want := []string{"ephemeral", "", "ephemeral", "", u(e.Packets), u(e.Bytes), u(e.Flows), u(e.Fragments), u(e.FragmentBytes), "", "", "", "", "", ""}
	if got := recs[len(recs)-1]; !slices.Equal(got, want) {
		return fmt.Errorf("ephemeral record = %q, want %q", got, want)
	}
	return nil
}

// randName is a service name: one of the labels the table itself prints
// (so that no check tells rows apart by their name), or 0 to 40 printable
// ASCII characters, spaces included.
func randName(rng *rand.Rand) string {
	if rng.IntN(4) == 0 {
		names := []string{"", "https", "unknown", "ephemeral", "SERVICE", "(3 more)", "(1000 more)", " ", "a b", strings.Repeat("x", 40)}
		return names[rng.IntN(len(names))]
	}
	b := make([]byte, rng.IntN(41))
	for i := range b {
		b[i] = byte(' ' + rng.IntN('~'-' '+1))
	}
	return string(b)
}

// randCount is a count up to 1<<60, of any magnitude, often one of a few
// values so that rows tie on the sort key.
func randCount(rng *rand.Rand) uint64 {
	switch rng.IntN(8) {
	case 0:
		return []uint64{0, 1, 999, 1000, 123456, 1 << 60}[rng.IntN(6)]
	case 1:
		return 1 << 60
	}
	if b := rng.IntN(61); b > 0 {
		return rng.Uint64N(1 << b)
	}
	return 0
}

// randReport is a report with 0 to 160 services (unique proto and port),
// random names and counts, maybe sources with errors, a filter, alerts,
// live capture counters and a time span.
func randReport(rng *rand.Rand) *report.Report {
	r := &report.Report{Schema: report.Schema, Frames: randCount(rng), Bytes: randCount(rng), CapturedBytes: randCount(rng)}
	n := 0
	switch rng.IntN(6) {
	case 0: // no service: maybe only the ephemeral row
	case 1, 2:
		n = 1 + rng.IntN(12)
	default:
		n = 1 + rng.IntN(160)
	}
	seen := map[svcLabel]bool{}
	for len(r.Services) < n {
		s := report.Service{Proto: vocab.PortProtos[rng.IntN(3)], Port: uint16(rng.IntN(1 << 16)), Name: randName(rng),
			Risk: []registry.Risk{registry.RiskNone, registry.RiskNone, registry.RiskNote, registry.RiskAlert}[rng.IntN(4)], Packets: randCount(rng), Bytes: randCount(rng), Flows: randCount(rng),
			Fragments: randCount(rng), FragmentBytes: randCount(rng), ToServer: report.Direction{Packets: randCount(rng), Bytes: randCount(rng)},
			ToClient: report.Direction{Packets: randCount(rng), Bytes: randCount(rng)}, Clients: randCount(rng), Servers: randCount(rng)}
		if k := (svcLabel{s.Proto, s.Port}); !seen[k] {
			seen[k] = true
			r.Services = append(r.Services, s)
		}
	}
	// The (K more) row sums packets, bytes and flows: keep the sums in
	// range, as in any real report.
	for _, f := range []func(*report.Service) *uint64{
		func(s *report.Service) *uint64 { return &s.Packets },
		func(s *report.Service) *uint64 { return &s.Bytes },
		func(s *report.Service) *uint64 { return &s.Flows },
	} {
		for {
			var sum, carry uint64
			for i := range r.Services {
				sum, carry = bits.Add64(sum, *f(&r.Services[i]), 0)
				if carry != 0 {
					break
				}
			}
			if carry == 0 {
				break
			}
			for i := range r.Services {
				*f(&r.Services[i]) >>= 4
			}
		}
	}
	if rng.IntN(3) > 0 {
		r.Ephemeral = report.Ephemeral{Packets: randCount(rng), Bytes: randCount(rng), Flows: randCount(rng), Fragments: randCount(rng)}
	}
	for range rng.IntN(3) {
		src := report.SourceInfo{Name: fmt.Sprintf("in%d.pcap", rng.IntN(100)), Format: "pcap", LinkTypes: []vocab.LinkType{vocab.LinkEthernet}, Frames: randCount(rng)}
		if rng.IntN(2) == 0 {
			src.Error = "unexpected EOF after " + strconv.Itoa(rng.IntN(1000)) + " bytes"
		}
		if rng.IntN(3) == 0 {
			src.Filtered = randCount(rng)
		}
		r.Sources = append(r.Sources, src)
	}
	if rng.IntN(3) == 0 {
		r.Filter = "not port 22"
	}
	if rng.IntN(2) == 0 {
		first := time.Unix(0, rng.Int64N(1<<62)).UTC()
		r.First, r.Last = report.TimeOf(first), report.TimeOf(first.Add(time.Duration(rng.Int64N(1<<40))))
	}
	for range rng.IntN(4) {
		a := report.Alert{Proto: vocab.TCP, Port: uint16(rng.IntN(1 << 16)), Name: randName(rng), Risk: registry.RiskAlert, Note: "a note",
			Packets: randCount(rng), Flows: randCount(rng)}
		for range rng.IntN(10) {
			a.Hosts = append(a.Hosts, fmt.Sprintf("192.0.2.%d", rng.IntN(256)))
		}
		r.Alerts = append(r.Alerts, a)
	}
	r.Buckets[vocab.BucketTCP], r.Buckets[vocab.BucketMalformed] = report.Counter{Frames: randCount(rng), Bytes: randCount(rng)}, report.Counter{Frames: randCount(rng), Bytes: randCount(rng)}
	r.Flows.Total, r.Flows.Evicted = randCount(rng), randCount(rng)
	if rng.IntN(3) == 0 {
		r.Capture = &report.LiveCapture{Interface: "eth0", Received: randCount(rng), DroppedKernel: randCount(rng), FlowsActive: randCount(rng)}
	}
	return r
}

// earlier is a snapshot of r taken before: some services not seen yet, the
// others with at most their current counts.
func earlier(rng *rand.Rand, r *report.Report) *report.Report {
	p := *r
	p.Services = nil
	for _, s := range r.Services {
		if rng.IntN(4) == 0 {
			continue
		}
		s.Packets -= rng.Uint64N(s.Packets + 1)
		s.Bytes -= rng.Uint64N(s.Bytes + 1)
		p.Services = append(p.Services, s)
	}
	p.Ephemeral.Packets -= rng.Uint64N(p.Ephemeral.Packets + 1)
	p.Ephemeral.Bytes -= rng.Uint64N(p.Ephemeral.Bytes + 1)
	return &p
}

// plainView removes what ViewOptions.Terminal adds to the view: home first,
// a clear to the end of every line, a clear of the screen below last.
func plainView(t string) (string, bool) {
	t, ok1 := strings.CutPrefix(t, "\033[H")
	t, ok2 := strings.CutSuffix(t, "\033[J")
	return strings.ReplaceAll(t, "\033[K\n", "\n"), ok1 && ok2
}

// TestRenderProperties: for random reports and every --top and --sort, the
// table, the CSV and the live view render, with the rows the options ask
// for, in order, every column of every row aligned.
func TestRenderProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2026))
	cases := 250
	if testing.Short() {
		cases = 100
	}
	for c := range cases {
		r := randReport(rng)
		n := len(r.Services)
		tops := []int{0, 1, 2, 3, 5, n - 1, n, n + 1}
		slices.Sort(tops)
		tops = slices.Compact(tops)
		desc := fmt.Sprintf("case %d (%d services)", c, n)
		render := func(what string, f func(*bytes.Buffer) error) (out string) {
			t.Helper()
			var b bytes.Buffer
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("%s: %s panics: %v", desc, what, p)
				}
			}()
			if err := f(&b); err != nil {
				t.Fatalf("%s: %s: %v", desc, what, err)
			}
			return b.String()
		}
		out := render("WriteCSV", func(b *bytes.Buffer) error { return WriteCSV(b, r) })
		if err := checkCSV(out, r); err != nil {
			t.Fatalf("%s: WriteCSV: %v\n%s", desc, err, out)
		}
		elapsed := time.Duration(rng.Int64N(int64(time.Hour)))
		cur := &report.Snapshot{Report: r, Taken: time.Unix(1e9, 0).Add(elapsed), Elapsed: elapsed}
		var prev *report.Snapshot
		if rng.IntN(2) == 0 {
			dt := time.Duration(rng.Int64N(int64(elapsed) + 1))
			prev = &report.Snapshot{Report: earlier(rng, r), Taken: cur.Taken.Add(-dt), Elapsed: elapsed - dt}
		}
		for _, top := range tops {
			if top < 0 {
				continue
			}
			for _, key := range []string{"bytes", "packets", "flows"} {
				o := TextOptions{Top: top, Sort: key}
				out := render(fmt.Sprintf("WriteText(%+v)", o), func(b *bytes.Buffer) error { return WriteText(b, r, o) })
				if err := checkText(out, r, o); err != nil {
					t.Fatalf("%s: WriteText(%+v): %v\n%s", desc, o, err, out)
				}
				if got := strings.Contains(out, fmt.Sprintf("\nALERTS (%d)\n", len(r.Alerts))); got != (len(r.Alerts) > 0) {
					t.Fatalf("%s: WriteText(%+v): ALERTS line shown %v with %d alerts\n%s", desc, o, got, len(r.Alerts), out)
				}
				for _, s := range r.Sources {
					if s.Error != "" && !strings.Contains(out, "  error: "+s.Error+"\n") {
						t.Fatalf("%s: WriteText(%+v) lacks the error of %s\n%s", desc, o, s.Name, out)
					}
				}
			}
			o := ViewOptions{Rows: top}
			out := render(fmt.Sprintf("WriteView(%+v)", o), func(b *bytes.Buffer) error { return WriteView(b, prev, cur, o) })
			if err := checkView(out, prev, cur, o); err != nil {
				t.Fatalf("%s: WriteView(%+v, prev %v): %v\n%s", desc, o, prev != nil, err, out)
			}
			o.Terminal = true
			term := render(fmt.Sprintf("WriteView(%+v)", o), func(b *bytes.Buffer) error { return WriteView(b, prev, cur, o) })
			if plain, ok := plainView(term); !ok || plain != out || strings.Count(term, "\033[K\n") != strings.Count(out, "\n") {
				t.Fatalf("%s: the terminal view is not the plain view with escapes:\n%q\n%q", desc, term, out)
			}
		}
	}
}
