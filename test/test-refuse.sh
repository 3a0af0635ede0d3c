#!/bin/bash
# Keep or invalidate (kjump-resume(8), KEEP OR INVALIDATE): an image that this boot's
# setup cannot resume, where the user must act before the next boot (no image key in
# the initramfs, a device or the kernel where the image's memory is, no or an
# unreadable EFI runtime map, lockdown), is kept and the console says so; an image
# that is not usable, another machine's, or stale (a filesystem mounted read-write) is
# invalidated.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
make_root "$WORK/a"
make_memory "$WORK/mem"
RANGES=0x0-0x1000,0x9f000-0xa0000,0x8000000-0x1ffe0000
head -c 32 /dev/urandom >"$WORK/key"

# efi_map ROOT FILE: a fake /sys/firmware/efi/runtime-map from a captured map
efi_map() {
	local i=0 t p v n a
	rm -rf "$1/sys/firmware/efi"
	mkdir -p "$1/sys/firmware/efi/runtime-map"
	while read -r t p v n a; do
		mkdir -p "$1/sys/firmware/efi/runtime-map/$i"
		echo "$t" >"$1/sys/firmware/efi/runtime-map/$i/type"
		echo "$p" >"$1/sys/firmware/efi/runtime-map/$i/phys_addr"
		echo "$v" >"$1/sys/firmware/efi/runtime-map/$i/virt_addr"
		echo "$n" >"$1/sys/firmware/efi/runtime-map/$i/num_pages"
		echo "$a" >"$1/sys/firmware/efi/runtime-map/$i/attribute"
		i=$((i + 1))
	done <"$2"
}
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
	expect_log "the image is kept: fix the above and boot again now, before this boot mounts" \
		"$1: says the image is kept and what to do"
	expect_rc 0 "$1: the image is kept" "$IMAGE" verify "$WORK/swap"
}
invalidated() {
	expect_log "image invalidated" "$1: says the image is invalidated"
	expect_rc 1 "$1: the image is invalidated" "$IMAGE" verify "$WORK/swap"
}

# The resume kernel's root: /dev/mem as a file, the region on the command line.
make_root "$WORK/d"
mkdir -p "$WORK/d/dev" && truncate -s 512M "$WORK/d/dev/mem"
CL="memmap=exactmap memmap=636K@0 memmap=127M@1M"
save "$WORK/a"
refused 0 "control: nothing in the way" "$WORK/d" --cmdline "$CL" --no-jump
cp "$WORK/d/proc/iomem" "$WORK/iomem.orig"

# A device in the image's memory "now": kept (the message says what to change).
echo "10000000-10003fff : 0000:00:04.0" >>"$WORK/d/proc/iomem"
refused 4 "a device inside the image's memory" "$WORK/d" --cmdline "$CL" --no-jump
kept "a device inside the image's memory"
cp "$WORK/iomem.orig" "$WORK/d/proc/iomem"

# Locked down: the jump is impossible in this boot: kept.
mkdir -p "$WORK/d/sys/kernel/security"
echo "none [integrity] confidentiality" >"$WORK/d/sys/kernel/security/lockdown"
refused 5 "locked down" "$WORK/d" --cmdline "$CL"
kept "locked down"
rm -r "$WORK/d/sys/kernel/security"

# A filesystem mounted read-write: the image is stale for good: invalidated.
printf '%s\n' '/dev/vda2 / ext4 rw,relatime 0 0' >"$WORK/d/proc/mounts"
refused 4 "a filesystem mounted read-write" "$WORK/d" --cmdline "$CL" --no-jump
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
# read, cannot check the firmware: kept.
efi_map "$WORK/a" "$KJ_SRC/test/data/efi/ovmf-1g-full.txt"
save "$WORK/a"
make_root "$WORK/c"
refused 4 "no EFI runtime map" "$WORK/c" --target null
expect_log "this boot has no EFI runtime map" "no EFI runtime map: says why"
kept "no EFI runtime map"
efi_map "$WORK/c" "$KJ_SRC/test/data/efi/ovmf-1g-restricted.txt"
echo "not-a-number" >"$WORK/c/sys/firmware/efi/runtime-map/0/phys_addr"
refused 4 "an unreadable EFI runtime map" "$WORK/c" --target null
expect_log "this boot has an unreadable EFI runtime map" "unreadable EFI runtime map: says why"
kept "an unreadable EFI runtime map"
# ... and a different one: another machine's firmware: invalidated.
efi_map "$WORK/c" "$KJ_SRC/test/data/efi/ovmf-1g-restricted.txt"
grep -v '^0xb ' "$KJ_SRC/test/data/efi/ovmf-1g-restricted.txt" >"$WORK/c.map"
efi_map "$WORK/c" "$WORK/c.map"
refused 4 "a different EFI runtime map" "$WORK/c" --target null
invalidated "a different EFI runtime map"
rm -rf "$WORK/a/sys/firmware/efi"

# An authenticated image and an initramfs without the key (not rebuilt after
# --add-image-key): kept, and resumed by one with the key.
save "$WORK/a" --mac-key "$WORK/key"
refused 4 "no image key here" "$WORK/a" --target null
expect_log "boot an initramfs that holds the image key" "no image key here: says what to do"
kept "no image key here"
expect_rc 0 "no image key here: resumed with the key" "$RESUME" --device "$WORK/swap" \
	--root "$WORK/a" --target null --mac-key "$WORK/key"
# ... with another key: invalidated.
head -c 32 /dev/urandom >"$WORK/key2"
refused 3 "another image key" "$WORK/a" --target null --mac-key "$WORK/key2"
invalidated "another image key"
finish
