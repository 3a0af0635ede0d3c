#!/bin/sh
# dracut cmdline hook of the hibernating kernel: there is no root filesystem to find;
# wait for the swap device named in /etc/kjump/save.conf (appended by kjump-hibernate).
# shellcheck disable=SC2034 # root and rootok are read by dracut's init
# shellcheck source=/dev/null
type wait_for_dev >/dev/null 2>&1 || . /lib/dracut-lib.sh

root=kjump-save
rootok=1
KJUMP_DEVICE=''
[ -r /etc/kjump/save.conf ] && . /etc/kjump/save.conf
[ -n "$KJUMP_DEVICE" ] && wait_for_dev "$KJUMP_DEVICE"
