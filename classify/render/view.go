package render

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
)

// svcLabel names a service row by protocol and port.
type svcLabel struct {
	proto vocab.Proto
	port  uint16
}

// ViewOptions shape the live view.
type ViewOptions struct {
	// Rows is the most service rows shown (the rest are summed in one
	// line); 0 shows all.
	Rows int
	// Terminal redraws in place: the view starts at the top left corner,
	// every line clears what was left of the previous view, and the rest of
	// the screen is cleared. Without it the view is a plain text block.
	Terminal bool
	// Width is the most columns a line may take, as TextOptions.Width:
	// the table keeps SERVICE, PROTO, PORT, PKT/S and BIT/S, then adds
	// RISK, BYTES, PACKETS, FLOWS, CLIENTS while they fit; other lines
	// break after a comma. 0: no limit.
	Width int
}

// viewColumns are the live view's table.
var viewColumns = columns{
	head:     []string{"SERVICE", "PROTO", "PORT", "PKT/S", "BIT/S", "PACKETS", "BYTES", "FLOWS", "CLIENTS", "RISK"},
	keep:     []string{"SERVICE", "PROTO", "PORT", "PKT/S", "BIT/S"},
	optional: [][]string{{"RISK"}, {"BYTES"}, {"PACKETS"}, {"FLOWS"}, {"CLIENTS"}},
}

// Rate is a service's traffic over the last interval.
type Rate struct {
	report.Service
	PacketsPerSec float64
	BitsPerSec    float64
}

// Rates returns cur's services with their rates since prev (nil: since the
// start of the capture), busiest first: by bits per second, then packets
// per second, then total bytes, protocol and port.
func Rates(prev, cur *report.Snapshot) []Rate {
	old := map[svcLabel]report.Service{}
	dt := cur.Elapsed.Seconds()
	if prev != nil {
		for _, s := range prev.Report.Services {
			old[svcLabel{s.Proto, s.Port}] = s
		}
		dt = cur.Taken.Sub(prev.Taken).Seconds()
	}
	rates := make([]Rate, len(cur.Report.Services))
	for i, s := range cur.Report.Services {
		o := old[svcLabel{s.Proto, s.Port}]
		rates[i] = Rate{Service: s, PacketsPerSec: perSec(s.Packets-o.Packets, dt), BitsPerSec: perSec(8*(s.Bytes-o.Bytes), dt)}
	}
	slices.SortStableFunc(rates, func(a, b Rate) int {
		return cmp.Or(cmp.Compare(b.BitsPerSec, a.BitsPerSec), cmp.Compare(b.PacketsPerSec, a.PacketsPerSec),
			cmp.Compare(b.Bytes, a.Bytes), report.CompareProto(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
	})
	return rates
}

func perSec(n uint64, dt float64) float64 {
	if dt <= 0 {
		return 0
	}
	return float64(n) / dt
}

// WriteView writes the live view of cur: a header (interface, elapsed
// time, totals and rates), the kernel's counters and the flow table, the
// services sorted by their current rate with packets/s and bits/s over the
// interval since prev (nil: since the start) and totals since the start,
// the ephemeral row, the buckets and the alerts. It is written with one
// Write call.
func WriteView(w io.Writer, prev, cur *report.Snapshot, o ViewOptions) error {
	var b bytes.Buffer
	r := cur.Report
	dt := cur.Elapsed.Seconds()
	var prevFrames, prevBytes uint64
	if prev != nil {
		dt = cur.Taken.Sub(prev.Taken).Seconds()
		prevFrames, prevBytes = prev.Report.Frames, prev.Report.Bytes
	}
	src := "capture"
	if len(r.Sources) > 0 {
		s := r.Sources[0]
		src = s.Name
		if len(s.LinkTypes) > 0 {
			src += " (" + linkTypes(s.LinkTypes) + ")"
		}
	}
	tx := textWriter{&b, o.Width}
	tx.words(fmt.Sprintf("portsift sniff %s  %s  %s frames, %s  now %s pkt/s, %s", src, clock(cur.Elapsed),
		commas(r.Frames), human(r.Bytes), rate(perSec(r.Frames-prevFrames, dt)), bitRate(perSec(8*(r.Bytes-prevBytes), dt))), 2)
	if r.Filter != "" {
		tx.words("filter:   "+r.Filter, len("filter:   "))
	}
	writeCaptureLines(tx, r)

	rates := Rates(prev, cur)
	var rest []Rate
	if o.Rows > 0 && len(rates) > o.Rows {
		rates, rest = rates[:o.Rows], rates[o.Rows:]
	}
	fmt.Fprintln(&b)
	rows := []tableRow{{cells: viewColumns.head, label: true}}
	for _, s := range rates {
		rows = append(rows, tableRow{cells: []string{s.Name, s.Proto.String(), strconv.Itoa(int(s.Port)), rate(s.PacketsPerSec),
			bitRate(s.BitsPerSec), commas(s.Packets), human(s.Bytes), commas(s.Flows), commas(s.Clients), s.Risk.String()}})
	}
	if len(rest) > 0 {
		var pps, bps float64
		var p, by, f uint64
		for _, s := range rest {
			pps, bps, p, by, f = pps+s.PacketsPerSec, bps+s.BitsPerSec, p+s.Packets, by+s.Bytes, f+s.Flows
		}
		rows = append(rows, tableRow{cells: []string{"(" + commas(uint64(len(rest))) + " more)", "", "", rate(pps), bitRate(bps),
			commas(p), human(by), commas(f), "", ""}, label: true})
	}
	e := r.Ephemeral
	var pe report.Ephemeral
	if prev != nil {
		pe = prev.Report.Ephemeral
	}
	rows = append(rows, tableRow{cells: []string{"ephemeral", "", "", rate(perSec(e.Packets-pe.Packets, dt)),
		bitRate(perSec(8*(e.Bytes-pe.Bytes), dt)), commas(e.Packets), human(e.Bytes), commas(e.Flows), "", ""}, label: true})
	writeTable(&b, viewColumns, rows, o.Width)

	fmt.Fprintln(&b)
	tx.list(bucketLine(&r.Buckets), len("frames:   "))
	if len(r.Alerts) > 0 {
		fmt.Fprintf(&b, "\nALERTS (%d)\n", len(r.Alerts))
		for i, a := range r.Alerts {
			if i == 5 {
				fmt.Fprintf(&b, "  and %s more\n", commas(uint64(len(r.Alerts)-5)))
				break
			}
			hosts := a.Hosts
			more := ""
			if len(hosts) > 4 {
				hosts, more = hosts[:4], " and "+commas(uint64(len(a.Hosts)-4))+" more"
			}
			tx.list(fmt.Sprintf("  %s/%d %s: %s, %s; hosts %s%s", a.Proto, a.Port, a.Name,
				Count(a.Packets, "packet"), Count(a.Flows, "flow"), strings.Join(hosts, ", "), more), 4)
		}
	}
	out := b.Bytes()
	if o.Terminal {
		var t bytes.Buffer
		t.Grow(len(out) + 256)
		t.WriteString("\033[H")
		for _, line := range bytes.SplitAfter(out, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			t.Write(bytes.TrimSuffix(line, []byte("\n")))
			t.WriteString("\033[K\n")
		}
		t.WriteString("\033[J")
		out = t.Bytes()
	}
	_, err := w.Write(out)
	return err
}

// WriteCapture writes the live capture lines of r (kernel counters, flow
// table), if it has them: the trailer of a live report's table.
func WriteCapture(w io.Writer, r *report.Report) error {
	var b bytes.Buffer
	writeCaptureLines(textWriter{&b, 0}, r)
	_, err := w.Write(b.Bytes())
	return err
}

// WriteCaptureWidth is WriteCapture with its lines fitted to width.
func WriteCaptureWidth(w io.Writer, r *report.Report, width int) error {
	var b bytes.Buffer
	writeCaptureLines(textWriter{&b, width}, r)
	_, err := w.Write(b.Bytes())
	return err
}

func writeCaptureLines(tx textWriter, r *report.Report) {
	c := r.Capture
	if c == nil {
		return
	}
	tx.list(fmt.Sprintf("capture:  %s received, %s dropped by kernel, %s dropped by interface",
		commas(c.Received), commas(c.DroppedKernel), commas(c.DroppedInterface)), len("capture:  "))
	line := fmt.Sprintf("table:    %s flows active, %s evicted (--max-flows), %s expired", commas(c.FlowsActive),
		commas(r.Flows.Evicted), commas(r.Flows.Expired))
	if c.HostsUntracked > 0 {
		line += fmt.Sprintf("; host table full: %s (service, host) pairs not counted, clients and servers are lower bounds", commas(c.HostsUntracked))
	}
	tx.list(line, len("table:    "))
}

// clock formats an elapsed time as h:mm:ss.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

// rate formats a per-second count: "0", "12", "1,234", "12.3k", "4.5M".
func rate(v float64) string {
	switch { // thresholds so that rounding never prints 1000.0k
	case v < 9999.5:
		return commas(uint64(v + 0.5))
	case v < 999950:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	case v < 999950000:
		return strconv.FormatFloat(v/1e6, 'f', 1, 64) + "M"
	}
	return strconv.FormatFloat(v/1e9, 'f', 1, 64) + "G"
}

// bitRate formats bits per second with a decimal unit: "0 b/s", "12.3 Mb/s".
func bitRate(v float64) string {
	const units = "kMGT"
	if v < 1000 {
		return strconv.FormatUint(uint64(v+0.5), 10) + " b/s"
	}
	v, i := v/1000, 0
	for v >= 999.95 && i < len(units)-1 {
		v /= 1000
		i++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i:i+1] + "b/s"
}
