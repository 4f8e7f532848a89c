package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/portsift/portsift/capture/sharedtest"
	"github.com/portsift/portsift/classify/pipeline"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
)

// portKey counts frames per (protocol, port) the way the cross-check needs.
type portKey struct {
	proto string
	port  uint16
}

// tsharkCounts runs tshark without IP reassembly and returns, for frames
// whose outermost transport header is TCP, UDP or SCTP, the frame count per
// protocol and per (protocol, port): each frame counts once for its source
// and once for its destination port (once if they are equal).
//
// With innermost, the transport header after the last IP header counts
// instead (what --decap classifies), and VXLAN is also decoded on Linux's
// port 8472 (tshark knows only 4789).
func tsharkCounts(t *testing.T, file string, innermost bool) (map[string]uint64, map[portKey]uint64) {
	t.Helper()
	occ, pick := "occurrence=f", outermostTransport
	args := []string{"-n", "-r", file, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"}
	args = append(args, tsharkDecodeAs[filepath.Base(file)]...)
	if innermost {
		occ, pick = "occurrence=l", innermostTransport
		args = append(args, "-d", "udp.port==8472,vxlan")
	}
	cmd := exec.Command("tshark", append(args,
		"-T", "fields", "-E", occ, "-E", "separator=|", "-e", "frame.protocols",
		"-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport", "-e", "sctp.srcport", "-e", "sctp.dstport")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	refusal, refuses := tsharkRefuses[filepath.Base(file)]
	switch {
	case refuses && (err == nil || !strings.Contains(stderr.String(), refusal)):
		t.Fatalf("tshark on %s: want it to refuse the file with %q; got %v: %s (drop it from tsharkRefuses?)", file, refusal, err, stderr.String())
	case refuses:
		t.Logf("tshark refuses %s: %s", filepath.Base(file), refusal)
	case err != nil && len(out) == 0:
		t.Fatalf("tshark on %s: %v: %s", file, err, stderr.String())
	}
	protos := map[string]uint64{}
	ports := map[portKey]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) != 7 {
			t.Fatalf("tshark line %q: %d fields", sc.Text(), len(f))
		}
		proto := pick(f[0])
		var sp, dp string
		switch proto {
		case "tcp":
			sp, dp = f[1], f[2]
		case "udp":
			sp, dp = f[3], f[4]
		case "sctp":
			sp, dp = f[5], f[6]
		default:
			continue
		}
		if sp == "" || dp == "" {
			continue // tshark names the protocol but could not read the ports
		}
		protos[proto]++
		a, _ := strconv.Atoi(sp)
		b, _ := strconv.Atoi(dp)
		ports[portKey{proto, uint16(a)}]++
		if a != b {
			ports[portKey{proto, uint16(b)}]++
		}
	}
	return protos, ports
}

// outermostTransport returns the protocol carried by the first IP header in
// a frame.protocols string ("eth:ethertype:ip:udp:vxlan:..."), or "" when
// that is not TCP, UDP or SCTP (ICMP quoting a header, GRE, IP-in-IP, ...).
func outermostTransport(protocols string) string {
	seenIP := false
	for _, p := range strings.Split(protocols, ":") {
		switch {
		case p == "ip" || p == "ipv6":
			if seenIP {
				return "" // IP inside IP: the outer payload is not a transport header
			}
			seenIP = true
		case strings.HasPrefix(p, "ipv6."): // extension headers
		case !seenIP:
		case p == "tcp" || p == "udp" || p == "sctp":
			return p
		default:
			return ""
		}
	}
	return ""
}

// innermostTransport returns the protocol carried by the last IP header,
// or "" when that is not TCP, UDP or SCTP.
func innermostTransport(protocols string) string {
	ps := strings.Split(protocols, ":")
	last := -1
	for i, p := range ps {
		if p == "ip" || p == "ipv6" {
			last = i
		}
	}
	if last < 0 {
		return ""
	}
	for i, p := range ps[last+1:] {
		switch {
		case strings.HasPrefix(p, "ipv6."):
		case p == "tcp" || p == "udp" || p == "sctp":
			// A tunnel whose inner frame is not IP (VXLAN carrying ARP):
			// tshark's last transport header is the outer one, while
			// --decap counts the inner frame (non-ip).
			for _, q := range ps[last+2+i:] {
				if q == "eth" || q == "arp" || q == "ppp" || q == "stp" || q == "llc" {
					return ""
				}
			}
			return p
		default:
			return ""
		}
	}
	return ""
}

// ourCounts reads file with portsift and returns the same counts as
// tsharkCounts: bucket frames per protocol, and per (protocol, port) the
// transport-header frames of the flows on that port (from --flows, minus
// later fragments, which carry no ports).
func ourCounts(t *testing.T, file string, extra ...string) (map[string]uint64, map[portKey]uint64, *report.Report) {
	t.Helper()
	flows := filepath.Join(t.TempDir(), "flows.jsonl")
	ios, _, out, errOut := TestIO()
	code := Main(append([]string{"read", "-q", "-o", "json", "--flows", flows, file}, extra...), ios)
	if code != ExitOK && code != ExitFailure {
		t.Fatalf("portsift read %s: exit %d: %s", file, code, errOut)
	}
	var rep report.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("portsift read %s: bad JSON: %v\n%s", file, err, out)
	}
	protos := map[string]uint64{"tcp": rep.Buckets[vocab.BucketTCP].Frames, "udp": rep.Buckets[vocab.BucketUDP].Frames, "sctp": rep.Buckets[vocab.BucketSCTP].Frames}
	for k, v := range protos {
		if v == 0 {
			delete(protos, k)
		}
	}
	ports := map[portKey]uint64{}
	data, err := os.ReadFile(flows)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var r struct {
			Proto           string `json:"proto"`
			Client, Server  string
			PacketsToServer uint64 `json:"packets_to_server"`
			PacketsToClient uint64 `json:"packets_to_client"`
			Fragments       uint64 `json:"fragments"`
		}
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("flow line %q: %v", line, err)
		}
		n := r.PacketsToServer + r.PacketsToClient - r.Fragments
		c, s := netip.MustParseAddrPort(r.Client), netip.MustParseAddrPort(r.Server)
		ports[portKey{r.Proto, c.Port()}] += n
		if c.Port() != s.Port() {
			ports[portKey{r.Proto, s.Port()}] += n
		}
	}
	return protos, ports, &rep
}

func diffCounts[K comparable](want, got map[K]uint64) []string {
	var d []string
	for k, w := range want {
		if g := got[k]; g != w {
			d = append(d, fmt.Sprintf("%v: tshark %d, portsift %d", k, w, g))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok && g != 0 {
			d = append(d, fmt.Sprintf("%v: tshark 0, portsift %d", k, g))
		}
	}
	sort.Strings(d)
	return d
}

// quirkTraces are the files of testdata/corrupt that are odd but readable
// to their end (capture/corrupt_test.go lists them without an error;
// TestQuirkTracesListed keeps this list exact). They are checked against
// tshark like the other traces, and have goldens in testdata/golden/corrupt.
var quirkTraces = []string{
	"absurd-times.pcap",
	"caplen-over-snaplen.pcap",
	"caplen-over-wire.pcap",
	"linktype-284.pcap",
	"linktype-284.pcapng",
	"linktype-fcs-bits.pcap",
	"pcap-huge-snaplen.pcap",
	"pcap-version-2.5.pcap",
	"pcapng-far-future.pcapng",
	"pcapng-huge-snaplen.pcapng",
	"pcapng-unknown-blocks.pcapng",
	"zero-length.pcap",
}

// TestQuirkTracesListed: quirkTraces is exactly the files of testdata/corrupt
// that portsift reads to their end.
func TestQuirkTracesListed(t *testing.T) {
	files, _ := filepath.Glob("../testdata/corrupt/*")
	if len(files) == 0 {
		t.Fatal("no files in ../testdata/corrupt")
	}
	var readable []string
	for _, f := range files {
		rep, _ := pipeline.ReadFiles(t.Context(), []string{f}, pipeline.Options{})
		if rep != nil && len(rep.Sources) == 1 && rep.Sources[0].Error == "" {
			readable = append(readable, filepath.Base(f))
		}
	}
	if strings.Join(readable, " ") != strings.Join(quirkTraces, " ") {
		t.Errorf("readable files of testdata/corrupt:\n  %v\nquirkTraces:\n  %v", readable, quirkTraces)
	}
}

// TestTsharkAgreement checks every public trace in ../shared/traces, every
// generated trace in testdata/traces and testdata/tunnels, and the readable
// odd files of testdata/corrupt (quirkTraces): per transport protocol and
// per port, portsift's frame counts must equal tshark's for the outermost
// transport header.
func TestTsharkAgreement(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed (make deps installs it)")
	}
	var files []string
	if m := sharedtest.Traces(); len(m) > 0 {
		files = append(files, m...)
	} else {
		t.Log("shared traces absent: checking generated traces only")
	}
	gen, _ := filepath.Glob("../testdata/traces/*")
	files = append(files, gen...)
	tun, _ := filepath.Glob("../testdata/tunnels/*.pcap*")
	files = append(files, tun...)
	for _, q := range quirkTraces {
		files = append(files, filepath.Join("../testdata/corrupt", q))
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".md") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			wantP, wantPorts := tsharkCounts(t, f, false)
			if k, ok := tsharkWrong[filepath.Base(f)]; ok {
				t.Logf("tshark disagrees by design: %s", k.why)
				wantP, wantPorts = k.protos, k.ports
			}
			gotP, gotPorts, _ := ourCounts(t, f)
			if d := diffCounts(wantP, gotP); len(d) > 0 {
				t.Errorf("frames per transport differ:\n  %s", strings.Join(d, "\n  "))
			}
			if d := diffCounts(wantPorts, gotPorts); len(d) > 0 {
				t.Errorf("frames per port differ (%d ports):\n  %s", len(d), strings.Join(d, "\n  "))
			}
		})
	}
	if n == 0 {
		t.Skip("no traces found")
	}
}

// tsharkWrong lists traces where tshark's reading is wrong, with the counts
// that are right and why. Each was checked by hand against tcpdump/libpcap.
var tsharkWrong = map[string]struct {
	why    string
	protos map[string]uint64
	ports  map[portKey]uint64
}{
	// The second record header claims 1,409,179,648 captured bytes. Wireshark's
	// wiretap then guesses a different pcap variant (with 24-byte record
	// headers) and shows frame 1 shifted by 6 bytes as "eth:ethertype:data".
	// libpcap and tcpdump read the standard format: frame 1 is
	// "IP 192.168.0.0.256 > 0.0.16.64.0: tcp" (tcpdump -nn -r), then stop at
	// the corrupt record, as portsift does.
	"sv-bug-6875-fuzz.pcap": {
		why:    "wiretap guesses a modified pcap format after the corrupt second record; tcpdump agrees with portsift",
		protos: map[string]uint64{"tcp": 1},
		ports:  map[portKey]uint64{{"tcp", 256}: 1, {"tcp", 0}: 1},
	},
	// Between the second and third frames is a systemd journal export
	// block (type 9) of 32 bytes, "MESSAGE=portsift\n". Wireshark 4.0
	// wants at least 35 and gives up on the rest of the file: "pcapng:
	// total block length 32 of a systemd journal export block is too small
	// (< 35)", so its third frame is missing. libpcap skips the block as
	// it skips every block it does not use: tcpdump -nnr shows the three
	// frames, SYN, SYN-ACK and ACK of 192.0.2.10.51000 > 198.51.100.1.443,
	// as portsift does. (tshark's two "data" frames are the custom blocks,
	// which it shows as frames; they carry no transport header.)
	"pcapng-unknown-blocks.pcapng": {
		why:    "wiretap stops at a journal export block shorter than it expects; libpcap skips it and reads the third frame",
		protos: map[string]uint64{"tcp": 3},
		ports:  map[portKey]uint64{{"tcp", 443}: 3, {"tcp", 51000}: 3},
	},
}

// tsharkRefuses lists files tshark will not open at all, with the message it
// gives (checked, so that a tshark that learns to read one shows up here).
// tshark's counts for them are empty; portsift's must be too: no frame of
// such a file has a transport header portsift may count.
var tsharkRefuses = map[string]string{
	// Wireshark 4.0 has no encapsulation for LINKTYPE_DSA_TAG_DSA (284)
	// and refuses a pcap of it (wiretap/libpcap.c, libpcap_open: "pcap:
	// network type %u unknown or unsupported"); in pcapng it reads such an
	// interface's frames as "data" (linktype-284.pcapng is checked as
	// usual). libpcap 1.10.3 knows 284 as DSA_TAG_DSA: tcpdump -r decodes
	// a Marvell DSA tag and no IP ("DSA port 8.0 > CPU, VLAN 1280u, ...
	// Unknown SSAP 0x14"); portsift counts the frames as non-ip,
	// linktype-284.
	"linktype-284.pcap": "pcap: network type 284 unknown or unsupported",
}

// tsharkDecodeAs tells tshark, for some traces, what a heuristic of its
// gets wrong; the evidence is with the trace's builder in cmd/tracegen.
var tsharkDecodeAs = map[string][]string{
	// tracegen's pwDecodeAs: tshark's pseudowire heuristic takes every
	// control word (00 00 ..., a registered Xerox OUI) for a MAC address.
	"mpls-pw.pcap": {"-d", "mpls.label==1001,pwethcw", "-d", "mpls.label==1002,pwethcw", "-d", "mpls.label==1003,pwethcw"},
}

// decapByDesign adds to tshark's innermost counts the frames that --decap
// counts differently on purpose, with the reason.
var decapByDesign = map[string]struct {
	why    string
	protos map[string]uint64
	ports  map[portKey]uint64
}{
	// Frame 19 is VXLAN whose inner IPv4 header is cut after 12 bytes:
	// tshark's last IP header has no transport, --decap keeps the frame in
	// its outer flow (udp 49501 -> 4789) and counts it as inner_damaged.
	"tunnel-bomb.pcap": {
		why:    "a tunnel whose inner packet is cut counts as its outer flow",
		protos: map[string]uint64{"udp": 1},
		ports:  map[portKey]uint64{{"udp", 4789}: 1, {"udp", 49501}: 1},
	},
}

// TestTsharkAgreementDecap checks --decap against tshark's innermost
// transport header on every trace with tunnels. The depth limit is raised
// to 32 so that the nested tunnels of tunnel-bomb.pcap are all opened, as
// tshark opens them (the default limit's behaviour is in the goldens).
func TestTsharkAgreementDecap(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed (make deps installs it)")
	}
	files, _ := filepath.Glob("../testdata/tunnels/*.pcap*")
	if d, ok := sharedtest.Sub("traces"); ok {
		files = append(files, filepath.Join(d, "zeek-vxlan.pcap"))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			wantP, wantPorts := tsharkCounts(t, f, true)
			if k, ok := decapByDesign[filepath.Base(f)]; ok {
				t.Logf("differs from tshark by design: %s", k.why)
				for p, n := range k.protos {
					wantP[p] += n
				}
				for p, n := range k.ports {
					wantPorts[p] += n
				}
			}
			gotP, gotPorts, rep := ourCounts(t, f, "--decap", "--decap-depth", "32")
			if d := diffCounts(wantP, gotP); len(d) > 0 {
				t.Errorf("frames per transport differ:\n  %s", strings.Join(d, "\n  "))
			}
			if d := diffCounts(wantPorts, gotPorts); len(d) > 0 {
				t.Errorf("frames per port differ (%d ports):\n  %s", len(d), strings.Join(d, "\n  "))
			}
			if rep.Decap != 32 {
				t.Errorf("report decap = %d, want 32", rep.Decap)
			}
		})
	}
}

func TestOutermostTransport(t *testing.T) {
	for in, want := range map[string]string{
		"eth:ethertype:ip:tcp":                        "tcp",
		"eth:ethertype:vlan:ethertype:ipv6:udp:dns":   "udp",
		"eth:ethertype:ip:icmp:ip:udp":                "",
		"eth:ethertype:ip:udp:vxlan:eth:ethertype:ip": "udp",
		"eth:ethertype:ip:gre:ip:tcp":                 "",
		"eth:ethertype:ipv6:ipv6.hopopts:udp":         "udp",
		"eth:ethertype:arp":                           "",
		"sll:ethertype:ip:sctp":                       "sctp",
	} {
		if got := outermostTransport(in); got != want {
			t.Errorf("outermostTransport(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp":   "tcp",
		"eth:ethertype:ip:udp:vxlan:eth:ethertype:arp":      "",
		"eth:ethertype:ip:gre:ip:udp:dns":                   "udp",
		"eth:ethertype:ip:udp:teredo:ipv6:ipv6.hopopts:udp": "udp",
		"eth:ethertype:ip:udp:gtp":                          "udp",
		"eth:ethertype:ip:gre:ip":                           "",
	} {
		if got := innermostTransport(in); got != want {
			t.Errorf("innermostTransport(%q) = %q, want %q", in, got, want)
		}
	}
}
