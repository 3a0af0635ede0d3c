#!/bin/sh
# dracut pre-mount hook of the hibernating kernel: save and power off (or jump back
# into the hibernated kernel when saving fails). Does not return.
exec /usr/lib/kjump/kjump-save-init
