#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel several times, run hakmem_bench.ko's benchmark in each boot
# (kernel/scenarios/bench.sh) and print the table of medians over the boots.
#
# Usage: kernel/bench-kernel.sh KIND [--boots N] [--max-boots N] [--max-spread P]
#          [--ops N] [--reps N] [--cpu N] [--smp N] [--append 'K=V ...'] [--only 'k=v,...']
#          [--timeout S] [--profile] [--name NAME]
#   KIND       uml-perf      UML without debug options: native speed
#              distro-6.12 | distro-6.1   Debian's kernel under QEMU TCG
#              x86_64        the self-built KUnit kernel (lockdep!) under TCG
#   --boots N  boots (default 5; 0 with --profile); the table gives, per
#              row, the median over boots of each boot's median, the min and
#              max over every rep of every boot, the median over boots of
#              each boot's ratio to slub, and the iqr of the per-boot
#              medians: interquartile range / median
#   --max-boots N, --max-spread P   after N boots, boot again (up to
#              --max-boots, default N) while the iqr of a slub pair row
#              exceeds P percent (default 25)
#   --ops/--reps/--cpu   passed to the benchmark (default 20000, 21, first CPU)
#   --smp N    QEMU CPUs (default 2)
#   --append   more kernel command line (e.g. init_on_alloc=0)
#   --only     rows to run, e.g. size=64,work=pair,alloc=hm-hybrid (with
#              --profile: the profile of that row alone)
#   --profile  UML only: one more boot under `perf record -e cpu-clock`,
#              then the top symbols (build/bench/perf-<NAME>.data)
#   --name NAME  the outputs' name instead of KIND (a run with --only
#              beside the full table)
# Output: build/bench/kernel-<NAME>.txt (the table), per boot
# build/bench/kernel-<NAME>-<n>.{log,txt}; exit status 1 if a boot failed
# tools/vm/check-log.sh's verdict or printed no table.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VM=$ROOT/tools/vm
usage() { sed -n '/^# Usage:/,/^# Output:/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
kind=$1
shift
boots=5 max_boots="" max_spread=25 ops=20000 reps=21 cpu="" smp=2 append="" only=""
tmo="" profile=0 name=""
while [ $# -gt 0 ]; do
	# a value missing: a usage error, not set -u's "unbound variable"
	case $1 in --profile) ;; --*) [ $# -ge 2 ] || usage ;; esac
	case $1 in
	--boots) boots=$2; shift ;;
	--max-boots) max_boots=$2; shift ;;
	--max-spread) max_spread=$2; shift ;;
	--ops) ops=$2; shift ;;
	--reps) reps=$2; shift ;;
	--cpu) cpu=$2; shift ;;
	--smp) smp=$2; shift ;;
	--append) append=$2; shift ;;
	--only) only=$2; shift ;;
	--timeout) tmo=$2; shift ;;
	--profile) profile=1 ;;
	--name) name=$2; shift ;;
	*) usage ;;
	esac
	shift
done
[ -n "$max_boots" ] && [ "$max_boots" -ge "$boots" ] || max_boots=$boots
: "${name:=$kind}"

case $kind in
uml-perf) boot=(--kind uml --perf) ;;
distro-6.1 | distro-6.12) boot=(--kind "$kind" --smp "$smp") ;;
x86_64) boot=(--kind qemu-kunit --smp "$smp") ;;
*) echo "bench-kernel.sh: unknown kind $kind" >&2; exit 2 ;;
esac
# UML runs at native speed; TCG is 6-18x slower
[ -n "$tmo" ] || { [ "$kind" = uml-perf ] && tmo=600 || tmo=1800; }

eval "$("$ROOT/kernel/kmod.sh" "$kind")"
out=$ROOT/build/bench
mkdir -p "$out"
initrd=$out/bench-$kind.cpio.gz
"$VM/mkinitramfs.sh" "$initrd" "$ROOT/kernel/scenarios/bench.sh" \
	"$KMOD/hakmem_slab.ko" "$KMOD/hakmem_bench.ko"
cmdline="HAKMEM_BENCH_OPS=$ops HAKMEM_BENCH_REPS=$reps${cpu:+ HAKMEM_BENCH_CPU=$cpu}"
cmdline="$cmdline${only:+ HAKMEM_BENCH_ARGS=$only}${append:+ $append}"

# table LOG TXT: the benchmark's table from a console log
table() {
	sed -n '/^@@ BENCH-BEGIN$/,/^@@ BENCH-END$/p' "$1" | sed '1d;$d' >"$2"
	grep -q '^prim ' "$2"
}

# spread FILE...: the largest iqr (below) of the slub pair rows, in percent
spread() {
	python3 -c '
import statistics, sys
v = {}
for f in sys.argv[1:]:
    for line in open(f):
        w = line.split()
        if len(w) > 3 and w[1:3] == ["pair", "slub"]:
            v.setdefault(w[0], []).append(float(w[3]))
def iqr(x):
    q = statistics.quantiles(x, n=4, method="inclusive") if len(x) > 1 else [x[0]] * 3
    return 100 * (q[2] - q[0]) / q[1] if q[1] else 0
print(int(max((iqr(x) for x in v.values()), default=0)))
' "$@"
}

rc=0
tables=()
t0=$(date +%s)
b=0
while [ "$b" -lt "$max_boots" ]; do
	b=$((b + 1))
	if [ "$b" -gt "$boots" ]; then
		# more boots only while the reference rows disagree
		s=$(spread "${tables[@]}")
		[ "$s" -gt "$max_spread" ] || { b=$((b - 1)); break; }
		echo "boot $b: slub pair medians: iqr ${s}% over ${#tables[@]} boots (> ${max_spread}%): one more" >&2
	fi
	log=$out/kernel-$name-$b.log
	"$VM/boot.sh" "${boot[@]}" --initrd "$initrd" --log "$log" --timeout "$tmo" \
		--append "$cmdline" || true
	if ! "$VM/check-log.sh" "$log" >"$out/kernel-$name-$b.check" 2>&1; then
		cat "$out/kernel-$name-$b.check" >&2
		rc=1
		continue
	fi
	if table "$log" "$out/kernel-$name-$b.txt"; then
		tables+=("$out/kernel-$name-$b.txt")
		echo "boot $b: $(grep -o "took [0-9]* s" "$log" | head -n1)" >&2
	else
		echo "bench-kernel.sh: boot $b printed no table ($log)" >&2
		rc=1
	fi
done
if [ ${#tables[@]} = 0 ]; then
	[ "$boots" = 0 ] || { echo "bench-kernel.sh: no table" >&2; exit 1; }
else
python3 - "$kind" "$KVER" "${tables[@]}" >"$out/kernel-$name.txt" <<'EOF'
import statistics, sys

kind, kver, files = sys.argv[1], sys.argv[2], sys.argv[3:]
rows, prims, order, porder, header = {}, {}, [], [], []
for n, f in enumerate(files):
    for line in open(f):
        w = line.split()
        if line.startswith("#"):
            if n == 0 and not line.startswith("# primitives"):
                header.append(line.rstrip())
            continue
        if not w or w[0] in ("size", "prim") and w[1] in ("work", "primitive"):
            continue
        if w[0] == "prim":
            key = w[1]
            if key not in prims:
                prims[key], porder = [], porder + [key]
            prims[key].append((float(w[2]), float(w[3]), float(w[4]), w[5], w[6]))
        else:
            key = (w[0], w[1], w[2])
            if key not in rows:
                rows[key], order = [], order + [key]
            ratio = float(w[6]) if w[6] != "-" else None
            rows[key].append((float(w[3]), float(w[4]), float(w[5]), ratio))

def spread(meds):    # interquartile range / median, percent
    q = statistics.quantiles(meds, n=4, method="inclusive") if len(meds) > 1 else [meds[0]] * 3
    return 100 * (q[2] - q[0]) / q[1] if q[1] else 0

print(f"# {kind} ({kver}): {len(files)} boots; per row: median over boots of each boot's "
      "median, [min max] over all reps of all boots, ratio = median over boots of each "
      "boot's median/slub, iqr = interquartile range / median of the per-boot medians")
for h in header:
    print(h)
print(f"{'size':<5} {'work':<9} {'allocator':<15} {'median':>8} {'min':>8} {'max':>8} "
      f"{'ratio':>6} {'iqr':>7}")
for key in order:
    v = rows[key]
    meds = [x[0] for x in v]
    ratios = [x[3] for x in v if x[3] is not None]
    ratio = f"{statistics.median(ratios):6.2f}" if ratios else f"{'-':>6}"
    print(f"{key[0]:<5} {key[1]:<9} {key[2]:<15} {statistics.median(meds):8.1f} "
          f"{min(x[1] for x in v):8.1f} {max(x[2] for x in v):8.1f} "
          f"{ratio} {spread(meds):6.0f}%")
# the debug switches' cost: each boot's -dbg median over its mode's, same run
dbg = [k for k in order if k[2].endswith("-dbg") and (k[0], k[1], k[2][:-4]) in rows]
if dbg:
    print("# debug cost: median over boots of each boot's median with the switches "
          "on / the same mode's median without")
    print(f"{'size':<5} {'work':<9} {'allocator':<15} {'vs_off':>7}")
for key in dbg:
    on, off = rows[key], rows[(key[0], key[1], key[2][:-4])]
    # every boot prints both rows (the same filter), in boot order
    r = [a[0] / b[0] for a, b in zip(on, off) if b[0]]
    print(f"{key[0]:<5} {key[1]:<9} {key[2]:<15} " +
          (f"{statistics.median(r):6.2f}x" if r else f"{'-':>7}"))
if porder:
    print("# primitives: ns per section (one lock+unlock or one cmpxchg), same statistics")
    print(f"{'prim':<5} {'primitive':<20} {'median':>8} {'min':>8} {'max':>8} {'irqsafe':>7} "
          f"{'words':>5} {'iqr':>7}")
for key in porder:
    v = prims[key]
    meds = [x[0] for x in v]
    print(f"{'prim':<5} {key:<20} {statistics.median(meds):8.1f} {min(x[1] for x in v):8.1f} "
          f"{max(x[2] for x in v):8.1f} {v[0][3]:>7} {v[0][4]:>5} {spread(meds):6.0f}%")
EOF
cat "$out/kernel-$name.txt"
echo "bench-kernel.sh: $kind, ${#tables[@]}/$b boots in $(($(date +%s) - t0)) s: $out/kernel-$name.txt" >&2
fi

# The profile: samples of the UML process ("linux"); module code sits in
# UML's physical memory file, so its addresses are resolved here from the
# modules' .text addresses (printed by the scenario) and `objdump -t`.
if [ $profile = 1 ] && [ "$kind" = uml-perf ]; then
	data=$out/perf-$name.data
	plog=$out/kernel-$name-profile.log
	perf record -q -e cpu-clock -o "$data" -- "$VM/boot.sh" "${boot[@]}" --initrd "$initrd" \
		--log "$plog" --timeout "$tmo" --append "$cmdline" || true
	"$VM/check-log.sh" "$plog" >/dev/null || { echo "profile boot failed: $plog" >&2; rc=1; }
	perf script -i "$data" -F comm,time,ip,sym,dso 2>/dev/null |
		python3 /dev/fd/3 "$plog" "$KMOD" 3<<'EOF' | tee "$out/perf-$name.txt"
import bisect, collections, re, subprocess, sys

log, kmod = sys.argv[1], sys.argv[2]
mods = []
for line in open(log):
    m = re.match(r"@@ TEXT (\S+) (0x[0-9a-f]+)", line)
    if m:
        syms = []    # functions of .text: (offset, size, name)
        for s in subprocess.run(["objdump", "-t", f"{kmod}/{m[1]}.ko"], capture_output=True,
                                text=True).stdout.splitlines():
            w = s.split()
            if len(w) == 6 and w[2] == "F" and w[3] == ".text":
                syms.append((int(w[0], 16), int(w[4], 16), w[5]))
        mods.append((int(m[2], 16), m[1], sorted(syms)))
samples = []    # (time, symbol, in a module)
for line in sys.stdin:
    w = line.split()
    if len(w) < 4 or w[0] != "linux":
        continue
    t, ip, sym, mod = float(w[1].rstrip(":")), int(w[2], 16), w[3], False
    if sym == "[unknown]":
        for base, name, syms in mods:
            i = bisect.bisect_right([a for a, _, _ in syms], ip - base) - 1
            if i >= 0 and ip - base < syms[i][0] + syms[i][1]:
                sym, mod = f"{syms[i][2]} [{name}]", True
                break
    elif "kernel.kallsyms" in w[-1]:
        sym += " [host]"
    samples.append((t, sym, mod))
# the benchmark's window: from the first to the last sample in a module
times = [t for t, _, mod in samples if mod]
lo, hi = (min(times), max(times)) if times else (0, float("inf"))
count = collections.Counter(sym for t, sym, _ in samples if lo <= t <= hi)
total = sum(count.values())
print(f"# {total} samples of the UML process in the {hi - lo:.1f} s between the first and "
      "the last sample in module code; [host]: the host kernel")
for sym, n in count.most_common(25):
    print(f"{100 * n / total:6.2f}%  {sym}")
EOF
fi
exit $rc
