#!/bin/bash
# kjump-sleep (what systemctl hibernate runs with kjump's drop-in) finds and runs the
# system-sleep hooks as systemd-sleep does: /etc before /run before /usr/local/lib
# before /usr/lib, a name in an earlier directory hiding it in a later one, a link to
# /dev/null masking it, not-executable files ignored, in the order of their names, with
# "pre hibernate" before kjump-hibernate and "post hibernate" after it (also when it
# failed), SYSTEMD_SLEEP_ACTION set; a failing hook does not stop the hibernation.
# (vm-debian runs it for real under systemd.)
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
# shellcheck disable=SC2016 # the hooks' own variables, expanded when they run
. "$(dirname "$0")/lib.sh"
R=$WORK/root
LOG=$WORK/calls
mkdir -p "$R/etc/systemd/system-sleep" "$R/run/systemd/system-sleep" \
	"$R/usr/local/lib/systemd/system-sleep" "$R/usr/lib/systemd/system-sleep"
hook() { # DIR NAME [EXIT]
	printf '#!/bin/sh\necho "%s:%s $1 $2 $SYSTEMD_SLEEP_ACTION" >>"%s"\nexit %s\n' \
		"$1" "$2" "$LOG" "${3:-0}" >"$R/$1/$2"
	chmod +x "$R/$1/$2"
}
hook usr/lib/systemd/system-sleep 20-pkg
hook etc/systemd/system-sleep 20-pkg # the admin's copy hides the package's
hook usr/lib/systemd/system-sleep 10-first 1 # fails: logged, the rest still runs
hook usr/local/lib/systemd/system-sleep 30-local
# a hook that reads its standard input must not eat the list of the hooks after it
hook usr/lib/systemd/system-sleep 15-reader
sed -i '2i cat >/dev/null' "$R/usr/lib/systemd/system-sleep/15-reader"
hook usr/lib/systemd/system-sleep 40-masked
ln -s /dev/null "$R/run/systemd/system-sleep/40-masked"
printf '#!/bin/sh\necho noexec >>"%s"\n' "$LOG" >"$R/usr/lib/systemd/system-sleep/50-noexec"
printf '#!/bin/sh\necho "kjump-hibernate" >>"%s"\nexit ${HIB_RC:-0}\n' "$LOG" >"$WORK/hibernate"
chmod +x "$WORK/hibernate"

run() { KJUMP_ROOT=$R KJUMP_SETUP=$KJ_BIN/kjump-setup KJUMP_HIBERNATE=$WORK/hibernate sh "$KJ_SRC/system/systemd/kjump-sleep" "$@"; }

rc=0
run hibernate >"$WORK/out" 2>&1 || rc=$?
[ $rc = 0 ] && pass "hibernated and resumed: exit 0" || fail "exit $rc: $(cat "$WORK/out")"
expect="usr/lib/systemd/system-sleep:10-first pre hibernate hibernate
usr/lib/systemd/system-sleep:15-reader pre hibernate hibernate
etc/systemd/system-sleep:20-pkg pre hibernate hibernate
usr/local/lib/systemd/system-sleep:30-local pre hibernate hibernate
kjump-hibernate
usr/lib/systemd/system-sleep:10-first post hibernate hibernate
usr/lib/systemd/system-sleep:15-reader post hibernate hibernate
etc/systemd/system-sleep:20-pkg post hibernate hibernate
usr/local/lib/systemd/system-sleep:30-local post hibernate hibernate"
[ "$(cat "$LOG")" = "$expect" ] && pass "hooks in name order, /etc hiding /usr/lib, masked and not-executable ones left out" ||
	fail "calls were:
$(cat "$LOG")"
grep -q "10-first pre hibernate failed (exit 1)" "$WORK/out" && pass "a failing hook is logged" || fail "$(cat "$WORK/out")"
grep -q "running the sleep hooks: post hibernate" "$WORK/out" && grep -q "system returned from sleep state" "$WORK/out" &&
	pass "says what it does (the journal keeps it)" || fail "messages: $(cat "$WORK/out")"

: >"$LOG"
rc=0
HIB_RC=1 run hibernate >"$WORK/out" 2>&1 || rc=$?
[ $rc = 1 ] && pass "a failed hibernation fails the unit: exit 1" || fail "failed hibernation: exit $rc"
grep -q "30-local post hibernate" "$LOG" && pass "post hooks run after a failed hibernation too" || fail "no post run"
grep -q "kjump-hibernate failed (exit 1): this system kept running" "$WORK/out" && pass "says so" || fail "$(cat "$WORK/out")"

: >"$LOG"
rc=0
run suspend >"$WORK/out" 2>&1 || rc=$?
[ $rc = 2 ] && [ ! -s "$LOG" ] && pass "not for suspend: exit 2, nothing run" || fail "suspend: exit $rc"
# a stock kernel without kexec jump (Debian's own): fails at once with the one line
# saying what to do, before any hook or kjump-hibernate runs
mkdir -p "$R/boot"
printf 'CONFIG_KEXEC=y\n# CONFIG_KEXEC_JUMP is not set\n' >"$R/boot/config-$(uname -r)"
: >"$LOG"
rc=0
run hibernate >"$WORK/out" 2>&1 || rc=$?
[ $rc = 1 ] && [ ! -s "$LOG" ] && pass "a kernel without CONFIG_KEXEC_JUMP: exit 1 at once, no hook run" ||
	fail "stock kernel: exit $rc, calls $(cat "$LOG")"
grep -q "^kjump-sleep: cannot hibernate: this kernel lacks CONFIG_KEXEC_JUMP, .*KERNEL.md" "$WORK/out" &&
	[ "$(wc -l <"$WORK/out")" = 1 ] && pass "... saying so in one line that points at KERNEL.md" ||
	fail "stock kernel: $(cat "$WORK/out")"
rm -f "$R/boot/config-$(uname -r)"
# a hung hook is killed when the phase's time is up; the hibernation still happens, and
# hooks after it that the time does not reach are skipped, both said
rm -f "$R"/*/systemd/system-sleep/* "$R"/usr/*/systemd/system-sleep/*
printf '#!/bin/sh\nsleep 60\n' >"$R/etc/systemd/system-sleep/10-hang"
chmod +x "$R/etc/systemd/system-sleep/10-hang"
hook etc/systemd/system-sleep 20-after
: >"$LOG"
rc=0
t0=$(date +%s)
KJUMP_SLEEP_HOOK_TIMEOUT=2 run hibernate >"$WORK/out" 2>&1 || rc=$?
t=$(($(date +%s) - t0))
[ $rc = 0 ] && grep -qx kjump-hibernate "$LOG" && pass "a hung hook does not stop the hibernation" ||
	fail "hung hook: exit $rc, calls $(cat "$LOG")"
[ $t -lt 30 ] && pass "the hung hook was killed (${t} s for both phases)" || fail "took ${t} s"
grep -q "10-hang pre hibernate killed: still running after 2 s" "$WORK/out" &&
	grep -q "20-after pre hibernate skipped" "$WORK/out" && pass "says which hook was killed, which skipped" ||
	fail "messages: $(cat "$WORK/out")"
finish
