#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a test kernel with an initramfs from mkinitramfs.sh, under timeout,
# and save a clean console log (no \r, no ANSI escapes) for check-log.sh.
#
# Usage: tools/vm/boot.sh --kind KIND --initrd F --log F [--smp N]
#          [--mem MB] [--append 'K=V ...'] [--timeout S] [--kasan] [--perf]
#          [--kernel IMAGE] [--verbose] [--tee] [--extra 'EMULATOR ARGS']
#   KIND: distro-6.1 | distro-6.12   QEMU TCG, Debian kernel (distro-kernel.sh)
#         qemu-kunit                 QEMU TCG, build-kernel.sh x86_64 [--kasan]
#         uml                        UML, build-kernel.sh uml [--perf]
#   --smp N      QEMU CPUs (default 2; UML is always 1)
#   --mem MB     guest RAM (default 512 QEMU, 256 UML)
#   --append     extra kernel command line; KEY=VAL words become environment
#                variables of the scenario (no '.' in KEY, no spaces in VAL)
#   --timeout S  wall-clock limit (default 300); on expiry the log ends with
#                "@@ FAIL host: timeout" and the exit status is 124
#   --verbose    no `quiet` (kernel messages on the console as they happen)
#   --tee        also copy the console to stderr while it runs
#   --kernel     boot this image instead of resolving KIND's cached one
# Exit status: the emulator's (0 when the guest powered off or panicked:
# only check-log.sh judges the run), 124 on timeout.
# No KVM: /dev/kvm here is nested PVM and hangs or aborts (recipe pitfall 1).
set -eu

VM_DIR=$(cd "$(dirname "$0")" && pwd)

usage() {
	sed -n '/^# Usage:/,/^# No KVM/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

kind="" initrd="" log="" smp="" mem="" append="" tmo=300 kasan=0 perf=0
kernel="" quiet=quiet tee=0 extra=""
while [ $# -gt 0 ]; do
	# a value missing: a usage error, not set -u's "unbound variable"
	case $1 in --kasan | --perf | --verbose | --tee) ;; --*) [ $# -ge 2 ] || usage ;; esac
	case $1 in
	--kind) kind=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--log) log=$2; shift ;;
	--smp) smp=$2; shift ;;
	--mem) mem=$2; shift ;;
	--append) append=$2; shift ;;
	--timeout) tmo=$2; shift ;;
	--kernel) kernel=$2; shift ;;
	--extra) extra=$2; shift ;;
	--kasan) kasan=1 ;;
	--perf) perf=1 ;;
	--verbose) quiet="" ;;
	--tee) tee=1 ;;
	*) usage ;;
	esac
	shift
done
if [ -z "$kind" ] || [ -z "$initrd" ] || [ -z "$log" ]; then usage; fi
[ -f "$initrd" ] || { echo "boot.sh: no initrd $initrd" >&2; exit 2; }
initrd=$(realpath "$initrd")

# resolve SCRIPT ARGS...: eval the KEY=VAL lines a resolver prints.
resolve() {
	local out
	out=$("$VM_DIR/$1" "${@:2}") || { echo "boot.sh: $1 failed" >&2; exit 1; }
	eval "$out"
}

# host_tsc_khz: the host's TSC rate, measured once per host boot. TCG
# guests read the host TSC, and with tsc_early_khz= they skip PIT
# calibration, which fails on a loaded host ("Marking TSC unstable due to
# could not calculate TSC khz") and leaves a 4 ms jiffies clock; the
# tinyconfig kernel has no HPET/ACPI PM timer to fall back on.
host_tsc_khz() {
	local dir=${HAKMEM_CACHE:-/var/cache/hakmem}/tsc f
	f=$dir/khz-$(cat /proc/sys/kernel/random/boot_id)
	if [ ! -s "$f" ]; then
		command -v gcc >/dev/null || return 0
		grep -qw constant_tsc /proc/cpuinfo || return 0
		mkdir -p "$dir"
		cat >"$dir/tsc-khz.c.$$" <<'EOF_C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>
static double ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC_RAW, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}
static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}
int main(void)
{
	double r[7];
	for (int i = 0; i < 7; i++) {
		double a = ns(), b;
		unsigned long long t0 = __rdtsc();
		while ((b = ns()) - a < 30e6)
			;
		r[i] = (__rdtsc() - t0) / (b - a) * 1e6;
	}
	qsort(r, 7, sizeof(r[0]), cmp);
	printf("%.0f\n", r[3]);
	return 0;
}
EOF_C
		mv "$dir/tsc-khz.c.$$" "$dir/tsc-khz.c"
		gcc -O2 -o "$dir/tsc-khz.$$" "$dir/tsc-khz.c" || return 0
		"$dir/tsc-khz.$$" >"$f.$$" && mv "$f.$$" "$f"
		rm -f "$dir/tsc-khz.$$" "$f.$$"
	fi
	cat "$f"
}
tsc=""
case $append in
*tsc_early_khz=*) ;;
*) khz=$(host_tsc_khz) && [ -n "$khz" ] && tsc="tsc_early_khz=$khz" ;;
esac

KIMAGE="" KELF=""
cmd=()
case $kind in
distro-6.1 | distro-6.12)
	if [ -z "$kernel" ]; then
		resolve distro-kernel.sh "${kind#distro-}"
		kernel=$KIMAGE
		# PVH direct boot of the ELF skips the XZ decompressor, which is
		# slow under TCG (6.1: 4.3 s instead of 8.4 s); 6.12's bzImage is
		# ZSTD and gains nothing.
		if [ "$kind" = distro-6.1 ] && [ -n "$KELF" ]; then
			kernel=$KELF
		fi
	fi
	# SeaBIOS: distro kernels use its ACPI tables (CPUs, poweroff).
	cmd=(qemu-system-x86_64 -accel tcg -m "${mem:-512}" -smp "${smp:-2}"
		-nographic -no-reboot -kernel "$kernel" -initrd "$initrd"
		-append "console=ttyS0 panic=-1 tsc=reliable $tsc $quiet $append")
	;;
qemu-kunit)
	if [ -z "$kernel" ]; then
		if [ $kasan = 1 ]; then
			resolve build-kernel.sh x86_64 --kasan
		else
			resolve build-kernel.sh x86_64
		fi
		kernel=$KIMAGE
	fi
	# qboot: with SeaBIOS the MP table lists only the boot CPU and -smp N
	# silently gives one CPU. tsc=reliable: else the TSC is often marked
	# unstable under TCG and the clock falls back to jiffies.
	cmd=(qemu-system-x86_64 -bios qboot.rom -accel tcg -m "${mem:-512}"
		-smp "${smp:-2}" -nographic -no-reboot -kernel "$kernel" -initrd "$initrd"
		-append "console=ttyS0 panic=-1 tsc=reliable $tsc $quiet $append")
	;;
uml)
	if [ -z "$kernel" ]; then
		if [ $perf = 1 ]; then
			resolve build-kernel.sh uml --perf
		else
			resolve build-kernel.sh uml
		fi
		kernel=$KIMAGE
	fi
	[ "${smp:-1}" -le 1 ] || echo "boot.sh: UML has one CPU; --smp $smp ignored" >&2
	;;
*) usage ;;
esac
if [ -n "$extra" ]; then
	# shellcheck disable=SC2206 # split the caller's extra arguments
	cmd+=($extra)
fi

tmp=$(mktemp -d /tmp/hakmem-boot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if [ "$kind" = uml ]; then
	# UML maps guest RAM from a file in $TMPDIR and needs PROT_EXEC there
	# (pitfall 8); KASAN maps ~16 TiB NORESERVE shadow (pitfall 9).
	umltmp=$tmp
	if awk '$2 == "/dev/shm" && $4 !~ /noexec/ { f = 1 } END { exit !f }' /proc/mounts; then
		umltmp=$(mktemp -d /dev/shm/hakmem-uml.XXXXXX)
		trap 'rm -rf "$tmp" "$umltmp"' EXIT
	fi
	if [ "$(cat /proc/sys/vm/overcommit_memory)" = 2 ]; then
		echo "boot.sh: vm.overcommit_memory=2 breaks UML KASAN" >&2
	fi
	# con0 on stdin/stdout; stdin /dev/null, or UML puts a TTY in raw mode.
	# uml_dir: keep UML's pid/umid files out of ~/.uml.
	# shellcheck disable=SC2054 # con0=fd:0,fd:1 is one UML argument
	cmd=(env TMPDIR="$umltmp" "$kernel" mem="${mem:-256}M" con=null
		con0=fd:0,fd:1 uml_dir="$tmp" umid=hakmem initrd="$initrd")
	# shellcheck disable=SC2206 # kernel parameters are words
	cmd+=($quiet $append)
fi

raw=$tmp/raw.log
t0=$(date +%s.%N)
set +e
if [ $tee = 1 ]; then
	timeout --kill-after=10 "$tmo" "${cmd[@]}" </dev/null 2>&1 | tee "$raw" >&2
	rc=${PIPESTATUS[0]}
else
	timeout --kill-after=10 "$tmo" "${cmd[@]}" </dev/null >"$raw" 2>&1
	rc=$?
fi
set -e
t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

mkdir -p "$(dirname "$log")"
# Serial consoles add \r; SeaBIOS adds ANSI escapes (pitfall 19).
LC_ALL=C sed -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' \
	-e 's/\x1b[()][A-Za-z0-9]//g' -e 's/\x1b[=>c78]//g' "$raw" >"$log"
case $rc in
0) ;;
124 | 137) echo "@@ FAIL host: timeout after $tmo s" >>"$log"; rc=124 ;;
*) echo "@@ FAIL host: emulator exited with status $rc" >>"$log" ;;
esac
echo "boot.sh: $kind smp=${smp:-default}: exit $rc after $t s, log $log" >&2
exit "$rc"
