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
# shellcheck source=../scripts/mkinitcpio/install/kjump
. "$KJ_SRC/scripts/mkinitcpio/install/kjump"
build && pass "build() succeeds" || fail "build() failed"
printf '%s\n' "${added[@]}" >"$WORK/added"
grep -qx "binary kjump-resume" "$WORK/added" && pass "adds kjump-resume" || fail "kjump-resume not added: ${added[*]}"
grep -qx "runscript" "$WORK/added" && pass "adds the runtime hook" || fail "no add_runscript"
if command -v kexec >/dev/null; then
	grep -qx "binary kexec" "$WORK/added" && pass "adds kexec (fallback kernel)" || fail "kexec not added"
fi
added=()
PATH=$KJ_BIN:/usr/bin:/bin # without kexec-tools the hook still builds
command -v kexec >/dev/null && PATH=$KJ_BIN
build && pass "build() succeeds without kexec-tools" || fail "build() needs kexec"
help | grep -q "after 'encrypt' and" && pass "help() says where the hook goes" || fail "help()"
finish
