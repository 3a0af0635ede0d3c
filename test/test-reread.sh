#!/bin/bash
# A device that answers differently on a later read (flaky hardware, or a hostile one)
# must not steer a single write to where nothing was validated. An LD_PRELOAD shim
# changes bytes from the Nth read on: the range table (the attack that once cleared
# 2 MiB at the resume kernel's "Kernel code": the first zero run moved there), the
# block index and a data block, at every read position, with --verify stream and first.
# Every run must refuse, say why, and leave the target holding nothing but bytes of the
# saved memory at their own addresses.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
SHIM=$KJ_BIN/test/librereadio.so
[ -f "$SHIM" ] || skip "reread shim not built"
make_root "$WORK/root"
make_memory "$WORK/mem"
RANGES=0x0-0x1000,0x9f000-0xa0000,0x8000000-0x1ffe0000
expect_rc 0 "save" "$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" --entry 0x8234567 \
	--output "$WORK/swap" --create 400M --root "$WORK/root" -q
"$IMAGE" info --json "$WORK/swap" >"$WORK/info.json"

# Where the parts are, and the forged table entry: the first zero run moved onto this
# kernel's code (0x1000000, make_root's "Kernel code"), same length and flags.
eval "$(python3 - "$WORK/info.json" <<'PY'
import json, struct, sys
d = json.load(open(sys.argv[1]))
t = d["table_offset"]
k = next(i for i, r in enumerate(d["ranges"]) if r["zero"])
r = d["ranges"][k]
forged = struct.pack("<QQII", 0x1000000 >> 12, (r["end"] - r["start"]) >> 12, 1, 0).hex()
index = t + 24 * len(d["ranges"])
print(f"TABLE_AT={t + 24 * k} FORGED={forged} INDEX_AT={index} DATA_AT={d['data_offset'] + 64}")
PY
)"
[ -n "${FORGED:-}" ] && pass "found the first zero run (entry at byte $TABLE_AT)" || fail "no zero run"

# The target starts as garbage (0xa5 everywhere, like RAM before the resume), so that a
# forged zero run shows as cleared pages.
head -c $((0x20000000)) /dev/zero | tr '\0' '\245' >"$WORK/garbage"

# check_target FILE DESC: every page that is not the garbage any more lies inside the
# saved ranges and holds the saved memory there
check_target() {
	if python3 - "$WORK/mem" "$1" "$RANGES" <<'PY'; then pass "$2"; else fail "$2"; fi
import sys
mem, out, ranges = sys.argv[1], sys.argv[2], sys.argv[3]
rs = [tuple(int(x, 16) for x in r.split("-")) for r in ranges.split(",")]
try:
    o = open(out, "rb")
except FileNotFoundError:
    sys.exit(0)
m = open(mem, "rb")
size = o.seek(0, 2)
step = 1 << 20
garbage = b"\xa5" * step
for pos in range(0, size, step):
    o.seek(pos); b = o.read(step)
    if b == garbage[:len(b)]:
        continue
    m.seek(pos); a = m.read(len(b))
    for i in range(0, len(b), 4096):
        p = b[i:i + 4096]
        if p == garbage[:4096]:
            continue
        addr = pos + i
        inside = any(s <= addr < e for s, e in rs)
        if not inside or p != a[i:i + 4096]:
            print(f"unvalidated write at 0x{addr:x}", file=sys.stderr)
            sys.exit(1)
PY
}

# attack NAME OFF DATA NTH VERIFY WANT_RC WANT_LOG
attack() {
	local rc=0
	cp "$WORK/garbage" "$WORK/out"
	KJ_REREAD_PATH=$WORK/swap KJ_REREAD_OFF=$2 KJ_REREAD_DATA=$3 KJ_REREAD_NTH=$4 \
		LD_PRELOAD=$SHIM "$RESUME" --device "$WORK/swap" --target "file:$WORK/out" \
		--root "$WORK/root" --verify "$5" --keep >"$WORK/out.log" 2>&1 || rc=$?
	if [ "$rc" = "$6" ]; then pass "$1 (--verify $5, read $4): refused (exit $rc)"; else
		fail "$1 (--verify $5, read $4): exit $rc, expected $6"; sed 's/^/    /' "$WORK/out.log" >&2; fi
	expect_log "$7" "$1 (--verify $5, read $4): says why"
	check_target "$WORK/out" "$1 (--verify $5, read $4): nothing written outside the validated plan"
}

# How often each part is read, per mode (the shim counts without changing anything).
reads() {
	rm -f "$WORK/count"
	KJ_REREAD_PATH=$WORK/swap KJ_REREAD_OFF=$1 KJ_REREAD_DATA=00 KJ_REREAD_NTH=999999 \
		KJ_REREAD_COUNT=$WORK/count LD_PRELOAD=$SHIM "$RESUME" --device "$WORK/swap" \
		--target "file:$WORK/out" --root "$WORK/root" --verify "$2" --keep >/dev/null 2>&1
	wc -l <"$WORK/count"
}
CHANGED="changed since it was first read"
for mode in stream first; do
	n=$(reads "$TABLE_AT" $mode)
	[ "$n" -ge 2 ] && pass "range table: read $n times (--verify $mode)" || fail "range table read $n times"
	for k in $(seq 2 "$n"); do
		attack "range table" "$TABLE_AT" "$FORGED" "$k" $mode 5 "range table $CHANGED"
	done
	n=$(reads "$INDEX_AT" $mode)
	[ "$n" -ge 2 ] && pass "block index: read $n times (--verify $mode)" || fail "block index read $n times"
	for k in $(seq 2 "$n"); do
		attack "block index" "$INDEX_AT" "ffffffff" "$k" $mode 5 "block index.*$CHANGED"
	done
	# a data block's bytes change: its checksum catches it on any read
	n=$(reads "$DATA_AT" $mode)
	for k in $(seq 1 "$n"); do
		attack "data block" "$DATA_AT" "deadbeefdeadbeef" "$k" $mode 3 "data block 0: .*checksum|data block 0:"
	done
done
expect_rc 0 "the untouched image still verifies" "$IMAGE" verify "$WORK/swap"
finish
