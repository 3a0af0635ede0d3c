#!/bin/bash
# Install what kjump needs to build and test on Debian 12 (run as root).
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: run as root (apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
	build-essential cmake pkg-config libblkid-dev liblzo2-dev zlib1g-dev \
	util-linux fdisk e2fsprogs btrfs-progs cpio python3 \
	qemu-system-x86 busybox-static kexec-tools \
	clang libclang-rt-14-dev clang-format shellcheck dracut-core systemd time valgrind ovmf \
	mmdebstrap dpkg-dev initramfs-tools
