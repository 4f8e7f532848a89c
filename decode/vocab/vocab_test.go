package vocab

import (
	"encoding/json"
	"testing"
)

func TestParsePortProto(t *testing.T) {
	tests := []struct {
		in   string
		want Proto
		str  string
	}{
		{"tcp", TCP, "tcp"},
		{"UDP", UDP, "udp"},
		{"Sctp", SCTP, "sctp"},
	}
	for _, tt := range tests {
		got, err := ParsePortProto(tt.in)
		if err != nil || got != tt.want || got.String() != tt.str {
			t.Errorf("ParsePortProto(%q) = %v (%d), %v; want %s (%d)", tt.in, got, got, err, tt.str, tt.want)
		}
	}
	for _, bad := range []string{"", "ddp", "dccp", "6", "tcp ", "icmp"} {
		if p, err := ParsePortProto(bad); err == nil {
			t.Errorf("ParsePortProto(%q) = %v, nil; want error", bad, p)
		}
	}
	for _, p := range PortProtos {
		if !p.HasPorts() {
			t.Errorf("%v in PortProtos has no ports", p)
		}
	}
	if ICMP.HasPorts() || GRE.HasPorts() {
		t.Error("ICMP or GRE has ports")
	}
}

func TestNames(t *testing.T) {
	for b := Bucket(0); b < NumBuckets; b++ {
		got, ok := ParseBucket(b.String())
		if !ok || got != b {
			t.Errorf("ParseBucket(%q) = %v, %v; want %v", b.String(), got, ok, b)
		}
	}
	if _, ok := ParseBucket("bucket-9"); ok || NumBuckets.String() != "bucket-9" {
		t.Errorf("bucket beyond the last: %q", NumBuckets.String())
	}
	if GRE.String() != "gre" || Proto(253).String() != "253" || IPIP.String() != "ipip" {
		t.Errorf("Proto names: %q %q %q", GRE.String(), Proto(253).String(), IPIP.String())
	}
	for lt := range LinkType(300) {
		if lt == LinkRawBSD12 || lt == LinkRawBSD14 {
			continue // named "raw", as LinkRaw
		}
		got, ok := ParseLinkType(lt.String())
		if !ok || got != lt {
			t.Errorf("ParseLinkType(%q) = %v, %v; want %d", lt.String(), got, ok, lt)
		}
	}
	if LinkLinuxSLL2.String() != "linux-sll2" || LinkType(147).String() != "linktype-147" || LinkRawBSD14.String() != "raw" {
		t.Errorf("LinkType names: %q %q %q", LinkLinuxSLL2.String(), LinkType(147).String(), LinkRawBSD14.String())
	}
	if _, ok := ParseLinkType("linktype-65536"); ok {
		t.Error("ParseLinkType took a link type beyond 16 bits")
	}
	for et, want := range map[EtherType]string{0: "llc", 0x0806: "arp", 0x88cc: "lldp", 0x8863: "pppoed", 0x88b5: "0x88b5", 0xffff: "0xffff"} {
		if got := et.String(); got != want {
			t.Errorf("EtherType(%#04x) = %q, want %q", uint16(et), got, want)
		}
	}
}

// TestText is the form reports use: names in, names out.
func TestText(t *testing.T) {
	type row struct {
		Proto  Proto
		Bucket Bucket
		Link   LinkType
		Ether  EtherType
	}
	b, err := json.Marshal(row{UDP, BucketOtherIP, LinkLinuxSLL2, EtherTypeARP})
	if err != nil || string(b) != `{"Proto":"udp","Bucket":"other-ip","Link":"linux-sll2","Ether":"arp"}` {
		t.Errorf("json.Marshal = %s, %v", b, err)
	}
	var p Proto
	if err := json.Unmarshal([]byte(`"SCTP"`), &p); err != nil || p != SCTP {
		t.Errorf("Unmarshal SCTP = %v, %v", p, err)
	}
	if err := json.Unmarshal([]byte(`"gre"`), &p); err == nil {
		t.Error("Unmarshal of a protocol without ports succeeded")
	}
}
