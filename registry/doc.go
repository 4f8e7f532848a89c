// Package registry owns portsift's port registry: the mapping from a
// (protocol, port) pair to a service name, a description and a security
// note, and the sets of ports that operating systems hand out as ephemeral
// (client) ports.
//
// # Sources and priority
//
// [Default] is the registry made from data compiled into the binary, so
// every machine gives the same answer. It is made when the sources change,
// not at start-up: table_default.go is what build makes of them, written out
// by make golden and checked against them by the tests. The sources:
//
//  1. IANA's service names, from gopacket's exported maps
//     (layers.TCPPortNames, UDPPortNames and SCTPPortNames). gopacket keeps
//     the first name IANA lists for a port; a small table (preferredNames)
//     corrects the pairs where IANA's duplicate-name rules pick another one,
//     e.g. 2049 → nfs rather than shilp.
//  2. The project's own file ports.txt, which overrides IANA's
//     name and description and is the only source of risk levels and
//     security notes. It covers the ports of the seed document (with its
//     known errors fixed), a list of classic trojan and backdoor ports, and
//     port 0.
//  3. Files the user adds with [Registry.LoadServices] (the --services flag),
//     applied to a [Registry.Clone] of the default. They override names,
//     aliases and descriptions; they change a risk level only when a line
//     carries one.
//
// # ports.txt format
//
// ports.txt, and any file given to LoadServices that is not IANA's CSV, uses
// the /etc/services line format,
//
//	name  port/proto  [alias...]  [# comment]
//
// with three extensions, so that one parser reads our data, a system's
// /etc/services and Wireshark's services file:
//
//   - port may be a range ("6000-6063") and several protocols may follow it
//     ("7/tcp/udp"), as in Wireshark's services file;
//   - name "-" sets no name: the port keeps the name it already has (IANA's),
//     or stays unnamed;
//   - a comment is the description; if it contains "| note: text" or
//     "| alert: text", the part before the bar is the description and the
//     text is the security note at that risk level.
//
// Protocols other than tcp, udp and sctp (ddp, dccp) are skipped. Within one
// file the first line for a (port, proto) wins, as with getservbyport(3).
//
// # Performance and concurrency
//
// A Registry answers from dense [65536] index arrays per protocol, the shape
// of gopacket's tcpPortLayerType table: [Registry.Lookup], [Registry.Name]
// and [Ephemeral.Contains] are an array index and never allocate. The
// registry returned by Default is shared and must not be modified; lookups on
// a Registry are safe for concurrent use as long as nobody loads into it at
// the same time.
package registry
