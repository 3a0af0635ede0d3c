#!/bin/bash
# cmake --install with DESTDIR puts everything where distributions and initramfs
# generators look for it.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
command -v cmake >/dev/null || skip "cmake not installed"
DESTDIR=$WORK/dest cmake --install "$KJ_BIN" --prefix /usr >"$WORK/install.log" 2>&1 ||
	{ fail "cmake --install"; cat "$WORK/install.log" >&2; }
for f in /usr/sbin/kjump-resume /usr/sbin/kjump-save /usr/sbin/kjump-image /usr/sbin/kjump-memhotplug \
	/usr/sbin/kjump-hibernate /usr/sbin/kjump-setup /usr/share/man/man8/kjump-setup.8 \
	/usr/lib/dracut/modules.d/90kjump/module-setup.sh \
	/usr/lib/dracut/modules.d/90kjump/parse-kjump.sh /usr/lib/dracut/modules.d/90kjump/kjump-resume.sh \
	/usr/lib/dracut/modules.d/90kjump/kjump-resume.service /usr/lib/systemd/system/kjump-resume.service \
	/usr/lib/initcpio/install/kjump /usr/share/initramfs-tools/hooks/kjump \
	/usr/share/initramfs-tools/scripts/local-premount/kjump /usr/share/initramfs-tools/conf-hooks.d/kjump \
	/usr/lib/kjump/initramfs-tools-save/hooks/kjump-save /usr/lib/kjump/initramfs-tools-save/scripts/init-premount/kjump-save \
	/usr/lib/initcpio/hooks/kjump /usr/share/man/man8/kjump-resume.8 /usr/share/man/man8/kjump-save.8 \
	/usr/share/man/man8/kjump-image.8 /usr/share/man/man8/kjump-memhotplug.8 /usr/share/man/man8/kjump-hibernate.8 \
	/usr/share/man/man7/kjump.7 /usr/share/doc/kjump/KERNEL.md /usr/sbin/kjump-mkinitrd /usr/share/man/man8/kjump-mkinitrd.8 \
	/usr/lib/kjump/kjump-save-init /usr/lib/kjump/kjump-coldplug /usr/lib/kjump/kjump-sleep /usr/lib/kjump/mkinitcpio-save.conf \
	/usr/lib/dracut/modules.d/90kjump-save/module-setup.sh /usr/lib/dracut/modules.d/90kjump-save/kjump-save.sh \
	/usr/lib/dracut/modules.d/90kjump-save/parse-kjump-save.sh /usr/lib/dracut/dracut.conf.d/90-kjump.conf \
	/usr/lib/systemd/system/systemd-hibernate.service.d/kjump.conf /usr/lib/systemd/system/kjump-load.service \
	/usr/lib/systemd/sleep.conf.d/kjump.conf /usr/lib/initcpio/install/kjump-save /usr/lib/initcpio/hooks/kjump-save \
	/etc/kjump/hibernate.conf /etc/default/grub.d/kjump.cfg /etc/kernel/postinst.d/kjump /etc/kernel/postrm.d/kjump; do
	[ -e "$WORK/dest$f" ] && pass "$f" || fail "$f not installed"
done
for f in /usr/sbin/kjump-resume /usr/sbin/kjump-hibernate /usr/sbin/kjump-setup \
	/usr/lib/dracut/modules.d/90kjump/module-setup.sh /usr/share/initramfs-tools/hooks/kjump \
	/usr/share/initramfs-tools/scripts/local-premount/kjump /usr/lib/kjump/initramfs-tools-save/hooks/kjump-save \
	/usr/lib/kjump/initramfs-tools-save/scripts/init-premount/kjump-save \
	/usr/sbin/kjump-mkinitrd /usr/lib/kjump/kjump-sleep /etc/kernel/postinst.d/kjump; do
	[ -x "$WORK/dest$f" ] && pass "$f is executable" || fail "$f not executable"
done
"$WORK/dest/usr/sbin/kjump-resume" --help >/dev/null && pass "installed kjump-resume runs" || fail "installed binary"
if command -v man >/dev/null; then
	man -l "$WORK/dest/usr/share/man/man8/kjump-resume.8" 2>/dev/null | grep -q "EXIT STATUS" &&
		pass "man page renders" || fail "man page"
fi
finish
