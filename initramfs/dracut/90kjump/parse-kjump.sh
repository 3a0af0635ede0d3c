#!/bin/sh
# dracut cmdline hook: make the initqueue wait for the resume device, like dracut's
# own resume module, so that LUKS or LVM swap that appears late is waited for (up to
# rd.retry/rd.timeout). kjump-resume reads resume=, noresume and kjump.* itself.
# shellcheck source=/dev/null
type getarg >/dev/null 2>&1 || . /lib/dracut-lib.sh

resume=$(getarg resume=)
[ -n "$resume" ] || return 0 2>/dev/null || exit 0
case $resume in
UUID=* | LABEL=* | PARTUUID=* | PARTLABEL=*)
	case $resume in */PARTNROFF=*) dev= ;; *) dev=$(label_uuid_to_dev "$resume") ;; esac
	;;
/dev/*) dev=$resume ;;
*) dev= ;; # MAJ:MIN and hex forms: kjump-resume finds them through sysfs
esac
if [ -n "$dev" ]; then
	wait_for_dev -n "$dev"
	info "kjump: waiting for resume device $dev"
	if [ -n "$DRACUT_SYSTEMD" ]; then
		# kjump-resume.service: after its device, like systemd-hibernate-resume@.
		unit=$(dev_unit_name "$dev")
		mkdir -p /run/systemd/system/kjump-resume.service.d
		printf '[Unit]\nWants=%s.device\nAfter=%s.device\n' "$unit" "$unit" \
			>/run/systemd/system/kjump-resume.service.d/device.conf
		/sbin/initqueue --onetime --unique --name daemon-reload systemctl daemon-reload
	fi
fi
