# shellcheck shell=bash
# A Debian 12 system for the QEMU tests, made the way a user's is: Debian's packages
# (mmdebstrap), the test kernel installed in /boot with the kernel hooks a kernel
# package runs, then the kjump package installed with apt; the disk holds its root
# file system (vda1) and a swap partition (vda2). Sourced by test-debian.sh after lib.sh.
# shellcheck disable=SC2034 # a library: DEBIAN_* are for the scripts that source it

DEBIAN_SUITE=bookworm
# the mirrors this machine's apt uses (a file is pasted into the new sources.list),
# so that the test reaches Debian where the machine does; KJUMP_DEBIAN_MIRROR overrides
DEBIAN_MIRROR=${KJUMP_DEBIAN_MIRROR:-}
if [ -z "$DEBIAN_MIRROR" ]; then
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
		[ -s "$f" ] && grep -q bookworm "$f" && { DEBIAN_MIRROR=$f; break; }
	done
fi
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_PACKAGES="systemd-sysv,dbus,udev,kexec-tools,dracut,procps,kmod,e2fsprogs,liblzo2-2,libblkid1"
DEBIAN_CACHE=${KJUMP_CACHE_DIR:-/var/cache/kjump-test}
DEBIAN_KVER=6.1.192
DEBIAN_SWAP_MIB=1024
DEBIAN_ROOT_MIB=1536
DEBIAN_SWAP_UUID=6b6a756d-7377-6170-2d64-656269616e31

# debian_base: path of the base system's tarball, made once and kept between runs
debian_base() {
	local key tar
	key=$(printf '%s\n' "$DEBIAN_SUITE" "$DEBIAN_PACKAGES" | md5sum | cut -c1-12)
	tar=$DEBIAN_CACHE/debian12-$key.tar
	if [ ! -f "$tar" ]; then
		mkdir -p "$DEBIAN_CACHE" || return 1
		# the name's ending tells mmdebstrap the format
		# and its proxy settings, if any (apt in the new system does not read the host's)
		local opts=() f
		for f in /etc/apt/apt.conf.d/*; do
			[ -f "$f" ] && grep -qi 'proxy' "$f" && opts+=(--aptopt="$f")
		done
		mmdebstrap --quiet --variant=minbase --include="$DEBIAN_PACKAGES" "${opts[@]}" \
			"$DEBIAN_SUITE" "$tar.new.tar" "$DEBIAN_MIRROR" >"$WORK/mmdebstrap.log" 2>&1 ||
			{ tail -n 20 "$WORK/mmdebstrap.log" >&2; rm -f "$tar.new.tar"; return 1; }
		mv "$tar.new.tar" "$tar"
	fi
	echo "$tar"
}

# in_root DIR CMD...: run CMD chrooted into DIR with /proc, /sys and /dev, as a
# package's maintainer scripts see them
in_root() {
	local root=$1 rc=0
	shift
	mount -t proc proc "$root/proc" && mount --rbind /sys "$root/sys" && mount --rbind /dev "$root/dev" ||
		return 1
	mount -t tmpfs tmpfs "$root/run"
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@" || rc=$?
	umount "$root/run"
	umount -R "$root/dev" "$root/sys"
	umount "$root/proc"
	return $rc
}

# debian_kernel ROOT KERNEL: install the test kernel as a kernel package would, and run
# the kernel hooks (/etc/kernel/postinst.d: dracut builds the system's initramfs)
debian_kernel() {
	local root=$1 kernel=$2
	install -m 644 "$kernel" "$root/boot/vmlinuz-$DEBIAN_KVER"
	# its configuration beside it, as Debian's kernel packages install it
	[ -f "${kernel%/*}/config-${kernel##*/bzImage-}" ] &&
		install -m 644 "${kernel%/*}/config-${kernel##*/bzImage-}" "$root/boot/config-$DEBIAN_KVER"
	# everything is built in: an empty module tree, as depmod leaves it
	mkdir -p "$root/lib/modules/$DEBIAN_KVER"
	: >"$root/lib/modules/$DEBIAN_KVER/modules.order"
	: >"$root/lib/modules/$DEBIAN_KVER/modules.builtin"
	in_root "$root" depmod "$DEBIAN_KVER" && debian_kernel_hooks "$root"
}

# debian_kernel_hooks ROOT: what a kernel package's postinst runs for its kernel
debian_kernel_hooks() {
	in_root "$1" run-parts --report --arg="$DEBIAN_KVER" --arg="/boot/vmlinuz-$DEBIAN_KVER" /etc/kernel/postinst.d
}

# initramfs_has IMAGE PATTERN: lsinitrd lists a file matching PATTERN (a grep -E regex)
initramfs_has() {
	local list
	list=$(lsinitrd "$1" 2>&1) || return 1
	grep -Eq -- "$2" <<<"$list"
}

# debian_configure ROOT: what an installer leaves: fstab, host name, the swap area in
# use, a generic dracut (the chroot's hardware is not the VM's)
debian_configure() {
	local root=$1
	cat >"$root/etc/fstab" <<-EOF
		/dev/vda1 / ext4 rw,errors=remount-ro 0 1
		/dev/vda2 none swap sw 0 0
	EOF
	echo kjtest >"$root/etc/hostname"
	echo "LOAD_KEXEC=false" >"$root/etc/default/kexec"
	mkdir -p "$root/etc/dracut.conf.d"
	printf 'hostonly="no"\ncompress="gzip"\n' >"$root/etc/dracut.conf.d/10-kjtest.conf"
	# no login prompt on the console: the test reads it
	in_root "$root" systemctl mask serial-getty@ttyS0.service getty@tty1.service >/dev/null 2>&1
}

# debian_disk OUT ROOT: vda1 ext4 with ROOT's files, vda2 swap
debian_disk() {
	local out=$1 root=$2
	truncate -s $((DEBIAN_ROOT_MIB + DEBIAN_SWAP_MIB + 2))M "$out"
	sfdisk -q "$out" >/dev/null <<-SF || return 1
		label: gpt
		start=1MiB, size=${DEBIAN_ROOT_MIB}MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=root
		start=$((DEBIAN_ROOT_MIB + 1))MiB, size=${DEBIAN_SWAP_MIB}MiB, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, name=swap
	SF
	truncate -s "${DEBIAN_ROOT_MIB}M" "$WORK/root.img"
	mkfs.ext4 -q -F -b 4096 -L root -d "$root" "$WORK/root.img" || return 1
	dd if="$WORK/root.img" of="$out" bs=1M seek=1 conv=notrunc,sparse status=none
	truncate -s "${DEBIAN_SWAP_MIB}M" "$WORK/swap.img"
	mkswap -q -L swap -U "$DEBIAN_SWAP_UUID" "$WORK/swap.img" || return 1
	dd if="$WORK/swap.img" of="$out" bs=1M seek=$((DEBIAN_ROOT_MIB + 1)) conv=notrunc status=none
	rm -f "$WORK/root.img" "$WORK/swap.img"
}
