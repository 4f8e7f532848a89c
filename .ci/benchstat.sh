#!/usr/bin/env bash
# benchstat.sh: `make benchstat BASE=rev`. Runs the per-stage Go benchmarks
# of BASE (a git revision, default HEAD~1, checked out in a worktree) and of
# the working tree alternately, COUNT times each (alternating spreads the
# machine's drift over both), and compares them with benchstat.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${BASE:-HEAD~1}
count=${COUNT:-6}
bench=${BENCH:-'BenchmarkReadPcap$|BenchmarkDecode$|BenchmarkDecodeTunnels|BenchmarkObserve|BenchmarkPipeline$|BenchmarkRunPipelined|BenchmarkReadFiles'}
pkgs=(./classify ./decode ./capture)
# BenchmarkReadFiles moved to classify/pipeline with the driver: run it
# where each tree has it.
pkgsin() { if [ -d "$1/classify/pipeline" ]; then echo "${pkgs[@]}" ./classify/pipeline; else echo "${pkgs[@]}"; fi; }
dir=${BENCH_DIR:-.bench}/benchstat
benchstat=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
mkdir -p "$dir"
rm -rf "$dir/base"
git worktree prune
git worktree add --detach -f "$dir/base" "$base" >/dev/null
trap 'git worktree remove --force "$dir/base"' EXIT
# Benchmarks added since BASE run there too when their file is new.
for f in classify/observe_bench_test.go; do
	[ -e "$dir/base/$f" ] || cp "$f" "$dir/base/$f"
done
: >"$dir/old.txt"
: >"$dir/new.txt"
for ((i = 1; i <= count; i++)); do
	echo "run $i of $count: $base, then the working tree"
	(cd "$dir/base" && go test -run '^$' -bench "$bench" -benchmem -count 1 $(pkgsin .)) >>"$dir/old.txt"
	go test -run '^$' -bench "$bench" -benchmem -count 1 $(pkgsin .) >>"$dir/new.txt"
done
go run "$benchstat" "$dir/old.txt" "$dir/new.txt"
