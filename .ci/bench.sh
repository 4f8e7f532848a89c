#!/usr/bin/env bash
# bench.sh: `make bench`. Compares `portsift read -o json` with the C reference
# programs in ../shared/bench (and tshark, and ndpiReader when installed) on one
# generated trace, in one run (the machine is shared: absolute times drift,
# ratios taken within one run hold).
#
# - Paired runs: every run times each program once, one after the other
#   (A B C A B C ...), so a slow minute of the machine hits all of them; each
#   program's ratio to rawread (and to portcount) is taken run by run, and the
#   table shows the median of those per-run ratios, with their spread.
# - The trace is read into the page cache first and its state is printed
#   (fincore), before and after the timed runs: programs waiting on the disk
#   measure the disk.
# - Instructions per packet, from valgrind's callgrind on a cut of the trace
#   (BENCH_CUT packets): counts that do not drift with the machine's load. Go
#   runs with GOMAXPROCS=1, GOGC=off and asynchronous preemption off there
#   (callgrind serializes threads, and Go's preemption signals trip it), so
#   the count is the work of one thread without the garbage collector.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-.bench}
packets=${BENCH_PACKETS:-5000000}
flows=${BENCH_FLOWS:-95000}
runs=${BENCH_RUNS:-5}
cut_packets=${BENCH_CUT:-200000} # tshark and callgrind read a cut of the trace
shared=${PORTSIFT_SHARED:-../shared}/bench
mkdir -p "$dir"
trace="$dir/big-$packets.pcap"
cut="$dir/cut-$cut_packets.pcap"
small="$dir/small-1000.pcap"

if [ ! -s "$trace" ]; then
	echo "generating $trace ($packets packets, $flows flows) with cmd/tracegen"
	go run ./cmd/tracegen -big -packets "$packets" -flows "$flows" -o "$trace"
fi
[ -s "$small" ] || go run ./cmd/tracegen -big -packets 1000 -flows 100 -o "$small"

progs=()
refs=()
if [ -d "$shared" ]; then
	for p in rawread portcount; do
		if [ ! -x "$dir/$p" ] || [ "$shared/$p.c" -nt "$dir/$p" ]; then
			gcc -O2 -o "$dir/$p" "$shared/$p.c" -lpcap
		fi
		progs+=("$p")
		refs+=("$p")
	done
else
	echo "note: $shared is absent: no C reference programs to compare with"
fi
progs+=("portsift-t1" "portsift")
if command -v editcap >/dev/null; then
	[ -s "$cut" ] || editcap -F pcap -r "$trace" "$cut" "1-$cut_packets"
	# The same trace as 4 files, read as one input (files read at once).
	parts=("$dir/part-$packets"_*.pcap)
	if [ ! -s "${parts[0]}" ]; then
		editcap -c $(((packets + 3) / 4)) "$trace" "$dir/part-$packets.pcap"
		parts=("$dir/part-$packets"_*.pcap)
	fi
	progs+=("portsift-4files")
	command -v tshark >/dev/null && progs+=("tshark")
else
	echo "note: editcap not installed: no tshark row, no 4-file row, no instruction counts"
fi
command -v ndpiReader >/dev/null && progs+=("ndpiReader")

cmdline() {
	local f=${2:-$trace}
	case $1 in
	portsift) echo "bin/portsift read -q -o json $f" ;;
	portsift-t1) echo "bin/portsift read -q -o json --threads 1 $f" ;;
	portsift-4files) echo "bin/portsift read -q -o json ${parts[*]}" ;;
	tshark) echo "tshark -n -q -r $cut -z conv,tcp -z conv,udp" ;;
	ndpiReader) echo "ndpiReader -q -i $f" ;;
	*) echo "$dir/$1 $f" ;;
	esac
}
npackets() {
	case $1 in
	tshark) echo "$cut_packets" ;;
	*) echo "$packets" ;;
	esac
}
cachestate() {
	if command -v fincore >/dev/null; then
		fincore -n -o RES,SIZE,FILE "$@" | awk '{printf "  %s: %s of %s in the page cache\n", $3, $1, $2}'
	else
		local t0 t1
		t0=$(date +%s%N)
		cat "$@" >/dev/null
		t1=$(date +%s%N)
		echo "  (no fincore) a second cat of the trace took $(((t1 - t0) / 1000000)) ms"
	fi
}

# The page cache drops an idle file after about a minute: read it first.
cat "$trace" "${parts[@]}" >/dev/null 2>&1 || true
echo "page cache before the runs:"
cachestate "$trace"

declare -A wall cpu rss ratio_raw ratio_pc
for ((r = 0; r < runs; r++)); do
	declare -A w_run=()
	for p in "${progs[@]}"; do
		[ "$p" = tshark ] && [ "$r" -gt 0 ] && continue # one tshark run is enough
		out=$( { /usr/bin/time -f "%e %U %S %M" $(cmdline "$p") >/dev/null; } 2>&1 | tail -1)
		read -r w u s m <<<"$out"
		wall[$p]+="$w "
		cpu[$p]+="$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}') "
		rss[$p]+="$m "
		w_run[$p]=$w
	done
	# Per-run ratios of time per packet, against the references of this run.
	for p in "${progs[@]}"; do
		[ -n "${w_run[$p]:-}" ] || continue
		n=$(npackets "$p")
		for ref in "${refs[@]}"; do
			v=$(awk -v a="${w_run[$p]}" -v na="$n" -v b="${w_run[$ref]}" -v nb="$packets" 'BEGIN {printf "%.3f", (a / na) / (b / nb)}')
			if [ "$ref" = rawread ]; then ratio_raw[$p]+="$v "; else ratio_pc[$p]+="$v "; fi
		done
	done
	unset w_run
done
echo "page cache after the runs:"
cachestate "$trace"

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
spread() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR > 1) printf "%s-%s", a[1], a[NR]; else printf "%s", a[1]}'; }

printf '\n%s: %s packets, %s bytes, %s paired runs (median; ratio = time per packet / the reference'"'"'s in the same run); tshark on the first %s packets, once\n' \
	"$trace" "$packets" "$(stat -L -c %s "$trace")" "$runs" "$cut_packets"
printf '%-15s %11s %7s %7s %8s %18s %18s\n' program packets/s wall_s cpu_s rss_MiB vs_rawread vs_portcount
for p in "${progs[@]}"; do
	w=$(echo "${wall[$p]}" | median)
	c=$(echo "${cpu[$p]}" | median)
	m=$(echo "${rss[$p]}" | median)
	n=$(npackets "$p")
	pps=$(awk -v n="$n" -v w="$w" 'BEGIN {printf "%.0f", n / w}')
	vr=- vp=-
	[ -n "${ratio_raw[$p]:-}" ] && vr="$(echo "${ratio_raw[$p]}" | median) ($(echo "${ratio_raw[$p]}" | spread))"
	[ -n "${ratio_pc[$p]:-}" ] && vp="$(echo "${ratio_pc[$p]}" | median) ($(echo "${ratio_pc[$p]}" | spread))"
	printf '%-15s %11s %7s %7s %8s %18s %18s\n' "$p" "$pps" "$w" "$c" "$((m / 1024))" "$vr" "$vp"
done
if [ -n "${cpu[rawread]:-}" ]; then
	rc=$(echo "${cpu[rawread]}" | median)
	for p in portsift portsift-t1; do
		echo "$p CPU / rawread CPU: $(awk -v a="$(echo "${cpu[$p]}" | median)" -v b="$rc" 'BEGIN {printf "%.2f", a / b}')"
	done
fi

# Start-up: a 1,000-packet file, median of 21 runs, alternating with what
# bounds it from below: `portsift version` (the same binary, no read), a Go
# program that only imports gopacket/layers (whose package init fills 7 MiB
# of tables, google/gopacket#165) and one that imports nothing.
mkdir -p "$dir/floor-layers" "$dir/floor-empty"
printf 'package main\n\nimport _ "github.com/google/gopacket/layers"\n\nfunc main() {}\n' >"$dir/floor-layers/main.go"
printf 'package main\n\nfunc main() {}\n' >"$dir/floor-empty/main.go"
go build -o "$dir/layers-only" "$dir/floor-layers/main.go"
go build -o "$dir/empty" "$dir/floor-empty/main.go"
declare -A st=()
startups=("read:bin/portsift read -q -o json $small" "version:bin/portsift version" "layers-only:$dir/layers-only" "empty:$dir/empty")
for ((i = 0; i < 21; i++)); do
	for e in "${startups[@]}"; do
		t0=$(date +%s%N)
		${e#*:} >/dev/null
		t1=$(date +%s%N)
		st[${e%%:*}]+="$(((t1 - t0) / 1000)) "
	done
done
echo "start-up, median of 21 alternating runs (µs): read of a 1,000-packet file $(echo "${st[read]}" | median)," \
	"portsift version $(echo "${st[version]}" | median), a Go program importing only gopacket/layers $(echo "${st[layers-only]}" | median)," \
	"an empty Go program $(echo "${st[empty]}" | median)"

# Instructions per packet on the cut (callgrind), when valgrind is there.
if command -v valgrind >/dev/null && [ -s "$cut" ]; then
	echo
	echo "instructions per packet (valgrind --tool=callgrind, $cut_packets packets of $cut):"
	for p in "${refs[@]}" portsift-t1; do
		c=$(GOMAXPROCS=1 GOGC=off GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
			$(cmdline "$p" "$cut") 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
		if [ -n "$c" ]; then
			printf '  %-13s %8.0f instructions/packet\n' "$p" "$(awk -v c="$c" -v n="$cut_packets" 'BEGIN {print c / n}')"
		else
			echo "  $p: callgrind gave no count"
		fi
	done
else
	echo "note: valgrind not installed: no instruction counts (apt-get install valgrind)"
fi
