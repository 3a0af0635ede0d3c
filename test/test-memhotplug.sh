#!/bin/bash
# kjump-memhotplug on fake trees captured from QEMU guests: the dry-run plan of each
# matches the expected one, and without a probe interface the fallback (kexec into a
# full-memory kernel with the restriction dropped) is planned, or refused with a reason.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
MH=$KJ_BIN/kjump-memhotplug
DATA=$KJ_SRC/test/data/memtrees

for plan in "$DATA"/*.plan; do
	t=$(basename "$plan" .plan)
	mkdir -p "$WORK/$t"
	tar xzf "$DATA/$t.tar.gz" -C "$WORK/$t"
	"$MH" --root "$WORK/$t" --dry-run --log stderr >"$WORK/$t.out" 2>&1 || true
	if diff -u "$plan" "$WORK/$t.out" >"$WORK/$t.diff"; then pass "plan for $t"; else
		fail "plan for $t differs"; cat "$WORK/$t.diff" >&2; fi
done
# Dry run changes nothing
before=$(cd "$WORK/q1g-mem256" && find . -type f -exec md5sum {} + | sort | md5sum)
"$MH" --root "$WORK/q1g-mem256" --dry-run --log stderr >/dev/null 2>&1
after=$(cd "$WORK/q1g-mem256" && find . -type f -exec md5sum {} + | sort | md5sum)
[ "$before" = "$after" ] && pass "dry run writes nothing" || fail "dry run changed the tree"

# No probe interface (a distribution kernel): the boot with all memory (kexec_file_load
# and the reboot are unit-memhp's, through the syscall seam), planned with --dry-run
t=$WORK/noprobe
mkdir -p "$t" && tar xzf "$DATA/q1g-exactmap16.tar.gz" -C "$t"
rm "$t/sys/devices/system/memory/probe"
# bzimage FILE INIT_SIZE_MIB: enough of a bzImage for the fallback (the boot header's
# magic, version 2.15 and init_size)
bzimage() {
	head -c 4096 /dev/zero >"$1"
	printf 'HdrS\017\002' | dd of="$1" bs=1 seek=$((0x202)) conv=notrunc status=none
	printf '%b%b' "\\0$(printf %o $(($2 * 16 % 256)))" "\\0$(printf %o $(($2 * 16 / 256)))" |
		dd of="$1" bs=1 seek=$((0x262)) conv=notrunc status=none
}
mkdir -p "$t/boot" && bzimage "$t/boot/vmlinuz-full" 20 && echo initrd >"$t/boot/initrd-full"
cl="root=/dev/vda2 memmap=exactmap memmap=640K@0 memmap=240M@16M retain_initrd console=ttyS0"
expect_rc 0 "fallback: kexec into the full-memory kernel" "$MH" --root "$t" --log stderr --dry-run \
	--fallback-kernel /boot/vmlinuz-full --fallback-initrd /boot/initrd-full --cmdline "$cl"
expect_log "no memory probe interface: booting /boot/vmlinuz-full with all memory" "says why it falls back"
expect_log "would kexec /boot/vmlinuz-full with /boot/initrd-full and: root=/dev/vda2 console=ttyS0 kjump.fallback=done$" \
	"the restriction and retain_initrd dropped, the fallback marked done"
expect_rc 1 "no second fallback" "$MH" --root "$t" --log stderr --fallback-kernel /boot/vmlinuz-full \
	--fallback-initrd /boot/initrd-full --cmdline "root=/dev/vda2 kjump.fallback=done"
expect_log "already booted through the fallback kernel" "kexec not planned again after a fallback boot"
expect_rc 0 "no kernel in the initramfs: continue" "$MH" --root "$t" --log stderr --cmdline "$cl"
expect_log "no memory probe interface.*no kernel to boot with all memory.*stay unused" "loud warning names what is lost"
# the defaults: the kernel kjump's hooks put into the initramfs, this boot's kept initrd
mkdir -p "$t/usr/lib/kjump" "$t/sys/firmware"
bzimage "$t/usr/lib/kjump/vmlinuz" 20
expect_rc 1 "initrd not kept (no retain_initrd)" "$MH" --root "$t" --log stderr --dry-run --cmdline "$cl"
expect_log "initrd was not kept .*retain_initrd" "says how to keep it"
echo initrd >"$t/sys/firmware/initrd"
expect_rc 0 "the defaults" "$MH" --root "$t" --log stderr --dry-run --cmdline "$cl"
expect_log "would kexec /usr/lib/kjump/vmlinuz with /sys/firmware/initrd and: " "the initramfs's kernel and the kept initrd"
# more than the kernel takes (at most half of RAM) or can hold while loading
truncate -s 90M "$t/sys/firmware/initrd"
expect_rc 1 "too big for this boot's memory" "$MH" --root "$t" --log stderr --dry-run --cmdline "$cl"
expect_log "take 110 MiB \(at most half of RAM, 107 MiB\) and 216 MiB while loading \(194 MiB available\): make the resume region larger" \
	"says what it needs and what there is"
# No hotplug at all (no /sys/devices/system/memory)
rm -rf "$t/sys/devices/system/memory"
expect_rc 1 "kernel without memory hotplug" "$MH" --root "$t" --log stderr
expect_log "no memory hotplug in this kernel" "says so in one line"
finish
