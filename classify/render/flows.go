package render

import (
	"bufio"
	"io"
	"net/netip"
	"strconv"
	"time"

	"github.com/portsift/portsift/classify/report"
)

// FlowWriter writes FlowRecords as JSON lines or CSV rows (same columns).
// It formats into a reused buffer: writing a record does not allocate.
type FlowWriter struct {
	w   *bufio.Writer
	csv bool
	buf []byte
	err error
}

// FlowColumns are the CSV header and the JSON keys, in order.
var FlowColumns = []string{"proto", "client", "server", "service", "reason",
	"packets_to_server", "bytes_to_server", "packets_to_client", "bytes_to_client",
	"fragments", "fragment_bytes", "first", "last", "end"}

// NewFlowWriter returns a writer of JSON lines, or of CSV with a header
// line when csv is true.
func NewFlowWriter(w io.Writer, csv bool) *FlowWriter {
	fw := &FlowWriter{w: bufio.NewWriterSize(w, 64<<10), csv: csv, buf: make([]byte, 0, 512)}
	if csv {
		for i, c := range FlowColumns {
			if i > 0 {
				fw.w.WriteByte(',')
			}
			fw.w.WriteString(c)
		}
		fw.w.WriteByte('\n')
	}
	return fw
}

// Write writes one record. The first write error is kept and returned by
// Write and Flush from then on.
func (fw *FlowWriter) Write(r *report.FlowRecord) error {
	if fw.err != nil {
		return fw.err
	}
	b := fw.buf[:0]
	str := func(k, v string) {
		if fw.csv {
			b = append(b, v...) // values never contain commas or quotes
			b = append(b, ',')
			return
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":`...)
		b = appendJSONString(b, v)
		b = append(b, ',')
	}
	num := func(k string, v uint64) {
		if !fw.csv {
			b = append(b, '"')
			b = append(b, k...)
			b = append(b, `":`...)
		}
		b = strconv.AppendUint(b, v, 10)
		b = append(b, ',')
	}
	addr := func(k string, ap netip.AddrPort) {
		if fw.csv {
			b = ap.AppendTo(b)
			b = append(b, ',')
			return
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":"`...)
		b = ap.AppendTo(b)
		b = append(b, `",`...)
	}
	tm := func(k string, t time.Time) {
		if !fw.csv {
			b = append(b, '"')
			b = append(b, k...)
			b = append(b, `":"`...)
		}
		b = t.AppendFormat(b, time.RFC3339Nano)
		if fw.csv {
			b = append(b, ',')
		} else {
			b = append(b, `",`...)
		}
	}
	if !fw.csv {
		b = append(b, '{')
	}
	str("proto", r.Proto.String())
	addr("client", r.Client)
	addr("server", r.Server)
	str("service", r.Service)
	str("reason", r.Reason.String())
	num("packets_to_server", r.PacketsToServer)
	num("bytes_to_server", r.BytesToServer)
	num("packets_to_client", r.PacketsToClient)
	num("bytes_to_client", r.BytesToClient)
	num("fragments", r.Fragments)
	num("fragment_bytes", r.FragmentBytes)
	tm("first", r.First)
	tm("last", r.Last)
	str("end", r.End)
	b = b[:len(b)-1] // the last separator
	if !fw.csv {
		b = append(b, '}')
	}
	b = append(b, '\n')
	fw.buf = b
	_, fw.err = fw.w.Write(b)
	return fw.err
}

// Flush writes buffered records.
func (fw *FlowWriter) Flush() error {
	if fw.err != nil {
		return fw.err
	}
	fw.err = fw.w.Flush()
	return fw.err
}

// appendJSONString appends v as a JSON string. Names come from registry
// files a user may pass, so quotes, backslashes and control bytes are escaped.
func appendJSONString(b []byte, v string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
