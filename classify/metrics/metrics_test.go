package metrics

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/portsift/portsift/classify/internal/testread"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func scrape(t *testing.T, c *Collector) string {
	t.Helper()
	rec := httptest.NewRecorder()
	MetricsHandler(c).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d\n%s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func TestMetricsGolden(t *testing.T) {
	l := report.NewLatest()
	c := NewCollector(l, 2)
	if got := scrape(t, c); got != "" {
		t.Errorf("scrape before the first snapshot: %q, want nothing", got)
	}
	l.Publish(&report.Snapshot{Report: testread.Synthetic()})
	testread.Golden(t, "metrics.prom", scrape(t, c))
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
	l := report.NewLatest()
	c := NewCollector(l, 2)
	r1 := testread.Synthetic()
	l.Publish(&report.Snapshot{Report: r1})
	first := series(t, scrape(t, c))

	r2 := testread.Synthetic()
	for i := range r2.Services {
		if r2.Services[i].Port == 50000 { // the folded port becomes the busiest
			r2.Services[i].Packets, r2.Services[i].ToServer = 1001, report.Direction{Packets: 1001, Bytes: 60060}
		}
	}
	r2.Services = append(r2.Services, report.Service{Proto: vocab.UDP, Port: 45000, Name: "unknown", Packets: 50, Flows: 1, ToServer: report.Direction{Packets: 50, Bytes: 5000}})
	l.Publish(&report.Snapshot{Report: r2})
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
	l := report.NewLatest()
	l.Publish(&report.Snapshot{Report: testread.Synthetic()})
	problems, err := testutil.CollectAndLint(NewCollector(l, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

func TestMetricsNoUnnamedSeries(t *testing.T) {
	l := report.NewLatest()
	l.Publish(&report.Snapshot{Report: testread.Synthetic()})
	got := scrape(t, NewCollector(l, -1))
	if strings.Contains(got, `service="unknown"`) || !strings.Contains(got, `port="other",proto="tcp",service="other"`) {
		t.Errorf("maxServices -1 must fold every unnamed port:\n%s", got)
	}
}

// TestMetricsConcurrentScrapes scrapes from several goroutines while
// snapshots are published (run with -race).
func TestMetricsConcurrentScrapes(t *testing.T) {
	l := report.NewLatest()
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
		r := testread.Synthetic()
		r.Frames = uint64(i)
		l.Publish(&report.Snapshot{Report: r, Seq: uint64(i)})
	}
	wg.Wait()
}
