#!/bin/bash
# mkinitcpio is not packaged for Debian: run the install hook's build() and help()
# against a stub of mkinitcpio's API that records what was added.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
added=()
add_binary() {
	command -v "$1" >/dev/null || { echo "ERROR: binary not found: '$1'" >&2; return 1; }
	added+=("binary $1")
}
add_runscript() { added+=("runscript"); }
add_file() { added+=("file $1"); }
add_module() { added+=("module $1"); }

PATH=$KJ_BIN:$PATH
# shellcheck source=../initramfs/mkinitcpio/install/kjump
. "$KJ_SRC/initramfs/mkinitcpio/install/kjump"
build && pass "build() succeeds" || fail "build() failed"
printf '%s\n' "${added[@]}" >"$WORK/added"
grep -qx "binary kjump-resume" "$WORK/added" && pass "adds kjump-resume" || fail "kjump-resume not added: ${added[*]}"
grep -qx "runscript" "$WORK/added" && pass "adds the runtime hook" || fail "no add_runscript"
grep -q "binary kexec" "$WORK/added" && fail "adds kexec (kjump-resume needs none)" || pass "no kexec-tools"
# the kernel for the boot with all memory, on a kernel without the memory probe
KERNELVERSION=0.0-kjump-test
added=()
build && printf '%s\n' "${added[@]}" >"$WORK/added2"
if [ -e /sys/devices/system/memory/probe ]; then
	grep -q "vmlinuz" "$WORK/added2" && fail "a kernel copied though this one has the probe" ||
		pass "this kernel has the memory probe: no kernel copied"
else
	grep -q "vmlinuz" "$WORK/added2" && fail "a kernel copied that is not there" ||
		pass "no kernel at /usr/lib/modules/$KERNELVERSION: none copied"
fi
help | grep -q "after 'encrypt' and" && pass "help() says where the hook goes" || fail "help()"
finish
