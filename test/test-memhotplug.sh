#!/bin/bash
# kjump-memhotplug on fake trees captured from QEMU guests: the dry-run plan of each
# matches the expected one, and without a probe interface the configured fallback
# (kexec into a full-memory kernel with the restriction dropped) is taken.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
MH=$KJ_BIN/kjump-memhotplug
DATA=$KJ_SRC/test/data/memtrees

for plan in "$DATA"/*.plan; do
	t=$(basename "$plan" .plan)
	mkdir -p "$WORK/$t"
	tar xzf "$DATA/$t.tar.gz" -C "$WORK/$t"
	"$MH" --root "$WORK/$t" --dry-run --log stderr >"$WORK/$t.out" 2>&1 || true
	if diff -u "$plan" "$WORK/$t.out" >"$WORK/$t.diff"; then pass "plan for $t"; else
		fail "plan for $t differs"; cat "$WORK/$t.diff" >&2; fi
done
# Dry run changes nothing
before=$(cd "$WORK/q1g-mem256" && find . -type f -exec md5sum {} + | sort | md5sum)
"$MH" --root "$WORK/q1g-mem256" --dry-run --log stderr >/dev/null 2>&1
after=$(cd "$WORK/q1g-mem256" && find . -type f -exec md5sum {} + | sort | md5sum)
[ "$before" = "$after" ] && pass "dry run writes nothing" || fail "dry run changed the tree"

# No probe interface (a distribution kernel): fallback kexec, with the restriction gone
t=$WORK/noprobe
mkdir -p "$t" && tar xzf "$DATA/q1g-exactmap16.tar.gz" -C "$t"
rm "$t/sys/devices/system/memory/probe"
cat >"$WORK/kexec" <<FAKE
#!/bin/sh
echo "\$@" >>"$WORK/kexec.log"
FAKE
chmod +x "$WORK/kexec"
expect_rc 1 "fallback: kexec into the full-memory kernel" "$MH" --root "$t" --log stderr \
	--fallback-kernel /boot/vmlinuz-full --fallback-initrd /boot/initrd-full --kexec "$WORK/kexec" \
	--cmdline "root=/dev/vda2 memmap=exactmap memmap=640K@0 memmap=240M@16M console=ttyS0"
expect_log "no memory probe interface: booting /boot/vmlinuz-full" "says why it falls back"
expected="-l /boot/vmlinuz-full --initrd=/boot/initrd-full --append=root=/dev/vda2 console=ttyS0 kjump.fallback=done"
[ "$(head -1 "$WORK/kexec.log")" = "$expected" ] && pass "kexec -l with the unrestricted command line" ||
	fail "kexec got: $(head -1 "$WORK/kexec.log")"
[ "$(sed -n 2p "$WORK/kexec.log")" = "-e" ] && pass "then kexec -e" || fail "no kexec -e"
rm -f "$WORK/kexec.log"
expect_rc 1 "no second fallback" "$MH" --root "$t" --log stderr --fallback-kernel /boot/vmlinuz-full \
	--kexec "$WORK/kexec" --cmdline "root=/dev/vda2 kjump.fallback=done"
[ ! -e "$WORK/kexec.log" ] && pass "kexec not run again after a fallback boot" || fail "fallback loop"
expect_rc 0 "no fallback configured: continue" "$MH" --root "$t" --log stderr
expect_log "no memory probe interface.*stay unused" "loud warning names what is lost"
# No hotplug at all (no /sys/devices/system/memory)
rm -rf "$t/sys/devices/system/memory"
expect_rc 1 "kernel without memory hotplug" "$MH" --root "$t" --log stderr
expect_log "no memory hotplug in this kernel" "says so in one line"
finish
