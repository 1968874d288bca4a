#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One screen for `make run`: what the VM did with hakmem_slab.ko, the
# stats table as the guest printed it, and the verdict.
# usage: kernel/run-summary.sh SMOKE_LOG VERDICT_OUTPUT
set -eu
log=$1
out=$2

section() {	# the lines of one @@ BEGIN/END section, without markers
	sed -n "/^@@ BEGIN $1\$/,/^@@ END $1\$/p" "$log" | grep -v '^@@ ' || true
}
ok() {		# "ok" when PATTERN occurs in SECTION, else "FAILED"
	if section "$1" | grep -q "$2"; then echo ok; else echo FAILED; fi
}

boot=$(sed -n 's/^@@ BOOT \([^ ]*\) cpus=\([^ ]*\).*/\1, CPUs \2/p' "$log" | head -n1)
mode=$(sed -n 's/^@@ ENV HAKMEM_MODE=//p' "$log" | head -n1)
loads=$(section modes | sed -n 's/^mode=\([a-z]*\): classes run \1$/\1/p' | tr '\n' ' ')
junk=$(section modes | grep -m1 'mode=junk' | sed 's/^\[[^]]*\] //')
work=$(section workload | grep -m1 'hakmem_client:' | sed 's/^\[[^]]*\] hakmem_client: //')
pin=$(ok workload 'refused while hakmem_client is loaded: ok')
verdict=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n1)
reclaim=$(section shrink | sed -n 's/.* \([0-9]*\) reclaimable now$/\1/p' | head -n1)
after=$(section shrink | sed -n 's/^after drop_caches: .* \([0-9]*\) reclaimable now$/\1/p')
junkw=$(section shrink | grep -c "refused '.*': ok" || true)
dbgjunk=$(section debug | grep -c "refused '.*': EINVAL$" || true)
dbg=$(section debug | sed -n 's/^debug: client-hybrid, poison and track on: //p')

cat <<EOT
================================================================================
 hakmem-slab in a VM: Debian ${boot:-?}, QEMU TCG
================================================================================
 insmod, each mode ....... ${loads:-none}(each loads and unloads)
 insmod mode=junk ........ refused: ${junk:-NOT SEEN}
 workload ................ ${work:-NOT SEEN}
 rmmod while a client .... $pin (refused: the client pins the module)
 /sys/kernel/debug/hakmem/stats after the workload (mode ${mode:-hybrid}):
EOT
sed -n '/^@@ FILE .*hakmem\/stats$/,/^@@/p' "$log" | grep -v '^@@' | head -n 13 |
	awk '{ printf "   %-16s %-8s %5s %6s %7s %8s %6s %9s %9s %7s\n",
		$1, $2, $3, $4, $5, $6, $7, $8, $9, $14 }'
cat <<EOT
 consistency ............. inuse = allocs - frees on every row: $(ok consistency 'rows consistent'); per-CPU rows add up: $(ok consistency 'caches add up')
 validate (stop_machine) . $(ok consistency 'validate: ok')
 CPU hotplug ............. cpu1 offline and back, validate $(ok hotplug 'validate: ok')
 shrinker ................ ${reclaim:-?} reclaimable empty slabs, ${after:-?} after drop_caches
 junk debugfs writes ..... $junkw refused with -EINVAL
 debug switches .......... $dbgjunk junk writes refused (EINVAL), switches unchanged: $(ok debug 'switches unchanged by the refused writes')
   poison+track, a round . ${dbg:-NOT SEEN}
 unload .................. $(ok unload 'validate: ok')
 other files ............. cpus (per CPU), slabs (block maps: X . c r), frag, debug,
                           policy, learn, adaptive: $log
--------------------------------------------------------------------------------
 verdict: ${verdict:-none} (no BUG, WARNING, Oops, leak; taint only OE)
================================================================================
EOT
