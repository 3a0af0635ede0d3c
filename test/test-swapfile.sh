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

swapfile_roundtrip "$WORK/fs.img" "$OFF" "$EXT" "$N"
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
# kjump-hibernate with a swap file (issue 25 item 3), kexec, kjump-image, swapoff and
# swapon replaced by recorders, /proc and /sys a made-up tree (KJUMP_ROOT) with the file
# system mounted in it: the swap file in use is found (by its device and first extent)
# and turned off and on again by its /proc/swaps name, and the status record is written
# and read at resume_offset, not on page 0 of the file system's device.
R=$WORK/hroot
mkdir -p "$R/sys/kernel" "$R/sys/devices/system/memory" "$WORK/bin"
if loop_tree "$R" "$WORK/fs.img"; then
	printf 'Filename\tType\tSize\tUsed\tPriority\n/dev/zram0 partition 1000 0 100\n/mnt/swapfile file 40956 0 -2\n' \
		>"$R/proc/swaps"
	printf 'MemTotal: 1000000 kB\nMemFree: 600000 kB\n' >"$R/proc/meminfo"
	echo "BOOT_IMAGE=/vmlinuz console=ttyS0 quiet" >"$R/proc/cmdline"
	echo 0 >"$R/sys/kernel/kexec_loaded"
	: >"$R/sys/devices/system/memory/probe"
	: >"$WORK/vmlinuz"
	: >"$WORK/initrd"
	for c in kjump-image swapoff swapon; do
		printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n' "$c" "$WORK" >"$WORK/bin/$c"
	done
	# kjump-image status --clear: no failure recorded (the image was saved and resumed)
	echo 'case $* in *--clear*) exit 1 ;; esac' >>"$WORK/bin/kjump-image"
	# kexec: the probe path cannot be opened (so -c --load-preserve-context is known);
	# -l keeps B's initramfs for a look at its settings
	cat >"$WORK/bin/kexec" <<FAKE
#!/bin/sh
for a; do case \$a in */kjump-kexec-probe) echo "Cannot open \\\`\$a': No such file" >&2; exit 1 ;;
--initrd=*) cp "\${a#--initrd=}" "$WORK/b-initrd" ;; esac; done
echo "kexec \$*" >>"$WORK/calls"
FAKE
	chmod +x "$WORK/bin/"*
	rc=0
	KJUMP_ROOT=$R KJUMP_CONF=/nonexistent KJUMP_STATE=$WORK/state KEXEC=$WORK/bin/kexec \
		KJUMP_SETUP=$KJ_BIN/kjump-setup KJUMP_IMAGE_KEY=/nonexistent PATH="$WORK/bin:$PATH" \
		sh "$KJ_SRC/hibernate/kjump-hibernate" --swapfile /mnt/swapfile --kernel "$WORK/vmlinuz" \
		--initrd "$WORK/initrd" >"$WORK/hib.log" 2>&1 || rc=$?
	# the load it starts in the background after a return: let it finish
	for _ in $(seq 50); do
		[ -f "$WORK/state/loading" ] && kill -0 "$(cat "$WORK/state/loading")" 2>/dev/null || break
		sleep 0.2
	done
	touch "$WORK/calls"
	[ $rc = 0 ] && grep -q "kjump-hibernate: resumed" "$WORK/hib.log" &&
		pass "kjump-hibernate --swapfile: hibernated and resumed" ||
		{ fail "kjump-hibernate --swapfile: exit $rc"; cat "$WORK/hib.log" >&2; }
	grep -q "^swapoff /mnt/swapfile$" "$WORK/calls" && grep -q "^swapon /mnt/swapfile$" "$WORK/calls" &&
		pass "the swap file in use was turned off for the jump and on again" ||
		{ fail "swapoff/swapon of the swap file"; cat "$WORK/calls" >&2; }
	grep -q "^kjump-image status --offset $OFF --no-flush --set .* $LOOP$" "$WORK/calls" &&
		grep -q "^kjump-image status --offset $OFF --clear $LOOP$" "$WORK/calls" &&
		pass "the status record is set and read at resume_offset $OFF" ||
		{ fail "status without --offset $OFF"; cat "$WORK/calls" >&2; }
	# with no --swapfile: resume= and resume_offset= of the command line name the swap
	# file in use that starts there (its extents come from it)
	echo "BOOT_IMAGE=/vmlinuz resume=$LOOP resume_offset=$OFF" >"$R/proc/cmdline"
	DEVICE="" OFFSET="" SWAPFILE=""
	out=$("$KJ_BIN/kjump-setup" --root "$R" device) && eval "$out"
	[ "$DEVICE" = "$LOOP" ] && [ "$OFFSET" = "$OFF" ] && [ "$SWAPFILE" = /mnt/swapfile ] &&
		pass "resume= and resume_offset= name the swap file in use" || fail "kjump-setup device: '$out'"
	ACTIVE=""
	out=$("$KJ_BIN/kjump-setup" --root "$R" swap-entry --device "$LOOP" --offset $((OFF + 1))) && eval "$out"
	[ "$ACTIVE" = 0 ] && pass "another offset on the same device is not that swap file" || fail "swap-entry: '$out'"
	conf=$(cpio -i --quiet --to-stdout etc/kjump/save.conf <"$WORK/b-initrd" 2>/dev/null || true)
	grep -q "^KJUMP_OFFSET='$OFF'$" <<<"$conf" && grep -q "^KJUMP_EXTENTS='$EXT'$" <<<"$conf" &&
		grep -q "^KJUMP_DEVICE='$LOOP'$" <<<"$conf" &&
		pass "B gets the swap file's device, resume_offset and extents" || fail "B's settings: $conf"
elif [ "${KJUMP_REQUIRE_ALL:-}" = 1 ]; then
	fail "cannot make a device node for kjump-hibernate's swap-file run (KJUMP_REQUIRE_ALL=1)"
else
	echo "SKIP (kjump-hibernate's swap-file run): cannot make a device node here"
fi
umount "$R/mnt"
finish
