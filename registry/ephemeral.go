package registry

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Preset is a named ephemeral port range: the ports an operating system
// picks client (source) ports from by default.
type Preset struct {
	Name        string // as accepted by ParseEphemeral: "linux"
	First, Last uint16 // inclusive
	About       string // where the range comes from, one line
}

// presets are the project's own table of default ephemeral ranges, compiled
// from each system's documentation or source (registry-data's
// ephemeral-port-ranges.csv). Order is the order of help text.
var presets = []Preset{
	// RFC 6335 sections 6 and 8.1.2: IANA never assigns these ports, and they
	// must not identify a service.
	{"iana", 49152, 65535, "IANA dynamic/private ports (RFC 6335)"},
	// net.ipv4.ip_local_port_range; 32768-60999 since Linux 4.6 (2016),
	// 32768-61000 from 2.6.22 (2007).
	{"linux", 32768, 60999, "Linux default since 4.6 (ip_local_port_range)"},
	// Microsoft KB 929851: Vista and Server 2008 moved to IANA's range.
	{"windows", 49152, 65535, "Windows Vista / Server 2008 and later (KB 929851)"},
	// KB 929851 and KB 196271: MaxUserPort defaulted to 5000.
	{"windows-xp", 1025, 5000, "Windows XP / Server 2003 and earlier (MaxUserPort 5000)"},
	// XNU in_pcb.c: ipport_firstauto/lastauto default to IPPORT_HIFIRSTAUTO/HILASTAUTO.
	{"macos", 49152, 65535, "macOS and iOS (net.inet.ip.portrange.first/last)"},
	// sys/netinet/in.h: IPPORT_EPHEMERALFIRST 10000, IPPORT_EPHEMERALLAST 65535.
	{"freebsd", 10000, 65535, "FreeBSD today (IPPORT_EPHEMERALFIRST/LAST)"},
	// sys/netinet/in.h: IPPORT_RESERVED to IPPORT_USERRESERVED, randomised.
	{"openbsd", 1024, 49151, "OpenBSD (IPPORT_RESERVED to IPPORT_USERRESERVED)"},
	// 4.4BSD in_pcb.c; also the old non-Apple branch of XNU.
	{"bsd", 1024, 5000, "4.4BSD and old BSD systems"},
	// Solaris tunable parameters tcp_smallest_anon_port/tcp_largest_anon_port.
	{"solaris", 32768, 65535, "Solaris and illumos (tcp_smallest/largest_anon_port)"},
	// AIX no(1) options tcp_ephemeral_low/high and udp_ephemeral_low/high.
	{"aix", 32768, 65535, "AIX (tcp_ephemeral_low/high)"},
}

// DefaultEphemeralSpec is the --ephemeral default: today's Linux, Windows and
// macOS clients.
const DefaultEphemeralSpec = "iana,linux"

// Presets returns the named ranges ParseEphemeral accepts, for help text.
// The caller may modify the returned slice.
func Presets() []Preset {
	return append([]Preset(nil), presets...)
}

// Ephemeral is a set of ports, one bit per port (8 KiB). The zero value is
// the empty set. Build one with ParseEphemeral or Add; Contains does not
// allocate.
type Ephemeral struct {
	bits [65536 / 64]uint64
}

// DefaultEphemeral returns the set for DefaultEphemeralSpec, 32768-65535.
func DefaultEphemeral() Ephemeral {
	e, err := ParseEphemeral(DefaultEphemeralSpec)
	if err != nil {
		panic("registry: " + err.Error())
	}
	return e
}

// ParseEphemeral parses a comma-separated list of port ranges
// ("32768-60999"), single ports ("5000") and preset names ("linux", see
// Presets), and returns their union. Case and spaces around items do not
// matter. The error names the item it could not parse.
func ParseEphemeral(spec string) (Ephemeral, error) {
	var e Ephemeral
	if strings.TrimSpace(spec) == "" {
		return e, fmt.Errorf("empty ephemeral port spec")
	}
	for _, item := range strings.Split(spec, ",") {
		item = strings.ToLower(strings.TrimSpace(item))
		if p, ok := findPreset(item); ok {
			e.Add(p.First, p.Last)
			continue
		}
		if item == "" || !(item[0] >= '0' && item[0] <= '9') {
			return Ephemeral{}, fmt.Errorf("ephemeral ports %q: unknown preset %q (want a port, a range first-last or one of %s)",
				spec, item, presetNames())
		}
		if a, b, ok := strings.Cut(item, ":"); ok {
			return Ephemeral{}, fmt.Errorf("ephemeral ports %q: ranges use '-' (%s-%s), not ':'", spec, a, b)
		}
		first, last, err := parsePortRange(item)
		if err != nil {
			return Ephemeral{}, fmt.Errorf("ephemeral ports %q: %w", spec, err)
		}
		e.Add(first, last)
	}
	return e, nil
}

func findPreset(name string) (Preset, bool) {
	for _, p := range presets {
		if p.Name == name {
			return p, true
		}
	}
	return Preset{}, false
}

func presetNames() string {
	names := make([]string, len(presets))
	for i, p := range presets {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// Add adds the ports first through last (inclusive) to e; nothing if
// last < first.
func (e *Ephemeral) Add(first, last uint16) {
	for p := int(first); p <= int(last); p++ {
		e.bits[p>>6] |= 1 << (p & 63)
	}
}

// Contains reports whether port is in e. It does not allocate.
func (e *Ephemeral) Contains(port uint16) bool {
	return e.bits[port>>6]&(1<<(port&63)) != 0
}

// Len returns the number of ports in e.
func (e *Ephemeral) Len() int {
	n := 0
	for _, w := range e.bits {
		n += bits.OnesCount64(w)
	}
	return n
}

// String returns e as its canonical spec: merged ranges in increasing order,
// "32768-65535" or "1025-5000,49152-65535", a lone port as "53", and "" for
// the empty set. ParseEphemeral(e.String()) gives e back.
func (e Ephemeral) String() string {
	var b strings.Builder
	for p := 0; p < 65536; {
		if !e.Contains(uint16(p)) {
			p++
			continue
		}
		q := p
		for q+1 < 65536 && e.Contains(uint16(q+1)) {
			q++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(p))
		if q > p {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(q))
		}
		p = q + 1
	}
	return b.String()
}
