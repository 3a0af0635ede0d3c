#!/bin/bash
# Swap files on btrfs (issue 25 item 3): FIEMAP gives btrfs's logical addresses and
# stat() an anonymous device number; kjump maps the extents through the chunk tree to
# the one block device. resume_offset is what btrfs-progs' map-swapfile -r says (what
# the kernel's hibernation takes), every extent of a fragmented swap file holds the
# file's own bytes on the device, an image written through them reads back at
# resume_offset, the file system stays clean, kjump-setup finds the swap file in use by
# its device and first page; a DUP data profile, a second device and a copy-on-write
# file are refused with a line that says so.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (loop mount)"
command -v mkfs.btrfs >/dev/null && command -v btrfs >/dev/null || skip "btrfs-progs not installed"
btrfs inspect-internal map-swapfile --help >/dev/null 2>&1 || skip "btrfs-progs older than 6.1 (no map-swapfile)"

MNT=$WORK/mnt
R=$WORK/hroot
LOOP2=""
# Leave no mount and no loop device behind, whatever failed, before the work dir goes
# (and never remove through a mount that stays).
cleanup() {
	local m
	for m in "$R/mnt" "$MNT"; do
		if mountpoint -q "$m" 2>/dev/null; then umount "$m" || return 0; fi
	done
	[ -z "$LOOP2" ] || losetup -d "$LOOP2" 2>/dev/null || true
	[ -n "${KJ_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

# map_swapfile_r FILE: btrfs-progs' resume_offset of FILE
map_swapfile_r() { btrfs inspect-internal map-swapfile -r "$1" 2>&1; }
# field NAME: NAME=VALUE from the last kjump-image extents output
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" "$WORK/out.log"; }

make_root "$WORK/root"
make_memory "$WORK/mem"
truncate -s 512M "$WORK/fs.img"
# data single, metadata DUP (mkfs's default): data chunks' logical addresses are not
# their offsets on the device
mkfs.btrfs -q -f -d single "$WORK/fs.img" >/dev/null 2>&1
mkdir -p "$MNT"
mount -o loop "$WORK/fs.img" "$MNT" 2>/dev/null || skip "cannot loop-mount btrfs here"
LOOP=$(findmnt -n -o SOURCE "$MNT")

# 1. A swap file made by btrfs-progs, in a data chunk of its own.
btrfs filesystem mkswapfile -s 64m "$MNT/swap1" >/dev/null
expect_rc 0 "kjump-image extents (btrfs filesystem mkswapfile)" "$IMAGE" extents "$MNT/swap1"
want=$(map_swapfile_r "$MNT/swap1")
[ "$(field resume_offset)" = "$want" ] && pass "resume_offset $want, as map-swapfile -r says" ||
	fail "resume_offset $(field resume_offset), map-swapfile -r says $want"
[ "$(field device)" = "$LOOP" ] && pass "the device is the file system's ($LOOP)" ||
	fail "device $(field device), the file system is on $LOOP"
rm -f "$MNT/swap1"

# 2. A fragmented swap file: fill the file system with 512 KiB files, free every other,
# then a nocow file preallocated in the holes, written through (so that the file system
# shows the bytes the device holds) with bytes that differ in every page.
i=0
while fallocate -l 512K "$MNT/fill$i" 2>/dev/null; do i=$((i + 1)); done
for j in $(seq 0 2 $((i - 1))); do rm -f "$MNT/fill$j"; done
btrfs filesystem sync "$MNT"
touch "$MNT/swapfile"
chattr +C "$MNT/swapfile"
fallocate -l 40M "$MNT/swapfile"
head -c 40M /dev/urandom | dd of="$MNT/swapfile" bs=1M conv=notrunc,fsync status=none iflag=fullblock
chmod 600 "$MNT/swapfile"
mkswap -q -L kjfile "$MNT/swapfile"
UUID=$(blkid -p -o value -s UUID "$MNT/swapfile")
expect_rc 0 "kjump-image extents (fragmented)" "$IMAGE" extents "$MNT/swapfile"
OFF=$(field resume_offset)
EXT=$(field extents)
N=$(tr ',' '\n' <<<"$EXT" | wc -l)
[ "$N" -ge 20 ] && pass "swap file is fragmented: $N extents" || fail "expected a fragmented file: $EXT"
want=$(map_swapfile_r "$MNT/swapfile")
[ "$OFF" = "$want" ] && pass "resume_offset $OFF, as map-swapfile -r says" ||
	fail "resume_offset $OFF, map-swapfile -r says $want"
cp "$MNT/swapfile" "$WORK/before"
umount "$MNT"

# extents_hold FILE DESC: every extent FILEPAGE:DEVPAGE:COUNT holds FILE's pages on the device
extents_hold() {
	local e f d c bad=0
	for e in ${EXT//,/ }; do
		IFS=: read -r f d c <<<"$e"
		cmp -s -n $((c * 4096)) -i $((f * 4096)):$((d * 4096)) "$1" "$WORK/fs.img" ||
			{ bad=$((bad + 1)); echo "    extent $e differs" >&2; }
	done
	[ $bad = 0 ] && pass "$2" || fail "$2: $bad of $N extents differ"
}
extents_hold "$WORK/before" "each of the $N extents holds the file's pages on the device"

swapfile_roundtrip "$WORK/fs.img" "$OFF" "$EXT" "$N"
btrfs check --readonly "$WORK/fs.img" >"$WORK/check.log" 2>&1 && pass "btrfs check: still clean" ||
	{ fail "btrfs check reports damage"; cat "$WORK/check.log" >&2; }
mount -o loop,ro "$WORK/fs.img" "$MNT"
cp "$MNT/swapfile" "$WORK/after"
cmp -s "$WORK/before" "$WORK/after" && fail "the image is not in the swap file" ||
	extents_hold "$WORK/after" "the image, read through btrfs, is in the swap file's extents"
blkid -p "$MNT/swapfile" >"$WORK/blkid.log" || true
grep -q 'TYPE="swsuspend"' "$WORK/blkid.log" && grep -q "UUID=\"$UUID\"" "$WORK/blkid.log" &&
	pass "the swap file shows the image with its own UUID" || fail "blkid: $(cat "$WORK/blkid.log")"
umount "$MNT"
expect_rc 0 "invalidate" "$IMAGE" invalidate --offset "$OFF" "$WORK/fs.img"
btrfs check --readonly "$WORK/fs.img" >"$WORK/check.log" 2>&1 && pass "btrfs check: clean after invalidate" ||
	{ fail "btrfs check reports damage after invalidate"; cat "$WORK/check.log" >&2; }

# 3. kjump-setup with a made-up /proc and /sys (its --root) and the file system mounted
# in it: the device is the file system's (its path from btrfs, below the root), the
# offset and extents are the same, and the swap file in use is found by them.
if loop_tree "$R" "$WORK/fs.img"; then
	printf 'Filename\tType\tSize\tUsed\tPriority\n/mnt/swapfile file 40956 0 -2\n' >"$R/proc/swaps"
	DEVICE="" OFFSET="" EXTENTS="" SWAPFILE="" ACTIVE="" NAME=""
	out=$("$KJ_BIN/kjump-setup" --root "$R" device --swapfile /mnt/swapfile) && eval "$out"
	[ "$DEVICE" = "$LOOP" ] && [ "$OFFSET" = "$OFF" ] && [ "$EXTENTS" = "$EXT" ] &&
		pass "kjump-setup device --swapfile: $LOOP, resume_offset and extents agree" ||
		fail "kjump-setup device --swapfile: '$out'"
	echo "BOOT_IMAGE=/vmlinuz resume=$LOOP resume_offset=$OFF" >"$R/proc/cmdline"
	out=$("$KJ_BIN/kjump-setup" --root "$R" device) && eval "$out"
	[ "$DEVICE" = "$LOOP" ] && [ "$OFFSET" = "$OFF" ] && [ "$SWAPFILE" = /mnt/swapfile ] &&
		pass "resume= and resume_offset= name the swap file in use" || fail "kjump-setup device: '$out'"
	out=$("$KJ_BIN/kjump-setup" --root "$R" swap-entry --device "$LOOP" --offset "$OFF") && eval "$out"
	[ "$ACTIVE" = 1 ] && [ "$NAME" = /mnt/swapfile ] && pass "swap-entry: the swap file in use" ||
		fail "swap-entry: '$out'"
	out=$("$KJ_BIN/kjump-setup" --root "$R" swap-entry --device "$LOOP" --offset $((OFF + 1))) && eval "$out"
	[ "$ACTIVE" = 0 ] && pass "another offset on the same device is not that swap file" || fail "swap-entry: '$out'"
elif [ "${KJUMP_REQUIRE_ALL:-}" = 1 ]; then
	fail "cannot make a device node for kjump-setup's run (KJUMP_REQUIRE_ALL=1)"
else
	echo "SKIP (kjump-setup's run): cannot make a device node here"
fi
# a copy-on-write file is refused (the kernel refuses it as swap: its pages move)
touch "$R/mnt/cow"
fallocate -l 1M "$R/mnt/cow"
expect_rc 1 "a copy-on-write file" "$IMAGE" extents "$R/mnt/cow"
expect_log "copy-on-write on btrfs: a swap file there must be nocow" "says it must be nocow"
umount "$R/mnt"

# 4. What a swap file on btrfs cannot be: DUP data, a second device.
truncate -s 320M "$WORK/dup.img"
mkfs.btrfs -q -f -d dup "$WORK/dup.img" >/dev/null 2>&1
mount -o loop "$WORK/dup.img" "$MNT"
btrfs filesystem mkswapfile -s 16m "$MNT/swapfile" >/dev/null
expect_rc 1 "a DUP data profile" "$IMAGE" extents "$MNT/swapfile"
expect_log "profile is not single \\(DUP or RAID" "says the data profile must be single"
expect_rc 1 "kjump-setup device --swapfile, DUP" "$KJ_BIN/kjump-setup" device --swapfile "$MNT/swapfile"
expect_log "cannot map swap file .*single data profile" "kjump-setup says so too"
umount "$MNT"

truncate -s 320M "$WORK/two.img" "$WORK/two-b.img"
mkfs.btrfs -q -f -d single "$WORK/two.img" >/dev/null 2>&1
mount -o loop "$WORK/two.img" "$MNT"
btrfs filesystem mkswapfile -s 16m "$MNT/swapfile" >/dev/null
expect_rc 0 "one device: mapped" "$IMAGE" extents "$MNT/swapfile"
LOOP2=$(losetup -f --show "$WORK/two-b.img")
btrfs device add -f "$LOOP2" "$MNT" >/dev/null
expect_rc 1 "a second device" "$IMAGE" extents "$MNT/swapfile"
expect_log "more than one device: a swap file needs a single-device btrfs" "says one device only"
umount "$MNT"
losetup -d "$LOOP2"
LOOP2=""
finish
