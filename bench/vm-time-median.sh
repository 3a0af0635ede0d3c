#!/bin/bash
# Hibernate and resume time against swsusp, over N runs of bench/vm-swsusp.sh (each run
# measures both in the same VM setup, one after the other): prints every run's times and
# ratios, then the medians of each side and their ratios. TCG times swing between runs
# (swsusp's by half), so one run decides nothing; the medians are what the targets
# (hibernate <= 3x swsusp, resume <= 1.0x) are judged by.
# Usage: bench/vm-time-median.sh [N]   (as root; default 5; CHURN, HOG, FILL as for
# vm-swsusp.sh, default the #13 workload: CHURN=600 HOG=64 FILL=100)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-5}
export CHURN=${CHURN:-600} HOG=${HOG:-64}
fill=${FILL:-100}
out=$(mktemp /tmp/kjump-median.XXXXXX)
trap 'rm -f "$out"' EXIT
echo "# bench/vm-time-median.sh $n runs, CHURN=$CHURN HOG=$HOG FILL=$fill"
for i in $(seq "$n"); do
	log=$(bash "$src/bench/vm-swsusp.sh" "$fill" 2>&1)
	h=$(sed -n 's/^hibernate (command to power-off): swsusp \([0-9.]*\) s, kjump \([0-9.]*\) s.*/\1 \2/p' <<<"$log")
	r=$(sed -n 's/^resume (QEMU start to A running.*): swsusp \([0-9.]*\) s, kjump \([0-9.]*\) s.*/\1 \2/p' <<<"$log")
	grep -E "^hibernate|^resume" <<<"$log" | sed "s/^/run $i: /"
	if [ -z "$h" ] || [ -z "$r" ]; then
		echo "run $i: no times (see the benchmark's output)"
		continue
	fi
	echo "$h $r" >>"$out"
done
[ -s "$out" ] || { echo "no run gave times" >&2; exit 1; }
# median COLUMN: of the runs' values in that column
median() { awk -v c="$1" '{print $c}' "$out" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
sh=$(median 1) kh=$(median 2) sr=$(median 3) kr=$(median 4)
awk -v sh="$sh" -v kh="$kh" -v sr="$sr" -v kr="$kr" -v n="$(wc -l <"$out")" 'BEGIN {
	printf "median of %d runs: hibernate swsusp %.2f s, kjump %.2f s: %.2fx (target 3x)\n", n, sh, kh, kh / sh
	printf "median of %d runs: resume swsusp %.2f s, kjump %.2f s: %.2fx (target 1.0x)\n", n, sr, kr, kr / sr }'
awk '{printf "%.2f\n", $2 / $1}' "$out" | sort -g | tr '\n' ' ' | sed 's/^/hibernate ratios per run, sorted: /; s/$/\n/'
awk '{printf "%.2f\n", $4 / $3}' "$out" | sort -g | tr '\n' ' ' | sed 's/^/resume ratios per run, sorted: /; s/$/\n/'
