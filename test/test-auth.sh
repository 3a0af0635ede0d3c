#!/bin/bash
# Image authentication (docs/SECURITY.md): an image saved with an image key is resumed
# only with that key, and an attacker who can write the swap device but has no key,
# and recomputes every CRC, gets nothing written: a changed header, range, index entry,
# digest or MAC is refused before any write; a changed data block (a bit flipped, or
# another authenticated image's block in its place) before its own write, and with
# --verify first before any write. With a key set up, an unauthenticated image is
# refused; without one, an authenticated image is, and the console says to boot an
# initramfs with the key: the image waits kjump.keep_wait= seconds for that power-off,
# then it is invalidated like every other refused image (kjump-resume(8), KEEP OR
# INVALIDATE), unless kjump.keep keeps it.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 not installed"
RANGES=0x8000000-0x9000000,0x1f000000-0x1f400000
make_root "$WORK/root"
make_memory "$WORK/mem"
mkdir -p "$WORK/root/etc/kjump" "$WORK/nokey/etc"
cp -a "$WORK/root/." "$WORK/nokey/" && rm -rf "$WORK/nokey/etc/kjump"
head -c 32 /dev/urandom >"$WORK/key"
head -c 32 /dev/urandom >"$WORK/key2"
cp "$WORK/key" "$WORK/root/etc/kjump/image.key"
# A second memory: the same layout, other contents (for another image's blocks).
cp "$WORK/mem" "$WORK/mem2"
head -c 16M /dev/urandom | dd of="$WORK/mem2" bs=1M seek=128 conv=notrunc status=none

save() { # save MEM OUT [SAVE ARGS...]
	local mem=$1 out=$2
	shift 2
	"$SAVE" --memory "file:$mem" --ranges "$RANGES" --entry 0x8000040 --block-pages 32 \
		--output "$out" --create 64M --root "$WORK/root" -q "$@"
}
# resume IMAGE [ARGS...]: into a new file target, streaming unless told otherwise
resume() {
	local img=$1
	shift
	rm -f "$WORK/target"
	"$RESUME" --device "$img" --target "file:$WORK/target" --verify stream "$@"
}
nothing_written() {
	[ ! -e "$WORK/target" ] && pass "$1: nothing written" || fail "$1: the target was written"
}
invalidated() {
	expect_rc 1 "$1: invalidated, never resumed" "$RESUME" --device "$2" --target null --root "$WORK/root"
}

# --- the good cases ---
save "$WORK/mem" "$WORK/good" --mac-key "$WORK/key"
save "$WORK/mem" "$WORK/good-none" --mac-key "$WORK/key" --compress none
save "$WORK/mem2" "$WORK/other-none" --mac-key "$WORK/key" --compress none
save "$WORK/mem" "$WORK/plain"
save "$WORK/mem" "$WORK/good-key2" --mac-key "$WORK/key2"
expect_rc 0 "info on an authenticated image" "$IMAGE" info "$WORK/good"
expect_log "^authenticated: +HMAC-SHA256, key id [0-9a-f]{32}" "info names the MAC and the key id"
expect_rc 0 "info on a plain image" "$IMAGE" info "$WORK/plain"
expect_log "^authenticated: +no$" "info says a plain image is not authenticated"
expect_rc 0 "kjump-image verify --mac-key" "$IMAGE" verify --mac-key "$WORK/key" "$WORK/good"
expect_log "the MAC matches" "verify says the MAC matches"
expect_rc 1 "kjump-image verify with the wrong key" "$IMAGE" verify --mac-key "$WORK/key2" "$WORK/good"
expect_rc 0 "kjump-image verify without a key (checksums only)" "$IMAGE" verify "$WORK/good"
expect_log "its MAC is not checked without --mac-key" "verify says what it could not check"
cp "$WORK/good" "$WORK/img"
expect_rc 0 "resume with the key in the root's /etc/kjump/image.key" resume "$WORK/img" --root "$WORK/root"
expect_log "image authenticated \(HMAC-SHA256\)" "kjump-resume says the image is authenticated"
ranges_restored "$WORK/mem" "$WORK/target" "$RANGES" "every saved byte restored"
cp "$WORK/good-none" "$WORK/img"
expect_rc 0 "resume with --mac-key, uncompressed" resume "$WORK/img" --root "$WORK/nokey" --mac-key "$WORK/key"
ranges_restored "$WORK/mem" "$WORK/target" "$RANGES" "every saved byte restored (uncompressed)"
mkdir -p "$WORK/nokey/boot"
cp "$WORK/key2" "$WORK/nokey/boot/k2"
cp "$WORK/good-key2" "$WORK/img"
expect_rc 0 "resume with the key named by kjump.mac_key=" resume "$WORK/img" --root "$WORK/nokey" \
	--cmdline "kjump.mac_key=/boot/k2"
cp "$WORK/plain" "$WORK/img"
expect_rc 0 "no key set up: a plain image resumes as before" resume "$WORK/img" --root "$WORK/nokey"

# --wipe-mac-key (B's init): the key file is overwritten (a second link to it reads
# zeros) and removed once read; the image is authenticated all the same.
cp "$WORK/key" "$WORK/bkey" && ln "$WORK/bkey" "$WORK/bkey-link"
expect_rc 0 "kjump-save --wipe-mac-key" save "$WORK/mem" "$WORK/img" --mac-key "$WORK/bkey" --wipe-mac-key
[ ! -e "$WORK/bkey" ] && [ "$(tr -d '\0' <"$WORK/bkey-link" | wc -c)" = 0 ] &&
	pass "--wipe-mac-key: the key file is gone and its bytes are zeros" || fail "--wipe-mac-key left the key"
expect_rc 0 "the image saved with --wipe-mac-key verifies" "$IMAGE" verify --mac-key "$WORK/key" "$WORK/img"

# --- keys that do not fit ---
cp "$WORK/good" "$WORK/img"
expect_rc 4 "no key set up: an authenticated image is refused" resume "$WORK/img" --root "$WORK/nokey" \
	--cmdline kjump.keep_wait=0
expect_log "the image is authenticated, and no image key is set up here.*boot an initramfs that holds the image key" \
	"says no key is set up, and what to do"
nothing_written "no key"
invalidated "no key, kjump.keep_wait=0" "$WORK/img"
cp "$WORK/good" "$WORK/img"
expect_rc 4 "no key set up, kjump.keep: refused" resume "$WORK/img" --root "$WORK/nokey" --cmdline kjump.keep
expect_log "keeping the image \(--keep, kjump.keep\)" "kjump.keep: says the image is kept"
expect_rc 0 "no key, kjump.keep: the image is kept for an initramfs with the key" resume "$WORK/img" \
	--root "$WORK/root"
cp "$WORK/good" "$WORK/img"
expect_rc 3 "another key: refused" resume "$WORK/img" --root "$WORK/root" --mac-key "$WORK/key2"
expect_log "authenticated with another image key" "says another key made it"
nothing_written "another key"
invalidated "another key" "$WORK/img"
cp "$WORK/plain" "$WORK/img"
expect_rc 3 "key set up: an unauthenticated image is refused" resume "$WORK/img" --root "$WORK/root"
expect_log "the image is not authenticated, and an image key is set up here" "says it is not authenticated"
nothing_written "unauthenticated"
invalidated "unauthenticated" "$WORK/img"
head -c 16 /dev/urandom >"$WORK/short"
cp "$WORK/good" "$WORK/img"
expect_rc 5 "a key file too short: nothing resumed" resume "$WORK/img" --root "$WORK/root" \
	--mac-key "$WORK/short" --cmdline kjump.keep_wait=0
expect_log "not an image key" "says the key file is no key"
invalidated "a key file too short, kjump.keep_wait=0" "$WORK/img"
cp "$WORK/good" "$WORK/img"
expect_rc 5 "a key file too short, --keep: nothing resumed" resume "$WORK/img" --root "$WORK/root" \
	--mac-key "$WORK/short" --keep
expect_rc 0 "a key file too short, --keep: the image is kept" "$IMAGE" verify "$WORK/img"
cp "$WORK/plain" "$WORK/img"
expect_rc 1 "kjump-save refuses a short key" "$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" \
	--entry 0x8000040 --output "$WORK/img" --root "$WORK/root" --mac-key "$WORK/short"
expect_log "an image key is 32 to 256 bytes" "kjump-save says why"

# --- attacks: every CRC recomputed, no key ---
attack() { # attack BASE NAME WANT_STATUS REGEX [RESUME ARGS...]
	local base=$1 name=$2 want=$3 re=$4
	shift 4
	python3 "$KJ_SRC/test/craft-auth.py" "$base" "$WORK/bad" "$name" "$WORK/other-none"
	expect_rc "$want" "$name: refused" resume "$WORK/bad" --root "$WORK/root" "$@"
	expect_log "$re" "$name: says '$re'"
}
for a in header-bit table-bit index-bit digest-bit mac-bit block-whole block-and-digest; do
	attack "$WORK/good-none" "$a" 3 "MAC does not match: it was modified or forged"
	nothing_written "$a"
	invalidated "$a" "$WORK/bad"
done
attack "$WORK/good" auth-crc 3 "auth record checksum mismatch"
nothing_written auth-crc
attack "$WORK/good" strip 3 "the image is not authenticated, and an image key is set up"
nothing_written strip
# A data block: refused by its digest before anything is made of it. Streaming (the
# default for memory) writes the other blocks that workers finished meanwhile, each
# authenticated, never the bad one, and nothing is staged or jumped to; --verify first
# writes nothing at all.
only_authentic() { # only_authentic BLOCK DESC: the target holds saved bytes or zeros, block never
	python3 - "$WORK/target" "$WORK/mem" "$1" <<'PY' && pass "$2" || fail "$2"
import sys
t, m = (open(p, "rb").read() for p in sys.argv[1:3])
k, base, blk, page = int(sys.argv[3]), 0x8000000, 32 * 4096, 4096
bad = t[base + k * blk:base + (k + 1) * blk]
other = all(t[o:o + page] in (m[o:o + page], bytes(page)) for o in range(0, len(t), page))
sys.exit(0 if other and bad.count(0) == len(bad) else 1)
PY
}
for a in data-bit block-data; do
	attack "$WORK/good-none" "$a" 3 "data block 0: does not match its authenticated digest"
	only_authentic 0 "$a (block 0, streaming): block 0 never written, nothing but saved bytes"
	invalidated "$a" "$WORK/bad"
	attack "$WORK/good-none" "$a:5" 3 "data block 5: does not match its authenticated digest" --verify first
	nothing_written "$a (block 5, --verify first)"
done
# kjump.verify=first on the command line: into memory (here: the null target, which
# streams by default) every block checked before any write
python3 "$KJ_SRC/test/craft-auth.py" "$WORK/good-none" "$WORK/bad" data-bit:5
expect_rc 3 "kjump.verify=first: refused" "$RESUME" --device "$WORK/bad" --target null \
	--root "$WORK/root" --cmdline "kjump.verify=first" --log stderr -v
expect_log "checking every block before writing anything" "kjump.verify=first: checks before writing"
python3 "$KJ_SRC/test/craft-auth.py" "$WORK/good-none" "$WORK/bad" data-bit:5
expect_rc 3 "null target: refused" "$RESUME" --device "$WORK/bad" --target null --root "$WORK/root" \
	--log stderr -v
if grep -q "checking every block before writing anything" "$WORK/out.log"; then
	fail "the null target verified first without kjump.verify=first"
else pass "without kjump.verify=first memory targets stream"; fi
attack "$WORK/good-none" data-bit:5 3 "data block 5: does not match its authenticated digest"
only_authentic 5 "data-bit (block 5, streaming): block 5 never written, nothing but saved bytes"
python3 "$KJ_SRC/test/craft-auth.py" "$WORK/good-none" "$WORK/bad" data-bit:5
expect_rc 1 "kjump-image verify finds the flipped bit without a key" "$IMAGE" verify "$WORK/bad"
expect_log "data block 5: does not match its authenticated digest" "verify names the block"
finish
