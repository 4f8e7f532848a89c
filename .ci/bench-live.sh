#!/usr/bin/env bash
# bench-live.sh: `make bench-live`. Replays the generated benchmark trace into
# a veth pair with `tcpreplay --topspeed` while a capture runs on the other
# end, once with `portsift sniff` and once with `tcpdump -w /dev/null` (the
# reference), and reports the packets each handled and the kernel's drops.
# Target: portsift drops no more than tcpdump at the same replay rate.
#
# Both ends live in network namespaces made here (198.18.0.0/15, the RFC 2544
# benchmark range); nothing leaves them. Needs root, iproute2 and tcpreplay.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-.bench}
packets=${BENCH_LIVE_PACKETS:-${BENCH_PACKETS:-5000000}}
flows=${BENCH_FLOWS:-95000}
runs=${BENCH_RUNS:-3}
bufkib=${BENCH_LIVE_BUFFER_KIB:-32768}
trace="$dir/big-$packets.pcap"

[ "$(id -u)" = 0 ] || { echo "bench-live needs root (network namespaces, packet capture)"; exit 1; }
missing=""
command -v tcpreplay >/dev/null || missing="$missing tcpreplay"
command -v ip >/dev/null || missing="$missing iproute2"
command -v tcpdump >/dev/null || missing="$missing tcpdump"
if [ -n "$missing" ]; then
	echo "bench-live: installing$missing"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
mkdir -p "$dir"
if [ ! -s "$trace" ]; then
	echo "generating $trace ($packets packets, $flows flows) with cmd/tracegen"
	go run ./cmd/tracegen -big -packets "$packets" -flows "$flows" -o "$trace"
fi
cat "$trace" >/dev/null # into the page cache, so tcpreplay is not waiting on the disk

src=psbench-src-$$
cap=psbench-cap-$$
cleanup() { ip netns del "$src" 2>/dev/null || true; ip netns del "$cap" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$src"
ip netns add "$cap"
ip link add "psr$$" type veth peer name "psc$$"
ip link set "psr$$" netns "$src" name rp0 mtu 9000
ip link set "psc$$" netns "$cap" name cap0 mtu 9000
for ns in "$src" "$cap"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$src" link set rp0 up
ip -n "$cap" link set cap0 up

# capture NAME: start the capture program NAME on cap0, replay the trace, stop
# the capture, and print one line: sent pps, frames handled, received, dropped.
capture() {
	local out err pid sent pps handled received dropped
	out=$(mktemp) err=$(mktemp)
	case $1 in
	portsift)
		ip netns exec "$cap" bin/portsift sniff -i cap0 -B "$bufkib" -o json --max-flows 200000 >"$out" 2>"$err" &
		pid=$!
		until grep -q "listening on" "$err"; do sleep 0.05; done
		;;
	tcpdump)
		ip netns exec "$cap" tcpdump -i cap0 -B "$bufkib" -w /dev/null >"$out" 2>"$err" &
		pid=$!
		until grep -q "listening on" "$err"; do sleep 0.05; done
		;;
	esac
	local rep
	rep=$(ip netns exec "$src" tcpreplay -i rp0 --topspeed "$trace" 2>&1)
	sleep 1 # let the capture drain its buffer
	kill -INT "$pid"
	wait "$pid" || true
	sent=$(sed -n 's/^Actual: \([0-9]*\) packets.*/\1/p' <<<"$rep")
	pps=$(sed -n 's/^Rated: .* \([0-9.]*\) pps/\1/p' <<<"$rep")
	case $1 in
	portsift)
		read -r handled received dropped < <(python3 -c '
import json,sys
r=json.load(open(sys.argv[1]))
c=r["capture"]
print(r["frames"], c["received"], c["dropped_kernel"]+c["dropped_interface"])' "$out")
		;;
	tcpdump)
		handled=$(sed -n 's/^\([0-9]*\) packets captured/\1/p' "$err")
		received=$(sed -n 's/^\([0-9]*\) packets received by filter/\1/p' "$err")
		dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' "$err")
		;;
	esac
	rm -f "$out" "$err"
	echo "$sent $pps $handled $received $dropped"
}

printf '\n%s: %s packets replayed with tcpreplay --topspeed into a veth pair, capture buffer %s KiB, %s runs each\n' \
	"$trace" "$packets" "$bufkib" "$runs"
printf '%-9s %4s %12s %12s %12s %12s %10s %8s\n' program run sent sent_pps handled received dropped drop_%
for ((r = 1; r <= runs; r++)); do
	for p in tcpdump portsift; do
		read -r sent pps handled received dropped < <(capture "$p")
		printf '%-9s %4d %12s %12.0f %12s %12s %10s %8.3f\n' "$p" "$r" "$sent" "$pps" "$handled" "$received" "$dropped" \
			"$(awk -v d="$dropped" -v s="$sent" 'BEGIN {print (s > 0 ? 100 * d / s : 0)}')"
	done
done
