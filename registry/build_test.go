package registry

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/google/gopacket/layers"
	"github.com/portsift/portsift/decode/vocab"
)

// The default registry's sources and how they combine. build makes the
// registry that table_default.go holds (TestDefaultTableGolden; make golden
// rewrites the file from it); the binary carries only the result.

//go:embed ports.txt
var portsTxt string

// build makes the default registry from its sources: IANA's names from
// gopacket's maps, corrected by preferredNames, overlaid with ports.txt.
func build() (*Registry, error) {
	r := new(Registry)
	// One entry per IANA name and a few hundred more: sized up front.
	r.entries = make([]Entry, 0, len(layers.TCPPortNames)+len(layers.UDPPortNames)+len(layers.SCTPPortNames)+2048)
	addPortNames(r, vocab.TCP, layers.TCPPortNames)
	addPortNames(r, vocab.UDP, layers.UDPPortNames)
	addPortNames(r, vocab.SCTP, layers.SCTPPortNames)
	for _, pn := range preferredNames {
		r.apply(record{proto: pn.proto, port: pn.port, name: pn.name}, SourceIANA)
	}
	res, err := parseServices(strings.NewReader(portsTxt))
	if err != nil {
		return nil, fmt.Errorf("ports.txt: %w", err)
	}
	for _, rec := range res.recs {
		r.apply(rec, SourcePortsift)
	}
	return r, nil
}

// addPortNames copies one of gopacket's IANA maps into r. The map's order
// does not matter: each port is set once, and everything that lists or
// hashes entries walks them by port (the index), never in slice order.
func addPortNames[K ~uint16](r *Registry, p vocab.Proto, m map[K]string) {
	for port, name := range m {
		r.apply(record{proto: p, port: uint16(port), name: name}, SourceIANA)
	}
}
