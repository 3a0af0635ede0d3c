# shellcheck shell=bash
# Shared helpers for kjump's shell tests. Source it; it sets -eu and a work dir.
set -euo pipefail

KJ_BIN=${KJ_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build}
KJ_SRC=${KJ_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# shellcheck disable=SC2034 # SAVE, RESUME, IMAGE: for the scripts that source this
SAVE=$KJ_BIN/kjump-save
# shellcheck disable=SC2034
RESUME=$KJ_BIN/kjump-resume
# shellcheck disable=SC2034
IMAGE=$KJ_BIN/kjump-image

WORK=$(mktemp -d /tmp/kjump-test.XXXXXX)
trap '[ -n "${KJ_KEEP:-}" ] || rm -rf "$WORK"' EXIT

FAILS=0
PASSES=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; PASSES=$((PASSES + 1)); }
# A test that cannot run here exits 77 (ctest: skipped). In CI (KJUMP_REQUIRE_ALL=1)
# everything must be there: a missing kernel or tool fails loudly instead.
skip() {
	if [ "${KJUMP_REQUIRE_ALL:-}" = 1 ]; then
		echo "FAIL: cannot run, and KJUMP_REQUIRE_ALL=1: $*" >&2
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}
finish() {
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}

# expect_rc WANT DESC CMD...: run CMD, check its exit status.
expect_rc() {
	local want=$1 desc=$2 rc=0
	shift 2
	"$@" >"$WORK/out.log" 2>&1 || rc=$?
	if [ "$rc" -eq "$want" ]; then pass "$desc (exit $rc)"; else
		fail "$desc: exit $rc, expected $want"; sed 's/^/    /' "$WORK/out.log" >&2; fi
}

# expect_log REGEX DESC: the last expect_rc output matches REGEX.
expect_log() {
	if grep -Eq -- "$1" "$WORK/out.log"; then pass "$2"; else
		fail "$2: no line matching '$1'"; sed 's/^/    /' "$WORK/out.log" >&2; fi
}

# efi_map ROOT FILE: a fake /sys/firmware/efi/runtime-map from a captured map
efi_map() {
	local i=0 t p v n a
	rm -rf "$1/sys/firmware/efi"
	mkdir -p "$1/sys/firmware/efi/runtime-map"
	while read -r t p v n a; do
		mkdir -p "$1/sys/firmware/efi/runtime-map/$i"
		echo "$t" >"$1/sys/firmware/efi/runtime-map/$i/type"
		echo "$p" >"$1/sys/firmware/efi/runtime-map/$i/phys_addr"
		echo "$v" >"$1/sys/firmware/efi/runtime-map/$i/virt_addr"
		echo "$n" >"$1/sys/firmware/efi/runtime-map/$i/num_pages"
		echo "$a" >"$1/sys/firmware/efi/runtime-map/$i/attribute"
		i=$((i + 1))
	done <"$2"
}

# A fake root for a resume kernel that owns 0-636K and 1M-128M, on a 512M machine.
make_root() {
	local r=$1 i=0
	mkdir -p "$r/proc" "$r/sys/firmware/memmap"
	cat >"$r/proc/iomem" <<'IOMEM'
00000000-00000fff : Reserved
00001000-0009efff : System RAM
0009f000-000fffff : Reserved
00100000-07ffffff : System RAM
  01000000-01ffffff : Kernel code
fd000000-fdffffff : PCI Bus 0000:00
IOMEM
	while read -r s e t; do
		mkdir -p "$r/sys/firmware/memmap/$i"
		echo "$s" >"$r/sys/firmware/memmap/$i/start"
		echo "$e" >"$r/sys/firmware/memmap/$i/end"
		echo "${t//_/ }" >"$r/sys/firmware/memmap/$i/type"
		i=$((i + 1))
	done <<'MAP'
0x0 0x9fbff System_RAM
0x9fc00 0x9ffff Reserved
0xf0000 0xfffff Reserved
0x100000 0x1ffdffff System_RAM
0x1ffe0000 0x1fffffff Reserved
MAP
}

# make_memory FILE: a 512 MiB sparse "physical memory" with a mix of page kinds.
make_memory() {
	local f=$1
	truncate -s 512M "$f"
	head -c 3M /dev/urandom | dd of="$f" bs=1M seek=130 conv=notrunc status=none
	for i in $(seq 1 40); do echo "line $i of some compressible text in memory"; done |
		head -c 4096 >"$WORK/text"
	for i in $(seq 0 255); do cat "$WORK/text"; done | dd of="$f" bs=1M seek=140 conv=notrunc status=none
	head -c 2M /dev/urandom | dd of="$f" bs=1M seek=500 conv=notrunc status=none
	# low memory outside the resume kernel's RAM (page 0, 0x9f000) and inside it
	head -c 4096 /dev/urandom | dd of="$f" bs=4096 seek=0 conv=notrunc status=none
	head -c 4096 /dev/urandom | dd of="$f" bs=4096 seek=$((0x9f)) conv=notrunc status=none
	head -c 65536 /dev/urandom | dd of="$f" bs=4096 seek=$((0x10)) conv=notrunc status=none
}

# ranges_restored MEM OUT RANGES DESC: every range of the list (START-END,...) is the
# same in both files; one pass/fail for the lot, naming the ranges that differ.
ranges_restored() {
	local r bad=""
	for r in ${3//,/ }; do region_cmp "$1" "$2" "${r%-*}" "${r#*-}" || bad="$bad $r"; done
	if [ -z "$bad" ]; then pass "$4"; else fail "$4: differs in$bad"; fi
}

# swapfile_roundtrip FSIMG OFF EXTENTS N: the memory file $WORK/mem saved by kjump-save
# into the swap file at OFF (resume_offset) of the file system image FSIMG through its N
# EXTENTS (kjump-image extents), verified there and restored by kjump-resume, byte for byte
swapfile_roundtrip() {
	local ranges=0x8000000-0x8c00000,0x1f000000-0x1f400000
	expect_rc 0 "save through the extents" "$SAVE" --memory "file:$WORK/mem" --ranges "$ranges" \
		--entry 0x8000040 --compress none --output "$1" --offset "$2" --extents "$3" --root "$WORK/root"
	expect_log "as ([2-9]|[1-9][0-9]) MiB" "the image (>= 2 MiB) spans several 512 KiB extents"
	expect_rc 0 "verify at resume_offset" "$IMAGE" verify --offset "$2" "$1"
	expect_rc 0 "resume at resume_offset" "$RESUME" --device "$1" --offset "$2" \
		--target "file:$WORK/out" --root "$WORK/root"
	ranges_restored "$WORK/mem" "$WORK/out" "$ranges" "restored byte for byte through $4 extents"
}

# loop_tree R FSIMG: the file system image FSIMG loop-mounted at R/mnt, in a made-up
# tree R (a --root) that has its loop device's node and sysfs entry; LOOP is its path.
# 1 when this machine cannot make device nodes (the image stays mounted).
loop_tree() {
	local maj min
	mkdir -p "$1/mnt" "$1/proc" "$1/dev"
	mount -o loop "$2" "$1/mnt" || return 1
	LOOP=$(findmnt -n -o SOURCE "$1/mnt")
	maj=$((0x$(stat -c %t "$LOOP"))) min=$((0x$(stat -c %T "$LOOP")))
	mknod "$1$LOOP" b "$maj" "$min" 2>/dev/null || return 1
	mkdir -p "$1/sys/dev/block/$maj:$min"
	echo "DEVNAME=${LOOP#/dev/}" >"$1/sys/dev/block/$maj:$min/uevent"
}

# need_shim: the fault-injection library, or skip (sanitizer builds do not have it).
need_shim() {
	SHIM=$KJ_BIN/test/libfaultio.so
	[ -f "$SHIM" ] || skip "fault shim not built (sanitizer build)"
}

# region_cmp A B START END: bytes START..END (hex ok) of two files are equal.
region_cmp() {
	local s=$(($3)) e=$(($4))
	cmp -s <(tail -c +$((s + 1)) "$1" | head -c $((e - s))) <(tail -c +$((s + 1)) "$2" | head -c $((e - s)))
}
