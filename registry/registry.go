package registry

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/portsift/portsift/decode/vocab"
)

// Entry is what the registry knows about one (protocol, port) pair.
// Entries returned by [Registry.Lookup] belong to the registry: do not modify
// them or their Aliases.
type Entry struct {
	Proto       vocab.Proto
	Port        uint16
	Name        string   // registry service name ("https"); "" if unnamed
	Aliases     []string // other names of the service ("www", "www-http"); read-only
	Description string   // one line; "" if none
	Risk        Risk
	Note        string // security note; non-empty iff Risk != RiskNone
	Source      string // "iana", "portsift", or the name of the --services file that set it last
}

// Sources of entries built into the binary.
const (
	SourceIANA     = "iana"     // IANA's names, through gopacket's port-name maps
	SourcePortsift = "portsift" // the embedded ports.txt
)

// Registry maps (protocol, port) to an [Entry]. It answers from one dense
// [65536] index array per protocol, exactly the shape of gopacket's
// tcpPortLayerType, so a lookup is one array index and never allocates.
//
// The zero value is an empty registry, ready to load into. A Registry is
// about 800 KiB; pass it by pointer. Lookups are safe for concurrent use;
// loading is not, and must not overlap lookups.
type Registry struct {
	// idx[t][port] is 1 + the index in entries of the entry for the
	// protocol of table t (see Proto.table) and port; 0 means none.
	// int32 because a registry can hold up to 3×65536 entries.
	idx     [len(vocab.PortProtos)][65536]int32
	entries []Entry
}

// Default returns the registry built into the binary: IANA's names from
// gopacket, corrected by preferredNames, overlaid with the embedded
// ports.txt. It is shared: treat it as read-only and use [Registry.Clone]
// to add files. It is data in the binary (table_default.go, which
// TestDefaultTableGolden checks against what build, in build_test.go, makes
// of the sources), so using it costs nothing at start-up, and the package
// needs neither gopacket's maps nor ports.txt at run time.
func Default() *Registry { return &defaultTable }

// apply merges rec into r: a new pair gets a new entry; an existing one
// takes rec's name and aliases (unless rec keeps the name), its description
// if it has one, and its risk and note if it has a risk.
func (r *Registry) apply(rec record, source string) {
	slot := &r.idx[table(rec.proto)][rec.port]
	if *slot == 0 {
		r.entries = append(r.entries, Entry{
			Proto: rec.proto, Port: rec.port, Name: rec.name, Aliases: rec.aliases,
			Description: rec.desc, Risk: rec.risk, Note: rec.note, Source: source,
		})
		*slot = int32(len(r.entries))
		return
	}
	e := &r.entries[*slot-1]
	if rec.name != "" {
		e.Name, e.Aliases = rec.name, rec.aliases
	}
	if rec.desc != "" {
		e.Description = rec.desc
	}
	if rec.risk != RiskNone {
		e.Risk, e.Note = rec.risk, rec.note
	}
	e.Source = source
}

// Clone returns a private copy of r to which files can be added without
// affecting r. Entries are copied; their Aliases slices are shared, which is
// safe because the registry never modifies a slice in place.
func (r *Registry) Clone() *Registry {
	c := new(Registry)
	c.idx = r.idx
	c.entries = slices.Clone(r.entries)
	return c
}

// Lookup returns what r knows about port on protocol p, or nil if nothing.
// The Entry belongs to r (do not modify it); it stays readable after later
// loads but then may be out of date. Lookup does not allocate.
func (r *Registry) Lookup(p vocab.Proto, port uint16) *Entry {
	var i int32
	switch p {
	case vocab.TCP:
		i = r.idx[0][port]
	case vocab.UDP:
		i = r.idx[1][port]
	case vocab.SCTP:
		i = r.idx[2][port]
	default:
		return nil
	}
	if i == 0 {
		return nil
	}
	return &r.entries[i-1]
}

// Name returns the service name of port on protocol p, or "" if the port
// is unnamed. It does not allocate.
func (r *Registry) Name(p vocab.Proto, port uint16) string {
	if e := r.Lookup(p, port); e != nil {
		return e.Name
	}
	return ""
}

// Len returns the number of (protocol, port) pairs r has an entry for.
func (r *Registry) Len() int { return len(r.entries) }

// Entries returns a copy of every entry, sorted by port, then protocol.
func (r *Registry) Entries() []Entry {
	return r.collect(func(*Entry) bool { return true })
}

// Risky returns every entry with a security note (risk note or alert),
// sorted by port, then protocol.
func (r *Registry) Risky() []Entry {
	return r.collect(func(e *Entry) bool { return e.Risk != RiskNone })
}

func (r *Registry) collect(keep func(*Entry) bool) []Entry {
	var out []Entry
	for port := range 65536 {
		for t := range vocab.PortProtos {
			if i := r.idx[t][port]; i != 0 && keep(&r.entries[i-1]) {
				out = append(out, r.entries[i-1])
			}
		}
	}
	return out
}

// Find answers a `portsift ports` query:
//
//	"1243"      the port on every protocol the registry knows it for
//	"443/udp"   one (port, protocol) pair
//	"ssh"       every entry whose name or an alias is ssh (case-insensitive)
//	"ssh/tcp"   the same, on one protocol
//
// Results are sorted by port, then protocol; a query that matches nothing
// gives an empty result and no error. Find returns an error for a query it
// cannot parse: an empty one, a port above 65535, an unknown protocol.
func (r *Registry) Find(query string) ([]Entry, error) {
	q := strings.TrimSpace(query)
	what, protoPart, hasProto := strings.Cut(q, "/")
	var only vocab.Proto
	if hasProto {
		p, err := vocab.ParsePortProto(protoPart)
		if err != nil {
			return nil, fmt.Errorf("bad query %q: %w", query, err)
		}
		only = p
	}
	if what == "" || strings.ContainsAny(what, " \t") {
		return nil, fmt.Errorf("bad query %q: want PORT, PORT/PROTO, NAME or NAME/PROTO", query)
	}
	if isDigits(what) {
		port, err := parsePort(what)
		if err != nil {
			return nil, fmt.Errorf("bad query %q: %w", query, err)
		}
		var out []Entry
		for _, p := range vocab.PortProtos {
			if only != 0 && p != only {
				continue
			}
			if e := r.Lookup(p, port); e != nil {
				out = append(out, *e)
			}
		}
		return out, nil
	}
	return r.collect(func(e *Entry) bool {
		if only != 0 && e.Proto != only {
			return false
		}
		if strings.EqualFold(e.Name, what) {
			return true
		}
		for _, a := range e.Aliases {
			if strings.EqualFold(a, what) {
				return true
			}
		}
		return false
	}), nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parsePort parses a decimal port number 0-65535.
func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || !isDigits(s) {
		return 0, fmt.Errorf("bad port %q", s)
	}
	return uint16(n), nil
}

// Fingerprint returns a short, stable hash of r's contents (every entry's
// protocol, port, name, aliases, description, risk and note; not Source), so
// that reports made with different registries can be told apart. It is 12
// hex digits (48 bits of SHA-256) and costs one pass over the entries.
func (r *Registry) Fingerprint() string {
	if r == &defaultTable {
		return defaultFingerprint // computed when the sources change (hashing took a third of a small read's start-up)
	}
	return r.fingerprint()
}

// fingerprint computes Fingerprint.
func (r *Registry) fingerprint() string {
	h := sha256.New()
	var buf []byte
	str := func(s string) {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	// The entries in Entries' order, without building that slice (6 MB).
	for port := range 65536 {
		for t := range vocab.PortProtos {
			i := r.idx[t][port]
			if i == 0 {
				continue
			}
			e := &r.entries[i-1]
			buf = append(buf[:0], byte(e.Proto), byte(e.Port>>8), byte(e.Port), byte(e.Risk))
			str(e.Name)
			buf = binary.AppendUvarint(buf, uint64(len(e.Aliases)))
			for _, a := range e.Aliases {
				str(a)
			}
			str(e.Description)
			str(e.Note)
			h.Write(buf)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}
