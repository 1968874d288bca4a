#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel/vm-run.sh boots a guest again once when it died before /init
# (no "@@ BOOT": none of hakmem's code ran), and only then: a fake boot.sh
# (HAKMEM_VM_BOOT) writes the logs.  Builds the modules of KIND if needed.
#
# Usage: tools/vm/test-retry.sh [KIND]     (default distro-6.12)
set -eu

kind=${1:-distro-6.12}
tmp=$(mktemp -d /tmp/hakmem-vm-retry.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
NAME=test-vm-retry
# shellcheck source=tools/test/lib.sh
. "$(dirname "$0")/../test/lib.sh"
R=$HM_TEST_ROOT
log=$R/build/vm/retry-$kind.log

# the fake: each boot writes the next of its logs: "early" (an oops before
# /init), "good" (a whole run), "late" (an oops after /init started)
cat > "$tmp/boot.sh" <<'FAKE'
#!/bin/bash
set -eu
while [ $# -gt 0 ]; do
	case $1 in --log) log=$2; shift ;; esac
	shift
done
n=$(cat "$FAKE_DIR/count" 2>/dev/null || echo 0)
echo $((n + 1)) > "$FAKE_DIR/count"
set -- $FAKE_LOGS
shift "$n"
case ${1:-none} in
early) printf '[    1.8] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n' > "$log" ;;
good) printf 'Booting from ROM..@@ BOOT fake cpus=0-1 cmdline: x\n@@ TAINTED 0\n@@ DONE\n' > "$log" ;;
late) printf '@@ BOOT fake cpus=0-1 cmdline: x\n[    9.1] Oops: int3\n' > "$log" ;;
*) echo "fake boot.sh: no log left" >&2; exit 1 ;;
esac
FAKE
chmod +x "$tmp/boot.sh"

# run vm-run.sh with the fake booting @1..: its exit status, boots, output
run() {
	rm -f "$tmp/count" "$log" "$log.first"
	rc=0
	FAKE_DIR=$tmp FAKE_LOGS="$*" HAKMEM_VM_BOOT=$tmp/boot.sh \
		"$R/kernel/vm-run.sh" "$tmp/retry.sh" "$kind" > "$tmp/out" 2>&1 || rc=$?
	boots=$(cat "$tmp/count")
}
: > "$tmp/retry.sh"		# the scenario: never run by the fake

run early good
{ [ "$rc" = 0 ] && [ "$boots" = 2 ] && [ -f "$log.first" ] && grep -q "booting again" "$tmp/out"; } ||
	fail "an early death then a good boot: rc $rc, $boots boots, want 0 and 2 ($(tail -3 "$tmp/out"))"
run early early
{ [ "$rc" = 1 ] && [ "$boots" = 2 ]; } ||
	fail "two early deaths: rc $rc, $boots boots, want 1 and 2"
run late good
{ [ "$rc" = 1 ] && [ "$boots" = 1 ] && [ ! -f "$log.first" ]; } ||
	fail "a death after /init started: rc $rc, $boots boots, want 1 and 1 (no second chance)"
run good
{ [ "$rc" = 0 ] && [ "$boots" = 1 ]; } || fail "a good boot: rc $rc, $boots boots, want 0 and 1"
rm -f "$log" "$log.first"
echo "$NAME: early death booted again once; twice, or after /init: FAIL as it should: PASS"
