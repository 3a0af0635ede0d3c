#!/bin/bash
# Kept images (snapshots) at program level: kjump-save --snapshot marks the image kept;
# kjump-image info and snapshot say so; kjump-resume loads it without invalidating it,
# refuses it when its data changed (and drops it, as any refused image), and
# kjump.discard and kjump-image invalidate drop it; kjump-image reseed feeds the resume
# kernel's entropy to the random device (a file under --root here) and wipes the record.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"

R=$WORK/root
make_root "$R"
mkdir -p "$R/dev"
: >"$R/dev/urandom"
truncate -s 512M "$WORK/mem"
head -c 8M /dev/urandom | dd of="$WORK/mem" bs=1M seek=130 conv=notrunc status=none
RANGES=0x8000000-0x9000000
ENTRY=0x8234567
S=$WORK/swap
save() { "$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" --entry $ENTRY --output "$S" \
	--create 64M --root "$R" "$@"; }
seed_bytes() { dd if="$S" bs=1 skip=1152 count=128 status=none | od -v -An -tx1 | tr -d ' \n'; }

# a plain hibernation image is not kept
expect_rc 0 "save a hibernation image" save
expect_rc 1 "snapshot: a hibernation image is not kept" "$IMAGE" snapshot "$S"
"$IMAGE" info "$S" | grep -q '^kept:' && fail "info calls a hibernation image kept" ||
	pass "info: no kept line for a hibernation image"

expect_rc 0 "save --snapshot" save --snapshot
expect_log "kept: a snapshot" "kjump-save says the image is kept"
expect_rc 0 "snapshot: a kept image" "$IMAGE" snapshot "$S"
expect_log "^a kept snapshot of .*, made [0-9-]+ [0-9:]+ UTC; not resumed yet" "snapshot: made when, never resumed"
"$IMAGE" info "$S" | grep -q '^kept: .*yes, a snapshot' && pass "info: kept" || fail "info: no kept line"
"$IMAGE" info --json "$S" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["kept"] is True and d["resumes"]==0, d' &&
	pass "info --json: kept, 0 resumes" || fail "info --json: kept"

# loaded twice (a file target never invalidates), the image stays kept and valid
expect_rc 0 "dry run of a kept image" "$RESUME" --device "$S" --target "file:$WORK/out" --root "$R" --dry-run
expect_log "the image is kept: a snapshot made .* resumed on every boot \(kjump.discard drops it\)" \
	"kjump-resume: a kept image is named as such"
expect_rc 0 "resume a kept image into a file" "$RESUME" --device "$S" --target "file:$WORK/out" --root "$R"
ranges_restored "$WORK/mem" "$WORK/out" "$RANGES" "the kept image restores every byte"
expect_rc 0 "the kept image still verifies" "$IMAGE" verify "$S"

# reseed: a fresh record, as kjump-resume leaves it before the jump
python3 "$KJ_SRC/test/craft-seed.py" "$S" fresh 3 "$WORK/seed"
expect_rc 0 "reseed" "$IMAGE" reseed --root "$R" "$S"
expect_log "reseeded the random generator with 64 bytes of fresh entropy from the resume kernel \(resume 3 of the snapshot\)" \
	"reseed says what it did"
cmp -s "$WORK/seed" "$R/dev/urandom" && pass "reseed: the 64 bytes went to the random device" ||
	fail "reseed: the random device did not get the seed"
grep -q "$(od -An -tx1 "$WORK/seed" | tr -d ' \n' | head -c 32)" <<<"$(seed_bytes)" &&
	fail "reseed: the seed is still on the device" || pass "reseed: the seed was wiped from the device"
expect_rc 1 "reseed twice: nothing fresh left" "$IMAGE" reseed --root "$R" "$S"
expect_log "no fresh entropy" "the second reseed says why"
cmp -s "$WORK/seed" "$R/dev/urandom" && pass "a consumed record is never fed again" || fail "fed twice"
expect_rc 0 "snapshot after the reseed" "$IMAGE" snapshot "$S"
expect_log "resumed 3 times" "the count of resumes stays"
python3 "$KJ_SRC/test/craft-seed.py" "$S" badcrc 4 "$WORK/seed"
expect_rc 1 "reseed refuses a corrupt record" "$IMAGE" reseed --root "$R" "$S"
expect_log "reseed record checksum mismatch" "reseed: the corruption named"
python3 "$KJ_SRC/test/craft-seed.py" "$S" other-image 5 "$WORK/seed"
expect_rc 0 "snapshot: a record of another image" "$IMAGE" snapshot "$S"
expect_log "not resumed yet" "a record of another image does not count"

# kjump.discard: the kept image invalidated, the boot goes on (no image)
expect_rc 1 "kjump.discard (dry run)" "$RESUME" --device "$S" --target "file:$WORK/out" --root "$R" \
	--cmdline "kjump.discard" --dry-run
expect_log "kjump.discard: the snapshot made .* would be invalidated \(dry run\); continuing the normal boot" \
	"discard, dry run: says what it would do"
expect_rc 0 "the dry run kept it" "$IMAGE" verify "$S"
expect_rc 1 "kjump.discard" "$RESUME" --device "$S" --target "file:$WORK/out" --root "$R" --cmdline "kjump.discard"
expect_log "kjump.discard: the snapshot made .* was invalidated; continuing the normal boot" "discard: said"
expect_rc 1 "discarded: no image left" "$IMAGE" verify "$S"
[ "$(seed_bytes | tr -d 0)" = "" ] && pass "discard: the reseed record is gone too" || fail "discard left $(seed_bytes)"

# kjump.discard leaves a hibernation image alone
expect_rc 0 "save a hibernation image" save
expect_rc 0 "kjump.discard: a hibernation image is resumed" "$RESUME" --device "$S" --target "file:$WORK/out" \
	--root "$R" --cmdline "kjump.discard" --dry-run

# a kept image whose data changed (the swap area used after a resume) is refused, and
# like any image refused for its data, invalidated: the boot goes on
expect_rc 0 "save --snapshot" save --snapshot
dd if=/dev/urandom of="$S" bs=4096 seek=64 count=4 conv=notrunc status=none
expect_rc 3 "a kept image whose data changed: refused" "$RESUME" --device "$S" --target "file:$WORK/out" --root "$R"
expect_log "unusable image: data block [0-9]+: checksum mismatch" "the refusal says why"
expect_log "held a snapshot whose data changed since it was taken: its swap area was written after a resume" \
	"the refusal names the snapshot's swap area"
expect_rc 1 "the refused snapshot was invalidated" "$IMAGE" verify "$S"

# kjump-image invalidate discards a snapshot as kjump.discard does: record and all
expect_rc 0 "save --snapshot" save --snapshot
python3 "$KJ_SRC/test/craft-seed.py" "$S" fresh 2 "$WORK/seed"
expect_rc 0 "kjump-image invalidate a kept snapshot" "$IMAGE" invalidate "$S"
expect_rc 1 "invalidated: no image left" "$IMAGE" verify "$S"
expect_rc 1 "invalidated: not resumed" "$RESUME" --device "$S" --target "file:$WORK/out" --root "$R"
[ "$(seed_bytes | tr -d 0)" = "" ] && pass "invalidate: the reseed record is gone too" || fail "invalidate left $(seed_bytes)"

# a new image replaces a snapshot: the old reseed record does not carry over
expect_rc 0 "save --snapshot" save --snapshot
python3 "$KJ_SRC/test/craft-seed.py" "$S" fresh 7 "$WORK/seed"
expect_rc 0 "save --snapshot over it" save --snapshot
[ "$(seed_bytes | tr -d 0)" = "" ] && pass "a new snapshot starts without the old record" || fail "old record kept: $(seed_bytes)"
finish
