#!/bin/bash
# The whole cycle on a distribution kernel (KASLR, RANDOMIZE_MEMORY, IO_STRICT_DEVMEM,
# the EFI stub), as users run it: Debian's own (modular) or bzImage-6.1-kjump-distro.
#   kaslr  BIOS, 1 GiB: KJUMP_KASLR_CYCLES (default 3; 5 with run-tests.sh --long)
#          hibernations in a row (as many B boots and C boots with the documented
#          resume command line), printing where each kernel landed; then
#          C booted with A's region but without mem= (KASLR may put it outside the
#          region): every boot either resumes or refuses before writing and boots
#          on (without a memory probe: into all memory, through the kernel in its
#          initramfs), keeping the image (kjump.keep), until a C with mem= resumes it.
#   ovmf   UEFI (OVMF, q35, one variable store for the machine), two cycles.
#   big    6 GiB (RAM above 4 GiB, split around the PCI hole), 4 CPUs, a process with
#          4.5 GiB of patterned memory checked page by page after the resume.
#   huge   (long matrix) 16 GiB, 8 CPUs: the same machine hibernated and resumed with
#          growing patterned workloads (KJUMP_HUGE_HOG MiB, default 512 3584 7680
#          11776: images of about 1, 4, 8 and 12 GiB), each checked after its resume;
#          prints seconds per GiB of image, saving and loading, by kjump-save's and
#          kjump-resume's own clocks and in QEMU's CPU time, and fails when an image
#          costs KJUMP_HUGE_FLAT (default 2.0; CPU time: KJUMP_HUGE_FLAT_CPU, 1.5)
#          times a smaller one's or more.
# Usage: test-distro.sh [--kernel KERNEL] [kaslr|ovmf|big|huge ...]
# KERNEL (or KJUMP_DISTRO_KERNEL; default ../shared/testkernel/bzImage-6.1-kjump-distro)
# is a bzImage, or the version of one of Debian's kernels in KJUMP_DEBIAN_KERNEL_DIR
# (default ../shared/testkernel/debian): 6.12, 7.3, 7.3.4. A kernel with a
# modules-NAME.tar.xz beside its bzImage-NAME is modular: the initramfs images get its
# modules (VM_MODULES) and load the disk's driver with kjump-coldplug.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cycle.sh"

# distro_kernel KERNEL: KERNEL (a bzImage, or a Debian kernel's version) into
# KJUMP_TEST_KERNEL, and its modules' tarball, if it has one, into VM_MODULES (else
# empty); skips when there is no such kernel
distro_kernel() {
	if [ -f "$1" ]; then
		KJUMP_TEST_KERNEL=$1
		VM_MODULES=$(dirname "$1")/modules-${1##*/bzImage-}.tar.xz
		[ -f "$VM_MODULES" ] || VM_MODULES=''
		return
	fi
	vm_debian_kernel "$1"
	KJUMP_TEST_KERNEL=$VM_DEBIAN_KERNEL VM_MODULES=$VM_DEBIAN_MODULES
}

# kernel_release BZIMAGE: the release its setup header names (7.3.4-kjump)
kernel_release() {
	local off
	off=$(od -An -tu2 -j $((0x20e)) -N2 "$1" | tr -d ' ')
	dd if="$1" bs=1 skip=$((off + 0x200)) count=64 status=none | tr '\0' '\n' | sed -n '1s/ .*//p'
}

kernel=${KJUMP_DISTRO_KERNEL:-$KJ_SRC/../shared/testkernel/bzImage-6.1-kjump-distro}
if [ "${1:-}" = --kernel ]; then
	kernel=${2:?--kernel needs a bzImage or a version}
	shift 2
fi
distro_kernel "$kernel"
vm_find_kernel
echo "  kernel: $KERNEL${VM_MODULES:+ (modules: $VM_MODULES)}"
[ -x "$KJ_BIN/test/memhog" ] || skip "memhog not built"
# Debian's kernels have no memory probe: C's initramfs carries the kernel for the boot
# into all memory (as kjump's dracut module puts it there)
VM_FALLBACK=$VM_MODULES cycle_prepare

# ovmf_machine NAME: QEMU options for a UEFI machine with its own variable store
ovmf_machine() {
	local code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd
	cp "$vars" "$WORK/$1.vars"
	echo "-machine q35 -drive if=pflash,format=raw,readonly=on,file=$code -drive if=pflash,format=raw,file=$WORK/$1.vars"
}

# resume_chain NAME N MEM: A hibernates N times; N new QEMU processes boot C, each
# resuming A, which hibernates again. Prints where B and C landed each time.
resume_chain() {
	local v=$1 n=$2 mem=$3 i b c
	vm_gpt_disk "$WORK/$v.disk" "${SWAP_MIB:-512}"
	cycle_qemu "$WORK/$v.0.log" "$mem" "kjtest.cycles=$n ${A_APPEND:-}" "$WORK/a.cpio.gz" "$WORK/$v.disk"
	TOKEN=$(token_of "$WORK/$v.0.log")
	cregion=$(resume_region "$WORK/$v.0.log")
	echo "  $v: resume kernel region: $cregion"
	for i in $(seq 1 "$n"); do
		cycle_qemu "$WORK/$v.$i.log" "$mem" "$cregion resume=/dev/vda1" "$WORK/c.cpio.gz" "$WORK/$v.disk"
		check_resumed "$v (cycle $i)" "$WORK/$v.$((i - 1)).log" "$WORK/$v.$i.log" "$i"
		b=$(where_kernel "$WORK/$v.$((i - 1)).log" kjump-save)
		c=$(where_kernel "$WORK/$v.$i.log" kjump-resume)
		echo "  $v cycle $i: B at ${b:-?}, C at ${c:-?}"
		case $b in *inside) pass "$v (cycle $i): B inside its region" ;; *) fail "$v (cycle $i): B at '$b'" ;; esac
		# the page filter through a randomized direct map and vmemmap (RANDOMIZE_MEMORY)
		vm_expect "$WORK/$v.$((i - 1)).log" "kjump-save: page filter: leaving out [0-9]+ MiB" \
			"$v (cycle $i): B's page filter found A's free pages on a KASLR kernel"
		case $c in *inside) pass "$v (cycle $i): C inside its region" ;; *) fail "$v (cycle $i): C at '$c'" ;; esac
		[ -z "${A_APPEND:-}" ] || vm_expect "$WORK/$v.$i.log" "KJTEST: memhog intact" \
			"$v (cycle $i): every page of the patterned process is intact"
	done
	vm_expect "$WORK/$v.$n.log" "KJTEST: workload done" "$v: A finished its work"
}

# cpu_between LOG FROM TO: QEMU's CPU seconds from the first line matching FROM to the
# first matching TO after it (the "%SECONDS" stamps of CYCLE_STAMP=cpu), or 0
cpu_between() {
	awk -v f="$2" -v t="$3" '
		!a && $0 ~ f && $2 ~ /^%[0-9]/ {a = substr($2, 2)}
		a && !b && $0 ~ t && $2 ~ /^%[0-9]/ {b = substr($2, 2)}
		END {printf "%.2f", (a && b) ? b - a : 0}' "$1"
}

# huge_cost NAME SAVE_LOG RESUME_LOG: "NAME SAVE_MIB SAVE_S LOAD_MIB LOAD_S SAVE_CPU
# LOAD_CPU": kjump-save's "saved N pages (M MiB, ...) in T s", kjump-resume's "loaded N
# pages (M MiB, ...) in T s", and the CPU seconds QEMU spent on each
huge_cost() {
	local s l sc lc
	s=$(sed -n 's/.*kjump-save: saved [0-9]* pages (\([0-9]*\) MiB,.* in \([0-9.]*\) s,.*/\1 \2/p' "$2" | head -1)
	l=$(sed -n 's/.*kjump-resume: loaded [0-9]* pages (\([0-9]*\) MiB,.* in \([0-9.]*\) s,.*/\1 \2/p' "$3" | head -1)
	sc=$(cpu_between "$2" "kjump-save: saving [0-9]+ MiB in" "kjump-save: saved [0-9]+ pages")
	lc=$(cpu_between "$3" "kjump-resume: this kernel lies at" "kjump-resume: loaded [0-9]+ pages")
	echo "$1 ${s:-0 0} ${l:-0 0} $sc $lc"
}

# phase_times NAME SAVE_LOG RESUME_LOG: host seconds of the cycle's parts (CYCLE_STAMP)
phase_times() {
	awk -v n="$1" '
		/KJSTAMP: start/ {t0 = substr($1, 2)}
		/KJTEST: hibernating cycle 1/ {h = substr($1, 2)}
		/KJSTAMP: end/ {e = substr($1, 2)}
		END {printf "  %s: A boot and fill %.0f s, hibernation to power-off %.0f s\n", n, h - t0, e - h}' "$2"
	awk -v n="$1" '
		/KJSTAMP: start/ {t0 = substr($1, 2)}
		/jumping back into the hibernated kernel/ {j = substr($1, 2)}
		/KJTEST: memhog intact/ {c = substr($1, 2)}
		/KJSTAMP: end/ {e = substr($1, 2)}
		END {printf "  %s: C boot and load %.0f s, jump to memhog checked %.0f s, process %.0f s\n", n, j - t0, c - j, e - t0}' "$3"
}

# flat COSTS NAME MIB_COL SECONDS_COL BOUND: seconds per GiB of image at each size (the
# rows in growing order); no image may cost BOUND times or more per GiB than a smaller
# one did (a smaller image may cost more: its fixed part weighs more)
flat() {
	local r lo hi q
	r=$(awk -v m="$3" -v c="$4" '$m > 0 && $c > 0 {v = $c * 1024 / $m
			if (n && v / lo > g) g = v / lo
			if (!n++ || v < lo) lo = v; if (v > hi) hi = v}
		END {if (n < 2) print "none"; else printf "%.2f %.2f %.2f", lo, hi, (g > 1 ? g : 1)}' "$1")
	if [ "$r" = none ]; then
		fail "huge: fewer than two rates of $2 to compare"
		return
	fi
	read -r lo hi q <<<"$r"
	echo "  huge: $2 $lo-$hi s/GiB; the most a larger image cost over a smaller one: ${q}x"
	if [ -n "$q" ] && awk -v q="$q" -v b="$5" 'BEGIN {exit !(q + 0 < b)}'; then
		pass "huge: $2 per GiB flat (at most ${q}x a smaller image's, bound $5)"
	else fail "huge: $2 per GiB grows with the image (${q}x a smaller image's, bound $5)"; fi
}

# huge_flat COSTS: the table, then each cost flat: kjump's own seconds within
# KJUMP_HUGE_FLAT (a busy host stretches them), QEMU's CPU time within KJUMP_HUGE_FLAT_CPU
huge_flat() {
	awk '{printf "  %s: image %d MiB saved in %.2f s (%.2f s/GiB, QEMU CPU %.2f s/GiB), loaded in %.2f s (%.2f s/GiB, QEMU CPU %.2f s/GiB)\n",
		$1, $2, $3, $3 * 1024 / ($2 ? $2 : 1), $6 * 1024 / ($2 ? $2 : 1), $5, $5 * 1024 / ($4 ? $4 : 1), $7 * 1024 / ($4 ? $4 : 1)}' "$1"
	flat "$1" "saving (kjump-save's clock)" 2 3 "${KJUMP_HUGE_FLAT:-2.0}"
	flat "$1" "loading (kjump-resume's clock)" 4 5 "${KJUMP_HUGE_FLAT:-2.0}"
	flat "$1" "saving (QEMU's CPU time)" 2 6 "${KJUMP_HUGE_FLAT_CPU:-1.5}"
	flat "$1" "loading (QEMU's CPU time)" 4 7 "${KJUMP_HUGE_FLAT_CPU:-1.5}"
}

variants=${*:-kaslr ovmf big}
for v in $variants; do
	case $v in
	kaslr)
		resume_chain kaslr "${KJUMP_KASLR_CYCLES:-3}" 1G
		# C without mem=: KASLR picks from all of RAM
		vm_gpt_disk "$WORK/refuse.disk" 512
		cycle_qemu "$WORK/refuse.0.log" 1G "kjtest.cycles=1" "$WORK/a.cpio.gz" "$WORK/refuse.disk"
		TOKEN=$(token_of "$WORK/refuse.0.log")
		# the region A names (its size depends on the kernel), without mem=
		region=$(resume_region "$WORK/refuse.0.log") nomem=''
		for w in $region; do case $w in mem=*) ;; *) nomem="$nomem${nomem:+ }$w" ;; esac; done
		done_=0
		for i in 1 2 3; do
			l=$WORK/refuse.$i.log
			cycle_qemu "$l" 1G "$nomem kjump.keep=1 resume=/dev/vda1" "$WORK/c.cpio.gz" "$WORK/refuse.disk"
			echo "  refuse boot $i: C at $(where_kernel "$l" kjump-resume)"
			if grep -q "jumping back into the hibernated kernel" "$l"; then
				check_resumed "no mem= (boot $i resumed)" "$WORK/refuse.0.log" "$l" 1
				done_=1
				break
			fi
			vm_expect "$l" "cannot resume this image now: this boot holds" "no mem= (boot $i): refused, saying what is in the way"
			vm_expect "$l" "KJTEST: kjump-resume returned 4" "no mem= (boot $i): the boot goes on"
			if [ -n "$VM_MODULES" ]; then
				# no memory probe: on into all memory through the initramfs's kernel
				vm_expect "$l" "kjump-resume: no memory probe interface: booting /usr/lib/kjump/vmlinuz with all memory" \
					"no mem= (boot $i): booted again into all memory"
				mem=$(sed -n 's/.*KJTEST: MemTotal \([0-9]*\) kB.*/\1/p' "$l" | tail -1)
				if [ "${mem:-0}" -gt 900000 ]; then pass "no mem= (boot $i): the boot ends with all RAM ($mem kB)"
				else fail "no mem= (boot $i): the boot ends with ${mem:-?} kB"; fi
			fi
			grep -q "loaded [0-9]* pages" "$l" && fail "no mem= (boot $i): wrote memory before refusing"
			grep -q "kjump-resume: [0-9]* output lines suppressed" "$l" &&
				fail "no mem= (boot $i): the kernel dropped kjump-resume's lines (kmsg ratelimit)"
		done
		if [ $done_ = 0 ]; then
			cycle_qemu "$WORK/refuse.4.log" 1G "$region resume=/dev/vda1" "$WORK/c.cpio.gz" "$WORK/refuse.disk"
			check_resumed "kept image, resumed with mem=" "$WORK/refuse.0.log" "$WORK/refuse.4.log" 1
		fi
		;;
	ovmf)
		[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || skip "OVMF not installed (Debian package ovmf)"
		extra=$(ovmf_machine ovmf)
		CYCLE_QEMU_EXTRA=$extra CYCLE_TIMEOUT=150 resume_chain ovmf 2 1G
		vm_expect "$WORK/ovmf.0.log" "KJTEST: firmware uefi" "ovmf: A booted through UEFI"
		vm_expect "$WORK/ovmf.1.log" "KJTEST: resume kernel firmware uefi" "ovmf: C booted through UEFI"
		vm_expect "$WORK/ovmf.1.log" "KJTEST: EFI runtime: +[1-9][0-9]* regions" \
			"ovmf: the image records the EFI runtime map (and C accepted it)"
		;;
	big)
		# Linux 7 with 4 CPUs under multi-threaded TCG sometimes dies in its boot,
		# kjump or not (7.3.4 to a shell: 2 of 24 boots; 6.12 and 6.1: none of 16).
		# Its new clocksource watchdog hangs SMP bring-up (CPU 0 spinning in
		# watchdog_check_skew, the others in stop_machine), or a static key patched
		# while another CPU runs it traps as a stray int3 ("Oops: int3": NOHZ's
		# timers_nohz_active and timers_migration_enabled, __sched_clock_stable).
		# One host thread for all CPUs (thread=single): 96 boots of 96.
		accel=tcg
		case $(kernel_release "$KERNEL") in [1-6].*) ;; *) accel=tcg,thread=single ;; esac
		echo "  big: -accel $accel"
		SWAP_MIB=5200 A_APPEND="kjtest.hog=4608" CYCLE_QEMU_EXTRA="-smp 4" CYCLE_TIMEOUT=420 \
			CYCLE_ACCEL=$accel resume_chain big 1 6G
		vm_expect "$WORK/big.0.log" "KJTEST: memhog filled 4608 MiB" "big: 4.5 GiB of patterned memory"
		vm_expect "$WORK/big.0.log" "KJTEST: cpus 4" "big: 4 CPUs"
		;;
	huge)
		# 16 GiB, 8 CPUs on one TCG thread (as big: Linux 7's SMP bring-up under
		# multi-threaded TCG), the same machine hibernated with growing workloads:
		# what changes is the image, not the RAM the filter walks or the kernels boot
		# with. Cost per GiB of image from kjump-save's and kjump-resume's own lines.
		accel=tcg
		case $(kernel_release "$KERNEL") in [1-6].*) ;; *) accel=tcg,thread=single ;; esac
		echo "  huge: -accel $accel"
		: >"$WORK/huge.cost"
		for h in ${KJUMP_HUGE_HOG:-512 3584 7680 11776}; do
			n=huge$h
			SWAP_MIB=$((h + 1024)) A_APPEND="kjtest.hog=$h" CYCLE_QEMU_EXTRA="-smp 8" \
				CYCLE_TIMEOUT=$((600 + h / 8)) CYCLE_ACCEL=$accel CYCLE_STAMP=cpu resume_chain "$n" 1 16G
			vm_expect "$WORK/$n.0.log" "KJTEST: memhog filled $h MiB" "$n: $h MiB of patterned memory"
			vm_expect "$WORK/$n.0.log" "KJTEST: cpus 8" "$n: 8 CPUs"
			huge_cost "$n" "$WORK/$n.0.log" "$WORK/$n.1.log" >>"$WORK/huge.cost"
			tail -1 "$WORK/huge.cost" | sed 's/^/  /'
			phase_times "$n" "$WORK/$n.0.log" "$WORK/$n.1.log"
			rm -f "$WORK/$n.disk"
		done
		huge_flat "$WORK/huge.cost"
		;;
	*) fail "unknown variant $v" ;;
	esac
done
finish
