package registry

import "github.com/portsift/portsift/decode/vocab"

// preferredNames settles (port, proto) pairs for which IANA lists more than
// one service name. It serves two loaders:
//
//   - gopacket's maps keep the first name in IANA's order; at start-up these
//     rows replace that name with the one IANA's duplicate rules choose.
//     Against IANA's CSV of 2026-02 the rules (drop "alias to"/"duplicate of"
//     rows, prefer a row with a description, prefer a well-formed name)
//     differ from first-name for exactly the 7 pairs marked "rules" below;
//   - the IANA CSV loader applies the rules itself and uses this table only
//     among the candidates of a pair, to break the ties the rules leave
//     (32 pairs in 2026-02; the others keep IANA's first name).
//
// These are names, not text: facts IANA publishes under CC0.
var preferredNames = []struct {
	proto vocab.Proto
	port  uint16
	name  string
}{
	{vocab.TCP, 113, "auth"},        // rules: "ident" has no description
	{vocab.UDP, 512, "biff"},        // rules: "comsat" has no description
	{vocab.TCP, 666, "doom"},        // rules: "mdqs" has no description
	{vocab.UDP, 666, "doom"},        // rules
	{vocab.UDP, 750, "kerberos-iv"}, // rules: "loadav" has no description
	{vocab.TCP, 2049, "nfs"},        // rules: "shilp" has no description (IANA notes a conflict)
	{vocab.UDP, 2049, "nfs"},        // rules
	{vocab.TCP, 465, "submissions"}, // tie with "urd"; RFC 8314 mail submission over TLS is what runs here
	{vocab.TCP, 1701, "l2tp"},       // tie with "l2f"; L2TP replaced Cisco's L2F on this port
	{vocab.UDP, 1701, "l2tp"},       // tie
}
