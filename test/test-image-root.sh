#!/bin/bash
# kjump-image --root: the one /sys read it makes (extents: the device's name from
# /sys/dev/block/MAJ:MIN/uevent) goes through the root prefix; the file and DEVICE
# arguments are paths as given.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"

dd if=/dev/urandom of="$WORK/swapfile" bs=4096 count=16 conv=fsync status=none
"$IMAGE" extents "$WORK/swapfile" >/dev/null 2>&1 || skip "no FIEMAP extents for a file in $WORK"
devno=$(stat -c '%Hd:%Ld' "$WORK/swapfile")

mkdir -p "$WORK/root/sys/dev/block/$devno" "$WORK/empty"
printf 'MAJOR=%s\nMINOR=%s\nDEVNAME=kjfake0\n' "${devno%:*}" "${devno#*:}" \
	>"$WORK/root/sys/dev/block/$devno/uevent"
expect_rc 0 "extents --root: runs" "$IMAGE" extents --root "$WORK/root" "$WORK/swapfile"
expect_log "^device=/dev/kjfake0 resume_offset=[0-9]+ extents=0:[0-9]+:16$" \
	"extents --root: the device's name from DIR/sys"
expect_rc 0 "extents --root (no /sys there): runs" "$IMAGE" extents --root "$WORK/empty" \
	"$WORK/swapfile"
expect_log "^device=$devno resume_offset=" "extents --root (no /sys there): MAJ:MIN, not the host's name"
expect_rc 2 "--root too long: usage error" "$IMAGE" extents --root "/$(printf 'x%.0s' {1..600})" \
	"$WORK/swapfile"
finish
