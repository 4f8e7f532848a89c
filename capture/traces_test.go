package capture

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portsift/portsift/capture/sharedtest"
	"github.com/portsift/portsift/decode/vocab"
)

// traceRow is one row of ../../shared/traces/README.md.
type traceRow struct {
	file      string
	format    string // "pcap", "pcap-ns", "pcapng"
	order     string
	version   string // pcap only
	linkTypes []vocab.LinkType
	packets   int
	readErr   bool // "then a read error"
}

// readTraceTable parses the README's table, so that the expectations are
// the README's own and a new trace is tested as soon as it is listed.
func readTraceTable(t *testing.T) []traceRow {
	t.Helper()
	b, err := os.ReadFile(sharedtest.File(t, "traces", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	linkRE := regexp.MustCompile(`(\d+) [A-Z]`)
	var rows []traceRow
	for _, line := range strings.Split(string(b), "\n") {
		cols := strings.Split(line, "|")
		if len(cols) < 12 || !strings.HasPrefix(strings.TrimSpace(cols[1]), "`") {
			continue
		}
		// | file | repo | path | commit | license | format | link type(s) | packets | ...
		var r traceRow
		r.file = strings.Trim(strings.TrimSpace(cols[1]), "`")
		format := strings.TrimSpace(cols[6])
		switch {
		case strings.HasPrefix(format, "pcapng"):
			r.format = "pcapng"
		case strings.HasSuffix(format, "ns"):
			r.format = "pcap-ns"
		default:
			r.format = "pcap"
		}
		if v := regexp.MustCompile(`v(\d\.\d)`).FindStringSubmatch(format); v != nil {
			r.version = v[1]
		}
		r.order = "little-endian"
		if strings.Contains(format, "big-endian") {
			r.order = "big-endian"
		}
		for _, m := range linkRE.FindAllStringSubmatch(cols[7], -1) {
			n, _ := strconv.Atoi(m[1])
			r.linkTypes = append(r.linkTypes, mapLinkType(uint16(n)))
		}
		packets := strings.TrimSpace(cols[8])
		r.readErr = strings.Contains(packets, "error")
		if r.packets, err = strconv.Atoi(strings.TrimRight(strings.Fields(packets)[0], ",")); err != nil {
			t.Fatalf("README row %q: packets %q", r.file, packets)
		}
		rows = append(rows, r)
	}
	if len(rows) < 20 {
		t.Fatalf("README.md table: parsed %d rows, want 20 or more", len(rows))
	}
	return rows
}

// TestTraces reads every real trace listed in the README and checks the
// README's format, link types and packet count.
func TestTraces(t *testing.T) {
	for _, row := range readTraceTable(t) {
		t.Run(row.file, func(t *testing.T) {
			path := filepath.Join(tracesDir, row.file)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("trace listed but absent: %v", err)
			}
			r, err := Open([]string{path}, Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer r.Close()
			frames := drain(t, r)
			si := r.Sources()[0]
			want := row.packets
			if row.file == "sv-bug-6875-fuzz.pcap" {
				// The README says 2, as capinfos counts; that is Wireshark
				// guessing a different record format after the first
				// record fails (its packet 1 has IPv4 bytes for MAC
				// addresses). The second record header, at byte 228,
				// claims 1409179648 captured bytes in a 385-byte file:
				// libpcap (tcpdump), Suricata's own test (pcap_cnt 1)
				// and this package read 1 frame, then the error.
				want = 1
				checkErr(t, "Sources()[0].Err", si.Err,
					`read "`+path+`": corrupt record at byte 228: captured length 1409179648 exceeds 262144`, ErrCorrupt)
			} else if row.readErr {
				t.Fatalf("README expects a read error for %s: add its expected message here", row.file)
			} else if si.Err != nil {
				t.Errorf("Err = %v, want nil", si.Err)
			}
			if len(frames) != want || si.Frames != uint64(want) {
				t.Errorf("read %d frames (Frames %d), want %d", len(frames), si.Frames, want)
			}
			if si.Format != row.format || si.ByteOrder != row.order || (row.version != "" && si.Version != row.version) {
				t.Errorf("format %s %s %s, want %s %s %s", si.Format, si.ByteOrder, si.Version, row.format, row.order, row.version)
			}
			if !slices.Equal(si.LinkTypes, row.linkTypes) {
				t.Errorf("LinkTypes %v, want %v", si.LinkTypes, row.linkTypes)
			}
			// Every frame's link type is one the file declares.
			for i, f := range frames {
				if !slices.Contains(row.linkTypes, f.link) {
					t.Errorf("frame %d: link type %v, not among %v", i, f.link, row.linkTypes)
					break
				}
			}
		})
	}
}

// TestTraceDetails checks per-frame facts of some traces against tshark
// (frame.time_epoch, frame.interface_id, frame.cap_len).
func TestTraceDetails(t *testing.T) {
	open := func(t *testing.T, file string) []pkt {
		t.Helper()
		src, _, err := OpenFile(sharedtest.Trace(t, file))
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		pkts, links, err := readAll(t, src)
		if err != nil {
			t.Fatal(err)
		}
		for i := range pkts {
			pkts[i].iface = int(links[i]) // keep the link type where the test can see it
		}
		return pkts
	}
	t.Run("nanosecond pcap", func(t *testing.T) {
		p := open(t, "zeek-http-get-to-ssh-server-nsec.pcap")
		checkTimes(t, p, time.Unix(1770126425, 732560000), time.Unix(1770126426, 41811000))
	})
	t.Run("big-endian pcap 2.1", func(t *testing.T) {
		p := open(t, "sv-nfsv2-bigendian.pcap")
		checkTimes(t, p, time.Unix(944207338, 400000000), time.Unix(944207338, 890000000))
		if len(p[0].data) != 106 || p[0].wire != 106 {
			t.Errorf("frame 0: %d of %d bytes, want 106 of 106", len(p[0].data), p[0].wire)
		}
	})
	t.Run("big-endian pcap 2.4", func(t *testing.T) {
		p := open(t, "ndpi-sctp.cap")
		checkTimes(t, p, time.Unix(1088696689, 784578000), time.Unix(1088696689, 872631000))
	})
	t.Run("pcapng named .pcap", func(t *testing.T) {
		p := open(t, "ndpi-dns-vlan-pppoe.pcap")
		checkTimes(t, p, time.Unix(1112172654, 366527000), time.Unix(1484673025, 976144000))
	})
	t.Run("pcapng with Ethernet and NULL interfaces", func(t *testing.T) {
		p := open(t, "pcpp-many_interfaces-1.pcapng")
		checkTimes(t, p, time.Unix(1439753725, 701607000), time.Unix(1439753728, 292345000))
		// tshark: frames 3 and 4 (1-based) come from interface 10, NULL;
		// the other 62 from interface 0, Ethernet.
		for i, f := range p {
			want := vocab.LinkEthernet
			if i == 2 || i == 3 {
				want = vocab.LinkNull
			}
			if vocab.LinkType(f.iface) != want {
				t.Errorf("frame %d: link type %v, want %v", i+1, vocab.LinkType(f.iface), want)
			}
		}
	})
	t.Run("snaplen 96", func(t *testing.T) {
		cut := 0
		for _, f := range open(t, "zeek-communityid-tcp.pcap") {
			if len(f.data) > 96 {
				t.Errorf("frame of %d bytes in a file with snaplen 96", len(f.data))
			}
			if len(f.data) < f.wire {
				cut++
			}
		}
		if cut != 3 {
			t.Errorf("%d frames cut by the snaplen, want 3", cut)
		}
	})
}

func checkTimes(t *testing.T, p []pkt, first, last time.Time) {
	t.Helper()
	if len(p) == 0 {
		t.Fatal("no frames")
	}
	if !p[0].ts.Equal(first) || !p[len(p)-1].ts.Equal(last) {
		t.Errorf("first, last timestamps %v, %v; want %v, %v (tshark)", p[0].ts, p[len(p)-1].ts, first, last)
	}
}

// TestTracesGzipped: a real trace compressed and misnamed reads the same.
func TestTracesGzipped(t *testing.T) {
	dir := t.TempDir()
	for _, file := range []string{"pcpp-many_interfaces-1.pcapng", "sv-nfsv2-bigendian.pcap", "ndpi-quic.pcap"} {
		t.Run(file, func(t *testing.T) {
			path := sharedtest.Trace(t, file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			gz := writeFile(t, dir, "misnamed.txt", gzipBytes(t, b))
			r, err := Open([]string{path, gz}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			frames := drain(t, r)
			si := r.Sources()
			if si[0].Frames == 0 || si[0].Frames != si[1].Frames || si[1].Format != si[0].Format+"+gzip" || r.Err() != nil {
				t.Fatalf("plain %d frames (%s), gzip %d (%s), err %v", si[0].Frames, si[0].Format, si[1].Frames, si[1].Format, r.Err())
			}
			n := int(si[0].Frames)
			for i := 0; i < n; i++ {
				a, b := frames[i], frames[n+i]
				if !a.ts.Equal(b.ts) || a.link != b.link || !bytes.Equal(a.data, b.data) {
					t.Fatalf("frame %d differs between plain and gzip", i)
				}
			}
		})
	}
}

// TestTracesAsOneStream reads every trace with one Reader, as
// `portsift read traces/*` would: the only error is the corrupt file's.
func TestTracesAsOneStream(t *testing.T) {
	rows := readTraceTable(t)
	var names []string
	total := 0
	for _, row := range rows {
		names = append(names, filepath.Join(tracesDir, row.file))
		total += row.packets
	}
	r, err := Open(names, Options{BufferSize: minBufferSize})
	if err != nil {
		t.Skipf("traces absent: %v", err)
	}
	defer r.Close()
	n := len(drain(t, r))
	if want := total - 1; n != want { // the fuzz file: 1 frame, not 2 (see TestTraces)
		t.Errorf("read %d frames, want %d", n, want)
	}
	err = r.Err()
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "sv-bug-6875-fuzz.pcap") {
		t.Errorf("Err() = %v, want one line about sv-bug-6875-fuzz.pcap", err)
	}
}
