package report

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/portsift/portsift/decode/vocab"
	"github.com/portsift/portsift/registry"
)

// Schema names the JSON report format. Fields are added within v1, never
// renamed; docs/report.md describes every field.
const Schema = "portsift.report/v1"

// Report is what portsift counted, in a form that can be printed, written
// as JSON and compared. It holds no wall-clock time: the same input gives
// the same Report.
type Report struct {
	Schema        string        `json:"schema"`
	Sources       []SourceInfo  `json:"sources"`
	Filter        string        `json:"filter,omitempty"`
	Registry      RegistryInfo  `json:"registry"`
	First         Time          `json:"first"` // the earliest frame's timestamp; zero ("") when no frame was counted
	Last          Time          `json:"last"`
	Frames        uint64        `json:"frames"`
	Bytes         uint64        `json:"bytes"`
	CapturedBytes uint64        `json:"captured_bytes"`
	Buckets       Buckets       `json:"buckets"`
	Short         uint64        `json:"short"`
	LinkTypes     []TypeCount   `json:"link_types"`
	NonIP         []TypeCount   `json:"non_ip"`
	OtherIP       []TypeCount   `json:"other_ip"`
	Decap         int           `json:"decap"` // 0: tunnels count as their outer flow; with --decap, the depth limit
	Tunnels       []TunnelCount `json:"tunnels"`
	Services      []Service     `json:"services"`
	Ephemeral     Ephemeral     `json:"ephemeral"`
	Alerts        []Alert       `json:"alerts"`
	Flows         FlowTotals    `json:"flows"`
	Fragments     Fragments     `json:"fragments"`
	DecodePanics  uint64        `json:"decode_panics,omitempty"`
	Capture       *LiveCapture  `json:"capture,omitempty"` // live capture (sniff) only

	// HostsUntracked counts (service, client or server address) pairs not
	// counted because the distinct-host table was full (DefaultMaxHosts);
	// when not 0, clients and servers are lower bounds.
	HostsUntracked uint64 `json:"hosts_untracked,omitempty"`
}

// LiveCapture describes a live capture: the kernel's counters and the
// state of the flow table when the report was taken. Unlike the rest of
// the report it depends on the machine and the wall clock.
type LiveCapture struct {
	Interface        string  `json:"interface"`
	Received         uint64  `json:"received"`          // frames the kernel's capture saw (pcap_stats ps_recv)
	DroppedKernel    uint64  `json:"dropped_kernel"`    // dropped because the capture buffer was full
	DroppedInterface uint64  `json:"dropped_interface"` // dropped by the interface or its driver
	FlowsActive      uint64  `json:"flows_active"`      // flows in the table (for the final report: when the capture stopped)
	HostsUntracked   uint64  `json:"hosts_untracked"`   // (service, address) pairs not counted: host table full
	Seconds          float64 `json:"seconds"`           // wall-clock time since the capture started
	Final            bool    `json:"final"`             // the last report of the capture
}

// SourceInfo describes one input of the report.
type SourceInfo struct {
	Name      string           `json:"name"`
	Format    string           `json:"format"`     // pcap, pcap-ns, pcapng; "+gzip" when compressed
	LinkTypes []vocab.LinkType `json:"link_types"` // declared link types
	Frames    uint64           `json:"frames"`     // frames read from the file
	Filtered  uint64           `json:"filtered,omitempty"`
	// TimesClamped counts the frames whose timestamp was beyond what the
	// report's times hold (pcapng can say any year; 1677-2262 are kept)
	// and was clamped to the nearest end: read and counted all the same.
	TimesClamped uint64 `json:"times_clamped,omitempty"`
	Error        string `json:"error"` // "" or what stopped the read
	// FilterError says why the BPF filter could not be applied to some of
	// the file's frames (an expression libpcap cannot compile for one of
	// its link types); those frames are counted in Filtered.
	FilterError string `json:"filter_error,omitempty"`
}

// RegistryInfo says which registry and ephemeral ranges decided the service
// keys, so reports made with different settings can be told apart.
type RegistryInfo struct {
	Fingerprint string `json:"fingerprint"`
	Ephemeral   string `json:"ephemeral"`
}

// Counter is a frame and byte count. Bytes are wire bytes (the frames'
// original length).
type Counter struct {
	Frames uint64 `json:"frames"`
	Bytes  uint64 `json:"bytes"`
}

// Add adds the counts of o.
func (c *Counter) Add(o Counter) { c.Frames += o.Frames; c.Bytes += o.Bytes }

// Buckets holds the top-level counters, indexed by vocab.Bucket; they add
// up to Frames and Bytes. In JSON they are an object keyed by the buckets'
// names, in vocab.Bucket order: {"tcp": {...}, "udp": {...}, ...}.
type Buckets [vocab.NumBuckets]Counter

// MarshalJSON implements json.Marshaler.
func (b Buckets) MarshalJSON() ([]byte, error) {
	out := []byte{'{'}
	for k := range vocab.NumBuckets {
		if k > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendQuote(out, k.String())
		out = fmt.Appendf(out, `:{"frames":%d,"bytes":%d}`, b[k].Frames, b[k].Bytes)
	}
	return append(out, '}'), nil
}

// UnmarshalJSON implements json.Unmarshaler: buckets it does not name are
// zero, names it does not know are ignored (v1 only adds fields).
func (b *Buckets) UnmarshalJSON(data []byte) error {
	var m map[string]Counter
	if err := json.Unmarshal(data, &m); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			te.Field = strings.TrimSuffix("buckets."+te.Field, ".")
		}
		return err
	}
	*b = Buckets{}
	for name, c := range m {
		if k, ok := vocab.ParseBucket(name); ok {
			b[k] = c
		}
	}
	return nil
}

// TypeCount counts frames of one kind inside a bucket or header field.
type TypeCount struct {
	Type   string `json:"type"`
	Frames uint64 `json:"frames"`
	Bytes  uint64 `json:"bytes,omitempty"`
}

// TunnelCount counts the frames that travel in one type of tunnel
// (outermost), in both modes. With --decap, Decapsulated frames were counted
// as their innermost packet; InnerDamaged and TooDeep ones as their outer
// packet, because an inner packet was cut or invalid, or the tunnels were
// nested deeper than the limit.
type TunnelCount struct {
	Type         string `json:"type"`
	Frames       uint64 `json:"frames"`
	Bytes        uint64 `json:"bytes"`
	Decapsulated uint64 `json:"decapsulated"`
	InnerDamaged uint64 `json:"inner_damaged"`
	TooDeep      uint64 `json:"too_deep"`
}

// Service is one row of the service table: a protocol and a service-side
// port. Packets and Bytes count frames with a transport header (so the rows
// plus the ephemeral row add up to the tcp, udp and sctp buckets);
// Fragments and FragmentBytes count later IP fragments attributed to the
// service's flows.
type Service struct {
	Proto         vocab.Proto   `json:"proto"` // tcp, udp or sctp
	Port          uint16        `json:"port"`
	Name          string        `json:"name"` // registry name, or "unknown"
	Risk          registry.Risk `json:"risk"` // "", "note" or "alert"
	Packets       uint64        `json:"packets"`
	Bytes         uint64        `json:"bytes"`
	Flows         uint64        `json:"flows"`
	Fragments     uint64        `json:"fragments"`
	FragmentBytes uint64        `json:"fragment_bytes"`
	ToServer      Direction     `json:"to_server"`
	ToClient      Direction     `json:"to_client"`
	Clients       uint64        `json:"clients"` // distinct client addresses
	Servers       uint64        `json:"servers"` // distinct server addresses
	// HostsUpperBound reports that Clients and Servers are sums over merged
	// reports (Merge), so upper bounds: a host seen in two inputs counts twice.
	HostsUpperBound bool `json:"hosts_upper_bound,omitempty"`
}

// Direction counts one direction of a service's traffic.
type Direction struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// Ephemeral is the row for flows whose two ports are both ephemeral and unnamed.
type Ephemeral struct {
	Packets       uint64 `json:"packets"`
	Bytes         uint64 `json:"bytes"`
	Flows         uint64 `json:"flows"`
	Fragments     uint64 `json:"fragments"`
	FragmentBytes uint64 `json:"fragment_bytes"`
}

// MaxAlertHosts bounds the hosts an alert lists.
const MaxAlertHosts = 64

// Alert is a service whose port the registry marks as risky (risk "alert":
// port 0 and ports only malware uses).
type Alert struct {
	Proto   vocab.Proto   `json:"proto"`
	Port    uint16        `json:"port"`
	Name    string        `json:"name"`
	Risk    registry.Risk `json:"risk"`
	Note    string        `json:"note"`
	Packets uint64        `json:"packets"`
	Flows   uint64        `json:"flows"`
	Hosts   []string      `json:"hosts"` // client and server addresses, sorted; at most MaxAlertHosts
}

// FlowTotals counts flows.
type FlowTotals struct {
	Total    uint64            `json:"total"`
	Evicted  uint64            `json:"evicted"` // ended early because the table was full (--max-flows)
	Expired  uint64            `json:"expired"` // ended by the idle timeout
	ByReason map[string]uint64 `json:"by_reason"`
}

// Fragments counts later IP fragments (the fragment bucket) by fate.
type Fragments struct {
	Attributed   Counter `json:"attributed"`   // matched to the flow of their first fragment
	Unattributed Counter `json:"unattributed"` // first fragment not seen (or too old)
	Untracked    uint64  `json:"untracked"`    // first fragments forgotten early: fragment table full
}

// SortTunnels orders tunnel rows by frames, largest first, then by type.
func SortTunnels(l []TunnelCount) {
	slices.SortFunc(l, func(a, b TunnelCount) int {
		return cmp.Or(cmp.Compare(b.Frames, a.Frames), cmp.Compare(a.Type, b.Type))
	})
}

// SortServices orders rows by key ("bytes", "packets" or "flows"),
// largest first, then by protocol and port, so the order is total.
func SortServices(rows []Service, key string) {
	val := func(s *Service) uint64 {
		switch key {
		case "packets":
			return s.Packets
		case "flows":
			return s.Flows
		}
		return s.Bytes
	}
	slices.SortStableFunc(rows, func(a, b Service) int {
		return cmp.Or(cmp.Compare(val(&b), val(&a)), cmp.Compare(b.Packets, a.Packets),
			CompareProto(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
	})
}

// Service returns the row of the service called name (as in Service.Name,
// e.g. "https") on proto (vocab.TCP, UDP, SCTP; 0 for any), or nil. When
// several rows share the name (e.g. "unknown"), it returns the first in
// report order (most bytes); use ServicePort to pick one.
func (r *Report) Service(name string, proto vocab.Proto) *Service {
	for i := range r.Services {
		s := &r.Services[i]
		if s.Name == name && (proto == 0 || s.Proto == proto) {
			return s
		}
	}
	return nil
}

// ServicePort returns the row of service port port on proto, or nil.
func (r *Report) ServicePort(proto vocab.Proto, port uint16) *Service {
	for i := range r.Services {
		if s := &r.Services[i]; s.Port == port && s.Proto == proto {
			return s
		}
	}
	return nil
}

// Alert returns the alert for service port port on proto, or nil.
func (r *Report) Alert(proto vocab.Proto, port uint16) *Alert {
	for i := range r.Alerts {
		if a := &r.Alerts[i]; a.Port == port && a.Proto == proto {
			return a
		}
	}
	return nil
}

// CompareProto orders protocols by name (sctp, tcp, udp), the order of
// every table and JSON list of reports.
func CompareProto(a, b vocab.Proto) int { return cmp.Compare(a.String(), b.String()) }

// CheckTotals reports whether r's counters add up: the buckets to Frames
// and Bytes, and the service rows with the ephemeral row to the tcp, udp
// and sctp buckets. A Tracker's reports always do, and so do merges of
// them; a report edited by hand may not.
func (r *Report) CheckTotals() error {
	var frames, bytes uint64
	for b := range vocab.NumBuckets {
		frames += r.Buckets[b].Frames
		bytes += r.Buckets[b].Bytes
	}
	if frames != r.Frames || bytes != r.Bytes {
		return fmt.Errorf("buckets add up to %d frames, %d bytes; the report has %d, %d", frames, bytes, r.Frames, r.Bytes)
	}
	pkts := r.Ephemeral.Packets
	for _, s := range r.Services {
		pkts += s.Packets
	}
	if tr := r.Buckets[vocab.BucketTCP].Frames + r.Buckets[vocab.BucketUDP].Frames + r.Buckets[vocab.BucketSCTP].Frames; pkts != tr {
		return fmt.Errorf("service rows add up to %d packets, the transport buckets to %d", pkts, tr)
	}
	return nil
}
