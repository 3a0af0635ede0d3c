#!/bin/sh
# dracut pre-mount hook: resume a kjump image, or let the boot continue (with all of
# the RAM). kjump-resume itself decides from the command line whether this boot asks
# for anything (resume=, kjump.hotplug): the one reader of those words. Every exit
# status but 2 means: go on.
# shellcheck source=/dev/null
type warn >/dev/null 2>&1 || . /lib/dracut-lib.sh

kjump-resume --if-asked
[ "$?" = 2 ] && warn "kjump-resume: usage error (see its messages)"
