#!/bin/bash
# kjump demo: the real thing, in QEMU. Builds kjump and its Debian package, makes a
# Debian 12 system from Debian's packages (systemd as PID 1), installs the package in it
# with apt, boots it, starts a service whose state lives only in memory and runs
# `systemctl hibernate`: the hibernating kernel saves the memory and the QEMU process
# ends. A new QEMU process boots the same disk; its initramfs (dracut, with kjump's
# module) finds the image and jumps back, and the service goes on where it was.
# Usage: scripts/demo.sh [--no-install]   (as root: it builds a chroot and mounts)
# The kernel: $KJUMP_TEST_KERNEL, ../shared/testkernel, or built once (about 15 min).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
[ "${1:-}" = --no-install ] || "$src/scripts/install-deps.sh"
"$src/scripts/build.sh" "$src/build"
export KJ_BIN=$src/build KJ_SRC=$src KJUMP_BUILD_KERNEL=${KJUMP_BUILD_KERNEL:-1} KJUMP_DEMO=1
echo "== hibernating a Debian 12 system with systemctl hibernate, resuming it in a new QEMU process"
if bash "$src/test/vm/test-debian.sh"; then
	echo "== OK: the service's memory, token and counter came back; the hooks ran; / is writable"
else
	echo "== FAILED (see the lines above)"
	exit 1
fi
