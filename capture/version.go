//go:build cgo

package capture

import "github.com/google/gopacket/pcap"

// LibpcapVersion is the version string of the libpcap this binary is linked
// with ("libpcap version 1.10.3 (with TPACKET_V3)"), as pcap_lib_version()
// gives it.
func LibpcapVersion() string { return pcap.Version() }
