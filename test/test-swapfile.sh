#!/bin/bash
# A fragmented swap file on ext4: its extents (FIEMAP, taken while mounted) let
# kjump-save write the image through the raw device and kjump-resume read it back at
# resume_offset, without the filesystem. The filesystem stays clean.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (loop mount)"
command -v mkfs.ext4 >/dev/null || skip "e2fsprogs not installed"

make_root "$WORK/root"
make_memory "$WORK/mem"
truncate -s 256M "$WORK/fs.img"
mkfs.ext4 -q -F -b 4096 "$WORK/fs.img"
mkdir -p "$WORK/mnt"
mount -o loop "$WORK/fs.img" "$WORK/mnt" 2>/dev/null || skip "cannot loop-mount here"
# Fragment the free space: fill the filesystem with 512 KiB files, free every other.
i=0
while fallocate -l 512K "$WORK/mnt/fill$i" 2>/dev/null; do i=$((i + 1)); done
for j in $(seq 0 2 $((i - 1))); do rm -f "$WORK/mnt/fill$j"; done
sync
dd if=/dev/zero of="$WORK/mnt/swapfile" bs=1M count=40 conv=fsync status=none
chmod 600 "$WORK/mnt/swapfile"
mkswap -q -L kjfile "$WORK/mnt/swapfile"
UUID=$(blkid -p -o value -s UUID "$WORK/mnt/swapfile")
expect_rc 0 "kjump-image extents" "$IMAGE" extents "$WORK/mnt/swapfile"
MAP=$(cat "$WORK/out.log")
OFF=$(sed -n 's/.*resume_offset=\([0-9]*\).*/\1/p' <<<"$MAP")
EXT=$(sed -n 's/.*extents=\([0-9:,]*\).*/\1/p' <<<"$MAP")
N=$(tr ',' '\n' <<<"$EXT" | wc -l)
[ "$N" -ge 20 ] && pass "swap file is fragmented: $N extents" || fail "expected a fragmented file: $MAP"
umount "$WORK/mnt"

RANGES=0x8000000-0x8c00000,0x1f000000-0x1f400000
expect_rc 0 "save through the extents" "$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" \
	--entry 0x8000040 --compress none --output "$WORK/fs.img" --offset "$OFF" --extents "$EXT" --root "$WORK/root"
expect_log "as ([2-9]|[1-9][0-9]) MiB" "the image (>= 2 MiB) spans several 512 KiB extents"
expect_rc 0 "verify at resume_offset" "$IMAGE" verify --offset "$OFF" "$WORK/fs.img"
expect_rc 0 "resume at resume_offset" "$RESUME" --device "$WORK/fs.img" --offset "$OFF" \
	--target "file:$WORK/out" --root "$WORK/root"
ranges_restored "$WORK/mem" "$WORK/out" "$RANGES" "restored byte for byte through $N extents"
e2fsck -fn "$WORK/fs.img" >"$WORK/fsck.log" 2>&1 && pass "filesystem still clean" ||
	{ fail "e2fsck reports damage"; cat "$WORK/fsck.log" >&2; }
mount -o loop,ro "$WORK/fs.img" "$WORK/mnt"
blkid -p "$WORK/mnt/swapfile" >"$WORK/blkid.log" || true
grep -q 'TYPE="swsuspend"' "$WORK/blkid.log" && grep -q "UUID=\"$UUID\"" "$WORK/blkid.log" &&
	pass "the swap file shows the image with its own UUID" || fail "blkid: $(cat "$WORK/blkid.log")"
umount "$WORK/mnt"
# a corrupt extent map is a specific error
cp "$WORK/fs.img" "$WORK/bad.img"
printf 'X' | dd of="$WORK/bad.img" bs=1 seek=$((OFF * 4096 + 1536 + 20)) conv=notrunc status=none
expect_rc 1 "corrupt extent map" "$IMAGE" verify --offset "$OFF" "$WORK/bad.img"
expect_log "extent map" "says the extent map is corrupt"
expect_rc 0 "invalidate" "$IMAGE" invalidate --offset "$OFF" "$WORK/fs.img"
mount -o loop,ro "$WORK/fs.img" "$WORK/mnt"
grep -q 'TYPE="swap"' <(blkid -p "$WORK/mnt/swapfile") && pass "plain swap file again" || fail "not swap"
umount "$WORK/mnt"
finish
