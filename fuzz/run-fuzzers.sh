#!/bin/bash
# Build the libFuzzer targets with clang and run each for a bounded time on top of the
# committed corpus. New crash inputs are left in fuzz/crashes/ (commit them next to the
# corpus so that the replay tests keep them). Usage: fuzz/run-fuzzers.sh [SECONDS]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-20}
if ! command -v clang >/dev/null; then
	[ "${KJUMP_REQUIRE_ALL:-}" = 1 ] && { echo "run-fuzzers: clang not installed (KJUMP_REQUIRE_ALL=1)" >&2; exit 1; }
	echo "run-fuzzers: clang not installed, skipped"
	exit 0
fi
CC=clang cmake -S "$src" -B "$src/build-fuzz" -DKJUMP_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$src/build-fuzz" -j"$(nproc)" >/dev/null
mkdir -p "$src/fuzz/crashes"
# fuzz_one TARGET OUT: run TARGET for $secs on a copy of its corpus; OUT gets its verdict
fuzz_one() {
	local t=$1 out=$2 work
	work=$(mktemp -d)
	cp -r "$src/fuzz/corpus/$t/." "$work/"
	if ! "$src/build-fuzz/fuzz/fuzz-$t" -max_total_time="$secs" -max_len=131072 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$src/fuzz/crashes/$t-" "$work" >"$work.log" 2>&1; then
		{ echo "fuzz-$t: FAILED"; tail -30 "$work.log"; } >"$out"
	else
		{ echo "fuzz-$t: ${secs}s"; grep -E "^#[0-9]+.*DONE" "$work.log" | tail -1; } >"$out"
	fi
	rm -rf "$work" "$work.log"
}
# as many targets at a time as there are cores (at most 4), each on one core
jobs=$(nproc)
[ "$jobs" -le 4 ] || jobs=4
outs=$(mktemp -d)
trap 'rm -rf "$outs"' EXIT
targets=(formats image elf cmdline memmap filter setup btrfs)
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
	for t in "${targets[@]:i:jobs}"; do fuzz_one "$t" "$outs/$t" & done
	wait
done
rc=0
for t in "${targets[@]}"; do
	cat "$outs/$t"
	grep -q "^fuzz-$t: FAILED" "$outs/$t" && rc=1
done
exit $rc
