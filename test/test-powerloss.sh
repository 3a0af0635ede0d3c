#!/bin/bash
# Power loss while saving. kjump-save is interrupted before each of its writes and syncs
# in turn, on a plain swap area, on one holding an older image and on a swap file written
# through its extents, in two ways:
# - a crash (KJ_FAULT_KILL_AT): the process dies, everything it wrote stays;
# - a power loss (KJ_FAULT_POWERLOSS_AT): what was not synced is lost, all of it or, as a
#   disk may persist unsynced writes in any order, some of it (whole writes, or sectors).
# Until the commit record is durable no new image can be resumed, and the older image
# stops being resumable once its invalidation is durable; from then on it never comes
# back. Once everything is synced the new image verifies and resumes. A commit record
# over an image that does not verify (a resumable half-image) fails at any point.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
need_shim
make_root "$WORK/root"
make_memory "$WORK/mem"
SWAP=$(realpath "$WORK")/swap # the shim compares /proc/self/fd links: no symlinks
RANGES=0x8000000-0x8800000,0x1f000000-0x1f200000
save() { "$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" --entry 0x8000040 \
	--output "$SWAP" --root "$WORK/root" -q "$@"; }
# the image id in the commit record on the swap area (at the device page of its page 0)
image_id() { od -An -tx8 -j $((${P0OFF:-0} + 4022 + 8)) -N 8 "${1:-$SWAP}" | tr -d ' '; }
truncate -s 16M "$SWAP"
mkswap -q "$SWAP" 2>/dev/null
cp "$SWAP" "$WORK/fresh"
# The older image is laid out differently (other ranges, smaller blocks): a block of it
# left where the new image expects one of its own can never pass for it.
RANGES=0x8000000-0x8400000,0x1f100000-0x1f200000 save --block-pages 16
cp "$SWAP" "$WORK/old"
OLD_ID=$(image_id "$WORK/old")

# --- The shim itself, through write() with O_DIRECT (kjump-save uses neither): a power
# loss before the 5th of six block writes leaves what the mode spares of the first four;
# with O_DSYNC every write is durable as it returns, nothing is lost.
head -c 24576 /dev/urandom >"$WORK/a"
head -c 24576 /dev/urandom >"$WORK/b"
flag=direct
cp "$WORK/a" "$SWAP"
dd if="$WORK/b" of="$SWAP" bs=4096 count=1 conv=notrunc oflag=direct status=none 2>/dev/null ||
	flag=nocache # no O_DIRECT on this filesystem: buffered writes
for mode in all odd late sectors:3 dsync; do
	[ $mode = dsync ] && flag=dsync
	cp "$WORK/a" "$SWAP"
	rm -f "$WORK/trace"
	rc=0
	KJ_FAULT_PATH=$SWAP KJ_FAULT_POWERLOSS_AT=5 KJ_FAULT_LOSE=${mode/dsync/all} \
		KJ_FAULT_TRACE=$WORK/trace LD_PRELOAD=$SHIM dd if="$WORK/b" of="$SWAP" bs=4096 count=6 \
		conv=notrunc oflag=$flag status=none 2>/dev/null || rc=$?
	# every 512-byte sector holds what the trace says: a's if lost, b's if kept
	bad=$(awk '/^cut/ {c = 1; next} c {print $1, $2 / 512, $3 / 512}' "$WORK/trace" |
		while read -r fate s n; do
			for ((i = s; i < s + n; i++)); do
				a=0 b=0
				region_cmp "$SWAP" "$WORK/a" $((i * 512)) $((i * 512 + 512)) && a=1
				region_cmp "$SWAP" "$WORK/b" $((i * 512)) $((i * 512 + 512)) && b=1
				case $fate$a$b in lost1? | kept?1 | torn1? | torn?1) ;; *) echo -n " sector $i ($fate)" ;; esac
			done
		done)
	lost=4
	if [ $mode = dsync ]; then
		lost=0
		region_cmp "$SWAP" "$WORK/b" 0 16384 || bad="$bad synchronous writes undone"
	fi
	if [ "$rc" = 137 ] && [ -z "$bad" ] && region_cmp "$SWAP" "$WORK/a" 16384 24576 &&
		[ "$(grep -c '^lost\|^kept\|^torn' "$WORK/trace")" = "$lost" ]; then
		pass "shim, $mode (oflag=$flag): the unsynced writes are undone as the trace says"
	else
		fail "shim, $mode (oflag=$flag): status $rc, wrong:${bad:- the trace, or the blocks after}"
	fi
done

# --- The scenarios: a plain swap area (fresh), one holding the older image (old), and a
# fragmented swap file inside a device, written through its extents (swapfile: page 0,
# with the extent map, at device page 100; the rest scattered).
EXTENTS=0:100:1,1:2000:600,601:200:700,1301:2700:747
truncate -s 16M "$WORK/swapfile"
mkswap -q "$WORK/swapfile" 2>/dev/null
rm -f "$SWAP"
truncate -s 16M "$SWAP"
for e in ${EXTENTS//,/ }; do
	IFS=: read -r fp dp n <<<"$e"
	dd if="$WORK/swapfile" of="$SWAP" bs=4096 skip="$fp" seek="$dp" count="$n" conv=notrunc status=none
done
mv "$SWAP" "$WORK/swapfile"
scenario() {
	START=$1 SAVE_OPTS=() READ_OPTS=() P0OFF=0
	if [ "$1" = swapfile ]; then
		SAVE_OPTS=(--offset 100 --extents "$EXTENTS")
		READ_OPTS=(--offset 100)
		P0OFF=$((100 * 4096))
	fi
}

# layout: where the calls of a save over START are. COMMIT is the page-0 write with the
# commit record, INVAL the sync that makes the older image's invalidation durable (0
# without one), DATA_SYNC the one before the commit.
layout() {
	cp "$WORK/$START" "$SWAP"
	rm -f "$WORK/trace" "$WORK/calls"
	KJ_FAULT_PATH=$SWAP KJ_FAULT_TRACE=$WORK/trace KJ_FAULT_COUNT=$WORK/calls LD_PRELOAD=$SHIM \
		save "${SAVE_OPTS[@]}"
	TOTAL=$(wc -l <"$WORK/trace")
	COMMIT=$(awk -v p0="$P0OFF" '$2 == "write" && $3 == p0 {n = $1} END {print n}' "$WORK/trace")
	INVAL=0
	[ "$START" = old ] && INVAL=$(awk '$2 == "sync" {print $1; exit}' "$WORK/trace")
	DATA_SYNC=$(awk -v c="$COMMIT" '$2 == "sync" && $1 < c {n = $1} END {print n}' "$WORK/trace")
	local inval=""
	[ "$INVAL" = 0 ] || inval=", the invalidation at $INVAL"
	if [ "$TOTAL" -ge 4 ] && [ "$(wc -l <"$WORK/calls")" = "$TOTAL" ] && [ "$COMMIT" -ge 3 ] &&
		{ [ "$START" != old ] || [ "$INVAL" = 2 ]; }; then
		pass "$START: a save makes $TOTAL writes and syncs, the commit record is call $COMMIT," \
			"the data is synced at $DATA_SYNC$inval"
	else
		fail "$START: unexpected calls (total $TOTAL, commit $COMMIT, invalidation synced at $INVAL)"
	fi
}

# state: what a boot finds: none, old or new (a whole image), refused (a commit record
# over an image that a boot refuses before writing any memory) or half (anything else:
# an image that does not verify, or the two tools disagreeing).
state() {
	local rc=0 v=0
	"$RESUME" --device "$SWAP" "${READ_OPTS[@]}" --target null --root "$WORK/root" --dry-run \
		>/dev/null 2>&1 || rc=$?
	"$IMAGE" verify "${READ_OPTS[@]}" "$SWAP" >/dev/null 2>&1 || v=$?
	if [ $rc = 1 ] && [ $v != 0 ]; then
		echo none
	elif [ $rc = 0 ] && [ $v = 0 ]; then
		if [ "$(image_id)" = "$OLD_ID" ]; then echo old; else echo new; fi
	elif [ $rc = 3 ] && [ $v != 0 ] && refused_unwritten; then
		echo refused
	else
		echo "half:resume=$rc,verify=$v"
	fi
}

# A streaming resume (it writes memory as it reads) refuses it and writes nothing.
refused_unwritten() {
	rm -f "$WORK/target"
	! "$RESUME" --device "$SWAP" "${READ_OPTS[@]}" --target "file:$WORK/target" \
		--root "$WORK/root" --verify stream >/dev/null 2>&1 && [ ! -e "$WORK/target" ]
}

# allowed K P0: the states an interruption before call K may leave, P0 being what became
# of the unsynced page-0 write (lost, kept, torn; empty when there is none). A swap
# file's extent map is synced with the data, before the commit: a torn commit write
# cannot leave the commit sector without the map.
allowed() {
	if [ "$1" -gt "$TOTAL" ]; then
		echo new # all synced
	elif [ "$1" -gt "$COMMIT" ]; then # the commit record written, not synced
		case $2 in lost) echo none ;; kept) echo new ;; *) echo none new ;; esac
	elif [ "$1" -le "$INVAL" ]; then # the invalidation not durable yet
		case $2 in kept) echo none ;; lost | "") echo old ;; *) echo old none ;; esac
	else
		echo none
	fi
}

# interrupt MODE K: run a save over START, interrupted before call K (crash or power
# loss with KJ_FAULT_LOSE=MODE; beyond the last call: a power loss after its exit).
# Sets RC, P0 (see allowed) and GOT (see state).
interrupt() {
	cp "$WORK/$START" "$SWAP"
	rm -f "$WORK/trace"
	RC=0
	if [ "$1" = crash ]; then
		KJ_FAULT_KILL_AT=$2 LD_PRELOAD=$SHIM save "${SAVE_OPTS[@]}" 2>/dev/null || RC=$?
		P0=kept
		[ "$2" = 1 ] && P0=
	else
		KJ_FAULT_PATH=$SWAP KJ_FAULT_POWERLOSS_AT=$2 KJ_FAULT_LOSE=$1 KJ_FAULT_TRACE=$WORK/trace \
			LD_PRELOAD=$SHIM save "${SAVE_OPTS[@]}" 2>/dev/null || RC=$?
		P0=$(awk -v p0="$P0OFF" 'c && $2 == p0 {print $1} /^cut/ {c = 1}' "$WORK/trace")
	fi
	GOT=$(state)
}

# verdict MODE K: after interrupt, what is wrong (nothing when all is well).
verdict() {
	local want=137 cut=$2
	[ "$2" -gt "$TOTAL" ] && want=0 cut=exit
	if [ "$RC" != "$want" ]; then
		echo "kjump-save exited with $RC, expected $want"
	elif [ "$1" != crash ] && ! grep -qx "cut $cut" "$WORK/trace"; then
		echo "the shim did not cut where asked"
	elif [[ " $(allowed "$2" "$P0") " != *" $GOT "* ]]; then
		echo "left $GOT, expected $(allowed "$2" "$P0") (page-0 write: ${P0:-none})"
	fi
}

# controls: the check catches a broken protocol. A power loss that leaves the unsynced
# commit record in place (the undo disabled); one where the sync between data and commit
# is missing (the newer half of the writes lands with the commit record, the older not).
controls() {
	local why
	why=$(KJ_FAULT_NO_UNDO=1 interrupt all "$TOTAL" && verdict all "$TOTAL")
	if [ -n "$why" ]; then pass "control, undo disabled: the check fails: $why"; else
		fail "control, undo disabled: the check passed"; fi
	why=$(KJ_FAULT_SKIP_SYNC=1 interrupt early "$TOTAL" && verdict early "$TOTAL")
	if [[ $why == *half* ]]; then pass "control, no sync at call $DATA_SYNC: the check fails: $why"
	else fail "control, no sync at call $DATA_SYNC: no half-image seen (${why:-the check passed})"; fi
}

# Not late (the older half kept): wherever page 0 is unsynced, its write is the only
# unsynced one, lost as with odd.
MODES="crash all odd even early sectors:1 sectors:3"
for start in fresh old swapfile; do
	scenario $start
	layout
	if [ $start = fresh ]; then controls; fi
	for mode in $MODES; do
		bad=0 seen=""
		for k in $(seq 1 $((TOTAL + 1))); do
			interrupt "$mode" "$k"
			seen="$seen $GOT"
			why=$(verdict "$mode" "$k")
			[ -z "$why" ] || { fail "$start, $mode before call $k of $TOTAL: $why"; bad=1; }
		done
		seen=$(tr ' ' '\n' <<<"$seen" | sort | uniq -c | awk 'NF == 2 {printf "%s%s %s", s, $1, $2; s = ", "}')
		[ $bad = 1 ] || pass "$start, $mode: interrupted at each of $TOTAL calls and after, left" \
			"only what its point allows ($seen)"
	done
done

cp "$WORK/fresh" "$SWAP"
save && expect_rc 0 "an uninterrupted save resumes" "$RESUME" --device "$SWAP" --target null \
	--root "$WORK/root" --dry-run
finish
