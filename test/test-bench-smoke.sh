#!/bin/bash
# The benchmark still runs end to end (a small size, no targets judged here: rates on a
# shared CI machine mean little): every measurement is present and positive, and the
# table prints a row for each.
. "$(dirname "$0")/lib.sh"
command -v /usr/bin/time >/dev/null || skip "GNU time (package time) not installed"
expect_rc 0 "bench/run-bench.py runs" env KJ_BIN="$KJ_BIN" python3 "$KJ_SRC/bench/run-bench.py" \
	--sizes 64 --dir "$WORK" --out "$WORK/r.json"
for row in "(1) warm" "(3) lzo, all cores" "(3) lzo, 1 thread" "(4) peak RSS" "kjump-save lzo" "(6) load authenticated" "(6) save authenticated" "(5) no image"; do
	expect_log "$(printf '%s' "$row" | sed 's/[()]/\\&/g')" "table row: $row"
done
if python3 - "$WORK/r.json" <<'PY'; then pass "result file: every measurement present and > 0"; else fail "result file incomplete"; fi
import json, sys
r = json.load(open(sys.argv[1]))
s = r["sizes"]["64"]
keys = ["warm_cat_mbps", "warm_load_mbps", "lzo_all_mbps", "lzo_1thread_mbps", "lzo_codec_mbps",
        "lzo_compress_1thread_mbps", "save_lzo_mbps", "save_none_mbps", "rss_kib",
        "load_mac_mbps", "load_plain_mbps", "save_mac_mbps", "save_plain_mbps"]
if "cold_dd_mbps" in s:
    keys += ["cold_dd_mbps", "cold_load_mbps"]
bad = [k for k in keys if not (s.get(k) or 0) > 0]
if bad or not r["no_image_ms"] > 0 or "all_targets_met" not in r:
    sys.exit("missing or zero: %s" % bad)
PY
finish
