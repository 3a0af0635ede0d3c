#!/bin/sh
# dracut cmdline hook of the hibernating kernel: there is no root filesystem to find.
# When the swap device named in /etc/kjump/save.conf (appended by kjump-hibernate) is
# there already (its driver built into the kernel: devtmpfs made the node), save now,
# before udev and its settling (seconds); else wait for it through dracut's initqueue
# (udev loads the driver) and save from the pre-mount hook.
# shellcheck disable=SC2034 # root and rootok are read by dracut's init
# shellcheck source=/dev/null
type wait_for_dev >/dev/null 2>&1 || . /lib/dracut-lib.sh

root=kjump-save
rootok=1
KJUMP_DEVICE='' KJUMP_LUKS_DEVICE=''
[ -r /etc/kjump/save.conf ] && . /etc/kjump/save.conf
# on LUKS: the volume's device (kjump-save-init opens it)
dev=${KJUMP_LUKS_DEVICE:-$KJUMP_DEVICE}
if [ -n "$dev" ] && [ -b "$dev" ]; then
	exec /usr/lib/kjump/kjump-save-init
fi
[ -n "$dev" ] && wait_for_dev "$dev"
