#!/bin/bash
# Real kernel: kjump-resume finds its image through every resume= form, on a swap
# partition and in a swap file (resume_offset=), honours noresume, gives up on a
# missing device within kjump.timeout, and leaves plain swap after every attempt.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
vm_find_kernel
command -v sfdisk >/dev/null || skip "sfdisk (fdisk package) not installed"

vm_gpt_disk "$WORK/disk.img"
cat >"$WORK/scenario.sh" <<SCEN
set -u
SWAP_UUID=$VM_SWAP_UUID P1=$VM_P1_PARTUUID P2=$VM_P2_PARTUUID
SCEN
cat >>"$WORK/scenario.sh" <<'SCEN'
r() { # r NAME ARGS...: run kjump-resume, report its exit status
	name=$1; shift
	kjump-resume --log stderr "$@" >/tmp/out 2>&1; rc=$?
	sed 's/^/    /' /tmp/out
	echo "KJTEST: $name rc=$rc found=$(grep -c 'found image' /tmp/out)"
}
# An image of 16 MiB of memory above this kernel's RAM, as B would write it.
for a in 0x8000000 0x8001ff0 0x8123450 0x8fffffc; do devmem $a 32 0x6b6a756d; done
kjump-save --log stderr --memory devmem --ranges 0x8000000-0x9000000 --entry 0x8000000 \
	--output /dev/vda1 && echo "KJTEST: saved"
mm=$(cat /sys/class/block/vda1/dev); maj=${mm%:*}; min=${mm#*:}
hex=$(printf '%x%02x' "$maj" "$min")
NJ="--target null --no-jump"
r dev $NJ --cmdline "root=/dev/vda2 resume=/dev/vda1 quiet"
r uuid $NJ --cmdline "resume=UUID=$SWAP_UUID"
r label $NJ --cmdline "resume=LABEL=kjswap"
r partuuid $NJ --cmdline "resume=PARTUUID=$P1"
r partnroff $NJ --cmdline "resume=PARTUUID=$P2/PARTNROFF=-1"
r partlabel $NJ --cmdline "resume=PARTLABEL=kjswap-part"
r majmin $NJ --cmdline "resume=$mm"
r hex $NJ --cmdline "resume=$hex"
r byuuid $NJ --cmdline "resume=/dev/disk/by-uuid/$SWAP_UUID"
r bylabel $NJ --cmdline "resume=/dev/disk/by-label/kjswap"
r quoted $NJ --cmdline "\"resume=LABEL=kjswap\" kjump.timeout=1"
# in early boot, messages go to the kernel log (and console)
kjump-resume --cmdline "resume=/dev/vda1" --target null --no-jump 2>/dev/null
dmesg | grep -q "kjump-resume: found image" && echo "KJTEST: kmsg ok"
# noresume: invalidated, then nothing is found
r noresume $NJ --cmdline "resume=/dev/vda1 noresume"
r after-noresume $NJ --cmdline "resume=/dev/vda1"
# a device that never appears: the wait ends at kjump.timeout
t0=$(cut -d' ' -f1 /proc/uptime)
r missing $NJ --cmdline "resume=UUID=00000000-dead-beef-0000-000000000000 kjump.timeout=2"
t1=$(cut -d' ' -f1 /proc/uptime)
echo "KJTEST: missing waited $(echo "$t0 $t1" | awk '{printf "%d", ($2-$1)*1000}') ms"
# a swap file on ext4, written through its extents, found with resume_offset=
mkdir -p /mnt && mount /dev/vda2 /mnt
dd if=/dev/zero of=/mnt/swapfile bs=1M count=40 2>/dev/null && chmod 600 /mnt/swapfile
mkswap -L kjfile /mnt/swapfile >/dev/null
kjump-image extents /mnt/swapfile >/tmp/ext && cat /tmp/ext
umount /mnt
off=$(sed -n 's/.*resume_offset=\([0-9]*\).*/\1/p' /tmp/ext)
ext=$(sed -n 's/.*extents=\([0-9:,]*\).*/\1/p' /tmp/ext)
kjump-save --log stderr --memory devmem --ranges 0x8000000-0x8800000 --entry 0x8000000 \
	--output /dev/vda2 --offset "$off" --extents "$ext" && echo "KJTEST: saved swapfile"
r swapfile $NJ --cmdline "resume=LABEL=kjdata resume_offset=$off"
r swapfile-noresume $NJ --cmdline "resume=/dev/vda2 resume_offset=$off noresume"
r swapfile-after $NJ --cmdline "resume=/dev/vda2 resume_offset=$off"
# a corrupt image: refused and invalidated
kjump-save --log stderr --memory devmem --ranges 0x8000000-0x8100000 --entry 0x8000000 \
	--output /dev/vda1 >/dev/null 2>&1
printf 'X' | dd of=/dev/vda1 bs=1 seek=4200 conv=notrunc 2>/dev/null
r corrupt --target devmem --no-hotplug --cmdline "resume=/dev/vda1"
# a mounted read-write filesystem: refused
kjump-save --log stderr --memory devmem --ranges 0x8000000-0x8100000 --entry 0x8000000 \
	--output /dev/vda1 >/dev/null 2>&1
mount /dev/vda2 /mnt
r mounted --target devmem --no-hotplug --cmdline "resume=/dev/vda1"
umount /mnt
sync
SCEN
vm_initramfs "$WORK/initrd.gz" "$WORK/scenario.sh"
vm_run "$WORK/console.log" 90 "memmap=exactmap memmap=636K@0 memmap=127M@1M" -m 512M \
	-initrd "$WORK/initrd.gz" -drive "file=$WORK/disk.img,format=raw,if=virtio"

vm_expect "$WORK/console.log" "KJTEST: saved$" "image saved from /dev/mem in the VM"
for f in dev uuid label partuuid partnroff partlabel majmin hex byuuid bylabel quoted swapfile; do
	vm_expect "$WORK/console.log" "KJTEST: $f rc=0 found=1" "resume= form '$f' finds the image"
done
vm_expect "$WORK/console.log" "found image of .* \\(16 MiB, 1 blocks, lzo\\)" "the image holds the pages written in the VM"
vm_expect "$WORK/console.log" "KJTEST: kmsg ok" "early-boot messages go to the kernel log"
vm_expect "$WORK/console.log" "KJTEST: noresume rc=1" "noresume: boot continues"
vm_expect "$WORK/console.log" "noresume: the image on /dev/vda1 was invalidated" "noresume invalidates"
vm_expect "$WORK/console.log" "KJTEST: after-noresume rc=1 found=0" "nothing found after noresume"
vm_expect "$WORK/console.log" "KJTEST: missing rc=1" "missing device: boot continues"
vm_expect "$WORK/console.log" "did not appear within 2\.[0-9] s" "missing device: says it gave up after 2 s"
ms=$(sed -n 's/.*KJTEST: missing waited \([0-9]*\) ms.*/\1/p' "$WORK/console.log")
[ -n "$ms" ] && [ "$ms" -ge 1900 ] && [ "$ms" -lt 4000 ] && pass "waited ${ms} ms for a 2 s timeout" ||
	fail "missing-device wait was '${ms}' ms"
vm_expect "$WORK/console.log" "KJTEST: swapfile-noresume rc=1" "swap file: noresume"
vm_expect "$WORK/console.log" "KJTEST: swapfile-after rc=1 found=0" "swap file invalidated"
vm_expect "$WORK/console.log" "KJTEST: corrupt rc=3" "corrupt image refused"
vm_expect "$WORK/console.log" "KJTEST: mounted rc=4" "refused while a filesystem is mounted read-write"
vm_expect "$WORK/console.log" "/dev/vda2 on /mnt is mounted read-write" "says which filesystem"
vm_expect "$WORK/console.log" "KJTEST: scenario exit" "scenario ran to the end"
grep -q 'TYPE="swap"' <(vm_p1_blkid "$WORK/disk.img") && grep -q "UUID=\"$VM_SWAP_UUID\"" <(vm_p1_blkid "$WORK/disk.img") &&
	pass "host blkid: p1 is plain swap with its UUID after the attempts" ||
	fail "host blkid: $(vm_p1_blkid "$WORK/disk.img")"
finish
