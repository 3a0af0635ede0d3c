#!/bin/bash
# shellcheck disable=SC2154 # moddir comes from dracut
# dracut module for the hibernating kernel B's initramfs (kjump-mkinitrd builds it):
# instead of mounting a root filesystem, wait for the swap device, save the hibernated
# kernel's memory with kjump-save and power off. Never part of a normal initramfs.

# called by dracut
check() {
	require_binaries kjump-save kjump-setup || return 1
	# only when asked for (kjump-mkinitrd names it)
	return 255
}

# called by dracut
depends() {
	echo base
	return 0
}

# called by dracut
install() {
	inst_binary "$(command -v kjump-save)" /usr/sbin/kjump-save
	# (its key wipe)
	inst_binary "$(command -v kjump-setup)" /usr/sbin/kjump-setup
	inst_script "${KJUMP_SAVE_INIT:-/usr/lib/kjump/kjump-save-init}" /usr/lib/kjump/kjump-save-init
	inst_multiple -o poweroff sync
	# swap on LUKS: B opens it itself, with the key file kjump-hibernate hands over
	# (dracut's crypt module would ask for a passphrase)
	# (whatever the host has loaded: --hostonly would drop a dm_crypt not loaded yet)
	if command -v cryptsetup >/dev/null 2>&1; then
		inst_multiple cryptsetup
		hostonly='' instmods dm_crypt || :
	fi
	# after base's 10-parse-root-opts.sh, which sets root from root= (none here)
	inst_hook cmdline 95 "$moddir/parse-kjump-save.sh"
	# pre-mount: after udev and the initqueue found the swap device, before any mount
	inst_hook pre-mount 01 "$moddir/kjump-save.sh"
	# A device that never comes: after two thirds of rd.retry (20 s) the initqueue's
	# timeout hooks run: kjump-save-init then fails to save and jumps back, instead of
	# dracut's emergency shell losing the hibernated system.
	inst_hook initqueue/timeout 99 "$moddir/kjump-save.sh"
	mkdir -p "$initdir/etc/cmdline.d"
	echo "rd.retry=30" >"$initdir/etc/cmdline.d/90-kjump-save.conf"
}
