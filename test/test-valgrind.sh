#!/bin/bash
# The file-level round trip under valgrind: zero errors, no leaks (library round trip
# over random maps, then kjump-save and kjump-resume themselves).
. "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || skip "valgrind not installed"
VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite)
expect_rc 0 "roundtrip library test (20 maps x 2)" "${VG[@]}" "$KJ_BIN/test/roundtrip" 20
make_root "$WORK/root"
make_memory "$WORK/mem"
expect_rc 0 "kjump-save" "${VG[@]}" "$SAVE" --memory "file:$WORK/mem" \
	--ranges 0x8000000-0x8800000,0x1f000000-0x1f200000 --entry 0x8000040 \
	--output "$WORK/swap" --create 64M --root "$WORK/root" -q
expect_rc 0 "kjump-resume" "${VG[@]}" "$RESUME" --device "$WORK/swap" --target "file:$WORK/out" \
	--root "$WORK/root" -q
expect_rc 0 "kjump-image verify" "${VG[@]}" "$IMAGE" verify "$WORK/swap"
finish
