package registry

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/portsift/portsift/decode/vocab"
)

// load loads file into a clone of the default registry.
func load(t *testing.T, file string) (*Registry, int) {
	t.Helper()
	r := Default().Clone()
	n, err := r.LoadServices(strings.NewReader(file), "test.services")
	if err != nil {
		t.Fatalf("LoadServices: %v", err)
	}
	return r, n
}

func TestLoadServicesOverride(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		n         int // pairs the file sets
		proto     vocab.Proto
		port      uint16
		wantName  string
		aliases   []string
		desc      string
		risk      Risk
		note      string
		wantSrc   string
		wantOther string // Name(other proto, port) afterwards, "" to skip
	}{
		{
			name: "rename keeps risk", file: "web 80/tcp web2 # my web server\n", n: 1,
			proto: vocab.TCP, port: 80, wantName: "web", aliases: []string{"web2"}, desc: "my web server",
			risk: RiskNote, note: Default().Lookup(vocab.TCP, 80).Note, wantSrc: "test.services",
		},
		{
			name: "no comment keeps description", file: "secsh 22/tcp\n", n: 1,
			proto: vocab.TCP, port: 22, wantName: "secsh", desc: Default().Lookup(vocab.TCP, 22).Description,
			risk: RiskNote, note: Default().Lookup(vocab.TCP, 22).Note, wantSrc: "test.services",
		},
		{
			name: "new port on two protocols", file: "myapp 40001/tcp/udp my-app # My app | alert: watch it\n", n: 2,
			proto: vocab.UDP, port: 40001, wantName: "myapp", aliases: []string{"my-app"}, desc: "My app",
			risk: RiskAlert, note: "watch it", wantSrc: "test.services", wantOther: "myapp",
		},
		{
			name: "dash keeps the name and sets a risk", file: "- 443/tcp # | note: our proxy\n", n: 1,
			proto: vocab.TCP, port: 443, wantName: "https", desc: Default().Lookup(vocab.TCP, 443).Description,
			risk: RiskNote, note: "our proxy", wantSrc: "test.services",
		},
		{
			name: "note text may contain bars", file: "x 40001/tcp # a|b | alert: c | d\n", n: 1,
			proto: vocab.TCP, port: 40001, wantName: "x", desc: "a|b", risk: RiskAlert, note: "c | d", wantSrc: "test.services",
		},
		{
			name: "first line wins, comments and blanks skipped", file: "# header\n\n   \na 40001/tcp # first\nb 40001/tcp # second\n", n: 1,
			proto: vocab.TCP, port: 40001, wantName: "a", desc: "first", wantSrc: "test.services",
		},
		{
			name: "ddp skipped, tab separated, CRLF, BOM", file: "\ufeffrtmp\t1/ddp\r\nz\t40001/sctp\tzz\t# Zed\r\n", n: 1,
			proto: vocab.SCTP, port: 40001, wantName: "z", aliases: []string{"zz"}, desc: "Zed", wantSrc: "test.services",
		},
		{
			name: "range", file: "x11 6000-6063/tcp # X Window System\n", n: 64,
			proto: vocab.TCP, port: 6063, wantName: "x11", desc: "X Window System", wantSrc: "test.services",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, n := load(t, tt.file)
			if n != tt.n {
				t.Errorf("LoadServices(%q) = %d, want %d", tt.file, n, tt.n)
			}
			e := r.Lookup(tt.proto, tt.port)
			if e == nil {
				t.Fatalf("Lookup(%v, %d) = nil after loading %q", tt.proto, tt.port, tt.file)
			}
			if e.Name != tt.wantName || !slices.Equal(e.Aliases, tt.aliases) || e.Description != tt.desc ||
				e.Risk != tt.risk || e.Note != tt.note || e.Source != tt.wantSrc {
				t.Errorf("Lookup(%v, %d) = %q %q desc %q risk %q note %q source %q,\nwant %q %q desc %q risk %q note %q source %q",
					tt.proto, tt.port, e.Name, e.Aliases, e.Description, e.Risk, e.Note, e.Source,
					tt.wantName, tt.aliases, tt.desc, tt.risk, tt.note, tt.wantSrc)
			}
			if tt.wantOther != "" {
				if got := r.Name(vocab.TCP, tt.port); got != tt.wantOther {
					t.Errorf("Name(tcp, %d) = %q, want %q", tt.port, got, tt.wantOther)
				}
			}
		})
	}
}

func TestLoadServicesErrors(t *testing.T) {
	long := strings.Repeat("a", maxLineBytes+1)
	ok := strings.Repeat("b", maxLineBytes-1) // with "#", a line exactly at the limit
	tests := []struct {
		name string
		file string
		want string
	}{
		{"bad port", "ssh 22/tcp\nbad 99999/tcp\n", `services file "t": line 2: bad port "99999"`},
		{"negative port", "x -1/tcp", `services file "t": line 1: bad port ""`},
		{"letters", "# c\nx abc/tcp", `services file "t": line 2: bad port "abc"`},
		{"no port", "x\n", `services file "t": line 1: want "name port/proto", got "x"`},
		{"no proto", "x 22 # d\n", `services file "t": line 1: bad port/proto "22"`},
		{"empty proto", "x 22/\n", `services file "t": line 1: bad port/proto "22/"`},
		{"empty proto in list", "x 22/tcp//udp\n", `services file "t": line 1: bad port/proto "22/tcp//udp"`},
		{"range backwards", "\n\nx 5-3/tcp", `services file "t": line 3: bad port range "5-3": 5 is above 3`},
		{"risk without note", "x 22/tcp # d | alert:  ", `services file "t": line 1: risk alert without a security note`},
		{"aliases need a name", "- 22/tcp y", `services file "t": line 1: aliases need a name, not "-"`},
		{"long line", "a 1/tcp\n#" + ok + "\n" + long + "\n", `services file "t": line 3: longer than 65536 bytes`},
		{"long last line", "#" + long, `services file "t": line 1: longer than 65536 bytes`},
		{"too many entries", strings.Repeat("x 0-65535/tcp/udp/sctp\n", 6), `services file "t": line 6: more than 1000000 (port, proto) entries`},
		{"csv bad port", ianaHeader + ",Transport Protocol,Description\nx,99999,tcp,X\n", `services file "t": line 2: bad port "99999"`},
		{"csv bad quote", ianaHeader + ",Transport Protocol,Description\n\"a\nb\",1,tcp,\"multi\nline\"\nx,2,tcp,a \"b\"\n", `services file "t": line 5: bare " in non-quoted-field`},
		{"csv short row", ianaHeader + ",Transport Protocol,Description\nx,2,tcp\n", `services file "t": line 2: 3 fields, want at least 4`},
		{"csv long line", ianaHeader + ",Transport Protocol,Description\nx,2,tcp," + long + "\n", `services file "t": line 2: longer than 65536 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Default().Clone()
			fp, size := r.Fingerprint(), r.Len()
			n, err := r.LoadServices(strings.NewReader(tt.file), "t")
			if err == nil {
				t.Fatalf("LoadServices = %d, nil; want error %q", n, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("LoadServices error = %q,\nwant %q", err, tt.want)
			}
			if n != 0 || r.Len() != size || r.Fingerprint() != fp {
				t.Errorf("LoadServices failed but changed the registry (n = %d, len %d -> %d)", n, size, r.Len())
			}
		})
	}
}

func TestLoadIANACSVInline(t *testing.T) {
	const file = ianaHeader + `,Transport Protocol,Description,Assignee,Contact,Registration Date,Modification Date,Reference,Service Code,Unauthorized Use Reported,Assignment Notes
x11,6000-6003,tcp,X Window System,,,,,,,,
,6100,tcp,Unassigned,,,,,,,,
nameonly,,,Name without a port (DNS-SD),,,,,,,,
dccpsvc,7000,dccp,A DCCP service,,,,,,,,
noproto,7001,,Reserved,,,,,,,,
http,80,tcp,World Wide Web HTTP,,,,,,,,
www,80,tcp,World Wide Web HTTP,,,,,,,,"This is a duplicate of the ""http"" service"
shilp,2049,tcp,,,,,,,,,
nfs,2049,tcp,"Network File System
second line of the description",,,,,,,,
Bad_Name,7002,tcp,Malformed,,,,,,,,
good-name,7002,tcp,Well formed,,,,,,,,
first,7003,udp,Tie,,,,,,,,
second,7003,udp,Tie,,,,,,,,
urd,465,tcp,URL Rendezvous Directory for SSM,,,,,,,,
submissions,465,tcp,Message Submission over TLS protocol,,,,,,,,
alias,7004,tcp,Alias row only,,,,,,,,alias to foo
nodesc,7005,udp,,,,,,,,,
withdesc,7005,udp,Has a description,,,,,,,,
dup,7006,tcp,Same service,,,,,,,,"This is a duplicate of the ""real"" service"
real,7006,tcp,Same service,,,,,,,,
Bad_Name,7007,tcp,,,,,,,,,
aka,7007,tcp,Alias but described,,,,,,,,Alias to bad_name
`
	res, err := parseAny(strings.NewReader(file))
	if err != nil {
		t.Fatalf("parse inline CSV: %v", err)
	}
	if res.skipped != 4 {
		t.Errorf("skipped = %d, want 4 (no name, no port, dccp, no protocol)", res.skipped)
	}
	var r Registry
	n, err := r.LoadServices(strings.NewReader(file), "iana.csv")
	if err != nil {
		t.Fatal(err)
	}
	// 4 for the range, then 80, 2049, 7002, 7003, 465, 7004, 7005, 7006, 7007.
	if n != 13 {
		t.Errorf("LoadServices = %d, want 13", n)
	}
	tests := []struct {
		proto vocab.Proto
		port  uint16
		name  string
		desc  string
	}{
		{vocab.TCP, 6000, "x11", "X Window System"},
		{vocab.TCP, 6003, "x11", "X Window System"},
		{vocab.TCP, 6004, "", ""},
		{vocab.TCP, 6100, "", ""},
		{vocab.TCP, 80, "http", "World Wide Web HTTP"},
		{vocab.TCP, 2049, "nfs", "Network File System"}, // shilp has no description; first line only
		{vocab.TCP, 7002, "good-name", "Well formed"},
		{vocab.UDP, 7003, "first", "Tie"},
		{vocab.TCP, 465, "submissions", "Message Submission over TLS protocol"}, // preferredNames breaks the tie
		{vocab.TCP, 7004, "alias", "Alias row only"},
		{vocab.UDP, 7005, "withdesc", "Has a description"}, // rule 2, listed second
		{vocab.TCP, 7006, "real", "Same service"},          // rule 1, listed second
		{vocab.TCP, 7007, "Bad_Name", ""},                  // rule 1 outranks rules 2 and 3                            // an alias row still names a port with no other row
	}
	for _, tt := range tests {
		if got := r.Name(tt.proto, tt.port); got != tt.name {
			t.Errorf("Name(%v, %d) = %q, want %q", tt.proto, tt.port, got, tt.name)
		}
		if e := r.Lookup(tt.proto, tt.port); e != nil && e.Description != tt.desc {
			t.Errorf("Lookup(%v, %d).Description = %q, want %q", tt.proto, tt.port, e.Description, tt.desc)
		}
	}
	if e := r.Lookup(vocab.TCP, 80); e != nil && len(e.Aliases) != 0 {
		t.Errorf("Lookup(tcp, 80).Aliases = %q, want none from the CSV", e.Aliases)
	}
}

func TestLoadServicesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "my.services")
	if err := os.WriteFile(path, []byte("myapp 40001/tcp # mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := Default().Clone()
	if err := r.LoadServicesFile(path); err != nil {
		t.Fatalf("LoadServicesFile(%q): %v", path, err)
	}
	if e := r.Lookup(vocab.TCP, 40001); e == nil || e.Name != "myapp" || e.Source != path {
		t.Errorf("Lookup(tcp, 40001) = %+v, want myapp from %q", e, path)
	}

	missing := filepath.Join(t.TempDir(), "nope")
	err := r.LoadServicesFile(missing)
	want := `services file "` + missing + `": no such file or directory`
	if err == nil || err.Error() != want {
		t.Errorf("LoadServicesFile(missing) = %v, want %q", err, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadServicesFile(missing) error %v is not fs.ErrNotExist", err)
	}

	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("ok 1/tcp\n\nx 1/tcp/\n"), 0o644)
	err = r.LoadServicesFile(bad)
	want = `services file "` + bad + `": line 3: bad port/proto "1/tcp/"`
	if err == nil || err.Error() != want {
		t.Errorf("LoadServicesFile(bad) = %v, want %q", err, want)
	}
}
