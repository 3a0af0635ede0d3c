#!/bin/bash
# Capture the memory-related /proc and /sys files of a QEMU guest into a small tarball,
# for the fake-tree tests of memhotplug. Usage: capture-memtree.sh NAME QEMU_MEM APPEND
# (writes test/data/memtrees/NAME.tar.gz). Kept so the trees can be made again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
vm_find_kernel
name=$1 mem=$2 append=$3
cat >"$WORK/scenario.sh" <<'SCEN'
c=/tmp/cap
for f in /proc/iomem /proc/meminfo /proc/cmdline /proc/sys/kernel/threads-max \
	/proc/sys/fs/file-max /sys/power/image_size /sys/devices/system/memory/block_size_bytes \
	/sys/devices/system/memory/auto_online_blocks /sys/devices/system/memory/probe \
	/sys/firmware/memmap/*/* /sys/devices/system/memory/memory*/state \
	/sys/devices/system/memory/memory*/phys_index; do
	[ -e "$f" ] || continue
	mkdir -p "$c$(dirname "$f")"
	cat "$f" >"$c$f" 2>/dev/null || : >"$c$f"
done
(cd $c && tar cf - .) >/dev/vda && echo "KJTEST: captured"
SCEN
truncate -s 8M "$WORK/cap.img"
vm_initramfs "$WORK/initrd.gz" "$WORK/scenario.sh"
vm_run "$WORK/console.log" 60 "$append" -m "$mem" -initrd "$WORK/initrd.gz" \
	-drive "file=$WORK/cap.img,format=raw,if=virtio"
grep -q "KJTEST: captured" "$WORK/console.log" || { tail "$WORK/console.log"; exit 1; }
mkdir -p "$WORK/tree"
tar xf "$WORK/cap.img" -C "$WORK/tree"
tar czf "$KJ_SRC/test/data/memtrees/$name.tar.gz" --owner=0 --group=0 --sort=name \
	--mtime=@0 -C "$WORK/tree" .
echo "captured $name: $(du -h "$KJ_SRC/test/data/memtrees/$name.tar.gz" | cut -f1)"
