#!/bin/bash
# Hibernation into swap on LUKS2 (#17), in a Debian 12 system booted in QEMU, made as
# vm-debian makes it (debian.sh) with cryptsetup: the swap partition is a LUKS2 volume
# (a passphrase slot) holding the swap area, in /etc/crypttab and fstab. Each boot's
# initramfs (Debian's dracut with systemd) unlocks it from rd.luks.name= with the
# passphrase typed on the serial console. In A the user adds B's key slot with
# `kjump-hibernate --add-luks-key` (the passphrase typed again) and runs
# `systemctl hibernate`: B opens the volume with its key file, saves, closes it and
# powers off. A new QEMU process boots: the passphrase is typed late (after kjump-resume's
# own 5 s wait for a device: it must be ordered after the mapping), C unlocks, kjump-resume
# resumes, the service goes on. (Before A, a boot with init= makes the swap area in the
# volume, as an installer would: the host cannot open the volume.)
# Image authentication too (the strongest setup, docs/SECURITY.md): the user makes the
# image key (kjump-hibernate --add-image-key) and the kernel hooks rebuild the initramfs:
# C's holds the key, B's does not; B authenticates the image, C checks it before writing.
# The image key is nowhere but its file and C's initramfs (by design).
# No key material in plain text: the key file (read back from the disk afterwards) is
# looked for, whole, in 16-byte pieces and written out (hex, base64), in the raw swap
# partition (ciphertext), B's and C's initramfs on disk (also unpacked), the consoles
# (B's and C's command lines, kjump-hibernate's kexec command line) and the root file
# system (only the key file itself); inside A after the resume in the decrypted swap
# (the image's blocks, a canary from A's memory found there) and in the journal.
# The kernel is Debian's own 6.12 (../shared/testkernel/debian, KJUMP_DEBIAN_KERNEL_DIR),
# as users have it: its package (make bindeb-pkg) installed with apt, whose postinst
# runs the kernel hooks (dracut builds the initramfs, with virtio_blk, dm_crypt, ext4 as
# modules); QEMU boots the same kernel's bzImage with the system's initramfs. No memory
# probe: the region is 384 MiB with retain_initrd (kjump-hibernate's defaults), and each
# boot with no image boots the kernel in C's initramfs again into all memory: A's
# MemTotal is a full 1 GiB boot's.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/debian.sh"

debian_requires debugfs python3
[ -x "$KJ_BIN/test/memhog" ] || skip "memhog not built"
DEBIAN_KVER=6.12.117-kjump
debian_kernel_package

LUKS_UUID=6b6a756d-6c75-6b73-2d73-776170000001
PASS="kjump test passphrase 17"
# the region as kjump-hibernate fits it to SeaBIOS's RAM with 1 GiB on a kernel without
# the memory probe (A's GRUB snippet must agree: asserted)
REGION="memmap=exactmap memmap=636K@0x0 memmap=392192K@0x100000 mem=393216K retain_initrd"
BASE_APPEND="console=ttyS0 root=/dev/vda1 rw panic=-1 no_timer_check $REGION rd.luks.name=$LUKS_UUID=cryptswap"
T=${KJUMP_DEBIAN_TIMEOUT:-600}
# the initramfs's prompt (systemd-ask-password), and kjtest-extra-crypt's
PROMPT_BOOT="Please enter passphrase for disk"
PROMPT_A="KJTEST: passphrase for luksAddKey:"

build_system() {
	local root=$WORK/root d=$KJ_SRC/test/vm/debian
	debian_install "$root" cryptsetup /dev/mapper/cryptswap || return 1
	echo "cryptswap UUID=$LUKS_UUID none luks" >"$root/etc/crypttab"
	# a persistent journal (on the disk the test reads)
	mkdir -p "$root/var/log/journal"
	local b=$root/boot/kjump-save-$DEBIAN_KVER.img c=$root/boot/initrd.img-$DEBIAN_KVER
	# image authentication, as a user sets it up: the key, then the initramfs again
	in_root "$root" kjump-hibernate --add-image-key >"$WORK/image-key.log" 2>&1 &&
		debian_kernel_hooks "$root" >>"$WORK/image-key.log" 2>&1 &&
		pass "kjump-hibernate --add-image-key, then the kernel hooks rebuilt the initramfs" ||
		{ fail "the image key: $(tail -3 "$WORK/image-key.log")"; return 1; }
	initramfs_has "$c" 'etc/kjump/image.key$' && pass "the system's initramfs (C) holds the image key" ||
		fail "the system's initramfs lacks the image key"
	initramfs_has "$b" 'etc/kjump/image.key$' && fail "B's initramfs on disk holds the image key" ||
		pass "B's initramfs on disk has no image key (B gets it in memory)"
	[ "$(stat -c %a "$c")" = 600 ] && pass "the initramfs holding the key is root's alone (0600)" ||
		fail "the initramfs holding the image key is mode $(stat -c %a "$c")"
	initramfs_has "$b" 'bin/cryptsetup$' && pass "B's initramfs (dracut) holds cryptsetup" ||
		fail "B's initramfs lacks cryptsetup"
	initramfs_has "$c" 'systemd-cryptsetup$' && initramfs_has "$c" 'systemd-cryptsetup-generator$' &&
		pass "the system's initramfs unlocks with systemd-cryptsetup (dracut's crypt module)" ||
		fail "the system's initramfs lacks systemd-cryptsetup"
	# B's initramfs is host-only (kjump-mkinitrd's default): built here in a chroot it has
	# this host's drivers, not the VM's; the system's initramfs is generic (hostonly="no"),
	# and so, as an image builder makes it, is B's
	in_root "$root" kjump-mkinitrd --kver "$DEBIAN_KVER" --generic >>"$WORK/image-key.log" 2>&1 ||
		fail "kjump-mkinitrd --generic: $(tail -3 "$WORK/image-key.log")"
	# a modular kernel: B's initramfs (kjump-mkinitrd) carries the swap device's driver and
	# dm-crypt with its cipher; the system's the root's too, and the kernel for the boot
	# into all memory
	local m
	for m in virtio_blk dm-crypt xts; do
		initramfs_has "$b" "/$m\.ko" && pass "B's initramfs holds the module $m" ||
			fail "B's initramfs lacks the module $m"
	done
	for m in virtio_blk dm-crypt ext4; do
		initramfs_has "$c" "/$m\.ko" || fail "the system's initramfs lacks the module $m"
	done
	initramfs_has "$c" 'usr/lib/kjump/vmlinuz$' &&
		pass "the system's initramfs holds virtio_blk, dm_crypt, ext4 and the kernel (no memory probe)" ||
		fail "the system's initramfs lacks /usr/lib/kjump/vmlinuz (no memory probe)"
	# the volume, made in the system (cryptsetup is there, not necessarily here); a fast
	# key derivation: unlocking under TCG
	truncate -s "${DEBIAN_SWAP_MIB}M" "$root/tmp/luks.img"
	printf '%s' "$PASS" | in_root "$root" cryptsetup luksFormat --batch-mode --type luks2 \
		--pbkdf pbkdf2 --pbkdf-force-iterations 1000 --uuid "$LUKS_UUID" --key-file - /tmp/luks.img \
		>"$WORK/luksformat.log" 2>&1 && pass "the swap partition: LUKS2, a passphrase slot" ||
		{ fail "cryptsetup luksFormat: $(tail -3 "$WORK/luksformat.log")"; return 1; }
	mv "$root/tmp/luks.img" "$WORK/luks.img"
	DEBIAN_SWAP_IMG=$WORK/luks.img debian_finish "$root" "$c" "$d/kjtest-extra-crypt" "$d/kjtest-find" \
		"$d/kjtest-crypt-prepare"
}

# hits HEX FILE...: for each FILE "WHOLE PIECES TEXT": how often the bytes HEX occur in
# it whole, as any 16 bytes of them, and written out (hex in either case, base64, or one
# of its four 16-byte quarters in hex); binary-safe
hits() {
	python3 - "$@" <<-'PY'
		import base64, mmap, os, sys
		key = bytes.fromhex(sys.argv[1])
		quarters = [key[o:o + 16] for o in range(0, len(key) - 15, 16)]
		text = [key.hex().encode(), key.hex().upper().encode(), base64.b64encode(key)]
		text += [q.hex().encode() for q in quarters] + [q.hex().upper().encode() for q in quarters]
		def find(m, p):
		    i = m.find(p)
		    while i >= 0:
		        yield i
		        i = m.find(p, i + 1)
		# any 16 bytes of the key hold one of its 8-byte eighths: found through those
		def pieces(m):
		    found = set()
		    for k in range(0, len(key) - 7, 8):
		        for i in find(m, key[k:k + 8]):
		            for o in range(max(0, k - 8), min(k, len(key) - 16) + 1):
		                if m[i - k + o:i - k + o + 16] == key[o:o + 16] and i - k + o >= 0:
		                    found.add((i - k + o, o))
		    return len(found)
		for f in sys.argv[2:]:
		    with open(f, 'rb') as h:
		        m = mmap.mmap(h.fileno(), 0, access=mmap.ACCESS_READ) if os.fstat(h.fileno()).st_size else b''
		        print(sum(1 for _ in find(m, key)), pieces(m), sum(sum(1 for _ in find(m, t)) for t in text))
	PY
}

# none HEX WHAT FILE...: the bytes HEX are nowhere in FILEs
none() {
	local hex=$1 what=$2 f n
	shift 2
	for f in "$@"; do
		n=$(hits "$hex" "$f") || { fail "cannot search $f"; continue; }
		[ "$n" = "0 0 0" ] && pass "$what: not in ${f#"$WORK"/} (whole, pieces, written out)" ||
			fail "$what: in ${f#"$WORK"/}: whole, 16-byte pieces, written out: $n"
	done
}

debian_build

# --- the installation: the swap area made in the volume ---
p=$WORK/prepare.log
APPEND="$BASE_APPEND init=/usr/local/sbin/kjtest-crypt-prepare"
boot "$p" "$PROMPT_BOOT" "$PASS"
vm_expect "$p" "KJTEST: prepare: mkswap exit 0 " "the installation: mkswap in the unlocked volume"

# --- A: the first boot unlocks the swap; the user adds B's key slot and hibernates ---
APPEND="$BASE_APPEND resume=/dev/mapper/cryptswap"
a=$WORK/a.log
boot "$a" "$PROMPT_BOOT" "$PASS" "$PROMPT_A" "$PASS"
show "$a" "A's console (the system, then the hibernating kernel B)"
vm_expect "$a" "$PROMPT_BOOT" "A: the initramfs asked for the swap volume's passphrase"
vm_expect "$a" "KJTEST: swap at boot: /dev/dm-0" "A: the swap in the LUKS volume is in use (crypttab, fstab)"
vm_expect "$a" "KJTEST: kjump-load without a key: failed --add-luks-key" \
	"A: before B's key slot, kjump-load failed naming the fix (--add-luks-key)"
vm_expect "$a" "KJTEST: add-luks-key: kjump-hibernate: adding /etc/kjump/swap.key to a key slot of /dev/vda2 \(LUKS $LUKS_UUID\)" \
	"A: kjump-hibernate --add-luks-key added B's key slot (the passphrase typed)"
vm_expect "$a" "KJTEST: key file: 400 0 64$" "A: the key file is root's, 0400, 64 bytes"
vm_expect "$a" "KJTEST: kjump-load with the key: active 1" "A: then kjump-load loaded B"
# no memory probe: the restricted boot with no image boots the same kernel again into all
# memory (kjump-resume, kexec_file_load), with the region off its command line
vm_expect "$a" "kjump-resume: no memory probe interface: booting /usr/lib/kjump/vmlinuz with all memory" \
	"A: no image, no memory probe: kjump-resume boots the kernel again with all memory"
mem=$(sed -n 's/.*KJTEST: MemTotal \([0-9]*\) kB.*/\1/p' "$a" | head -1)
[ "${mem:-0}" -ge 980000 ] && pass "A: the normal boot ends with all the RAM (MemTotal $mem kB)" ||
	fail "A: the normal boot ends with MemTotal ${mem:-?} kB (a full 1 GiB boot has ~980000+)"
grub=$(line "$a" "grub adds: ")
case $grub in *"memmap=392192K@0x100000 mem=393216K retain_initrd"*)
	pass "A: the GRUB snippet gives the 384 MiB region and retain_initrd: $grub" ;;
*) fail "A: the GRUB snippet gives '$grub', the test boots with '$REGION'" ;; esac
failed=$(line "$a" "failed units: ")
[ -z "${failed// /}" ] && pass "A: no failed unit" || fail "A: failed units: $failed"
vm_expect "$a" "KJTEST: check: kjump-hibernate: ok: LUKS swap: B's key file /etc/kjump/swap.key" \
	"A: --check: the swap is on LUKS, B's key file is in place"
vm_reject "$a" "KJTEST: check: kjump-hibernate: PROBLEM" "A: --check names no problem"
vm_expect "$a" "KJTEST: check: kjump-hibernate: ok: the resume kernel's initramfs .* has etc/kjump/image.key" \
	"A: --check: the resume initramfs holds the image key"
vm_expect "$a" "kjump-save: saving .*\(lzo, authenticated\)" "B: authenticated the image with the key it was handed"
vm_expect "$a" "KJTEST: dry-run: kjump-hibernate: would run: .*--append=" "A: kjump-hibernate's kexec command line is on the console"
debian_expect_hibernated "$a"
vm_expect "$a" "kjump: opened LUKS volume $LUKS_UUID as /dev/mapper/cryptswap" "B: opened the volume with its key file"
vm_expect "$a" "Kernel command line: .*kjump.vmcoreinfo=" "B's command line is on the console"
vm_reject "$a" "kjump: .*(is not the LUKS volume|could not open|has no cryptsetup)" "B: no LUKS error"
# (dracut's B initramfs had no wc: the key file was removed but not overwritten)
vm_reject "$a" "kjump-save-init: .*not found" "B's init found every command it runs"

# --- C: a new QEMU process; the passphrase comes late ---
c=$WORK/c.log
BOOT_DELAY=8 boot "$c" "$PROMPT_BOOT" "$PASS"
show "$c" "the new QEMU process's console (the resume kernel C, then A again)"
vm_expect "$c" "$PROMPT_BOOT" "C: the initramfs asked for the swap volume's passphrase"
vm_expect "$c" "Kernel command line: .*rd.luks.name=$LUKS_UUID=cryptswap resume=/dev/mapper/cryptswap" \
	"C's command line is on the console"
debian_expect_resumed "$a" "$c"
vm_expect "$c" "kjump-resume: image authenticated \(HMAC-SHA256\)" "C: checked the image's MAC before writing"
vm_expect "$c" "KJTEST: root file system: written after the resume [0-9]+ \(rw\)" "the root file system is writable"
mem=$(sed -n 's/.*KJTEST: MemTotal after \([0-9]*\) kB.*/\1/p' "$c" | head -1)
[ "${mem:-0}" -ge 980000 ] && pass "A after the resume: all the RAM (MemTotal $mem kB)" ||
	fail "A after the resume: MemTotal ${mem:-?} kB"
vm_expect "$c" "KJTEST: swap in use after: /dev/dm-0" "the swap in the LUKS volume is in use again"
vm_expect "$c" "KJTEST: B loaded again: 1 " "after the resume B was loaded again (kjump-reload.service)"
vm_expect "$c" "KJTEST: DONE" "A ran to its end"

# --- no key in plain text ---
rootp=$WORK/root.part swapp=$WORK/swap.part
dd if="$WORK/disk.img" of="$rootp" bs=1M skip=1 count="$DEBIAN_ROOT_MIB" status=none
dd if="$WORK/disk.img" of="$swapp" bs=1M skip=$((DEBIAN_ROOT_MIB + 1)) count="$DEBIAN_SWAP_MIB" status=none
key=$(debugfs -R "cat /etc/kjump/swap.key" "$rootp" 2>/dev/null | od -An -v -tx1 | tr -d ' \n')
if [ ${#key} != 128 ]; then
	fail "the key file /etc/kjump/swap.key is not on the disk (read ${#key} hex digits)"
	finish
	exit 1
fi
pass "read B's key file back from the disk: 64 bytes"
# inside A, after the resume: the decrypted swap holds the image's blocks
read -r _ kw kp _ cw cp _ iw ip <<<"$(line "$c" "decrypted swap: ")"
[ "$kw $kp" = "0 0" ] && pass "A: the key is not in the decrypted swap (the image)" ||
	fail "A: the key is in the decrypted swap: whole $kw, 16-byte pieces $kp"
[ "${cw:-0}" -ge 1 ] && pass "A: ... where the canary from A's memory is ($cw whole, $cp pieces): the search sees the image" ||
	fail "A: the canary from A's memory is not in the decrypted swap (whole '$cw'): the search is blind"
read -r jw jp _ ijw ijp <<<"$(line "$c" "journal: swap.key")"
[ "$jw $jp" = "0 0" ] && pass "A: the key is not in the journal" || fail "A: the key is in the journal: $jw $jp"
# the swap partition as it is on the disk: LUKS2, ciphertext
[ "$(blkid -p -s TYPE -o value "$swapp")" = crypto_LUKS ] && pass "the swap partition is a LUKS volume" ||
	fail "the swap partition is not LUKS: $(blkid -p "$swapp")"
none "$key" "the key" "$swapp"
canary=$(line "$c" "canary: ")
if [ ${#canary} = 128 ]; then none "$canary" "the canary from A's memory (ciphertext only)" "$swapp"
else fail "no canary on the console"; fi
# B's and C's initramfs on the disk, as they are and unpacked
for f in "kjump-save-$DEBIAN_KVER.img" "initrd.img-$DEBIAN_KVER"; do
	debugfs -R "dump /boot/$f $WORK/$f" "$rootp" 2>/dev/null
	/usr/lib/dracut/skipcpio "$WORK/$f" | zcat -f >"$WORK/$f.cpio" 2>/dev/null
	grep -q "kjump" "$WORK/$f.cpio" || fail "/boot/$f did not unpack"
	none "$key" "the key" "$WORK/$f" "$WORK/$f.cpio"
done
# the consoles: A's, B's (its command line too), C's; kjump-hibernate's kexec line
none "$key" "the key" "$p" "$a" "$c"
# the root file system: the key file only (the journal, any copy: nowhere else)
n=$(hits "$key" "$rootp")
[ "$n" = "1 49 0" ] && pass "the root file system holds the key once: its file" ||
	fail "the root file system holds the key elsewhere than its file: whole, pieces, written out: $n"
# the image key: in its file and in C's initramfs (by design), nowhere else
ikey=$(debugfs -R "cat /etc/kjump/image.key" "$rootp" 2>/dev/null | od -An -v -tx1 | tr -d ' \n')
if [ ${#ikey} = 64 ]; then
	pass "read the image key back from the disk: 32 bytes"
	[ "$iw $ip" = "0 0" ] && pass "A: the image key is not in the decrypted swap (the image)" ||
		fail "A: the image key is in the decrypted swap: whole $iw, 16-byte pieces $ip"
	[ "$ijw $ijp" = "0 0" ] && pass "A: the image key is not in the journal" ||
		fail "A: the image key is in the journal: '$ijw $ijp'"
	none "$ikey" "the image key" "$swapp" "$WORK/kjump-save-$DEBIAN_KVER.img" \
		"$WORK/kjump-save-$DEBIAN_KVER.img.cpio" "$p" "$a" "$c"
	n=$(hits "$ikey" "$WORK/initrd.img-$DEBIAN_KVER.cpio")
	[ "${n%% *}" -ge 1 ] && pass "C's initramfs holds the image key (its place by design)" ||
		fail "the image key is not in C's initramfs: $n"
else
	fail "the image key /etc/kjump/image.key is not on the disk (read ${#ikey} hex digits)"
fi
# the passphrase typed four times was never echoed
n=$(cat "$p" "$a" "$c" | grep -c -F -- "$PASS") || true
[ "$n" = 0 ] && pass "the passphrase is not on the consoles (not echoed)" || fail "the passphrase is on the consoles $n times"
finish
