#!/bin/bash
# kjump-setup, and kjump-hibernate through it, on made-up and captured trees (--root,
# KJUMP_ROOT): the device kjump-hibernate writes to is the one kjump-resume reads, in
# every resume= form (issue 26 bug 4); the region is fitted to captured firmware maps
# as before; values survive eval whatever their bytes; --help to a full disk fails.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
KH=$KJ_SRC/hibernate/kjump-hibernate
KS=$KJ_BIN/kjump-setup
export KJUMP_SETUP=$KS
R=$WORK/root

# Two swap areas in use: vda1 (listed first) and vdb2, the one resume= names. vdb2 is
# 254:18 (hex 0xfe12 in name_to_dev_t's layout), UUID 1111-2222, the partition after
# vdb1 (PARTUUID abcd-01). Nodes are plain files, as in a captured tree.
make_tree() {
	rm -rf "$R"
	mkdir -p "$R/proc" "$R/dev/disk/by-uuid" "$R/dev/disk/by-partuuid" "$R/sys/dev/block/254:18" \
		"$R/sys/dev/block/253:1" "$R/sys/devices/virtual/block/vdb/vdb1" \
		"$R/sys/devices/virtual/block/vdb/vdb2" "$R/sys/class/block" "$R/sys/firmware/memmap/0"
	: >"$R/dev/vda1"
	: >"$R/dev/vdb1"
	: >"$R/dev/vdb2"
	printf 'MAJOR=254\nMINOR=18\nDEVNAME=vdb2\nDEVTYPE=partition\n' >"$R/sys/dev/block/254:18/uevent"
	printf 'MAJOR=253\nMINOR=1\nDEVNAME=vda1\nDEVTYPE=partition\n' >"$R/sys/dev/block/253:1/uevent"
	ln -s ../../vdb2 "$R/dev/disk/by-uuid/1111-2222"
	ln -s ../../vdb1 "$R/dev/disk/by-partuuid/abcd-01"
	echo 1 >"$R/sys/devices/virtual/block/vdb/vdb1/partition"
	echo 2 >"$R/sys/devices/virtual/block/vdb/vdb2/partition"
	echo 4194304 >"$R/sys/devices/virtual/block/vdb/vdb2/size"
	echo 2097152 >"$R/sys/devices/virtual/block/vdb/vdb1/size"
	ln -s ../../devices/virtual/block/vdb/vdb1 "$R/sys/class/block/vdb1"
	ln -s ../../devices/virtual/block/vdb/vdb2 "$R/sys/class/block/vdb2"
	printf 'Filename\tType\tSize\tUsed\tPriority\n/dev/vda1 partition 1000 0 -2\n/dev/vdb2 partition 2000 0 -3\n' \
		>"$R/proc/swaps"
	printf 'MemTotal: 1000000 kB\nMemFree: 600000 kB\n' >"$R/proc/meminfo"
	echo "System RAM" >"$R/sys/firmware/memmap/0/type"
	echo 0x100000 >"$R/sys/firmware/memmap/0/start"
	echo 0x3fffffff >"$R/sys/firmware/memmap/0/end"
}

# resume= in each form kjump-resume knows: kjump-setup picks its device (and offset),
# kjump-resume opens the same, and kjump-hibernate --check reports it
make_tree
for spec in /dev/vdb2 254:18 fe12 UUID=1111-2222 /dev/disk/by-uuid/1111-2222 \
	PARTUUID=abcd-01/PARTNROFF=1 "/dev/vdb2 resume_offset=1234"; do
	echo "BOOT_IMAGE=/vmlinuz quiet resume=$spec" >"$R/proc/cmdline"
	want_off=""
	case $spec in *resume_offset=*) want_off=1234 ;; esac
	DEVICE="" OFFSET=""
	out=$("$KS" --root "$R" device) && eval "$out"
	[ "$DEVICE" = /dev/vdb2 ] && [ "$OFFSET" = "$want_off" ] &&
		pass "resume=$spec: kjump-setup device: $DEVICE${OFFSET:+ at page $OFFSET}" ||
		fail "resume=$spec: kjump-setup device: '$out'"
	res=$("$RESUME" --root "$R" --dry-run --log stderr 2>&1 || true)
	res=$(sed -n 's/^kjump-resume: \(.*\): cannot read the swap header.*/\1/p' <<<"$res")
	[ -n "$res" ] && [ "$(realpath "$res")" = "$R/dev/vdb2" ] && pass "resume=$spec: kjump-resume reads the same device" ||
		fail "resume=$spec: kjump-resume: $res"
	out=$(KJUMP_ROOT=$R KJUMP_CONF=/nonexistent sh "$KH" --check --kernel /nonexistent --initrd /nonexistent 2>&1 || true)
	grep -q "ok: swap device /dev/vdb2 " <<<"$out" && pass "resume=$spec: kjump-hibernate --check uses it" ||
		fail "resume=$spec: kjump-hibernate --check: $(grep 'swap device' <<<"$out")"
	if [ -n "$want_off" ]; then
		out=$(KJUMP_ROOT=$R KJUMP_CONF=/nonexistent sh "$KH" --grub-cmdline 2>&1 || true)
		grep -q "resume=/dev/vdb2 resume_offset=1234$" <<<"$out" &&
			pass "resume=$spec: --grub-cmdline keeps resume_offset=" || fail "resume=$spec: --grub-cmdline: $out"
		grep -q "warning: resume_offset=1234, but no swap file in use starts there on /dev/vdb2" <<<"$out" &&
			pass "resume=$spec: no swap file in use there: said" || fail "resume=$spec: no warning: $out"
	fi
done

# resume= naming no device of this machine: no other swap area is taken instead
echo "BOOT_IMAGE=/vmlinuz resume=UUID=9999-0000" >"$R/proc/cmdline"
rc=0
out=$("$KS" --root "$R" device 2>&1) || rc=$?
[ $rc = 1 ] && grep -q "kjump-resume would not find it either" <<<"$out" &&
	pass "resume= of a missing device: refused, not replaced by another swap area" || fail "missing device: exit $rc: $out"
# no resume=: the first swap partition in use that is not zram
printf 'Filename\tType\tSize\tUsed\tPriority\n/dev/zram0 partition 1000 0 100\n/dev/vdb2 partition 2097148 0 -2\n' >"$R/proc/swaps"
echo "BOOT_IMAGE=/vmlinuz quiet" >"$R/proc/cmdline"
DEVICE=""
out=$("$KS" --root "$R" device) && eval "$out"
[ "$DEVICE" = /dev/vdb2 ] && pass "no resume=: the first swap partition that is not zram" || fail "no resume=: '$out'"

# a command line word that is a glob, in a directory where it matches: taken literally
make_tree
mkdir -p "$WORK/cwd" && : >"$WORK/cwd/resume=" && : >"$WORK/cwd/resume=x"
echo 'BOOT_IMAGE=/vmlinuz dyndbg="file * +p" resume=* resume=/dev/vdb2' >"$R/proc/cmdline"
out=$(cd "$WORK/cwd" && KJUMP_ROOT=$R KJUMP_CONF=/nonexistent sh "$KH" --check --kernel /nonexistent \
	--initrd /nonexistent 2>&1 || true)
grep -q "ok: swap device /dev/vdb2 " <<<"$out" && pass "glob words on the command line are not expanded" ||
	fail "glob words: $(grep 'swap device' <<<"$out")"

# values are single-quoted for eval whatever their bytes: a device-mapper name with
# quotes, $ and a command substitution comes back byte for byte
make_tree
name="it's \$(touch $WORK/pwned) \`x\` \"q\""
mkdir -p "$R/sys/class/block/dm-0/dm" "$R/sys/class/block/dm-0/slaves/vdb2" "$R/dev/mapper"
: >"$R/dev/dm-0"
ln -s ../dm-0 "$R/dev/mapper/cryptswap"
echo "CRYPT-LUKS2-0123456789abcdef0123456789abcdef-x" >"$R/sys/class/block/dm-0/dm/uuid"
printf '%s\n' "$name" >"$R/sys/class/block/dm-0/dm/name"
LUKS="" LUKS_NAME="" LUKS_DEV="" LUKS_UUID=""
out=$("$KS" --root "$R" luks /dev/mapper/cryptswap) && eval "$out"
[ "$LUKS" = luks ] && [ "$LUKS_NAME" = "$name" ] && [ "$LUKS_DEV" = /dev/vdb2 ] &&
	[ "$LUKS_UUID" = 01234567-89ab-cdef-0123-456789abcdef ] && [ ! -e "$WORK/pwned" ] &&
	pass "eval of kjump-setup's output: every byte as it was, nothing run" || fail "eval: '$out'"

# The region fitted to captured firmware maps (test/data/memtrees): the same as the shell's
# fit_region gave (test/data/setup/fit.expect, made with it), for the regions kjump uses
while read -r tree region expect; do
	t=$WORK/mt/$tree
	if [ ! -d "$t" ]; then
		mkdir -p "$t" && tar xzf "$KJ_SRC/test/data/memtrees/$tree.tar.gz" -C "$t"
	fi
	region=${region//_/ }
	FITTED=""
	out=$("$KS" --root "$t" region --region "$region") && eval "$out"
	[ "$FITTED" = "${expect//_/ }" ] && pass "$tree, $region: $FITTED" ||
		fail "$tree, $region: '$FITTED', want '${expect//_/ }'"
done <"$KJ_SRC/test/data/setup/fit.expect"

# resume-config: the kernel's hibernation device names our swap area (logind checks
# it), written only when it differs; nothing without /sys/power/resume
make_tree
echo "254:18" >"$R/sys/devices/virtual/block/vdb/vdb2/dev"
"$KS" --root "$R" resume-config --device /dev/vdb2 && [ ! -e "$R/sys/power/resume" ] &&
	pass "resume-config: no /sys/power/resume (no hibernation in the kernel): nothing written" ||
	fail "resume-config without /sys/power/resume"
mkdir -p "$R/sys/power" && echo "0:0" >"$R/sys/power/resume" && echo 0 >"$R/sys/power/resume_offset"
"$KS" --root "$R" resume-config --device UUID=1111-2222 2>/dev/null &&
	fail "resume-config took a UUID= where a device path is wanted" || pass "resume-config wants a device path"
"$KS" --root "$R" resume-config --device /dev/disk/by-uuid/1111-2222 --offset 34 &&
	[ "$(cat "$R/sys/power/resume")" = 254:18 ] && [ "$(cat "$R/sys/power/resume_offset")" = 34 ] &&
	pass "resume-config: /sys/power/resume 254:18, resume_offset 34 (the link resolved)" ||
	fail "resume-config wrote '$(cat "$R/sys/power/resume")' '$(cat "$R/sys/power/resume_offset")'"
touch -d '1 hour ago' "$R/sys/power/resume" "$R/sys/power/resume_offset"
"$KS" --root "$R" resume-config --device /dev/vdb2 --offset 34 &&
	[ -z "$(find "$R/sys/power" -type f -newermt '10 minutes ago')" ] &&
	pass "resume-config: the same again writes nothing" || fail "resume-config wrote the same values again"

# autoswap: what turns the swap area on at a boot that does not resume (a snapshot's
# warning): an fstab swap line naming it in any form, and a GPT swap partition without
# the no-auto attribute in udev's record
make_tree
echo "254:18" >"$R/sys/devices/virtual/block/vdb/vdb2/dev"
mkdir -p "$R/etc" "$R/run/udev/data"
autoswap() { "$KS" --root "$R" autoswap --device /dev/vdb2 | tr '\n' ';'; }
out=$(autoswap)
[ -z "$out" ] && pass "autoswap: no fstab, no udev record: nothing" || fail "autoswap without either: '$out'"
for spec in /dev/vdb2 UUID=1111-2222 /dev/disk/by-uuid/1111-2222; do
	printf '/dev/vda1 / ext4 ro 0 1\n/dev/vdb1 none swap sw 0 0\n%s none swap sw 0 0\n' "$spec" >"$R/etc/fstab"
	out=$(autoswap)
	[ "$out" = "/etc/fstab turns it on as swap ($spec);" ] && pass "autoswap: fstab's $spec is the area" ||
		fail "autoswap with fstab's $spec: '$out'"
done
printf '/dev/vdb1 none swap sw 0 0\nUUID=1111-2222 none swap noauto 0 0\n' >"$R/etc/fstab"
out=$(autoswap)
[ -z "$out" ] && pass "autoswap: another area and a noauto line do not count" || fail "autoswap: '$out'"
gpt='E:ID_PART_ENTRY_SCHEME=gpt\nE:ID_PART_ENTRY_TYPE=0657fd6d-a4ab-43c4-84e5-0933c84b4f4f\n'
# shellcheck disable=SC2059 # the record's lines are in the format
printf "$gpt" >"$R/run/udev/data/b254:18"
out=$(autoswap)
[[ "$out" == "systemd turns it on as swap: a GPT swap partition without the \"no-auto\" attribute"* ]] &&
	pass "autoswap: udev's record of 254:18 says a GPT swap partition" || fail "autoswap with a GPT record: '$out'"
# shellcheck disable=SC2059
printf "${gpt}E:ID_PART_ENTRY_FLAGS=0x8000000000000000\n" >"$R/run/udev/data/b254:18"
out=$(autoswap)
[ -z "$out" ] && pass "autoswap: the no-auto attribute set: nothing" || fail "autoswap with no-auto: '$out'"
"$KS" --root "$R" autoswap --device /dev/vdz9 2>/dev/null && fail "autoswap on a missing device succeeded" ||
	pass "autoswap on a missing device fails"

# a write error on standard output fails the command, as in every kjump program
if [ -w /dev/full ]; then
	for o in --help --version; do
		rc=0
		sh "$KH" $o >/dev/full 2>/dev/null || rc=$?
		[ $rc != 0 ] && pass "kjump-hibernate $o >/dev/full: exit $rc" || fail "kjump-hibernate $o >/dev/full: exit 0"
	done
	rc=0
	"$KS" --help >/dev/full 2>/dev/null || rc=$?
	[ $rc != 0 ] && pass "kjump-setup --help >/dev/full: exit $rc" || fail "kjump-setup --help >/dev/full: exit 0"
fi
finish
