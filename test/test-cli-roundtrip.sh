#!/bin/bash
# Program-level round trip: kjump-save from a memory file and from an ELF core,
# kjump-resume into a file target under a fake root, kjump-image extract/verify/info.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"

make_root "$WORK/root"
make_memory "$WORK/mem"
# A's memory as the hibernating kernel sees it: firmware RAM minus B's RAM (0-636K,
# 1M-128M), page-rounded: page 0, 0x9f000-0xa0000, 128M-0x1ffe0000.
RANGES=0x0-0x1000,0x9f000-0xa0000,0x8000000-0x1ffe0000
ENTRY=0x8234567

for comp in lzo none; do
	rm -f "$WORK/swap" "$WORK/out"
	expect_rc 0 "save ($comp)" "$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" \
		--entry $ENTRY --compress $comp --output "$WORK/swap" --create 400M --root "$WORK/root"
	expect_log "saved 98274 pages" "save summary line ($comp)"
	expect_rc 0 "verify ($comp)" "$IMAGE" verify "$WORK/swap"
	expect_rc 0 "dry run ($comp)" "$RESUME" --device "$WORK/swap" --target "file:$WORK/out" \
		--root "$WORK/root" --dry-run
	expect_log "plan: [0-9.]+ MiB direct, 0.0 MiB staged in 1 kexec segments" "plan printed ($comp)"
	[ ! -e "$WORK/out" ] && pass "dry run wrote nothing ($comp)" || fail "dry run created the target"
	expect_rc 0 "resume into a file ($comp)" "$RESUME" --device "$WORK/swap" \
		--target "file:$WORK/out" --root "$WORK/root"
	expect_log "loaded 98274 pages" "load summary line ($comp)"
	ranges_restored "$WORK/mem" "$WORK/out" "$RANGES" "every saved byte restored ($comp)"
	# Nothing outside the ranges: the resume kernel's own RAM stays untouched (sparse).
	if [ "$(head -c $((0x8000000)) "$WORK/out" | tail -c +$((0xa0001)) | tr -d '\0' | wc -c)" = 0 ]; then
		pass "nothing written into the resume kernel's RAM ($comp)"
	else fail "bytes written outside the saved ranges ($comp)"; fi
	expect_rc 0 "image still valid after --target file ($comp)" "$IMAGE" verify "$WORK/swap"
done

# extract gives the same bytes as the file-target resume
expect_rc 0 "extract" "$IMAGE" extract "$WORK/swap" --output "$WORK/extracted"
region_cmp "$WORK/out" "$WORK/extracted" 0x8000000 0x1ffe0000 && pass "extract == resume" ||
	fail "extract differs"
expect_rc 0 "info --json" "$IMAGE" info --json "$WORK/swap"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["total_pages"]==98274 and d["entry"]==0x8234567, d' \
	"$WORK/out.log" && pass "info --json parses and matches" || fail "info --json"

# ELF core input (as /proc/vmcore or dump.elf), converted and resumed byte for byte
"$KJ_BIN/test/mkelfcore" "$WORK/mem" "$RANGES" "$WORK/core.elf"
rm -f "$WORK/swap2" "$WORK/out2"
expect_rc 0 "save from an ELF core" "$SAVE" --elf "$WORK/core.elf" --entry $ENTRY \
	--output "$WORK/swap2" --create 400M --root "$WORK/root"
expect_rc 0 "resume the converted core" "$RESUME" --device "$WORK/swap2" \
	--target "file:$WORK/out2" --root "$WORK/root"
ranges_restored "$WORK/mem" "$WORK/out2" "$RANGES" "ELF core restored byte for byte"

# Refusals with a one-line reason
truncate -s 10M "$WORK/notswap"
expect_rc 1 "refuses an output that is not swap" "$SAVE" --memory "file:$WORK/mem" \
	--ranges 0x8000000-0x8300000 --entry $ENTRY --output "$WORK/notswap" --root "$WORK/root"
expect_log "not a swap area" "says why"
mkswap -q "$WORK/small" 1M 2>/dev/null || { truncate -s 1M "$WORK/small"; mkswap -q "$WORK/small"; }
expect_rc 1 "swap area too small" "$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" \
	--entry $ENTRY --compress none --output "$WORK/small" --root "$WORK/root"
expect_log "too small" "says the swap area is too small"
expect_rc 1 "nothing resumable left after a failed save" "$IMAGE" verify "$WORK/small"
expect_rc 1 "refuses a jump-back entry outside the ranges to save" "$SAVE" --memory "file:$WORK/mem" \
	--ranges 0x8000000-0x8100000 --entry 0x9000000 --output "$WORK/small" --root "$WORK/root"
expect_log "entry 0x9000000 lies outside every range to save" "says the image could never be resumed"
for ext in 0:4503599627370495:2 0:18446744073709551615:1 0:0:4294967295 0:0:0 x:1:1; do
	expect_rc 1 "refuses out-of-bounds extents $ext" "$SAVE" --memory "file:$WORK/mem" \
		--ranges 0x8000000-0x8300000 --entry $ENTRY --output "$WORK/small" --extents "$ext" \
		--root "$WORK/root"
	expect_log "invalid --extents|do not fit" "says the extents are wrong ($ext)"
done
for p in "$SAVE" "$RESUME" "$IMAGE" "$KJ_BIN/kjump-memhotplug"; do
	expect_rc 0 "$(basename "$p") --version" "$p" --version
	expect_log "^$(basename "$p") \(kjump\) [0-9]+\.[0-9]+" "$(basename "$p") names itself and its version"
done
# each option's help lines together: --abort-jump's second line under --abort-jump
"$SAVE" --help | grep -A1 -e '--abort-jump' | grep -q 'jump back into the hibernated kernel' &&
	pass "kjump-save --help: --abort-jump's lines together" || fail "kjump-save --help splits --abort-jump"
# stdout is checked when it is closed: a full disk is an error, not a silent loss
rc=0
"$IMAGE" info "$WORK/swap" >/dev/full 2>"$WORK/full.log" || rc=$?
[ $rc != 0 ] && grep -q "write error on standard output" "$WORK/full.log" &&
	pass "kjump-image info to a full disk fails and says so" || fail "output to /dev/full: exit $rc"
expect_rc 2 "usage error" "$RESUME" --target bogus --device x
expect_rc 1 "plain swap: no image" "$RESUME" --device "$WORK/small" --target null --root "$WORK/root"
expect_log "no image" "says there is no image"
# An image with holes (the page filter's) where the resume kernel's RAM (1M-160M) is
# larger than the hibernating kernel's region (1M-128M): 40 one-page runs above 128M,
# one page apart, still stage in few segments (the gaps are A's left-out pages)
holes=$(for k in $(seq 0 39); do printf '0x%x-0x%x,' $((0x8000000 + k * 8192)) $((0x8001000 + k * 8192)); done)
rm -f "$WORK/holes"
expect_rc 0 "save an image with 40 holes" "$SAVE" --memory "file:$WORK/mem" --ranges "${holes}0x9000000-0x1ffe0000" \
	--entry 0x9000040 --region 0x100000-0x8000000 --output "$WORK/holes" --create 400M --root "$WORK/root"
cp -r "$WORK/root" "$WORK/big"
sed -i 's/^00100000-07ffffff : System RAM/00100000-09ffffff : System RAM/' "$WORK/big/proc/iomem"
expect_rc 0 "a larger resume kernel stages the holes' runs together" "$RESUME" --device "$WORK/holes" \
	--target null --root "$WORK/big" --dry-run
n=$(sed -n 's/.*staged in \([0-9]*\) kexec segments.*/\1/p' "$WORK/out.log")
[ "${n:-99}" -le 16 ] && pass "staged in $n segments (at most 16)" || fail "staged in '${n:-?}' segments"
expect_rc 0 "the merged staging restores every saved byte" "$RESUME" --device "$WORK/holes" \
	--target "file:$WORK/out-holes" --root "$WORK/big"
ranges_restored "$WORK/mem" "$WORK/out-holes" "${holes}0x9000000-0x1ffe0000" "holes image restored byte for byte"
# the same image where the gaps lie in the hibernating kernel's region: not merged
rm -f "$WORK/holes"
"$SAVE" --memory "file:$WORK/mem" --ranges "${holes}0x9000000-0x1ffe0000" --entry 0x9000040 \
	--region 0x100000-0xa000000 --output "$WORK/holes" --create 400M --root "$WORK/root" -q
expect_rc 4 "gaps inside the hibernating kernel's region are never staged over" "$RESUME" \
	--device "$WORK/holes" --target null --root "$WORK/big" --dry-run
expect_log "kexec segments" "names the segment limit"
# The image does not fit a kernel whose RAM overlaps it beyond what can be staged
sed -i 's/^00100000-07ffffff : System RAM/00100000-17ffffff : System RAM/' "$WORK/root/proc/iomem"
expect_rc 4 "staging limit" "$RESUME" --device "$WORK/swap" --target null --root "$WORK/root" --dry-run
expect_log "more than half of this kernel" "names the limit that was hit"
finish
