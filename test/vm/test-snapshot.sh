#!/bin/bash
# Snapshot boot on a real kernel (kjump-hibernate --snapshot, docs/SNAPSHOT.md).
# snapshot: A refuses a snapshot while a disk's file system is mounted read-write, naming
# it; with it read-only A takes one and B powers off. C resumes it twice, in two new QEMU
# processes: the image stays (kept), A's /dev/urandom differs between the two resumes
# (kjump-image reseed fed it C's entropy), its clock is right, --check and info say that
# a kept snapshot is there, its network interface still up. After the second resume A
# writes into the swap area (and the kernel refuses it as swap): the next boot refuses the
# snapshot, says why, and goes on.
# A second snapshot is dropped by kjump.discard, and the boot goes on.
# reseed: one snapshot resumed four times, the same process count in A after each
# (test/vm/jumpread.c: the jump, one kjump-image command, the read): with "kjump-image
# snapshot" the bytes read from /dev/urandom are the same twice, which is what the reseed
# prevents; with "kjump-image reseed" they differ, from each other and from those.
# Usage: test-snapshot.sh [snapshot|reseed ...]
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cycle.sh"
vm_find_kernel
cycle_prepare
MEM=384M

# A: a disk mounted read-write refuses the snapshot; read-only it is the appliance's
cat >"$WORK/s.scen" <<'SCEN'
[ -x /usr/lib/kjump/kjump-coldplug ] && /usr/lib/kjump/kjump-coldplug /dev/vda2
HIB="--device /dev/vda1 --kernel /boot/vmlinuz --initrd /boot/kjump-save.img"
# kjtest.jumpread: the kernel reseeds itself when its key is older than half the uptime
# (under two minutes): later, that is further off than the read after the resume
grep -q kjtest.jumpread /proc/cmdline && sleep 20
mkdir -p /mnt/data
if ! grep -q kjtest.quick /proc/cmdline; then
	mount -t ext4 /dev/vda2 /mnt/data && echo "KJTEST: mounted /dev/vda2 read-write"
	kjump-hibernate --snapshot $HIB
	echo "KJTEST: snapshot over a read-write disk returned $?"
	umount /mnt/data
fi
mount -t ext4 -o ro /dev/vda2 /mnt/data && echo "KJTEST: mounted /dev/vda2 read-only"
# an fstab that turns the swap area on at boot: a boot without resume= would drop the
# snapshot, which kjump-hibernate says (kjump-setup autoswap)
echo "/dev/vda1 none swap sw 0 0" >/etc/fstab
# a network interface up, as a machine's is (kexec -e would take it down: kjump-hibernate's -x)
ip link set eth0 up && echo "KJTEST: eth0 up before the snapshot"
head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n' >/tmp/token
echo "KJTEST: token $(cat /tmp/token)"
echo "KJTEST: taking the snapshot"
if grep -q kjtest.jumpread /proc/cmdline; then
	# B loaded with the snapshot's settings; the jump made by jumpread, which runs one
	# kjump-image command, as the host asks on the second disk, then reads the random
	# generator: nothing else runs in between
	kjump-hibernate --snapshot --load $HIB && jumpread /dev/vdb /dev/vda1
else
	kjump-hibernate --snapshot $HIB
fi
rc=$?
# Every process started draws random numbers (ASLR, stack canaries): the same ones in
# the same number after each resume, but a load of B running beside this one (started by
# kjump-hibernate after a resume) would draw them in another order. So its end is awaited
# first, by a loop of builtins, and nothing runs in the background (no counter here).
[ -f /run/kjump/loading ] && read -r lp </run/kjump/loading && while kill -0 "$lp" 2>/dev/null; do :; done
# what the random generator gives, and the clock
echo "KJTEST: urandom $(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "KJTEST: date $(date +%s)"
echo "KJTEST: snapshot returned $rc token $(cat /tmp/token)"
kjump-image info /dev/vda1 2>/dev/null | grep '^kept:' | sed 's/^/KJTEST: info /'
kjump-hibernate --check $HIB 2>/dev/null | grep 'kept snapshot' | sed 's/^/KJTEST: check /'
grep -q ' /mnt/data ext4 ro' /proc/mounts && echo "KJTEST: /dev/vda2 still read-only"
f=$(cat /sys/class/net/eth0/flags) && [ $((f & 1)) = 1 ] && echo "KJTEST: eth0 still up ($f)"
# what the host asks of this resume, on the second disk
blockdev --flushbufs /dev/vdb 2>/dev/null
cmd=$(head -c 64 /dev/vdb 2>/dev/null | tr -d '\0' | head -1)
if [ "$cmd" = corrupt ]; then
	swapon /dev/vda1 2>/dev/null
	echo "KJTEST: swapon of the snapshot's swap area returned $?"
	# as a program that takes the area for its own would: the image's data overwritten
	dd if=/dev/urandom of=/dev/vda1 bs=4096 seek=16 count=64 conv=notrunc,fsync 2>/dev/null
	echo "KJTEST: wrote into the snapshot's swap area"
fi
echo "KJTEST: workload done"
SCEN
vm_initramfs "$WORK/s.cpio.gz" "$WORK/s.scen" "$(command -v kexec)" \
	"$KJ_SRC/hibernate/kjump-hibernate:/bin/kjump-hibernate" "$KERNEL:/boot/vmlinuz" \
	"$WORK/b.cpio.gz:/boot/kjump-save.img" "$KJ_BIN/test/jumpread:/usr/bin/jumpread"
# C: resume, or go on and say what is left on the swap area
cat >"$WORK/r.scen" <<'SCEN'
kjump-resume
echo "KJTEST: kjump-resume returned $? (normal boot goes on)"
echo "KJTEST: MemTotal $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB"
kjump-image verify /dev/vda1 >/dev/null 2>&1
echo "KJTEST: image on the swap area after this boot: $([ $? = 0 ] && echo yes || echo none)"
SCEN
vm_initramfs "$WORK/r.cpio.gz" "$WORK/r.scen"

# snap_qemu NAME APPEND INITRD [COMMAND]: one QEMU process; COMMAND on its second disk;
# the host's time before and after in $WORK/NAME.t0, .t1
snap_qemu() {
	truncate -s 0 "$WORK/cmd.img" && truncate -s 1M "$WORK/cmd.img"
	[ -n "${4:-}" ] && printf '%s\n' "$4" | dd of="$WORK/cmd.img" conv=notrunc status=none
	date +%s >"$WORK/$1.t0"
	# (in the last PCI slot: probed after the disk, so that the disk stays vda)
	# (a network interface, eth0, on QEMU's user network)
	CYCLE_QEMU_EXTRA="-drive file=$WORK/cmd.img,format=raw,if=none,id=kjcmd -device virtio-blk-pci,drive=kjcmd,addr=0x1f -nic user,model=virtio-net-pci" \
		cycle_qemu "$WORK/$1.log" $MEM "$2" "$3" "$WORK/disk"
	date +%s >"$WORK/$1.t1"
}
# value NAME KEY: what A printed as "KJTEST: KEY VALUE"
value() { sed -n "s/.*KJTEST: $2 \([0-9a-f]*\)\$/\1/p" "$WORK/$1.log" | head -1; }

# resumed NAME N: C resumed the snapshot for the Nth time, A went on, its clock right
resumed() {
	local n=$1 k=$2 d t0 t1
	vm_expect "$WORK/$n.log" "kjump-resume: the image is kept: a snapshot made .* resumed on every boot" \
		"$n: C found the kept snapshot"
	vm_expect "$WORK/$n.log" "kjump-resume: the image stays \(a snapshot\): resume $k; fresh entropy left" \
		"$n: resume $k, the image not invalidated"
	vm_expect "$WORK/$n.log" "kjump-resume: jumping back into the snapshot" "$n: C jumped back"
	vm_expect "$WORK/$n.log" "KJTEST: snapshot returned 0 token $TOKEN" "$n: A runs again, its token unchanged"
	d=$(value "$n" date) t0=$(cat "$WORK/$n.t0") t1=$(cat "$WORK/$n.t1")
	echo "  $n: A's clock $d, the host's $t0-$t1"
	# (the guest's clock, read from QEMU's real-time clock to the second, may trail the
	# host's by a few seconds; the snapshot's own time is a QEMU process or more behind)
	[ -n "$d" ] && [ "$d" -ge $((t0 - 10)) ] && [ "$d" -le $((t1 + 10)) ] &&
		pass "$n: A's clock is right after the resume ($d within $t0-$t1)" ||
		fail "$n: A's clock '$d' is not within the host's $t0-$t1"
	vm_expect "$WORK/$n.log" "KJTEST: info kept: +yes, a snapshot: every boot resumes it until it is discarded; resumed $k time" \
		"$n: kjump-image info in A: kept, resumed $k time(s)"
	vm_expect "$WORK/$n.log" "KJTEST: check kjump-hibernate: note: /dev/vda1 holds a kept snapshot of .*resumed $k time" \
		"$n: kjump-hibernate --check in A: a kept snapshot is there"
	vm_expect "$WORK/$n.log" "kjump-hibernate: resumed the snapshot; /dev/vda1 holds it and stays off as swap" \
		"$n: the swap area is not turned on again"
	vm_expect "$WORK/$n.log" "KJTEST: /dev/vda2 still read-only" "$n: the disk is still mounted read-only"
	vm_expect "$WORK/$n.log" "KJTEST: eth0 still up" "$n: the network interface is still up"
}

variants=${*:-snapshot}
for v in $variants; do
	case $v in
	snapshot)
		vm_gpt_disk "$WORK/disk" 512
		snap_qemu s1 "" "$WORK/s.cpio.gz"
		vm_expect "$WORK/s1.log" "KJTEST: mounted /dev/vda2 read-write" "s1: a disk's file system mounted read-write"
		vm_expect "$WORK/s1.log" "KJTEST: eth0 up before the snapshot" "s1: eth0 up"
		vm_expect "$WORK/s1.log" "kjump-hibernate: mounted read-write: /dev/vda2 on /mnt/data \(ext4\)" \
			"s1: the snapshot refusal names the mount"
		vm_expect "$WORK/s1.log" "KJTEST: snapshot over a read-write disk returned 2" "s1: no snapshot over it"
		vm_expect "$WORK/s1.log" "kjump-hibernate: warning: a boot that does not resume would drop the snapshot: /etc/fstab turns it on as swap \(/dev/vda1\)" \
			"s1: the snapshot's warning: fstab turns the swap area on"
		vm_expect "$WORK/s1.log" "kjump-save: saving .*kept: a snapshot" "s1: B saved a kept image"
		vm_expect "$WORK/s1.log" "kjump: image saved; powering off" "s1: B powered off"
		TOKEN=$(token_of "$WORK/s1.log")
		snap_qemu r1 "$REGION resume=/dev/vda1" "$WORK/r.cpio.gz"
		resumed r1 1
		vm_expect "$WORK/r1.log" "kjump-hibernate: reseeded the random generator with 64 bytes of fresh entropy from the resume kernel \(resume 1 of the snapshot\)" \
			"r1: A's random generator reseeded with C's entropy"
		snap_qemu r2 "$REGION resume=/dev/vda1" "$WORK/r.cpio.gz" corrupt
		resumed r2 2
		u1=$(value r1 urandom) u2=$(value r2 urandom)
		echo "  /dev/urandom after resume 1: $u1"
		echo "  /dev/urandom after resume 2: $u2"
		[ ${#u1} = 64 ] && [ ${#u2} = 64 ] && [ "$u1" != "$u2" ] &&
			pass "the two resumes of one snapshot read different bytes from /dev/urandom" ||
			fail "/dev/urandom: '$u1' after resume 1, '$u2' after resume 2"
		# the swap area written after a resume: the next boot refuses the snapshot
		vm_expect "$WORK/r2.log" "KJTEST: swapon of the snapshot's swap area returned [1-9]" \
			"r2: the kernel refuses the snapshot's area as swap"
		vm_expect "$WORK/r2.log" "KJTEST: wrote into the snapshot's swap area" "r2: A wrote into the area"
		snap_qemu r3 "$REGION resume=/dev/vda1" "$WORK/r.cpio.gz"
		vm_expect "$WORK/r3.log" "kjump-resume: /dev/vda1: (unusable image|loading failed): data block [0-9]+: " \
			"r3: the snapshot whose data changed is refused"
		vm_expect "$WORK/r3.log" "kjump-resume: /dev/vda1 held a snapshot whose data changed since it was taken" \
			"r3: the refusal says why"
		vm_reject "$WORK/r3.log" "jumping back into the snapshot" "r3: no jump"
		vm_expect "$WORK/r3.log" "KJTEST: kjump-resume returned 3" "r3: the boot goes on"
		vm_expect "$WORK/r3.log" "KJTEST: image on the swap area after this boot: none" "r3: the snapshot was dropped"
		vm_expect "$WORK/r3.log" "memory: added [0-9]+ MiB" "r3: the rest of RAM hot-added"
		# kjump.discard: a new snapshot, dropped by the command line
		snap_qemu s2 "kjtest.quick" "$WORK/s.cpio.gz"
		vm_expect "$WORK/s2.log" "kjump: image saved; powering off" "s2: a second snapshot"
		snap_qemu r4 "$REGION resume=/dev/vda1 kjump.discard" "$WORK/r.cpio.gz"
		vm_expect "$WORK/r4.log" "kjump-resume: kjump.discard: the snapshot made .* on /dev/vda1 was invalidated; continuing the normal boot" \
			"r4: kjump.discard invalidates the snapshot"
		vm_reject "$WORK/r4.log" "jumping back into the snapshot" "r4: no jump"
		vm_expect "$WORK/r4.log" "KJTEST: kjump-resume returned 1" "r4: the boot goes on"
		vm_expect "$WORK/r4.log" "KJTEST: image on the swap area after this boot: none" "r4: nothing left to resume"
		;;
	reseed)
		vm_gpt_disk "$WORK/disk" 512
		snap_qemu j1 "kjtest.quick kjtest.jumpread" "$WORK/s.cpio.gz"
		TOKEN=$(token_of "$WORK/j1.log")
		for n in 2 3 4 5; do
			c=snapshot
			[ $n -ge 4 ] && c=reseed
			snap_qemu j$n "$REGION resume=/dev/vda1" "$WORK/r.cpio.gz" $c
			vm_expect "$WORK/j$n.log" "KJTEST: snapshot returned 0 token $TOKEN" "j$n: resume $((n - 1)) of the snapshot"
			vm_expect "$WORK/j$n.log" "KJTEST: ran kjump-image $c, exit 0" "j$n: kjump-image $c ran before the read"
		done
		u2=$(value j2 "urandom at the jump") u3=$(value j3 "urandom at the jump")
		u4=$(value j4 "urandom at the jump") u5=$(value j5 "urandom at the jump")
		echo "  /dev/urandom, resume 1, not reseeded: $u2"
		echo "  /dev/urandom, resume 2, not reseeded: $u3"
		echo "  /dev/urandom, resume 3, reseeded:     $u4"
		echo "  /dev/urandom, resume 4, reseeded:     $u5"
		[ ${#u2} = 64 ] && [ "$u2" = "$u3" ] &&
			pass "without the reseed, two resumes read the same bytes from /dev/urandom" ||
			fail "without the reseed: '$u2' and '$u3'"
		[ ${#u4} = 64 ] && [ ${#u5} = 64 ] && [ "$u4" != "$u5" ] && [ "$u4" != "$u2" ] && [ "$u5" != "$u2" ] &&
			pass "reseeded, the same two resumes read different bytes, each new" ||
			fail "reseeded: '$u4' and '$u5' (not reseeded: '$u2')"
		;;
	*) fail "unknown variant $v" ;;
	esac
done
finish
