#!/bin/bash
# Power loss while saving: kjump-save dies before each of its writes and syncs in turn
# (between the data and the commit record among them). Until the commit record is
# written the swap area never holds a resumable image and kjump-resume lets the boot
# continue; once it is written (everything before it already synced), the image is
# complete and verifies.
. "$(dirname "$0")/lib.sh"
need_shim
make_root "$WORK/root"
make_memory "$WORK/mem"
RANGES=0x8000000-0x8800000,0x1f000000-0x1f200000
save() { "$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" --entry 0x8000040 \
	--output "$WORK/swap" --root "$WORK/root" -q; }
truncate -s 32M "$WORK/swap"
mkswap -q "$WORK/swap" 2>/dev/null
cp "$WORK/swap" "$WORK/fresh"
# Two starting points: plain swap, and swap holding an older committed image (which
# the save invalidates first: from its first write on, neither image can be resumed
# until the new commit). Count the calls of each, then kill at every one.
for start in fresh old; do
	cp "$WORK/fresh" "$WORK/swap"
	[ $start = old ] && save
	rm -f "$WORK/calls"
	KJ_FAULT_COUNT=$WORK/calls LD_PRELOAD=$SHIM save
	total=$(wc -l <"$WORK/calls")
	commit=$(grep -n pwrite "$WORK/calls" | tail -1 | cut -d: -f1) # the commit record
	[ "$total" -ge 4 ] && pass "$start: a save makes $total writes and syncs, the commit record is call $commit" ||
		fail "$start: only $total calls seen"
	bad=0
	for k in $(seq 1 "$total"); do
		cp "$WORK/fresh" "$WORK/swap"
		[ $start = old ] && save
		rc=0
		KJ_FAULT_KILL_AT=$k LD_PRELOAD=$SHIM save 2>/dev/null || rc=$?
		[ "$rc" = 137 ] || { fail "$start: kill at $k: kjump-save was not killed (status $rc)"; bad=1; continue; }
		rc=0
		"$RESUME" --device "$WORK/swap" --target null --root "$WORK/root" --dry-run >/dev/null 2>&1 || rc=$?
		if [ $start = old ] && [ "$k" = 1 ]; then
			# killed before touching anything: the older image is still whole
			"$IMAGE" verify "$WORK/swap" >/dev/null 2>&1 || { fail "old: the older image was damaged"; bad=1; }
		elif [ "$k" -le "$commit" ] && [ "$rc" = 0 ]; then
			fail "$start: killed before call $k of $total (commit $commit): the image is resumable"; bad=1
		elif [ "$k" -gt "$commit" ] && ! "$IMAGE" verify "$WORK/swap" >/dev/null 2>&1; then
			fail "$start: killed after the commit record: the image does not verify"; bad=1
		fi
	done
	[ $bad = 0 ] && pass "$start: killed at every one of $total points: never resumable before the commit, complete after"
done
cp "$WORK/fresh" "$WORK/swap"
save && expect_rc 0 "an uninterrupted save resumes" "$RESUME" --device "$WORK/swap" --target null \
	--root "$WORK/root" --dry-run
finish
