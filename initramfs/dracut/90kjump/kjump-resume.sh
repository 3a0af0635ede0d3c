#!/bin/sh
# dracut pre-mount hook: resume a kjump image, or let the boot continue (with all of
# the RAM hot-added). Every exit status but 2 means: go on.
# shellcheck source=/dev/null
type getarg >/dev/null 2>&1 || . /lib/dracut-lib.sh

if [ -n "$(getarg resume=)" ] || getargbool 0 kjump.hotplug; then
	kjump-resume
	rc=$?
	[ "$rc" = 2 ] && warn "kjump-resume: usage error (see its messages)"
fi
