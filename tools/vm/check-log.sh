#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side verdict on a console log written by boot.sh.
#
# Usage: tools/vm/check-log.sh LOG [--allow-taint MASK] [--ignore REGEX]
#          [--kunit-py PATH] [--keep DIR]
#   --allow-taint MASK  taint bits allowed on top of the default 4096 (O,
#                       out-of-tree) | 8192 (E, unsigned) | 262144 (N, a KUnit
#                       test ran); e.g. 512 to allow W. Decimal or 0x hex.
#   --ignore REGEX      drop console lines matching REGEX (grep -E) before the
#                       splat gate (deliberate-bug tests)
#   --kunit-py PATH     kunit.py to parse with (default: from the cached
#                       linux-source tree, see below; env KUNIT_PY too)
#   --keep DIR          keep the extracted <suite>.ktap/.json files in DIR
#
# Fails (exit 1) on: no "@@ DONE"; any "@@ FAIL" line; a console line
# matching BUG:|WARNING:|Oops|Kernel panic|KASAN|possible circular locking|
# suspicious RCU|unreferenced object|sleeping function called from invalid
# context|Call Trace; a taint outside the allowed mask; any KTAP test that
# is not ok (or a KTAP block kunit.py cannot parse or that has no test);
# a non-empty kmemleak report ("@@ KMEMLEAK-BEGIN" ... "@@ KMEMLEAK-END"
# of guest-lib.sh's kmemleak_check), shown whole (200 lines at most).
# Each "@@ KTAP-BEGIN <suite>" ... "@@ KTAP-END <suite>" block is parsed ON
# ITS OWN by kunit.py (it reads only the first KTAP document of its input:
# recipe pitfall 2), with absolute paths (it chdirs: pitfall 3).
# Output: one line per suite, then a last line "N passed, N failed,
# N skipped" counting KTAP test cases plus one "console" check per log.
set -eu

VM_DIR=$(cd "$(dirname "$0")" && pwd)
TOOLS_DIR=$(dirname "$VM_DIR")
HAKMEM_CACHE=${HAKMEM_CACHE:-/var/cache/hakmem}

usage() {
	sed -n '/^# Usage:/,/^# Output:/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

log="" allow=0 ignore="" keep="" kunit_py=${KUNIT_PY:-}
while [ $# -gt 0 ]; do
	# a value missing: a usage error, not set -u's "unbound variable"
	case $1 in -*) [ $# -ge 2 ] || usage ;; esac
	case $1 in
	--allow-taint) allow=$(($2)); shift ;;
	--ignore) ignore=$2; shift ;;
	--kunit-py) kunit_py=$2; shift ;;
	--keep) keep=$2; shift ;;
	-*) usage ;;
	*) [ -z "$log" ] || usage; log=$1 ;;
	esac
	shift
done
[ -n "$log" ] || usage
[ -f "$log" ] || { echo "check-log: no log $log" >&2; exit 2; }

# find_kunit_py: kunit.py from a linux-source tree that build-kernel.sh
# unpacked, else tools/testing/kunit alone from the linux-source-6.12
# tarball (installing it; ~10 s once), cached in $HAKMEM_CACHE/kunit-tools.
find_kunit_py() {
	local f tarball ver dst
	for f in "$HAKMEM_CACHE"/kernels/src-*/tools/testing/kunit/kunit.py; do
		[ -f "${f%/tools/testing/kunit/kunit.py}/.unpacked" ] || continue
		echo "$f"
		return 0
	done
	"$TOOLS_DIR/deps.sh" kunit >&2
	tarball=$(dpkg -L linux-source-6.12 | grep '/linux-source-[0-9.]*\.tar\.xz$' | head -n1)
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 | tr -c 'A-Za-z0-9._-' '_')
	dst=$HAKMEM_CACHE/kunit-tools/$ver
	if [ ! -f "$dst/.done" ]; then
		mkdir -p "$dst"
		(
			flock 9
			if [ ! -f "$dst/.done" ]; then
				tar -xJf "$tarball" -C "$dst" --strip-components=1 \
					--wildcards '*/tools/testing/kunit/*'
				touch "$dst/.done"
			fi
		) 9>"$dst.lock"
	fi
	echo "$dst/tools/testing/kunit/kunit.py"
}

work=${keep:-$(mktemp -d /tmp/hakmem-check.XXXXXX)}
mkdir -p "$work"
work=$(realpath "$work")
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

passed=0 failed=0 skipped=0
console_bad=()

# --- console gate ------------------------------------------------------
grep -qx '@@ DONE' "$log" || console_bad+=("no '@@ DONE': the guest did not finish /init")
while IFS= read -r l; do
	console_bad+=("$l")
done < <(grep '^@@ FAIL' "$log" || true)

pat='BUG:|WARNING:|Oops|Kernel panic|KASAN|possible circular locking|suspicious RCU|unreferenced object|sleeping function called from invalid context|Call Trace'
while IFS= read -r l; do
	console_bad+=("splat: $l")
done < <(grep -E "$pat" "$log" | { if [ -n "$ignore" ]; then grep -Ev "$ignore"; else cat; fi; } | head -n 20 || true)

# kmemleak_check's report (guest-lib.sh): its "unreferenced object" lines
# fail the run above; the whole report (hex dump, backtrace) is shown.
kml=$(awk '$0 == "@@ KMEMLEAK-END" { on = 0 } on; $0 == "@@ KMEMLEAK-BEGIN" { on = 1 }' "$log")
if [ -n "$kml" ]; then
	console_bad+=("kmemleak report:")
	while IFS= read -r l; do
		console_bad+=("  $l")
	done < <(printf '%s\n' "$kml" | head -n 200)
fi

default_allow=$((4096 | 8192 | 262144))
taint=$(sed -n 's/^@@ TAINTED \([0-9]*\)$/\1/p' "$log" | tail -n1)
if [ -n "$taint" ]; then
	bad=$((taint & ~(default_allow | allow)))
	if [ "$bad" -ne 0 ]; then
		letters=""
		flags=PFSRMBUDAWCIOELKXTN
		for i in $(seq 0 18); do
			[ $((bad >> i & 1)) = 1 ] && letters="$letters${flags:i:1}"
		done
		console_bad+=("taint $taint has disallowed bits $bad ($letters)")
	fi
elif grep -qx '@@ DONE' "$log"; then
	console_bad+=("no '@@ TAINTED' line")
fi

# --- KTAP blocks, each parsed alone --------------------------------------
nblk=0
declare -A seen=()
while IFS= read -r suite; do
	[ -n "$suite" ] || continue
	n=${seen[$suite]:-0}
	seen[$suite]=$((n + 1))
	name=$suite
	[ "$n" = 0 ] || name="$suite.$n"
	# The n-th block of this suite name, markers excluded.
	awk -v s="$suite" -v want="$n" '
		$0 == "@@ KTAP-BEGIN " s { if (k++ == want) on = 1; next }
		$0 == "@@ KTAP-END " s { on = 0; next }
		on' "$log" >"$work/$name.ktap"
	nblk=$((nblk + 1))
done < <(sed -n 's/^@@ KTAP-BEGIN \(.*\)$/\1/p' "$log")

if [ "$nblk" -gt 0 ]; then
	[ -n "$kunit_py" ] || kunit_py=$(find_kunit_py)
	[ -f "$kunit_py" ] || { echo "check-log: no kunit.py ($kunit_py)" >&2; exit 2; }
fi

for k in "$work"/*.ktap; do
	[ -e "$k" ] || continue
	name=$(basename "$k" .ktap)
	j=$work/$name.json
	rc=0
	python3 "$kunit_py" parse --json="$j" "$k" >"$work/$name.parse" 2>&1 || rc=$?
	read -r p f s < <(python3 - "$j" <<'EOF' 2>/dev/null || echo "0 0 0"
import json, sys
c = {"PASS": 0, "FAIL": 0, "SKIP": 0}
def walk(g):
    for t in g.get("test_cases", []):
        st = t.get("status")
        c[st if st in ("PASS", "SKIP") else "FAIL"] += 1
    for sg in g.get("sub_groups", []):
        walk(sg)
walk(json.load(open(sys.argv[1])))
print(c["PASS"], c["FAIL"], c["SKIP"])
EOF
)
	note=""
	if [ ! -s "$j" ]; then
		f=$((f + 1)) note=" (kunit.py produced no JSON)"
	elif [ $((p + f + s)) = 0 ]; then
		f=1 note=" (no test in block)"
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1 note=" (kunit.py exit $rc)"
	fi
	verdict=PASS
	[ "$f" = 0 ] || verdict=FAIL
	echo "ktap $name: $verdict ($p passed, $f failed, $s skipped)$note"
	if [ "$f" != 0 ]; then
		grep -E 'not ok|FAILED|CRASHED|ERROR|\[ERROR\]|# .*(Expected|expected)' "$k" "$work/$name.parse" 2>/dev/null |
			sed 's|^'"$work"'/||; s/^/    /' | head -n 20
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

if [ ${#console_bad[@]} = 0 ]; then
	echo "console: PASS ($log)"
	passed=$((passed + 1))
else
	echo "console: FAIL ($log)"
	printf '    %s\n' "${console_bad[@]}"
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
