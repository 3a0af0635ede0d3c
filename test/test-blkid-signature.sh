#!/bin/bash
# The image keeps the swap area's identity: libblkid sees TYPE=swsuspend with the
# original UUID and LABEL while it holds an image, and plain swap after invalidation,
# with the swap header page restored byte for byte.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
command -v blkid >/dev/null && command -v mkswap >/dev/null || skip "blkid/mkswap not installed"

make_root "$WORK/root"
make_memory "$WORK/mem"
truncate -s 64M "$WORK/swap"
mkswap -q -L kjtest "$WORK/swap"
UUID=$(blkid -p -o value -s UUID "$WORK/swap")
head -c 4096 "$WORK/swap" >"$WORK/page0.orig"

expect_rc 0 "save" "$SAVE" --memory "file:$WORK/mem" --ranges 0x8000000-0x9000000 \
	--entry 0x8000100 --output "$WORK/swap" --root "$WORK/root"
blkid -p "$WORK/swap" >"$WORK/blkid.log" || true
grep -q 'TYPE="swsuspend"' "$WORK/blkid.log" && pass "blkid: TYPE=swsuspend" || fail "blkid: $(cat "$WORK/blkid.log")"
grep -q "UUID=\"$UUID\"" "$WORK/blkid.log" && pass "blkid: original UUID kept" || fail "UUID lost"
grep -q 'LABEL="kjtest"' "$WORK/blkid.log" && pass "blkid: original LABEL kept" || fail "LABEL lost"
# Linux's own resume only claims S1SUSPEND
[ "$(tail -c +4087 "$WORK/swap" | head -c 9)" = S2SUSPEND ] && pass "signature is S2SUSPEND" || fail "signature"

expect_rc 0 "invalidate" "$IMAGE" invalidate "$WORK/swap"
blkid -p "$WORK/swap" >"$WORK/blkid.log" || true
grep -q 'TYPE="swap"' "$WORK/blkid.log" && pass "blkid: TYPE=swap again" || fail "blkid after: $(cat "$WORK/blkid.log")"
grep -q "UUID=\"$UUID\"" "$WORK/blkid.log" && grep -q 'LABEL="kjtest"' "$WORK/blkid.log" &&
	pass "blkid: same UUID and LABEL" || fail "identity changed"
cmp -s <(head -c 4096 "$WORK/swap") "$WORK/page0.orig" && pass "swap header page restored byte for byte" ||
	fail "swap header page differs"
expect_rc 1 "no image after invalidation" "$IMAGE" verify "$WORK/swap"
expect_rc 1 "resume finds no image" "$RESUME" --device "$WORK/swap" --target null --root "$WORK/root"

# resume invalidates an image it cannot use; --keep leaves it
"$SAVE" --memory "file:$WORK/mem" --ranges 0x8000000-0x8100000 --entry 0x8000100 \
	--output "$WORK/swap" --root "$WORK/root" 2>/dev/null
# another machine: its firmware RAM ends elsewhere
cp -r "$WORK/root" "$WORK/other"
echo 0x17ffffff >"$WORK/other/sys/firmware/memmap/3/end"
expect_rc 4 "another machine's image: refused" "$RESUME" --device "$WORK/swap" \
	--target null --root "$WORK/other" --keep
expect_log "firmware memory map differs" "says why"
grep -q swsuspend <(blkid -p "$WORK/swap") && pass "--keep kept it" || fail "--keep did not keep"
expect_rc 4 "refused again, now invalidated" "$RESUME" --device "$WORK/swap" --target null --root "$WORK/other"
grep -q 'TYPE="swap"' <(blkid -p "$WORK/swap") && pass "unusable image invalidated" || fail "not invalidated"
finish
