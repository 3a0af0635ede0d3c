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
rc=0
for t in formats image elf cmdline memmap filter; do
	work=$(mktemp -d)
	cp -r "$src/fuzz/corpus/$t/." "$work/"
	echo "fuzz-$t: ${secs}s"
	if ! "$src/build-fuzz/fuzz/fuzz-$t" -max_total_time="$secs" -max_len=131072 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$src/fuzz/crashes/$t-" "$work" >"$work.log" 2>&1; then
		echo "fuzz-$t: FAILED"; tail -30 "$work.log"; rc=1
	else
		grep -E "^#[0-9]+.*DONE" "$work.log" | tail -1
	fi
	rm -rf "$work" "$work.log"
done
exit $rc
