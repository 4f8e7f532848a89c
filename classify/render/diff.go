package render

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/portsift/portsift/classify/report"
)

// WriteDiff writes d as a table, one change per line: section, row (with
// the service name), field, expected, got, delta; it writes nothing for an
// empty Diff. Within a terminal width columns wide (0: no limit), a table
// wider than that becomes one line per change, "section row field:
// expected -> got, delta", broken after commas or spaces to fit.
func WriteDiff(w io.Writer, d report.Diff, width int) error {
	if d.Equal() {
		return nil
	}
	table := diffTable(d)
	if width <= 0 || widest([]byte(table)) <= width {
		_, err := io.WriteString(w, table)
		return err
	}
	var b strings.Builder
	for _, c := range d.Changes {
		row, field, exp, got, delta := cells(c)
		line := "  " + c.Section
		if row != "-" {
			line += " " + row
		}
		switch c.Kind {
		case report.Added:
			line += " " + field + ": " + got
		case report.Removed:
			line += " " + field + ": " + exp
		default:
			line += " " + field + ": " + exp + " -> " + got
			if delta != "" {
				line += ", " + delta
			}
		}
		b.WriteString(Wrap(line, width, 4) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cells are the change's cells in the table.
func cells(c report.Change) (row, field, exp, got, delta string) {
	row = c.Row
	if c.Name != "" {
		row += " " + c.Name
	}
	field, exp, got = c.Field, showValue(c.Expected), showValue(c.Got)
	switch c.Kind {
	case report.Added, report.Removed:
		field = "(" + c.Kind + ")"
	default:
		if eh, ok := c.Expected.([]string); ok {
			delta = hostDelta(eh, c.Got.([]string))
		} else if c.Delta != 0 {
			delta = signed(c.Delta)
			if e, ok := c.Expected.(uint64); ok && e > 0 {
				delta += " (" + percent(float64(c.Delta)*100/float64(e)) + ")"
			}
		}
	}
	if row == "" {
		row = "-"
	}
	return row, field, exp, got, delta
}

// percent formats a signed percentage with one decimal and thousands
// separators: "+1,655.6%".
func percent(p float64) string {
	s := fmt.Sprintf("%+.1f", p)
	sign, num := s[:1], s[1:]
	whole, frac, _ := strings.Cut(num, ".")
	if n, err := strconv.ParseUint(whole, 10, 64); err == nil {
		whole = commas(n)
	}
	return sign + whole + "." + frac + "%"
}

// diffTable is the diff as its table.
func diffTable(d report.Diff) string {
	var buf strings.Builder
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  SECTION\tROW\tFIELD\tEXPECTED\tGOT\tDELTA")
	for _, c := range d.Changes {
		row, field, exp, got, delta := cells(c)
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", c.Section, row, field, exp, got, delta)
	}
	tw.Flush()
	// tabwriter pads every cell but the last; an empty DELTA leaves spaces.
	var out strings.Builder
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line != "" {
			out.WriteString(strings.TrimRight(line, " \n") + "\n")
		}
	}
	return out.String()
}

// DiffText returns the table WriteDiff writes with no width limit: for a
// test's failure message.
func DiffText(d report.Diff) string { return diffTable(d) }

func showValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "-"
	case uint64:
		return commas(v)
	case string:
		if v == "" {
			return `""`
		}
		return v
	case []string:
		return Count(uint64(len(v)), "host")
	case report.Service:
		return fmt.Sprintf("%s, %s, %s", Count(v.Packets, "packet"), human(v.Bytes), Count(v.Flows, "flow"))
	case report.Alert:
		return fmt.Sprintf("%s, %s", Count(v.Packets, "packet"), Count(v.Flows, "flow"))
	}
	return fmt.Sprint(v)
}

func signed(n int64) string {
	if n > 0 {
		return "+" + commas(uint64(n))
	}
	if n < 0 {
		return "-" + commas(uint64(-n))
	}
	return "0"
}

// hostDelta lists the hosts added (+) and removed (-).
func hostDelta(exp, got []string) string {
	var parts []string
	for _, h := range got {
		if !slices.Contains(exp, h) {
			parts = append(parts, "+"+h)
		}
	}
	for _, h := range exp {
		if !slices.Contains(got, h) {
			parts = append(parts, "-"+h)
		}
	}
	return strings.Join(parts, " ")
}
