#!/bin/bash
# kjump-hibernate --check on a made-up machine (KJUMP_ROOT): a ready one says so; each
# thing taken away is named as a problem with its fix, and the exit status says "not ready".
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
KH=$KJ_SRC/hibernate/kjump-hibernate
# its computations: kjump-setup of this build
export KJUMP_SETUP=$KJ_BIN/kjump-setup
R=$WORK/root
rel=$(uname -r)

# A case that cannot run here (no lsinitrd, not root) is skipped alone, and the rest
# go on; in CI (KJUMP_REQUIRE_ALL=1) it fails instead.
skip_case() {
	if [ "${KJUMP_REQUIRE_ALL:-}" = 1 ]; then
		fail "cannot run, and KJUMP_REQUIRE_ALL=1: $*"
	else
		echo "SKIP: $*"
	fi
}

# a ready machine: the kernel options, the memory probe, 1 GiB of firmware RAM, the
# region on the command line, a 2 GiB swap partition, B's kernel and initramfs
make_ready() {
	rm -rf "$R"
	mkdir -p "$R/proc/sys/kernel" "$R/boot" "$R/dev" "$R/sys/devices/system/memory" \
		"$R/sys/firmware/memmap/0" "$R/sys/firmware/memmap/1" "$R/sys/class/block/vda1" \
		"$R/sys/kernel/security"
	printf 'CONFIG_%s=y\n' KEXEC KEXEC_JUMP HIBERNATION MEMORY_HOTPLUG ARCH_MEMORY_PROBE \
		FIRMWARE_MEMMAP >"$R/boot/config-$rel"
	: >"$R/sys/devices/system/memory/probe"
	echo 0 >"$R/proc/sys/kernel/kexec_load_disabled"
	echo "[none] integrity confidentiality" >"$R/sys/kernel/security/lockdown"
	printf '0x0\n' >"$R/sys/firmware/memmap/0/start"
	printf '0x9fbff\n' >"$R/sys/firmware/memmap/0/end"
	printf '0x100000\n' >"$R/sys/firmware/memmap/1/start"
	printf '0x3fffffff\n' >"$R/sys/firmware/memmap/1/end"
	echo "System RAM" >"$R/sys/firmware/memmap/0/type"
	echo "System RAM" >"$R/sys/firmware/memmap/1/type"
	: >"$R/dev/vda1"
	echo 4194304 >"$R/sys/class/block/vda1/size"
	printf 'MemTotal: 1000000 kB\nMemFree: 600000 kB\n' >"$R/proc/meminfo"
	: >"$R/boot/vmlinuz"
	: >"$R/boot/kjump-save.img"
	touch -d '1 minute ago' "$R/boot/vmlinuz"
	region=$(KJUMP_ROOT=$R sh "$KH" --resume-cmdline)
	echo "BOOT_IMAGE=/vmlinuz root=/dev/vda2 $region resume=/dev/vda1 quiet" >"$R/proc/cmdline"
}

# check NAME EXPECT_RC REGEX...: run the check; the status and every line must match
check() {
	local name=$1 want=$2 out rc=0
	shift 2
	out=$(KJUMP_ROOT=$R KEXEC=$WORK/kexec PATH="$WORK/bin:$PATH" KJUMP_CONF=/nonexistent \
		KJUMP_INITRAMFS_GENERATOR=${GEN-dracut} \
		sh "$KH" --check --device /dev/vda1 --kernel /boot/vmlinuz --initrd /boot/kjump-save.img) || rc=$?
	[ "$rc" = "$want" ] && pass "$name: exit $rc" || { fail "$name: exit $rc, want $want"; echo "$out" >&2; }
	for re in "$@"; do
		grep -Eq -- "$re" <<<"$out" && pass "$name: says '$re'" || { fail "$name: no line '$re'"; echo "$out" >&2; }
	done
}

# kexec-tools and kjump-image, as the check sees them
mkdir -p "$WORK/bin"
# (kexec-tools, tried on a file that is not there, says it cannot open it)
cat >"$WORK/kexec" <<'FAKE'
#!/bin/sh
for a; do f=$a; done
echo "Cannot open \`$f': No such file or directory" >&2
exit 1
FAKE
# (a kept snapshot on the swap area while $WORK/kept exists)
cat >"$WORK/bin/kjump-image" <<FAKE
#!/bin/sh
[ "\$1" = snapshot ] || exit 0
[ -e "$WORK/kept" ] || exit 1
echo "a kept snapshot of 6.1.0, made 2026-12-07 03:00:00 UTC; resumed 2 times"
FAKE
chmod +x "$WORK/kexec" "$WORK/bin/kjump-image"

make_ready
check ready 0 "ok: CONFIG_KEXEC_JUMP" "ok: the command line carries the region" \
	"ok: swap device /dev/vda1 \(2048 MiB" "this machine can hibernate with kjump"

# memory hot-added after the restricted boot has firmware map entries of its own, inside
# the firmware's RAM: the fitted region does not change (a region larger than the
# boot's, so that the hot-added entries lie inside it)
r="memmap=exactmap memmap=636K@0 memmap=255M@1M mem=256M"
make_ready
without=$(KJUMP_ROOT=$R KJUMP_REGION=$r sh "$KH" --resume-cmdline)
for e in 2:0x8000000:0xfffffff 3:0x10000000:0x17ffffff; do
	IFS=: read -r i start end <<<"$e"
	mkdir -p "$R/sys/firmware/memmap/$i"
	echo "System RAM" >"$R/sys/firmware/memmap/$i/type"
	echo "$start" >"$R/sys/firmware/memmap/$i/start"
	echo "$end" >"$R/sys/firmware/memmap/$i/end"
done
with=$(KJUMP_ROOT=$R KJUMP_REGION=$r sh "$KH" --resume-cmdline)
[ -n "$with" ] && [ "$with" = "$without" ] && pass "hot-added entries leave the fitted region as it is: $with" ||
	fail "with hot-added entries '$with', without '$without'"

# RAM above 2 GiB and 4 GiB (a 6 GiB machine): addresses past 32 bits
make_ready
printf '0xbffdffff\n' >"$R/sys/firmware/memmap/1/end"
mkdir -p "$R/sys/firmware/memmap/2"
echo "System RAM" >"$R/sys/firmware/memmap/2/type"
printf '0x100000000\n' >"$R/sys/firmware/memmap/2/start"
printf '0x1bfffffff\n' >"$R/sys/firmware/memmap/2/end"
big=$(KJUMP_ROOT=$R sh "$KH" --resume-cmdline)
[ "$big" = "memmap=exactmap memmap=636K@0x0 memmap=130048K@0x100000 mem=131072K" ] &&
	pass "6 GiB of RAM: the region is fitted as with 1 GiB" || fail "6 GiB of RAM: '$big'"
if command -v busybox >/dev/null; then
	big=$(KJUMP_ROOT=$R busybox sh "$KH" --resume-cmdline)
	[ "$big" = "memmap=exactmap memmap=636K@0x0 memmap=130048K@0x100000 mem=131072K" ] &&
		pass "6 GiB of RAM, busybox sh (the tests' A): the same" || fail "6 GiB of RAM, busybox: '$big'"
fi

make_ready
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda2 memmap=exactmap memmap=64M@1M resume=/dev/vda1" >"$R/proc/cmdline"
check "wrong region" 1 "PROBLEM: this kernel's command line lacks the region: .*fix: boot with" \
	"1 problem\(s\)"

make_ready
rm "$R/dev/vda1"
check "no swap" 1 "PROBLEM: swap device /dev/vda1 does not exist"

make_ready
echo 409600 >"$R/sys/class/block/vda1/size"
check "too small swap" 1 "PROBLEM: /dev/vda1 holds 200 MiB, 390 MiB are in use"

make_ready
sed -i '/KEXEC_JUMP/d' "$R/boot/config-$rel"
rm "$R/sys/devices/system/memory/probe"
echo "none [integrity] confidentiality" >"$R/sys/kernel/security/lockdown"
sed -i 's/ resume=\/dev\/vda1//' "$R/proc/cmdline"
check "several" 1 "PROBLEM: this kernel lacks CONFIG_KEXEC_JUMP" "PROBLEM: this kernel lacks CONFIG_KEXEC_FILE" \
	"PROBLEM: the kernel is locked down" "PROBLEM: no resume= on the command line" \
	"PROBLEM: this kernel's command line lacks the region:.* retain_initrd" "5 problem\(s\)"

# Debian 13's stock kernel (its config, captured): no kexec jump, said in one line that
# points at docs/KERNEL.md; the hibernation itself refuses with the same line
make_ready
rm "$R/sys/devices/system/memory/probe"
sed -i '/ARCH_MEMORY_PROBE/d' "$R/boot/config-$rel"
region=$(KJUMP_ROOT=$R sh "$KH" --resume-cmdline)
grep -v '^#' "$KJ_SRC/test/data/config-6.12-deb13-stock" >"$R/boot/config-$rel"
: >"$R/sys/kernel/kexec_loaded"
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda2 $region resume=/dev/vda1 quiet" >"$R/proc/cmdline"
check "stock Debian kernel" 1 "^kjump-hibernate: PROBLEM: this kernel lacks CONFIG_KEXEC_JUMP, .*docs/KERNEL.md" \
	"ok: CONFIG_KEXEC_FILE" "1 problem\(s\)"
out=$(KJUMP_ROOT=$R KEXEC=$WORK/kexec PATH="$WORK/bin:$PATH" KJUMP_CONF=/nonexistent \
	sh "$KH" --device /dev/vda1 --kernel /boot/vmlinuz --initrd /boot/kjump-save.img 2>&1) && rc=0 || rc=$?
[ "$rc" != 0 ] && grep -q 'lacks CONFIG_KEXEC_JUMP, .*docs/KERNEL.md' <<<"$out" && [ "$(wc -l <<<"$out")" = 1 ] &&
	pass "stock Debian kernel: hibernation refused in one line" || { fail "stock kernel: exit $rc"; echo "$out" >&2; }
# ... and nothing for GRUB's command line: the stock kernel boots as it did
for o in --grub-cmdline --resume-cmdline; do
	out=$(KJUMP_ROOT=$R KJUMP_CONF=/nonexistent sh "$KH" $o --device /dev/vda1 2>/dev/null) && rc=0 || rc=$?
	[ "$rc" != 0 ] && [ -z "$out" ] && pass "stock Debian kernel: $o prints no region (exit $rc)" ||
		fail "stock Debian kernel: $o printed '$out' (exit $rc)"
done

# kexec-tools 2.0.27 and later without -c (kexec_file_load by default), as 2.0.29 says it
make_ready
printf '#!/bin/sh\necho "kexec: --load-preserve-context not supported with kexec_file_load" >&2\nexit 1\n' >"$WORK/kexec.new"
mv "$WORK/kexec" "$WORK/kexec.ok" && mv "$WORK/kexec.new" "$WORK/kexec" && chmod +x "$WORK/kexec"
check "kexec without -c" 1 "PROBLEM: no kexec that loads with -c --load-preserve-context: kexec: --load-preserve-context not supported"
mv "$WORK/kexec.ok" "$WORK/kexec"

# no memory probe (most distributions' kernels): the boot with no image kexecs into all
# memory; the region is 384 MiB, and retain_initrd keeps that boot's initrd for it
make_ready
rm "$R/sys/devices/system/memory/probe"
sed -i '/ARCH_MEMORY_PROBE\|MEMORY_HOTPLUG/d' "$R/boot/config-$rel"
echo CONFIG_KEXEC_FILE=y >>"$R/boot/config-$rel"
region=$(KJUMP_ROOT=$R sh "$KH" --resume-cmdline)
[ "$region" = "memmap=exactmap memmap=636K@0x0 memmap=392192K@0x100000 mem=393216K retain_initrd" ] &&
	pass "no probe: a 384 MiB region and retain_initrd" || fail "no probe: region '$region'"
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda2 $region resume=/dev/vda1 quiet" >"$R/proc/cmdline"
check "no probe" 0 "ok: CONFIG_KEXEC_FILE" "ok: no memory probe: a boot with no image boots again into all memory" \
	"ok: the command line carries the region" "this machine can hibernate with kjump"
# that boot, booted again into all memory: its command line has no region, by design
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda2 resume=/dev/vda1 quiet kjump.fallback=done" >"$R/proc/cmdline"
check "booted again into all memory" 0 "ok: booted from the region again into all memory" \
	"this machine can hibernate with kjump"

# no kernel config to read: the options that leave a trace in /sys are judged by it
make_ready
rm "$R/boot/config-$rel"
mkdir -p "$R/sys/power" && : >"$R/sys/power/disk"
check "no config" 1 "PROBLEM: this kernel lacks CONFIG_KEXEC \(no /sys/kernel/kexec_loaded\)" \
	"ok: CONFIG_HIBERNATION \(/sys/power/disk\)" "ok: CONFIG_ARCH_MEMORY_PROBE" \
	"cannot tell: CONFIG_KEXEC_JUMP" "PROBLEM: this kernel lacks CONFIG_MEMORY_HOTPLUG"

make_ready
touch -d '2 minutes ago' "$R/boot/kjump-save.img"
check "stale initramfs" 1 "PROBLEM: /boot/kjump-save.img is older than /boot/vmlinuz"

# the resume kernel's initramfs (read with dracut's lsinitrd): with and without kjump-resume
if command -v lsinitrd >/dev/null && command -v cpio >/dev/null; then
	mkdir -p "$WORK/c/usr/sbin" && : >"$WORK/c/usr/sbin/kjump-resume"
	make_ready
	(cd "$WORK/c" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$R/boot/initrd.img-$rel"
	check "resume initramfs" 0 "ok: the resume kernel's initramfs /boot/initrd.img-$rel runs kjump-resume"
	rm "$WORK/c/usr/sbin/kjump-resume" && : >"$WORK/c/usr/sbin/other"
	(cd "$WORK/c" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$R/boot/initrd.img-$rel"
	check "resume initramfs without kjump" 1 \
		"PROBLEM: /boot/initrd.img-$rel does not run kjump-resume \(fix: dracut --add kjump -f"
else
	skip_case "the resume initramfs cases: no lsinitrd (dracut-core) or cpio"
fi

# initramfs-tools: --check names it and reads the resume kernel's initramfs with its
# lsinitramfs; the fix is update-initramfs. Found by kjump-mkinitrd --system-generator
# (update-initramfs is there), or told (KJUMP_INITRAMFS_GENERATOR).
if command -v lsinitramfs >/dev/null && command -v cpio >/dev/null; then
	rm -rf "$WORK/c4" && mkdir -p "$WORK/c4/usr/sbin" "$WORK/c4/scripts/local-premount"
	: >"$WORK/c4/usr/sbin/kjump-resume"
	: >"$WORK/c4/scripts/local-premount/kjump"
	make_ready
	(cd "$WORK/c4" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$R/boot/initrd.img-$rel"
	GEN=initramfs-tools check "initramfs-tools" 0 "ok: initramfs generator: initramfs-tools \(its lister: lsinitramfs\)" \
		"ok: the resume kernel's initramfs /boot/initrd.img-$rel runs kjump-resume"
	ln -sf "$KJ_SRC/mkinitrd/kjump-mkinitrd" "$WORK/bin/kjump-mkinitrd"
	printf '#!/bin/sh\nexit 0\n' >"$WORK/bin/update-initramfs" && chmod +x "$WORK/bin/update-initramfs"
	GEN="" check "initramfs-tools, found" 0 "ok: initramfs generator: initramfs-tools"
	rm "$WORK/c4/usr/sbin/kjump-resume"
	(cd "$WORK/c4" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$R/boot/initrd.img-$rel"
	GEN="" check "initramfs-tools without kjump" 1 \
		"PROBLEM: /boot/initrd.img-$rel does not run kjump-resume \(fix: update-initramfs -u -k $rel\)"
	rm "$WORK/bin/kjump-mkinitrd" "$WORK/bin/update-initramfs"
else
	skip_case "the initramfs-tools cases: no lsinitramfs (initramfs-tools-core) or cpio"
fi

# image authentication: the image key private, and in the resume kernel's initramfs
# (else every authenticated image would be refused)
if command -v lsinitrd >/dev/null && command -v cpio >/dev/null; then
	make_ready
	mkdir -p "$WORK/c3/usr/sbin" "$WORK/c3/etc/kjump" "$R/etc/kjump" && : >"$WORK/c3/usr/sbin/kjump-resume"
	(cd "$WORK/c3" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$R/boot/initrd.img-$rel"
	(umask 077 && head -c 32 /dev/urandom >"$R/etc/kjump/image.key")
	check "image key, not in the resume initramfs" 1 \
		"PROBLEM: the resume kernel's initramfs /boot/initrd.img-$rel lacks etc/kjump/image.key \(fix: dracut -f"
	cp "$R/etc/kjump/image.key" "$WORK/c3/etc/kjump/image.key"
	(cd "$WORK/c3" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$R/boot/initrd.img-$rel"
	if [ "$(id -u)" = 0 ]; then
		check "image key in the resume initramfs" 0 "ok: image key /etc/kjump/image.key" \
			"ok: the resume kernel's initramfs /boot/initrd.img-$rel has etc/kjump/image.key"
	else
		skip_case "image key in the resume initramfs: not root (the key must be root's)"
	fi
	chmod 0444 "$R/etc/kjump/image.key"
	check "image key readable by others" 1 "PROBLEM: /etc/kjump/image.key is readable by others"
else
	skip_case "the image key cases: no lsinitrd (dracut-core) or cpio"
fi

# B's initramfs by default: the running kernel's from kjump-mkinitrd, else the old name
make_ready
out=$(KJUMP_ROOT=$R KEXEC=$WORK/kexec PATH="$WORK/bin:$PATH" KJUMP_CONF=/nonexistent \
	sh "$KH" --check --device /dev/vda1 --kernel /boot/vmlinuz || true)
grep -q "ok: hibernating initramfs /boot/kjump-save.img" <<<"$out" && pass "default initramfs: /boot/kjump-save.img when there is no per-kernel one" ||
	fail "default initramfs fallback: $out"
: >"$R/boot/kjump-save-$rel.img"
out=$(KJUMP_ROOT=$R KEXEC=$WORK/kexec PATH="$WORK/bin:$PATH" KJUMP_CONF=/nonexistent \
	sh "$KH" --check --device /dev/vda1 --kernel /boot/vmlinuz || true)
grep -q "ok: hibernating initramfs /boot/kjump-save-$rel.img" <<<"$out" && pass "default initramfs: kjump-mkinitrd's /boot/kjump-save-$rel.img" ||
	fail "default initramfs: $out"

# the zram swap is no place for an image: the default device is the disk's
make_ready
printf 'Filename\tType\tSize\tUsed\tPriority\n/dev/zram0 partition 1000 0 100\n/dev/vda1 partition 2097148 0 -2\n' >"$R/proc/swaps"
sed -i 's/ resume=\/dev\/vda1//' "$R/proc/cmdline"
out=$(KJUMP_ROOT=$R KEXEC=$WORK/kexec PATH="$WORK/bin:$PATH" KJUMP_CONF=/nonexistent \
	sh "$KH" --check --kernel /boot/vmlinuz --initrd /boot/kjump-save.img || true)
grep -q "ok: swap device /dev/vda1" <<<"$out" && pass "default device: the first swap partition that is not zram" ||
	fail "default device: $out"

# --grub-cmdline: nothing when the resume kernel's initramfs lacks kjump-resume
if command -v lsinitrd >/dev/null && command -v cpio >/dev/null; then
	make_ready
	mkdir -p "$WORK/c2/usr/sbin" && : >"$WORK/c2/usr/sbin/other"
	(cd "$WORK/c2" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$R/boot/initrd.img-$rel"
	rc=0
	out=$(KJUMP_ROOT=$R KJUMP_CONF=/nonexistent sh "$KH" --grub-cmdline --device /dev/vda1 2>&1) || rc=$?
	[ $rc = 2 ] && grep -q "does not run kjump-resume" <<<"$out" &&
		pass "--grub-cmdline refuses while the initramfs cannot resume (every boot would stay small)" ||
		fail "--grub-cmdline without kjump-resume: exit $rc: $out"
else
	skip_case "--grub-cmdline without kjump-resume: no lsinitrd (dracut-core) or cpio"
fi

# swap on LUKS: B needs its own key slot's key file; LVM (device-mapper, not LUKS) is refused
luks_root() {
	make_ready
	local b=$R/sys/class/block/dm-0
	mkdir -p "$R/dev/mapper" "$b/dm" "$b/slaves/vda2" "$R/etc/kjump"
	: >"$R/dev/dm-0"
	ln -s ../dm-0 "$R/dev/mapper/cryptswap"
	echo 4194304 >"$b/size"
	echo "$1" >"$b/dm/uuid"
	echo cryptswap >"$b/dm/name"
}
check_luks() {
	KJUMP_ROOT=$R KEXEC=$WORK/kexec PATH="$WORK/bin:$PATH" KJUMP_CONF=/nonexistent \
		sh "$KH" --check --device /dev/mapper/cryptswap --kernel /boot/vmlinuz --initrd /boot/kjump-save.img || true
}
luks_root CRYPT-LUKS2-0123456789abcdef0123456789abcdef-cryptswap
out=$(check_luks)
grep -q "PROBLEM: /dev/mapper/cryptswap is on LUKS and /etc/kjump/swap.key is missing.*kjump-hibernate --add-luks-key" <<<"$out" &&
	pass "LUKS swap without B's key file: named, with its fix" || fail "LUKS without key: $out"
(umask 077 && head -c 64 /dev/urandom >"$R/etc/kjump/swap.key")
chmod 0400 "$R/etc/kjump/swap.key"
out=$(check_luks)
if [ "$(id -u)" = 0 ]; then
	grep -q "ok: LUKS swap: B's key file /etc/kjump/swap.key" <<<"$out" &&
		pass "LUKS swap with a private key file: ok" || fail "LUKS with key: $out"
else
	skip_case "LUKS swap with a private key file: not root (the key must be root's)"
fi
chmod 0444 "$R/etc/kjump/swap.key"
out=$(check_luks)
grep -q "PROBLEM: /dev/mapper/cryptswap is on LUKS and /etc/kjump/swap.key is missing or readable by others" <<<"$out" &&
	pass "LUKS swap with a key file others can read: a problem" || fail "LUKS with readable key: $out"
luks_root LVM-abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd
out=$(check_luks)
grep -q "PROBLEM: /dev/mapper/cryptswap is device-mapper but not LUKS on one device" <<<"$out" &&
	pass "swap on LVM: named as unsupported" || fail "LVM swap: $out"
# a kept snapshot: --check says it is there (not a problem)
make_ready
: >"$WORK/kept"
check "kept snapshot" 0 "note: /dev/vda1 holds a kept snapshot of 6.1.0, made 2026-12-07 03:00:00 UTC; \
resumed 2 times: every boot resumes it \(kjump.discard"
rm -f "$WORK/kept"

# --snapshot refuses while a file system on a disk is mounted read-write: each named
# (kjump-setup rw-mounts); the appliance layout passes that check
snapshot() {
	KJUMP_ROOT=$R KEXEC=$WORK/kexec PATH="$WORK/bin:$PATH" KJUMP_CONF=/nonexistent KJUMP_STATE=$WORK/state \
		sh "$KH" --snapshot --device /dev/vda1 --kernel /boot/vmlinuz --initrd /boot/kjump-save.img 2>&1
}
make_ready
mkdir -p "$R/proc/self"
cp "$KJ_SRC/test/data/setup/mountinfo-unsafe" "$R/proc/self/mountinfo"
rc=0 out=$(snapshot) || rc=$?
[ "$rc" = 2 ] && pass "snapshot over rw mounts: refused (exit 2)" || fail "snapshot over rw mounts: exit $rc: $out"
for re in "mounted read-write: /dev/vda3 on /mnt/my data \(ext4\)" \
	"mounted read-write: /dev/mapper/luks-home on /home \(btrfs, read-only here but its file system read-write\)" \
	"mounted read-write: /dev/loop1 on /srv \(xfs\)" "a snapshot needs every file system on a persistent disk read-only"; do
	grep -Eq -- "$re" <<<"$out" && pass "snapshot refusal says '$re'" || fail "snapshot refusal: no '$re': $out"
done
cp "$KJ_SRC/test/data/setup/mountinfo-appliance" "$R/proc/self/mountinfo"
out=$(snapshot) || true
grep -q "mounted read-write\|refusing" <<<"$out" && fail "appliance layout refused: $out" ||
	pass "snapshot: the appliance layout (tmpfs, overlay, zram, read-only disks) is no reason to refuse"
make_ready
printf '#!/bin/sh\necho "usage: kexec"\n' >"$WORK/kexec"
check "old kexec" 1 "PROBLEM: no kexec that loads with -c --load-preserve-context: usage: kexec .*apt install kexec-tools"
finish
