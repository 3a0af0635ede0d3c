#!/bin/bash
# B's and C's initramfs built by Debian's real mkinitramfs (initramfs-tools), checked
# with lsinitramfs: C's (the system's configuration plus kjump's hook and boot script)
# runs kjump-resume in local-premount and carries the kernel for the boot with all
# memory; B's (kjump-mkinitrd --generator mkinitramfs) has kjump-save, kjump-setup,
# B's init in init-premount and the swap device's driver, and not kjump-resume.
# mkinitramfs reads modules only from /lib/modules/VERSION: where the running kernel has
# none (a container), Debian's 6.12 kernel's modules (../shared/testkernel/debian) are
# laid over /usr/lib in a mount namespace of this test's own (root, unshare).
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
command -v mkinitramfs >/dev/null && command -v lsinitramfs >/dev/null ||
	skip "initramfs-tools not installed (apt install initramfs-tools)"
TK=${KJUMP_TEST_KERNEL_DIR:-$KJ_SRC/../shared/testkernel/debian}
[ "$(id -u)" = 0 ] && command -v unshare >/dev/null || skip "not root (or no unshare): kjump's installation is laid over /usr"
command -v cmake >/dev/null || skip "cmake not installed"
kver=$(uname -r) mods=""
if [ ! -d "/lib/modules/$kver" ]; then
	kver=6.12.117-kjump mods=$TK/modules-$kver.tar.xz
	[ -r "$mods" ] || skip "no /lib/modules/$(uname -r) and no $mods"
fi

# kjump as the package installs it, laid over /usr in this test's mount namespace: the
# generators look in /usr/share/initramfs-tools and run with PATH=/usr/bin:/sbin:/bin
DESTDIR=$WORK/dest cmake --install "$KJ_BIN" --prefix /usr >"$WORK/install.log" 2>&1 ||
	{ fail "cmake --install"; cat "$WORK/install.log" >&2; finish; exit 1; }
# C: the system's configuration, every driver (no host to look at in a container)
cp -R /etc/initramfs-tools "$WORK/conf-c"
sed -i 's/^MODULES=.*/MODULES=most/' "$WORK/conf-c/initramfs.conf"

cat >"$WORK/build.sh" <<SCRIPT
set -e
export KJUMP_CONF=/nonexistent TMPDIR="$WORK"
mkdir -p "$WORK/up" "$WORK/wk" "$WORK/boot"
mount -t overlay overlay -o lowerdir="$WORK/dest/usr:/usr",upperdir="$WORK/up",workdir="$WORK/wk" /usr
if [ -n "$mods" ]; then
	tar -C /usr -xJf "$mods" "lib/modules/$kver"
	# the kernel and its configuration (no memory probe): C's hook copies the kernel
	cp "$TK/config-$kver" "$WORK/boot/config-$kver"
	cp "$TK/bzImage-$kver" "$WORK/boot/vmlinuz-$kver"
	mount --bind "$WORK/boot" /boot
fi
mkinitramfs -d "$WORK/conf-c" -o "$WORK/c.img" "$kver" >"$WORK/c.log" 2>&1
kjump-mkinitrd --generator mkinitramfs --generic --kver "$kver" --output "$WORK/b.img" >"$WORK/b.log" 2>&1
# hostonly (MODULES=dep), or every driver where dep cannot see this host's devices
KJUMP_DEVICE=/dev/vda kjump-mkinitrd --generator mkinitramfs --kver "$kver" --output "$WORK/b-dep.img" >"$WORK/b-dep.log" 2>&1
# the same kernel as Debian ships it, without kexec jump: nothing of kjump
if [ -n "$mods" ]; then
	cp "$TK/config-6.12.117+deb13-amd64.stock" "$WORK/boot/config-$kver"
	mkinitramfs -d "$WORK/conf-c" -o "$WORK/c-stock.img" "$kver" >"$WORK/c-stock.log" 2>&1
	kjump-mkinitrd --generator mkinitramfs --generic --kver "$kver" --output "$WORK/b-stock.img" >"$WORK/b-stock.log" 2>&1
fi
SCRIPT
unshare -m bash "$WORK/build.sh" || { fail "mkinitramfs"; cat "$WORK"/[bc].log >&2; finish; exit 1; }

lsinitramfs "$WORK/c.img" >"$WORK/c.list"
lsinitramfs "$WORK/b.img" >"$WORK/b.list"
lsinitramfs "$WORK/b-dep.img" >"$WORK/b-dep.list"
has() {
	grep -Eq -- "$3" "$WORK/$1.list" && pass "$2 has $3" || { fail "$2 lacks $3"; cat "$WORK/$1.log" >&2; }
}
lacks() { grep -Eq -- "$3" "$WORK/$1.list" && fail "$2 has $3" || pass "$2 has no $3"; }
has c "C's initramfs" '^usr/sbin/kjump-resume$'
has c "C's initramfs" '^scripts/local-premount/kjump$'
has c "C's initramfs" '^scripts/local-premount/ORDER$'
# the boot order initramfs-tools cached: kjump before Debian's own resume; B's init
# in init-premount
order() {
	rm -rf "$WORK/x" && unmkinitramfs "$1" "$WORK/x" >/dev/null 2>&1
	cat "$WORK/x/scripts/$2/ORDER" "$WORK/x/main/scripts/$2/ORDER" 2>/dev/null || true
}
order "$WORK/c.img" local-premount >"$WORK/c.order"
grep -q '^/scripts/local-premount/kjump ' "$WORK/c.order" &&
	[ "$(grep -n -e '/kjump ' -e '/resume ' "$WORK/c.order" | head -1 | grep -c kjump)" = 1 ] &&
	pass "C's local-premount runs kjump, before resume" || { fail "C's local-premount order"; cat "$WORK/c.order" >&2; }
order "$WORK/b.img" init-premount | grep -q '^/scripts/init-premount/kjump-save ' &&
	pass "B's init-premount runs kjump-save" || fail "B's init-premount does not run kjump-save"
[ -n "$mods" ] && has c "C's initramfs (a kernel without the memory probe)" '^usr/lib/kjump/vmlinuz$'
has b "B's initramfs" '^usr/sbin/kjump-save$'
has b "B's initramfs" '^usr/sbin/kjump-setup$'
has b "B's initramfs" '^usr/lib/kjump/kjump-save-init$'
has b "B's initramfs" '^scripts/init-premount/kjump-save$'
has b "B's initramfs" '/virtio_blk\.ko'
has b-dep "B's hostonly initramfs" '^usr/sbin/kjump-save$'
has b-dep "B's hostonly initramfs" '^scripts/init-premount/kjump-save$'
lacks b "B's initramfs" '^usr/sbin/kjump-resume$'
lacks b "B's initramfs" '^usr/lib/kjump/vmlinuz$'
if [ -n "$mods" ]; then
	lsinitramfs "$WORK/c-stock.img" >"$WORK/c-stock.list"
	lacks c-stock "a stock kernel's initramfs" '(sbin/kjump-resume|lib/kjump/vmlinuz)$'
	grep -q "I: kjump: $kver lacks CONFIG_KEXEC_JUMP, .*KERNEL.md" "$WORK/c-stock.log" &&
		pass "... and update-initramfs says why" || fail "the stock build said: $(cat "$WORK/c-stock.log")"
	[ ! -e "$WORK/b-stock.img" ] && grep -q "$kver lacks CONFIG_KEXEC_JUMP, .*: no hibernating initramfs" "$WORK/b-stock.log" &&
		pass "kjump-mkinitrd builds no hibernating initramfs for a stock kernel, and says why" ||
		fail "kjump-mkinitrd for a stock kernel: $(cat "$WORK/b-stock.log")"
fi
finish
