#!/bin/bash
# ShellCheck is clean on every shell script of the product, scripts/, fuzz/, .ci/run and the tests.
. "$(dirname "$0")/lib.sh"
command -v shellcheck >/dev/null || skip "shellcheck not installed"
cd "$KJ_SRC"
for f in scripts/*.sh hibernate/kjump-hibernate mkinitrd/kjump-mkinitrd initramfs/kjump-* \
	initramfs/dracut/*/*.sh initramfs/mkinitcpio/install/* initramfs/mkinitcpio/hooks/* \
	initramfs/initramfs-tools/hooks/* initramfs/initramfs-tools/scripts/*/* initramfs/initramfs-tools/conf-hooks.d/* \
	initramfs/initramfs-tools-save/hooks/* initramfs/initramfs-tools-save/scripts/*/* \
	system/systemd/kjump-sleep system/kernel/* system/config/grub-kjump.cfg package/deb/*inst \
	package/deb/*rm test/vm/debian/kjtest-drive test/vm/debian/kjtest-state test/vm/debian/kjtest-hook \
	test/vm/debian/kjtest-extra-crypt test/vm/debian/kjtest-appliance fuzz/*.sh .ci/run; do
	case $f in
	initramfs/mkinitcpio/install/* | initramfs/dracut/*/module-setup.sh | *.sh | .ci/run) shell=bash ;;
	*) shell="sh" ;;
	esac
	case $f in initramfs/dracut/*/module-setup.sh) ;; initramfs/dracut/*) shell="sh" ;; esac
	if shellcheck -s $shell "$f" >"$WORK/sc.log" 2>&1; then pass "$f"; else
		fail "$f"; cat "$WORK/sc.log" >&2; fi
done
# The tests (bash), following what they source ("$(dirname "$0")/lib.sh" and the like,
# relative to the script); the sourced libraries are checked on their own too.
for f in test/*.sh test/vm/*.sh; do
	if shellcheck -s bash -x -P SCRIPTDIR "$f" >"$WORK/sc.log" 2>&1; then pass "$f"; else
		fail "$f"; cat "$WORK/sc.log" >&2; fi
done
finish
