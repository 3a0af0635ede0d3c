#!/bin/bash
# kjump demo: install, build, then hibernate a generated 256 MiB "physical memory" into
# a swap file made by mkswap, resume it into a file target and check it byte for byte.
# Usage: scripts/demo.sh [--no-install]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
[ "${1:-}" = --no-install ] || "$src/scripts/install-deps.sh"
"$src/scripts/build.sh" "$src/build"
B=$src/build
W=$(mktemp -d /tmp/kjump-demo.XXXXXX)
trap 'rm -rf "$W"' EXIT

echo "== A fake resume kernel: RAM 0-636K and 1M-128M of a 512 MiB machine"
mkdir -p "$W/root/proc"
printf '00001000-0009efff : System RAM\n00100000-07ffffff : System RAM\n' >"$W/root/proc/iomem"
echo "== Generating A's memory above 128M: zero, text and random pages"
truncate -s 256M "$W/mem"
head -c 24M /dev/urandom | dd of="$W/mem" bs=1M seek=136 conv=notrunc status=none
seq -f "counter line %g of a text-like page" 1 900000 >"$W/text"
dd if="$W/text" of="$W/mem" bs=1M seek=170 conv=notrunc status=none
echo "== mkswap a 128 MiB swap file"
fallocate -l 128M "$W/swap" && chmod 600 "$W/swap"
mkswap -L demo "$W/swap"
echo "== kjump-save"
"$B/kjump-save" --memory "file:$W/mem" --ranges 0x8000000-0x10000000 --entry 0x8000100 \
	--output "$W/swap" --root "$W/root"
blkid -p "$W/swap"
"$B/kjump-image" info "$W/swap" | head -9
echo "== kjump-resume into a file standing for physical memory"
"$B/kjump-resume" --device "$W/swap" --target "file:$W/restored" --root "$W/root"
if cmp <(tail -c +$((0x8000001)) "$W/mem") <(tail -c +$((0x8000001)) "$W/restored" | head -c $((0x8000000))); then
	echo "== OK: all 128 MiB restored byte for byte"
else
	echo "== FAILED: restored memory differs"
	exit 1
fi
