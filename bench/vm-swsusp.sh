#!/bin/bash
# The same workload hibernated twice in QEMU (-m 1G, -smp 2): once by the kernel's own
# swsusp (resume= on a second disk), once by kjump. Prints both load rates from their
# own summary lines. Usage: bench/vm-swsusp.sh [FILL_MIB]   (FILL: tmpfs data, default 300)
# CHURN=MiB: first use and free that much memory (a machine that has run for a while:
# free memory full of stale data), and compare the pages each one saves: swsusp's
# "Need to copy N pages" against kjump's non-zero pages (its page filter leaves free
# pages out). HOG=MiB adds a process with patterned anonymous memory; NOFILTER=1 runs
# kjump without its page filter (everything non-zero saved, as before the filter);
# PRELOAD=0 loads B when hibernating instead of at boot; B_APPEND=X adds X to B's
# command line. With CYCLE_STAMP every phase of
# hibernating and resuming is timed from the host.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
export KJ_BIN=${KJ_BIN:-$src/build} KJ_SRC=$src
. "$src/test/lib.sh"
. "$src/test/vm/lib.sh"
. "$src/test/vm/cycle.sh"
vm_find_kernel
export CYCLE_STAMP=1 # host time on every console line: the phases below
fill=${1:-300}
SMP=${KJ_QEMU_CPU:-"-smp 2"}

# A workload with memory worth saving: random data in tmpfs (after the churn, if any).
churn=${CHURN:-} hog=${HOG:-}
workload="dd if=/dev/urandom of=/tmp/fill bs=1M count=$fill 2>/dev/null; echo 1073741824 >/sys/power/image_size 2>/dev/null"
if [ -n "$churn" ]; then
	workload="mkdir -p /run/c; memhog $churn /run/c & p=\$!; while [ ! -f /run/c/ready ]; do sleep 1; done; kill -9 \$p; wait \$p 2>/dev/null; $workload"
fi
if [ -n "$hog" ]; then
	workload="$workload; mkdir -p /run/h; memhog $hog /run/h & while [ ! -f /run/h/ready ]; do sleep 1; done"
fi

# --- the kernel's own hibernation ---
vm_gpt_disk "$WORK/sw.disk"
truncate -s 1G "$WORK/swsusp.swap"
mkswap -q "$WORK/swsusp.swap"
cat >"$WORK/sw.scen" <<SCEN
if grep -q kjbench.resumed /proc/cmdline; then :; fi
if dmesg | grep -q "PM: hibernation: Read"; then
	echo "KJTEST: swsusp resumed: \$(dmesg | grep 'PM: hibernation: Read' | tail -1)"
	exit 0
fi
$workload
swapon /dev/vdb
echo "KJTEST: hibernating with swsusp"
echo disk >/sys/power/state
echo "KJTEST: swsusp back: \$(dmesg | grep 'PM: hibernation: Read' | tail -1)"
SCEN
vm_initramfs "$WORK/sw.gz" "$WORK/sw.scen" "$KJ_BIN/test/memhog:/usr/bin/memhog"
# shellcheck disable=SC2086 # $SMP holds QEMU options
run_sw() { timeout --foreground -k 5 300 qemu-system-x86_64 -accel tcg -nographic -no-reboot $SMP -m 1G \
	-kernel "$KERNEL" -initrd "$WORK/sw.gz" -append "console=ttyS0 panic=-1 resume=/dev/vdb $1" \
	-drive "file=$WORK/sw.disk,format=raw,if=virtio" -drive "file=$WORK/swsusp.swap,format=raw,if=virtio" \
	</dev/null 2>&1 | stamp >"$2" || true; }
run_sw "" "$WORK/sw1.log"
run_sw "" "$WORK/sw2.log"
sw=$(grep -ao "PM: hibernation: Read [0-9]* kbytes in [0-9.]* seconds ([0-9.]* MB/s)" "$WORK/sw2.log" | tail -1 || true)
sw_pages=$(grep -ao "Need to copy [0-9]* pages" "$WORK/sw1.log" | tail -1 | tr -dc 0-9 || true)

# --- kjump, the same workload ---
cycle_prepare
# the same workload through the cycle scenario's own knobs (churn, kept data, hog)
kjargs="kjtest.keep=$fill${churn:+ kjtest.churn=$churn}${hog:+ kjtest.hog=$hog}"
[ "${NOFILTER:-0}" = 1 ] && kjargs="$kjargs kjtest.hibernate_append=kjump.filter=off" # the baseline
# B_APPEND=X: one more option for B's command line (kjump-hibernate --append)
[ -n "${B_APPEND:-}" ] && kjargs="$kjargs kjtest.hibernate_append=$B_APPEND"
# B loaded at boot, as a system would (kjump-hibernate --load); PRELOAD=0: at hibernation
[ "${PRELOAD:-1}" = 1 ] && kjargs="$kjargs kjtest.preload"
vm_initramfs "$WORK/a.cpio.gz" "$WORK/a.scen" "$(command -v kexec)" \
	"$KJ_SRC/hibernate/kjump-hibernate:/bin/kjump-hibernate" "$KERNEL:/boot/vmlinuz" \
	"$WORK/b.cpio.gz:/boot/kjump-save.img" "$KJ_BIN/test/memhog:/usr/bin/memhog"
vm_gpt_disk "$WORK/kj.disk" 1024
CYCLE_QEMU_EXTRA="$SMP" CYCLE_TIMEOUT=300 cycle_qemu "$WORK/kj1.log" 1G "kjtest.cycles=1 $kjargs" "$WORK/a.cpio.gz" "$WORK/kj.disk"
CYCLE_QEMU_EXTRA="$SMP" CYCLE_TIMEOUT=300 cycle_qemu "$WORK/kj2.log" 1G "$REGION resume=/dev/vda1 ${KJ_C_APPEND:-}" "$WORK/c.cpio.gz" "$WORK/kj.disk"
kj=$(grep -ao "kjump-resume: loaded [0-9]* pages .* MB/s of data)" "$WORK/kj2.log" | tail -1 || true)
kj_saved=$(grep -ao "kjump-save: saved [0-9]* pages ([0-9]* MiB, [0-9]* zero pages)" "$WORK/kj1.log" | tail -1 || true)
kj_filter=$(grep -ao "kjump-save: page filter.*" "$WORK/kj1.log" | tail -1 || true)

echo "kernel swsusp: ${sw:-no summary line (see $WORK/sw2.log)}"
echo "kjump:         ${kj:-no summary line (see $WORK/kj2.log)}"
# Compare like with like: the kernel counts the pages it saved, so take kjump's rate of
# non-zero data (zero pages cost it nothing to store).
sm=$(sed -n 's/.*(\([0-9.]*\) MB\/s).*/\1/p' <<<"$sw") km=$(sed -n 's/.*(\([0-9.]*\) MB\/s of data).*/\1/p' <<<"$kj")
[ -n "$sm" ] && [ -n "$km" ] && awk -v k="$km" -v s="$sm" 'BEGIN {printf "kjump / swsusp load rate (data): %.2fx (target 1.5x)\n", k / s}'

if [ -n "$churn" ]; then
	echo "churn:         $churn MiB used and freed before the workload"
	echo "swsusp:        ${sw_pages:-?} pages copied"
	echo "kjump:         ${kj_saved:-?}"
	echo "               ${kj_filter:-no filter line}"
	t=$(sed -n 's/.*saved \([0-9]*\) pages.*/\1/p' <<<"$kj_saved") z=$(sed -n 's/.* \([0-9]*\) zero pages.*/\1/p' <<<"$kj_saved")
	[ -n "$t" ] && [ -n "$z" ] && [ -n "$sw_pages" ] &&
		awk -v n=$((t - z)) -v s="$sw_pages" 'BEGIN {printf "kjump non-zero pages / swsusp pages: %d / %d = %.2fx (target 1.15x)\n", n, s, n / s}'
fi

# --- time, from the host's stamps: hibernate (the command in A to the power-off) and
# resume (the new QEMU process's start to A running again) ---
# t LOG REGEX [N]: host time of the Nth line matching (default the first)
t() { grep -a -E -- "$2" "$1" | sed -n "${3:-1}s/^@\([0-9.]*\) .*/\1/p"; }
d() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "" || b == "") print "?"; else printf "%.2f", b - a}'; }
sw_h=$(d "$(t "$WORK/sw1.log" "KJTEST: hibernating with swsusp")" "$(t "$WORK/sw1.log" "KJSTAMP: end")")
sw_r=$(d "$(t "$WORK/sw2.log" "KJSTAMP: start")" "$(t "$WORK/sw2.log" "KJTEST: swsusp back")")
k1=$WORK/kj1.log k2=$WORK/kj2.log
kh0=$(t "$k1" "KJTEST: hibernating cycle 1") kjump_at=$(t "$k1" "kjump-hibernate: hibernating to")
kb=$(t "$k1" "Linux version" 2) kinit=$(t "$k1" "kjump: hibernating kernel up after") ks=$(t "$k1" "kjump-save: saving [0-9]") kd=$(t "$k1" "kjump-save: saved")
ke=$(t "$k1" "KJSTAMP: end")
kr0=$(t "$k2" "KJSTAMP: start") kf=$(t "$k2" "kjump-resume: found image") kl=$(t "$k2" "kjump-resume: loaded")
kback=$(t "$k2" "KJTEST: hibernate returned 0")
echo "hibernate (command to power-off): swsusp ${sw_h} s, kjump $(d "$kh0" "$ke") s" \
	"(in A before the jump $(d "$kh0" "$kjump_at"), kexec -e to B's first line $(d "$kjump_at" "$kb")," \
	"B's boot $(d "$kb" "$ks") (the kernel $(d "$kb" "$kinit"), its init to saving $(d "$kinit" "$ks")), saving $(d "$ks" "$kd"), power-off $(d "$kd" "$ke"))"
echo "resume (QEMU start to A running, the hibernate command returned): swsusp ${sw_r} s, kjump $(d "$kr0" "$kback") s" \
	"(C's boot to kjump-resume $(d "$kr0" "$kf"), loading $(d "$kf" "$kl"), the jump and A's thaw $(d "$kl" "$kback"))"
awk -v sh="$sw_h" -v kh="$(d "$kh0" "$ke")" -v sr="$sw_r" -v kr="$(d "$kr0" "$kback")" 'BEGIN {
	if (sh + 0 > 0 && kh + 0 > 0) printf "kjump / swsusp hibernate time: %.2fx (target 3x)\n", kh / sh
	if (sr + 0 > 0 && kr + 0 > 0) printf "kjump / swsusp resume time: %.2fx (target 1.0x)\n", kr / sr }'
