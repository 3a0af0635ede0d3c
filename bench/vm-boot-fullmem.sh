#!/bin/bash
# A normal boot (no image) on a kernel without the memory probe, against a plain boot of
# the same kernel on the same machine, in the same run, turn by turn: from QEMU's start
# (the firmware's hand-off is the same in both) to the initramfs's init of the kernel
# that goes on with all memory, by the host's clock on the console lines. kjump's boot:
# the restricted boot (384 MiB region, retain_initrd, resume= on an empty swap area),
# kjump-resume finds no image and kexecs the initramfs's kernel into all memory, whose
# init is the one measured. The plain boot: the same kernel and modules, no kjump, no
# region. Prints each run, the medians and their ratio, and MemTotal at the end of each.
# Usage: bench/vm-boot-fullmem.sh [N] [VERSION...]  (as root; default 5 runs, 6.12 7.3)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-5}
shift || true
versions=${*:-6.12 7.3}
export KJ_SRC=$src KJ_BIN=${KJ_BIN:-$src/build}
. "$src/test/lib.sh"
. "$src/test/vm/lib.sh"
. "$src/test/vm/cycle.sh"
REGION256="memmap=exactmap memmap=636K@0 memmap=383M@1M mem=384M retain_initrd"

cat >"$WORK/boot.scen" <<'SCEN'
[ -x /usr/lib/kjump/kjump-coldplug ] && /usr/lib/kjump/kjump-coldplug /dev/vda1
if grep -q kjbench.kjump /proc/cmdline && ! grep -q kjump.fallback=done /proc/cmdline; then
	kjump-resume
	echo "KJTEST: kjump-resume returned $?"
fi
echo "KJTEST: boot done, MemTotal $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB, uptime $(cut -d' ' -f1 /proc/uptime)"
SCEN

# seconds LOG: from QEMU's start to the last init's "boot done" line (host clock)
seconds() {
	awk '/KJSTAMP: start/ {s = substr($1, 2)} /KJTEST: boot done/ {e = substr($1, 2)}
	     END {if (s && e) printf "%.2f", e - s}' "$1"
}
memtotal() { sed -n 's/.*KJTEST: boot done, MemTotal \([0-9]*\) kB.*/\1/p' "$1" | tail -1; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "# bench/vm-boot-fullmem.sh $n runs: QEMU TCG -m 1G, a normal boot with kjump (no image,"
echo "# no memory probe: the kernel boots again into all memory) against a plain boot"
for v in $versions; do
	vm_debian_kernel "$v"
	k=$VM_DEBIAN_KERNEL mods=$VM_DEBIAN_MODULES
	KERNEL=$k
	VM_MODULES=$mods vm_initramfs "$WORK/plain.cpio.gz" "$WORK/boot.scen"
	VM_MODULES=$mods vm_initramfs "$WORK/kjump.cpio.gz" "$WORK/boot.scen" "$k:/usr/lib/kjump/vmlinuz"
	vm_gpt_disk "$WORK/disk" 64
	: >"$WORK/plain.t"
	: >"$WORK/kjump.t"
	for i in $(seq "$n"); do
		CYCLE_STAMP=1 cycle_qemu "$WORK/p.log" 1G "" "$WORK/plain.cpio.gz" "$WORK/disk"
		CYCLE_STAMP=1 cycle_qemu "$WORK/k.log" 1G "$REGION256 resume=/dev/vda1 kjbench.kjump" \
			"$WORK/kjump.cpio.gz" "$WORK/disk"
		grep -q "kjump-resume: no memory probe interface: booting" "$WORK/k.log" ||
			{ echo "$v run $i: kjump's boot did not kexec into all memory:" >&2; tail -20 "$WORK/k.log" >&2; exit 1; }
		p=$(seconds "$WORK/p.log") kt=$(seconds "$WORK/k.log")
		# kjump's split: the restricted kernel up to its kexec (its own clock), the rest
		d=$(sed -n 's/^@[0-9.]* \[ *\([0-9.]*\)\] kjump-resume: no memory probe interface: booting.*/\1/p' "$WORK/k.log")
		echo "$v run $i: plain $p s (MemTotal $(memtotal "$WORK/p.log") kB), kjump $kt s (MemTotal" \
			"$(memtotal "$WORK/k.log") kB; the restricted kernel decided at ${d:-?} s of its uptime)"
		echo "$p" >>"$WORK/plain.t"
		echo "$kt" >>"$WORK/kjump.t"
	done
	mp=$(median <"$WORK/plain.t") mk=$(median <"$WORK/kjump.t")
	awk -v v="$v" -v p="$mp" -v k="$mk" -v n="$n" 'BEGIN {
		printf "%s median of %d runs: plain %.2f s, kjump %.2f s: %.2fx, +%.2f s\n", v, n, p, k, k / p, k - p }'
done
