#!/bin/bash
# shellcheck disable=SC2154 # initdir, moddir, systemdsystemunitdir, SYSTEMCTL come from dracut
# dracut module for kjump: resume a kexec-jump hibernation image before any
# filesystem is mounted, or hot-add the rest of RAM when there is none.

# called by dracut
check() {
	require_binaries kjump-resume || return 1
	# Not in every initramfs by default: only with --add kjump or add_dracutmodules+=.
	return 255
}

# called by dracut
depends() {
	echo base
	return 0
}

# called by dracut
install() {
	# A kernel that cannot hibernate with kjump (a stock kernel without kexec jump)
	# boots as it did: nothing of kjump in its initramfs
	local why
	if ! why=$(kjump-setup can-jump --release "$kernel" 2>/dev/null) && [ -n "$why" ]; then
		dinfo "kjump: $why: this initramfs does not resume"
		return 0
	fi
	# At a fixed path: the build or install tree may be anywhere.
	inst_binary "$(command -v kjump-resume)" /usr/sbin/kjump-resume
	# A kernel without the memory probe interface (most distributions'): with no image
	# kjump-resume boots it again into all memory (kexec_file_load), from this copy.
	if [ "$(kjump-setup kernel-config --release "$kernel" CONFIG_ARCH_MEMORY_PROBE)" = n ]; then
		inst_simple "/boot/vmlinuz-$kernel" /usr/lib/kjump/vmlinuz
	fi
	# Image authentication: the image key (dracut writes the initramfs 0600).
	[ -e /etc/kjump/image.key ] && inst_simple /etc/kjump/image.key
	if dracut_module_included "systemd"; then
		inst_simple "$moddir/kjump-resume.service" "$systemdsystemunitdir/kjump-resume.service"
		$SYSTEMCTL -q --root "$initdir" enable kjump-resume.service
		inst_hook cmdline 20 "$moddir/parse-kjump.sh"
	else
		inst_hook cmdline 20 "$moddir/parse-kjump.sh"
		# pre-mount runs after the initqueue found the devices, before the root
		# filesystem (or any other) is mounted; before dracut's own 10-resume.
		inst_hook pre-mount 05 "$moddir/kjump-resume.sh"
	fi
}
