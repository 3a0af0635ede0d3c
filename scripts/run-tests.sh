#!/bin/bash
# Install dependencies, build, and run every test: the normal build and an ASan/UBSan
# build (all tests in both, the QEMU ones run the sanitized binaries too, except the
# sanitized repeats labelled "long"; valgrind only the plain ones), a ThreadSanitizer
# build running the tests that drive the threaded save and load pipelines (a fixed
# selection, no QEMU; any race fails), each libFuzzer target for a bounded time
# (KJUMP_FUZZ_SECONDS, default 30; 0 skips).
# ctest runs KJUMP_TEST_JOBS tests at a time (default: the cores, at most 4; a test's
# PROCESSORS property says how many cores its QEMU process takes).
# --long adds the long matrix (label "long": the filter at 4 GiB, the sanitized
# repeats, 16 GiB with 8 CPUs and images of 1 to 12 GiB; KASLR over 5 hibernations
# instead of 3).
# Usage: scripts/run-tests.sh [--no-install] [--no-asan] [--no-tsan] [--long] [ctest args...]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
install=1 asan=1 tsan=1 skip=(-LE '^long$')
while [ $# -gt 0 ]; do
	case $1 in
	--no-install) install=0 ;;
	--no-asan) asan=0 ;;
	--no-tsan) tsan=0 ;;
	--long) skip=() && export KJUMP_KASLR_CYCLES=${KJUMP_KASLR_CYCLES:-5} ;;
	*) break ;;
	esac
	shift
done
jobs=${KJUMP_TEST_JOBS:-$(nproc)}
[ "$jobs" -le 4 ] || jobs=4
[ $install = 1 ] && "$src/scripts/install-deps.sh"
"$src/scripts/build.sh" "$src/build"
rc=0
(cd "$src/build" && ctest --output-on-failure --timeout 600 -j"$jobs" "${skip[@]}" "$@") || rc=1
if [ $asan = 1 ]; then
	"$src/scripts/build.sh" "$src/build-asan" -DKJUMP_SANITIZE=ON
	(cd "$src/build-asan" && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure \
		--timeout 600 -j"$jobs" "${skip[@]}" "$@") || rc=1
fi
if [ $tsan = 1 ]; then
	# The writer's compression threads (roundtrip, cli-roundtrip) and the loader's
	# dispatcher and 1-4 workers (roundtrip), also on its error paths (corruption,
	# reread), with the block digests of authenticated images hashed in both (auth).
	# A report stops the program (exit 66) and is kept in tsan-logs/: either fails the
	# run, whatever the test made of the exit status.
	"$src/scripts/build.sh" "$src/build-tsan" -DKJUMP_TSAN=ON
	logs=$src/build-tsan/tsan-logs
	rm -rf "$logs" && mkdir -p "$logs"
	(cd "$src/build-tsan" && TSAN_OPTIONS="halt_on_error=1 exitcode=66 log_path=$logs/tsan" \
		ctest --output-on-failure --timeout 600 -j"$jobs" --no-tests=error -LE vm \
		-R '^(roundtrip|cli-roundtrip|corruption|reread|auth)$') || rc=1
	for f in "$logs"/tsan.*; do
		[ -e "$f" ] || continue
		echo "ThreadSanitizer report ($f):" >&2
		cat "$f" >&2
		rc=1
	done
fi
secs=${KJUMP_FUZZ_SECONDS:-30}
if [ "$secs" != 0 ]; then
	"$src/fuzz/run-fuzzers.sh" "$secs" || rc=1
fi
exit $rc
