package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tsharkPorts is a transport header as tshark shows it: "tcp 51000>80", or
// "" for none.
type tsharkPorts string

func portsOf(proto string, sport, dport uint16) tsharkPorts {
	return tsharkPorts(fmt.Sprintf("%s %d>%d", proto, sport, dport))
}

// wantPorts is the transport header the table says a reading counts: its
// ports for tcp and udp (short included), "" otherwise.
func wantPorts(f frame) tsharkPorts {
	if (f.bucket == bTCP || f.bucket == bUDP) && f.hasPorts {
		return portsOf(f.bucket, f.sport, f.dport)
	}
	return ""
}

// tsharkTransports reads one line of tshark -T fields output (frame.protocols,
// then tcp.srcport, tcp.dstport, udp.srcport, udp.dstport with all
// occurrences) and returns the outermost transport header (the one right
// after the first IP header, as cmd's tshark cross-check counts it) and the
// innermost (the last TCP or UDP header in the frame).
func tsharkTransports(t *testing.T, line string) (outer, inner tsharkPorts) {
	t.Helper()
	f := strings.Split(line, "|")
	if len(f) != 5 {
		t.Fatalf("tshark line %q: %d fields, want 5", line, len(f))
	}
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	ports := map[string][2][]string{"tcp": {split(f[1]), split(f[2])}, "udp": {split(f[3]), split(f[4])}}
	next := map[string]int{}
	var all []tsharkPorts
	seenIP, outerDone := false, false
	for _, p := range strings.Split(f[0], ":") {
		switch {
		case p == "ip" || p == "ipv6":
			if seenIP {
				outerDone = true // IP in IP: the outer payload is not a transport header
			}
			seenIP = true
		case strings.HasPrefix(p, "ipv6."): // extension headers
		case p == "tcp" || p == "udp":
			k := next[p]
			next[p]++
			pp := ports[p]
			if k >= len(pp[0]) || k >= len(pp[1]) {
				continue // tshark names the protocol but could not read the ports
			}
			a, _ := strconv.Atoi(pp[0][k])
			b, _ := strconv.Atoi(pp[1][k])
			tp := portsOf(p, uint16(a), uint16(b))
			all = append(all, tp)
			if seenIP && !outerDone {
				outer = tp
			}
			outerDone = outerDone || seenIP
		default:
			outerDone = outerDone || seenIP
		}
	}
	if len(all) > 0 {
		inner = all[len(all)-1]
	}
	return outer, inner
}

// tsharkDiffers lists the frames of testdata/tunnels where tshark's
// innermost transport header is not the table's --decap reading, and why
// the table is right. Keys: file and 1-based frame number.
var tsharkDiffers = map[string]string{
	"tunnel-bomb.pcap#19": "the inner IPv4 header is cut after 12 bytes: tshark's innermost header is the outer udp/4789; --decap counts the frame truncated (the inner ports are never reached)",
}

// TestTunnelsTshark reads every testdata/tunnels trace with tshark (when it
// is installed; not with -short) and compares, frame by frame, tshark's
// outermost TCP/UDP header with the default reading and its innermost with
// the --decap reading. tshark does not dissect VXLAN on udp/8472 by default:
// the test passes -d udp.port==8472,vxlan.
func TestTunnelsTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no tshark")
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	for _, tr := range mustGenerate(t) {
		if !strings.HasPrefix(tr.path, "tunnels/") || tr.format == fmtText {
			continue
		}
		t.Run(tr.path, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), path.Base(tr.path))
			if err := os.WriteFile(file, tr.data, 0o644); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"-n", "-r", file, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"}, tr.tsharkArgs...)
			cmd := exec.Command("tshark", append(args, "-d", "udp.port==8472,vxlan", "-T", "fields", "-E", "occurrence=a", "-E", "separator=|", "-E", "aggregator=,",
				"-e", "frame.protocols", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport")...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("tshark -r %s: %v: %s", file, err, stderr.String())
			}
			var lines []string
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				lines = append(lines, sc.Text())
			}
			if len(lines) != len(tr.frames) {
				t.Fatalf("tshark shows %d frames, table has %d", len(lines), len(tr.frames))
			}
			for i, f := range tr.frames {
				key := fmt.Sprintf("%s#%d", path.Base(tr.path), i+1)
				outer, inner := tsharkTransports(t, lines[i])
				if want := wantPorts(f); outer != want {
					t.Errorf("frame %d: tshark's outermost transport %q, default reading %q (%s)", i+1, outer, want, lines[i])
				}
				d := f
				if f.decap != nil {
					d = *f.decap
				}
				want := wantPorts(d)
				why, listed := tsharkDiffers[key]
				switch {
				case inner != want && !listed:
					t.Errorf("frame %d: tshark's innermost transport %q, --decap reading %q (%s)", i+1, inner, want, lines[i])
				case inner == want && listed:
					t.Errorf("frame %d: listed in tsharkDiffers (%s), but tshark agrees: %q", i+1, why, inner)
				case listed:
					t.Logf("frame %d: tshark %q, --decap %q: %s", i+1, inner, want, why)
				}
			}
		})
	}
}
