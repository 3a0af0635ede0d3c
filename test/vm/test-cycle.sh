#!/bin/bash
# The whole cycle on a real kernel: A runs a workload (a counter and a token in tmpfs)
# and hibernates; its QEMU process ends; a new QEMU process boots C on the same disk and
# kjump-resume jumps back: the counter goes on, the token is unchanged, the disk works.
# Usage: test-cycle.sh [cycle|second|stale|abort|1g ...]
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cycle.sh"
vm_find_kernel
command -v kexec >/dev/null || skip "kexec-tools not installed"
command -v sfdisk >/dev/null || skip "sfdisk (fdisk package) not installed"
cycle_prepare

# check_resumed NAME BEFORE_LOG AFTER_LOG: A went on where it stopped
check_resumed() {
	local n=$1 l1=$2 l2=$3 last first tok1 tok2
	vm_expect "$l1" "kjump-save: saved [0-9]+ pages" "$n: B saved A's memory"
	vm_expect "$l1" "kjump: image saved; powering off|reboot: Power down" "$n: B powered off"
	vm_expect "$l2" "kjump-resume: jumping back into the hibernated kernel" "$n: C jumped back"
	last=$(counter_last "$l1") first=$(counter_first "$l2")
	tok1=$(sed -n 's/.*KJTEST: token \([0-9a-f]*\).*/\1/p' "$l1" | head -1)
	tok2=$(sed -n 's/.*KJTEST: hibernate returned 0 cycle [0-9]* token \([0-9a-f]*\).*/\1/p' "$l2" | head -1)
	echo "  $n: counter $last before, $first after; token $tok1 -> $tok2"
	[ -n "$last" ] && [ -n "$first" ] && [ "$first" -ge "$last" ] && [ "$first" -le $((last + 2)) ] &&
		pass "$n: the counter went on from $last (not from zero)" || fail "$n: counter $last -> '$first'"
	[ -n "$tok1" ] && [ "$tok1" = "$tok2" ] && pass "$n: token unchanged" || fail "$n: token '$tok1' -> '$tok2'"
	vm_expect "$l2" "KJTEST: disk readback: kjump cycle [0-9]+ $tok1" "$n: A reads and writes its disk after the resume"
	vm_expect "$l2" "KJTEST: no image left on swap" "$n: the image was used up"
}

variants=${*:-cycle abort}
for v in $variants; do
	case $v in
	cycle | 1g)
		mem=512M; [ "$v" = 1g ] && mem=1G
		vm_gpt_disk "$WORK/$v.disk" 512
		cycle_qemu "$WORK/$v.1.log" $mem "kjtest.cycles=1" "$WORK/a.cpio.gz" "$WORK/$v.disk"
		cycle_qemu "$WORK/$v.2.log" $mem "$REGION resume=/dev/vda1" "$WORK/c.cpio.gz" "$WORK/$v.disk"
		check_resumed "$v" "$WORK/$v.1.log" "$WORK/$v.2.log"
		vm_expect "$WORK/$v.2.log" "KJTEST: workload done" "$v: A finished its work after the resume"
		;;
	esac
done
finish
