#!/bin/bash
# Images crafted to attack the loader, checksums made valid again: each is refused with
# a specific error before any byte is written (file target: nothing created), the image
# is invalidated, and the boot continues.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 not installed"
make_root "$WORK/root"
make_memory "$WORK/mem"
"$SAVE" --memory "file:$WORK/mem" --ranges 0x8000000-0x9000000,0x1f000000-0x1f400000 \
	--entry 0x8000040 --block-pages 32 --output "$WORK/good" --create 64M --root "$WORK/root" -q

attack() { # attack NAME WANT_STATUS REGEX
	python3 "$KJ_SRC/test/craft.py" "$WORK/good" "$WORK/bad" "$1"
	rm -f "$WORK/target"
	expect_rc "$2" "$1: refused" "$RESUME" --device "$WORK/bad" --target "file:$WORK/target" \
		--root "$WORK/root" --verify stream
	expect_log "$3" "$1: says '$3'"
	[ ! -e "$WORK/target" ] && pass "$1: nothing written" || fail "$1: the target was written"
	expect_rc 1 "$1: invalidated, never resumed" "$RESUME" --device "$WORK/bad" --target null --root "$WORK/root"
}
attack stage-too-much 4 "more than half of this kernel's"
attack mmio 4 "is not RAM in this machine's firmware memory map"
attack outside-ram 4 "is not RAM in this machine's firmware memory map"
attack overlap 3 "range table is corrupt"
attack unsorted 3 "range table is corrupt"
attack npages-overflow 3 "range table is corrupt"
attack nr-ranges-overflow 3 "bad data or range table location"
attack entry-outside 4 "outside every saved range"
attack commit-past-device 3 "commit record: bad image end"
# Block attacks: refused by the walk over the block headers that streaming (the default
# for memory) makes before writing anything, and by --verify first.
for a in block-too-long raw-too-long; do
	python3 "$KJ_SRC/test/craft.py" "$WORK/good" "$WORK/bad" "$a"
	rm -f "$WORK/target"
	expect_rc 3 "$a: refused" "$RESUME" --device "$WORK/bad" --target "file:$WORK/target" --root "$WORK/root" \
		--verify stream
	expect_log "data block 0: bad (stored|block) length" "$a: names the block"
	[ ! -e "$WORK/target" ] && pass "$a: nothing written" || fail "$a: the target was written"
done

# kjump-image on corrupt images: every subcommand exits 1 as kjump-image(8) says, not
# with an -errno (issue 26, bug 2).
# clean DESC: the last expect_rc output holds no sanitizer report (under ASan a crash
# exits 1, the status a refusal has too).
clean() {
	if grep -Eq "Sanitizer|runtime error:" "$WORK/out.log"; then
		fail "$1: sanitizer report"
		sed 's/^/    /' "$WORK/out.log" >&2
	else pass "$1: no sanitizer report"; fi
}
image_refuses() { # image_refuses ATTACK REGEX ARGS...
	local attack=$1 re=$2
	shift 2
	python3 "$KJ_SRC/test/craft.py" "$WORK/good" "$WORK/bad" "$attack"
	expect_rc 1 "kjump-image $*: $attack" "$IMAGE" "$@" "$WORK/bad"
	expect_log "^kjump-image: $WORK/bad: $re" "kjump-image $*: $attack: says '$re'"
	clean "kjump-image $*: $attack"
}
image_refuses npages-ffffffff "range table is corrupt$" info
image_refuses npages-ffffffff "range table is corrupt$" info --json
image_refuses npages-ffffffff "verification failed: range table is corrupt" verify
image_refuses npages-ffffffff "extract failed: range table is corrupt" extract --output "$WORK/x"
[ ! -e "$WORK/x" ] && pass "extract: nothing written" || fail "extract: wrote a file from a bad image"
image_refuses nr-ranges-ffffffff "image truncated" info
image_refuses block-too-long "block 0 at 8192 is corrupt$" info --blocks
image_refuses raw-too-long "block 0 at 8192 is corrupt$" info --blocks
image_refuses raw-too-long "verification failed: data block 0: bad block length" verify

# kjump-image prints times read from disk: one no calendar holds is printed as the
# number it is, never a crash (issue 26, bug 1).
python3 "$KJ_SRC/test/craft.py" "$WORK/good" "$WORK/bad" created-huge
expect_rc 0 "info: created 2^63-1" "$IMAGE" info "$WORK/bad"
expect_log "^created: +9223372036854775807 \(seconds since 1970, not a valid date\)$" \
	"info: created 2^63-1 printed as a number"
cp "$WORK/good" "$WORK/swap"
"$IMAGE" invalidate "$WORK/swap" 2>/dev/null
"$IMAGE" status --set "could not save" "$WORK/swap"
python3 "$KJ_SRC/test/craft.py" "$WORK/swap" "$WORK/bad" status-time-huge
expect_rc 0 "status: time 2^63-1" "$IMAGE" status "$WORK/bad"
expect_log "^hibernation failed at 9223372036854775807 \(seconds since 1970, not a valid date\): could not save$" \
	"status: time 2^63-1 printed as a number"

# The status record, every field broken one at a time (CRC recomputed), the old layout
# and a bad CRC: one line saying so, exit 1 ("no failure recorded"), never a crash.
expect_rc 0 "status: the record kjump-image wrote" "$IMAGE" status "$WORK/swap"
expect_log "^hibernation failed at [0-9-]+ [0-9:]+ UTC: could not save$" "status: read back"
cp "$WORK/swap" "$WORK/cleared"
expect_rc 0 "status --clear: read" "$IMAGE" status --clear "$WORK/cleared"
expect_rc 1 "status --clear: cleared" "$IMAGE" status "$WORK/cleared"
status_attack() { # status_attack NAME REGEX
	python3 "$KJ_SRC/test/craft.py" "$WORK/swap" "$WORK/bad" "status-$1"
	cp "$WORK/bad" "$WORK/bad.before"
	expect_rc 1 "status-$1: no valid status" "$IMAGE" status --clear "$WORK/bad"
	if [ "$(wc -l <"$WORK/out.log")" -eq 1 ] &&
		grep -Eq "^kjump-image: $WORK/bad: no valid status: $2$" "$WORK/out.log"; then
		pass "status-$1: one line, '$2'"
	else
		fail "status-$1: not one line matching '$2'"
		sed 's/^/    /' "$WORK/out.log" >&2
	fi
	cmp -s "$WORK/bad" "$WORK/bad.before" && pass "status-$1: nothing written" ||
		fail "status-$1: --clear wrote over a record it could not read"
}
status_attack version "status record version 3 is not supported"
status_attack error-zero "status record: bad error 0"
status_attack error-positive "status record: bad error 5"
status_attack error-huge "status record: bad error -100000"
status_attack time-overflow "status record: bad time 18446744073709551615"
status_attack msg-no-nul "status record: message not terminated"
status_attack msg-junk "status record: message not terminated"
status_attack reserved "status record: reserved field not zero"
status_attack crc "status record checksum mismatch \(corrupt, or written by an older kjump\)"
status_attack v1 "status record checksum mismatch \(corrupt, or written by an older kjump\)"
python3 "$KJ_SRC/test/craft.py" "$WORK/swap" "$WORK/bad" status-magic
expect_rc 1 "status-magic: no record, no failure recorded" "$IMAGE" status "$WORK/bad"
[ ! -s "$WORK/out.log" ] && pass "status-magic: nothing said" || fail "status-magic: said something"
finish
