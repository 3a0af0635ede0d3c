#!/bin/bash
# kjump in the initramfs generators users have: an initramfs built by Debian's dracut
# with the kjump module (no image: memory hot-added and the test root reached; a
# synthetic image: resumed, payload verdict OK), and mkinitcpio's runtime hook run the
# way mkinitcpio's init runs it. Usage: test-initramfs.sh [dracut|mkinitcpio ...]
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/synthetic.sh"
vm_find_kernel
command -v sfdisk >/dev/null || skip "sfdisk (fdisk package) not installed"
REGION="memmap=exactmap memmap=636K@0 memmap=127M@1M"

# A test root for switch_root: busybox and an init that reports and powers off.
make_test_root() {
	local r=$WORK/testroot a
	mkdir -p "$r"/{bin,sbin,proc,sys,dev,run,tmp}
	cp "$(command -v busybox)" "$r/bin/busybox"
	for a in sh mount cat awk echo poweroff sync; do ln -sf busybox "$r/bin/$a"; done
	cat >"$r/sbin/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
echo "KJTEST: test root reached, MemTotal $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB"
sync
poweroff -f
INIT
	chmod +x "$r/sbin/init"
	echo "$r"
}

variants=${*:-dracut mkinitcpio}
for v in $variants; do
	case $v in
	dracut)
		command -v dracut >/dev/null || { echo "SKIP: dracut not installed"; continue; }
		cp -a /usr/lib/dracut "$WORK/dracut"
		cp -r "$KJ_SRC/scripts/dracut/90kjump" "$WORK/dracut/modules.d/"
		mkdir -p "$WORK/dracut-conf.d"
		DRACUT_PATH="$KJ_BIN /usr/sbin /usr/bin /sbin /bin" dracutbasedir=$WORK/dracut \
			dracut --no-kernel --no-hostonly --force -m "base udev-rules rootfs-block resume kjump" \
			--kver "$(uname -r)" --conf /dev/null --confdir "$WORK/dracut-conf.d" \
			"$WORK/dracut.img" >"$WORK/dracut-build.log" 2>&1 ||
			{ fail "dracut failed"; tail "$WORK/dracut-build.log" >&2; continue; }
		pass "Debian's dracut built an initramfs with the kjump and resume modules"
		# no image: memory hot-added, dracut goes on to mount the root and switch to it
		VM_P2_DIR=$(make_test_root) vm_gpt_disk "$WORK/dr.disk"
		vm_run "$WORK/dracut-noimage.log" 90 "$REGION resume=/dev/vda1 root=/dev/vda2 rw rd.shell=0" \
			-m 1G -initrd "$WORK/dracut.img" -drive "file=$WORK/dr.disk,format=raw,if=virtio"
		vm_expect "$WORK/dracut-noimage.log" "kjump-resume: /dev/vda1: no image \\(plain swap\\)" "dracut: no image found"
		vm_expect "$WORK/dracut-noimage.log" "kjump-resume: memory: added 768 MiB in 6 blocks, 0 failed" "dracut: memory hot-added"
		vm_expect "$WORK/dracut-noimage.log" "KJTEST: test root reached" "dracut: the boot reached the root filesystem"
		# the synthetic image: resumed from dracut's pre-mount hook
		SYN_INITRD=$WORK/dracut.img SYN_APPEND="root=/dev/vda2 rd.shell=0" \
			synthetic_run dracut-synthetic 512M "$REGION" q512-exactmap
		vm_expect "$SYN_LOG" "kjump-resume: jumping back into the hibernated kernel" "dracut: kjump-resume jumped"
		vm_expect "$SYN_LOG" "KJPAYLOAD: OK [0-9]+ pages match" "dracut: payload verdict OK"
		[ "$SYN_RC" = 33 ] && pass "dracut: QEMU ended by the payload" || fail "dracut: QEMU exit status $SYN_RC"
		;;
	mkinitcpio)
		# Runtime hook, called as mkinitcpio's init does: resume= already a variable.
		cat >"$WORK/mk.scen" <<'SCEN'
err() { echo "ERROR: $*"; }
resume=$(sed -n 's/.*resume=\([^ ]*\).*/\1/p' /proc/cmdline)
. /hooks/kjump
run_hook
echo "KJTEST: run_hook returned $?"
echo "KJTEST: MemTotal $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB"
SCEN
		vm_initramfs "$WORK/mk.gz" "$WORK/mk.scen" "$KJ_SRC/scripts/mkinitcpio/hooks/kjump:/hooks/kjump"
		vm_gpt_disk "$WORK/mk.disk"
		vm_run "$WORK/mk.log" 60 "$REGION resume=/dev/vda1" -m 1G -initrd "$WORK/mk.gz" \
			-drive "file=$WORK/mk.disk,format=raw,if=virtio"
		vm_expect "$WORK/mk.log" "kjump-resume: /dev/vda1: no image" "mkinitcpio hook: kjump-resume ran"
		vm_expect "$WORK/mk.log" "kjump-resume: memory: added 768 MiB" "mkinitcpio hook: memory hot-added"
		vm_expect "$WORK/mk.log" "KJTEST: run_hook returned 0" "mkinitcpio hook: the boot continues"
		;;
	*) fail "unknown variant $v" ;;
	esac
done
finish
