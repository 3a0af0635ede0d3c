#!/bin/bash
# Debian 13 from `apt install kjump` to `systemctl hibernate` (#25), in QEMU: mmdebstrap
# trixie (systemd 257, initramfs-tools, kexec-tools 2.0.29, Debian's cryptsetup and
# btrfs-progs), Debian's own stock kernel (linux-image-amd64, no kexec jump) and Debian's
# 6.12 built with CONFIG_KEXEC_JUMP=y, installed from its package with apt as a user
# installs a kernel they built (../shared/testkernel/debian); then the kjump package with
# apt: initramfs-tools (update-initramfs, kjump's hook) builds each kernel's initramfs,
# kjump-mkinitrd builds B's with mkinitramfs.
# QEMU processes, each a new one:
# 0. the stock kernel, as GRUB would boot it (no region: the GRUB snippet adds nothing):
#    the machine is as without kjump (no failed unit, all memory, kjump-load skipped),
#    and systemctl hibernate fails at once, saying why in one line.
# 1. the kjump kernel (the region and resume= as the GRUB snippet gives them): A's
#    service keeps a token, a counter and 192 MiB of patterned memory; systemctl
#    hibernate into the swap partition.
# 2. C resumes A, whose state goes on; A switches to a swap file on ext4 (resume_offset=)
#    and hibernates again; 3. C resumes from the swap file (the command line the GRUB
#    snippet gives now); A switches to a swap file on btrfs (device offsets, not btrfs
#    logical ones) and hibernates; 4. C resumes from it; the state has gone on throughout.
# Usage: test-debian13.sh [stock] CYCLE... (default: stock partition file-ext4; the long
# matrix's vm-debian13-btrfs: partition file-btrfs): "stock" boots the stock kernel
# first; the cycles hibernate into those swap areas in turn (the first: partition).
# Needs root (chroot, mounts), mmdebstrap and initramfs-tools (lsinitramfs).
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2034 # debian.sh reads these
DEBIAN_SUITE=trixie
DEBIAN_PACKAGES="systemd-sysv,dbus,udev,kexec-tools,initramfs-tools,zstd,procps,kmod,e2fsprogs,btrfs-progs,cryptsetup,liblzo2-2,libblkid1,linux-image-amd64"
DEBIAN_KVER=6.12.117-kjump
DEBIAN_LSINITRD=lsinitramfs
DEBIAN_GEN=initramfs-tools
DEBIAN_ROOT_MIB=3072
DEBIAN_EXTRA_MIB=1024
DEBIAN_ROOT_UUID=6b6a756d-726f-6f74-2d64-656269616e33
. "$(dirname "$0")/debian.sh"

debian_requires
[ -x "$KJ_BIN/test/memhog" ] || skip "memhog not built"
debian_kernel_package
# the region as kjump-hibernate fits it to SeaBIOS's RAM with 1 GiB on a kernel without
# the memory probe (A's GRUB snippet must agree: asserted)
REGION="memmap=exactmap memmap=636K@0x0 memmap=392192K@0x100000 mem=393216K retain_initrd"
BASE="console=ttyS0 root=/dev/vda1 rw panic=-1 no_timer_check"
T=${KJUMP_DEBIAN_TIMEOUT:-600}
[ $# -gt 0 ] || set -- stock partition file-ext4
STOCK_BOOT=0
[ "$1" = stock ] && { STOCK_BOOT=1; shift; }
# shellcheck disable=SC2206 # the cycles, one word each
CYCLES=($*)
[ "${CYCLES[0]:-}" = partition ] || { echo "usage: $0 [stock] partition [file-ext4|file-btrfs]..." >&2; exit 2; }

build_system() {
	local root=$WORK/root c b v="" p
	debian_install "$root" || return 1
	# what Debian 13 is: its versions of what kjump works with
	for p in kexec-tools systemd initramfs-tools; do
		v="$v $(in_root "$root" dpkg-query -W -f "\${Version}" $p)"
	done
	[[ "$v" =~ ^\ 1:2\.0\.29.*\ 257\..*\ 0\.14[0-9] ]] &&
		pass "Debian 13's kexec-tools 2.0.29, systemd 257, initramfs-tools: $v" || fail "versions: $v"
	[ "$(in_root "$root" kjump-mkinitrd --system-generator)" = initramfs-tools ] &&
		pass "the system's generator is initramfs-tools" || fail "the generator is not initramfs-tools"
	[ "$(in_root "$root" dpkg-query -W -f "\${Status}" dracut 2>/dev/null)" = "install ok installed" ] &&
		fail "installing kjump brought dracut in" ||
		pass "installing kjump kept initramfs-tools (no dracut)"
	c=$root/boot/initrd.img-$DEBIAN_KVER b=$root/boot/kjump-save-$DEBIAN_KVER.img
	initramfs_has "$c" 'usr/sbin/kjump-resume$' && initramfs_has "$c" 'scripts/local-premount/kjump$' &&
		pass "C's initramfs (update-initramfs, kjump's hook) runs kjump-resume in local-premount" ||
		fail "C's initramfs lacks kjump-resume or its boot script"
	initramfs_has "$c" 'usr/lib/kjump/vmlinuz$' && initramfs_has "$c" '/virtio_blk\.ko' &&
		pass "... with the kernel for the boot into all memory, and the disk's driver module" ||
		fail "C's initramfs lacks the kernel or virtio_blk"
	initramfs_has "$b" 'usr/sbin/kjump-save$' && initramfs_has "$b" 'scripts/init-premount/kjump-save$' &&
		initramfs_has "$b" '/virtio_blk\.ko' && pass "B's initramfs (mkinitramfs) holds kjump-save, its init, virtio_blk" ||
		fail "B's initramfs lacks kjump-save, its init or virtio_blk"
	initramfs_has "$b" 'sbin/kjump-resume$' && fail "B's initramfs holds kjump-resume" ||
		pass "B's initramfs has no kjump-resume"
	STOCK=$(find "$root/boot" -name 'vmlinuz-*-amd64' -printf '%f\n' | sort | tail -1)
	STOCK=${STOCK#vmlinuz-}
	[ -n "$STOCK" ] && [ -s "$root/boot/initrd.img-$STOCK" ] && pass "Debian's stock kernel $STOCK is installed" ||
		{ fail "no stock kernel in /boot"; return 1; }
	initramfs_has "$root/boot/initrd.img-$STOCK" 'kjump-resume$|lib/kjump/vmlinuz$' &&
		fail "the stock kernel's initramfs holds kjump" || pass "the stock kernel's initramfs has nothing of kjump"
	[ ! -e "$root/boot/kjump-save-$STOCK.img" ] && grep -q "$STOCK lacks CONFIG_KEXEC_JUMP" "$WORK/apt.log" &&
		pass "no hibernating initramfs for the stock kernel, and the installation says why" ||
		fail "the stock kernel got a hibernating initramfs, or no word why"
	upgrade_kernel "$root"
	remove_package "$root"
	mkdir -p "$root/etc/kjtest"
	echo "${CYCLES[*]}" >"$root/etc/kjtest/cycles"
	cp "$root/boot/vmlinuz-$STOCK" "$WORK/vmlinuz-stock"
	cp "$root/boot/initrd.img-$STOCK" "$WORK/initrd-stock.img"
	debian_finish "$root" "$c" "$KJ_SRC/test/vm/debian/kjtest-extra-swap"
}

debian_build

# --- 0: the stock kernel, as GRUB boots it with kjump installed ---
if [ $STOCK_BOOT = 1 ]; then
	s=$WORK/stock.log
	KERNEL_KJUMP=$KERNEL
	KERNEL=$WORK/vmlinuz-stock BOOT_INITRD=$WORK/initrd-stock.img APPEND="$BASE resume=UUID=$DEBIAN_SWAP_UUID" boot "$s"
	KERNEL=$KERNEL_KJUMP
	show "$s" "the stock kernel's console"
	vm_expect "$s" "KJTEST: stock kernel .*: this kernel lacks CONFIG_KEXEC_JUMP" \
		"stock: kjump-setup can-jump says the kernel lacks kexec jump"
	vm_expect "$s" "KJTEST: stock: system (running|degraded)" "stock: systemd brought the system up"
	failed=$(line "$s" "stock: failed units: ")
	[ -z "${failed// /}" ] && pass "stock: no failed unit (kjump-load is not one)" || fail "stock: failed units: $failed"
	vm_expect "$s" "KJTEST: stock: kjump-load inactive exec-condition kexec_loaded=0" "stock: kjump-load.service skipped (ExecCondition), nothing loaded"
	vm_reject "$s" "KJTEST: stock: cmdline: .*memmap=" "stock: no region on the command line"
	mem=$(sed -n 's/.*KJTEST: stock: MemTotal \([0-9]*\) kB.*/\1/p' "$s" | head -1)
	[ "${mem:-0}" -gt 900000 ] && pass "stock: all memory ($mem kB)" || fail "stock: MemTotal '$mem'"
	vm_expect "$s" "KJTEST: stock: grub adds: \[\]$" "stock: the GRUB snippet adds nothing"
	vm_expect "$s" "KJTEST: stock: check: kjump-hibernate: PROBLEM: this kernel lacks CONFIG_KEXEC_JUMP, .*KERNEL.md" \
		"stock: --check says so, pointing at KERNEL.md"
	vm_expect "$s" "KJTEST: stock: systemd-hibernate.service failed after ([0-9]|1[0-9]) s" \
		"stock: systemctl hibernate failed at once"
	vm_expect "$s" "KJTEST: stock: journal: kjump-sleep: cannot hibernate: this kernel lacks CONFIG_KEXEC_JUMP, .*KERNEL.md" \
		"stock: ... saying why in one line"
	vm_expect "$s" "KJTEST: stock: hooks run: $" "stock: no sleep hook ran"
	vm_expect "$s" "KJTEST: stock: still running" "stock: the system kept running"
	vm_reject "$s" "boot: timed out" "stock: the boot ended in time"
fi

# --- 1: A on the kjump kernel; the user hibernates into the swap partition ---
APPEND="$BASE $REGION resume=UUID=$DEBIAN_SWAP_UUID"
boot "$WORK/a.log"
a=$WORK/a.log
show "$a" "A's console (the system, then the hibernating kernel B)"
debian_expect_up "$a"
vm_expect "$a" "KJTEST: check: kjump-hibernate: ok: initramfs generator: initramfs-tools" \
	"A: --check names initramfs-tools"
vm_expect "$a" "KJTEST: check: kjump-hibernate: this machine can hibernate with kjump" "A: --check says ready"
vm_expect "$a" 'KJTEST: CanHibernate s "yes"' "A: logind's CanHibernate says yes"
vm_expect "$a" 'KJTEST: autoswap: /etc/fstab turns it on as swap \(/dev/vda2\);systemd turns it on as swap: a GPT swap partition without the "no-auto" attribute' \
	"A: kjump-setup autoswap: fstab and systemd's gpt-auto turn the swap partition on"
grub=$(line "$a" "grub adds: ")
[ "$grub" = " $REGION resume=UUID=$DEBIAN_SWAP_UUID" ] &&
	pass "A: the GRUB snippet gives the resume kernel's command line" || fail "A: the GRUB snippet gives '$grub'"
debian_expect_hibernated "$a"

# --- then each a new QEMU process: C resumes, A goes on and hibernates into the next ---
# swap area: its device (where C finds the image), its path in /proc/swaps
declare -A DEV=([partition]=vda2 [file-ext4]=vda1 [file-btrfs]=vda3)
declare -A SWAP=([partition]=/dev/vda2 [file-ext4]=/swapfile [file-btrfs]=/var/swap/swapfile)
prev=$a
for ((i = 1; i <= ${#CYCLES[@]}; i++)); do
	n=$((i + 1)) was=${CYCLES[i - 1]} next=${CYCLES[i]:-}
	log=$WORK/c$n.log
	boot "$log"
	show "$log" "QEMU process $n (C, then A)"
	debian_expect_resumed "$prev" "$log"
	vm_expect "$log" "kjump-resume: found image .* on /dev/${DEV[$was]}" "C $n: resumed from the $was swap (/dev/${DEV[$was]})"
	prev=$log
	[ -n "$next" ] || break
	vm_expect "$log" "KJTEST: switch: $next: " "A: switched to $next"
	vm_expect "$log" "KJTEST: check $n: kjump-hibernate: this machine can hibernate with kjump" \
		"A: --check says ready with the swap file"
	grub=$(line "$log" "grub adds $n: ")
	uuid=$DEBIAN_ROOT_UUID
	[ "$next" = file-btrfs ] && uuid=$(sed -n 's/.*KJTEST: switch: btrfs \/dev\/vda3 uuid \([-0-9a-f]*\).*/\1/p' "$log" | head -1)
	want="resume=UUID=$uuid resume_offset=[1-9][0-9]*"
	[[ "$grub" =~ ^\ $REGION\ $want$ ]] && pass "A: the GRUB snippet names the swap file: $grub" ||
		fail "A: the GRUB snippet gives '$grub' (want '$REGION $want')"
	if [ "$next" = file-btrfs ]; then
		mo=$(sed -n 's/.*KJTEST: switch: map-swapfile says \(resume_offset=[0-9]*\).*/\1/p' "$log" | head -1)
		[ -n "$mo" ] && [[ "$grub" == *" $mo" ]] &&
			pass "btrfs: kjump's resume_offset is btrfs-progs' ($mo, a device offset)" ||
			fail "btrfs: map-swapfile says '$mo', kjump '$grub'"
	fi
	debian_expect_hibernated "$log"
	# the next boot's command line: what update-grub would put there now
	APPEND="$BASE$grub"
done
c=$prev
last=${CYCLES[${#CYCLES[@]} - 1]}
vm_expect "$c" "KJTEST: root file system: written after the resume [0-9]+ \(rw\)" "the root file system is writable"
vm_expect "$c" "KJTEST: swap in use after: ${SWAP[$last]}" "the $last swap is in use again"
vm_expect "$c" "KJTEST: B loaded again: 1 " "after the resume B was loaded again (kjump-reload.service)"
vm_expect "$c" "KJTEST: DONE" "A ran to its end"
finish
