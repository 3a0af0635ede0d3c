#!/bin/bash
# kjump in the initramfs generators users have: initramfs images built by Debian's
# dracut with the kjump module, with dracut's own init scripts and with systemd as the
# initramfs init (kjump-resume.service): no image, memory hot-added and the test root
# reached; a synthetic image, resumed, payload verdict OK. And mkinitcpio's runtime hook
# run the way mkinitcpio's init runs it.
# Usage: test-initramfs.sh [dracut|dracut-systemd|mkinitcpio ...]
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
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
	# systemd's switch-root wants an OS tree
	mkdir -p "$r/etc" && echo "ID=kjtest" >"$r/etc/os-release"
	echo "$r"
}

# dracut_variant NAME MODULES: build with Debian's dracut, boot without and with an image.
dracut_variant() {
	local n=$1 modules=$2
	cp -a /usr/lib/dracut "$WORK/dracut-$n"
	cp -r "$KJ_SRC/initramfs/dracut/90kjump" "$WORK/dracut-$n/modules.d/"
	mkdir -p "$WORK/dracut-conf.d"
	DRACUT_PATH="$KJ_BIN /usr/sbin /usr/bin /sbin /bin" dracutbasedir=$WORK/dracut-$n \
		dracut --no-kernel --no-hostonly --force -m "$modules" \
		--kver "$(uname -r)" --conf /dev/null --confdir "$WORK/dracut-conf.d" \
		"$WORK/$n.img" >"$WORK/$n-build.log" 2>&1 ||
		{ fail "$n: dracut failed"; tail "$WORK/$n-build.log" >&2; return 0; }
	pass "$n: Debian's dracut built an initramfs with modules $modules"
	# no image: memory hot-added, the boot goes on to mount the root and switch to it
	VM_P2_DIR=$(make_test_root) vm_gpt_disk "$WORK/$n.disk"
	vm_run "$WORK/$n-noimage.log" 90 "$REGION resume=/dev/vda1 root=/dev/vda2 rw rd.shell=0" \
		-m 1G -initrd "$WORK/$n.img" -drive "file=$WORK/$n.disk,format=raw,if=virtio"
	vm_expect "$WORK/$n-noimage.log" "kjump-resume: /dev/vda1: no image \\(plain swap\\)" "$n: no image found"
	vm_expect "$WORK/$n-noimage.log" "kjump-resume: memory: added 768 MiB in 6 blocks, 0 failed" "$n: memory hot-added"
	vm_expect "$WORK/$n-noimage.log" "KJTEST: test root reached" "$n: the boot reached the root filesystem"
	# the synthetic image: resumed before anything is mounted
	SYN_INITRD=$WORK/$n.img SYN_APPEND="root=/dev/vda2 rd.shell=0" \
		synthetic_run "$n-synthetic" 512M "$REGION" q512-exactmap
	vm_expect "$SYN_LOG" "kjump-resume: jumping back into the hibernated kernel" "$n: kjump-resume jumped"
	vm_expect "$SYN_LOG" "KJPAYLOAD: OK [0-9]+ pages match" "$n: payload verdict OK"
	[ "$SYN_RC" = 33 ] && pass "$n: QEMU ended by the payload" || fail "$n: QEMU exit status $SYN_RC"
}

variants=${*:-dracut dracut-systemd mkinitcpio}
for v in $variants; do
	case $v in
	dracut)
		command -v dracut >/dev/null || { echo "SKIP: dracut not installed"; continue; }
		dracut_variant dracut "base udev-rules rootfs-block resume kjump"
		;;
	dracut-systemd)
		command -v dracut >/dev/null || { echo "SKIP: dracut not installed"; continue; }
		[ -x /lib/systemd/systemd ] || { echo "SKIP: systemd not installed"; continue; }
		dracut_variant dracut-systemd \
			"systemd systemd-initrd dracut-systemd base udev-rules rootfs-block resume kjump"
		# kjump-resume ran as the unit, not from a dracut hook
		vm_expect "$WORK/dracut-systemd-noimage.log" "Finished .*kjump-resume.serv" \
			"dracut-systemd: kjump-resume.service ran"
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
		vm_initramfs "$WORK/mk.gz" "$WORK/mk.scen" "$KJ_SRC/initramfs/mkinitcpio/hooks/kjump:/hooks/kjump"
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
