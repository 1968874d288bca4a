# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest scenario: hakmem_stress.ko (kernel/hakmem_stress.c) on every CPU.
#  1. junk written to /sys/kernel/debug/hakmem/stress is refused (-EINVAL)
#     and runs nothing; a write during a run is refused (-EBUSY); faults=1
#     without fault injection too (-EOPNOTSUPP)
#  2. for each mode: hakmem_slab loaded with mode=M, a run of
#     HAKMEM_STRESS_OPS operations with the created caches in mode M; the
#     result must pass (no mismatch, no NULL, no error, nothing live,
#     validate clean) and debugfs must agree (validate ok, no errors, no
#     stress cache left)
#  3. where the kernel has CONFIG_FAULT_INJECTION_DEBUG_FS: fail_chunk= at
#     load (junk refused; times=2 gives exactly two NULLs); NULLs without
#     faults=1 fail the run (-EIO, the reason printed); each mode with
#     fail_chunk/ set (probability HAKMEM_STRESS_FAULT_PCT, interval 1,
#     times -1) and faults=1: allocations return NULL, faults are injected
#     and counted, nothing is lost; the module then switches injection off
#     and every kind must allocate again on new slabs
# Kernel command line (all optional):
#   HAKMEM_STRESS_OPS=N         operations per mode (default 1000000)
#   HAKMEM_STRESS_FAULT_OPS=N   operations of the fault run per mode (200000)
#   HAKMEM_STRESS_FAULT_PCT=P   fail_chunk probability in percent (20)
#   HAKMEM_STRESS_MODES=a,b     modes (default bitmap,freelist,hybrid)
#   HAKMEM_STRESS_ALL=1         one more run with mode=all (caches of every
#                               mode at once, classes hybrid)
#   HAKMEM_STRESS_SEED=N        fixed seed (default: random, printed)
# Each run's result is printed between "@@ STRESS-BEGIN <name>" and
# "@@ STRESS-END <name>".

H=$DEBUGFS/hakmem
S=$H/stress
F=$H/fail_chunk
OPS=${HAKMEM_STRESS_OPS:-1000000}
FOPS=${HAKMEM_STRESS_FAULT_OPS:-200000}
FPCT=${HAKMEM_STRESS_FAULT_PCT:-20}
MODES=$(echo "${HAKMEM_STRESS_MODES:-bitmap,freelist,hybrid}" | tr ',' ' ')
SEED=${HAKMEM_STRESS_SEED:+seed=$HAKMEM_STRESS_SEED}

# val KEY: the value of KEY=... in the result line of the stress file
val() {
	awk -v k="$1" '/^result=/ {
		for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit }
	}' "$S"
}

check_validate() {
	v=$(cat "$H/validate")
	echo "validate: $v"
	[ "$v" = ok ] || fail "validate: $v"
}

# check_clean: debugfs agrees with the module: no errors in any row, no
# created cache left, validate ok
check_clean() {
	awk 'NR > 1 && $NF != 0 { print "@@ FAIL stats: " $1 " has " $NF " errors" }' "$H/stats"
	for d in "$H"/stress-*; do
		[ -e "$d" ] && fail "cache directory $d left behind"
	done
	check_validate
}

# run NAME ARGS: one run; prints its result; fails on a failed write or a
# result that is not a pass
run() {
	_name=$1
	shift
	t0=$(date +%s)
	must sh -c "echo '$*' > $S"
	echo "@@ STRESS-BEGIN $_name"
	cat "$S"
	echo "@@ STRESS-END $_name"
	echo "stress $_name: '$*' took $(($(date +%s) - t0)) s (wall, guest)"
	[ "$(val result)" = pass ] || fail "stress $_name: result $(val result)"
	for k in mismatches errors live leaked problems; do
		[ "$(val $k)" = 0 ] || fail "stress $_name: $k=$(val $k)"
	done
	[ "$(val ops)" -ge "${OPS_WANT:-1}" ] || fail "stress $_name: $(val ops) ops, asked for $OPS_WANT"
}

# refused TEXT WHY: writing TEXT to the stress file must fail with the
# error message WHY (strerror, as the shell prints it)
refused() {
	# one write(2) by dd, which prints the error (the shell's builtins do not)
	if _err=$(printf '%s' "$1" | dd of="$S" bs=4096 2>&1); then
		fail "stress accepted '$1'"
		return
	fi
	case $_err in
	*"$2"*) echo "stress refused '$1': $2" ;;
	*) fail "stress refused '$1' with '$_err', want '$2'" ;;
	esac
}

section stress-input
cpus
load hakmem_slab || exit 1
load hakmem_stress || exit 1
for junk in junk ops=0 ops=x ops=-1 ops=99999999999 mode=junk mode= remote=101 \
	faults=2 seed=x 'ops=10 bogus=1' 'ops=10 mode' ops=+10 'ops=10 ops=20' \
	remote=+5 'mode=bitmap mode=hybrid'; do
	refused "$junk" 'Invalid argument'
done
grep -q '^# no results yet' "$S" || fail "stress has results after junk writes only"
have_fi=0
[ -d "$F" ] && have_fi=1
if [ $have_fi = 0 ]; then
	echo "fault injection: no $F (kernel without CONFIG_FAULT_INJECTION_DEBUG_FS)"
	refused 'ops=10 faults=1' 'not supported'
	dmesg | grep 'hakmem_stress: faults=1: this kernel has no CONFIG_FAULT_INJECTION' ||
		fail "no message for faults=1 without fault injection"
fi
# a write while a run is going on: -EBUSY (shown by the refusal), and the
# run it could not disturb passes
sh -c "echo 'ops=$OPS' > $S" &
bg=$!
i=0
while ! grep -q '^# running' "$S" && [ $i -lt 200 ]; do
	i=$((i + 1))
	usleep 20000
done
if grep -q '^# running' "$S"; then
	refused 'ops=1000' 'busy'
	grep '^# running' "$S"
else
	fail "the background run did not show '# running'"
fi
wait $bg || fail "the background run failed"
[ "$(val result)" = pass ] || fail "background run: result $(val result)"
unload hakmem_stress
unload hakmem_slab
if [ $have_fi = 1 ]; then
	# fail_chunk= at load, the failslab= syntax: junk fails the load;
	# times=2 stops the faults after two, and each fault is one NULL of
	# the next run. should_fail() reads "times" and decrements it later,
	# not atomically: a context (task or irq, on either CPU) racing in
	# between fails once more, so up to 2 + 2 * CPUs faults can happen.
	if insmod "$HAKMEM_DIR/hakmem_slab.ko" fail_chunk=junk 2>/dev/null; then
		fail "fail_chunk=junk was accepted"
		rmmod hakmem_slab
	fi
	dmesg | grep -q 'hakmem: fail_chunk=junk: not' || fail "no message for fail_chunk=junk"
	load hakmem_slab fail_chunk=1,100,0,2 || exit 1
	load hakmem_stress || exit 1
	echo "fail_chunk= at load: probability $(cat "$F/probability"), times $(cat "$F/times"), verbose $(cat "$F/verbose")"
	OPS_WANT=20000
	run load-param "ops=20000 faults=1"
	inj=$(val injected)
	max=$((2 + 2 * $(val cpus)))
	[ "$inj" -ge 2 ] && [ "$inj" -le $max ] ||
		fail "fail_chunk=1,100,0,2: $inj faults injected, want 2..$max"
	[ $(($(val nulls) + $(val msg_nulls))) = "$inj" ] ||
		fail "fail_chunk=1,100,0,2: $(val nulls) + $(val msg_nulls) NULLs, want $inj"
	[ "$(cat "$F/times")" = 0 ] || fail "fail_chunk/times is $(cat "$F/times") after two faults"
	[ "$(cat "$F/injected")" = "$inj" ] ||
		fail "fail_chunk/injected is $(cat "$F/injected"), the run saw $inj"
	check_clean
	# the checks can fail: NULLs without faults=1 must give -EIO and a
	# FAIL result that says why, and still leave nothing behind
	echo 0 >"$F/verbose"
	echo -1 >"$F/times"
	echo 100 >"$F/probability"
	refused 'ops=20000' 'Input/output error'
	echo 0 >"$F/probability"
	head -n 2 "$S"
	[ "$(val result)" = FAIL ] || fail "NULLs without faults=1: result $(val result)"
	grep -q '^# failed: an allocation returned NULL without faults=1' "$S" ||
		fail "NULLs without faults=1: not the reason given"
	check_clean
	unload hakmem_stress
	unload hakmem_slab
fi

OPS_WANT=$OPS
for m in $MODES; do
	section stress-$m
	load hakmem_slab mode="$m" || continue
	load hakmem_stress || { unload hakmem_slab; continue; }
	run "$m" "ops=$OPS mode=$m $SEED"
	[ "$(val nulls)" = 0 ] || fail "stress $m: NULLs without fault injection"
	check_clean
	if [ -d "$F" ]; then
		section stress-$m-faults
		echo 0 >"$F/verbose"
		echo -1 >"$F/times"
		echo 1 >"$F/interval"
		echo "$FPCT" >"$F/probability"
		inj0=$(cat "$F/injected")
		OPS_WANT=$FOPS
		run "$m-faults" "ops=$FOPS mode=$m faults=1 $SEED"
		OPS_WANT=$OPS
		inj=$(($(cat "$F/injected") - inj0))
		echo "fail_chunk: probability $FPCT%, $inj chunk requests failed; the run saw $(val injected)," \
			"$(val nulls) NULLs (+$(val msg_nulls) messages), recovered $(val recovered) objects on $(val recover_slabs) new slabs"
		[ "$(val injected)" -gt 0 ] || fail "stress $m-faults: no fault injected"
		[ "$(val injected)" = "$inj" ] || fail "stress $m-faults: injected $(val injected) != fail_chunk/injected $inj"
		[ "$(val nulls)" -gt 0 ] || fail "stress $m-faults: no allocation returned NULL"
		[ "$(val recovered)" -gt 0 ] || fail "stress $m-faults: nothing recovered"
		[ "$(cat "$F/probability")" = 0 ] || fail "fail_chunk still on after the run"
		check_clean
	fi
	unload hakmem_stress
	unload hakmem_slab
done

if [ "${HAKMEM_STRESS_ALL:-0}" = 1 ]; then
	section stress-all
	load hakmem_slab mode=hybrid || exit 1
	load hakmem_stress || exit 1
	run all "ops=$OPS mode=all $SEED"
	check_clean
	unload hakmem_stress
	unload hakmem_slab
fi

section stress-dmesg
# the allocator reports refused operations as "hakmem: ..." lines
if dmesg | grep -E 'hakmem(_stress)?: ' | grep -vE 'loaded|unloaded|result=pass|no CONFIG_FAULT_INJECTION|fail_chunk=junk|NULL without faults=1|result=FAIL ops=[0-9]+ .* errors=0 live=0 leaked=0 problems=0 nulls=[1-9]'; then
	fail "unexpected hakmem messages (above)"
fi
echo "stress: modes $MODES on $(uname -r), CPUs $(cat /sys/devices/system/cpu/online)"
