#!/bin/bash
# What the resume kernel's own boot holds must match the image, before anything is
# written: the EFI runtime map recorded at hibernation (the firmware the hibernated
# kernel keeps calling), and nothing of this boot (a device, its kernel placed by
# KASLR) inside the memory the image is written to directly.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"


make_root "$WORK/a"
make_memory "$WORK/mem"
RANGES=0x0-0x1000,0x9f000-0xa0000,0x8000000-0x1ffe0000
# B on a UEFI machine: kexec-tools handed it the hibernated kernel's runtime map
efi_map "$WORK/a" "$KJ_SRC/test/data/efi/ovmf-1g-full.txt"
expect_rc 0 "save on a UEFI machine" "$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" \
	--entry 0x8234567 --output "$WORK/swap" --create 400M --root "$WORK/a"
expect_rc 0 "info" "$IMAGE" info "$WORK/swap"
expect_log "EFI runtime: +5 regions" "info shows the recorded EFI runtime map"
expect_log "EFI region: +0x3f5ec000-0x3f6ebfff runtime code at 0xfffffffeff1ec000" "info lists its regions"
expect_rc 0 "info --json" "$IMAGE" info --json "$WORK/swap"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["efi_runtime"]; assert e["regions"]==5 and e["first"][4]["type"]==11, e' \
	"$WORK/out.log" && pass "info --json has the EFI runtime map" || fail "info --json efi_runtime"

# C: a boot restricted to its region lists ~100 boot-services regions besides: ignored
make_root "$WORK/c"
efi_map "$WORK/c" "$KJ_SRC/test/data/efi/ovmf-1g-restricted.txt"
expect_rc 0 "the same runtime regions in a restricted boot" "$RESUME" --device "$WORK/swap" \
	--target null --root "$WORK/c" --dry-run
# one region relocated to another virtual address
grep -v '^0x6 0x3f4ec000' "$KJ_SRC/test/data/efi/ovmf-1g-restricted.txt" >"$WORK/c.map"
echo "0x6 0x3f4ec000 0xfffffffeff2ec000 0x100 0x800000000000000f" >>"$WORK/c.map"
efi_map "$WORK/c" "$WORK/c.map"
expect_rc 4 "a runtime region at another virtual address" "$RESUME" --device "$WORK/swap" \
	--target null --root "$WORK/c" --dry-run
expect_log "EFI runtime map differs .*runtime data 0x3f4ec000\\+256 pages at 0xfffffffeff0ec000 then.* at 0xfffffffeff2ec000 now" \
	"names the region that moved"
grep -v '^0xb ' "$KJ_SRC/test/data/efi/ovmf-1g-restricted.txt" >"$WORK/c.map"
efi_map "$WORK/c" "$WORK/c.map"
expect_rc 4 "a runtime region missing" "$RESUME" --device "$WORK/swap" --target null \
	--root "$WORK/c" --dry-run
expect_log "EFI runtime map differs .*5 regions then, 4 now" "counts the regions"
rm -rf "$WORK/c/sys/firmware/efi"
expect_rc 4 "booted without UEFI" "$RESUME" --device "$WORK/swap" --target null \
	--root "$WORK/c" --dry-run
expect_log "saved with 5 EFI runtime regions, but this boot has no EFI runtime map" "says why"
expect_rc 0 "dry runs leave the refused image as it was" "$IMAGE" verify "$WORK/swap"

# Direct writes through /dev/mem: nothing of this boot may sit in the windows.
rm -rf "$WORK/a/sys/firmware/efi"
rm -f "$WORK/swap"
expect_rc 0 "save (BIOS)" "$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" \
	--entry 0x8234567 --output "$WORK/swap" --create 400M --root "$WORK/a"
make_root "$WORK/d"
truncate -s 512M "$WORK/d/dev-mem" && mkdir -p "$WORK/d/dev" && mv "$WORK/d/dev-mem" "$WORK/d/dev/mem"
CL="memmap=exactmap memmap=636K@0 memmap=127M@1M"
expect_rc 0 "no conflict: loads through /dev/mem" "$RESUME" --device "$WORK/swap" --root "$WORK/d" \
	--cmdline "$CL" --no-jump --keep
expect_log "this kernel lies at 0x1000000-0x1ffffff, inside its region" "says where this kernel is"
# a filesystem already mounted read-write (mount points with spaces are escaped)
printf '%s\n' 'proc /proc proc rw 0 0' '/dev/vdb1 /mnt/data\040disk ext4 ro,relatime 0 0' >"$WORK/d/proc/mounts"
expect_rc 0 "read-only mounts are fine" "$RESUME" --device "$WORK/swap" --root "$WORK/d" \
	--cmdline "$CL" --no-jump --keep
printf '%s\n' '/dev/vda2 /mnt/my\040root ext4 rw,relatime 0 0' >>"$WORK/d/proc/mounts"
expect_rc 4 "a filesystem mounted read-write" "$RESUME" --device "$WORK/swap" --root "$WORK/d" \
	--cmdline "$CL" --no-jump --keep
expect_log "/dev/vda2 on /mnt/my root is mounted read-write" "names it, mount point unescaped"
rm "$WORK/d/proc/mounts"
# a device BAR placed in the hibernated system's RAM
cp "$WORK/d/proc/iomem" "$WORK/iomem.orig"
echo "10000000-10003fff : 0000:00:04.0" >>"$WORK/d/proc/iomem"
truncate -s 0 "$WORK/d/dev/mem" && truncate -s 512M "$WORK/d/dev/mem"
expect_rc 4 "a device inside the image's memory" "$RESUME" --device "$WORK/swap" --root "$WORK/d" \
	--cmdline "$CL" --no-jump --keep
expect_log "this boot holds \"0000:00:04.0\" at 0x10000000-0x10003fff, inside the hibernated system's RAM" \
	"names the device and its range"
if [ "$(tr -d '\0' <"$WORK/d/dev/mem" | wc -c)" = 0 ]; then pass "nothing was written before refusing"
else fail "memory written before the refusal"; fi
expect_rc 0 "the refused image is still there (--keep)" "$IMAGE" verify "$WORK/swap"
# this kernel placed outside its region by KASLR: the kernel declares it RAM (staged)
grep -v "Kernel code" "$WORK/iomem.orig" >"$WORK/d/proc/iomem"
cat >>"$WORK/d/proc/iomem" <<'IOMEM'
12a00000-1442ffff : System RAM
  12a00000-13601db1 : Kernel code
  1429f000-143fffff : Kernel bss
14430000-17ffffff : RAM buffer
IOMEM
expect_rc 0 "kernel outside its region, RAM buffer mappable: staged and loaded" "$RESUME" \
	--device "$WORK/swap" --root "$WORK/d" --cmdline "$CL" --no-jump --keep
expect_log "this kernel lies at 0x12a00000-0x143fffff, outside its region \\(placed by KASLR\\)" \
	"says the kernel is outside its region"
expect_log "plan: [0-9.]+ MiB direct, 26.2 MiB staged" "the kernel's span is staged"
finish
