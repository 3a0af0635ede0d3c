#!/bin/bash
# kjump demo: install, build, then resume a synthetic hibernation image on a real kernel
# in QEMU. The image holds 384 MiB of patterned memory and a small payload as the
# "hibernated kernel"; kjump-resume writes it into the memory the resume kernel does not
# use, stages the rest, and jumps; the payload checks every byte and prints its verdict.
# Usage: scripts/demo.sh [--no-install]
# The kernel: $KJUMP_TEST_KERNEL, ../shared/testkernel, or built once (about 15 min).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
[ "${1:-}" = --no-install ] || "$src/scripts/install-deps.sh"
"$src/scripts/build.sh" "$src/build"
export KJ_BIN=$src/build KJ_SRC=$src KJUMP_BUILD_KERNEL=1
# shellcheck source=/dev/null
. "$src/test/lib.sh"
# shellcheck source=/dev/null
. "$src/test/vm/lib.sh"
# shellcheck source=/dev/null
. "$src/test/vm/synthetic.sh"
vm_find_kernel
echo "== kernel: $KERNEL"
echo "== saving a synthetic image (QEMU -m 512M, resume kernel in 0-636K and 1M-128M)"
synthetic_run demo 512M "memmap=exactmap memmap=636K@0 memmap=127M@1M" q512-exactmap
echo "== the resume kernel's console:"
grep -E "kjump-resume|KJPAYLOAD|KJTEST" "$SYN_LOG" | sed 's/^/   /'
if grep -q "KJPAYLOAD: OK" "$SYN_LOG" && [ "$SYN_RC" = 33 ]; then
	echo "== OK: the jump landed and every byte of the image was in place"
else
	echo "== FAILED (QEMU exit status $SYN_RC)"
	exit 1
fi
