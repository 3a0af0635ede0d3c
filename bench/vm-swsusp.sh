#!/bin/bash
# The same workload hibernated twice in QEMU (-m 1G, -smp 2): once by the kernel's own
# swsusp (resume= on a second disk), once by kjump. Prints both load rates from their
# own summary lines. Usage: bench/vm-swsusp.sh [FILL_MIB]   (FILL: tmpfs data, default 300)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
export KJ_BIN=${KJ_BIN:-$src/build} KJ_SRC=$src
. "$src/test/lib.sh"
. "$src/test/vm/lib.sh"
. "$src/test/vm/cycle.sh"
vm_find_kernel
fill=${1:-300}
SMP=${KJ_QEMU_CPU:-"-smp 2"}

# A workload with memory worth saving: random data in tmpfs.
workload="dd if=/dev/urandom of=/tmp/fill bs=1M count=$fill 2>/dev/null; echo 1073741824 >/sys/power/image_size 2>/dev/null"

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
vm_initramfs "$WORK/sw.gz" "$WORK/sw.scen"
run_sw() { timeout --foreground -k 5 300 qemu-system-x86_64 -accel tcg -nographic -no-reboot $SMP -m 1G \
	-kernel "$KERNEL" -initrd "$WORK/sw.gz" -append "console=ttyS0 panic=-1 resume=/dev/vdb $1" \
	-drive "file=$WORK/sw.disk,format=raw,if=virtio" -drive "file=$WORK/swsusp.swap,format=raw,if=virtio" \
	</dev/null >"$2" 2>&1 || true; }
run_sw "" "$WORK/sw1.log"
run_sw "" "$WORK/sw2.log"
sw=$(grep -ao "PM: hibernation: Read [0-9]* kbytes in [0-9.]* seconds ([0-9.]* MB/s)" "$WORK/sw2.log" | tail -1 || true)

# --- kjump, the same workload ---
cycle_prepare
sed -i "s|^sleep 3\$|$workload; sleep 1|" "$WORK/a.scen"
vm_initramfs "$WORK/a.cpio.gz" "$WORK/a.scen" "$(command -v kexec)" \
	"$KJ_SRC/scripts/kjump-hibernate:/bin/kjump-hibernate" "$KERNEL:/boot/vmlinuz" \
	"$WORK/b.cpio.gz:/boot/kjump-save.img"
vm_gpt_disk "$WORK/kj.disk" 1024
CYCLE_QEMU_EXTRA="$SMP" CYCLE_TIMEOUT=300 cycle_qemu "$WORK/kj1.log" 1G "kjtest.cycles=1" "$WORK/a.cpio.gz" "$WORK/kj.disk"
CYCLE_QEMU_EXTRA="$SMP" CYCLE_TIMEOUT=300 cycle_qemu "$WORK/kj2.log" 1G "$REGION resume=/dev/vda1 ${KJ_C_APPEND:-}" "$WORK/c.cpio.gz" "$WORK/kj.disk"
kj=$(grep -ao "kjump-resume: loaded [0-9]* pages .* MB/s of data)" "$WORK/kj2.log" | tail -1 || true)

echo "kernel swsusp: ${sw:-no summary line (see $WORK/sw2.log)}"
echo "kjump:         ${kj:-no summary line (see $WORK/kj2.log)}"
# Compare like with like: the kernel counts the pages it saved, so take kjump's rate of
# non-zero data (zero pages cost it nothing to store).
sm=$(sed -n 's/.*(\([0-9.]*\) MB\/s).*/\1/p' <<<"$sw") km=$(sed -n 's/.*(\([0-9.]*\) MB\/s of data).*/\1/p' <<<"$kj")
[ -n "$sm" ] && [ -n "$km" ] && awk -v k="$km" -v s="$sm" 'BEGIN {printf "kjump / swsusp load rate (data): %.2fx (target 1.5x)\n", k / s}'
