#!/usr/bin/env bash
# bench.sh: `make bench`. Compares `portsift read -o json` with the C reference
# programs in ../shared/bench (and tshark, and ndpiReader when installed) on one
# generated trace, in one run, as ratios of time per packet (the machine is
# shared: absolute times drift, ratios hold).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-.bench}
packets=${BENCH_PACKETS:-5000000}
flows=${BENCH_FLOWS:-95000}
runs=${BENCH_RUNS:-3}
cut_packets=${BENCH_CUT:-200000} # tshark is ~150x slower: it reads a cut of the trace
shared=../shared/bench
mkdir -p "$dir"
trace="$dir/big-$packets.pcap"
cut="$dir/cut-$cut_packets.pcap"

if [ ! -s "$trace" ]; then
	echo "generating $trace ($packets packets, $flows flows) with cmd/tracegen"
	go run ./cmd/tracegen -big -packets "$packets" -flows "$flows" -o "$trace"
fi

progs=()
if [ -d "$shared" ]; then
	for p in rawread portcount; do
		if [ ! -x "$dir/$p" ] || [ "$shared/$p.c" -nt "$dir/$p" ]; then
			gcc -O2 -o "$dir/$p" "$shared/$p.c" -lpcap
		fi
		progs+=("$p")
	done
else
	echo "note: $shared is absent: no C reference programs to compare with"
fi
progs+=("portsift-t1" "portsift-t3" "portsift")
if command -v tshark >/dev/null && command -v editcap >/dev/null; then
	[ -s "$cut" ] || editcap -r "$trace" "$cut" "1-$cut_packets"
	# The same trace as 4 files, read as one input (files read at once).
	parts=("$dir/part-$packets"_*.pcap)
	if [ ! -s "${parts[0]}" ]; then
		editcap -c $(((packets + 3) / 4)) "$trace" "$dir/part-$packets.pcap"
		parts=("$dir/part-$packets"_*.pcap)
	fi
	progs+=("portsift-4files" "tshark")
else
	echo "note: tshark/editcap not installed: no tshark row, no 4-file row"
fi
if command -v ndpiReader >/dev/null; then
	progs+=("ndpiReader")
fi

cmdline() {
	case $1 in
	portsift) echo "bin/portsift read -q -o json $trace" ;;
	portsift-t1) echo "bin/portsift read -q -o json --threads 1 $trace" ;;
	portsift-t3) echo "bin/portsift read -q -o json --threads 3 $trace" ;;
	portsift-4files) echo "bin/portsift read -q -o json ${parts[*]}" ;;
	tshark) echo "tshark -n -q -r $cut -z conv,tcp -z conv,udp" ;;
	ndpiReader) echo "ndpiReader -q -i $trace" ;;
	*) echo "$dir/$1 $trace" ;;
	esac
}
npackets() {
	case $1 in
	tshark) echo "$cut_packets" ;;
	*) echo "$packets" ;;
	esac
}

# The page cache drops an idle file after about a minute: read it first.
cat "$trace" >/dev/null

declare -A wall cpu rss
for ((r = 0; r < runs; r++)); do
	for p in "${progs[@]}"; do
		[ "$p" = tshark ] && [ "$r" -gt 0 ] && continue # one tshark run is enough
		out=$( { /usr/bin/time -f "%e %U %S %M" $(cmdline "$p") >/dev/null; } 2>&1 | tail -1)
		read -r w u s m <<<"$out"
		wall[$p]+="$w "
		cpu[$p]+="$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}') "
		rss[$p]+="$m "
	done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
perpkt() { awk -v w="$1" -v n="$2" 'BEGIN {printf "%.10f", w / n}'; }

printf '\n%s: %s packets, %s bytes, %s runs each (median); tshark on the first %s packets\n' \
	"$trace" "$packets" "$(stat -L -c %s "$trace")" "$runs" "$cut_packets"
printf '%-15s %12s %9s %9s %10s %12s %14s\n' program packets/s wall_s cpu_s rss_MiB vs_rawread vs_portcount
ref_raw="" ref_pc=""
[ -n "${wall[rawread]:-}" ] && ref_raw=$(perpkt "$(echo "${wall[rawread]}" | median)" "$packets")
[ -n "${wall[portcount]:-}" ] && ref_pc=$(perpkt "$(echo "${wall[portcount]}" | median)" "$packets")
for p in "${progs[@]}"; do
	w=$(echo "${wall[$p]}" | median)
	c=$(echo "${cpu[$p]}" | median)
	m=$(echo "${rss[$p]}" | median)
	n=$(npackets "$p")
	pps=$(awk -v n="$n" -v w="$w" 'BEGIN {printf "%.0f", n / w}')
	pp=$(perpkt "$w" "$n")
	vr=-
	vp=-
	[ -n "$ref_raw" ] && vr=$(awk -v a="$pp" -v b="$ref_raw" 'BEGIN {printf "%.2f", a / b}')
	[ -n "$ref_pc" ] && vp=$(awk -v a="$pp" -v b="$ref_pc" 'BEGIN {printf "%.2f", a / b}')
	printf '%-15s %12s %9s %9s %10s %12s %14s\n' "$p" "$pps" "$w" "$c" "$((m / 1024))" "$vr" "$vp"
done
