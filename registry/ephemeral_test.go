package registry

import (
	"strings"
	"testing"
)

func TestParseEphemeral(t *testing.T) {
	tests := []struct {
		spec string
		want string // canonical String()
		n    int    // number of ports
	}{
		{"iana", "49152-65535", 16384},
		{"linux", "32768-60999", 28232},
		{"windows", "49152-65535", 16384},
		{"windows-xp", "1025-5000", 3976},
		{"freebsd", "10000-65535", 55536},
		{"iana,linux", "32768-65535", 32768},
		{"linux,iana", "32768-65535", 32768},
		{" Linux , IANA ", "32768-65535", 32768},
		{"windows-xp,windows", "1025-5000,49152-65535", 3976 + 16384},
		{"32768-60999", "32768-60999", 28232},
		{"5000", "5000", 1},
		{"5000,5001,5002", "5000-5002", 3},
		{"10-20,15-30,31", "10-31", 22},
		{"0", "0", 1},
		{"0-65535", "0-65535", 65536},
		{"65535,1", "1,65535", 2},
		{"linux,60000-65535", "32768-65535", 32768},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			e, err := ParseEphemeral(tt.spec)
			if err != nil {
				t.Fatalf("ParseEphemeral(%q): %v", tt.spec, err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("ParseEphemeral(%q).String() = %q, want %q", tt.spec, got, tt.want)
			}
			if got := e.Len(); got != tt.n {
				t.Errorf("ParseEphemeral(%q).Len() = %d, want %d", tt.spec, got, tt.n)
			}
			back, err := ParseEphemeral(e.String())
			if err != nil || back != e {
				t.Errorf("ParseEphemeral(%q) does not round-trip: %v", e.String(), err)
			}
		})
	}
}

func TestParseEphemeralErrors(t *testing.T) {
	tests := []struct {
		spec string
		want string // substring: the part that is wrong
	}{
		{"70000", `bad port "70000"`},
		{"1-70000", `bad port "70000"`},
		{"5-3", `bad port range "5-3"`},
		{"foo", `unknown preset "foo"`},
		{"linux,foo", `unknown preset "foo"`},
		{"linux,", `unknown preset ""`},
		{"", "empty"},
		{"-5", `unknown preset "-5"`},
		{"5-", `bad port ""`},
		{"1.5", `bad port "1.5"`},
	}
	for _, tt := range tests {
		e, err := ParseEphemeral(tt.spec)
		if err == nil {
			t.Errorf("ParseEphemeral(%q) = %v, nil; want error", tt.spec, e)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseEphemeral(%q) error = %q, want it to contain %q", tt.spec, err, tt.want)
		}
	}
}

func TestDefaultEphemeral(t *testing.T) {
	e := DefaultEphemeral()
	if got := e.String(); got != "32768-65535" {
		t.Errorf("DefaultEphemeral().String() = %q, want %q", got, "32768-65535")
	}
	tests := []struct {
		port uint16
		want bool
	}{
		{0, false}, {80, false}, {32767, false}, {32768, true}, {49151, true},
		{60999, true}, {61000, true}, {65535, true},
	}
	for _, tt := range tests {
		if got := e.Contains(tt.port); got != tt.want {
			t.Errorf("DefaultEphemeral().Contains(%d) = %v, want %v", tt.port, got, tt.want)
		}
	}
	var zero Ephemeral
	if zero.Contains(40000) || zero.String() != "" || zero.Len() != 0 {
		t.Errorf("zero Ephemeral is not empty")
	}
}

func TestPresets(t *testing.T) {
	ps := Presets()
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p.Name] || p.About == "" || p.First > p.Last {
			t.Errorf("preset %+v: duplicate name, no description or empty range", p)
		}
		seen[p.Name] = true
		e, err := ParseEphemeral(p.Name)
		if err != nil || e.Len() != int(p.Last)-int(p.First)+1 || !e.Contains(p.First) || !e.Contains(p.Last) {
			t.Errorf("ParseEphemeral(%q) = %v, %v; want %d-%d", p.Name, e, err, p.First, p.Last)
		}
	}
	for _, name := range []string{"iana", "linux", "windows", "windows-xp", "freebsd"} {
		if !seen[name] {
			t.Errorf("Presets() lacks %q, a preset the product documents", name)
		}
	}
	ps[0].Name = "changed"
	if Presets()[0].Name == "changed" {
		t.Errorf("Presets() returns the package's own slice")
	}
}

func BenchmarkContains(b *testing.B) {
	e := DefaultEphemeral()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sinkBool = e.Contains(uint16(i))
	}
}
