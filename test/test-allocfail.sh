#!/bin/bash
# The allocation-failure sweep (sanitized build): kjump-resume, and kjump-image extract,
# linked with test/allocfail.c, run with the Nth allocation call of kjump's own code
# failing, for N = 1, 2, ... until a run makes fewer than N calls: every allocation
# point of a resume (and an extract) once. Two sweeps each: memory that stays out
# (KJ_ALLOC_FAIL=N: the Nth call and every later one fail, the error paths and the
# retries too) and a failure that passes (KJ_ALLOC_FAIL=N,1: the Nth alone, so that
# what comes after the error runs). For every N: the program's own exit status for a
# system error (never a crash or a sanitizer's), no AddressSanitizer, LeakSanitizer or
# UBSan report (a leak on an error path is one), the failure said in a line that names
# it, and a run that still succeeds restored every byte.
# The image's header records a firmware map of 22 RAM ranges: more than the first 16
# that a range list holds, so comparing the maps (check_memmap) allocates twice.
# shellcheck disable=SC2015 # "A && pass || fail" is the harness idiom: pass never fails
. "$(dirname "$0")/lib.sh"
RESUME_AF=$KJ_BIN/test/kjump-resume-allocfail
IMAGE_AF=$KJ_BIN/test/kjump-image-allocfail
[ -x "$RESUME_AF" ] && [ -x "$IMAGE_AF" ] ||
	skip "no allocfail programs here (built with -DKJUMP_SANITIZE=ON only)"
# A report ends the run with a status of its own (not 1, which is "no image").
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86"

make_root "$WORK/root" # entries 0-4
i=5
for k in $(seq 0 19); do # 20 more RAM ranges, each with a reserved page after it
	s=$((0x20000000 + k * 0x100000))
	for e in "$s $((s + 0xfefff)) System RAM" "$((s + 0xff000)) $((s + 0xfffff)) Reserved"; do
		read -r a b t <<<"$e"
		mkdir -p "$WORK/root/sys/firmware/memmap/$i"
		printf '0x%x\n' "$a" >"$WORK/root/sys/firmware/memmap/$i/start"
		printf '0x%x\n' "$b" >"$WORK/root/sys/firmware/memmap/$i/end"
		echo "$t" >"$WORK/root/sys/firmware/memmap/$i/type"
		i=$((i + 1))
	done
done
make_memory "$WORK/mem"
RANGES=0x8200000-0x8400000,0x8c00000-0x8d00000
"$SAVE" --memory "file:$WORK/mem" --ranges "$RANGES" --entry 0x8200040 --block-pages 32 \
	--output "$WORK/image" --create 8M --root "$WORK/root" -q
n_ram=$("$IMAGE" info "$WORK/image" | grep -c 'firmware map:.*System RAM' || true)
[ "$n_ram" -gt 16 ] && pass "the header records $n_ram RAM ranges" ||
	fail "the header records $n_ram RAM ranges, expected more than 16"

# sweep NAME MODE STATUSES CMD...: run CMD with KJ_ALLOC_FAIL=N$MODE for N = 1, 2, ...
# until no call fails; each run's status must be in STATUSES (a failure) or 0.
sweep() {
	local name=$1 mode=$2 ok=$3 n=1 rc bad=0 log
	shift 3
	while :; do
		log=$WORK/run.log
		rm -f "$WORK/target" "$WORK/out"
		rc=0
		KJ_ALLOC_FAIL=$n$mode "$@" >"$log" 2>&1 || rc=$?
		if ! grep -q '^kj-allocfail: allocation' "$log"; then
			break # the run made fewer than N calls: all swept
		fi
		if ! check_run "$rc" "$ok" "$log"; then
			bad=$((bad + 1))
			# the first few each, and the first one again with the failing call's stack
			[ $bad -gt 5 ] || fail "$name, allocation $n failing: $WHY"
			[ $bad -gt 1 ] || show_run "$n$mode" "$@"
		fi
		n=$((n + 1))
		[ $n -le 5000 ] || { fail "$name: no end after 5000 allocations" && return; }
	done
	[ "$rc" = 0 ] && pass "$name: without a failure it succeeds" ||
		fail "$name: exit $rc without a failure"
	[ $bad = 0 ] && pass "$name: $((n - 1)) allocation points swept, each failing cleanly" ||
		fail "$name: $bad of $((n - 1)) allocation points fail badly"
}

# check_run RC STATUSES LOG: one run with a failing allocation was clean (else WHY says)
check_run() {
	local rc=$1 ok=$2 log=$3
	WHY=""
	if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: ' "$log"; then
		WHY="sanitizer report: $(grep -Em1 'ERROR:|runtime error:' "$log")"
	elif [ "$rc" -ne 0 ] && [[ " $ok " != *" $rc "* ]]; then
		WHY="exit $rc, expected 0 or one of: $ok"
	elif grep -Eq '^kjump-[a-z]+: .*: *$' "$log"; then
		WHY="an error line with no reason: $(grep -Em1 '^kjump-[a-z]+: .*: *$' "$log")"
	elif ! grep -Eq '^kjump-[a-z]+: .*(out of memory|Cannot allocate memory)' "$log"; then
		WHY="exit $rc, and no line says that memory ran out"
	elif [ "$rc" -eq 0 ] && [ -e "$WORK/target" ] &&
		! ranges_same "$WORK/mem" "$WORK/target" "$RANGES"; then
		WHY="exit 0, but the memory is not restored"
	fi
	[ -z "$WHY" ]
}

ranges_same() {
	local r
	for r in ${3//,/ }; do region_cmp "$1" "$2" "${r%-*}" "${r#*-}" || return 1; done
}

# show_run FAIL CMD...: the first bad run again, with the failing call's stack
show_run() {
	local f=$1
	shift
	rm -f "$WORK/target" "$WORK/out"
	KJ_ALLOC_FAIL=$f KJ_ALLOC_FAIL_STACK=1 "$@" 2>&1 | head -60 | sed 's/^/    /' >&2 || true
}

t0=$(date +%s)
# --keep: a refused image stays, so every run starts from the same one, and none waits
# kjump.keep_wait= for a power-off (its --cmdline may be what the failure took).
resume_af() {
	"$RESUME_AF" --device "$WORK/image" --target "file:$WORK/target" --root "$WORK/root" \
		--cmdline "kjump.retries=2" --retry-pause 0 --keep -j 2
}
sweep "kjump-resume, memory stays out" "" 5 resume_af
sweep "kjump-resume, a failure that passes" ",1" 5 resume_af
extract_af() { "$IMAGE_AF" extract --output "$WORK/out" "$WORK/image"; }
sweep "kjump-image extract, memory stays out" "" 1 extract_af
sweep "kjump-image extract, a failure that passes" ",1" 1 extract_af
ranges_restored "$WORK/mem" "$WORK/out" "$RANGES" "kjump-image extract: every byte extracted"
expect_rc 0 "the image is still valid after every sweep" "$IMAGE" verify "$WORK/image"
echo "swept in $(($(date +%s) - t0)) s"
finish
