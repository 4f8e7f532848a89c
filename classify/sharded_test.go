package classify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/portsift/portsift/classify/internal/linediff"
	"github.com/portsift/portsift/classify/render"
	"github.com/portsift/portsift/classify/report"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

// randomTraffic makes n Ethernet frames of random traffic between few hosts
// and ports, so that everything the Tracker decides in packet order happens
// across shards: tuples reused after FIN and RST, new SYNs, replies first,
// rule 5 (servers on unnamed ports found by their varying peers, from
// clients in other shards), first and later IPv4 fragments (some orphans),
// ICMP and ARP, alert ports, timestamps that jump forward past the idle
// timeout and back.
func randomTraffic(seed uint64, n int) []frame {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	hosts := make([]net.IP, 40)
	for i := range hosts {
		hosts[i] = net.IPv4(10, byte(i%3), byte(i/7), byte(1+i))
	}
	ports := []uint16{53, 80, 443, 31337, 40000, 40001, 50000, 51000, 52000, 6000, 8080, 0}
	ts := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	var out []frame
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true}
	ipID := uint16(1)
	for len(out) < n {
		switch r := rng.IntN(1000); {
		case r < 3:
			ts = ts.Add(time.Duration(5+rng.IntN(20)) * time.Second) // past the idle timeout
		case r < 6:
			ts = ts.Add(-time.Duration(rng.IntN(8)) * time.Second) // back in time
		default:
			ts = ts.Add(time.Duration(rng.IntN(3000)) * time.Microsecond)
		}
		src, dst := hosts[rng.IntN(len(hosts))], hosts[rng.IntN(len(hosts))]
		sp, dp := ports[rng.IntN(len(ports))], ports[rng.IntN(len(ports))]
		if rng.IntN(2) == 0 {
			sp = 30000 + uint16(rng.IntN(40)) // clients' ephemeral ports
		}
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, SrcIP: src, DstIP: dst, Id: ipID}
		payload := gopacket.Payload(make([]byte, rng.IntN(200)))
		var ls []gopacket.SerializableLayer
		switch kind := rng.IntN(20); {
		case kind < 9:
			ip.Protocol = layers.IPProtocolTCP
			tcp := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Window: 1024}
			switch f := rng.IntN(10); {
			case f < 2:
				tcp.SYN = true
			case f < 3:
				tcp.SYN, tcp.ACK = true, true
			case f < 4:
				tcp.FIN, tcp.ACK = true, true
			case f < 5:
				tcp.RST = true
			default:
				tcp.ACK = true
			}
			tcp.SetNetworkLayerForChecksum(ip)
			ls = []gopacket.SerializableLayer{eth, ip, tcp, payload}
		case kind < 16:
			ip.Protocol = layers.IPProtocolUDP
			udp := &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
			ls = []gopacket.SerializableLayer{eth, ip, udp, payload}
		case kind < 18: // a datagram in two fragments; the second sometimes lost, sometimes alone
			ip.Protocol = layers.IPProtocolUDP
			ip.Flags = layers.IPv4MoreFragments
			udp := &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
			if rng.IntN(4) != 0 {
				ls = []gopacket.SerializableLayer{eth, ip, udp, gopacket.Payload(make([]byte, 64))}
				if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
					panic(err)
				}
				out = append(out, ethernetAt(buf.Bytes(), ts))
			}
			if rng.IntN(4) != 0 {
				ip2 := *ip
				ip2.Flags, ip2.FragOffset = 0, 9
				ls = []gopacket.SerializableLayer{eth, &ip2, gopacket.Payload(make([]byte, 40))}
			} else {
				ls = nil
			}
		case kind < 19:
			ip.Protocol = layers.IPProtocolICMPv4
			ls = []gopacket.SerializableLayer{eth, ip, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)}, payload}
		default:
			eth.EthernetType = layers.EthernetTypeARP
			ls = []gopacket.SerializableLayer{eth, &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
				HwAddressSize: 6, ProtAddressSize: 4, SourceHwAddress: eth.SrcMAC, SourceProtAddress: src.To4(),
				DstHwAddress: eth.DstMAC, DstProtAddress: dst.To4()}}
		}
		ipID++
		if ls == nil {
			continue
		}
		if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
			panic(err)
		}
		out = append(out, ethernetAt(buf.Bytes(), ts))
	}
	return out[:n]
}

// ethernetAt is a copy of an Ethernet frame captured at ts (the FCS not
// captured: 4 bytes more on the wire).
func ethernetAt(data []byte, ts time.Time) frame {
	return frame{data: append([]byte(nil), data...), wire: len(data) + 4, link: vocab.LinkEthernet, ts: ts}
}

// runMode reads src with threads as ReadFiles would (1 Run, 2
// RunPipelined, more RunSharded) and returns the JSON report and flow log.
func runMode(t testing.TB, opts Options, threads int, src Source, limit uint64) (rep, flows string) {
	var log bytes.Buffer
	fw := render.NewFlowWriter(&log, false)
	opts.FlowLog = func(r *report.FlowRecord) { fw.Write(r) }
	tk := NewTracker(opts)
	var err error
	switch threads {
	case 1:
		err = tk.Run(context.Background(), src, decode.NewDecoder(), limit)
	case 2:
		err = tk.RunPipelined(context.Background(), src, decode.NewDecoder(), limit)
	default:
		err = tk.RunSharded(context.Background(), src, decode.NewDecoder(), limit, threads-1)
	}
	if err != nil {
		t.Fatal(err)
	}
	tk.Finish()
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(tk.Report(), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b), log.String()
}

// TestShardedSameAsSingle is the promise of --threads: random traffic
// that exercises every order-dependent decision gives the same report and
// the same flow log, byte for byte, whether one goroutine counts or the
// flows are split over 2 to 7 shards. Small flow tables force eviction, a
// short idle timeout expiry.
func TestShardedSameAsSingle(t *testing.T) {
	seeds, limits, threadsList := uint64(4), []uint64{0, 5000, 10240, 10241}, []int{2, 3, 4, 8}
	if raceEnabled { // 10x slower: fewer runs, still every mode
		seeds, limits, threadsList = 1, []uint64{0, 10241}, []int{2, 3, 8}
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		frames := randomTraffic(seed, 12000+int(seed)*777)
		for _, o := range []struct {
			name string
			opts Options
		}{
			{"defaults", Options{}}, // settles at the end only
			{"settle=1024", Options{SettleEvery: 1024}},
			{"settle=300,max-flows=50,idle=3s", Options{SettleEvery: 300, MaxFlows: 50, IdleTimeout: 3 * time.Second}},
			{"settle=1024,max-flows=400,max-hosts=30", Options{SettleEvery: 1024, MaxFlows: 400, MaxHosts: 30}},
		} {
			for _, limit := range limits {
				name := fmt.Sprintf("seed=%d/%s/limit=%d", seed, o.name, limit)
				wantRep, wantFlows := runMode(t, o.opts, 1, &memSource{frames: frames}, limit)
				var r report.Report
				if err := json.Unmarshal([]byte(wantRep), &r); err != nil {
					t.Fatal(err)
				}
				if r.Flows.ByReason["port-stability"] == 0 || r.Fragments.Attributed.Frames == 0 || r.Fragments.Unattributed.Frames == 0 {
					t.Fatalf("%s: the traffic does not exercise rule 5 and fragments: %+v %+v", name, r.Flows, r.Fragments)
				}
				if o.opts.MaxFlows == 50 && (r.Flows.Evicted == 0 || r.Flows.Expired == 0) && limit != 5000 {
					t.Fatalf("%s: no eviction or expiry: %+v", name, r.Flows)
				}
				for _, threads := range threadsList {
					rep, flows := runMode(t, o.opts, threads, &memSource{frames: frames}, limit)
					if rep != wantRep {
						t.Errorf("%s: threads=%d report differs from threads=1:\n%s", name, threads, linediff.First(wantRep, rep))
					}
					if flows != wantFlows {
						t.Errorf("%s: threads=%d flow log differs from threads=1:\n%s", name, threads, linediff.First(wantFlows, flows))
					}
				}
			}
		}
	}
}

// TestShardOfSymmetric: both directions of an address pair, and every
// fragment of a datagram, go to one shard; frames without addresses are
// spread.
func TestShardOfSymmetric(t *testing.T) {
	used := map[int]bool{}
	for i := range 200 {
		a := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i), 1}), uint16(1000+i))
		b := netip.AddrPortFrom(netip.MustParseAddr("2001:db8::1"), 443)
		if i%2 == 0 {
			b = netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), 53)
		}
		s1 := decode.Summary{IPVersion: 4, Src: a, Dst: b}
		s2 := decode.Summary{IPVersion: 4, Src: netip.AddrPortFrom(b.Addr(), 0), Dst: netip.AddrPortFrom(a.Addr(), 0)}
		for n := 2; n <= 7; n++ {
			if x, y := shardOf(&s1, 0, n), shardOf(&s2, 99, n); x != y || x < 0 || x >= n {
				t.Fatalf("%v<->%v over %d shards: %d and %d", a, b, n, x, y)
			}
		}
		used[shardOf(&s1, 0, 4)] = true
	}
	if len(used) != 4 {
		t.Errorf("200 address pairs used %d of 4 shards", len(used))
	}
	var nonIP decode.Summary
	if shardOf(&nonIP, 0, 3) == shardOf(&nonIP, 1, 3) {
		t.Error("frames without addresses all go to one shard")
	}
}
