# shellcheck shell=bash
# The synthetic-image scenario, shared by the test and the demo. Source after
# test/lib.sh and test/vm/lib.sh; call synthetic_run NAME QEMU_MEM "APPEND" TREE.
# Sets SYN_LOG (console) and SYN_RC (QEMU's exit status: 33 = payload verdict OK).
KJ_PAYLOAD_ADDR=0x4000000
KJ_LOW_STAGED=0x10000-0x20000 # inside the resume kernel's RAM: staged

synthetic_run() {
	local name=$1 mem=$2 append=$3 tree=$4 ranges
	SYN_LOG=$WORK/$name.log
	mkdir -p "$WORK/$name.tree"
	tar xzf "$KJ_SRC/test/data/memtrees/$tree.tar.gz" -C "$WORK/$name.tree"
	ranges=$("$KJ_BIN/test/synth" "$WORK/$name.tree" "$KJ_BIN/test/payload.bin" \
		$KJ_PAYLOAD_ADDR $KJ_LOW_STAGED "$WORK/$name.mem")
	local swap=$(($(stat -c %s "$WORK/$name.mem") / 1048576 + 64))
	vm_gpt_disk "$WORK/$name.disk" $swap
	# kjump-save as the hibernating kernel would run it, on the host: the tree gives
	# the firmware map the image records.
	dd if="$WORK/$name.disk" of="$WORK/$name.p1" bs=1M skip=1 count=$swap status=none
	"$SAVE" --memory "file:$WORK/$name.mem" --ranges "$ranges" --entry $KJ_PAYLOAD_ADDR \
		--output "$WORK/$name.p1" --root "$WORK/$name.tree" --release synthetic-payload -q
	dd if="$WORK/$name.p1" of="$WORK/$name.disk" bs=1M seek=1 conv=notrunc status=none
	rm -f "$WORK/$name.mem" "$WORK/$name.p1"
	cat >"$WORK/$name.scen" <<'SCEN'
echo "KJTEST: resuming"
kjump-resume
echo "KJTEST: kjump-resume returned $?"
SCEN
	if [ -n "${SYN_INITRD:-}" ]; then # another initramfs (dracut's)
		cp "$SYN_INITRD" "$WORK/$name.initrd"
	else
		vm_initramfs "$WORK/$name.initrd" "$WORK/$name.scen"
	fi
	SYN_RC=0
	# shellcheck disable=SC2034 # SYN_RC: for the scripts that source this
	timeout --foreground -k 5 60 qemu-system-x86_64 -accel tcg -nographic -no-reboot \
		-kernel "$KERNEL" -append "console=ttyS0 panic=-1 loglevel=6 no_timer_check resume=/dev/vda1 ${SYN_APPEND:-} $append" \
		-m "$mem" -initrd "$WORK/$name.initrd" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-drive "file=$WORK/$name.disk,format=raw,if=virtio" </dev/null >"$SYN_LOG" 2>&1 || SYN_RC=$?
	tr -d '\r' <"$SYN_LOG" >"$SYN_LOG.tmp" && mv "$SYN_LOG.tmp" "$SYN_LOG"
}
