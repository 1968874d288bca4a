#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/test/coverage.sh - which lines of the core and the userspace
# adapter the userspace suites run (make coverage): the suites built with
# gcov (-O0 --coverage) run in every mode, as test-unit and test-modes
# run them (and the slab map without its flat bitmap); then gcov per
# object, and a table of the .c files' lines run, least covered first.
# The annotated sources (#####: a line never run) stay in OUT/gcov for
# reading.  Headers are left out of the table: gcov counts an inline
# function once per file that includes it.  The shell-driven parts
# (stats_file.c, frag_dump.c: test-stats-file and test-json) and the
# kernel adapter (KUnit) are not measured here; nor is what a fork()
# child runs inside fork() (gcov resets its counts as fork() returns).
#
# Usage: coverage.sh OUT   (OUT/hakmem-test built with --coverage)

set -eu
OUT=$1
[ -x "$OUT/hakmem-test" ] || { echo "coverage: $OUT/hakmem-test not built" >&2; exit 1; }
find "$OUT" -name '*.gcda' -delete
rm -rf "$OUT/gcov"
mkdir -p "$OUT/gcov"

# the runs: each must pass; their count lines are shown
run() {
	local log
	log=$("$@" 2>&1) || { printf '%s\n' "$log" | tail -20; echo "coverage: FAILED: $*" >&2; exit 1; }
	echo "coverage: $* -> $(printf '%s\n' "$log" | tail -1)"
}
run env HAKMEM_MODE=hybrid "$OUT/hakmem-test"
run env HAKMEM_MODE=bitmap "$OUT/hakmem-test"
run env HAKMEM_MODE=freelist "$OUT/hakmem-test"
run env HM_FLATMAP=0 "$OUT/hakmem-test" hakmem_api hakmem_slab hakmem_slabmap hakmem_remote hakmem_user

# gcov per object, from the source tree's root (the objects name their
# sources relative to it, and gcov writes its files there: moved to
# OUT/gcov); the .c files' summaries make the table
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(cd "$OUT" && pwd)
cd "$root"
for o in "$out"/common/hm_*.o "$out"/userspace/*.o; do
	[ -f "${o%.o}.gcda" ] || continue
	gcov -o "$(dirname "$o")" "$o" 2>/dev/null
done > "$out/gcov/summary"
mv -f ./*.gcov "$out/gcov/"
echo "covered    run  lines  file"
awk '
	/^File / { f = $2; gsub("\047", "", f); next }
	/^Lines executed:/ && f ~ /^(common|userspace)\/.*\.c$/ && !(f in seen) {
		seen[f] = 1
		split($2, a, ":"); pct = a[2]; sub("%", "", pct)
		run = int(pct * $4 / 100 + 0.5)
		printf "%6.1f%% %6d %6d  %s\n", pct, run, $4, f
	}
' "$out/gcov/summary" | sort -n | awk '{ print; ran += $2; all += $3 }
	END { if (all) printf "%6.1f%% %6d %6d  total\n", 100 * ran / all, ran, all }'
echo "coverage: annotated sources in $out/gcov (#####: a line never run)"
