#!/bin/bash
# Snapshot boot, boot to ready (#27): a Debian 13 appliance whose service warms up for
# long, from QEMU's start to the service's first answer, a cold boot against a resume
# of a snapshot, in the same run, on the same machine.
# The system: mmdebstrap trixie, Debian's 6.12 with CONFIG_KEXEC_JUMP=y from its package,
# the kjump package with apt, laid out as docs/SNAPSHOT.md says: the root read-only (`ro`,
# fstab), /var a tmpfs (systemd.volatile=state), no swap in fstab (the swap partition
# holds the snapshot), the network by systemd-networkd. Its service (kjtest-index, Python)
# builds an inverted index of a generated corpus in memory, then answers on TCP port
# 8080, which QEMU forwards to a port of the host's.
# 1. The boot that takes the snapshot (kjtest.snapshot): once the service answers,
#    kjtest-appliance checks the layout and runs kjump-hibernate --snapshot; B saves the
#    kept image and powers off.
# 2. Then, each a new QEMU process, a resume of that one snapshot (the command line the
#    GRUB snippet gives: the region, resume=) and a cold boot (the same system without
#    kjump's command line: no region, no resume=, the service builds its index anew),
#    taken in turn: resume, cold, resume, cold, ..., then the remaining resumes. Each is
#    timed by the host's clock from QEMU's start to the first answer on the forwarded
#    port (polled every 0.2 s, each try given 1 s), then the machine is switched off
#    (SIGTERM to QEMU: a power cut, harmless to a read-only root).
# Checked: every answer carries the index's checksum of the cold boots; each resume
# answers from the snapshot's process (its pid, its warm-up's duration, no warm-up on
# its console) and C said that
# the image stays, resumed once more each time (kjump-image info in A: resumed N times);
# A's clock is right after each resume. Asserted: the median cold boot takes at least
# SNAP_MIN_RATIO (2) times the median resume, and the resumes do not grow: the slope of a
# line fitted to their times is under 10 % of their median per resume (TCG's noise, a
# second or two a boot, leaves 5 % too close).
# Usage: test-snapshot-debian.sh [RESUMES [COLD]] (default 5 and 3). Long matrix
# (vm-snapshot-debian); the figures of a run are in bench/results/.
# Needs root (chroot, mounts), mmdebstrap, lsinitramfs, QEMU.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2034 # debian.sh reads these
DEBIAN_SUITE=trixie
DEBIAN_PACKAGES="systemd-sysv,dbus,udev,kexec-tools,initramfs-tools,zstd,procps,kmod,e2fsprogs,liblzo2-2,libblkid1,python3"
DEBIAN_KVER=6.12.117-kjump
DEBIAN_LSINITRD=lsinitramfs
DEBIAN_GEN=initramfs-tools
DEBIAN_ROOT_MIB=2048
DEBIAN_ROOT_UUID=6b6a756d-726f-6f74-2d73-6e617073686f
. "$(dirname "$0")/debian.sh"

debian_requires
debian_kernel_package
RESUMES=${1:-5}
COLD=${2:-3}
# the warm-up's size: documents in the index (250000: 6 million postings, some 170 MiB,
# about 40 s under TCG, 5 s on this host natively)
DOCS=${KJUMP_SNAPSHOT_DOCS:-250000}
SNAP_MIN_RATIO=${SNAP_MIN_RATIO:-2}
# the region as kjump-hibernate fits it to SeaBIOS's RAM with 1 GiB (as vm-debian13)
REGION="memmap=exactmap memmap=636K@0x0 memmap=392192K@0x100000 mem=393216K retain_initrd"
BASE="console=ttyS0 root=/dev/vda1 ro panic=-1 no_timer_check systemd.volatile=state"
T=${KJUMP_DEBIAN_TIMEOUT:-900}
# a boot whose service has not answered after this many seconds has failed
READY_T=${KJUMP_READY_TIMEOUT:-400}

# a free port of the host's for the service's
PORT=""
for p in $(seq $((18080 + $$ % 500)) 18999); do
	(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { PORT=$p; break; }
done
[ -n "$PORT" ] || { fail "no free TCP port on the host"; finish; exit 1; }
# shellcheck disable=SC2054 # QEMU's own commas
DEBIAN_QEMU_ARGS=(-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-10.0.2.15:8080"
	-device virtio-net-pci,netdev=n0)

build_system() {
	local root=$WORK/root d=$KJ_SRC/test/vm/debian
	debian_install "$root" || return 1
	# the appliance (docs/SNAPSHOT.md): the root read-only, nothing of a disk written;
	# /var a tmpfs (systemd.volatile=state); the swap partition only for the snapshot
	echo "/dev/vda1 / ext4 ro,noatime 0 1" >"$root/etc/fstab"
	install -m 644 "$d/10-kjtest.network" "$root/etc/systemd/network/"
	install -m 755 "$d/kjtest-index" "$d/kjtest-appliance" "$root/usr/local/sbin/"
	install -m 644 "$d/kjtest-index.service" "$d/kjtest-appliance.service" "$root/etc/systemd/system/"
	mkdir -p "$root/etc/kjtest"
	echo "$DOCS" >"$root/etc/kjtest/index-docs"
	in_root "$root" systemctl enable systemd-networkd.service kjtest-index.service \
		kjtest-appliance.service >/dev/null 2>&1 || { fail "systemctl enable"; return 1; }
	cp "$root/boot/initrd.img-$DEBIAN_KVER" "$WORK/initrd.img"
	debian_disk "$WORK/disk.img" "$root" || { fail "the disk image"; return 1; }
	# systemd's gpt-auto-generator turns on a swap partition of the root's disk at every
	# boot (fstab or not), and swapon(8) reinitializes an area that holds an image: a boot
	# without resume= would drop the snapshot. The partition's "no-auto" flag (bit 63)
	# keeps it off (docs/SNAPSHOT.md)
	sfdisk -q --part-attrs "$WORK/disk.img" 2 GUID:63 || { fail "sfdisk --part-attrs"; return 1; }
	rm -rf "$root"
}

debian_build

# --- 1: the snapshot ---
APPEND="$BASE $REGION resume=UUID=$DEBIAN_SWAP_UUID kjtest.snapshot"
a=$WORK/take.log
boot "$a"
show "$a" "the boot that takes the snapshot"
vm_expect "$a" "KJTEST: appliance: the service answers: ready docs=$DOCS " "A: the service warmed up and answers"
vm_expect "$a" "KJTEST: appliance: system running" "A: systemd brought the system up"
failed=$(line "$a" "appliance: failed units: ")
[ -z "${failed// /}" ] && pass "A: no failed unit on the read-only root" || fail "A: failed units: $failed"
vm_expect "$a" "KJTEST: appliance: / ext4 ro, /var tmpfs" "A: the root is read-only, /var a tmpfs"
vm_expect "$a" "KJTEST: appliance: read-write disk mounts: \[\]" "A: no disk mounted read-write"
vm_expect "$a" "KJTEST: appliance: swap in use: \[\]" "A: no swap in use"
vm_expect "$a" "KJTEST: appliance: network: ens3 up" "A: the network is up"
vm_expect "$a" "KJTEST: appliance: kjump-load active 1" "A: kjump-load.service loaded B at boot"
vm_expect "$a" "KJTEST: appliance: taking the snapshot" "A: kjump-hibernate --snapshot"
vm_expect "$a" "kjump-save: .*saved" "B: kjump-save saved the snapshot and powered off"
vm_reject "$a" "boot: timed out" "the snapshot's boot ended in time"
snap=$(line "$a" "appliance: the service answers: ")
snap_pid=$(sed -n 's/.* pid=\([0-9]*\) .*/\1/p' <<<"$snap")
snap_built=$(sed -n 's/.* built=\([0-9.]*\) .*/\1/p' <<<"$snap")
digest=$(sed -n 's/.* digest=\([0-9a-f]*\) .*/\1/p' <<<"$snap")
[ -n "$snap_pid" ] && [ -n "$digest" ] || { fail "the service's answer before the snapshot: '$snap'"; finish; exit 1; }

# --- 2: resumes and cold boots, each a new QEMU process, timed to the first answer ---
# probe: one try: the service's answer line through the forwarded port, within 1 s
probe() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && echo status >&3 && IFS= read -r l <&3 &&
		[[ $l == ready* ]] && echo "$l"' _ "$PORT" 2>/dev/null
}
# ready_boot LOG [UNTIL]: a new QEMU process with $APPEND; LOG.secs gets the seconds from
# its start to the service's first answer (empty when none came), LOG.answer the answer;
# then, when the console shows UNTIL (a grep -E regex, within 120 s), or at once, the
# machine is switched off
ready_boot() {
	local log=$1 until=${2:-} t0 t1 qemu ans="" i
	: >"$log.raw"
	t0=$(date +%s.%N)
	debian_qemu /dev/null "$log.raw" &
	qemu=$!
	while kill -0 "$qemu" 2>/dev/null; do
		ans=$(probe) && break
		awk -v a="$t0" -v n="$(date +%s)" -v m="$READY_T" 'BEGIN { exit !(n - a > m) }' && break
		sleep 0.2
	done
	t1=$(date +%s.%N)
	if [ -n "$ans" ] && [ -n "$until" ]; then
		for ((i = 0; i < 120; i++)); do
			grep -Eaq -- "$until" "$log.raw" && break
			sleep 1
		done
	fi
	pkill -TERM -P "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	tr -d '\r' <"$log.raw" >"$log" && rm -f "$log.raw"
	echo "$ans" >"$log.answer"
	if [ -n "$ans" ]; then awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'; else echo; fi >"$log.secs"
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

resume_one() {
	local n=$1 log=$WORK/resume$1.log ans secs now
	APPEND="$BASE $REGION resume=UUID=$DEBIAN_SWAP_UUID"
	ready_boot "$log" "KJTEST: resumed: report done"
	now=$(date +%s)
	ans=$(cat "$log.answer") secs=$(cat "$log.secs")
	[ -n "$secs" ] && pass "resume $n: the service answered $secs s after QEMU's start" ||
		{ fail "resume $n: no answer"; vm_show_console "$log"; return; }
	echo "$secs" >>"$WORK/resume.t"
	[ "$(field pid "$ans") $(field built "$ans") $(field digest "$ans")" = "$snap_pid $snap_built $digest" ] &&
		pass "resume $n: the snapshot's process answered (pid $snap_pid, its warm-up of $snap_built s not redone)" ||
		fail "resume $n: answer '$ans', the snapshot's '$snap'"
	vm_reject "$log" "kjtest-index: built" "resume $n: no warm-up in this QEMU process"
	vm_expect "$log" "kjump-resume: the image is kept: a snapshot made " "resume $n: C found the kept snapshot"
	vm_expect "$log" "kjump-resume: the image stays \(a snapshot\): resume $n;" "resume $n: C left it in place (resume $n)"
	vm_expect "$log" "KJTEST: resumed: kjump-hibernate --snapshot returned 0" "resume $n: A's kjump-hibernate returned"
	vm_reject "$log" "KJTEST: resumed: kjump-hibernate: warning:" "resume $n: the snapshot was taken without a warning (no-auto set, no fstab line)"
	vm_expect "$log" "KJTEST: resumed: network: ens3 up" "resume $n: the network stayed up (kexec -e -x)"
	vm_expect "$log" "KJTEST: resumed: kept: +yes, a snapshot.*resumed $n time" "resume $n: kjump-image info: kept, resumed $n times"
	d=$(line "$log" "resumed: date ")
	[ -n "$d" ] && [ $((now - d)) -le 150 ] && [ $((d - now)) -le 10 ] &&
		pass "resume $n: A's clock is right ($d, the host's $now at the end)" || fail "resume $n: A's clock '$d', the host's $now"
	vm_reject "$log" "boot: timed out" "resume $n: in time"
	loaded=$(sed -n 's/.*kjump-resume: \(loaded .* in [0-9.]* s\).*/\1/p' "$log" | head -1)
	jumped=$(sed -n 's/^.*\[ *\([0-9.]*\)\] kjump-resume: jumping back into the snapshot.*/\1/p' "$log" | head -1)
	echo "resume $n: $secs s to the first answer (kjump-resume $loaded; C jumped at $jumped s of its uptime)" >>"$WORK/table"
}

cold_one() {
	local n=$1 log=$WORK/cold$1.log ans secs
	APPEND="$BASE"
	ready_boot "$log"
	ans=$(cat "$log.answer") secs=$(cat "$log.secs")
	[ -n "$secs" ] && pass "cold $n: the service answered $secs s after QEMU's start" ||
		{ fail "cold $n: no answer"; vm_show_console "$log"; return; }
	echo "$secs" >>"$WORK/cold.t"
	[ "$(field digest "$ans")" = "$digest" ] && grep -aq "kjtest-index: built docs=$DOCS .* digest=$digest" "$log" &&
		pass "cold $n: the service built the same index again (digest $digest)" || fail "cold $n: answer '$ans'"
	vm_reject "$log" "kjump-resume: .*jump" "cold $n: no resume"
	echo "cold $n: $secs s to the first answer (its warm-up $(field built "$ans") s)" >>"$WORK/table"
}

: >"$WORK/resume.t"
: >"$WORK/cold.t"
: >"$WORK/table"
r=0 c=0
while [ $r -lt "$RESUMES" ] || [ $c -lt "$COLD" ]; do
	[ $r -lt "$RESUMES" ] && { r=$((r + 1)); resume_one $r; }
	[ $c -lt "$COLD" ] && { c=$((c + 1)); cold_one $c; }
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "# test/vm/test-snapshot-debian.sh $RESUMES $COLD: Debian 13 appliance (read-only root), QEMU TCG -m 1G -smp 2,"
echo "# Debian's $DEBIAN_KVER; its service's index of $DOCS documents; QEMU start to the first answer, host clock"
cat "$WORK/table"
if [ "$(wc -l <"$WORK/resume.t")" = "$RESUMES" ] && [ "$(wc -l <"$WORK/cold.t")" = "$COLD" ]; then
	mr=$(median <"$WORK/resume.t") mc=$(median <"$WORK/cold.t")
	ratio=$(awk -v c="$mc" -v r="$mr" 'BEGIN { printf "%.2f", c / r }')
	echo "median of $COLD cold boots $mc s, of $RESUMES resumes of one snapshot $mr s: the snapshot ${ratio}x faster"
	awk -v x="$ratio" -v m="$SNAP_MIN_RATIO" 'BEGIN { exit !(x >= m) }' &&
		pass "the snapshot boot is ${ratio}x faster than the cold boot (at least ${SNAP_MIN_RATIO}x)" ||
		fail "the snapshot boot is only ${ratio}x faster than the cold boot (want ${SNAP_MIN_RATIO}x)"
	# the resumes' trend: a least-squares line through (n, seconds)
	slope=$(awk '{ n++; sx += n; sy += $1; sxx += n * n; sxy += n * $1 }
		END { printf "%.3f", (n * sxy - sx * sy) / (n * sxx - sx * sx) }' "$WORK/resume.t")
	echo "the resumes' trend: ${slope} s per resume (${RESUMES} resumes; flat: under 10 % of the median, $(awk -v m="$mr" 'BEGIN { printf "%.2f", m / 10 }') s)"
	awk -v s="$slope" -v m="$mr" 'BEGIN { exit !(s < m / 10) }' &&
		pass "the resume time does not grow with the resumes ($slope s per resume)" ||
		fail "the resume time grows: $slope s per resume (median $mr s)"
else
	fail "not every boot answered: no figures"
fi
finish
