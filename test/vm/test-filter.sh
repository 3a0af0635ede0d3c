#!/bin/bash
# The page filter on a real kernel: A has churned memory (used and freed: stale data in
# free memory), keeps random data in tmpfs and a process with patterned memory, and
# hibernates; B leaves A's free pages out. C's RAM starts as garbage (a memory file
# filled with 0xa5), so a page wrongly left out cannot pass as zero. After the resume
# the kept data, the pattern and the counter must be intact, and most of free memory,
# allocated, must read zero.
#   churn      lab kernel, 1 GiB: 600 MiB churned, 100 MiB kept, 64 MiB patterned;
#              kjump-hibernate --drop-caches
#   initonfree the same with init_on_free=1 in A (free pages saved as zero)
#   4g         4 GiB (memory above 4 GiB), 2 GiB churned
#   failsafe   a wrong VMCOREINFO address: the filter is off, says why, all is saved
#   control    init_on_free in A but free pages left out instead of zeroed (forced):
#              the zero check must catch C's garbage, or the other variants prove nothing
# Usage: test-filter.sh [churn|initonfree|4g|failsafe ...]
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cycle.sh"
vm_find_kernel
[ -x "$KJ_BIN/test/memhog" ] || skip "memhog not built"
cycle_prepare

# garbage_ram NAME SIZE: QEMU options giving the guest RAM that starts as 0xa5 bytes
garbage_ram() {
	head -c "$2" /dev/zero | tr '\0' '\245' >"$WORK/$1.ram"
	echo "-object memory-backend-file,id=ram,size=$2,mem-path=$WORK/$1.ram,share=on -machine memory-backend=ram"
}

# filter_cycle NAME MEM A_APPEND [EXTRA_CHECK]: one hibernation and resume
filter_cycle() {
	local v=$1 mem=$2 append=$3 bytes
	bytes=$(($(numfmt --from=iec "$mem")))
	vm_gpt_disk "$WORK/$v.disk" 1200
	CYCLE_TIMEOUT=240 cycle_qemu "$WORK/$v.1.log" "$mem" "kjtest.cycles=1 kjtest.hog=64 kjtest.zerocheck=1 $append" \
		"$WORK/a.cpio.gz" "$WORK/$v.disk"
	TOKEN=$(token_of "$WORK/$v.1.log")
	CYCLE_TIMEOUT=240 CYCLE_QEMU_EXTRA=$(garbage_ram "$v" "$bytes") cycle_qemu "$WORK/$v.2.log" "$mem" \
		"$REGION resume=/dev/vda1" "$WORK/c.cpio.gz" "$WORK/$v.disk"
	rm -f "$WORK/$v.ram"
	check_resumed "$v" "$WORK/$v.1.log" "$WORK/$v.2.log" 1
	vm_expect "$WORK/$v.2.log" "KJTEST: memhog intact" "$v: the patterned process's memory is intact"
	vm_expect "$WORK/$v.1.log" "page filter: the hibernated kernel's kexec list found by decoding its jump-back code" \
		"$v: B found A's kexec list by decoding A's jump-back code"
	vm_expect "$WORK/$v.2.log" "KJTEST: zero check [0-9]+ MiB: ok" "$v: memory allocated after the resume reads zero"
	sed -n 's/.*\(kjump-save: \(page filter.*\|saved .*\)\)/  \1/p' "$WORK/$v.1.log"
}

# left_out LOG: MiB the filter left out, from B's line; a_free LOG: what A counted free
left_out() { sed -n 's/.*page filter: \(leaving out\|zeroing\) \([0-9]*\) MiB.*/\2/p' "$1" | head -1; }
a_free() { sed -n 's/.*page filter: .*counts \([0-9]*\) MiB free.*/\1/p' "$1" | head -1; }

# check_left_out NAME LOG MIN: at least MIN MiB and 85 % of A's free memory left out
# (the rest is free memory inside B's region, which is never saved anyway)
check_left_out() {
	local n f
	n=$(left_out "$2") f=$(a_free "$2")
	if [ "${n:-0}" -ge "$3" ] && [ $((${n:-0} * 100)) -ge $((${f:-1} * 85)) ]; then
		pass "$1: the filter left out $n MiB of the $f MiB A had free"
	else fail "$1: the filter left out '${n:-nothing}' MiB of '${f:-?}' MiB free"; fi
}

variants=${*:-churn initonfree 4g failsafe control}
for v in $variants; do
	case $v in
	churn | initonfree)
		extra="kjtest.churn=600 kjtest.keep=100"
		[ "$v" = initonfree ] && extra="$extra init_on_free=1"
		[ "$v" = churn ] && extra="$extra kjtest.drop_caches" # kjump-hibernate --drop-caches
		filter_cycle "$v" 1G "$extra"
		vm_expect "$WORK/$v.1.log" "KJTEST: churned 600 MiB" "$v: 600 MiB churned"
		vm_expect "$WORK/$v.2.log" "KJTEST: kept data intact" "$v: the kept data's checksum holds"
		check_left_out "$v" "$WORK/$v.1.log" 500
		if [ "$v" = initonfree ]; then
			vm_expect "$WORK/$v.1.log" "page filter: zeroing" "$v: under init_on_free free pages are saved as zero"
		fi
		;;
	4g)
		filter_cycle 4g 4G "kjtest.churn=2048 kjtest.keep=100"
		vm_expect "$WORK/4g.2.log" "KJTEST: kept data intact" "4g: the kept data's checksum holds"
		check_left_out 4g "$WORK/4g.1.log" 2048
		;;
	failsafe)
		filter_cycle failsafe 1G "kjtest.keep=20 kjtest.hibernate_append=kjump.vmcoreinfo=0x1000@0x1024"
		vm_expect "$WORK/failsafe.1.log" "page filter off: no VMCOREINFO note at 0x1000; saving all" \
			"failsafe: a wrong note address turns the filter off, saying so"
		vm_expect "$WORK/failsafe.2.log" "KJTEST: kept data intact" "failsafe: the kept data's checksum holds"
		;;
	control)
		vm_gpt_disk "$WORK/control.disk" 1200
		CYCLE_TIMEOUT=240 cycle_qemu "$WORK/control.1.log" 1G "kjtest.cycles=1 kjtest.zerocheck=armed \
kjtest.churn=600 init_on_free=1 kjtest.hibernate_append=kjump.free=omit" "$WORK/a.cpio.gz" "$WORK/control.disk"
		CYCLE_TIMEOUT=120 CYCLE_QEMU_EXTRA=$(garbage_ram control 1073741824) cycle_qemu "$WORK/control.2.log" \
			1G "$REGION resume=/dev/vda1" "$WORK/c.cpio.gz" "$WORK/control.disk"
		rm -f "$WORK/control.ram"
		# what C left there: its 0xa5 fill, or its own data where C ran
		vm_expect "$WORK/control.2.log" "KJTEST: zero check [0-9]+ MiB: page [0-9]+ of [0-9]+ not zero \(byte [0-9]+ = 0x[0-9a-f]{2}\)" \
			"control: pages wrongly left out show what C left in them, and the zero check sees it"
		;;
	*) fail "unknown variant $v" ;;
	esac
done
finish
