package registry

import (
	"strings"
	"sync"
	"testing"

	"github.com/portsift/portsift/decode/vocab"
)

// FuzzLoadServices feeds arbitrary files to the parser. Properties: no
// panic; an error is one line starting "line N: "; on success the count
// matches what the registry gained, and every entry has a table protocol.
func FuzzLoadServices(f *testing.F) {
	for _, seed := range []string{
		portsTxt,
		"ssh 22/tcp\nbad 99999/tcp\n",
		"x11 6000-6063/tcp/udp # X | alert: y\n",
		"- 0/tcp # | note: n\n",
		"rtmp 1/ddp\n",
		"x 22/tcp//udp\n",
		ianaHeader + ",Transport Protocol,Description\nx11,6000-6003,tcp,X\n\"a\nb\",1,udp,\"c\nd\"\n",
		ianaHeader + ",Transport Protocol,Description\nx,2,tcp,a \"b\"\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, file string) {
		var r Registry
		n, err := r.LoadServices(strings.NewReader(file), "f")
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, `services file "f": line `) || strings.Contains(msg, "\n") {
				t.Fatalf("LoadServices error %q: want one line naming the file and line", msg)
			}
			if r.Len() != 0 {
				t.Fatalf("LoadServices failed but added %d entries", r.Len())
			}
			return
		}
		if n != r.Len() {
			t.Fatalf("LoadServices = %d, registry has %d entries", n, r.Len())
		}
		for _, e := range r.Entries() {
			if table(e.Proto) < 0 || r.Lookup(e.Proto, e.Port) == nil {
				t.Fatalf("entry %v/%d is not reachable by Lookup", e.Proto, e.Port)
			}
			if (e.Risk != RiskNone) != (e.Note != "") {
				t.Fatalf("entry %v/%d: risk %q with note %q", e.Proto, e.Port, e.Risk, e.Note)
			}
		}
	})
}

// TestConcurrentLookups runs lookups on the shared default registry from
// several goroutines, including its first use; run with -race.
func TestConcurrentLookups(t *testing.T) {
	var wg sync.WaitGroup
	named := make([]int, 4)
	for g := range named {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := Default()
			for port := range 65536 {
				if e := r.Lookup(vocab.TCP, uint16(port)); e != nil && e.Port != uint16(port) {
					t.Errorf("goroutine %d: Lookup(tcp, %d).Port = %d", g, port, e.Port)
					return
				}
				if r.Name(vocab.UDP, uint16(port)) != "" {
					named[g]++
				}
			}
		}()
	}
	wg.Wait()
	for g, n := range named {
		if n != named[0] || n < 5000 {
			t.Errorf("goroutine %d saw %d named udp ports, goroutine 0 saw %d", g, n, named[0])
		}
	}
}
