#!/bin/bash
# I/O errors while resuming (kjump-resume(8), KEEP OR INVALIDATE): a read failing at
# the header, the range table, the first, middle and last data block, short reads, the
# device disappearing. An error that passes is retried from the opening of
# the image, and the image then resumes byte for byte, also after a streaming load had
# written part of it. One that stays: kjump.retries= more attempts, each said in one
# line, then a clear error, nothing written to the target, the boot continues (status
# 5), and the image is invalidated once kjump.keep_wait= is over, so that it is never
# resumed afterwards; kjump.keep keeps it.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
need_shim
make_root "$WORK/root"
make_memory "$WORK/mem"
RANGES=0x8000000-0x9000000,0x1f000000-0x1f400000
"$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" --entry 0x8000040 --block-pages 32 \
	--output "$WORK/good" --create 64M --root "$WORK/root" -q
"$IMAGE" info --blocks "$WORK/good" >"$WORK/blocks"
"$IMAGE" info --json "$WORK/good" >"$WORK/info.json"
TABLE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["table_offset"])' "$WORK/info.json")
n=$(wc -l <"$WORK/blocks")
off_of() { sed -n "$(($1 + 1))p" "$WORK/blocks" | awk '{print $4}'; }
HEADER=$((4096 + 100))
MIDDLE=$(($(off_of $((n / 2))) + 100))

# resume WANT DESC CMDLINE [ENV=VALUE... [-- RESUME ARGS...]]: a fresh copy of the image
# resumed into a new file target with the fault, no pause between attempts
resume() {
	local want=$1 desc=$2 cl=$3 envs=()
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1") && shift; done
	[ $# -gt 0 ] && shift
	cp "$WORK/good" "$WORK/dev"
	rm -f "$WORK/target"
	expect_rc "$want" "$desc" env "${envs[@]}" KJ_FAULT_PATH="$WORK/dev" LD_PRELOAD="$SHIM" \
		"$RESUME" --device "$WORK/dev" --target "file:$WORK/target" --root "$WORK/root" \
		--retry-pause 0 --cmdline "$cl" "$@"
}
# retried DESC N OF: exactly attempts 2..N of OF were announced
retried() {
	local got want=$(($2 - 1))
	got=$(grep -c "retrying after a system error (.*): attempt [0-9]* of $3" "$WORK/out.log" || true)
	if [ "$got" = "$want" ] && { [ "$2" = 1 ] || grep -q "attempt $2 of $3" "$WORK/out.log"; }; then
		pass "$1: $want more attempts, each said"
	else fail "$1: $got retry lines, expected $want (up to attempt $2 of $3)"; fi
}
unwritten() {
	[ ! -e "$WORK/target" ] && pass "$1: nothing written to the target" || fail "$1: target written"
}
never_resumed() {
	expect_rc 1 "$1: never resumed afterwards" "$RESUME" --device "$WORK/dev" --target null \
		--root "$WORK/root"
}
restored() { ranges_restored "$WORK/mem" "$WORK/target" "$RANGES" "$1: every byte restored"; }

# An error that stays: the default two more attempts, then invalidated (kjump.keep_wait=0).
persistent() { # persistent NAME ENV=VALUE...
	local name=$1
	shift
	resume 5 "$name: resume fails cleanly" "kjump.keep_wait=0" "$@"
	expect_log "Input/output error" "$name: the error is named"
	retried "$name" 3 3
	expect_log "image invalidated" "$name: then invalidated"
	unwritten "$name"
	never_resumed "$name"
}
persistent "header" KJ_FAULT_READ_AT=$HEADER
persistent "range table" KJ_FAULT_READ_AT=$((TABLE + 10))
persistent "first block" KJ_FAULT_READ_AT=$(($(off_of 0) + 100))
persistent "middle block" KJ_FAULT_READ_AT=$MIDDLE
persistent "last block" KJ_FAULT_READ_AT=$(($(off_of $((n - 1))) + 40))

# An error that passes: the next attempt reads and checks everything again, and resumes.
passing() { # passing NAME ENV=VALUE... [-- RESUME ARGS...]
	local name=$1
	shift
	resume 0 "$name: resumed after a retry" "" KJ_FAULT_CLOSES=1 "$@"
	expect_log "Input/output error" "$name: the error is named"
	retried "$name" 2 3
	expect_log "found image of .* on $WORK/dev" "$name: the image opened again"
	restored "$name"
}
# (KJ_FAULT_CLOSES=1: the fault is gone once the device was closed, as between attempts)
passing "header" KJ_FAULT_READ_AT=$HEADER
passing "range table" KJ_FAULT_READ_AT=$((TABLE + 10))
passing "middle block" KJ_FAULT_READ_AT=$MIDDLE
# streaming wrote the blocks before the bad one: written again, the same bytes
passing "middle block, streaming" KJ_FAULT_READ_AT=$MIDDLE -- --verify stream
resume 0 "twice: resumed at the last of the default attempts" "" KJ_FAULT_CLOSES=2 \
	KJ_FAULT_READ_AT=$MIDDLE
retried "twice" 3 3
restored "twice"

# kjump.retries=N: N more attempts.
resume 5 "kjump.retries=1, two faults: refused" "kjump.retries=1 kjump.keep_wait=0" \
	KJ_FAULT_CLOSES=2 KJ_FAULT_READ_AT=$MIDDLE
retried "kjump.retries=1" 2 2
expect_log "image invalidated" "kjump.retries=1: then invalidated"
never_resumed "kjump.retries=1"
resume 5 "kjump.retries=0, one fault: refused" "kjump.retries=0 kjump.keep_wait=0" \
	KJ_FAULT_CLOSES=1 KJ_FAULT_READ_AT=$HEADER
retried "kjump.retries=0" 1 1
never_resumed "kjump.retries=0"

# The device gone (ENODEV) is no error that passes in a second: not retried.
resume 5 "device gone: resume fails cleanly" "kjump.keep_wait=0" KJ_FAULT_READ_FROM=$MIDDLE
expect_log "No such device" "device gone: the error is named"
retried "device gone" 1 3
expect_log "image invalidated" "device gone: invalidated"
unwritten "device gone"
never_resumed "device gone"

# Before it is invalidated, the image waits kjump.keep_wait= seconds for a power-off.
t0=$(date +%s%N)
resume 5 "kjump.keep_wait=1: refused" "kjump.keep_wait=1" KJ_FAULT_READ_AT=$MIDDLE
t1=$(date +%s%N)
expect_log "check the disk and its connection.*The image is kept for now: power off within 1 s \(nothing is mounted yet\)" \
	"kjump.keep_wait=1: says what to do, that the image is kept for now, and to power off"
expect_log "no power-off within 1 s: invalidating the image" "kjump.keep_wait=1: says when the wait is over"
[ $(((t1 - t0) / 1000000)) -ge 1000 ] && pass "kjump.keep_wait=1: waited at least 1 s" ||
	fail "kjump.keep_wait=1: returned after $(((t1 - t0) / 1000000)) ms"
never_resumed "kjump.keep_wait=1"
# kjump.keep: never invalidated, and no wait
resume 5 "kjump.keep: refused" "kjump.keep" KJ_FAULT_READ_AT=$MIDDLE
retried "kjump.keep" 3 3
expect_log "keeping the image \(--keep, kjump.keep\)" "kjump.keep: says it keeps the image"
expect_rc 0 "kjump.keep: the image is still valid" "$IMAGE" verify "$WORK/dev"

# Short reads are not errors: the image still loads byte for byte.
resume 0 "short reads: loads" "" KJ_FAULT_SHORT=1
retried "short reads" 1 3
restored "short reads"
finish
