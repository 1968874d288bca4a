# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest scenario: hakmem_slab.ko on a distro kernel (no KUnit needed).
#  1. loads in each mode; a bad mode= fails the load with a clear message
#  2. hakmem_client.ko runs a workload on every CPU with cross-CPU frees
#     and keeps objects live; hakmem_slab cannot be unloaded meanwhile
#  3. every debugfs file is printed; counters are checked for consistency
#     (inuse = allocs - frees, per-CPU rows sum to the cache row, no
#     errors, validate says ok)
#  4. one cache's debug switches: junk writes refused with EINVAL and
#     nothing changed, poison and tracking on for a round of the client's
#     workload, its errors, sites and frag files printed and checked, off
#  5. CPU hotplug through sysfs, the shrinker through drop_caches, junk
#     writes refused
#  6. hakmem_bench.ko: junk refused, a tiny run, its table printed
#  7. unload; nothing reported
# Sourced by /init with tools/vm/guest-lib.sh. HAKMEM_MODE=... on the kernel
# command line picks the mode of step 2 (default hybrid).

H=$DEBUGFS/hakmem

# check_stats FILE: every row has inuse = allocs - frees and no errors
# (columns: name mode size slabs inuse total util% allocs frees ... errors)
check_stats() {
	awk -v f="$1" '
		NR == 1 { next }
		{ rows++ }
		$5 != $8 - $9 { print "@@ FAIL " f ": " $1 " inuse " $5 " != allocs " $8 " - frees " $9 }
		$NF != 0 { print "@@ FAIL " f ": " $1 " has " $NF " errors" }
		END { if (!rows) print "@@ FAIL " f ": no rows"; else print f ": " rows " rows consistent" }
	' "$1"
}

# check_cpus: the per-CPU rows of each cache add up to its row in stats
check_cpus() {
	awk '
		FNR == 1 { file++; next }
		file == 1 { a[$1] = $8; f[$1] = $9; next }
		{ split($1, n, "@"); sa[n[1]] += $8; sf[n[1]] += $9 }
		END {
			for (c in a) {
				if (a[c] != sa[c] + 0 || f[c] != sf[c] + 0)
					print "@@ FAIL cpus: " c " allocs " a[c] "/" sa[c] " frees " f[c] "/" sf[c]
				else
					k++
			}
			print "cpus: " k " caches add up"
		}
	' "$H/stats" "$H/cpus"
}

# refused FILE TEXT: writing TEXT (and a newline) to FILE fails with EINVAL
refused() {
	if _err=$( { echo "$2" >"$1"; } 2>&1); then
		fail "$1 accepted '$2'"
		return
	fi
	case $_err in
	*"Invalid argument"*) echo "$1 refused '$2': EINVAL" ;;
	*) fail "$1 refused '$2' with: $_err" ;;
	esac
}

check_validate() {
	v=$(cat "$1")
	echo "$1: $v"
	[ "$v" = ok ] || fail "$1: $v"
}

section modes
cpus
for m in bitmap freelist hybrid; do
	load hakmem_slab mode=$m || continue
	got=$(awk 'NR == 2 { print $2 }' "$H/stats")
	echo "mode=$m: classes run $got"
	[ "$got" = "$m" ] || fail "mode=$m loaded as $got"
	unload hakmem_slab
done
dmesg -c >/dev/null
if insmod "$HAKMEM_DIR/hakmem_slab.ko" mode=junk 2>/dev/null; then
	fail "mode=junk was accepted"
	rmmod hakmem_slab
fi
dmesg | grep 'hakmem: mode=junk' || fail "no error message for mode=junk"

section workload
mode=${HAKMEM_MODE:-hybrid}
load hakmem_slab mode="$mode" || exit 1
load hakmem_client || exit 1
dmesg | grep 'hakmem_client:'
if rmmod hakmem_slab 2>/dev/null; then
	fail "hakmem_slab unloaded while hakmem_client uses it"
else
	echo "rmmod hakmem_slab refused while hakmem_client is loaded: ok"
fi
grep '^hakmem_slab' /proc/modules

section debugfs
for f in stats cpus validate shrink frag debug policy learn adaptive; do
	dump_file "$H/$f"
done
echo "@@ FILE $H/slabs (first 60 lines of $(wc -l <"$H/slabs"))"
head -n 60 "$H/slabs"
for d in "$H"/*/; do
	[ -d "$d" ] || continue
	dump_file "${d}stats"
	dump_file "${d}validate"
done
# one cache's whole block map, for the host's hakmem-heatmap check
dump_file "$H/client-hybrid/slabs"

section consistency
check_stats "$H/stats"
check_cpus
check_validate "$H/validate"
for c in client-bitmap client-freelist client-hybrid; do
	[ -d "$H/$c" ] || { fail "no debugfs directory for $c"; continue; }
	check_validate "$H/$c/validate"
	inuse=$(awk 'NR == 2 { print $5 }' "$H/$c/stats")
	[ "$inuse" = 100 ] || fail "$c: $inuse objects in use, the client keeps 100"
	echo "$c: $inuse in use"
done
# the adaptive file's contexts by path (no switching: adaptive is off):
# each on its cache's, a free-list cache's on neither
for c in bitmap:0:n freelist:0:0 hybrid:n:0; do
	m=${c%%:*} hy=${c#*:} bm=${c##*:}
	hy=${hy%:*}
	line=$(grep "^client-$m " "$H/adaptive")
	n=$(echo "$line" | sed -n 's/.* contexts \([0-9]*\): .*/\1/p')
	[ "$hy" = n ] && hy=$n
	[ "$bm" = n ] && bm=$n
	case $line in
	*" contexts $n: hybrid $hy bitmap $bm, "*) echo "adaptive: client-$m: ok" ;;
	*) fail "adaptive: want $n contexts, hybrid $hy bitmap $bm: $line" ;;
	esac
done

section debug
# the real write handlers: junk is refused and changes no switch
D=$H/client-hybrid
before=$(cat "$D/debug")
all=$(cat "$H/debug")
echo "$before"
long=$(printf 'poison=1%80s' '')
for junk in junk poison=2 'poison=1 junk' track Poison=1 off=1 "$long" \
	'poison=1 poison=0' 'off poison=1'; do
	refused "$D/debug" "$junk"
done
refused "$H/debug" 'track=1 junk'
# a write at a position other than 0 (dd seek=: an lseek, then the write).
# busybox dd says "FILE: Invalid argument" for a failed lseek and a failed
# write alike: the lseek alone (count=0) must succeed, so the EINVAL below
# is the write's
if ! _err=$(dd of="$D/debug" bs=8 seek=1 count=0 conv=notrunc </dev/null 2>&1); then
	fail "$D/debug: lseek to 8 refused, so a write there cannot be tested: $_err"
elif _err=$(printf 'poison=1' | dd of="$D/debug" bs=8 seek=1 conv=notrunc 2>&1); then
	fail "$D/debug accepted a write at position 8"
else
	case $_err in
	*"Invalid argument"*) echo "$D/debug refused a write at position 8: EINVAL" ;;
	*) fail "$D/debug refused a write at position 8 with: $_err" ;;
	esac
fi
if [ "$(cat "$D/debug")" != "$before" ] || [ "$(cat "$H/debug")" != "$all" ]; then
	fail "refused writes changed switches: $(cat "$H/debug")"
else
	echo "debug: switches unchanged by the refused writes"
fi
# poison and tracking on for one cache, a round of the client's workload
must sh -c "echo 'poison=1 track=1' > $D/debug"
dump_file "$D/debug"
grep -q ' poison=1 track=1 ' "$D/debug" || fail "client-hybrid: switches not on"
for junk in 0 101 junk +1 '1 1'; do
	refused "$H/client" "$junk"
done
must sh -c "echo 1 > $H/client"
dump_file "$H/client"
dump_file "$H/errors"
dump_file "$D/errors"
dump_file "$D/sites"
dump_file "$D/frag"
# poison found no write after free, nothing was refused
bad=$(awk '/^#/ { exit } !/ quarantined=/ && $NF != 0' "$D/errors")
[ -z "$bad" ] || fail "client-hybrid errors: $bad"
# the cache's counts: nothing quarantined, tracking's records held
counts=$(grep '^client-hybrid: quarantined=' "$D/errors")
case $counts in
*' quarantined=0 '*' track_bytes=0 '*) fail "client-hybrid: no tracking records: $counts" ;;
*' quarantined=0 '*' track_bytes='[0-9]*' debug_nomem=0') ;;
*) fail "client-hybrid: counts '$counts'" ;;
esac
# the round's call site by name: every CPU's batch allocated, all freed
ncpu=$(grep -c '^processor' /proc/cpuinfo)
site=$(sed -n '/by allocations/,$p' "$D/sites" | awk '/ hc_alloc_batch\+/ { print $1, $3, $5; exit }')
[ "${site% *}" = "0 $((ncpu * 2000))" ] ||
	fail "sites: hc_alloc_batch '$site', want 0 live $((ncpu * 2000)) allocs"
# the objects the client keeps are the cache's live blocks
live=$(sed -n 's/.* live \([0-9]*\) cached .*/\1/p' "$D/frag" | head -n 1)
[ "$live" = 100 ] || fail "frag: client-hybrid has $live live blocks, the client keeps 100"
echo "debug: client-hybrid, poison and track on: sites '$site' (live allocs site), frag live $live, errors ${bad:-none}"
check_stats "$D/stats"
must sh -c "echo off > $D/debug"
[ "$(cat "$D/debug")" = "$before" ] || fail "off left: $(cat "$D/debug")"
# tracking off gave its records back
grep -q '^client-hybrid: quarantined=0 .* track_bytes=0 debug_nomem=0$' "$D/errors" ||
	fail "client-hybrid: records kept after off: $(grep '^client-hybrid:' "$D/errors")"
echo "debug: off: $(grep '^client-hybrid:' "$D/errors")"
check_validate "$D/validate"

section hotplug
if [ -w /sys/devices/system/cpu/cpu1/online ]; then
	must sh -c 'echo 0 > /sys/devices/system/cpu/cpu1/online'
	cpus
	check_validate "$H/validate"
	check_stats "$H/stats"
	must sh -c 'echo 1 > /sys/devices/system/cpu/cpu1/online'
	cpus
	check_validate "$H/validate"
else
	echo "no second CPU to take offline"
fi

section shrink
for junk in junk 2 -1 0 '1 1'; do
	if printf '%s' "$junk" >"$H/shrink" 2>/dev/null; then
		fail "shrink accepted '$junk'"
	else
		echo "shrink refused '$junk': ok"
	fi
done
if echo 1 >"$H/stats" 2>/dev/null; then fail "stats accepted a write"; fi
cat "$H/shrink"
echo 3 >/proc/sys/vm/drop_caches
echo "after drop_caches: $(cat "$H/shrink")"
must sh -c "echo 1 > $H/shrink"
cat "$H/shrink"
r=$(awk '{ print $8 }' "$H/shrink")
[ "$r" = 0 ] || fail "$r slabs still reclaimable after a shrink"
check_validate "$H/validate"

section bench
# hakmem_bench.ko: junk refused and nothing run, then a tiny run (no timing
# is judged); the real runs are make bench-kernel and bench-kernel-qemu
if load hakmem_bench; then
	# one line: a newline only as the last byte (hakmem_cmd_copy())
	for junk in junk run=1 ops=0 ops=x reps=0 reps=100 cpu=4096 'ops=10 bogus=1' \
		ops=+1000 'ops=1000 ops=2000' 'reps=1,reps=2' prims=+0 \
		"$(printf 'ops=1000\nreps=1')" "$(printf '\nrun')" "$(printf 'reps=1\n\nops=1000')"; do
		if printf '%s' "$junk" >"$H/bench" 2>/dev/null; then
			fail "bench accepted '$junk'"
		else
			echo "bench refused '$junk': ok"
		fi
	done
	grep -q '^# no results yet' "$H/bench" || fail "bench has results after junk writes only"
	must sh -c "echo 'ops=1000 reps=1' > $H/bench"
	dump_file "$H/bench"
	n=$(grep -c '^[0-9]' "$H/bench")
	[ "$n" = 69 ] || fail "bench: $n allocator rows, want 69"
	n=$(grep -cE '^prim +[^ ]+ +[0-9]' "$H/bench")
	[ "$n" -ge 7 ] || fail "bench: $n primitive rows, want 8 (7 without cmpxchg16b)"
	sum=$(cksum <"$H/bench")
	printf 'ops=1 junk' >"$H/bench" 2>/dev/null && fail "bench accepted 'ops=1 junk'"
	[ "$(cksum <"$H/bench")" = "$sum" ] || fail "a refused write changed the bench table"
	# the debug switches' rows: only when named, their caches poisoned and tracked
	must sh -c "echo 'ops=1000 reps=1 work=pair alloc=hm-hybrid-dbg alloc=hm-hybrid alloc=slub' > $H/bench"
	dump_file "$H/bench"
	n=$(grep -cE '^[0-9]+ +pair +hm-hybrid-dbg +[0-9]' "$H/bench")
	[ "$n" = 3 ] || fail "bench: $n hm-hybrid-dbg rows, want 3"
	n=$(grep -c '^[0-9]' "$H/bench")
	[ "$n" = 9 ] || fail "bench: $n rows for three allocators, want 9"
	grep -q '^# -dbg rows: debug switches poison=1 track=1' "$H/bench" ||
		fail "bench: the -dbg rows' switches not named"
	check_validate "$H/validate"
	unload hakmem_bench
fi

section unload
unload hakmem_client
[ -d "$H/client-hybrid" ] && fail "client cache directory left behind"
check_stats "$H/stats"
check_validate "$H/validate"
unload hakmem_slab
[ -d "$H" ] && fail "$H left behind"
if dmesg | grep -E 'hakmem(_client)?: ' | grep -vE 'loaded|unloaded|mode=junk|rounds x'; then
	fail "unexpected hakmem messages (above)"
fi
section summary
echo "smoke: mode $mode on $(uname -r), CPUs $(cat /sys/devices/system/cpu/online)"
