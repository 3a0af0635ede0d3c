#!/bin/bash
# Build the kjump test kernel from Debian's linux-source-6.1: x86_64_defconfig +
# kvm_guest.config + kernel/kjump.config, with the GDT fix for kexec jump.
# Takes about 15 minutes on 2 cores and ~2 GB of disk. Needs root for apt-get.
# Usage: build-kernel.sh [OUTPUT [FRAGMENT...]]   (default test/vm/cache/bzImage-kjump;
#        FRAGMENTs are merged after kjump.config, e.g. kernel/crypt.config)
#        build-kernel.sh --name FRAGMENT...     print where --cached keeps that kernel
#        build-kernel.sh --cached FRAGMENT...   build it there unless it is there already
#                                               (then print its path)
# --cached keeps the kernel in $KJUMP_CACHE_DIR (default /var/cache/kjump-test) under a
# name keyed by this script, the patch and the configuration fragments: a changed one
# builds anew. While it builds, $name.lock is locked (flock): a test waits on it.
# The configuration goes beside the kernel (config-NAME for bzImage-NAME).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=build
case ${1:-} in --name | --cached) mode=${1#--} && shift ;; esac
if [ "$mode" != build ]; then
	key=$(cat "$0" "$here/kernel/kexec-jump-reload-gdt.patch" "$here/kernel/kjump.config" "$@" |
		sha256sum | cut -c1-12)
	name=plain
	[ $# = 0 ] || name=$(basename "${!#}" .config)
	out=${KJUMP_CACHE_DIR:-/var/cache/kjump-test}/bzImage-kjump-$name-$key
	[ "$mode" = name ] && { echo "$out"; exit 0; }
	mkdir -p "$(dirname "$out")"
	exec {lock}>"$out.lock"
	flock "$lock"
	[ -f "$out" ] || "$0" "$out" "$@" >&2
	echo "$out"
	exit 0
fi
out=${1:-$here/cache/bzImage-kjump}
shift || true
frags=()
for f in "$@"; do frags+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done
echo "build-kernel: building the kjump test kernel (about 15 minutes)..." >&2
if [ ! -f /usr/src/linux-source-6.1.tar.xz ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		linux-source-6.1 bc bison flex libelf-dev libssl-dev xz-utils cpio >/dev/null
fi
work=$(mktemp -d /tmp/kjump-kernel.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar xJf /usr/src/linux-source-6.1.tar.xz -C "$work"
cd "$work"/linux-source-6.1
patch -p1 <"$here/kernel/kexec-jump-reload-gdt.patch"
make x86_64_defconfig >/dev/null
./scripts/kconfig/merge_config.sh -m .config kernel/configs/kvm_guest.config \
	"$here/kernel/kjump.config" ${frags[@]+"${frags[@]}"} >/dev/null
make olddefconfig >/dev/null
for f in ${frags[@]+"${frags[@]}"}; do
	# a setting the merge dropped (a missing dependency) is an error, not a quiet "n"
	grep -E '^CONFIG_[A-Z0-9_]+=y' "$f" | while read -r want; do
		grep -qx "$want" .config || { echo "build-kernel: $want did not stick" >&2; exit 1; }
	done
done
make -j"$(nproc)" bzImage >/dev/null
mkdir -p "$(dirname "$out")"
# the configuration first: the kernel's appearance is what a waiting test looks for
base=$(basename "$out")
cp .config "$(dirname "$out")/config-${base#bzImage-}"
cp arch/x86/boot/bzImage "$out.new" && mv "$out.new" "$out"
echo "build-kernel: $out" >&2
