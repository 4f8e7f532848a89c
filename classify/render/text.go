package render

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/portsift/portsift/classify/internal/numfmt"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
)

// TextOptions shape the table.
type TextOptions struct {
	Top  int    // at most this many service rows; 0 = all
	Sort string // bytes (default), packets or flows
	// LocalTime shows the header's times in the local time zone instead
	// of UTC (the zone is named either way).
	LocalTime bool
	// Width is the most columns a line may take, counted in runes as a
	// terminal counts them; 0 means no limit (the table for a file or a
	// pipe). Within a width no line is wider, so none wraps on a terminal
	// that wide, and only what does not fit changes: a report whose lines
	// all fit gives the same bytes as with Width 0.
	//   - A service table too wide cuts names longer than 20 runes with an
	//     ellipsis and keeps SERVICE, PROTO, PORT and BYTES (cutting the
	//     names shorter if even those do not fit, but never its own labels
	//     SERVICE, "(N more)" and "ephemeral"); then, most important first,
	//     it shows each of RISK, PACKETS, FLOWS, TO SERVER with TO CLIENT,
	//     CLIENTS, SERVERS and FRAGS that fits beside those already shown.
	//     Columns keep their order.
	//   - Source lines too wide cut long names (paths) in the middle,
	//     keeping the file name, to no less than a third of the width; a
	//     line still too wide (an error) breaks at spaces.
	//   - The header, trailer and alert lines break after a comma or at a
	//     space, the next lines indented.
	//   - A word wider than a line, and a table narrower than its labels,
	//     are cut with an ellipsis.
	Width int
}

// WriteText writes r as the human-readable table: header, services,
// ephemeral row, buckets, flows and alerts.
func WriteText(w io.Writer, r *report.Report, o TextOptions) error {
	ew := &errWriter{w: w}
	tx := textWriter{ew, o.Width}
	// Header.
	head := fmt.Sprintf("portsift: %s frames, %s (%s captured)", commas(r.Frames), human(r.Bytes), human(r.CapturedBytes))
	if !r.First.IsZero() {
		f, l := r.First.Time(), r.Last.Time()
		loc := time.UTC
		if o.LocalTime {
			loc = time.Local
		}
		f, l = f.In(loc), l.In(loc)
		to := "15:04:05.000000"
		if l.YearDay() != f.YearDay() || l.Year() != f.Year() { // a trace over midnight, or with absurd timestamps
			to = "2006-01-02 15:04:05.000000"
		}
		head += fmt.Sprintf(", %s to %s %s (%s)", f.Format("2006-01-02 15:04:05.000000"), l.Format(to), zoneName(l), Duration(l.Sub(f)))
	}
	tx.list(head, len("portsift: "))
	writeSources(ew, r, o.Width)

	// Services.
	rows := append([]report.Service(nil), r.Services...)
	report.SortServices(rows, o.Sort)
	var rest []report.Service
	if o.Top > 0 && len(rows) > o.Top {
		rows, rest = rows[:o.Top], rows[o.Top:]
	}
	fmt.Fprintln(ew)
	table := make([]tableRow, 0, len(rows)+3)
	table = append(table, tableRow{textColumns.head, true})
	for _, s := range rows {
		table = append(table, tableRow{[]string{s.Name, s.Proto.String(), strconv.Itoa(int(s.Port)),
			commas(s.Packets), human(s.Bytes), commas(s.Flows), human(s.ToServer.Bytes), human(s.ToClient.Bytes),
			commas(s.Clients), commas(s.Servers), commas(s.Fragments), s.Risk.String()}, false})
	}
	if len(rest) > 0 {
		var p, b, f uint64
		for _, s := range rest {
			p, b, f = p+s.Packets, b+s.Bytes, f+s.Flows
		}
		table = append(table, tableRow{[]string{"(" + commas(uint64(len(rest))) + " more)", "", "",
			commas(p), human(b), commas(f), "", "", "", "", "", ""}, true})
	}
	e := r.Ephemeral
	table = append(table, tableRow{[]string{"ephemeral", "", "",
		commas(e.Packets), human(e.Bytes), commas(e.Flows), "", "", "", "", commas(e.Fragments), ""}, true})
	writeServices(ew, table, o.Width)

	// Buckets.
	fmt.Fprintln(ew)
	const label = len("frames:   ") // where the text of a trailer line starts
	tx.list(bucketLine(&r.Buckets), label)
	if r.Short > 0 {
		tx.words(fmt.Sprintf("          %s with a cut transport header (ports read)", commas(r.Short)), label)
	}
	if len(r.OtherIP) > 0 {
		tx.list("other-ip: "+typeCounts(r.OtherIP), label)
	}
	if len(r.NonIP) > 0 {
		tx.list("non-ip:   "+typeCounts(r.NonIP), label)
	}
	if len(r.Tunnels) > 0 {
		var parts []string
		for _, tc := range r.Tunnels {
			p := fmt.Sprintf("%s %s", tc.Type, commas(tc.Frames))
			if r.Decap > 0 {
				p += fmt.Sprintf(" (%s decapsulated", commas(tc.Decapsulated))
				if n := tc.InnerDamaged + tc.TooDeep; n > 0 {
					p += fmt.Sprintf(", %s kept outer", commas(n))
				}
				p += ")"
			}
			parts = append(parts, p)
		}
		mode := "counted as their outer flow; --decap classifies the inner one"
		if r.Decap > 0 {
			mode = fmt.Sprintf("decapsulated, up to %d levels", r.Decap)
		}
		tx.list(fmt.Sprintf("tunnels:  %s (%s)", strings.Join(parts, ", "), mode), label)
	}
	fr := r.Fragments
	if r.Buckets[vocab.BucketFragment].Frames > 0 || fr.Untracked > 0 {
		line := fmt.Sprintf("fragments: %s attributed to their flow, %s unattributed", commas(fr.Attributed.Frames), commas(fr.Unattributed.Frames))
		if fr.Untracked > 0 {
			line += fmt.Sprintf(", %s first fragments forgotten early (fragment table full)", commas(fr.Untracked))
		}
		tx.list(line, len("fragments: "))
	}
	fl := r.Flows
	var reasons []string
	for k := range report.NumReasons {
		name := k.String()
		if n := fl.ByReason[name]; n > 0 {
			reasons = append(reasons, fmt.Sprintf("%s %s", name, commas(n)))
		}
	}
	line := "flows:    " + commas(fl.Total)
	if len(reasons) > 0 {
		line += fmt.Sprintf(" (service side by %s)", strings.Join(reasons, ", "))
	}
	if fl.Evicted > 0 {
		line += fmt.Sprintf(", %s evicted (table full, --max-flows)", commas(fl.Evicted))
	}
	tx.list(line, label)
	if r.HostsUntracked > 0 {
		tx.words(fmt.Sprintf("hosts:    %s (service, address) pairs not counted (host table full): CLIENTS and SERVERS are lower bounds", commas(r.HostsUntracked)), label)
	}
	if r.DecodePanics > 0 {
		tx.words(fmt.Sprintf("decoder:  %s recovered (frames counted as malformed)", Count(r.DecodePanics, "panic")), label)
	}

	// Alerts.
	if len(r.Alerts) > 0 {
		fmt.Fprintln(ew)
		tx.words(fmt.Sprintf("ALERTS (%d)", len(r.Alerts)), 0)
		for _, a := range r.Alerts {
			hosts := a.Hosts
			more := ""
			if len(hosts) > 6 {
				hosts, more = hosts[:6], " and "+commas(uint64(len(a.Hosts)-6))+" more"
			}
			tx.list(fmt.Sprintf("  %s/%d %s: %s, %s; hosts %s%s", a.Proto, a.Port, a.Name,
				Count(a.Packets, "packet"), Count(a.Flows, "flow"), strings.Join(hosts, ", "), more), 4)
			tx.words("    "+a.Note, 4)
		}
	}
	return ew.err
}

// textWriter writes the lines of WriteText outside its tables, broken to
// fit width (0: each line as it is).
type textWriter struct {
	w     io.Writer
	width int
}

// list writes s broken preferably after its commas (a list of counts).
func (t textWriter) list(s string, indent int) { t.write(wrap(s, t.width, indent, true)) }

// words writes s broken at any space (a sentence).
func (t textWriter) words(s string, indent int) { t.write(wrap(s, t.width, indent, false)) }

func (t textWriter) write(lines []string) {
	for _, l := range lines {
		io.WriteString(t.w, l)
		io.WriteString(t.w, "\n")
	}
}

// Wrap breaks s into lines of at most width runes (width 0: s as it is),
// preferably after a comma followed by a space, otherwise at a space; a
// word longer than a line is cut with an ellipsis. The first line keeps
// s's leading spaces, the others start with indent spaces. The lines are
// joined with "\n", without a final one.
func Wrap(s string, width, indent int) string {
	return strings.Join(wrap(s, width, indent, true), "\n")
}

// WrapWords is Wrap for prose: it breaks at the last space that fits,
// without preferring commas.
func WrapWords(s string, width, indent int) string {
	return strings.Join(wrap(s, width, indent, false), "\n")
}

// wrap is Wrap returning the lines. With list false, it breaks at any
// space without preferring commas (prose).
func wrap(s string, width, indent int, list bool) []string {
	if width <= 0 || utf8.RuneCountInString(s) <= width {
		return []string{s}
	}
	body := strings.TrimLeft(s, " ")
	lead := s[:min(len(s)-len(body), width/2)]
	pad := strings.Repeat(" ", min(indent, width/2))
	var lines []string
	line, n, empty := lead, len(lead), true
	var put func(tok string, split bool)
	put = func(tok string, split bool) {
		if tok == "" && empty && len(lines) > 0 { // spaces after a break
			return
		}
		tn := utf8.RuneCountInString(tok)
		sp := 1
		if empty {
			sp = 0
		}
		if n+sp+tn <= width {
			line += strings.Repeat(" ", sp) + tok
			n, empty = n+sp+tn, false
			return
		}
		if !empty {
			lines = append(lines, strings.TrimRight(line, " "))
			line, n, empty = pad, len(pad), true
			if tok == "" { // a run of spaces where the line breaks
				return
			}
			if n+tn <= width {
				line, n, empty = line+tok, n+tn, false
				return
			}
		}
		if split { // a list item wider than a line: break it at its spaces
			for _, w := range strings.Split(tok, " ") {
				put(w, false)
			}
			return
		}
		line, n, empty = line+cutEnd(tok, width-n), width, false
	}
	if list {
		for _, tok := range strings.SplitAfter(body, ", ") {
			put(strings.TrimSuffix(tok, " "), true)
		}
	} else {
		for _, tok := range strings.Split(body, " ") {
			put(tok, false)
		}
	}
	return append(lines, line)
}

// writeSources writes the lines of the inputs under the header (name,
// format, link types, frames, error) and the filter. Within width, long
// names are cut in the middle so that the lines fit without their errors,
// but to no fewer than a third of the width; a line still too wide breaks
// at spaces, the rest indented by 4.
func writeSources(w io.Writer, r *report.Report, width int) {
	render := func(cut int, errors bool) []byte {
		var b bytes.Buffer
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, s := range r.Sources {
			name := s.Name
			if cut > 0 {
				name = cutMiddle(name, cut)
			}
			line := fmt.Sprintf("  %s\t%s\t%s\t%s frames", name, s.Format, linkTypes(s.LinkTypes), commas(s.Frames))
			if s.Filtered > 0 {
				line += fmt.Sprintf(" (%s filtered out)", commas(s.Filtered))
			}
			if s.TimesClamped > 0 {
				ts := "timestamps"
				if s.TimesClamped == 1 {
					ts = "timestamp"
				}
				line += fmt.Sprintf(" (%s %s out of range, clamped)", commas(s.TimesClamped), ts)
			}
			if s.Error != "" && errors {
				line += "\terror: " + s.Error
			}
			fmt.Fprintln(tw, line)
		}
		if r.Filter != "" {
			fmt.Fprintf(tw, "  filter\t%s\n", r.Filter)
		}
		tw.Flush()
		return b.Bytes()
	}
	out := render(0, true)
	if width <= 0 || widest(out) <= width {
		w.Write(out)
		return
	}
	if over := widest(render(0, false)) - width; over > 0 {
		longest := 0
		for _, s := range r.Sources {
			longest = max(longest, utf8.RuneCountInString(s.Name))
		}
		if cut := max(longest-over, width/3, 1); cut < longest {
			out = render(cut, true)
		}
	}
	t := textWriter{w, width}
	for line := range strings.Lines(string(out)) {
		t.words(strings.TrimSuffix(line, "\n"), 4)
	}
}

// textHead is the header of the service table. A table too wide for its
// width always keeps textKeep and adds the groups of textOptional, most
// important first, each if it fits beside those already there (see
// TextOptions.Width).
var textColumns = columns{
	head:     []string{"SERVICE", "PROTO", "PORT", "PACKETS", "BYTES", "FLOWS", "TO SERVER", "TO CLIENT", "CLIENTS", "SERVERS", "FRAGS", "RISK"},
	keep:     []string{"SERVICE", "PROTO", "PORT", "BYTES"},
	optional: [][]string{{"RISK"}, {"PACKETS"}, {"FLOWS"}, {"TO SERVER", "TO CLIENT"}, {"CLIENTS"}, {"SERVERS"}, {"FRAGS"}},
}

// columns describes a service table that fits a width: its columns in
// order, those always shown, and the others, most important first.
type columns struct {
	head, keep []string
	optional   [][]string
}

// nameCap is the longest service name a service table too wide for its
// width keeps whole. IANA's names have at most 15 characters (RFC 6335
// section 5.1), so only names from --services files are cut to it.
const nameCap = 20

// tableRow is a line of the service table, one cell per column of
// textHead; cells[0] is the name, a label of the table itself (never cut)
// when label is set.
type tableRow struct {
	cells []string
	label bool
}

// writeServices writes the service table, fitted to width (0: all of it).
func writeServices(w io.Writer, rows []tableRow, width int) { writeTable(w, textColumns, rows, width) }

// writeTable writes a table of cols, fitted to width (0: all of it).
func writeTable(w io.Writer, cols columns, rows []tableRow, width int) {
	textHead, textKeep, textOptional := cols.head, cols.keep, cols.optional
	show := make([]bool, len(textHead))
	set := func(heads []string, on bool) {
		for _, h := range heads {
			show[slices.Index(textHead, h)] = on
		}
	}
	set(textHead, true)
	out := renderServices(rows, show, 0)
	if width <= 0 || widest(out) <= width {
		w.Write(out)
		return
	}
	longest, labels := 0, 0
	for _, r := range rows {
		n := utf8.RuneCountInString(r.cells[0])
		if r.label {
			labels = max(labels, n)
		} else {
			longest = max(longest, n)
		}
	}
	nameMax := 0
	if longest > nameCap {
		nameMax, longest = nameCap, nameCap
	}
	set(textHead, false)
	set(textKeep, true)
	out = renderServices(rows, show, nameMax)
	if over := widest(out) - width; over > 0 && longest > labels {
		// The name column is as wide as its widest name: cutting the
		// names by over narrows every line by as much, down to the labels.
		nameMax = max(labels, longest-over, 1)
		out = renderServices(rows, show, nameMax)
	}
	for _, group := range textOptional {
		set(group, true)
		if wider := renderServices(rows, show, nameMax); widest(wider) <= width {
			out = wider
		} else {
			set(group, false)
		}
	}
	w.Write(clipLines(out, width))
}

// renderServices renders the columns of rows that show selects, names cut
// to nameMax runes (0: whole). Columns are right-aligned; the name column
// is padded so that it reads left-aligned.
func renderServices(rows []tableRow, show []bool, nameMax int) []byte {
	names := make([]string, len(rows))
	var nc nameColumn
	for i, r := range rows {
		names[i] = r.cells[0]
		if nameMax > 0 && !r.label {
			names[i] = cutEnd(names[i], nameMax)
		}
		nc.fit(names[i])
	}
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	var line strings.Builder
	for i, r := range rows {
		line.Reset()
		line.WriteString(nc.pad(names[i]))
		line.WriteByte('\t')
		for j, c := range r.cells[1:] {
			if show[j+1] {
				line.WriteString(c)
				line.WriteByte('\t')
			}
		}
		line.WriteByte('\n')
		io.WriteString(tw, line.String())
	}
	tw.Flush()
	return b.Bytes()
}

// widest is the rune count of the longest line of text.
func widest(text []byte) int {
	n := 0
	for line := range bytes.Lines(text) {
		n = max(n, utf8.RuneCount(bytes.TrimSuffix(line, []byte("\n"))))
	}
	return n
}

// clipLines cuts the lines of text wider than width with an ellipsis.
func clipLines(text []byte, width int) []byte {
	if widest(text) <= width {
		return text
	}
	var b bytes.Buffer
	for line := range bytes.Lines(text) {
		s, nl := strings.CutSuffix(string(line), "\n")
		b.WriteString(cutEnd(s, width))
		if nl {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// cutEnd returns s cut to n runes, the last one an ellipsis when it was
// longer.
func cutEnd(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// cutMiddle returns s cut to n runes with an ellipsis in the middle,
// keeping twice as much of the end as of the start: of a path, the file
// name is what tells inputs apart.
func cutMiddle(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return cutEnd(s, n)
	}
	head := (n - 1) / 3
	return string(r[:head]) + "…" + string(r[len(r)-(n-1-head):])
}

// linkTypes lists link types by name, separated by commas.
func linkTypes(l []vocab.LinkType) string {
	var b strings.Builder
	for i, lt := range l {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(lt.String())
	}
	return b.String()
}

func typeCounts(l []report.TypeCount) string {
	var parts []string
	for _, t := range l {
		parts = append(parts, fmt.Sprintf("%s %s", t.Type, commas(t.Frames)))
	}
	return strings.Join(parts, ", ")
}

// CSVColumns are the columns WriteCSV writes.
var CSVColumns = []string{"proto", "port", "name", "risk", "packets", "bytes", "flows", "fragments", "fragment_bytes",
	"packets_to_server", "bytes_to_server", "packets_to_client", "bytes_to_client", "clients", "servers"}

// WriteCSV writes the service table, then the ephemeral row (proto and
// name "ephemeral", port empty).
func WriteCSV(w io.Writer, r *report.Report) error {
	cw := csv.NewWriter(w)
	cw.Write(CSVColumns)
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	for _, s := range r.Services {
		cw.Write([]string{s.Proto.String(), strconv.Itoa(int(s.Port)), s.Name, s.Risk.String(), u(s.Packets), u(s.Bytes), u(s.Flows),
			u(s.Fragments), u(s.FragmentBytes), u(s.ToServer.Packets), u(s.ToServer.Bytes), u(s.ToClient.Packets),
			u(s.ToClient.Bytes), u(s.Clients), u(s.Servers)})
	}
	e := r.Ephemeral
	cw.Write([]string{"ephemeral", "", "ephemeral", "", u(e.Packets), u(e.Bytes), u(e.Flows), u(e.Fragments), u(e.FragmentBytes),
		"", "", "", "", "", ""})
	cw.Flush()
	return cw.Error()
}

// nameColumn is the width of the first column of a right-aligned service
// table (WriteText, WriteView): its labels are padded to the widest one so
// that they read left-aligned. Every label of the column (the header, the
// names shown, "(N more)", "ephemeral") must be fitted before any is
// padded. Widths are counted in runes, as text/tabwriter counts them.
type nameColumn int

func newNameColumn(labels ...string) nameColumn {
	var c nameColumn
	for _, l := range labels {
		c.fit(l)
	}
	return c
}

func (c *nameColumn) fit(label string) {
	*c = max(*c, nameColumn(utf8.RuneCountInString(label)))
}

// pad returns label padded to the column's width; a label that was not
// fitted and is wider is returned as it is (the column is then misaligned,
// but nothing is cut).
func (c nameColumn) pad(label string) string {
	return label + strings.Repeat(" ", max(0, int(c)-utf8.RuneCountInString(label)))
}

// commas formats n with thousands separators: 1234567 → "1,234,567".
// Count is n with thousands separators and the word, plural unless n is 1:
// "1 flow", "2,048 packets".
func Count(n uint64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return commas(n) + " " + word + "s"
}

// Duration rounds d to what a reader of a report needs: whole seconds from
// a minute on, then 10 ms, then 10 µs ("4.999999s" is "5s", "19.999ms"
// is "20ms").
func Duration(d time.Duration) string {
	switch {
	case d >= time.Minute:
		d = d.Round(time.Second)
	case d >= time.Second:
		d = d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		d = d.Round(10 * time.Microsecond)
	default:
		d = d.Round(time.Microsecond)
	}
	return d.String()
}

// zoneName is the time zone a table's times are in: "UTC", or the local
// zone's abbreviation (with --local-time).
func zoneName(t time.Time) string {
	name, _ := t.Zone()
	if name == "" {
		return t.Format("-07:00")
	}
	return name
}

func commas(n uint64) string { return numfmt.Commas(n) }

// human formats a byte count with a decimal unit: 1234567 → "1.2 MB".
func human(n uint64) string {
	const units = "kMGTPE"
	if n < 1000 {
		return strconv.FormatUint(n, 10) + " B"
	}
	f, i := float64(n)/1000, 0
	for f >= 999.95 && i < len(units)-1 {
		f /= 1000
		i++
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + units[i:i+1] + "B"
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// bucketLine is the frames line under a table: "frames:   tcp 3, udp 1, ...".
func bucketLine(b *report.Buckets) string {
	parts := make([]string, 0, vocab.NumBuckets)
	for k := range vocab.NumBuckets {
		parts = append(parts, k.String()+" "+commas(b[k].Frames))
	}
	return "frames:   " + strings.Join(parts, ", ")
}
