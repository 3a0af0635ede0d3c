#!/bin/bash
# Build the kjump test kernel from Debian's linux-source-6.1: x86_64_defconfig +
# kvm_guest.config + kernel/kjump.config, with the GDT fix for kexec jump.
# Takes about 15 minutes on 2 cores and ~2 GB of disk. Needs root for apt-get.
# Usage: build-kernel.sh [OUTPUT]   (default test/vm/cache/bzImage-kjump)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/cache/bzImage-kjump}
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
	"$here/kernel/kjump.config" >/dev/null
make olddefconfig >/dev/null
make -j"$(nproc)" bzImage >/dev/null
mkdir -p "$(dirname "$out")"
cp arch/x86/boot/bzImage "$out"
echo "build-kernel: $out" >&2
