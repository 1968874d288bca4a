#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/test/preload-test.sh - real, unmodified programs on libhakmem
# (make test-preload): each runs once on glibc's malloc for the reference,
# then under LD_PRELOAD=libhakmem-preload.so in each mode and with the
# debug switches on.  A run passes when its output equals the reference,
# it exits as the reference did, libhakmem printed nothing (no refused
# free, no report) and its stats files (one per process) show allocations.
#
# Usage: preload-test.sh BUILD_DIR      (holds libhakmem-preload.so)

set -u
OUT=$(cd "$1" && pwd)
LIB=$OUT/libhakmem-preload.so
W=$OUT/preload-test
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CC=${CC:-gcc}
fail=0

rm -rf "$W" && mkdir -p "$W" || exit 1
[ -f "$LIB" ] || { echo "preload: $LIB missing"; exit 1; }

# what the library must define: a C library call left out frees or reports
# on glibc's heap (preload-mallinfo's sized frees look their function up,
# and before glibc 2.39 find none at all without these)
syms=$(nm -D --defined-only "$LIB" | awk '{ print $NF }')
for s in malloc free free_sized free_aligned_sized calloc realloc reallocarray \
	 posix_memalign aligned_alloc memalign valloc pvalloc malloc_usable_size \
	 malloc_trim mallinfo mallinfo2 malloc_stats malloc_info __register_atfork; do
	echo "$syms" | grep -qx "$s" || { echo "preload: $LIB does not define $s"; fail=1; }
done

# inputs: a 10 MB file of numbered lines, a C program, a threaded one
awk 'BEGIN { for (i = 0; i < 600000; i++)
	printf "%08d line %d of the %s\n", (i * 7919) % 1000003, i, i % 3 ? "input" : "test" }' \
	> "$W/big.txt"
cat > "$W/hello.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int main(void) { char *p = malloc(100); snprintf(p, 100, "compiled %d", 42); puts(p); free(p); return 0; }
EOF
$CC -std=gnu11 -O2 -pthread -o "$W/preload-mt" "$REPO/tools/test/preload-mt.c" || exit 1
$CC -std=gnu11 -O2 -pthread -o "$W/preload-fork" "$REPO/tools/test/preload-fork.c" || exit 1
$CC -std=gnu11 -O2 -Wno-deprecated-declarations -o "$W/preload-mallinfo" \
	"$REPO/tools/test/preload-mallinfo.c" -ldl || exit 1
$CC -std=gnu11 -O2 -pthread -o "$W/preload-reenter" "$REPO/tools/test/preload-reenter.c" || exit 1

# a directory of 3000 entries that nothing else changes between the
# reference run and the others (/usr/bin did, when apt ran meanwhile)
mkdir "$W/tree" && (cd "$W/tree" && seq -f 'entry-%05g.bin' 0 2999 | xargs touch -d @0) || exit 1

# name and command line (run by sh -c, from $W)
PROGS=(
	"ls|ls -lA --time-style=+%s tree"
	"sort|sort big.txt | md5sum"
	"python|python3 -c 'import threading, json
d = {str(i): [i] * (i % 7) for i in range(200000)}
out = []
def work(k):
    out.append(sum(len(json.dumps(d[str(j)])) for j in range(k, 200000, 4)))
ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print(len(d), sorted(out))'"
	"perl|head -200000 big.txt | perl -ne '\$w{\$_}++ for split; END { print scalar(keys %w), \"\\n\" }'"
	"awk|awk '{ n[\$5]++; s += length(\$0) } END { for (k in n) print k, n[k]; print s }' big.txt | sort"
	"git|git --version && git -C $REPO log --oneline -200 | md5sum"
	"gcc|$CC -O2 -o hello-\$\$ hello.c && ./hello-\$\$; rm -f hello-\$\$"
	"threads|./preload-mt"
	"atfork|timeout 60 ./preload-fork atfork && env -u HAKMEM_STATS_FILE timeout 60 ./preload-fork signal"
	"mallinfo|HAKMEM_STATS_INTERVAL_MS=10 ./preload-mallinfo"
	"reenter|./preload-reenter"
	"fork|sh -c 'head -50000 big.txt | tr a-z A-Z | sort -r | uniq -c | sort -n | tail -3; for i in 1 2 3; do (echo sub \$i | cat); done'"
)

# what hakmem served: the allocations in the class rows of every process's
# stats file (HAKMEM_STATS_FILE=stats.%p)
served() {
	cat "$W"/stats.* 2>/dev/null | awk '$1 ~ /^hm-/ { n += $8 } END { print n + 0 }'
}

for p in "${PROGS[@]}"; do
	name=${p%%|*}
	(cd "$W" && sh -c "${p#*|}" > "$name.ref" 2> "$name.ref.err"; echo $? > "$name.ref.rc")
done

run() {		# label, the mode expected in the stats, environment assignments
	local label=$1 mode=$2 t0 t1 bad=0 p name rc
	shift 2
	t0=$(date +%s.%N)
	for p in "${PROGS[@]}"; do
		name=${p%%|*}
		rm -f "$W"/stats.*
		(cd "$W" && env "$@" HAKMEM_STATS_FILE="$W/stats.%p" LD_PRELOAD="$LIB" \
			sh -c "${p#*|}" > "$name.out" 2> "$name.err"; echo $? > "$name.rc")
		rc=$(cat "$W/$name.rc")
		if ! cmp -s "$W/$name.out" "$W/$name.ref"; then
			echo "preload $label: $name: output differs from glibc's"
			diff "$W/$name.ref" "$W/$name.out" | head -5
			bad=1
		elif [ "$rc" != "$(cat "$W/$name.ref.rc")" ]; then
			echo "preload $label: $name: exit status $rc, on glibc $(cat "$W/$name.ref.rc")"
			bad=1
		elif grep -q 'hakmem' "$W/$name.err"; then
			echo "preload $label: $name: libhakmem reported:"
			grep 'hakmem' "$W/$name.err" | head -5
			bad=1
		elif [ "$(served)" -le 0 ]; then
			echo "preload $label: $name: no allocation served by libhakmem"
			bad=1
		elif ! cat "$W"/stats.* | awk -v m="$mode" '$1 == "hm-8" && $2 != m { exit 1 }'; then
			echo "preload $label: $name: the classes are not in $mode mode"
			bad=1
		fi
	done
	t1=$(date +%s.%N)
	[ $bad = 0 ] && printf 'preload %-22s %d programs: same output as glibc, served by hakmem (%.1f s)\n' \
		"$label:" ${#PROGS[@]} "$(echo "$t1 - $t0" | bc)"
	[ $bad = 0 ] || fail=1
}

run "hybrid" hybrid HAKMEM_MODE=hybrid
run "bitmap" bitmap HAKMEM_MODE=bitmap
run "freelist" freelist HAKMEM_MODE=freelist
run "poison=1 track=1" hybrid HAKMEM_DEBUG="poison=1 track=1"

# under ulimit -v (390 MiB) as much memory as on glibc, less a tenth: the
# flat slab map's reservation (256 MiB of address space) took it, 142 MB
# of objects of 1000 bytes where glibc gave 414 (before, in each mode)
cat > "$W/aslimit.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int main(void) { size_t n = 0; char *p; while ((p = malloc(1000))) { *p = 1; n++; } printf("%zu\n", n); return 0; }
EOF
$CC -std=gnu11 -O2 -fno-builtin -o "$W/aslimit" "$W/aslimit.c" || exit 1
ref=$(ulimit -v 400000 && "$W/aslimit")
for mode in hybrid bitmap freelist; do
	got=$(ulimit -v 400000 && HAKMEM_MODE=$mode LD_PRELOAD="$LIB" "$W/aslimit")
	if [ "${got:-0}" -ge $((ref * 9 / 10)) ]; then
		echo "preload ulimit -v 400000 $mode: $got objects of 1000 bytes (glibc $ref)"
	else
		echo "preload ulimit -v 400000 $mode: ${got:-no} objects of 1000 bytes, glibc $ref"
		fail=1
	fi
done

# libhakmem.so, not the preload: fork handlers that call hm_malloc(),
# registered before the program's first hm_* call (libhakmem registered
# its own there, after them, and its prepare handler's locks hung the
# program's)
$CC -std=gnu11 -O2 -pthread -DHM_API -I"$REPO/userspace/include" -o "$W/hm-fork" \
	"$REPO/tools/test/preload-fork.c" -L"$OUT" -lhakmem -Wl,-rpath,"$OUT" || exit 1
for mode in hybrid bitmap freelist; do
	if out=$(cd "$W" && HAKMEM_MODE=$mode timeout 60 ./hm-fork atfork 2>&1); then
		echo "libhakmem.so $mode: $out"
	else
		echo "libhakmem.so $mode: hm-fork atfork failed (exit $?): $out"
		fail=1
	fi
done
# fork() while another thread is in the set-up: the child found the
# set-up's lock taken (HAKMEM_DEBUG: hm_debug_lock) and hung
if out=$(cd "$W" && HAKMEM_DEBUG="poison=1 track=1" timeout 120 ./hm-fork setup 2>&1); then
	echo "libhakmem.so: $out"
else
	echo "libhakmem.so: hm-fork setup failed (exit $?): $out"
	fail=1
fi
# fork() between the set-up's end and pthread_once()'s: the child's
# pthread_once() ran the set-up again (a second set of classes)
if out=$(cd "$W" && timeout 60 ./hm-fork setup-end 2>&1); then
	echo "libhakmem.so: $out"
else
	echo "libhakmem.so: hm-fork setup-end failed (exit $?): $out"
	fail=1
fi
# the same linked with libhakmem.a: its constructor is one of the
# program's, which the linker ran after main()'s object's (the program's
# handler then ran first, and hung)
$CC -std=gnu11 -O2 -pthread -DHM_API -I"$REPO/userspace/include" -o "$W/hm-fork-static" \
	"$REPO/tools/test/preload-fork.c" "$OUT/libhakmem.a" || exit 1
if out=$(cd "$W" && timeout 60 ./hm-fork-static atfork 2>&1); then
	echo "libhakmem.a: $out"
else
	echo "libhakmem.a: hm-fork-static atfork failed (exit $?): $out"
	fail=1
fi
exit $fail
