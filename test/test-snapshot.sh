#!/bin/bash
# Kept images (snapshots) at program level: kjump-save --snapshot marks the image kept;
# kjump-image info and snapshot say so; kjump-resume loads it without invalidating it,
# refuses it when its data changed (and drops it, as any refused image), and
# kjump.discard drops it.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"

R=$WORK/root
make_root "$R"
truncate -s 512M "$WORK/mem"
head -c 8M /dev/urandom | dd of="$WORK/mem" bs=1M seek=130 conv=notrunc status=none
RANGES=0x8000000-0x9000000
ENTRY=0x8234567
S=$WORK/swap
save() { "$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" --entry $ENTRY --output "$S" \
	--create 64M --root "$R" "$@"; }

# a plain hibernation image is not kept
expect_rc 0 "save a hibernation image" save
expect_rc 1 "snapshot: a hibernation image is not kept" "$IMAGE" snapshot "$S"
"$IMAGE" info "$S" | grep -q '^kept:' && fail "info calls a hibernation image kept" ||
	pass "info: no kept line for a hibernation image"

expect_rc 0 "save --snapshot" save --snapshot
expect_log "kept: a snapshot" "kjump-save says the image is kept"
expect_rc 0 "snapshot: a kept image" "$IMAGE" snapshot "$S"
expect_log "^a kept snapshot of .*, made [0-9-]+ [0-9:]+ UTC" "snapshot: made when"
"$IMAGE" info "$S" | grep -q '^kept: .*yes, a snapshot' && pass "info: kept" || fail "info: no kept line"
"$IMAGE" info --json "$S" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["kept"] is True, d' &&
	pass "info --json: kept" || fail "info --json: kept"

# loaded twice (a file target never invalidates), the image stays kept and valid
expect_rc 0 "dry run of a kept image" "$RESUME" --device "$S" --target "file:$WORK/out" --root "$R" --dry-run
expect_log "the image is kept: a snapshot made .* resumed on every boot \(kjump.discard drops it\)" \
	"kjump-resume: a kept image is named as such"
expect_rc 0 "resume a kept image into a file" "$RESUME" --device "$S" --target "file:$WORK/out" --root "$R"
ranges_restored "$WORK/mem" "$WORK/out" "$RANGES" "the kept image restores every byte"
expect_rc 0 "the kept image still verifies" "$IMAGE" verify "$S"

# kjump.discard: the kept image invalidated, the boot goes on (no image)
expect_rc 1 "kjump.discard (dry run)" "$RESUME" --device "$S" --target "file:$WORK/out" --root "$R" \
	--cmdline "kjump.discard" --dry-run
expect_log "kjump.discard: the snapshot made .* would be invalidated \(dry run\); continuing the normal boot" \
	"discard, dry run: says what it would do"
expect_rc 0 "the dry run kept it" "$IMAGE" verify "$S"
expect_rc 1 "kjump.discard" "$RESUME" --device "$S" --target "file:$WORK/out" --root "$R" --cmdline "kjump.discard"
expect_log "kjump.discard: the snapshot made .* was invalidated; continuing the normal boot" "discard: said"
expect_rc 1 "discarded: no image left" "$IMAGE" verify "$S"

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
finish
