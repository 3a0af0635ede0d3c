#!/bin/bash
# Real kernel, real jump: kjump-resume loads a synthetic image (a pseudo-random pattern
# over all RAM outside the resume kernel's region, low memory to stage, and a payload as
# the jump-back entry) and jumps. The payload checks every byte in physical memory and
# ends QEMU through isa-debug-exit. Usage: test-synthetic.sh [VARIANT...]
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/synthetic.sh"
vm_find_kernel
command -v sfdisk >/dev/null || skip "sfdisk (fdisk package) not installed"

variants=${*:-512m-exactmap 1g-exactmap 512m-mem}
for v in $variants; do
	case $v in
	512m-exactmap) synthetic_run "$v" 512M "memmap=exactmap memmap=636K@0 memmap=127M@1M" q512-exactmap ;;
	1g-exactmap) synthetic_run "$v" 1G "memmap=exactmap memmap=636K@0 memmap=127M@1M" q1g-exactmap127 ;;
	512m-mem) synthetic_run "$v" 512M "mem=128M" q512-mem128 ;;
	*) fail "unknown variant $v"; continue ;;
	esac
	vm_expect "$SYN_LOG" "kjump-resume: plan: [0-9.]+ MiB direct, [0-9.]+ MiB staged in [0-9]+ kexec segments" "$v: plan printed before the jump"
	vm_expect "$SYN_LOG" "kjump-resume: jumping back into the hibernated kernel at 0x4000000" "$v: jump"
	vm_expect "$SYN_LOG" "KJPAYLOAD: OK [0-9]+ pages match" "$v: payload verdict OK"
	[ "$SYN_RC" = 33 ] && pass "$v: QEMU ended by the payload (isa-debug-exit 0x10)" ||
		{ fail "$v: QEMU exit status $SYN_RC"; grep -v '^\[' "$SYN_LOG" | tail -15 >&2; }
	grep -q "KJPAYLOAD: mismatch" "$SYN_LOG" && grep "KJPAYLOAD" "$SYN_LOG" >&2
	grep -E "KJPAYLOAD: OK|kjump-resume: (plan|loaded)" "$SYN_LOG" | sed "s/^/  $v: /"
done
finish
