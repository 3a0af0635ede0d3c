# shellcheck shell=bash
# QEMU harness for kjump's real-kernel tests. Source after test/lib.sh.
# Boots the test kernel under TCG with a busybox initramfs holding kjump's binaries;
# the scenario is a shell script run by /init; assertions read the serial log.

vm_find_kernel() {
	local k=${KJUMP_TEST_KERNEL:-} c
	if [ -z "$k" ]; then
		for c in "$KJ_SRC/test/vm/cache/bzImage-kjump" "$KJ_SRC/../shared/testkernel/bzImage-6.1-kjump"; do
			[ -f "$c" ] && { k=$c; break; }
		done
	fi
	if [ -z "$k" ] && [ "${KJUMP_BUILD_KERNEL:-}" = 1 ]; then
		"$KJ_SRC/test/vm/build-kernel.sh" && k=$KJ_SRC/test/vm/cache/bzImage-kjump
	fi
	{ [ -n "$k" ] && [ -f "$k" ]; } || skip "no test kernel: set KJUMP_TEST_KERNEL, or KJUMP_BUILD_KERNEL=1 to build one (test/vm/build-kernel.sh, about 15 minutes)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
	command -v busybox >/dev/null || skip "busybox(-static) not installed"
	KERNEL=$k
}

# vm_debian_kernel VERSION: Debian's own kernel (6.12, 7.3, 7.3.4) from
# KJUMP_DEBIAN_KERNEL_DIR (default ../shared/testkernel/debian): VM_DEBIAN_KERNEL, its
# bzImage, and VM_DEBIAN_MODULES, its modules' tarball; skips when either is missing
vm_debian_kernel() {
	local dir=${KJUMP_DEBIAN_KERNEL_DIR:-$KJ_SRC/../shared/testkernel/debian} f
	VM_DEBIAN_KERNEL=''
	for f in "$dir/bzImage-$1-kjump" "$dir/bzImage-$1".*-kjump; do [ -f "$f" ] && VM_DEBIAN_KERNEL=$f; done
	[ -n "$VM_DEBIAN_KERNEL" ] || skip "no Debian kernel $1 in $dir (KJUMP_DEBIAN_KERNEL_DIR)"
	VM_DEBIAN_MODULES=$dir/modules-${VM_DEBIAN_KERNEL##*/bzImage-}.tar.xz
	[ -f "$VM_DEBIAN_MODULES" ] || skip "no modules for $VM_DEBIAN_KERNEL: $VM_DEBIAN_MODULES"
}

# vm_copy_bin ROOT FILE [DEST]: a binary (to DEST, default its own path) and the shared
# libraries it needs.
vm_copy_bin() {
	local root=$1 f=$2 dest=${3:-$2} l
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$f" "$root$dest"
	for l in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$l" ] && continue
		mkdir -p "$root$(dirname "$l")"
		cp -L "$l" "$root$l"
	done
}

# vm_initramfs OUT SCENARIO [FILE | SRC:DEST ...]: binaries (with their libraries) to the
# same path, other files to DEST. VM_MODULES=TARBALL, for a kernel with modules: its
# lib/modules/VERSION (as ../shared/testkernel/debian ships them) unpacked at the root,
# kjump-coldplug to load the drivers (busybox's modprobe reads .ko.xz), and /sbin/modprobe,
# which the kernel runs to load a module itself.
vm_initramfs() {
	local out=$1 scenario=$2 root
	shift 2
	root=$(mktemp -d "$WORK/initramfs.XXXXXX")
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,mnt,etc,usr/bin,usr/sbin}
	cp "$(command -v busybox)" "$root/bin/busybox"
	for a in $("$root/bin/busybox" --list); do
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	# Our binaries go to /usr/sbin: the build tree may be below /tmp, which /init
	# mounts over.
	for f in "$SAVE" "$RESUME" "$IMAGE" "$KJ_BIN/kjump-setup"; do
		vm_copy_bin "$root" "$f" "/usr/sbin/$(basename "$f")"
	done
	for f in "$@"; do
		case $f in
		*:*) mkdir -p "$root$(dirname "${f#*:}")" && cp "${f%%:*}" "$root${f#*:}" ;;
		*) vm_copy_bin "$root" "$f" ;;
		esac
	done
	if [ -n "${VM_MODULES:-}" ]; then
		tar -xJf "$VM_MODULES" -C "$root" lib/modules
		ln -s ../bin/busybox "$root/sbin/modprobe"
		mkdir -p "$root/usr/lib/kjump"
		cp "$KJ_SRC/initramfs/kjump-coldplug" "$root/usr/lib/kjump/"
	fi
	cp "$scenario" "$root/scenario.sh"
	cat >"$root/init" <<'INIT'
#!/bin/busybox sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mount -t tmpfs tmp /tmp
echo "KJTEST: init started"
sh /scenario.sh
echo "KJTEST: scenario exit $?"
sync
poweroff -f
INIT
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
}

# vm_run LOG TIMEOUT_S APPEND QEMU_ARGS...: boot, serial console to LOG.
vm_run() {
	local log=$1 t=$2 append=$3 rc=0
	shift 3
	timeout --foreground -k 5 "$t" qemu-system-x86_64 -accel tcg -nographic -no-reboot \
		-kernel "$KERNEL" -append "console=ttyS0 panic=-1 loglevel=6 no_timer_check $append" "$@" \
		</dev/null >"$log" 2>&1 || rc=$?
	tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
	[ "$rc" = 124 ] && echo "vm_run: timed out after ${t}s" >>"$log"
	return 0
}

# vm_show_console LOG: the end of a console after a failed check, once per log: a kernel
# oops from its first line (the tail alone cuts its head off), else the last 40 lines
VM_SHOWN=" "
vm_show_console() {
	local from
	case $VM_SHOWN in *" $1 "*)
		echo "    (console $1 shown above)" >&2
		return 0 ;;
	esac
	VM_SHOWN="$VM_SHOWN$1 "
	from=$(grep -naE -m1 "cut here|BUG: |Oops: |general protection|invalid opcode|Kernel panic" "$1" | cut -d: -f1)
	if [ -z "$from" ]; then
		tail -n 40 "$1" | sed 's/^/    /' >&2
		return 0
	fi
	from=$((from > 5 ? from - 5 : 1))
	{
		echo "    (console $1 from line $from: a kernel oops)"
		tail -n +"$from" "$1" | head -n 100 | sed 's/^/    /'
		[ "$(wc -l <"$1")" -lt "$((from + 100))" ] || { echo "    ..." && tail -n 20 "$1" | sed 's/^/    /'; }
	} >&2
}

# vm_expect LOG REGEX DESC
vm_expect() {
	if grep -Eq -- "$2" "$1"; then pass "$3"; else
		fail "$3: no console line matching '$2'"
		vm_show_console "$1"
	fi
}

# vm_reject LOG REGEX WHAT: no console line may match
vm_reject() {
	if grep -Eq -- "$2" "$1"; then
		fail "$3: a console line matches '$2':"
		grep -E -- "$2" "$1" | head -3 | sed 's/^/    /' >&2
	else pass "$3"; fi
}

# vm_gpt_disk OUT [SWAP_MIB]: GPT disk: p1 swap (64 MiB by default) (LABEL kjswap, PARTLABEL kjswap-part),
# then p2 128 MiB ext4 (LABEL kjdata). Identifiers are fixed so scenarios can name them.
VM_SWAP_UUID=6b6a756d-7377-6170-0000-000000000001
VM_P1_PARTUUID=6b6a756d-7061-7274-0000-000000000001
VM_P2_PARTUUID=6b6a756d-7061-7274-0000-000000000002
VM_P1_OFFSET=$((1 << 20))
vm_gpt_disk() {
	local out=$1 swap=${2:-64} # MiB
	truncate -s $((swap + 136))M "$out"
	sfdisk -q "$out" >/dev/null <<SF
label: gpt
start=1MiB, size=${swap}MiB, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, name=kjswap-part, uuid=$VM_P1_PARTUUID
start=$((swap + 1))MiB, size=128MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=kjdata, uuid=$VM_P2_PARTUUID
SF
	truncate -s "${swap}M" "$WORK/p1.img"
	mkswap -q -L kjswap -U "$VM_SWAP_UUID" "$WORK/p1.img"
	dd if="$WORK/p1.img" of="$out" bs=1M seek=1 conv=notrunc status=none
	truncate -s 128M "$WORK/p2.img"
	# VM_P2_DIR: a directory to fill the filesystem with (a test root)
	mkfs.ext4 -q -F -b 4096 -L kjdata ${VM_P2_DIR:+-d "$VM_P2_DIR"} "$WORK/p2.img"
	dd if="$WORK/p2.img" of="$out" bs=1M seek=$((swap + 1)) conv=notrunc status=none
	rm -f "$WORK/p1.img" "$WORK/p2.img"
}

# blkid of p1 inside a disk image (host side).
vm_p1_blkid() { blkid -p -O "$VM_P1_OFFSET" "$1" 2>/dev/null || true; }
