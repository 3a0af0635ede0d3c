#!/bin/bash
# ShellCheck is clean on every shell script in scripts/, fuzz/, .ci/run and the tests.
. "$(dirname "$0")/lib.sh"
command -v shellcheck >/dev/null || skip "shellcheck not installed"
cd "$KJ_SRC"
for f in scripts/*.sh scripts/kjump-hibernate scripts/kjump-mkinitrd scripts/initramfs/* \
	scripts/dracut/*/*.sh scripts/mkinitcpio/install/* scripts/mkinitcpio/hooks/* \
	scripts/systemd/kjump-sleep scripts/kernel/* scripts/config/grub-kjump.cfg package/deb/*inst \
	package/deb/*rm test/vm/debian/kjtest-drive test/vm/debian/kjtest-state test/vm/debian/kjtest-hook \
	test/vm/debian/kjtest-extra-crypt fuzz/*.sh .ci/run; do
	case $f in
	scripts/mkinitcpio/install/* | scripts/dracut/*/module-setup.sh | *.sh | .ci/run) shell=bash ;;
	*) shell="sh" ;;
	esac
	case $f in scripts/dracut/*/module-setup.sh) ;; scripts/dracut/*) shell="sh" ;; esac
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
