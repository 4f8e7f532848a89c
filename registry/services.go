package registry

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/portsift/portsift/decode/vocab"
)

// Limits against hostile or broken input. IANA's CSV, the largest file we
// expect, is 1.1 MB with 14,500 records, its longest line is under 1 KiB,
// and it expands to about 11,600 (port, proto) pairs, so these leave ample
// room while bounding memory and time.
const (
	maxLineBytes = 64 << 10  // one line, without its newline
	maxFileBytes = 64 << 20  // a whole file
	maxEntries   = 1_000_000 // (port, proto) pairs named by a file, ranges expanded
)

// ianaHeader starts the first line of IANA's service-names-port-numbers.csv.
const ianaHeader = "Service Name,Port Number"

// record is one (proto, port) assignment read from a file.
type record struct {
	proto   vocab.Proto
	port    uint16
	name    string // "" keeps the existing name (a "-" line)
	aliases []string
	desc    string
	risk    Risk
	note    string
	line    int // first line of the row that set it
}

// parseResult is a parsed file: one record per (proto, port), in the order
// the pairs first appear.
type parseResult struct {
	recs    []record
	skipped int   // lines or rows not used: unknown protocol (ddp, dccp), no protocol, no name or no port (CSV)
	dups    []int // /etc/services: lines that repeat a (port, proto) given earlier, ignored
}

// LoadServices reads a services file from rd and adds its entries to r,
// overriding what r already has for the same (port, proto): the name and
// aliases (unless the line's name is "-"), the description if the line has
// one, and the risk and note if the line carries a risk level. The format is
// detected: IANA's service-names-port-numbers.csv (first line
// "Service Name,Port Number,...") or the /etc/services line format described
// in the package documentation. name is used as the entries' Source and in
// errors.
//
// It returns the number of (port, proto) pairs the file set. On error r is
// unchanged. Errors are one line and give the line number:
// `services file "x": line 12: bad port "99999"`.
func (r *Registry) LoadServices(rd io.Reader, name string) (int, error) {
	res, err := parseAny(rd)
	if err != nil {
		return 0, fmt.Errorf("services file %q: %w", name, err)
	}
	for _, rec := range res.recs {
		r.apply(rec, name)
	}
	return len(res.recs), nil
}

// LoadServicesFile is [Registry.LoadServices] on the file at path, with path
// as the entries' Source.
func (r *Registry) LoadServicesFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in our prefix
		}
		return fmt.Errorf("services file %q: %w", path, err)
	}
	defer f.Close()
	_, err = r.LoadServices(f, path)
	return err
}

// parseAny detects the format of rd and parses it.
func parseAny(rd io.Reader) (parseResult, error) {
	lim := &limitReader{r: rd}
	br := bufio.NewReaderSize(lim, 64<<10)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3) // UTF-8 byte order mark
	}
	if b, _ := br.Peek(len(ianaHeader)); string(b) == ianaHeader {
		return parseIANACSV(br, lim)
	}
	return parseServicesLines(br, lim)
}

// parseServices parses the /etc/services line format; used for ports.txt.
func parseServices(rd io.Reader) (parseResult, error) {
	lim := &limitReader{r: rd}
	return parseServicesLines(lim, lim)
}

type pairKey struct {
	proto vocab.Proto
	port  uint16
}

// parseServicesLines parses the /etc/services format:
//
//	name  port[-last]/proto[/proto...]  [alias...]  [# description [| note|alert: text]]
//
// lim is the limitReader under rd; its error, if any, wins over a parse
// error, since a cut line may look malformed.
func parseServicesLines(rd io.Reader, lim *limitReader) (parseResult, error) {
	var res parseResult
	seen := make(map[pairKey]bool)
	expanded := 0
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 4096), maxLineBytes+2)
	lineNo := 0
	fail := func(format string, args ...any) (parseResult, error) {
		if lim.err != nil {
			return parseResult{}, lim.err
		}
		return parseResult{}, fmt.Errorf("line %d: "+format, append([]any{lineNo}, args...)...)
	}
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		data, comment, hasComment := strings.Cut(line, "#")
		f := strings.Fields(data)
		if len(f) == 0 {
			continue // blank or comment-only
		}
		if len(f) < 2 {
			return fail("want \"name port/proto\", got %q", strings.TrimSpace(data))
		}
		rec := record{name: f[0], line: lineNo}
		if rec.name == "-" {
			rec.name = ""
			if len(f) > 2 {
				return fail("aliases need a name, not \"-\"")
			}
		} else if len(f) > 2 {
			rec.aliases = f[2:]
		}
		if hasComment {
			var err error
			rec.desc, rec.risk, rec.note, err = splitComment(comment)
			if err != nil {
				return fail("%w", err)
			}
		}
		portPart, protoPart, ok := strings.Cut(f[1], "/")
		if !ok || protoPart == "" {
			return fail("bad port/proto %q", f[1])
		}
		first, last, err := parsePortRange(portPart)
		if err != nil {
			return fail("%w", err)
		}
		var ps []vocab.Proto
		for _, s := range strings.Split(protoPart, "/") {
			p, err := vocab.ParsePortProto(s)
			if err != nil {
				if s == "" {
					return fail("bad port/proto %q", f[1])
				}
				continue // ddp, dccp, ...: not ours to count
			}
			ps = append(ps, p)
		}
		if len(ps) == 0 {
			res.skipped++
			continue
		}
		expanded += len(ps) * (int(last) - int(first) + 1)
		if expanded > maxEntries {
			return fail("more than %d (port, proto) entries", maxEntries)
		}
		for _, p := range ps {
			for port := int(first); port <= int(last); port++ {
				k := pairKey{p, uint16(port)}
				if seen[k] {
					res.dups = append(res.dups, lineNo)
					continue
				}
				seen[k] = true
				rec.proto, rec.port = p, uint16(port)
				res.recs = append(res.recs, rec)
			}
		}
	}
	if lim.err != nil {
		return parseResult{}, lim.err
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return parseResult{}, fmt.Errorf("line %d: longer than %d bytes", lineNo+1, maxLineBytes)
		}
		return parseResult{}, fmt.Errorf("line %d: %w", lineNo+1, err)
	}
	return res, nil
}

// splitComment splits a comment into description, risk and note. A comment
// "desc | alert: text" carries risk alert and note "text"; a comment without
// "| note:" or "| alert:" is all description.
func splitComment(c string) (desc string, risk Risk, note string, err error) {
	rest := c
	for {
		i := strings.IndexByte(rest, '|')
		if i < 0 {
			return oneLine(c), RiskNone, "", nil
		}
		after := strings.TrimLeft(rest[i+1:], " \t")
		for _, rk := range [...]Risk{RiskNote, RiskAlert} {
			if text, ok := strings.CutPrefix(after, rk.String()+":"); ok {
				note = oneLine(text)
				if note == "" {
					return "", 0, "", fmt.Errorf("risk %s without a security note", rk)
				}
				return oneLine(c[:len(c)-len(rest)+i]), rk, note, nil
			}
		}
		rest = rest[i+1:]
	}
}

// oneLine collapses runs of white space (newlines included) to one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// parsePortRange parses "22" or "6000-6063".
func parsePortRange(s string) (first, last uint16, err error) {
	lo, hi, isRange := strings.Cut(s, "-")
	first, err = parsePort(lo)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return first, first, nil
	}
	last, err = parsePort(hi)
	if err != nil {
		return 0, 0, err
	}
	if last < first {
		return 0, 0, fmt.Errorf("bad port range %q: %d is above %d", s, first, last)
	}
	return first, last, nil
}

// IANA CSV columns (0-based).
const (
	colName = iota
	colPort
	colProto
	colDesc
	colNotes = 11 // Assignment Notes
)

// wellFormed is RFC 6335's service name syntax, lower-cased: IANA's own
// lower-case, letters/digits/hyphens form.
var wellFormed = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// aliasNote matches Assignment Notes that mark a row as a second name for a
// service registered under another one.
var aliasNote = regexp.MustCompile(`(?i)\b(alias to|duplicate of)\b`)

// candidateRank orders IANA's names for one (port, proto), lower is better,
// following the registry-data README: not an alias/duplicate row; then a row
// with a description; then a well-formed name; then, to break the ties these
// rules leave, the name preferredNames gives. Among equals the first in
// IANA's order wins.
func candidateRank(k pairKey, name, desc, notes string) int {
	rank := 0
	if aliasNote.MatchString(notes) {
		rank += 8
	}
	if strings.TrimSpace(desc) == "" {
		rank += 4
	}
	if !wellFormed.MatchString(name) {
		rank += 2
	}
	preferred := false
	for _, pn := range preferredNames {
		if pn.proto == k.proto && pn.port == k.port && pn.name == name {
			preferred = true
			break
		}
	}
	if !preferred {
		rank++
	}
	return rank
}

// parseIANACSV parses IANA's service-names-port-numbers.csv: one record per
// (port, proto) with the name IANA's duplicate rules choose. Rows without a
// name or port and rows for dccp or no protocol are counted as skipped.
func parseIANACSV(rd io.Reader, lim *limitReader) (parseResult, error) {
	var res parseResult
	cr := csv.NewReader(rd)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	index := make(map[pairKey]int)
	var ranks []int // parallel to res.recs
	expanded := 0
	header := true
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if lim.err != nil {
			return parseResult{}, lim.err
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return parseResult{}, fmt.Errorf("line %d: %w", pe.Line, pe.Err)
			}
			return parseResult{}, err
		}
		line, _ := cr.FieldPos(0)
		if header {
			header = false
			continue
		}
		if len(row) <= colDesc {
			return parseResult{}, fmt.Errorf("line %d: %d fields, want at least %d", line, len(row), colDesc+1)
		}
		name, portField, protoField := strings.TrimSpace(row[colName]), strings.TrimSpace(row[colPort]), strings.TrimSpace(row[colProto])
		if name == "" || portField == "" || protoField == "" {
			res.skipped++
			continue
		}
		p, err := vocab.ParsePortProto(protoField)
		if err != nil {
			res.skipped++ // dccp
			continue
		}
		first, last, err := parsePortRange(portField)
		if err != nil {
			return parseResult{}, fmt.Errorf("line %d: %w", line, err)
		}
		expanded += int(last) - int(first) + 1
		if expanded > maxEntries {
			return parseResult{}, fmt.Errorf("line %d: more than %d (port, proto) entries", line, maxEntries)
		}
		notes := ""
		if len(row) > colNotes {
			notes = row[colNotes]
		}
		desc, _, _ := strings.Cut(row[colDesc], "\n")
		desc = oneLine(desc)
		for port := int(first); port <= int(last); port++ {
			k := pairKey{p, uint16(port)}
			rank := candidateRank(k, name, desc, notes)
			rec := record{proto: p, port: uint16(port), name: name, desc: desc, line: line}
			if i, ok := index[k]; ok {
				if rank < ranks[i] {
					res.recs[i], ranks[i] = rec, rank
				}
				continue
			}
			index[k] = len(res.recs)
			res.recs = append(res.recs, rec)
			ranks = append(ranks, rank)
		}
	}
	return res, nil
}

// limitReader passes reads through while enforcing maxLineBytes and
// maxFileBytes. Its first violation is kept in err (with the line number)
// and returned from every later Read.
type limitReader struct {
	r       io.Reader
	total   int64
	lineLen int
	lines   int // newlines seen
	err     error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			l.lines++
			l.lineLen = 0
			continue
		}
		l.lineLen++
		if l.lineLen > maxLineBytes {
			l.err = fmt.Errorf("line %d: longer than %d bytes", l.lines+1, maxLineBytes)
			return i, l.err
		}
	}
	l.total += int64(n)
	if l.total > maxFileBytes {
		l.err = fmt.Errorf("line %d: file longer than %d bytes", l.lines+1, maxFileBytes)
		return n, l.err
	}
	return n, err
}
