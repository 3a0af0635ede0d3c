#!/bin/bash
# Install dependencies, build, and run every test: the normal build and an ASan/UBSan
# build (all tests in both, the QEMU ones run the sanitized binaries too; valgrind only
# the plain ones), and each
# libFuzzer target for a bounded time (KJUMP_FUZZ_SECONDS, default 30; 0 skips).
# Usage: scripts/run-tests.sh [--no-install] [--no-asan] [ctest args...]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
install=1 asan=1
while [ $# -gt 0 ]; do
	case $1 in
	--no-install) install=0 ;;
	--no-asan) asan=0 ;;
	*) break ;;
	esac
	shift
done
[ $install = 1 ] && "$src/scripts/install-deps.sh"
"$src/scripts/build.sh" "$src/build"
rc=0
(cd "$src/build" && ctest --output-on-failure --timeout 600 "$@") || rc=1
if [ $asan = 1 ]; then
	"$src/scripts/build.sh" "$src/build-asan" -DKJUMP_SANITIZE=ON
	(cd "$src/build-asan" && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure \
		--timeout 600 "$@") || rc=1
fi
secs=${KJUMP_FUZZ_SECONDS:-30}
if [ "$secs" != 0 ]; then
	"$src/fuzz/run-fuzzers.sh" "$secs" || rc=1
fi
exit $rc
