#!/bin/bash
# I/O errors while resuming: a read failing at the header, the range table, the first,
# middle and last data block, short reads, the device disappearing. Each: a clear
# error, nothing written to the target, the boot continues (status 5), and the image is
# never resumed afterwards.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
need_shim
make_root "$WORK/root"
make_memory "$WORK/mem"
RANGES=0x8000000-0x9000000,0x1f000000-0x1f400000
"$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" --entry 0x8000040 --block-pages 32 \
	--output "$WORK/good" --create 64M --root "$WORK/root" -q
"$IMAGE" info --blocks "$WORK/good" >"$WORK/blocks"
"$IMAGE" info --json "$WORK/good" >"$WORK/info.json"
TABLE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["table_offset"])' "$WORK/info.json")
n=$(wc -l <"$WORK/blocks")
off_of() { sed -n "$(($1 + 1))p" "$WORK/blocks" | awk '{print $4}'; }

inject() { # inject NAME ENV=VALUE...: resume with the fault, check the outcome
	local name=$1
	shift
	cp "$WORK/good" "$WORK/dev"
	rm -f "$WORK/target"
	expect_rc 5 "$name: resume fails cleanly" env "$@" KJ_FAULT_PATH="$WORK/dev" LD_PRELOAD="$SHIM" \
		"$RESUME" --device "$WORK/dev" --target "file:$WORK/target" --root "$WORK/root"
	expect_log "Input/output error|No such device" "$name: the error is named"
	[ ! -e "$WORK/target" ] && pass "$name: nothing written to the target" || fail "$name: target written"
	expect_rc 1 "$name: never resumed afterwards" "$RESUME" --device "$WORK/dev" --target null --root "$WORK/root"
}
inject "header" KJ_FAULT_READ_AT=$((4096 + 100))
inject "range table" KJ_FAULT_READ_AT=$((TABLE + 10))
inject "first block" KJ_FAULT_READ_AT=$(($(off_of 0) + 100))
inject "middle block" KJ_FAULT_READ_AT=$(($(off_of $((n / 2))) + 100))
inject "last block" KJ_FAULT_READ_AT=$(($(off_of $((n - 1))) + 40))
inject "device gone" KJ_FAULT_READ_FROM=$(($(off_of $((n / 2))) + 100))
# Short reads are not errors: the image still loads byte for byte.
cp "$WORK/good" "$WORK/dev"
rm -f "$WORK/target"
expect_rc 0 "short reads: loads" env KJ_FAULT_PATH="$WORK/dev" KJ_FAULT_SHORT=1 LD_PRELOAD="$SHIM" \
	"$RESUME" --device "$WORK/dev" --target "file:$WORK/target" --root "$WORK/root"
ranges_restored "$WORK/mem" "$WORK/target" "$RANGES" "short reads: every byte restored"
finish
