#!/bin/bash
# The whole cycle on Debian's own kernels (../shared/testkernel/debian, or
# KJUMP_DEBIAN_KERNEL_DIR): drivers are modules, so A, B and C load virtio_blk from
# their initramfs (kjump-coldplug); KASLR; no memory probe. A churns 300 MiB, keeps
# 64 MiB of random data and a 64 MiB patterned process, and hibernates twice; C, booted
# with the region A names, resumes it each time; a last boot finds no image and goes on.
# A-C (6.12-7.3, 6.1-6.12, 7.3-6.12; 6.1 is the lab kernel): a kernel update between
# hibernating and resuming: A (and B) one kernel, C another, its own modules; C resumes
# A with its data intact. C locked down (lockdown=integrity) first: refused before
# anything is written, the image kept while the console asks to power off (the test
# powers off then), and resumed by the next boot.
# Usage: test-kernels.sh [6.12|7.3|A-C ...]
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cycle.sh"
[ -x "$KJ_BIN/test/memhog" ] || skip "memhog not built"

# b_log LOG: B's part of a console log (from kjump-save-init's first line), in LOG.b
b_log() { sed -n '/kjump: hibernating kernel up after/,$p' "$1" >"$1.b"; }

# find_kernel VERSION: K (the kernel) and MODS (its modules' tarball, empty for the lab
# kernel "6.1", which has none)
find_kernel() {
	K='' MODS=''
	if [ "$1" = 6.1 ]; then
		K=${KJUMP_TEST_KERNEL:-$KJ_SRC/../shared/testkernel/bzImage-6.1-kjump}
		[ -f "$K" ] || skip "no lab kernel $K"
		return
	fi
	vm_debian_kernel "$1"
	K=$VM_DEBIAN_KERNEL MODS=$VM_DEBIAN_MODULES
}

# update A-C: A hibernates on kernel A, C (kernel C, its own initramfs modules) resumes
update() {
	local av=${1%-*} cv=${1#*-} l=$WORK/$1 ak ck sfs how
	find_kernel "$cv"
	ck=$K
	VM_MODULES=$MODS vm_initramfs "$WORK/c.$1.cpio.gz" "$WORK/c.scen" "$WORK/test.key:/etc/kjump/test.key" \
		${MODS:+"$K:/usr/lib/kjump/vmlinuz"}
	ak=$KERNEL
	vm_gpt_disk "$l.disk" 1200
	cycle_qemu "$l.1.log" 1G "kjtest.cycles=1 kjtest.churn=300 kjtest.keep=64 kjtest.hog=64" \
		"$WORK/a.cpio.gz" "$l.disk"
	TOKEN=$(token_of "$l.1.log")
	region="$(resume_region "$l.1.log") resume=/dev/vda1"
	KERNEL=$ck
	# with securityfs the mode is read before anything else; without, /dev/mem's EPERM says it
	sfs=kjtest.securityfs how=integrity
	[ "$av" = 6.1 ] && sfs='' how='/dev/mem refused'
	# the user reads that the image is kept for now and powers off within the wait
	CYCLE_STOP_AT="The image is kept for now: power off" cycle_qemu "$l.lock.log" 1G \
		"$region lockdown=integrity $sfs kjump.keep_wait=300" "$WORK/c.$1.cpio.gz" "$l.disk"
	vm_expect "$l.lock.log" "kjump-resume: .*this kernel is locked down \\($how" \
		"$1: a locked-down C says so in one line ($how)"
	vm_expect "$l.lock.log" "The image is kept for now: power off within 300 s" \
		"$1: and that the image is kept while the user can power off"
	vm_reject "$l.lock.log" "kjump-resume: loaded [0-9]+ pages|jumping back|image invalidated" \
		"$1: and writes nothing, the image kept"
	cycle_qemu "$l.2.log" 1G "$region" "$WORK/c.$1.cpio.gz" "$l.disk"
	KERNEL=$ak
	check_resumed "$1" "$l.1.log" "$l.2.log" 1
	vm_expect "$l.2.log" "KJTEST: memhog intact" "$1: the patterned process is intact"
	vm_expect "$l.2.log" "KJTEST: kept data intact" "$1: the kept data's checksum holds"
	vm_expect "$l.2.log" "Linux version $cv" "$1: C ran kernel $cv"
	vm_expect "$l.1.log" "Linux version $av" "$1: A ran kernel $av"
}

variants=${*:-6.12 7.3}
for v in $variants; do
	start=$SECONDS
	case $v in
	*-*)
		find_kernel "${v%-*}"
		KJUMP_TEST_KERNEL=$K vm_find_kernel
		VM_MODULES=$MODS VM_FALLBACK=$MODS cycle_prepare
		update "$v"
		echo "  $v: wall time $((SECONDS - start)) s"
		continue
		;;
	esac
	find_kernel "$v"
	k=$K mods=$MODS
	KJUMP_TEST_KERNEL=$k vm_find_kernel
	VM_MODULES=$mods VM_FALLBACK=1 cycle_prepare
	l=$WORK/$v
	vm_gpt_disk "$l.disk" 1200
	export CYCLE_TIMEOUT=240
	cycle_qemu "$l.1.log" 1G "kjtest.cycles=2 kjtest.churn=300 kjtest.keep=64 kjtest.hog=64" \
		"$WORK/a.cpio.gz" "$l.disk"
	# shellcheck disable=SC2034 # check_resumed reads it
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
	# the image is spent: the next boot is a normal one, with all memory (no memory probe:
	# kjump-resume kexecs the initramfs's kernel with this boot's initrd and no region)
	cycle_qemu "$l.4.log" 1G "$region" "$WORK/c.cpio.gz" "$l.disk"
	vm_expect "$l.4.log" "KJTEST: kjump-resume returned 1" "$v: with no image the boot continues"
	vm_expect "$l.4.log" "kjump-resume: no memory probe interface: booting /usr/lib/kjump/vmlinuz with all memory" \
		"$v: no memory probe: the boot goes on in the same kernel with all memory"
	vm_expect "$l.4.log" "Kernel command line: .* kjump.fallback=done" "$v: the kernel booted again, its region dropped"
	mem=$(sed -n 's/.*KJTEST: MemTotal \([0-9]*\) kB.*/\1/p' "$l.4.log" | tail -1)
	[ "${mem:-0}" -gt 900000 ] && pass "$v: the normal boot ends with all RAM ($mem kB)" ||
		fail "$v: the normal boot ends with ${mem:-?} kB"
	echo "  $v: wall time $((SECONDS - start)) s"
done
finish
