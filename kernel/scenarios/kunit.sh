# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest scenario: the KUnit suites of hakmem_slab_test.ko (the shared suites
# of common/tests/ and the kernel adapter's hakmem_percpu, hakmem_debugfs and
# hakmem_badinput, hakmem_kapi).
# Sourced by /init with tools/vm/guest-lib.sh; needs a KUnit kernel.
# KUnit runs a module's suites when it is loaded; each suite's results are
# printed from debugfs before rmmod, one KTAP document per suite.

section kunit
cpus
load hakmem_slab mode="${HAKMEM_MODE:-hybrid}" || exit 1
load hakmem_slab_test
ktap_dump 'hakmem*'
section bench
# hakmem_bench.ko's loops and primitives once under KASAN/lockdep/DEBUG_PREEMPT.
# Loaded before any rmmod: UML's KASAN leaves an unloaded module's global
# redzones poisoned, and a module loaded at its address trips over them.
if load hakmem_bench; then
	must sh -c "echo 'ops=500 reps=1' > $DEBUGFS/hakmem/bench" &&
		grep -E '^(16|256) +pair|^prim ' "$DEBUGFS/hakmem/bench"
	unload hakmem_bench
fi
unload hakmem_slab_test
section after-tests
dump_file "$DEBUGFS/hakmem/stats"
v=$(cat "$DEBUGFS/hakmem/validate")
echo "validate: $v"
[ "$v" = ok ] || fail "validate after the tests: $v"
unload hakmem_slab
section kmemleak
# After both modules are gone, so that what they leaked for their whole
# lifetime counts too; objects the tests leave live on purpose are marked
# (hm_test_leak_on_purpose()). No kmemleak (x86_64 kernel): a note only.
kmemleak_check
