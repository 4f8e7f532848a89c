package classify

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// WriteJSON writes r as indented JSON followed by a newline. The output is
// deterministic: equal reports give equal bytes.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// TextOptions shape the table.
type TextOptions struct {
	Top  int    // at most this many service rows; 0 = all
	Sort string // bytes (default), packets or flows
}

// WriteText writes r as the human-readable table: header, services,
// ephemeral row, buckets, flows and alerts.
func WriteText(w io.Writer, r *Report, o TextOptions) error {
	ew := &errWriter{w: w}
	// Header.
	fmt.Fprintf(ew, "portsift: %s frames, %s (%s captured)", commas(r.Frames), human(r.Bytes), human(r.CapturedBytes))
	if r.First != "" {
		f, _ := time.Parse(time.RFC3339Nano, r.First)
		l, _ := time.Parse(time.RFC3339Nano, r.Last)
		to := "15:04:05.000000"
		if l.YearDay() != f.YearDay() || l.Year() != f.Year() { // a trace over midnight, or with absurd timestamps
			to = "2006-01-02 15:04:05.000000"
		}
		fmt.Fprintf(ew, ", %s to %s (%s)", f.Format("2006-01-02 15:04:05.000000"), l.Format(to), l.Sub(f).Round(time.Microsecond))
	}
	fmt.Fprintln(ew)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	for _, s := range r.Sources {
		line := fmt.Sprintf("  %s\t%s\t%s\t%s frames", s.Name, s.Format, strings.Join(s.LinkTypes, ","), commas(s.Frames))
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
		if s.Error != "" {
			line += "\terror: " + s.Error
		}
		fmt.Fprintln(tw, line)
	}
	if r.Filter != "" {
		fmt.Fprintf(tw, "  filter\t%s\n", r.Filter)
	}
	tw.Flush()

	// Services.
	rows := append([]Service(nil), r.Services...)
	SortServices(rows, o.Sort)
	var rest []Service
	if o.Top > 0 && len(rows) > o.Top {
		rows, rest = rows[:o.Top], rows[o.Top:]
	}
	fmt.Fprintln(ew)
	more := ""
	if len(rest) > 0 {
		more = fmt.Sprintf("(%d more)", len(rest))
	}
	nc := newNameColumn("SERVICE", "ephemeral", more)
	for _, s := range rows {
		nc.fit(s.Name)
	}
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, nc.pad("SERVICE")+"\tPROTO\tPORT\tPACKETS\tBYTES\tFLOWS\tTO SERVER\tTO CLIENT\tCLIENTS\tSERVERS\tFRAGS\tRISK\t")
	for _, s := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", nc.pad(s.Name), s.Proto, s.Port,
			commas(s.Packets), human(s.Bytes), commas(s.Flows), human(s.ToServer.Bytes), human(s.ToClient.Bytes),
			commas(s.Clients), commas(s.Servers), commas(s.Fragments), s.Risk)
	}
	if len(rest) > 0 {
		var p, b, f uint64
		for _, s := range rest {
			p, b, f = p+s.Packets, b+s.Bytes, f+s.Flows
		}
		fmt.Fprintf(tw, "%s\t\t\t%s\t%s\t%s\t\t\t\t\t\t\t\n", nc.pad(more), commas(p), human(b), commas(f))
	}
	e := r.Ephemeral
	fmt.Fprintf(tw, "%s\t\t\t%s\t%s\t%s\t\t\t\t\t%s\t\t\n", nc.pad("ephemeral"), commas(e.Packets), human(e.Bytes), commas(e.Flows), commas(e.Fragments))
	tw.Flush()

	// Buckets.
	fmt.Fprintln(ew)
	b := &r.Buckets
	var parts []string
	for _, kv := range []struct {
		name string
		c    Counter
	}{{"tcp", b.TCP}, {"udp", b.UDP}, {"sctp", b.SCTP}, {"fragment", b.Fragment}, {"icmp", b.ICMP},
		{"other-ip", b.OtherIP}, {"non-ip", b.NonIP}, {"truncated", b.Truncated}, {"malformed", b.Malformed}} {
		parts = append(parts, fmt.Sprintf("%s %s", kv.name, commas(kv.c.Frames)))
	}
	fmt.Fprintf(ew, "frames:   %s\n", strings.Join(parts, ", "))
	if r.Short > 0 {
		fmt.Fprintf(ew, "          %s with a cut transport header (ports read)\n", commas(r.Short))
	}
	if len(r.OtherIP) > 0 {
		fmt.Fprintf(ew, "other-ip: %s\n", typeCounts(r.OtherIP))
	}
	if len(r.NonIP) > 0 {
		fmt.Fprintf(ew, "non-ip:   %s\n", typeCounts(r.NonIP))
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
		fmt.Fprintf(ew, "tunnels:  %s (%s)\n", strings.Join(parts, ", "), mode)
	}
	fr := r.Fragments
	if b.Fragment.Frames > 0 || fr.Untracked > 0 {
		fmt.Fprintf(ew, "fragments: %s attributed to their flow, %s unattributed", commas(fr.Attributed.Frames), commas(fr.Unattributed.Frames))
		if fr.Untracked > 0 {
			fmt.Fprintf(ew, ", %s first fragments forgotten early (fragment table full)", commas(fr.Untracked))
		}
		fmt.Fprintln(ew)
	}
	fl := r.Flows
	var reasons []string
	for _, name := range reasonNames {
		if n := fl.ByReason[name]; n > 0 {
			reasons = append(reasons, fmt.Sprintf("%s %s", name, commas(n)))
		}
	}
	fmt.Fprintf(ew, "flows:    %s", commas(fl.Total))
	if len(reasons) > 0 {
		fmt.Fprintf(ew, " (service side by %s)", strings.Join(reasons, ", "))
	}
	if fl.Evicted > 0 {
		fmt.Fprintf(ew, ", %s evicted (table full, --max-flows)", commas(fl.Evicted))
	}
	fmt.Fprintln(ew)
	if r.HostsUntracked > 0 {
		fmt.Fprintf(ew, "hosts:    %s (service, address) pairs not counted (host table full): CLIENTS and SERVERS are lower bounds\n", commas(r.HostsUntracked))
	}
	if r.DecodePanics > 0 {
		fmt.Fprintf(ew, "decoder:  %d panics recovered (frames counted as malformed)\n", r.DecodePanics)
	}

	// Alerts.
	if len(r.Alerts) > 0 {
		fmt.Fprintf(ew, "\nALERTS (%d)\n", len(r.Alerts))
		for _, a := range r.Alerts {
			hosts := a.Hosts
			more := ""
			if len(hosts) > 6 {
				hosts, more = hosts[:6], fmt.Sprintf(" and %d more", len(a.Hosts)-6)
			}
			fmt.Fprintf(ew, "  %s/%d %s: %s packets, %s flows; hosts %s%s\n    %s\n", a.Proto, a.Port, a.Name,
				commas(a.Packets), commas(a.Flows), strings.Join(hosts, ", "), more, a.Note)
		}
	}
	return ew.err
}

func typeCounts(l []TypeCount) string {
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
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	cw.Write(CSVColumns)
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	for _, s := range r.Services {
		cw.Write([]string{s.Proto, strconv.Itoa(int(s.Port)), s.Name, s.Risk, u(s.Packets), u(s.Bytes), u(s.Flows),
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
func commas(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

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
