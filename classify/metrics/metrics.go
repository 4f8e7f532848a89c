package metrics

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultMetricsMaxServices is how many unnamed service ports get their own
// series by default (Collector).
const DefaultMetricsMaxServices = 200

// Collector is a prometheus.Collector over the newest published Snapshot:
// it builds constant metrics from that copy at scrape time, so the capture
// loop never calls into Prometheus. Its descriptors are built once.
//
// Metrics (labels in braces):
//
//	portsift_service_packets_total{service,proto,port,direction}  frames with a transport header
//	portsift_service_bytes_total{service,proto,port,direction}    their wire bytes
//	portsift_service_flows_total{service,proto,port}              flows whose service side is this port
//	portsift_flows_active                                         flows in the table
//	portsift_flows_evicted_total                                  flows evicted because the table was full
//	portsift_frames_total{bucket}                                 every frame, in exactly one bucket
//	portsift_capture_received_total                               frames the kernel's capture saw
//	portsift_capture_dropped_total{where}                         where: kernel (buffer full) or interface
//	portsift_alerts_total{port,proto}                             packets on ports the registry marks as alerts
//
// direction is to_server or to_client. The ephemeral row is
// service="ephemeral" with empty proto, port and direction (its flows have
// no service side). Label values are bounded: services with a registry name
// always have their own series (the registry bounds them); of the unnamed
// ports (service="unknown") at most maxServices get one, and the others of
// each protocol are summed in service="other", port="other". Which ports
// get a series is decided once, when a port is first scraped (the busiest
// new ports first), and then kept, so that every series only grows, as a
// counter must.
//
// Collect may be called from several scrapes at once.
type Collector struct {
	latest *report.Latest
	max    int

	packets, bytes, flows, active, evicted, frames, received, dropped, alerts *prometheus.Desc

	mu   sync.Mutex
	own  map[portLabel]bool // unnamed ports seen so far: true = own series, false = folded into other
	nOwn int
}

// portLabel is an unnamed service port: its series' labels.
type portLabel struct {
	proto vocab.Proto
	port  uint16
}

// NewCollector returns a Collector over latest's snapshots; maxServices 0
// means DefaultMetricsMaxServices, a negative value folds every unnamed port.
func NewCollector(latest *report.Latest, maxServices int) *Collector {
	if maxServices == 0 {
		maxServices = DefaultMetricsMaxServices
	}
	svc := []string{"service", "proto", "port"}
	dir := []string{"service", "proto", "port", "direction"}
	return &Collector{
		latest:   latest,
		max:      maxServices,
		own:      map[portLabel]bool{},
		packets:  prometheus.NewDesc("portsift_service_packets_total", "Frames with a transport header, by service and direction.", dir, nil),
		bytes:    prometheus.NewDesc("portsift_service_bytes_total", "Wire bytes of those frames, by service and direction.", dir, nil),
		flows:    prometheus.NewDesc("portsift_service_flows_total", "Flows whose service side is this port.", svc, nil),
		active:   prometheus.NewDesc("portsift_flows_active", "Flows in the flow table.", nil, nil),
		evicted:  prometheus.NewDesc("portsift_flows_evicted_total", "Flows ended early because the flow table was full (--max-flows).", nil, nil),
		frames:   prometheus.NewDesc("portsift_frames_total", "Frames counted, each in exactly one bucket.", []string{"bucket"}, nil),
		received: prometheus.NewDesc("portsift_capture_received_total", "Frames the kernel's capture saw (libpcap ps_recv).", nil, nil),
		dropped:  prometheus.NewDesc("portsift_capture_dropped_total", "Frames dropped: where=kernel, capture buffer full; where=interface, by the interface or its driver.", []string{"where"}, nil),
		alerts:   prometheus.NewDesc("portsift_alerts_total", "Packets on service ports the registry marks as alerts (backdoor ports, port 0).", []string{"port", "proto"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.packets, c.bytes, c.flows, c.active, c.evicted, c.frames, c.received, c.dropped, c.alerts} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: metrics from the newest
// snapshot, nothing before the first.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.latest.Load()
	if s == nil {
		return
	}
	r := s.Report
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	service := func(name, proto, port string, toServer, toClient report.Direction, flows uint64) {
		counter(c.packets, toServer.Packets, name, proto, port, "to_server")
		counter(c.packets, toClient.Packets, name, proto, port, "to_client")
		counter(c.bytes, toServer.Bytes, name, proto, port, "to_server")
		counter(c.bytes, toClient.Bytes, name, proto, port, "to_client")
		counter(c.flows, flows, name, proto, port)
	}

	type folded struct {
		toServer, toClient report.Direction
		flows              uint64
	}
	other := map[vocab.Proto]*folded{}
	c.mu.Lock()
	c.assign(r.Services)
	for i := range r.Services {
		sv := &r.Services[i]
		k := portLabel{sv.Proto, sv.Port}
		if sv.Name != "unknown" || c.own[k] {
			service(sv.Name, sv.Proto.String(), strconv.Itoa(int(sv.Port)), sv.ToServer, sv.ToClient, sv.Flows)
			continue
		}
		f := other[sv.Proto]
		if f == nil {
			f = &folded{}
			other[sv.Proto] = f
		}
		f.toServer.Packets += sv.ToServer.Packets
		f.toServer.Bytes += sv.ToServer.Bytes
		f.toClient.Packets += sv.ToClient.Packets
		f.toClient.Bytes += sv.ToClient.Bytes
		f.flows += sv.Flows
	}
	c.mu.Unlock()
	for proto, f := range other {
		service("other", proto.String(), "other", f.toServer, f.toClient, f.flows)
	}
	e := r.Ephemeral
	counter(c.packets, e.Packets, "ephemeral", "", "", "")
	counter(c.bytes, e.Bytes, "ephemeral", "", "", "")
	counter(c.flows, e.Flows, "ephemeral", "", "")

	for b := range vocab.NumBuckets {
		counter(c.frames, r.Buckets[b].Frames, b.String())
	}
	counter(c.evicted, r.Flows.Evicted)
	if lc := r.Capture; lc != nil {
		ch <- prometheus.MustNewConstMetric(c.active, prometheus.GaugeValue, float64(lc.FlowsActive))
		counter(c.received, lc.Received)
		counter(c.dropped, lc.DroppedKernel, "kernel")
		counter(c.dropped, lc.DroppedInterface, "interface")
	}
	for _, a := range r.Alerts {
		counter(c.alerts, a.Packets, strconv.Itoa(int(a.Port)), a.Proto.String())
	}
}

// assign decides, for unnamed ports not seen before, whether they get a
// series: the busiest first, while fewer than max have one. Call with mu.
func (c *Collector) assign(rows []report.Service) {
	var fresh []*report.Service
	for i := range rows {
		sv := &rows[i]
		if sv.Name != "unknown" {
			continue
		}
		if _, seen := c.own[portLabel{sv.Proto, sv.Port}]; !seen {
			fresh = append(fresh, sv)
		}
	}
	slices.SortFunc(fresh, func(a, b *report.Service) int {
		return cmp.Or(cmp.Compare(b.Packets, a.Packets), cmp.Compare(b.Bytes, a.Bytes),
			report.CompareProto(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
	})
	for _, sv := range fresh {
		ok := c.nOwn < c.max
		if ok {
			c.nOwn++
		}
		c.own[portLabel{sv.Proto, sv.Port}] = ok
	}
}

// MetricsHandler serves the collector's metrics in the Prometheus text
// format from a registry of its own (no Go runtime or process metrics:
// only what portsift counts).
func MetricsHandler(c *Collector) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
