#!/bin/bash
# Every corruption class is caught with a specific error by kjump-image verify and by
# kjump-resume, which then writes nothing to its target and invalidates the image.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"

make_root "$WORK/root"
make_memory "$WORK/mem"
RANGES=0x0-0x1000,0x9f000-0xa0000,0x8000000-0x9000000,0x1f000000-0x1f400000
"$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" --entry 0x8000040 --block-pages 32 \
	--output "$WORK/good" --create 64M --root "$WORK/root" -q
"$IMAGE" info --json "$WORK/good" >"$WORK/info.json"
jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/info.json" "$1"; }
TABLE=$(jget table_offset)
NRANGES=$(jget ranges | python3 -c 'import sys,ast; print(len(ast.literal_eval(sys.stdin.read())))')
"$IMAGE" info --blocks "$WORK/good" >"$WORK/blocks"
NBLOCKS=$(wc -l <"$WORK/blocks")
[ "$NBLOCKS" -ge 8 ] && pass "test image has $NBLOCKS blocks, $NRANGES ranges" || fail "too few blocks"

flip() { # flip FILE OFFSET: invert one byte
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf '%b' "$(printf '\\0%03o' $((b ^ 0xff)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# check NAME REGEX: verify and resume both fail on $WORK/bad with REGEX, nothing written
check() {
	local name=$1 re=$2
	expect_rc 1 "$name: verify fails" "$IMAGE" verify "$WORK/bad"
	expect_log "$re" "$name: verify says '$re'"
	rm -f "$WORK/target"
	expect_rc 3 "$name: resume refuses" "$RESUME" --device "$WORK/bad" --target "file:$WORK/target" \
		--root "$WORK/root"
	expect_log "$re" "$name: resume says '$re'"
	[ ! -e "$WORK/target" ] && pass "$name: nothing written to the target" || fail "$name: target written"
	if { "$IMAGE" verify "$WORK/bad" 2>&1 || true; } | grep -q "no image"; then pass "$name: image invalidated"
	else fail "$name: image still there after a refused resume"; fi
}

cp "$WORK/good" "$WORK/bad"; flip "$WORK/bad" $((4096 + 50)); check "header (entry field)" "header checksum mismatch"
cp "$WORK/good" "$WORK/bad"; flip "$WORK/bad" $((4096 + 150)); check "header (release)" "header checksum mismatch"
for i in 0 $((NRANGES / 2)) $((NRANGES - 1)); do
	cp "$WORK/good" "$WORK/bad"; flip "$WORK/bad" $((TABLE + i * 24 + 3))
	check "range table entry $i" "range table"
done
while read -r _ i _ off _ stored _; do
	cp "$WORK/good" "$WORK/bad"; flip "$WORK/bad" $((off + 32 + stored / 2))
	check "data block $i payload" "data block $i: (checksum mismatch|LZO data is corrupt)"
	if [ $((i % 3)) = 0 ]; then
		cp "$WORK/good" "$WORK/bad"; flip "$WORK/bad" $((off + 9))
		check "data block $i header" "data block $i: block header checksum mismatch"
	fi
done <"$WORK/blocks"
for o in 0 8 16 24 32 36 40 60; do
	cp "$WORK/good" "$WORK/bad"; flip "$WORK/bad" $((4022 + o))
	case $o in 0) re="no commit record" ;; *) re="commit record checksum mismatch" ;; esac
	check "commit record byte $o" "$re"
done
cp "$WORK/good" "$WORK/bad"; dd if=/dev/zero of="$WORK/bad" bs=1 seek=4022 count=64 conv=notrunc status=none
check "missing commit record" "no commit record"
while read -r _ i _ off _; do
	cp "$WORK/good" "$WORK/bad"; truncate -s "$off" "$WORK/bad"
	check "truncated at block $i" "image truncated"
done <"$WORK/blocks"
cp "$WORK/good" "$WORK/bad"; truncate -s "$TABLE" "$WORK/bad"; check "truncated before the range table" "image truncated"
# A good image still resumes (the test is not vacuous)
cp "$WORK/good" "$WORK/bad"
expect_rc 0 "intact image verifies" "$IMAGE" verify "$WORK/bad"
expect_rc 0 "intact image resumes" "$RESUME" --device "$WORK/bad" --target "file:$WORK/target" --root "$WORK/root"
finish
