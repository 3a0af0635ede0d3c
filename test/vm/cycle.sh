# shellcheck shell=bash
# The whole cycle in QEMU: kernel A runs a workload and hibernates with kjump-hibernate
# (B = the same kernel with kjump-save), the QEMU process ends; a new QEMU process boots
# C, whose kjump-resume jumps back into A. Source after test/lib.sh and test/vm/lib.sh.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
# shellcheck disable=SC2034 # a library: REGION is for the scripts that source it
REGION="memmap=exactmap memmap=636K@0 memmap=127M@1M mem=128M"

# cycle_prepare: the three initramfs images, in $WORK/{a,b,c}.cpio.gz (skips without
# the tools a cycle needs: kexec-tools in A, sfdisk for the disk)
cycle_prepare() {
	local initb=$KJ_SRC/initramfs/kjump-save-init
	command -v kexec >/dev/null || skip "kexec-tools not installed"
	command -v sfdisk >/dev/null || skip "sfdisk (fdisk package) not installed"
	# B: /init saves and powers off (or jumps back)
	echo 'exec /sbin/kjump-save-init' >"$WORK/b.scen"
	vm_initramfs "$WORK/b.cpio.gz" "$WORK/b.scen" "$initb:/sbin/kjump-save-init"
	# the B image's /init is kjump-save-init itself
	(mkdir -p "$WORK/bx" && cd "$WORK/bx" && zcat "$WORK/b.cpio.gz" | cpio -id --quiet &&
		cp "$initb" init && find . | cpio -o -H newc --quiet | gzip -1 >"$WORK/b.cpio.gz")
	rm -rf "$WORK/bx"
	# A: the workload, kexec-tools, kjump-hibernate, B's kernel and initramfs
	cat >"$WORK/a.scen" <<'SCEN'
# a kernel with modules (VM_MODULES): the disk's driver first
[ -x /usr/lib/kjump/kjump-coldplug ] && /usr/lib/kjump/kjump-coldplug /dev/vda2
cycles=$(sed -n 's/.*kjtest.cycles=\([0-9]*\).*/\1/p' /proc/cmdline)
if grep -q "kjtest.auth" /proc/cmdline; then
	# image authentication: kjump-hibernate hands B the key, B authenticates the image
	cp /etc/kjump/test.key /etc/kjump/image.key && chmod 0400 /etc/kjump/image.key
	echo "KJTEST: image key set up"
fi
swapdev=$(sed -n 's/.*kjtest.swap=\([^ ]*\).*/\1/p' /proc/cmdline)
hog=$(sed -n 's/.*kjtest.hog=\([0-9]*\).*/\1/p' /proc/cmdline)
head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n' >/tmp/token
hib_append=$(sed -n 's/.*kjtest.hibernate_append=\([^ ]*\).*/\1/p' /proc/cmdline)
hib_opts=""
grep -q "kjtest.drop_caches" /proc/cmdline && hib_opts="--drop-caches"
churn=$(sed -n 's/.*kjtest.churn=\([0-9]*\).*/\1/p' /proc/cmdline)
keep=$(sed -n 's/.*kjtest.keep=\([0-9]*\).*/\1/p' /proc/cmdline)
zerocheck=$(sed -n 's/.*kjtest.zerocheck=\([0-9a-z]*\).*/\1/p' /proc/cmdline)
# kjtest.churn=MiB: memory used and freed again, as on a machine that has run for a
# while: free memory full of stale data
if [ -n "$churn" ]; then
	mkdir -p /run/churn
	memhog "$churn" /run/churn &
	cpid=$!
	while [ ! -f /run/churn/ready ] && kill -0 $cpid 2>/dev/null; do sleep 1; done
	kill -9 $cpid
	wait $cpid 2>/dev/null
	echo "KJTEST: churned $churn MiB"
fi
# kjtest.keep=MiB: random data in tmpfs, its checksum compared after each resume
if [ -n "$keep" ]; then
	dd if=/dev/urandom of=/tmp/keep bs=1M count="$keep" 2>/dev/null
	keepsum=$(md5sum </tmp/keep)
	echo "KJTEST: kept $keep MiB"
fi
keep_check() {
	[ -n "$keep" ] || return 0
	if [ "$(md5sum </tmp/keep)" = "$keepsum" ]; then echo "KJTEST: kept data intact"
	else echo "KJTEST: kept data corrupt"; fi
}
# kjtest.zerocheck=1: after a resume, most of free memory allocated: every new page
# must read zero (the kernel's promise; with init_on_free it relies on free pages)
# kjtest.zerocheck=armed: 64 MiB checked the moment A runs again, by a process ready
# before the hibernation (for a kernel whose free pages are garbage: it will not last)
if [ "$zerocheck" = armed ]; then
	mkdir -p /run/zero
	memhog --zero-armed 64 /run/zero &
	zpid=$!
	while [ ! -f /run/zero/ready ] && kill -0 $zpid 2>/dev/null; do sleep 1; done
fi
zero_check() {
	[ -n "$zerocheck" ] || return 0
	if [ "$zerocheck" = armed ]; then
		kill -USR1 $zpid 2>/dev/null
		wait $zpid
		# this kernel believes garbage is zero: nothing it does from here can be trusted
		echo "KJTEST: powering off (free memory held garbage)"
		echo o >/proc/sysrq-trigger
		sleep 30
		return
	fi
	# kjump-hibernate loads B again in the background after a resume: let it finish,
	# or the two compete for the memory measured here
	i=0
	while [ -f /run/kjump/loading ] && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
	free=$(awk '/MemFree/ {print int($2 / 1024)}' /proc/meminfo)
	memhog --zero $((free - 48))
}
# kjtest.hog=MiB: a process whose anonymous memory holds a pattern, checked after resuming
if [ -n "$hog" ]; then
	mkdir -p /run/hog
	memhog "$hog" /run/hog &
	hogpid=$!
	while [ ! -f /run/hog/ready ] && kill -0 $hogpid 2>/dev/null; do sleep 1; done
	echo "KJTEST: MemFree after the fill $(awk '/MemFree/ {print $2}' /proc/meminfo) kB"
fi
hog_check() {
	[ -n "$hog" ] || return 0
	rm -f /run/hog/result
	kill -USR1 $hogpid
	i=0
	while [ ! -f /run/hog/result ] && [ $i -lt 300 ]; do sleep 1; i=$((i + 1)); done
	[ -f /run/hog/result ] || echo "KJTEST: memhog gave no verdict"
}
(i=0; while :; do i=$((i + 1)); echo "KJTEST: counter $i"; sleep 1; done) &
sleep 3
echo "KJTEST: token $(cat /tmp/token)"
echo "KJTEST: cpus $(grep -c ^processor /proc/cpuinfo)"
[ -d /sys/firmware/efi ] && echo "KJTEST: firmware uefi" || echo "KJTEST: firmware bios"
echo "KJTEST: resume cmdline $(kjump-hibernate --resume-cmdline)"
# kjtest.preload: load the hibernating kernel at boot, as a system would
# (kjtest.preload_append=X: with other settings than the hibernation's, which must then
# load B again, not jump into the stale one)
if grep -q "kjtest.preload" /proc/cmdline; then
	pre_append=$(sed -n 's/.*kjtest.preload_append=\([^ ]*\).*/\1/p' /proc/cmdline)
	kjump-hibernate --load --device "${swapdev:-/dev/vda1}" --kernel /boot/vmlinuz \
		--initrd /boot/kjump-save.img --append "${pre_append:-$hib_append}" $hib_opts
fi
# kjtest.check: what kjump-hibernate --check says of this machine
if grep -q "kjtest.check" /proc/cmdline; then
	kjump-hibernate --check --device "${swapdev:-/dev/vda1}" --kernel /boot/vmlinuz --initrd /boot/kjump-save.img
	echo "KJTEST: check returned $?"
fi
c=1
while [ "$c" -le "${cycles:-1}" ]; do
	echo "KJTEST: hibernating cycle $c"
	kjump-hibernate --device "${swapdev:-/dev/vda1}" --kernel /boot/vmlinuz \
		--initrd /boot/kjump-save.img --append "$hib_append" $hib_opts
	rc=$?
	echo "KJTEST: hibernate returned $rc cycle $c token $(cat /tmp/token)"
	hog_check
	keep_check
	zero_check
	# the disk still works: write, drop caches, read back
	echo "kjump cycle $c $(cat /tmp/token)" | dd of=/dev/vda2 bs=512 seek=100 conv=sync 2>/dev/null
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo "KJTEST: disk readback: $(dd if=/dev/vda2 bs=512 skip=100 count=1 2>/dev/null | head -1 | tr -d '\0')"
	# 0: an image; 1: none (or a failed check); anything else (a crash) says so
	kjump-image verify "${swapdev:-/dev/vda1}" >/dev/null 2>&1
	vrc=$?
	case $vrc in
	0) echo "KJTEST: image left on swap" ;;
	1) echo "KJTEST: no image left on swap" ;;
	*) echo "KJTEST: kjump-image verify failed (exit $vrc)" ;;
	esac
	sleep 2
	c=$((c + 1))
done
echo "KJTEST: workload done at $(date +%s)"
SCEN
	head -c 32 /dev/urandom >"$WORK/test.key"
	vm_initramfs "$WORK/a.cpio.gz" "$WORK/a.scen" "$(command -v kexec)" "$WORK/test.key:/etc/kjump/test.key" \
		"$KJ_SRC/hibernate/kjump-hibernate:/bin/kjump-hibernate" "$KERNEL:/boot/vmlinuz" \
		"$KJ_BIN/test/memhog:/usr/bin/memhog" \
		"$WORK/b.cpio.gz:/boot/kjump-save.img"
	# C: resume, or carry on with the normal boot
	cat >"$WORK/c.scen" <<'SCEN'
[ -x /usr/lib/kjump/kjump-coldplug ] && /usr/lib/kjump/kjump-coldplug /dev/vda1
# kjtest.securityfs: mounted, as systemd does in an initramfs (busybox's /init does not)
grep -q kjtest.securityfs /proc/cmdline && mount -t securityfs securityfs /sys/kernel/security
[ -d /sys/firmware/efi ] && echo "KJTEST: resume kernel firmware uefi"
kjump-image info /dev/vda1 2>/dev/null | grep '^EFI runtime:' | sed 's/^/KJTEST: /'
kjump-resume
echo "KJTEST: kjump-resume returned $? (normal boot goes on)"
echo "KJTEST: MemTotal $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB"
SCEN
	# (the key where kjump.mac_key= names it: only the auth variant sets it up)
	# VM_FALLBACK=1: the kernel for the boot with all memory too, as kjump's dracut module
	# puts it there for a kernel without the memory probe
	vm_initramfs "$WORK/c.cpio.gz" "$WORK/c.scen" "$WORK/test.key:/etc/kjump/test.key" \
		${VM_FALLBACK:+"$KERNEL:/usr/lib/kjump/vmlinuz"}
}

# cycle_qemu LOG MEM APPEND INITRD DISK: one QEMU process, console to LOG
# (CYCLE_ACCEL: QEMU's -accel, default tcg)
# CYCLE_STOP_AT=REGEX: the power goes off (QEMU is killed) as soon as the console shows
# REGEX, as a user who reads it does.
cycle_qemu() {
	local log=$1 mem=$2 append=$3 initrd=$4 disk=$5 rc=0 pid
	rm -f "$log.pid"
	# shellcheck disable=SC2086 # CYCLE_QEMU_EXTRA: several QEMU arguments, split on purpose
	timeout --foreground -k 5 "${CYCLE_TIMEOUT:-90}" qemu-system-x86_64 -accel "${CYCLE_ACCEL:-tcg}" \
		-nographic -no-reboot -kernel "$KERNEL" -pidfile "$log.pid" \
		-append "console=ttyS0 panic=-1 loglevel=6 no_timer_check $append" \
		-m "$mem" ${CYCLE_QEMU_EXTRA:-} -initrd "$initrd" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-drive "file=$disk,format=raw,if=virtio" </dev/null 2>&1 | stamp "$log.pid" >"$log" &
	pid=$!
	while [ -n "${CYCLE_STOP_AT:-}" ] && kill -0 $pid 2>/dev/null; do
		if grep -Eq "$CYCLE_STOP_AT" "$log" 2>/dev/null; then
			echo "cycle_qemu: power off at: $CYCLE_STOP_AT" >>"$log.stop"
			kill "$(cat "$log.pid" 2>/dev/null)" 2>/dev/null
			break
		fi
		sleep 0.5
	done
	wait $pid || rc=$?
	[ -f "$log.stop" ] && cat "$log.stop" >>"$log" && rm -f "$log.stop"
	rm -f "$log.pid"
	tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
	[ "$rc" = 124 ] && echo "cycle_qemu: timed out" >>"$log"
	return 0
}

# stamp PIDFILE: with CYCLE_STAMP=1 (the benchmarks), each console line gets the host's
# time in front ("@1764650000.123 "), and the start and end of the process a line each.
# CYCLE_STAMP=cpu: the CPU seconds the QEMU process in PIDFILE has used so far too
# ("@1764650000.123 %12.34 "): what the guest costs the host, however busy the host is.
stamp() {
	case ${CYCLE_STAMP:-0} in
	1 | cpu) ;;
	*)
		cat
		return
		;;
	esac
	python3 -u -c '
import os, sys, time
cpu, pidfile = sys.argv[1] == "cpu", sys.argv[2]
def now():
    t = "@%.3f " % time.time()
    if not cpu:
        return t
    try:
        pid = open(pidfile).read().split()[0]
        f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
        return t + "%%%.2f " % ((int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK"))
    except (OSError, IndexError, ValueError):
        return t + "%? "
print(now() + "KJSTAMP: start", flush=True)
for line in sys.stdin:
    sys.stdout.write(now() + line)
    sys.stdout.flush()
print(now() + "KJSTAMP: end", flush=True)' "${CYCLE_STAMP}" "${1:-}"
}

# last / first "KJTEST: counter N" in a log
counter_last() { sed -n 's/.*KJTEST: counter \([0-9]*\).*/\1/p' "$1" | tail -1; }
counter_first() { sed -n 's/.*KJTEST: counter \([0-9]*\).*/\1/p' "$1" | head -1; }

token_of() { sed -n 's/.*KJTEST: token \([0-9a-f]*\).*/\1/p' "$1" | head -1; }

# check_resumed NAME BEFORE_LOG AFTER_LOG CYCLE: A went on where it stopped
check_resumed() {
	local n=$1 l1=$2 l2=$3 cyc=$4 last first tok2
	vm_expect "$l1" "kjump-save: saved [0-9]+ pages" "$n: B saved A's memory"
	vm_expect "$l1" "kjump: image saved; powering off" "$n: B powered off"
	vm_expect "$l2" "kjump-resume: jumping back into the hibernated kernel" "$n: C jumped back"
	last=$(counter_last "$l1") first=$(counter_first "$l2")
	tok2=$(sed -n "s/.*KJTEST: hibernate returned 0 cycle $cyc token \([0-9a-f]*\).*/\1/p" "$l2" | head -1)
	echo "  $n: counter $last before, $first after; token $TOKEN -> $tok2"
	[ -n "$last" ] && [ -n "$first" ] && [ "$first" -ge "$last" ] && [ "$first" -le $((last + 2)) ] &&
		pass "$n: the counter went on from $last (not from zero)" || fail "$n: counter $last -> '$first'"
	[ -n "$TOKEN" ] && [ "$TOKEN" = "$tok2" ] && pass "$n: token unchanged" || fail "$n: token '$TOKEN' -> '$tok2'"
	vm_expect "$l2" "KJTEST: disk readback: kjump cycle $cyc $TOKEN" "$n: A reads and writes its disk after the resume"
	vm_expect "$l2" "KJTEST: no image left on swap" "$n: the image was used up"
}

# where_kernel LOG PROGRAM: "0xSTART-0xEND inside|outside" from PROGRAM's "this kernel lies at"
where_kernel() {
	sed -n "s/.*$2: this kernel lies at \(0x[0-9a-f]*-0x[0-9a-f]*\), \(inside\|outside\).*/\1 \2/p" "$1" | head -1
}

# resume_region LOG: the region A says its resume kernel must get (cut to its firmware
# RAM), or the default
resume_region() {
	local r
	r=$(sed -n 's/.*KJTEST: resume cmdline \(memmap=exactmap.*\)$/\1/p' "$1" | head -1)
	echo "${r:-$REGION}"
}
