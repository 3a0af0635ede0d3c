# shellcheck shell=bash
# A Debian system (12, or the DEBIAN_SUITE a test sets) for the QEMU tests, made the way a user's is: Debian's packages
# (mmdebstrap), the test kernel installed in /boot with the kernel hooks a kernel
# package runs, then the kjump package installed with apt; the disk holds its root
# file system (vda1) and a swap partition (vda2). Sourced by test-debian.sh after lib.sh.
# shellcheck disable=SC2034 # a library: DEBIAN_* are for the scripts that source it
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
# shellcheck disable=SC2153 # KERNEL, APPEND, T: set by the test that sources this

# The release (a test may set DEBIAN_SUITE=trixie before sourcing this) and its mirrors:
# those this machine's apt uses, so that the test reaches Debian where the machine does.
# For the machine's own release its sources file is pasted into the new sources.list;
# for another, the release and its -updates and -security suites at the machine's
# mirrors. KJUMP_DEBIAN_MIRROR overrides.
DEBIAN_SUITE=${DEBIAN_SUITE:-bookworm}
debian_mirrors() {
	local f uri=http://deb.debian.org/debian
	[ -n "${KJUMP_DEBIAN_MIRROR:-}" ] && { echo "$KJUMP_DEBIAN_MIRROR"; return; }
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
		[ -s "$f" ] && grep -q "$DEBIAN_SUITE" "$f" && { echo "$f"; return; }
	done
	f=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
	uri=${f:-$uri}
	echo "deb $uri $DEBIAN_SUITE main"
	echo "deb $uri $DEBIAN_SUITE-updates main"
	echo "deb $uri-security $DEBIAN_SUITE-security main"
}
DEBIAN_PACKAGES=${DEBIAN_PACKAGES:-systemd-sysv,dbus,udev,kexec-tools,dracut,procps,kmod,e2fsprogs,liblzo2-2,libblkid1}
DEBIAN_CACHE=${KJUMP_CACHE_DIR:-/var/cache/kjump-test}
DEBIAN_KVER=${DEBIAN_KVER:-6.1.192}
DEBIAN_SWAP_MIB=1024
DEBIAN_ROOT_MIB=${DEBIAN_ROOT_MIB:-1536}
# a third partition of this size (MiB, vda3, left empty) when set
DEBIAN_EXTRA_MIB=${DEBIAN_EXTRA_MIB:-0}
DEBIAN_SWAP_UUID=6b6a756d-7377-6170-2d64-656269616e31
# the lister of the system's initramfs images (dracut's; initramfs-tools' lsinitramfs)
DEBIAN_LSINITRD=${DEBIAN_LSINITRD:-lsinitrd}
DEBIAN_GEN=${DEBIAN_GEN:-dracut}

# debian_requires [TOOL...]: what a Debian test needs, or it is skipped: root (chroot,
# mounts), mmdebstrap, the initramfs lister, QEMU and each TOOL
# shellcheck disable=SC2120 # the TOOLs are optional
debian_requires() {
	local c
	[ "$(id -u)" = 0 ] || skip "needs root (chroot and mounts to build the Debian system)"
	for c in mmdebstrap "$DEBIAN_LSINITRD" qemu-system-x86_64 "$@"; do
		command -v "$c" >/dev/null || skip "$c not installed"
	done
}

# debian_kernel_package: Debian's kernel DEBIAN_KVER as built with kexec jump
# (KJUMP_DEBIAN_KERNEL_DIR, default ../shared/testkernel/debian): KERNEL, its bzImage,
# and DEBIAN_KERNEL_DEB, its linux-image package (installed with apt), or the test is
# skipped
debian_kernel_package() {
	local kdir=${KJUMP_DEBIAN_KERNEL_DIR:-$KJ_SRC/../shared/testkernel/debian}
	KERNEL=$kdir/bzImage-$DEBIAN_KVER
	DEBIAN_KERNEL_DEB=$(find "$kdir" -maxdepth 1 -name "linux-image-${DEBIAN_KVER}_*_amd64.deb" 2>/dev/null | sort | tail -1)
	[ -f "$KERNEL" ] && [ -n "$DEBIAN_KERNEL_DEB" ] ||
		skip "no Debian kernel $DEBIAN_KVER (bzImage and linux-image .deb) in $kdir (KJUMP_DEBIAN_KERNEL_DIR)"
}

# debian_base [PACKAGES]: path of the base system's tarball, made once and kept between
# runs; PACKAGES (comma-separated) more than DEBIAN_PACKAGES, each set its own tarball
debian_base() {
	local key tar pkgs=$DEBIAN_PACKAGES${1:+,$1}
	key=$(printf '%s\n' "$DEBIAN_SUITE" "$pkgs" | md5sum | cut -c1-12)
	tar=$DEBIAN_CACHE/debian-$DEBIAN_SUITE-$key.tar
	if [ ! -f "$tar" ]; then
		mkdir -p "$DEBIAN_CACHE" || return 1
		# the name's ending tells mmdebstrap the format
		# and its proxy settings, if any (apt in the new system does not read the host's)
		local opts=() f mirrors=()
		for f in /etc/apt/apt.conf.d/*; do
			[ -f "$f" ] && grep -qi 'proxy' "$f" && opts+=(--aptopt="$f")
		done
		mapfile -t mirrors < <(debian_mirrors)
		mmdebstrap --quiet --variant=minbase --include="$pkgs" "${opts[@]}" \
			"$DEBIAN_SUITE" "$tar.new.tar" "${mirrors[@]}" >"$WORK/mmdebstrap.log" 2>&1 ||
			{ tail -n 20 "$WORK/mmdebstrap.log" >&2; rm -f "$tar.new.tar"; return 1; }
		mv "$tar.new.tar" "$tar"
	fi
	echo "$tar"
}

# in_root DIR CMD...: run CMD chrooted into DIR with /proc, /sys and /dev, as a
# package's maintainer scripts see them
in_root() {
	local root=$1 rc=0
	shift
	mount -t proc proc "$root/proc" && mount --rbind /sys "$root/sys" && mount --rbind /dev "$root/dev" ||
		return 1
	mount -t tmpfs tmpfs "$root/run"
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@" || rc=$?
	umount "$root/run"
	umount -R "$root/dev" "$root/sys"
	umount "$root/proc"
	return $rc
}

# debian_kernel ROOT KERNEL: install the test kernel as a kernel package would, and run
# the kernel hooks (/etc/kernel/postinst.d: dracut builds the system's initramfs)
debian_kernel() {
	local root=$1 kernel=$2
	install -m 644 "$kernel" "$root/boot/vmlinuz-$DEBIAN_KVER"
	# its configuration beside it, as Debian's kernel packages install it
	[ -f "${kernel%/*}/config-${kernel##*/bzImage-}" ] &&
		install -m 644 "${kernel%/*}/config-${kernel##*/bzImage-}" "$root/boot/config-$DEBIAN_KVER"
	# everything is built in: an empty module tree, as depmod leaves it
	mkdir -p "$root/lib/modules/$DEBIAN_KVER"
	: >"$root/lib/modules/$DEBIAN_KVER/modules.order"
	: >"$root/lib/modules/$DEBIAN_KVER/modules.builtin"
	in_root "$root" depmod "$DEBIAN_KVER" && debian_kernel_hooks "$root"
}

# debian_kernel_deb ROOT DEB: install a kernel package (DEB, linux-image-$DEBIAN_KVER made
# by the kernel's make bindeb-pkg) with apt, as a Debian user installs a kernel they
# built: its postinst runs the kernel hooks (dracut builds the system's initramfs)
debian_kernel_deb() {
	local root=$1 deb=$2
	cp "$deb" "$root/tmp/" &&
		in_root "$root" apt-get install -y --no-install-recommends "/tmp/${deb##*/}" &&
		rm -f "$root/tmp/${deb##*/}"
}

# debian_kernel_hooks ROOT: what a kernel package's postinst runs for its kernel
debian_kernel_hooks() {
	in_root "$1" run-parts --report --arg="$DEBIAN_KVER" --arg="/boot/vmlinuz-$DEBIAN_KVER" /etc/kernel/postinst.d
}

# initramfs_has IMAGE PATTERN: the lister lists a file matching PATTERN (a grep -E regex)
initramfs_has() {
	local list
	list=$("$DEBIAN_LSINITRD" "$1" 2>&1) || return 1
	grep -Eq -- "$2" <<<"$list"
}

# debian_configure ROOT [SWAP]: what an installer leaves: fstab, host name, the swap
# area in use (SWAP, default /dev/vda2), a generic dracut (the chroot's hardware is not
# the VM's)
debian_configure() {
	local root=$1
	cat >"$root/etc/fstab" <<-EOF
		/dev/vda1 / ext4 rw,errors=remount-ro 0 1
		${2:-/dev/vda2} none swap sw 0 0
	EOF
	echo kjtest >"$root/etc/hostname"
	echo "LOAD_KEXEC=false" >"$root/etc/default/kexec"
	mkdir -p "$root/etc/dracut.conf.d"
	printf 'hostonly="no"\ncompress="gzip"\n' >"$root/etc/dracut.conf.d/10-kjtest.conf"
	# no login prompt on the console: the test reads it
	in_root "$root" systemctl mask serial-getty@ttyS0.service getty@tty1.service >/dev/null 2>&1
}

# debian_disk OUT ROOT [SWAP_IMG]: vda1 ext4 with ROOT's files, vda2 swap (or SWAP_IMG's
# contents, DEBIAN_SWAP_MIB, moved there)
debian_disk() {
	local out=$1 root=$2 swap=${3:-}
	local extra=""
	[ "$DEBIAN_EXTRA_MIB" -gt 0 ] &&
		extra="start=$((DEBIAN_ROOT_MIB + DEBIAN_SWAP_MIB + 1))MiB, size=${DEBIAN_EXTRA_MIB}MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=extra"
	truncate -s $((DEBIAN_ROOT_MIB + DEBIAN_SWAP_MIB + DEBIAN_EXTRA_MIB + 2))M "$out"
	sfdisk -q "$out" >/dev/null <<-SF || return 1
		label: gpt
		start=1MiB, size=${DEBIAN_ROOT_MIB}MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=root
		start=$((DEBIAN_ROOT_MIB + 1))MiB, size=${DEBIAN_SWAP_MIB}MiB, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, name=swap
		$extra
	SF
	truncate -s "${DEBIAN_ROOT_MIB}M" "$WORK/root.img"
	mkfs.ext4 -q -F -b 4096 -L root ${DEBIAN_ROOT_UUID:+-U "$DEBIAN_ROOT_UUID"} -d "$root" "$WORK/root.img" || return 1
	dd if="$WORK/root.img" of="$out" bs=1M seek=1 conv=notrunc,sparse status=none
	if [ -z "$swap" ]; then
		swap=$WORK/swap.img
		truncate -s "${DEBIAN_SWAP_MIB}M" "$swap"
		mkswap -q -L swap -U "$DEBIAN_SWAP_UUID" "$swap" || return 1
	fi
	dd if="$swap" of="$out" bs=1M seek=$((DEBIAN_ROOT_MIB + 1)) conv=notrunc status=none
	rm -f "$WORK/root.img" "$swap"
}

# debian_install ROOT [PACKAGES [SWAP]]: the system as a user's is: kjump's package built
# (scripts/build-deb.sh), Debian's packages (the base and PACKAGES), what an installer
# leaves (debian_configure, SWAP in fstab), the test kernel with its hooks (or, with
# DEBIAN_KERNEL_DEB, that kernel package installed with apt), then kjump installed with
# apt (its postinst builds B's initramfs)
debian_install() {
	local root=$1 deb base
	deb=$("$KJ_SRC/scripts/build-deb.sh" "$WORK/deb-build") || { fail "the kjump package did not build"; return 1; }
	pass "scripts/build-deb.sh built $(basename "$deb")"
	base=$(debian_base "${2:-}") || { fail "mmdebstrap could not make the Debian $DEBIAN_SUITE system"; return 1; }
	mkdir -p "$root" && tar -C "$root" -xf "$base" || { fail "cannot unpack $base"; return 1; }
	debian_configure "$root" "${3:-}"
	if [ -n "${DEBIAN_KERNEL_DEB:-}" ]; then
		debian_kernel_deb "$root" "$DEBIAN_KERNEL_DEB" >"$WORK/kernel-hooks.log" 2>&1 &&
			pass "apt-get install ${DEBIAN_KERNEL_DEB##*/}" ||
			{ fail "the kernel package's installation failed"; tail "$WORK/kernel-hooks.log" >&2; return 1; }
	else
		debian_kernel "$root" "$KERNEL" >"$WORK/kernel-hooks.log" 2>&1 ||
			{ fail "the kernel hooks failed"; tail "$WORK/kernel-hooks.log" >&2; return 1; }
	fi
	[ -s "$root/boot/initrd.img-$DEBIAN_KVER" ] && pass "the kernel hooks: $DEBIAN_GEN built the system's initramfs" ||
		{ fail "no /boot/initrd.img-$DEBIAN_KVER"; return 1; }
	cp "$deb" "$root/tmp/"
	in_root "$root" apt-get install -y "/tmp/$(basename "$deb")" >"$WORK/apt.log" 2>&1 &&
		pass "apt-get install kjump" || { fail "apt-get install kjump"; tail -n 30 "$WORK/apt.log" >&2; return 1; }
	grep -F "kjump-mkinitrd: done: /boot/kjump-save-$DEBIAN_KVER.img" "$WORK/apt.log" >/dev/null &&
		pass "postinst: kjump-mkinitrd built B's initramfs" || fail "postinst built no B initramfs"
}

# debian_test_parts ROOT [FILE...]: the test's own parts: the service with state, the
# sleep hook, the driver, and FILEs (a test's kjtest-extra-* steps) to /usr/local/sbin
debian_test_parts() {
	local root=$1 d=$KJ_SRC/test/vm/debian
	shift
	install -m 755 "$KJ_BIN/test/memhog" "$d/kjtest-state" "$d/kjtest-drive" "$@" "$root/usr/local/sbin/"
	install -m 644 "$d/kjtest-state.service" "$d/kjtest-drive.service" "$root/etc/systemd/system/"
	mkdir -p "$root/usr/lib/systemd/system-sleep"
	install -m 755 "$d/kjtest-hook" "$root/usr/lib/systemd/system-sleep/kjtest"
	in_root "$root" systemctl enable kjtest-state.service kjtest-drive.service >/dev/null 2>&1
}

# debian_finish ROOT INITRD [FILE...]: the test's parts (debian_test_parts, FILEs its
# kjtest-extra-* steps), the system's initramfs INITRD kept for QEMU's -initrd, the disk
# made from ROOT (the swap partition holding $DEBIAN_SWAP_IMG when set), ROOT removed
debian_finish() {
	local root=$1 initrd=$2
	shift 2
	debian_test_parts "$root" "$@"
	cp "$initrd" "$WORK/initrd.img"
	debian_disk "$WORK/disk.img" "$root" ${DEBIAN_SWAP_IMG:+"$DEBIAN_SWAP_IMG"} ||
		{ fail "the disk image"; return 1; }
	rm -rf "$root"
}

# debian_build: the test's build_system, or the test ends here (no system, no boot)
debian_build() {
	build_system && return 0
	fail "the Debian $DEBIAN_SUITE system could not be built: no QEMU boot"
	finish
	exit 1
}

# debian_qemu IN OUT: the machine's QEMU process ($WORK/disk.img, the system's own
# kernel $KERNEL and initramfs, command line $APPEND, DEBIAN_QEMU_ARGS more of QEMU's
# arguments), at most $T seconds; the console's input from IN, its output to OUT
DEBIAN_QEMU_ARGS=()
debian_qemu() {
	timeout --foreground -k 5 "$T" qemu-system-x86_64 -accel tcg -nographic -no-reboot \
		-m 1G -smp 2 -kernel "$KERNEL" -initrd "${BOOT_INITRD:-$WORK/initrd.img}" -append "$APPEND" \
		-drive "file=$WORK/disk.img,format=raw,if=virtio" "${DEBIAN_QEMU_ARGS[@]}" <"$1" >"$2" 2>&1
}

# boot LOG [PROMPT ANSWER]...: the machine (debian_qemu) until it powers off or its
# time is up, its console in LOG. Each time a console line matching PROMPT (a grep -E regex) appears, ANSWER and
# a newline are typed on the console (QEMU's standard input, a FIFO), $BOOT_DELAY seconds
# later (a user typing slowly).
boot() {
	local log=$1 rc=0 in=/dev/null fd qemu i n
	shift
	local prompts=("$@") answered=()
	if [ $# -gt 0 ]; then
		in=$WORK/console.in
		rm -f "$in" && mkfifo -m 600 "$in"
		exec {fd}<>"$in" # a writer held open: QEMU's open does not wait, nor sees EOF
	fi
	: >"$log.raw"
	debian_qemu "$in" "$log.raw" &
	qemu=$!
	while [ $# -gt 0 ] && kill -0 "$qemu" 2>/dev/null; do
		for ((i = 0; i < ${#prompts[@]}; i += 2)); do
			n=$(grep -Eac -- "${prompts[i]}" "$log.raw") || true
			[ "$n" -gt "${answered[i]:-0}" ] || continue
			sleep "${BOOT_DELAY:-0}"
			printf '%s\n' "${prompts[i + 1]}" >&"$fd"
			answered[i]=$n
		done
		sleep 1
	done
	wait "$qemu" || rc=$?
	[ -z "${fd:-}" ] || { exec {fd}>&-; rm -f "$in"; }
	tr -d '\r' <"$log.raw" >"$log" && rm -f "$log.raw"
	[ "$rc" = 124 ] && echo "boot: timed out after $T s" >>"$log"
	return 0
}

# show LOG TITLE: for the demo (KJUMP_DEMO=1), what the console said that matters
show() {
	[ "${KJUMP_DEMO:-}" = 1 ] || return 0
	echo "== $2"
	grep -aE "KJTEST: |kjump-resume: |kjump-save: |kjump: |kjump-hibernate: " "$1" |
		grep -v "KJTEST: journal: kjtest-state" | sed 's/^/   /'
}

# line LOG PREFIX: the rest of the first "KJTEST: PREFIX" line
line() { sed -n "s/^.*KJTEST: $2//p" "$1" | head -1; }

# debian_expect_up LOG: A's console: the system came up as a user's does (systemd, no
# failed unit) and kjump-load.service loaded B
debian_expect_up() {
	local failed
	vm_expect "$1" "KJTEST: system (running|degraded)" "A: systemd brought the system up"
	failed=$(line "$1" "failed units: ")
	[ -z "${failed// /}" ] && pass "A: no failed unit" || fail "A: failed units: $failed"
	vm_expect "$1" "KJTEST: kjump-load active 1" "A: kjump-load.service loaded B at boot"
}

# debian_expect_hibernated LOG: A's console: systemctl hibernate, B saved and powered off
debian_expect_hibernated() {
	vm_expect "$1" "KJTEST: hibernating" "A: systemctl hibernate"
	vm_reject "$1" "KJTEST: systemctl hibernate failed" "A: logind took the hibernation"
	vm_expect "$1" "kjump-save: .*saved|image saved; powering off" "B: kjump-save saved the image and powered off"
	# (after the last hibernation of this boot: a resumed boot may hibernate again)
	tac "$1" | sed '/KJTEST: hibernating/q' | grep -q "KJTEST: state after" &&
		fail "A never left: systemctl hibernate returned in the same boot"
	grep -q "boot: timed out" "$1" && fail "A's QEMU process did not end within $T s"
	return 0
}

# debian_expect_resumed A_LOG C_LOG: C jumped back into A, whose service went on with
# its state (process, token, counter, patterned memory)
debian_expect_resumed() {
	local before after pid0 tok0 n0 pid1 tok1 n1
	vm_expect "$2" "kjump-resume: .*jump" "C: kjump-resume jumped back into A"
	vm_reject "$2" "KJTEST: a normal boot again" "C did not boot on normally"
	before=$(line "$1" "state before: ")
	after=$(line "$2" "state after: ")
	read -r pid0 tok0 n0 <<<"$before"
	read -r pid1 tok1 n1 <<<"$after"
	[ -n "$tok0" ] && [ "$pid0 $tok0" = "$pid1 $tok1" ] &&
		pass "the service's process and token are the same after the resume: $pid1 $tok1" ||
		fail "the service's state: before '$before', after '$after'"
	[ -n "$n1" ] && [ "$n1" -ge "$n0" ] && [ "$n1" -le $((n0 + 120)) ] &&
		pass "the service's counter went on from $n0 to $n1 (not from zero)" || fail "counter $n0 -> '$n1'"
	vm_expect "$2" "KJTEST: memhog: KJTEST: memhog intact 192 MiB" "the service's 192 MiB of patterned memory is intact"
}

# upgrade_kernel ROOT: a kernel package's installation runs the kernel hooks again:
# B's initramfs is built anew (kjump's hook) and the system's has kjump-resume
# (the generator's hook: dracut's with kjump's dracut.conf.d, or initramfs-tools' with
# kjump's hook)
upgrade_kernel() {
	local root=$1
	touch -d '1 minute ago' "$root/boot/kjump-save-$DEBIAN_KVER.img"
	touch "$root/boot/vmlinuz-$DEBIAN_KVER"
	debian_kernel_hooks "$root" >"$WORK/upgrade.log" 2>&1 || { fail "the kernel hooks failed"; return; }
	grep -q "kjump-mkinitrd: done: /boot/kjump-save-$DEBIAN_KVER.img" "$WORK/upgrade.log" &&
		[ "$root/boot/kjump-save-$DEBIAN_KVER.img" -nt "$root/boot/vmlinuz-$DEBIAN_KVER" ] &&
		pass "a kernel's installation rebuilds B's initramfs (/etc/kernel/postinst.d/kjump)" ||
		fail "the kernel hooks did not rebuild B's initramfs: $(tail -3 "$WORK/upgrade.log")"
	initramfs_has "$root/boot/initrd.img-$DEBIAN_KVER" 'usr/sbin/kjump-resume$' &&
		pass "... and $DEBIAN_GEN's hook puts kjump-resume in the system's initramfs" ||
		fail "the system's initramfs from the kernel hook lacks kjump-resume"
}

# remove_package ROOT: on a copy of the system, apt-get remove and purge undo it all
remove_package() {
	local copy=$WORK/removed
	cp -a "$1" "$copy"
	in_root "$copy" apt-get remove -y kjump >"$WORK/remove.log" 2>&1 || { fail "apt-get remove kjump"; return; }
	ls "$copy"/boot/kjump-save-* >/dev/null 2>&1 && fail "B's initramfs left after the removal" ||
		pass "apt-get remove: B's initramfs files are gone"
	initramfs_has "$copy/boot/initrd.img-$DEBIAN_KVER" 'sbin/kjump-resume$' && fail "the system's initramfs still runs kjump-resume" ||
		pass "apt-get remove: the system's initramfs was rebuilt without kjump"
	[ ! -e "$copy/usr/lib/systemd/system/systemd-hibernate.service.d/kjump.conf" ] &&
		[ ! -e "$copy/etc/systemd/system/multi-user.target.wants/kjump-load.service" ] &&
		pass "apt-get remove: systemd's hibernation is the kernel's again, kjump-load disabled" ||
		fail "systemd pieces left after the removal"
	# the GRUB snippet is a conffile: kept until purge, but it adds nothing without kjump
	# shellcheck disable=SC2016 # expanded inside the system
	out=$(in_root "$copy" sh -ec 'GRUB_CMDLINE_LINUX=x; . /etc/default/grub.d/kjump.cfg; echo "[$GRUB_CMDLINE_LINUX]"') || out="failed"
	[ "$out" = "[x]" ] && pass "apt-get remove: the GRUB snippet adds nothing" || fail "the GRUB snippet after removal: '$out'"
	in_root "$copy" apt-get purge -y kjump >>"$WORK/remove.log" 2>&1 &&
		[ ! -e "$copy/etc/kjump/hibernate.conf" ] && [ ! -e "$copy/etc/default/grub.d/kjump.cfg" ] &&
		pass "apt-get purge: the settings file and the GRUB snippet are gone" || fail "purge"
	rm -rf "$copy"
}
