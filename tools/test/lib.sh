#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lib.sh - what the shell tests share (sourced).  The sourcing script sets
# NAME, its prefix in messages, and tmp, a scratch directory.
# shellcheck disable=SC2154

HM_TEST_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

fail() { echo "$NAME: FAIL: $*" >&2; exit 1; }

# expect_rc RC MESSAGE CMD...: CMD exits RC and says MESSAGE on stderr
expect_rc() {
	local want=$1 msg=$2 rc=0 cmd
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, want $want: $(cat "$tmp/err")"
	grep -q -- "$msg" "$tmp/err" || fail "'$*' did not say '$msg': $(cat "$tmp/err")"
	cmd="$*"
	echo "$NAME: '${cmd//"$HM_TEST_ROOT/"/}' -> exit $rc: $(tail -n 1 "$tmp/err" | cut -c1-100)"
}
