#!/bin/bash
# From `apt install` to `systemctl hibernate` on a real Debian 12 system booted in QEMU:
# Debian's packages (mmdebstrap, the base cached between runs), systemd as PID 1, the
# test kernel installed in /boot and its kernel hooks run (Debian's dracut builds the
# system's initramfs), then the kjump package (scripts/build-deb.sh) installed with apt:
# its postinst builds B's initramfs with kjump-mkinitrd and the system's again with the
# kjump module. In A a service keeps a token, a counter and 192 MiB of patterned memory;
# logind says CanHibernate, kjump-hibernate --check says ready, `systemctl hibernate`
# runs and the QEMU process ends. A new QEMU process boots the same disk (the resume
# kernel: the system's own kernel and initramfs) and A comes back: the service's state
# goes on, the journal shows the sleep hooks' pre and post runs, / is writable.
# Needs root (chroot, mounts), mmdebstrap and dracut.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/debian.sh"
vm_find_kernel
debian_requires
[ -x "$KJ_BIN/test/memhog" ] || skip "memhog not built"
# the region as kjump-hibernate fits it to SeaBIOS's RAM with 1 GiB (A's --check and
# the GRUB snippet must agree; the test asserts both)
REGION="memmap=exactmap memmap=636K@0x0 memmap=130048K@0x100000 mem=131072K"
APPEND="console=ttyS0 root=/dev/vda1 rw panic=-1 no_timer_check $REGION resume=UUID=$DEBIAN_SWAP_UUID"
T=${KJUMP_DEBIAN_TIMEOUT:-600}

# --- the system, as a user's is ---
build_system() {
	local root=$WORK/root
	debian_install "$root" || return 1
	local b=$root/boot/kjump-save-$DEBIAN_KVER.img
	initramfs_has "$b" 'usr/sbin/kjump-save$' && initramfs_has "$b" 'usr/lib/kjump/kjump-save-init$' &&
		pass "B's initramfs (dracut) holds kjump-save and its init" || fail "B's initramfs lacks kjump-save"
	if initramfs_has "$b" 'sbin/kjump-resume$'; then fail "B's initramfs holds kjump-resume"
	else pass "B's initramfs has no resume module"; fi
	initramfs_has "$root/boot/initrd.img-$DEBIAN_KVER" 'usr/sbin/kjump-resume$' &&
		pass "postinst: the system's initramfs was rebuilt with the kjump module" ||
		fail "the system's initramfs lacks kjump-resume"
	# grub-mkconfig sources the GRUB snippet under set -e: a kjump-hibernate that refuses
	# (here: no /sys/firmware/memmap under KJUMP_ROOT) adds nothing and stops nothing
	# shellcheck disable=SC2016 # expanded inside the system
	out=$(in_root "$root" env KJUMP_ROOT=/nonexistent sh -ec \
		'GRUB_CMDLINE_LINUX=x; . /etc/default/grub.d/kjump.cfg; echo "survived [$GRUB_CMDLINE_LINUX]"' 2>&1) || true
	[ "$out" = "survived [x]" ] && pass "the GRUB snippet survives set -e when kjump-hibernate refuses" ||
		fail "the GRUB snippet under set -e: '$out'"
	upgrade_kernel "$root"
	remove_package "$root"
	debian_finish "$root" "$root/boot/initrd.img-$DEBIAN_KVER"
}

debian_build

# --- A: the first boot; the user hibernates ---
boot "$WORK/a.log"
a=$WORK/a.log
show "$a" "A's console (the system, then the hibernating kernel B)"
debian_expect_up "$a"
vm_expect "$a" "KJTEST: check: kjump-hibernate: ok: CONFIG_KEXEC_JUMP$" "A: --check read the kernel's options from /boot/config-*"
vm_expect "$a" "KJTEST: swap in use: /dev/vda2" "A: the swap partition is in use (fstab)"
vm_expect "$a" 'KJTEST: CanHibernate s "yes"' "A: logind's CanHibernate says yes"
# logind answers "na" for what sleep.conf disallows (systemd 252)
vm_expect "$a" "KJTEST: sleep.conf: .*AllowSuspendThenHibernate=no AllowHybridSleep=no" \
	"A: kjump's sleep.conf.d is in effect"
vm_expect "$a" 'KJTEST: CanSuspendThenHibernate s "(no|na)"' "A: suspend-then-hibernate is off"
vm_expect "$a" 'KJTEST: CanHybridSleep s "(no|na)"' "A: hybrid-sleep is off"
vm_expect "$a" "KJTEST: check: kjump-hibernate: this machine can hibernate with kjump" \
	"A: kjump-hibernate --check says this machine is ready"
vm_reject "$a" "KJTEST: check: kjump-hibernate: PROBLEM" "A: --check names no problem"
grub=$(line "$a" "grub adds: ")
[ "$grub" = " $REGION resume=UUID=$DEBIAN_SWAP_UUID" ] &&
	pass "A: the GRUB snippet gives the resume kernel's command line: $grub" ||
	fail "A: the GRUB snippet gives '$grub', the resume kernel runs with '$REGION resume=UUID=$DEBIAN_SWAP_UUID'"
debian_expect_hibernated "$a"

# --- C: a new QEMU process boots the same disk ---
boot "$WORK/c.log"
c=$WORK/c.log
show "$c" "the new QEMU process's console (the resume kernel C, then A again)"
debian_expect_resumed "$a" "$c"
vm_expect "$c" "KJTEST: hooks: pre hibernate,post hibernate," "the sleep hooks ran with pre, then post"
vm_expect "$c" "KJTEST: journal: kjtest hook: pre hibernate \(SYSTEMD_SLEEP_ACTION=hibernate\)" \
	"the journal shows the hook's pre run"
vm_expect "$c" "KJTEST: journal: kjtest hook: post hibernate" "the journal shows the hook's post run"
vm_expect "$c" "KJTEST: root file system: written after the resume [0-9]+ \(rw\)" "the root file system is writable"
vm_expect "$c" "KJTEST: swap in use after: /dev/vda2" "the swap partition is in use again"
vm_expect "$c" 'KJTEST: CanHibernate after s "yes"' "CanHibernate says yes again"
vm_expect "$c" "KJTEST: B loaded again: 1 " "after the resume B was loaded again (kjump-reload.service)"
vm_expect "$c" "KJTEST: not ready: .*PROBLEM: this kernel's command line lacks the region:.*memmap=261120K@0x100000" \
	"--check on a machine not set up names the region missing from the command line"
vm_expect "$c" "KJTEST: not ready: .*PROBLEM: hibernating initramfs /boot/none.img not found \(fix: kjump-mkinitrd\)" \
	"--check names the missing initramfs with its fix"
vm_expect "$c" "KJTEST: not ready: kjump-hibernate: 2 problem\(s\)" "--check counts the two problems"
vm_expect "$c" "KJTEST: DONE" "A ran to its end"
finish
