#!/usr/bin/env bash
# bench.sh: `make bench`. Compares `portsift read -o json` with the C reference
# programs in ../shared/bench on one generated trace, in one run, as ratios of
# wall time (the machine is shared: absolute times drift, ratios hold).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-.bench}
packets=${BENCH_PACKETS:-5000000}
flows=${BENCH_FLOWS:-95000}
runs=${BENCH_RUNS:-3}
shared=../shared/bench
mkdir -p "$dir"
trace="$dir/big-$packets.pcap"

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
progs+=("portsift")

cmdline() {
	case $1 in
	portsift) echo "bin/portsift read -q -o json $trace" ;;
	*) echo "$dir/$1 $trace" ;;
	esac
}

# The page cache drops an idle file after about a minute: read it first.
cat "$trace" >/dev/null

declare -A wall cpu rss
for ((r = 0; r < runs; r++)); do
	for p in "${progs[@]}"; do
		out=$( { /usr/bin/time -f "%e %U %S %M" $(cmdline "$p") >/dev/null; } 2>&1 | tail -1)
		read -r w u s m <<<"$out"
		wall[$p]+="$w "
		cpu[$p]+="$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}') "
		rss[$p]+="$m "
	done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '\n%s: %s packets, %s bytes, %s runs each (median)\n' "$trace" "$packets" "$(stat -L -c %s "$trace")" "$runs"
printf '%-10s %12s %9s %9s %10s %12s %14s\n' program packets/s wall_s cpu_s rss_MiB vs_rawread vs_portcount
for p in "${progs[@]}"; do
	w=$(echo "${wall[$p]}" | median)
	c=$(echo "${cpu[$p]}" | median)
	m=$(echo "${rss[$p]}" | median)
	pps=$(awk -v n="$packets" -v w="$w" 'BEGIN {printf "%.0f", n / w}')
	vr=-
	vp=-
	ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
	if [ -n "${wall[rawread]:-}" ]; then vr=$(ratio "$w" "$(echo "${wall[rawread]}" | median)"); fi
	if [ -n "${wall[portcount]:-}" ]; then vp=$(ratio "$w" "$(echo "${wall[portcount]}" | median)"); fi
	printf '%-10s %12s %9s %9s %10s %12s %14s\n' "$p" "$pps" "$w" "$c" "$((m / 1024))" "$vr" "$vp"
done
