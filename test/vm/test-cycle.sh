#!/bin/bash
# The whole cycle on a real kernel: A runs a workload (a counter and a token in tmpfs)
# and hibernates; its QEMU process ends; a new QEMU process boots C on the same disk and
# kjump-resume jumps back: the counter goes on, the token is unchanged, the disk works.
# auth: the image authenticated by B with the image key kjump-hibernate hands it, checked
# by C (kjump.mac_key=); then one bit of a data block flipped on the host: refused by its
# digest on the real kernel, streaming into /dev/mem, and the boot goes on.
# Usage: test-cycle.sh [cycle|second|stale|abort|1g|auth ...]
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cycle.sh"
vm_find_kernel
cycle_prepare

variants=${*:-cycle stale abort second 1g}
for v in $variants; do
	case $v in
	cycle | 1g)
		mem=512M; [ "$v" = 1g ] && mem=1G
		vm_gpt_disk "$WORK/$v.disk" 512
		cycle_qemu "$WORK/$v.1.log" $mem "kjtest.cycles=1 kjtest.check" "$WORK/a.cpio.gz" "$WORK/$v.disk"
		TOKEN=$(token_of "$WORK/$v.1.log")
		cycle_qemu "$WORK/$v.2.log" $mem "$REGION resume=/dev/vda1" "$WORK/c.cpio.gz" "$WORK/$v.disk"
		check_resumed "$v" "$WORK/$v.1.log" "$WORK/$v.2.log" 1
		vm_expect "$WORK/$v.2.log" "KJTEST: workload done" "$v: A finished its work after the resume"
		# A was booted without the region: the check names that, and what is there
		vm_expect "$WORK/$v.1.log" "kjump-hibernate: PROBLEM: this kernel's command line lacks the region: memmap=exactmap" \
			"$v: --check names the missing region on a real kernel"
		vm_expect "$WORK/$v.1.log" "kjump-hibernate: ok: CONFIG_ARCH_MEMORY_PROBE" "$v: --check finds the memory probe"
		vm_expect "$WORK/$v.1.log" "kjump-hibernate: ok: swap device /dev/vda1 \([0-9]+ MiB, [0-9]+ MiB in use\)" "$v: --check finds the swap partition"
		vm_expect "$WORK/$v.1.log" "KJTEST: check returned 1" "$v: --check says this machine is not ready"
		;;
	stale)
		# After a resume the image is spent: booting C again is a normal boot.
		[ -f "$WORK/cycle.disk" ] || { fail "stale: needs the cycle variant first"; continue; }
		cycle_qemu "$WORK/stale.log" 512M "$REGION resume=/dev/vda1" "$WORK/c.cpio.gz" "$WORK/cycle.disk"
		vm_expect "$WORK/stale.log" "no image \\(plain swap\\); continuing the normal boot" "stale: no image the second time"
		vm_expect "$WORK/stale.log" "KJTEST: kjump-resume returned 1" "stale: the boot continues"
		vm_expect "$WORK/stale.log" "memory: added 256 MiB in 2 blocks, 0 failed" "stale: the rest of RAM hot-added"
		;;
	second)
		vm_gpt_disk "$WORK/$v.disk" 512
		cycle_qemu "$WORK/$v.1.log" 512M "kjtest.cycles=2 kjtest.preload" "$WORK/a.cpio.gz" "$WORK/$v.disk"
		TOKEN=$(token_of "$WORK/$v.1.log")
		cycle_qemu "$WORK/$v.2.log" 512M "$REGION resume=/dev/vda1" "$WORK/c.cpio.gz" "$WORK/$v.disk"
		check_resumed "$v (first)" "$WORK/$v.1.log" "$WORK/$v.2.log" 1
		cycle_qemu "$WORK/$v.3.log" 512M "$REGION resume=/dev/vda1" "$WORK/c.cpio.gz" "$WORK/$v.disk"
		check_resumed "$v (second)" "$WORK/$v.2.log" "$WORK/$v.3.log" 2
		vm_expect "$WORK/$v.1.log" "kjump-hibernate: the hibernating kernel is loaded: hibernating will jump at once" \
			"$v: B loaded at boot (kjump-hibernate --load)"
		vm_expect "$WORK/$v.1.log" "kjump-hibernate: the hibernating kernel is loaded already" \
			"$v: the first hibernation jumps without loading"
		vm_expect "$WORK/$v.2.log" "kjump-hibernate: the hibernating kernel is loaded already" \
			"$v: after a resume B was loaded again in the background, the second one jumps at once"
		vm_expect "$WORK/$v.3.log" "KJTEST: workload done" "$v: A finished its work after the second resume"
		;;
	abort)
		# A swap area too small: B cannot save, leaves the reason and jumps back.
		vm_gpt_disk "$WORK/$v.disk" 4
		# B loaded at boot with other settings: the hibernation must load it again
		cycle_qemu "$WORK/$v.log" 512M "kjtest.cycles=1 kjtest.preload kjtest.preload_append=kjtest.stale \
kjtest.hibernate_append=kjtest.current" "$WORK/a.cpio.gz" "$WORK/$v.disk"
		vm_expect "$WORK/$v.log" "Kernel command line: .*nokaslr.*kjtest.current" \
			"abort: settings changed since B was loaded: B loaded again with the new ones"
		vm_reject "$WORK/$v.log" "kjump-hibernate: the hibernating kernel is loaded already" \
			"abort: the stale B is not used"
		vm_expect "$WORK/$v.log" "kjump-save: .*too small" "abort: B could not save"
		vm_expect "$WORK/$v.log" "saving failed: jumping back into the hibernated kernel" "abort: B jumped back"
		vm_expect "$WORK/$v.log" "kjump-hibernate: hibernation failed at .*too small" "abort: A says why"
		vm_expect "$WORK/$v.log" "KJTEST: hibernate returned 1 cycle 1" "abort: kjump-hibernate fails, A keeps running"
		vm_expect "$WORK/$v.log" "KJTEST: no image left on swap" "abort: nothing resumable left"
		vm_expect "$WORK/$v.log" "KJTEST: workload done" "abort: A finished its work"
		a=$(sed -n '/KJTEST: hibernating cycle 1/,$p' "$WORK/$v.log" | grep -c "KJTEST: counter")
		[ "$a" -ge 2 ] && pass "abort: the counter kept going ($a more)" || fail "abort: counter stopped"
		;;
	auth)
		vm_gpt_disk "$WORK/$v.disk" 512
		cycle_qemu "$WORK/$v.1.log" 512M "kjtest.cycles=2 kjtest.auth" "$WORK/a.cpio.gz" "$WORK/$v.disk"
		TOKEN=$(token_of "$WORK/$v.1.log")
		keyed="$REGION resume=/dev/vda1 kjump.mac_key=/etc/kjump/test.key"
		cycle_qemu "$WORK/$v.2.log" 512M "$keyed" "$WORK/c.cpio.gz" "$WORK/$v.disk"
		check_resumed "$v" "$WORK/$v.1.log" "$WORK/$v.2.log" 1
		vm_expect "$WORK/$v.1.log" "kjump-save: saving .*\(lzo, authenticated\)" "auth: B authenticated the image"
		vm_expect "$WORK/$v.2.log" "kjump-resume: image authenticated \(HMAC-SHA256\)" "auth: C checked the MAC"
		# A hibernated again; one bit of data block 3 flipped on the host, every CRC as it was
		dd if="$WORK/$v.disk" of="$WORK/p1" bs=1M skip=1 count=512 status=none
		python3 "$KJ_SRC/test/craft-auth.py" "$WORK/p1" "$WORK/p1" data-bit:3 &&
			dd if="$WORK/p1" of="$WORK/$v.disk" bs=1M seek=1 conv=notrunc status=none
		rm -f "$WORK/p1"
		cycle_qemu "$WORK/$v.3.log" 512M "$keyed" "$WORK/c.cpio.gz" "$WORK/$v.disk"
		vm_expect "$WORK/$v.3.log" "data block 3: does not match its authenticated digest" \
			"auth: a flipped bit refused by the block's digest on a real kernel"
		vm_reject "$WORK/$v.3.log" "jumping back into the hibernated kernel" "auth: no jump into the tampered image"
		vm_expect "$WORK/$v.3.log" "KJTEST: kjump-resume returned 3" "auth: the boot continues"
		vm_expect "$WORK/$v.3.log" "memory: added 256 MiB" "auth: the rest of RAM hot-added"
		;;
	*) fail "unknown variant $v" ;;
	esac
done
finish
