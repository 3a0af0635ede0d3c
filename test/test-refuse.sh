#!/bin/bash
# Keep or invalidate (kjump-resume(8), KEEP OR INVALIDATE): no refused image outlives
# the boot, which goes on to mount filesystems read-write. An image that this boot's
# setup cannot resume (no image key in the initramfs, a device or the kernel where the
# image's memory is, no or an unreadable EFI runtime map, lockdown) can still be saved:
# the console says what is wrong and what to do, that the image is kept for now and to
# power off, and the image is invalidated once kjump.keep_wait= seconds have passed
# (at once with 0); kjump.keep keeps it. An image that is not usable, another
# machine's, or stale (a filesystem mounted read-write) is invalidated at once.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
make_root "$WORK/a"
make_memory "$WORK/mem"
RANGES=0x0-0x1000,0x9f000-0xa0000,0x8000000-0x1ffe0000
head -c 32 /dev/urandom >"$WORK/key"

save() { # save ROOT [SAVE ARGS...]: a fresh image in $WORK/good
	local root=$1
	shift
	rm -f "$WORK/good"
	"$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" --entry 0x8234567 --output "$WORK/good" \
		--create 400M --root "$root" -q "$@"
}
# refused WANT DESC ROOT [RESUME ARGS...]: a copy of the image refused with status WANT
refused() {
	local want=$1 desc=$2 root=$3
	shift 3
	cp "$WORK/good" "$WORK/swap"
	expect_rc "$want" "$desc: refused" "$RESUME" --device "$WORK/swap" --root "$root" "$@"
}
kept() {
	expect_log "keeping the image \(--keep, kjump.keep\)" "$1: says the image is kept"
	expect_rc 0 "$1: the image is kept" "$IMAGE" verify "$WORK/swap"
}
invalidated() {
	expect_log "image invalidated" "$1: says the image is invalidated"
	expect_rc 1 "$1: the image is invalidated" "$IMAGE" verify "$WORK/swap"
}
# savable WANT DESC REGEX ROOT CMDLINE [RESUME ARGS...]: a refusal that powering off now
# could still save, said as REGEX: invalidated after kjump.keep_wait=0, kept with kjump.keep
savable() {
	local want=$1 desc=$2 re=$3 root=$4 cl=$5
	shift 5
	refused "$want" "$desc" "$root" --cmdline "$cl kjump.keep_wait=0" "$@"
	expect_log "$re" "$desc: says '$re'"
	invalidated "$desc, kjump.keep_wait=0"
	refused "$want" "$desc, kjump.keep" "$root" --cmdline "$cl kjump.keep" "$@"
	kept "$desc, kjump.keep"
}

# The resume kernel's root: /dev/mem as a file, the region on the command line.
make_root "$WORK/d"
mkdir -p "$WORK/d/dev" && truncate -s 512M "$WORK/d/dev/mem"
CL="memmap=exactmap memmap=636K@0 memmap=127M@1M"
save "$WORK/a"
refused 0 "control: nothing in the way" "$WORK/d" --cmdline "$CL" --no-jump
cp "$WORK/d/proc/iomem" "$WORK/iomem.orig"

# A device in the image's memory "now": savable (the message says what is in the way).
echo "10000000-10003fff : 0000:00:04.0" >>"$WORK/d/proc/iomem"
savable 4 "a device inside the image's memory" "this boot holds \"0000:00:04.0\"" "$WORK/d" "$CL" \
	--no-jump
cp "$WORK/iomem.orig" "$WORK/d/proc/iomem"

# Locked down: the jump is impossible in this boot: savable.
mkdir -p "$WORK/d/sys/kernel/security"
echo "none [integrity] confidentiality" >"$WORK/d/sys/kernel/security/lockdown"
savable 5 "locked down" "locked down \(integrity\).*boot without lockdown=" "$WORK/d" "$CL"
# The wait (kjump.keep_wait=1): one line says what is wrong, what to do, that the image
# is kept for now and to power off; then the image is invalidated, and the boot goes on.
t0=$(date +%s%N)
refused 5 "locked down, kjump.keep_wait=1" "$WORK/d" --cmdline "$CL kjump.keep_wait=1"
t1=$(date +%s%N)
expect_log "cannot resume this image: this kernel is locked down .*boot without lockdown=.*\. The image is kept for now: power off within 1 s \(nothing is mounted yet\), fix this and boot again to resume it" \
	"kjump.keep_wait=1: one line: what, what to do, kept for now, power off"
expect_log "no power-off within 1 s: invalidating the image" "kjump.keep_wait=1: says the wait is over"
[ $(((t1 - t0) / 1000000)) -ge 1000 ] && pass "kjump.keep_wait=1: waited at least 1 s" ||
	fail "kjump.keep_wait=1: returned after $(((t1 - t0) / 1000000)) ms"
invalidated "locked down, kjump.keep_wait=1"
# --keep: as kjump.keep
refused 5 "locked down, --keep" "$WORK/d" --cmdline "$CL" --keep
kept "locked down, --keep"
rm -r "$WORK/d/sys/kernel/security"

# A filesystem mounted read-write: the image is stale for good: invalidated.
printf '%s\n' '/dev/vda2 / ext4 rw,relatime 0 0' >"$WORK/d/proc/mounts"
refused 4 "a filesystem mounted read-write" "$WORK/d" --cmdline "$CL" --no-jump
expect_log "is mounted read-write" "a filesystem mounted read-write: says so"
if grep -q "kept for now" "$WORK/out.log"; then fail "a filesystem mounted read-write: kept"
else pass "a filesystem mounted read-write: not kept for a moment"; fi
invalidated "a filesystem mounted read-write"
rm "$WORK/d/proc/mounts"

# Another machine's memory map: invalidated.
make_root "$WORK/other"
sed -i 's/0x1ffdffff/0x2ffdffff/' "$WORK/other/sys/firmware/memmap/3/end"
refused 4 "another machine's memory map" "$WORK/other" --target null
invalidated "another machine's memory map"

# Corrupt: invalidated.
cp "$WORK/good" "$WORK/swap"
printf 'X' | dd of="$WORK/swap" bs=1 seek=$((4096 + 200)) conv=notrunc status=none
expect_rc 3 "corrupt header: refused" "$RESUME" --device "$WORK/swap" --root "$WORK/d" --target null
invalidated "corrupt header"

# Saved under UEFI: this boot without an EFI runtime map, or with one that cannot be
# read, cannot check the firmware: savable.
efi_map "$WORK/a" "$KJ_SRC/test/data/efi/ovmf-1g-full.txt"
save "$WORK/a"
make_root "$WORK/c"
savable 4 "no EFI runtime map" "this boot has no EFI runtime map" "$WORK/c" "" --target null
efi_map "$WORK/c" "$KJ_SRC/test/data/efi/ovmf-1g-restricted.txt"
echo "not-a-number" >"$WORK/c/sys/firmware/efi/runtime-map/0/phys_addr"
savable 4 "an unreadable EFI runtime map" "this boot has an unreadable EFI runtime map" "$WORK/c" "" \
	--target null
# ... and a different one: another machine's firmware: invalidated.
efi_map "$WORK/c" "$KJ_SRC/test/data/efi/ovmf-1g-restricted.txt"
grep -v '^0xb ' "$KJ_SRC/test/data/efi/ovmf-1g-restricted.txt" >"$WORK/c.map"
efi_map "$WORK/c" "$WORK/c.map"
refused 4 "a different EFI runtime map" "$WORK/c" --target null
invalidated "a different EFI runtime map"
rm -rf "$WORK/a/sys/firmware/efi"

# An authenticated image and an initramfs without the key (not rebuilt after
# --add-image-key): savable, and resumed by one with the key when kept.
save "$WORK/a" --mac-key "$WORK/key"
savable 4 "no image key here" "boot an initramfs that holds the image key" "$WORK/a" "" --target null
expect_rc 0 "no image key here: resumed with the key" "$RESUME" --device "$WORK/swap" \
	--root "$WORK/a" --target null --mac-key "$WORK/key"
# ... with another key: invalidated.
head -c 32 /dev/urandom >"$WORK/key2"
refused 3 "another image key" "$WORK/a" --target null --mac-key "$WORK/key2"
invalidated "another image key"
finish
