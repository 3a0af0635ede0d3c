#!/bin/bash
# The whole cycle on Debian's own kernels (../shared/testkernel/debian, or
# KJUMP_DEBIAN_KERNEL_DIR): drivers are modules, so A, B and C load virtio_blk from
# their initramfs (kjump-coldplug); KASLR; no memory probe. A churns 300 MiB, keeps
# 64 MiB of random data and a 64 MiB patterned process, and hibernates twice; C, booted
# with the region A names, resumes it each time; a last boot finds no image and goes on.
# Usage: test-kernels.sh [6.12|7.3 ...]
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cycle.sh"
dir=${KJUMP_DEBIAN_KERNEL_DIR:-$KJ_SRC/../shared/testkernel/debian}
[ -x "$KJ_BIN/test/memhog" ] || skip "memhog not built"

# b_log LOG: B's part of a console log (from kjump-save-init's first line), in LOG.b
b_log() { sed -n '/kjump: hibernating kernel up after/,$p' "$1" >"$1.b"; }

variants=${*:-6.12 7.3}
for v in $variants; do
	start=$SECONDS
	k=''
	for f in "$dir/bzImage-$v".*-kjump; do [ -f "$f" ] && k=$f; done
	[ -n "$k" ] || skip "no Debian kernel $v in $dir (KJUMP_DEBIAN_KERNEL_DIR)"
	mods=$dir/modules-${k##*/bzImage-}.tar.xz
	[ -f "$mods" ] || skip "no modules for $k: $mods"
	KJUMP_TEST_KERNEL=$k vm_find_kernel
	VM_MODULES=$mods cycle_prepare
	l=$WORK/$v
	vm_gpt_disk "$l.disk" 1200
	export CYCLE_TIMEOUT=240
	cycle_qemu "$l.1.log" 1G "kjtest.cycles=2 kjtest.churn=300 kjtest.keep=64 kjtest.hog=64" \
		"$WORK/a.cpio.gz" "$l.disk"
	TOKEN=$(token_of "$l.1.log")
	region="$(resume_region "$l.1.log") resume=/dev/vda1"
	echo "  $v: C's region: $region"
	cycle_qemu "$l.2.log" 1G "$region" "$WORK/c.cpio.gz" "$l.disk"
	check_resumed "$v (first)" "$l.1.log" "$l.2.log" 1
	cycle_qemu "$l.3.log" 1G "$region" "$WORK/c.cpio.gz" "$l.disk"
	check_resumed "$v (second)" "$l.2.log" "$l.3.log" 2
	vm_expect "$l.3.log" "KJTEST: workload done" "$v: A finished its work after the second resume"
	for c in 1 2; do
		b_log "$l.$c.log"
		vm_expect "$l.$c.log.b" "kjump-coldplug: /dev/vda1 there; modules loaded:.* virtio_blk" \
			"$v: B (cycle $c) loaded virtio_blk from its modules"
		vm_expect "$l.$c.log.b" "kjump-save: page filter: " "$v: B (cycle $c) filtered A's free pages"
		vm_reject "$l.$c.log.b" "page filter off" "$v: B (cycle $c) did not turn the page filter off"
		sed -n 's/.*\(kjump-\(coldplug\|save\): \(.*modules loaded\|page filter\|saved \|this kernel lies\).*\)/  B: \1/p' \
			"$l.$c.log.b"
		vm_expect "$l.$((c + 1)).log" "KJTEST: memhog intact" "$v: the patterned process is intact after resume $c"
		vm_expect "$l.$((c + 1)).log" "KJTEST: kept data intact" "$v: the kept data's checksum holds after resume $c"
		echo "  $v: C (boot $c) at $(where_kernel "$l.$((c + 1)).log" kjump-resume)"
	done
	# the image is spent: the next boot is a normal one
	cycle_qemu "$l.4.log" 1G "$region" "$WORK/c.cpio.gz" "$l.disk"
	vm_expect "$l.4.log" "KJTEST: kjump-resume returned 1" "$v: with no image the boot continues"
	echo "  $v: RAM of the boot with no image: $(sed -n 's/.*KJTEST: MemTotal \([0-9]*\) kB.*/\1/p' "$l.4.log") kB"
	echo "  $v: wall time $((SECONDS - start)) s"
done
finish
