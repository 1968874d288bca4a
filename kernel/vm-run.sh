#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run one guest scenario of kernel/scenarios/ on one kernel and judge it.
#
# Usage: kernel/vm-run.sh SCENARIO KIND [--smp N] [--append 'K=V ...'] [--tee]
#                         [--timeout S]
#   SCENARIO  smoke | kunit | a path to a scenario script
#   KIND      distro-6.1 | distro-6.12 | uml | x86_64 | x86_64-kasan
# Builds the modules for KIND (kernel/kmod.sh), packs them with the scenario
# into an initramfs (tools/vm/mkinitramfs.sh), boots it (tools/vm/boot.sh)
# and ends with tools/vm/check-log.sh's verdict (its exit status is ours).
# --timeout: seconds the guest may run (default 900).
# A guest that dies before /init is booted once more (the first log kept
# as LOG.first).  HAKMEM_VM_BOOT: another boot.sh, for tools/vm/test-retry.sh.
# Logs: build/vm/<scenario>-<kind>.log
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VM=$ROOT/tools/vm
[ $# -ge 2 ] || { sed -n '/^# Usage:/,/^# Logs:/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
scen=$1 kind=$2
shift 2
smp=2 append="" tee="" timeout=900
while [ $# -gt 0 ]; do
	# a value missing: a usage error, not set -u's "unbound variable"
	case $1 in --tee) ;; --*) [ $# -ge 2 ] || { echo "vm-run.sh: $1 needs a value" >&2; exit 2; } ;; esac
	case $1 in
	--smp) smp=$2; shift ;;
	--append) append=$2; shift ;;
	--tee) tee=--tee ;;
	--timeout) timeout=$2; shift ;;
	*) echo "vm-run.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
case $scen in
*/*) script=$scen; scen=$(basename "$scen" .sh) ;;
*) script=$ROOT/kernel/scenarios/$scen.sh ;;
esac
[ -f "$script" ] || { echo "vm-run.sh: no scenario $script" >&2; exit 2; }

case $kind in
distro-6.1 | distro-6.12 | uml) boot=$kind ;;
x86_64) boot=qemu-kunit ;;
x86_64-kasan) boot="qemu-kunit --kasan" ;;
*) echo "vm-run.sh: unknown kind $kind" >&2; exit 2 ;;
esac

eval "$("$ROOT/kernel/kmod.sh" "$kind")"
out=$ROOT/build/vm
mkdir -p "$out"
initrd=$out/$scen-$kind.cpio.gz
log=$out/$scen-$kind.log
"$VM/mkinitramfs.sh" "$initrd" "$script" "$KMOD"/*.ko
boot_once() {
	# shellcheck disable=SC2086 # $boot may carry --kasan
	"${HAKMEM_VM_BOOT:-$VM/boot.sh}" --kind $boot --initrd "$initrd" --log "$log" --smp "$smp" \
		--timeout "$timeout" ${append:+--append "$append"} $tee || true
}
boot_once
# A guest that died before /init ran none of hakmem's code (the modules
# are loaded by the scenario): QEMU's TCG once hit an int3 in early boot
# (sched_clock_cpu, a CPU coming up).  One more boot; the first log stays.
if ! grep -q '@@ BOOT ' "$log"; then
	mv "$log" "$log.first"
	echo "vm-run.sh: $scen on $kind: the guest died before /init ($log.first); booting again" >&2
	boot_once
fi
echo "== $scen on $kind ($KVER, smp $smp): $log"
"$VM/check-log.sh" "$log"
