#!/bin/bash
# The initramfs hooks (dracut's pre-mount hook and unit, mkinitcpio's runtime hook) do
# not read the command line themselves: they run `kjump-resume --if-asked`, whose one
# parser decides (resume=, kjump.hotplug in any of its spellings); kjump-resume then
# does nothing on a boot that asks for nothing, and goes on for one that does.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
# shellcheck disable=SC2016 # the stub's own variables, expanded when it runs
. "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/bin"
printf '#!/bin/sh\necho "$*" >>"%s"\nexit ${STUB_RC:-1}\n' "$WORK/calls" >"$WORK/bin/kjump-resume"
chmod +x "$WORK/bin/kjump-resume"
dracut_hook=$KJ_SRC/initramfs/dracut/90kjump/kjump-resume.sh
mk_hook=$KJ_SRC/initramfs/mkinitcpio/hooks/kjump
for words in "root=/dev/vda" "kjump.hotplug=yes" "kjump.hotplug" "resume=/dev/vda1"; do
	: >"$WORK/calls"
	# the command line is not theirs to read: whatever it holds, the same call
	PATH=$WORK/bin:$PATH sh -c "warn() { echo \"warn: \$*\"; }; resume='${words#resume=}'; . '$dracut_hook'" \
		>"$WORK/d.out" 2>&1 || :
	PATH=$WORK/bin:$PATH sh -c "err() { echo \"err: \$*\"; }; . '$mk_hook'; run_hook; echo rc=\$?" \
		>"$WORK/m.out" 2>&1 || :
	[ "$(cat "$WORK/calls")" = "--if-asked
--if-asked" ] && pass "hooks run kjump-resume --if-asked ($words)" ||
		fail "hooks ($words) ran: $(cat "$WORK/calls") $(cat "$WORK/d.out" "$WORK/m.out")"
	grep -q 'rc=0' "$WORK/m.out" && pass "the mkinitcpio hook lets the boot go on ($words)" ||
		fail "mkinitcpio hook: $(cat "$WORK/m.out")"
done
# initramfs-tools' local-premount script: the prereqs answer initramfs-tools asks for,
# then the same call after waiting for ${resume} as Debian's resume does (initramfs-tools'
# /scripts/functions and /scripts/local, stood in for in $WORK/scripts), and a usage
# error is said
it_script=$KJ_SRC/initramfs/initramfs-tools/scripts/local-premount/kjump
mkdir -p "$WORK/scripts"
echo 'log_warning_msg() { echo "warning: $*"; }' >"$WORK/scripts/functions"
echo 'local_device_setup() { echo "setup $*" >>"'"$WORK"'/calls"; }' >"$WORK/scripts/local"
sed "s|/scripts/|$WORK/scripts/|g" "$it_script" >"$WORK/it-kjump"
[ "$(sh "$it_script" prereqs)" = "" ] && pass "initramfs-tools script: prereqs answered" || fail "prereqs"
for r in "" /dev/vda1; do
	: >"$WORK/calls"
	rc=0
	PATH=$WORK/bin:$PATH resume=$r sh "$WORK/it-kjump" >"$WORK/i.out" 2>&1 || rc=$?
	want="--if-asked"
	[ -n "$r" ] && want="setup $r kjump resume device false
--if-asked"
	[ "$(cat "$WORK/calls")" = "$want" ] && [ $rc = 0 ] &&
		pass "initramfs-tools script: kjump-resume --if-asked, exit 0 (resume='$r')" ||
		fail "initramfs-tools script (resume='$r'): exit $rc, ran: $(cat "$WORK/calls" "$WORK/i.out")"
done
PATH=$WORK/bin:$PATH STUB_RC=2 sh "$WORK/it-kjump" >"$WORK/i.out" 2>&1 &&
	grep -q 'warning: kjump-resume: usage error' "$WORK/i.out" && pass "initramfs-tools script: exit 2 is said" ||
	fail "initramfs-tools script on exit 2: $(cat "$WORK/i.out")"
grep -q 'ExecStart=/usr/sbin/kjump-resume --if-asked' "$KJ_SRC/initramfs/dracut/90kjump/kjump-resume.service" &&
	! grep -q '^Condition' "$KJ_SRC/initramfs/dracut/90kjump/kjump-resume.service" &&
	pass "the dracut unit runs kjump-resume --if-asked, without a condition of its own" ||
	fail "kjump-resume.service has its own condition or no --if-asked"

# kjump-resume --if-asked: nothing asked, nothing done (exit 1, silent); asked by any
# spelling its parser knows, it goes on
make_root "$WORK/root"
rc=0
out=$("$RESUME" --if-asked --root "$WORK/root" --cmdline "root=/dev/vda quiet" --dry-run 2>&1) || rc=$?
[ $rc = 1 ] && [ -z "$out" ] && pass "--if-asked: nothing asked, exit 1 and silent" ||
	fail "--if-asked with nothing asked: exit $rc, '$out'"
for w in kjump.hotplug kjump.hotplug=yes kjump.hotplug=on kjump.hotplug=1 kjump.hotplug=true; do
	out=$("$RESUME" --if-asked --root "$WORK/root" --cmdline "root=/dev/vda $w" --dry-run 2>&1) || :
	echo "$out" | grep -q "no resume= on the kernel command line" && pass "--if-asked: $w asks" ||
		fail "--if-asked with $w: '$out'"
done
out=$("$RESUME" --if-asked --root "$WORK/root" --cmdline "root=/dev/vda kjump.hotplug=off" --dry-run 2>&1) || :
[ -z "$out" ] && pass "--if-asked: kjump.hotplug=off asks nothing" || fail "hotplug=off: '$out'"
finish
