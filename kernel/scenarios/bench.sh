# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest scenario: hakmem_bench.ko's benchmark, for kernel/bench-kernel.sh
# (make bench-kernel, make bench-kernel-qemu).  Kernel command line:
#   HAKMEM_BENCH_OPS=N   objects per rep (default 20000)
#   HAKMEM_BENCH_REPS=N  timed reps per row (default 21)
#   HAKMEM_BENCH_CPU=N   the CPU the benchmark kthread is bound to
#   HAKMEM_BENCH_ARGS=a=b,c=d   more words for the bench file (filters)
# The results table is printed between "@@ BENCH-BEGIN" and "@@ BENCH-END".

H=$DEBUGFS/hakmem

section bench
cpus
load hakmem_slab || exit 1
load hakmem_bench || exit 1
# where the modules' code is, for bench-kernel.sh --profile
for m in hakmem_slab hakmem_bench; do
	echo "@@ TEXT $m $(cat /sys/module/$m/sections/.text 2>/dev/null)"
done
args="ops=${HAKMEM_BENCH_OPS:-20000} reps=${HAKMEM_BENCH_REPS:-21}"
[ -z "${HAKMEM_BENCH_CPU:-}" ] || args="$args cpu=$HAKMEM_BENCH_CPU"
[ -z "${HAKMEM_BENCH_ARGS:-}" ] || args="$args $HAKMEM_BENCH_ARGS"
t0=$(date +%s)
must sh -c "echo '$args' > $H/bench" || exit 1
echo "bench: '$args' took $(($(date +%s) - t0)) s"
echo "@@ BENCH-BEGIN"
cat "$H/bench"
echo "@@ BENCH-END"
v=$(cat "$H/validate")
echo "validate: $v"
[ "$v" = ok ] || fail "validate after the benchmark: $v"
unload hakmem_bench
unload hakmem_slab
