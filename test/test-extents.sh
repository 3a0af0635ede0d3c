#!/bin/bash
# A swap file's extent map (page 0 at resume_offset) broken every way, its CRC
# recomputed: kjump-resume and kjump-image refuse the image without writing anything
# to the device, whose other pages belong to other files, and say what to do. A map
# that is valid, or no map at all, lets invalidation write only the swap file's pages.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
CRAFT=$KJ_SRC/test/craft-extents.py
make_root "$WORK/root"
make_memory "$WORK/mem"
RANGES=0x8000000-0x8400000,0x1f000000-0x1f100000

# A 16 MiB device full of other files' data, and a fragmented swap file in it: page 0
# (the swap header) at device page 100, the rest scattered.
EXTENTS=0:100:1,1:2000:600,601:200:700,1301:2700:747
head -c 16M /dev/urandom >"$WORK/dev"
truncate -s 8M "$WORK/swapfile"
mkswap -q "$WORK/swapfile" 2>/dev/null || skip "mkswap not installed"
for e in ${EXTENTS//,/ }; do
	IFS=: read -r fp dp n <<<"$e"
	dd if="$WORK/swapfile" of="$WORK/dev" bs=4096 skip="$fp" seek="$dp" count="$n" conv=notrunc status=none
done
expect_rc 0 "save through the extents" "$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" \
	--entry 0x8000040 --output "$WORK/dev" --offset 100 --extents "$EXTENTS" --root "$WORK/root"
expect_rc 0 "the image verifies" "$IMAGE" verify --offset 100 "$WORK/dev"
cp "$WORK/dev" "$WORK/good"

untouched() { # untouched DESC: the device is byte for byte as crafted
	cmp -s "$WORK/bad" "$WORK/before" && pass "$1: nothing written to the device" ||
		fail "$1: the device was written: $(python3 "$CRAFT" outside "$WORK/before" "$WORK/bad" "$EXTENTS")"
}
only_file() { # only_file DESC: no device page outside the swap file changed
	python3 "$CRAFT" outside "$WORK/before" "$WORK/bad" "$EXTENTS" >"$WORK/outside" &&
		pass "$1: only the swap file's pages written" || fail "$1: $(cat "$WORK/outside")"
}

for c in $(python3 "$CRAFT" cases); do
	python3 "$CRAFT" craft "$WORK/good" "$WORK/bad" "$c" 100
	cp "$WORK/bad" "$WORK/before"
	expect_rc 3 "$c: kjump-resume refuses" "$RESUME" --device "$WORK/bad" --offset 100 \
		--target "file:$WORK/out" --root "$WORK/root" --no-jump
	expect_log "extent map" "$c: says the extent map is wrong"
	expect_log "nothing was written to .*'mkswap' on the swap file.*kjump-image invalidate --offset 100" \
		"$c: says what to do"
	untouched "$c (kjump-resume)"
	expect_rc 1 "$c: noresume" "$RESUME" --device "$WORK/bad" --offset 100 --cmdline noresume \
		--root "$WORK/root"
	untouched "$c (noresume)"
	expect_rc 1 "$c: kjump-image invalidate refuses" "$IMAGE" invalidate --offset 100 "$WORK/bad"
	untouched "$c (kjump-image invalidate)"
	expect_rc 1 "$c: kjump-image verify refuses" "$IMAGE" verify --offset 100 "$WORK/bad"
done

# The map's magic destroyed: page 0 maps nothing, the header expects 4 extents. Device
# page 101 belongs to another file (no header there): only page 0, the swap header, may
# be written.
cp "$WORK/good" "$WORK/bad"
printf 'X' | dd of="$WORK/bad" bs=1 seek=$((100 * 4096 + 1536)) conv=notrunc status=none
cp "$WORK/bad" "$WORK/before"
expect_rc 3 "no map, header expects one: refused" "$RESUME" --device "$WORK/bad" --offset 100 \
	--target "file:$WORK/out" --root "$WORK/root" --no-jump
expect_log "unusable image: header magic missing" "says there is no header where the map said"
only_file "no map"
expect_rc 1 "no map: no image left" "$IMAGE" verify --offset 100 "$WORK/bad"

# A valid map that does not match the header (its last extent dropped): refused, and
# invalidated through the map, within the file.
python3 "$CRAFT" craft "$WORK/good" "$WORK/bad" valid-but-short 100
cp "$WORK/bad" "$WORK/before"
expect_rc 3 "valid but short map: refused" "$RESUME" --device "$WORK/bad" --offset 100 \
	--target "file:$WORK/out" --root "$WORK/root" --no-jump
expect_log "header expects 4 swap-file extents, page 0 maps 3" "says the map is short"
only_file "valid but short map"
expect_rc 1 "valid but short map: no image left" "$IMAGE" verify --offset 100 "$WORK/bad"
# The good map: invalidation writes the swap file's pages only.
cp "$WORK/good" "$WORK/bad"
cp "$WORK/bad" "$WORK/before"
expect_rc 0 "a valid map: kjump-image invalidate" "$IMAGE" invalidate --offset 100 "$WORK/bad"
only_file "a valid map"
expect_rc 1 "a valid map: no image left" "$IMAGE" verify --offset 100 "$WORK/bad"

# Contiguous, with no map (nr_extents 0): the writer put the header at page 101, so
# invalidation may clear it; nothing else changes.
cp "$WORK/good" "$WORK/dev2"
dd if="$WORK/swapfile" of="$WORK/dev2" bs=4096 seek=100 count=2048 conv=notrunc status=none
expect_rc 0 "save contiguously, no map" "$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" \
	--entry 0x8000040 --output "$WORK/dev2" --offset 100 --root "$WORK/root"
cp "$WORK/dev2" "$WORK/bad"
cp "$WORK/bad" "$WORK/before"
expect_rc 0 "contiguous: kjump-image invalidate" "$IMAGE" invalidate --offset 100 "$WORK/bad"
EXTENTS=0:100:2048 only_file "contiguous"
python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(d[101*4096:102*4096] != bytes(4096))' \
	"$WORK/bad" && pass "contiguous: its header page cleared" || fail "contiguous: header page kept"
finish
