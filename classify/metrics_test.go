package classify

import (
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

var update = flag.Bool("update", false, "rewrite golden files in ../testdata/golden")

// metricsReport is a synthetic report: named services, a risky one, three
// unnamed ports (of which the collector below keeps two), the ephemeral
// row, buckets and the kernel's counters.
func metricsReport() *Report {
	r := &Report{Schema: Schema, Frames: 200}
	r.Services = []Service{
		{Proto: "tcp", Port: 443, Name: "https", Packets: 22, Bytes: 10500, Flows: 2,
			ToServer: Direction{10, 1500}, ToClient: Direction{12, 9000}},
		{Proto: "udp", Port: 53, Name: "domain", Risk: "note", Packets: 8, Bytes: 800, Flows: 4,
			ToServer: Direction{4, 300}, ToClient: Direction{4, 500}},
		{Proto: "tcp", Port: 41000, Name: "unknown", Packets: 20, Bytes: 2000, Flows: 1,
			ToServer: Direction{10, 1000}, ToClient: Direction{10, 1000}},
		{Proto: "udp", Port: 40000, Name: "unknown", Packets: 5, Bytes: 500, Flows: 5, ToServer: Direction{5, 500}},
		{Proto: "tcp", Port: 50000, Name: "unknown", Packets: 1, Bytes: 60, Flows: 1, ToServer: Direction{1, 60}},
		{Proto: "tcp", Port: 31337, Name: "eldim", Risk: "alert", Packets: 3, Bytes: 180, Flows: 1,
			ToServer: Direction{2, 120}, ToClient: Direction{1, 60}},
	}
	r.Alerts = []Alert{{Proto: "tcp", Port: 31337, Name: "eldim", Risk: "alert", Packets: 3, Flows: 1, Hosts: []string{"192.0.2.1", "192.0.2.2"}}}
	r.Ephemeral = Ephemeral{Packets: 4, Bytes: 400, Flows: 1}
	r.Buckets.TCP = Counter{46, 12740}
	r.Buckets.UDP = Counter{17, 1700}
	r.Buckets.ICMP = Counter{2, 196}
	r.Buckets.NonIP = Counter{1, 60}
	r.Flows = FlowTotals{Total: 15, Evicted: 3, Expired: 1}
	r.Capture = &LiveCapture{Interface: "eth0", Received: 230, DroppedKernel: 2, DroppedInterface: 1, FlowsActive: 7}
	return r
}

func scrape(t *testing.T, c *Collector) string {
	t.Helper()
	rec := httptest.NewRecorder()
	MetricsHandler(c).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d\n%s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./classify -run Golden -update creates it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (review, then go test ./classify -run Golden -update):\n--- want\n%s\n--- got\n%s", name, want, got)
	}
}

func TestMetricsGolden(t *testing.T) {
	l := NewLatest()
	c := NewCollector(l, 2)
	if got := scrape(t, c); got != "" {
		t.Errorf("scrape before the first snapshot: %q, want nothing", got)
	}
	l.Publish(&Snapshot{Report: metricsReport()})
	goldenFile(t, "metrics.prom", scrape(t, c))
}

// series parses the text format into "name{labels}" -> value.
func series(t *testing.T, text string) map[string]float64 {
	t.Helper()
	m := map[string]float64{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad line %q", line)
		}
		m[line[:i]] = v
	}
	return m
}

// TestMetricsFoldingIsSticky checks that which unnamed ports get a series is
// decided once: a port folded into "other" stays there when it becomes
// busy, a new port beyond the limit is folded too, and so every series only
// grows, as counters must.
func TestMetricsFoldingIsSticky(t *testing.T) {
	l := NewLatest()
	c := NewCollector(l, 2)
	r1 := metricsReport()
	l.Publish(&Snapshot{Report: r1})
	first := series(t, scrape(t, c))

	r2 := metricsReport()
	for i := range r2.Services {
		if r2.Services[i].Port == 50000 { // the folded port becomes the busiest
			r2.Services[i].Packets, r2.Services[i].ToServer = 1001, Direction{1001, 60060}
		}
	}
	r2.Services = append(r2.Services, Service{Proto: "udp", Port: 45000, Name: "unknown", Packets: 50, Flows: 1, ToServer: Direction{50, 5000}})
	l.Publish(&Snapshot{Report: r2})
	second := series(t, scrape(t, c))

	for k, v := range first {
		if w, ok := second[k]; !ok || w < v {
			t.Errorf("%s: %v in the first scrape, %v (present %v) in the second: series must persist and grow", k, v, w, ok)
		}
	}
	for k := range second {
		if strings.Contains(k, `port="50000"`) || strings.Contains(k, `port="45000"`) {
			t.Errorf("second scrape has %s: ports beyond the limit must stay folded", k)
		}
	}
	for k, want := range map[string]float64{
		`portsift_service_packets_total{direction="to_server",port="other",proto="tcp",service="other"}`:   1001,
		`portsift_service_packets_total{direction="to_server",port="other",proto="udp",service="other"}`:   50,
		`portsift_service_flows_total{port="41000",proto="tcp",service="unknown"}`:                         1,
		`portsift_service_packets_total{direction="to_server",port="40000",proto="udp",service="unknown"}`: 5,
	} {
		if second[k] != want {
			t.Errorf("%s = %v, want %v", k, second[k], want)
		}
	}
}

func TestMetricsLint(t *testing.T) {
	l := NewLatest()
	l.Publish(&Snapshot{Report: metricsReport()})
	problems, err := testutil.CollectAndLint(NewCollector(l, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

func TestMetricsNoUnnamedSeries(t *testing.T) {
	l := NewLatest()
	l.Publish(&Snapshot{Report: metricsReport()})
	got := scrape(t, NewCollector(l, -1))
	if strings.Contains(got, `service="unknown"`) || !strings.Contains(got, `port="other",proto="tcp",service="other"`) {
		t.Errorf("maxServices -1 must fold every unnamed port:\n%s", got)
	}
}

// TestMetricsConcurrentScrapes scrapes from several goroutines while
// snapshots are published (run with -race).
func TestMetricsConcurrentScrapes(t *testing.T) {
	l := NewLatest()
	c := NewCollector(l, 1)
	h := MetricsHandler(c)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
				if rec.Code != 200 {
					t.Errorf("GET /metrics: %d", rec.Code)
					return
				}
			}
		}()
	}
	for i := range 200 {
		r := metricsReport()
		r.Frames = uint64(i)
		l.Publish(&Snapshot{Report: r, Seq: uint64(i)})
	}
	wg.Wait()
}
