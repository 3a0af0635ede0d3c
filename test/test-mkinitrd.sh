#!/bin/bash
# kjump-mkinitrd against stand-ins for dracut and mkinitcpio that record how they were
# called: the modules and options B's initramfs is built with, the default output next
# to the kernel, the old file kept when the generator fails, --remove, and a clear
# error when there is no generator. (vm-debian builds one with Debian's real dracut.)
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
MK=$KJ_SRC/mkinitrd/kjump-mkinitrd
B=$WORK/bin
mkdir -p "$B" "$WORK/boot"
ln -s "$KJ_BIN/kjump-save" "$B/kjump-save"
ln -s "$KJ_BIN/kjump-image" "$B/kjump-image"
# GEN_RC: the stand-in's exit status; it writes its last argument but one (the output)
for g in dracut mkinitcpio; do
	cat >"$B/$g" <<-EOF
		#!/bin/bash
		echo "\$*" >"$WORK/$g.args"
		[ "\${GEN_RC:-0}" = 0 ] || exit "\$GEN_RC"
		if [ "$g" = dracut ]; then out=\${@: -2:1}; else while [ \$# -gt 1 ]; do [ "\$1" = -g ] && out=\$2; shift; done; fi
		echo "initramfs by $g" >"\$out"
	EOF
	chmod +x "$B/$g"
done
# only the tools the script needs: the machine's own dracut must not be found
mkdir -p "$WORK/tools"
for t in sh bash uname sed wc mv rm cat mktemp mkdir cp; do ln -s "$(command -v "$t")" "$WORK/tools/$t"; done
run() { env -i PATH="$B:$WORK/tools" GEN_RC="${GEN_RC:-0}" KJUMP_CONF=/nonexistent KJUMP_BOOT="$WORK/boot" \
	KJUMP_ITOOLS_SAVE="$KJ_SRC/initramfs/initramfs-tools-save" sh "$MK" "$@"; }

run --kver 6.1.99 >"$WORK/out" 2>&1 && pass "dracut: built" || fail "dracut: exit $?: $(cat "$WORK/out")"
args=$(cat "$WORK/dracut.args")
for want in "--modules base udev-rules kernel-modules kjump-save" "--omit kjump systemd plymouth" \
	"--no-hostonly-cmdline" "--force" "$WORK/boot/kjump-save-6.1.99.img.kjump-new 6.1.99"; do
	case $args in *"$want"*) pass "dracut gets '$want'" ;; *) fail "dracut args '$args' lack '$want'" ;; esac
done
# no module tree for this kernel (everything built in): --no-kernel
case $args in *--no-kernel*) pass "a kernel without /lib/modules: --no-kernel" ;; *) fail "no --no-kernel: $args" ;; esac
[ "$(cat "$WORK/boot/kjump-save-6.1.99.img")" = "initramfs by dracut" ] && [ ! -e "$WORK/boot/kjump-save-6.1.99.img.kjump-new" ] &&
	pass "written to the default path, next to the kernel" || fail "default output"
grep -q "done: $WORK/boot/kjump-save-6.1.99.img" "$WORK/out" && pass "says where it wrote" || fail "no done line"

run --kver 6.1.99 --add "lvm crypt" --generic >/dev/null 2>&1
args=$(cat "$WORK/dracut.args")
case $args in *"kjump-save  lvm crypt"* | *"kjump-save lvm crypt"*) pass "--add: more modules" ;; *) fail "--add: $args" ;; esac
case $args in *--no-hostonly*) pass "--generic: --no-hostonly" ;; *) fail "--generic: $args" ;; esac

# a failing generator: the old file stays, exit 1
rc=0
GEN_RC=3 run --kver 6.1.99 >"$WORK/out" 2>&1 || rc=$?
[ $rc = 1 ] && pass "generator failure: exit 1" || fail "generator failure: exit $rc"
grep -q "dracut failed (exit 3): .* left as it was" "$WORK/out" && pass "says the generator failed" || fail "$(cat "$WORK/out")"
[ "$(cat "$WORK/boot/kjump-save-6.1.99.img")" = "initramfs by dracut" ] && pass "the old initramfs is kept" ||
	fail "the old initramfs was lost"

run --kver 6.1.99 --generator mkinitcpio --output "$WORK/b.img" >/dev/null 2>&1 && pass "mkinitcpio: built" ||
	fail "mkinitcpio"
args=$(cat "$WORK/mkinitcpio.args")
case $args in *"-k 6.1.99 -c /usr/lib/kjump/mkinitcpio-save.conf -g $WORK/b.img.kjump-new"*)
	pass "mkinitcpio gets the kernel, kjump's config and the output" ;; *) fail "mkinitcpio args: $args" ;; esac
[ "$(cat "$WORK/b.img")" = "initramfs by mkinitcpio" ] && pass "--output" || fail "--output"

run --kver 6.1.99 --remove && [ ! -e "$WORK/boot/kjump-save-6.1.99.img" ] && pass "--remove deletes it" || fail "--remove"

# the system's generator (what the package's scripts and --check ask): initramfs-tools
# where update-initramfs is, dracut else
[ "$(run --system-generator)" = dracut ] && pass "system generator: dracut" || fail "system generator: $(run --system-generator)"
# shellcheck disable=SC2016 # $* and $2 are the stand-in's own
printf '#!/bin/sh\necho "$*" >"%s/mkinitramfs.args"\ncp -R "$2" "%s/itools-conf"\n' "$WORK" "$WORK" >"$B/mkinitramfs"
printf '#!/bin/sh\nexit 0\n' >"$B/update-initramfs"
chmod +x "$B/mkinitramfs" "$B/update-initramfs"
[ "$(run --system-generator)" = initramfs-tools ] && pass "system generator: initramfs-tools, with update-initramfs" ||
	fail "system generator with update-initramfs: $(run --system-generator)"
# dracut stays B's generator when both are there
run --kver 6.1.99 >"$WORK/out" 2>&1 && grep -q "with dracut" "$WORK/out" && pass "dracut first when both are there" ||
	fail "both: $(cat "$WORK/out")"
rm "$B/dracut" "$B/mkinitcpio"
# only initramfs-tools: mkinitramfs -d CONFDIR -o FILE VERSION (test-mkinitramfs builds with the real one)
run --kver 6.1.99 --output "$WORK/b.img" >"$WORK/out" 2>&1 || true
case $(cat "$WORK/mkinitramfs.args" 2>/dev/null) in "-d "*" -o $WORK/b.img.kjump-new 6.1.99") pass "mkinitramfs when it is the only one" ;;
*) fail "mkinitramfs: $(cat "$WORK/out" "$WORK/mkinitramfs.args")" ;; esac
# its configuration directory: hostonly drivers, B's hook and init-premount script
c=$WORK/itools-conf
grep -qx MODULES=dep "$c/initramfs.conf" && [ -x "$c/hooks/kjump-save" ] && [ -x "$c/scripts/init-premount/kjump-save" ] &&
	pass "mkinitramfs: MODULES=dep, B's hook and init script" || fail "mkinitramfs config: $(ls -R "$c" 2>&1)"
rm -rf "$c"
run --kver 6.1.99 --generic --output "$WORK/b.img" >"$WORK/out" 2>&1 || true
grep -qx MODULES=most "$c/initramfs.conf" && pass "mkinitramfs --generic: MODULES=most" || fail "--generic with mkinitramfs"
rm "$B/mkinitramfs" "$B/update-initramfs"
[ "$(run --system-generator)" = "" ] && pass "no system generator" || fail "system generator of none"
rc=0
run --kver 6.1.99 >"$WORK/out" 2>&1 || rc=$?
[ $rc = 2 ] && grep -q "none of dracut, mkinitcpio, mkinitramfs is installed" "$WORK/out" &&
	pass "no generator: exit 2 and a clear line" || fail "no generator: exit $rc: $(cat "$WORK/out")"
rc=0
run --bogus >"$WORK/out" 2>&1 || rc=$?
[ $rc = 2 ] && pass "unknown option: exit 2" || fail "unknown option"
finish
