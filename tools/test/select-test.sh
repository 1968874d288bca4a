#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/test/select-test.sh - the suites and cases hakmem-test runs for its
# arguments (make test-unit): a bare argument is a suite glob or a prefix
# of suite names and takes every case; "suite.case-glob" takes that
# suite's cases the glob matches, several such arguments the union; a bare
# suite name next to them takes the whole suite again; "!suite.case-glob"
# leaves those cases out.  Each line checked
# is the suites run (their "# Subtest:" lines), the cases run (their
# result lines) and the count line.  Only the two quick suites
# hakmem_sizeclass and hakmem_slab run.
#
# Usage: select-test.sh HAKMEM_TEST
set -eu

BIN=$1
NAME=select
tmp=$(mktemp -d /tmp/hakmem-select.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
[ -x "$BIN" ] || fail "$BIN: no such program"

n=0
# expect 'ARGS' 'SUITES' 'CASES' 'COUNT LINE': what one command line runs
expect() {
	local args=$1 suites cases count
	# shellcheck disable=SC2086 # ARGS are several words, none with spaces
	env -u HAKMEM_MODE "$BIN" $args >"$tmp/out" 2>&1 || fail "'$args' exited $?"
	suites=$(sed -n 's/^    # Subtest: //p' "$tmp/out" | xargs)
	cases=$(sed -n 's/^    \(not \)\{0,1\}ok [0-9]* //p' "$tmp/out" | xargs)
	count=$(tail -n 1 "$tmp/out")
	[ "$suites" = "$2" ] || fail "'$args' ran the suites '$suites', want '$2'"
	[ "$cases" = "$3" ] || fail "'$args' ran the cases '$cases', want '$3'"
	[ "$count" = "$4" ] || fail "'$args' ended '$count', want '$4'"
	n=$((n + 1))
}

SC="hm_size_to_class_all_sizes hm_block_index_exact hm_block_start_exact"
SC="$SC hm_geometry_layout hm_geometry_rejects hm_geometry_medium"
SL="hm_slabmap_register hm_slabmap_far hm_slab_init_modes"
# bare names: every case; a prefix of a suite name and a glob select too
expect hakmem_sizeclass hakmem_sizeclass "$SC" "6 passed, 0 failed, 0 skipped"
expect "hakmem_slab hakmem_sizeclass" "hakmem_sizeclass hakmem_slab" "$SC $SL" \
	"9 passed, 0 failed, 0 skipped"
expect hakmem_siz hakmem_sizeclass "$SC" "6 passed, 0 failed, 0 skipped"
expect 'hakmem_s[il]*' "hakmem_sizeclass hakmem_slab" "$SC $SL" \
	"9 passed, 0 failed, 0 skipped"
# suite.case-glob: the cases of that suite the glob matches, the union of several
expect 'hakmem_sizeclass.hm_geometry_*' hakmem_sizeclass \
	"hm_geometry_layout hm_geometry_rejects hm_geometry_medium" \
	"3 passed, 0 failed, 0 skipped"
expect 'hakmem_sizeclass.hm_block_* hakmem_sizeclass.*medium' hakmem_sizeclass \
	"hm_block_index_exact hm_block_start_exact hm_geometry_medium" \
	"3 passed, 0 failed, 0 skipped"
expect 'hakmem_slab.hm_slabmap_far hakmem_sizeclass.hm_geometry_rejects' \
	"hakmem_sizeclass hakmem_slab" "hm_geometry_rejects hm_slabmap_far" \
	"2 passed, 0 failed, 0 skipped"
# the suite part is a whole name, not a glob or a prefix
expect 'hakmem_siz.hm_geometry_layout hakmem_slab' hakmem_slab "$SL" \
	"3 passed, 0 failed, 0 skipped"
# a bare suite name next to its suite.case-glob: the whole suite
expect 'hakmem_slab.hm_slabmap_far hakmem_slab' hakmem_slab "$SL" \
	"3 passed, 0 failed, 0 skipped"
# a case glob that matches nothing: the suite runs no case
expect 'hakmem_slab.nothing*' hakmem_slab "" "0 passed, 0 failed, 0 skipped"
# !suite.case-glob: those cases left out of what the rest selects
expect 'hakmem_slab !hakmem_slab.hm_slabmap_*' hakmem_slab hm_slab_init_modes \
	"1 passed, 0 failed, 0 skipped"
expect 'hakmem_s[il]* !hakmem_sizeclass.hm_geometry_* !hakmem_slab.*far' \
	"hakmem_sizeclass hakmem_slab" \
	"hm_size_to_class_all_sizes hm_block_index_exact hm_block_start_exact hm_slabmap_register hm_slab_init_modes" \
	"5 passed, 0 failed, 0 skipped"
echo "$NAME: $n command lines ran the suites and cases they name"
