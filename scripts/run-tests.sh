#!/bin/bash
# Install dependencies, build, and run every test: the normal build and an ASan/UBSan
# build (all tests in both, the QEMU ones run the sanitized binaries too, except the
# sanitized repeats labelled "long"; valgrind only the plain ones), a ThreadSanitizer
# build running the tests that drive the threaded save and load pipelines (a fixed
# selection, no QEMU; any race fails), each libFuzzer target for a bounded time
# (KJUMP_FUZZ_SECONDS, default 30; 0 skips), and last vm-crypt (label "crypt"), whose
# kernel (dm-crypt) is built in the background from the start unless it is cached.
# ctest runs KJUMP_TEST_JOBS tests at a time (default: the cores, at most 4; a test's
# PROCESSORS property says how many cores its QEMU process takes).
# --long adds the long matrix (label "long": the filter at 4 GiB, the sanitized
# repeats; KASLR over 5 hibernations instead of 3).
# Usage: scripts/run-tests.sh [--no-install] [--no-asan] [--no-tsan] [--long] [ctest args...]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
install=1 asan=1 tsan=1 skip='^(long|crypt)$'
while [ $# -gt 0 ]; do
	case $1 in
	--no-install) install=0 ;;
	--no-asan) asan=0 ;;
	--no-tsan) tsan=0 ;;
	--long) skip='^crypt$' && export KJUMP_KASLR_CYCLES=${KJUMP_KASLR_CYCLES:-5} ;;
	*) break ;;
	esac
	shift
done
jobs=${KJUMP_TEST_JOBS:-$(nproc)}
[ "$jobs" -le 4 ] || jobs=4
[ $install = 1 ] && "$src/scripts/install-deps.sh"
# vm-crypt's kernel (dm-crypt, which the shared test kernels lack) is built from the start,
# in the background at the lowest priority (about 15 minutes of both cores: it takes
# what the tests leave, and they keep their speed and their timeouts), into
# $KJUMP_CACHE_DIR under a name keyed by its inputs, unless it is there already or
# KJUMP_CRYPT_KERNEL names one; vm-crypt runs last and waits for it.
kbuild=
if [ -z "${KJUMP_CRYPT_KERNEL:-}" ]; then
	crypt_kernel=$("$src/test/vm/build-kernel.sh" --name "$src/test/vm/kernel/crypt.config")
	if [ ! -f "$crypt_kernel" ]; then
		mkdir -p "$(dirname "$crypt_kernel")"
		echo "run-tests: building vm-crypt's kernel in the background (log: $crypt_kernel.log)"
		# setsid makes it a session (killed as a group on exit), and so, with
		# CONFIG_SCHED_AUTOGROUP, a scheduling group of its own that competes with the
		# tests' as an equal whatever its nice value: the group's own nice value too
		setsid sh -c 'echo 19 >/proc/self/autogroup 2>/dev/null; exec nice -n 19 "$@"' sh \
			"$src/test/vm/build-kernel.sh" --cached "$src/test/vm/kernel/crypt.config" \
			>"$crypt_kernel.log" 2>&1 </dev/null &
		kbuild=$!
		trap '[ -z "$kbuild" ] || kill -- -"$kbuild" 2>/dev/null || true' EXIT
	fi
fi
"$src/scripts/build.sh" "$src/build"
rc=0
(cd "$src/build" && ctest --output-on-failure --timeout 600 -j"$jobs" -LE "$skip" "$@") || rc=1
if [ $asan = 1 ]; then
	"$src/scripts/build.sh" "$src/build-asan" -DKJUMP_SANITIZE=ON
	(cd "$src/build-asan" && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure \
		--timeout 600 -j"$jobs" -LE "$skip" "$@") || rc=1
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
if [ -n "$kbuild" ]; then
	echo "run-tests: waiting for vm-crypt's kernel (log: $crypt_kernel.log)"
	wait "$kbuild" || { echo "run-tests: building vm-crypt's kernel failed (see $crypt_kernel.log)" >&2; rc=1; }
	kbuild=
fi
(cd "$src/build" && ctest --output-on-failure --timeout 600 -L '^crypt$' "$@") || rc=1
exit $rc
