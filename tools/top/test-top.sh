#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make test-top: hakmem-top against a live process (HAKMEM_STATS_FILE),
# one-shot and interactive (driven through tmux), and its errors.
#
# Usage: tools/top/test-top.sh WORKLOAD   (the built tools/top/top-workload.c)
# The workload's numbers are known (see top-workload.c): top-fixed has 500
# objects in use, 200 of its 500 frees remote, 1 error, no activity;
# top-busy allocates and frees 100 objects every 10 ms.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOP=$ROOT/tools/top/hakmem-top
wl=$1
tmp=$(mktemp -d /tmp/hakmem-top.XXXXXX)
pid=
sess=hakmem-top-test-$$
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
	tmux kill-session -t "$sess" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
NAME=test-top
# shellcheck source=tools/test/lib.sh
. "$ROOT/tools/test/lib.sh"
# col TEXT ROW N: field N of the table row named ROW
col() { echo "$1" | awk -v r="$2" -v n="$3" '$1 == r { print $n; exit }'; }

# ---- one-shot against a live process ---------------------------------

f=$tmp/stats
# busy until the test kills it after the interactive part (or the trap
# does): on a loaded machine that part alone has taken over 30 s, and a
# workload that had ended by then left no rates to sort by
HAKMEM_STATS_FILE=$f HAKMEM_STATS_INTERVAL_MS=100 "$wl" 900 >"$tmp/wl.out" &
pid=$!
for _ in $(seq 100); do grep -q ready "$tmp/wl.out" && [ -s "$f" ] && break; sleep 0.1; done
grep -q ready "$tmp/wl.out" || fail "the workload did not start"
# a snapshot written after "ready": the header's seq two further on (the
# one being written at "ready" may hold counts from before it)
seq_of() { sed -n '1s/.* seq \([0-9]*\) .*/\1/p' "$f" 2>/dev/null; }
s0=$(seq_of)
for _ in $(seq 200); do
	s1=$(seq_of)
	[ -n "$s1" ] && [ -n "$s0" ] && [ "$s1" -ge $((s0 + 2)) ] && break
	[ -n "$s0" ] || s0=$s1
	sleep 0.05
done
[ -n "$s1" ] && [ -n "$s0" ] && [ "$s1" -ge $((s0 + 2)) ] ||
	fail "the stats file's seq went from ${s0:-none} to ${s1:-none} in 10 s"
out=$("$TOP" -o -f "$f" -d 1 -s name) || fail "hakmem-top -o -d 1 failed"
echo "$out" | sed 's/^/  /'
[ "$(col "$out" top-fixed 5)" = 500 ] || fail "top-fixed: inuse $(col "$out" top-fixed 5), want 500"
[ "$(col "$out" top-fixed 4)" -ge 1 ] || fail "top-fixed: no slab"
total=$(col "$out" top-fixed 6)
# the stats file's util% is whole per mille (truncated), as the core's util_permille
util=$(awk -v t="$total" 'BEGIN { printf "%.1f", int(500000 / t) / 10 }')
[ "$(col "$out" top-fixed 7)" = "$util" ] || fail "top-fixed: util $(col "$out" top-fixed 7), want $util"
[ "$(col "$out" top-fixed 8)" = 0 ] || fail "top-fixed: alloc rate $(col "$out" top-fixed 8), want 0"
[ "$(col "$out" top-fixed 9)" = 0 ] || fail "top-fixed: free rate $(col "$out" top-fixed 9), want 0"
[ "$(col "$out" top-fixed 10)" = 40.0 ] || fail "top-fixed: remote share $(col "$out" top-fixed 10), want 40.0"
[ "$(col "$out" top-fixed 12)" = 1 ] || fail "top-fixed: errors $(col "$out" top-fixed 12), want 1"
a=$(col "$out" top-busy 8) fr=$(col "$out" top-busy 9)
# 100 every >= 10 ms: at most 10000/s (+ one batch), 12000 allowing for
# a writer that stalled between its time stamp and its counts (a count
# read twice, 19600, still fails); at least 2000/s on a loaded machine
[ "$a" -ge 2000 ] && [ "$a" -le 12000 ] || fail "top-busy: alloc rate $a, want 2000..12000"
[ $((a - fr)) -le 200 ] && [ $((fr - a)) -le 200 ] || fail "top-busy: free rate $fr vs alloc rate $a"
[ "$(col "$out" top-busy 5)" -le 100 ] || fail "top-busy: more than a batch in use"
[ "$(col "$out" top-busy 10)" = 0.0 ] || fail "top-busy: remote frees"
echo "$out" | grep -q "errors 1$" || fail "summary: want errors 1"
for c in 8 16 32 64 128 256 512 1024; do
	[ "$(col "$out" "hm-$c" 5)" = 0 ] || fail "class hm-$c has objects in use"
done
echo "test-top: -o -d 1 on a live process: top-fixed 500 in use, 40.0% remote, 1 error, 0/s; top-busy $a allocs/s, $fr frees/s"

# -s by letter and by name, -R, -n
o1=$("$TOP" -o -f "$f" -d 0.3 -s a -n 1 | tail -n 1)
[ "$(echo "$o1" | awk '{ print $1 }')" = top-busy ] || fail "-d 0.3 -s a -n 1: '$o1'"
o1=$("$TOP" -o -f "$f" -s inuse -n 1 | tail -n 1)
[ "$(echo "$o1" | awk '{ print $1 }')" = top-fixed ] || fail "-s inuse -n 1: '$o1'"
o1=$("$TOP" -o -f "$f" -s name -R -n 1 | tail -n 1)
[ "$(echo "$o1" | awk '{ print $1 }')" = top-fixed ] || fail "-s name -R -n 1: '$o1'"
o1=$("$TOP" -o -f "$f" -s n -n 1 | tail -n 1)
[ "$(echo "$o1" | awk '{ print $1 }')" = hm-8 ] || fail "-s n -n 1: '$o1'"
# -n 0: the summary and the header only (it printed every row)
o1=$("$TOP" -o -f "$f" -n 0 | tail -n 1)
[ "$(echo "$o1" | awk '{ print $1 }')" = NAME ] || fail "-n 0: '$o1'"
echo "test-top: sort keys -s a, inuse, name -R, n: ok"

# ---- interactive, through tmux -----------------------------------------

command -v tmux >/dev/null || fail "tmux is not installed (tools/deps.sh tools)"
tmux new-session -d -s "$sess" -x 150 -y 30 \
	"$TOP -f $f -d 0.5; echo \"hakmem-top exited \$?\"; sleep 60"
# wait_pane REGEX: until the pane shows a line matching REGEX (15 s)
wait_pane() {
	for _ in $(seq 150); do
		tmux capture-pane -p -t "$sess" >"$tmp/pane"
		grep -qE -- "$1" "$tmp/pane" && return 0
		sleep 0.1
	done
	cat "$tmp/pane"
	fail "the pane never showed /$1/"
}
# first_row: the name in the first row under the table's header
first_row() { awk '/^NAME/ { getline; print $1; exit }' "$tmp/pane"; }
wait_pane '^top-fixed +bitmap +48 +[0-9]+ +500 '
wait_pane 'sort: inuse \(descending\)'
[ "$(first_row)" = top-fixed ] || fail "interactive: first row $(first_row), want top-fixed"
grep -q "pid $pid" "$tmp/pane" || fail "interactive: no 'pid $pid' in the title"
tmux send-keys -t "$sess" n
wait_pane 'sort: name \(ascending\)'
[ "$(first_row)" = hm-8 ] || fail "interactive n: first row $(first_row), want hm-8"
tmux send-keys -t "$sess" R
wait_pane 'sort: name \(descending\)'
[ "$(first_row)" = top-fixed ] || fail "interactive R: first row $(first_row), want top-fixed"
tmux send-keys -t "$sess" a
wait_pane 'sort: alloc \(descending\)'
wait_pane '^top-busy +hybrid +128 +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+ +[1-9][0-9]* '
[ "$(first_row)" = top-busy ] || fail "interactive a: first row $(first_row), want top-busy"
tmux send-keys -t "$sess" +
wait_pane 'every 1 s'
tmux send-keys -t "$sess" q
wait_pane '^hakmem-top exited 0$'
echo "test-top: interactive (tmux): rows, sort keys n R a, interval +, q: ok"
tmux kill-session -t "$sess"

# ---- the process's exit: the final snapshot -----------------------------

kill "$pid"
wait "$pid" 2>/dev/null || true
pid=
HAKMEM_STATS_FILE=$f HAKMEM_STATS_INTERVAL_MS=60000 "$wl" 1 >/dev/null
out=$("$TOP" -o -f "$f")
echo "$out" | grep -q "(exited: final snapshot)" || fail "no final snapshot: $out"
[ "$(col "$out" top-busy 5)" = 0 ] || fail "final: top-busy inuse $(col "$out" top-busy 5)"
[ "$(col "$out" top-fixed 5)" = 500 ] || fail "final: top-fixed inuse $(col "$out" top-fixed 5)"
a=$(col "$out" top-busy 8)
[ "$a" = - ] || fail "final, one sample: rate '$a', want -"
for t in "$tmp"/stats.tmp.*; do [ -e "$t" ] && fail "a temporary file was left behind: $t"; done
echo "test-top: exit writes a final snapshot (interval 60 s): ok"

# ---- names a table makes hard: spaces, a leading '#', one name twice --------

# the final file's table with top-fixed's row three more times, renamed
# "two words" and "#hash", and as it is (a second cache of that name)
{ sed -n '1,2p' "$f"; grep '^top-fixed ' "$f"
  grep '^top-fixed ' "$f" | sed 's/^top-fixed /two words /'
  grep '^top-fixed ' "$f" | sed 's/^top-fixed /#hash     /'
  grep '^top-fixed ' "$f"; } >"$tmp/names"
out=$("$TOP" -o -f "$tmp/names" -s name) || fail "odd names: $out"
echo "$out" | grep -q "caches 4 .* objects 2000/" ||
	fail "odd names: want 4 caches, 2000 objects in use: $(echo "$out" | head -n 3)"
[ "$(echo "$out" | grep -c '^top-fixed ')" = 2 ] || fail "odd names: top-fixed twice: $out"
echo "$out" | grep -q '^two words  *bitmap ' || fail "odd names: no 'two words' row: $out"
echo "$out" | grep -q '^#hash  *bitmap ' || fail "odd names: no '#hash' row: $out"
echo "test-top: a name with a space, one with '#', one twice: 4 rows, 2000 in use: ok"

# ---- errors ---------------------------------------------------------------

expect_rc 1 "No such file" "$TOP" -o -f "$tmp/none"
expect_rc 1 "no such directory" "$TOP" -o -D "$tmp/none"
mkdir "$tmp/empty"
expect_rc 1 "No such file" "$TOP" -o -D "$tmp/empty"
echo "some text" >"$tmp/junk"
expect_rc 1 "not a hakmem stats table" "$TOP" -o -f "$tmp/junk"
head -n 5 "$f" | sed '$ s/ [0-9]*$//' >"$tmp/short"
expect_rc 1 "columns, want" "$TOP" -o -f "$tmp/short"
sed '3 s/ 0 / x /' "$f" >"$tmp/nan"
expect_rc 1 "not a number" "$TOP" -o -f "$tmp/nan"
if [ "$(id -u)" != 0 ]; then
	cp "$f" "$tmp/noread" && chmod 000 "$tmp/noread"
	expect_rc 1 "Permission denied" "$TOP" -o -f "$tmp/noread"
fi
expect_rc 2 "unknown sort key" "$TOP" -o -f "$f" -s bogus
expect_rc 2 "wants seconds" "$TOP" -o -f "$f" -d 0
expect_rc 2 "needs a terminal" "$TOP" -f "$f"
# -n was ignored without -o
expect_rc 2 "-n is for -o" "$TOP" -f "$f" -n 3
# a table interrupted before it is printed (Ctrl-C between -d's two
# samples) exited 0 with no table; SIGINT's default restored, as a
# script's background job starts with it ignored
env --default-signal=INT "$TOP" -o -f "$f" -d 30 >"$tmp/int.out" 2>&1 &
pid=$!
# the signal only once Python sleeps between the samples: sent during its
# start-up, SIGINT's default action would end it with 130 too
# (a kernel that shows no wait channel, "0": a 2 s start-up allowed)
for _ in $(seq 100); do
	w=$(cat "/proc/$pid/wchan" 2>/dev/null) || w=
	[ "$w" = hrtimer_nanosleep ] && break
	case $w in 0 | "") sleep 2; break ;; esac
	sleep 0.1
done
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" = 130 ] || fail "-o -d 30 interrupted: exit $rc, want 130: $(cat "$tmp/int.out")"
[ ! -s "$tmp/int.out" ] || fail "-o -d 30 interrupted printed: $(cat "$tmp/int.out")"
echo "$NAME: -o -d 30, interrupted -> exit 130, nothing printed"
# a file no process rewrites any more: the wait is -d plus max(5 s, 2 x -d),
# and the message says so (it said -d + 5 s)
sed '1 s/ final$//' "$f" >"$tmp/stale"
t0=$(date +%s.%N)
expect_rc 1 "not rewritten in 9 s" "$TOP" -o -f "$tmp/stale" -d 3
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { exit !(b - a >= 8.5 && b - a < 12) }' ||
	fail "-d 3 on a stale file: gave up after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }') s, not 9"
# bytes that are not UTF-8 were a UnicodeDecodeError traceback: a binary
# file is not a stats table, and a name in Latin-1 (the library prints a
# name's bytes >= 0x80 as they are) is a row like any other
printf '\377\376\000\001 binary\n' >"$tmp/binary"
expect_rc 1 "not a hakmem stats table" "$TOP" -o -f "$tmp/binary"
! grep -q Traceback "$tmp/err" || fail "a binary file: a traceback"
{ sed -n '1,2p' "$f"; grep '^top-fixed ' "$f" | sed 's/^top-fixed /caf\xe9     /'; } >"$tmp/latin1"
out=$("$TOP" -o -f "$tmp/latin1" 2>&1) || fail "a Latin-1 name: $out"
echo "$out" | grep -q '^caf.  *bitmap  *48 ' || fail "a Latin-1 name: no row: $out"
echo "test-top: a binary file refused, a Latin-1 name shown: ok"
# input without end (a device) was read until memory ran out
expect_rc 1 "/dev/zero: larger than 16 MiB, not a hakmem stats table" timeout 20 "$TOP" -o -f /dev/zero
echo "test-top: /dev/zero refused at 16 MiB: ok"
# a full stdout was a traceback (exit 1) or, for the last lines, Python's
# "Exception ignored" notice at exit (status 120)
rc=0; "$TOP" -o -f "$f" >/dev/full 2>"$tmp/full.err" || rc=$?
if [ "$rc" != 1 ] || grep -q -e Traceback -e 'Exception ignored' "$tmp/full.err" ||
	! grep -q 'write error on stdout: No space left on device' "$tmp/full.err"; then
	fail "-o >/dev/full: exit $rc: $(cat "$tmp/full.err")"
fi
rc=0; "$TOP" -o -f "$f" -n 0 >/dev/full 2>"$tmp/full.err" || rc=$?
if [ "$rc" != 1 ] || grep -q -e Traceback -e 'Exception ignored' "$tmp/full.err"; then
	fail "-o -n 0 >/dev/full (one buffer, written at exit): exit $rc: $(cat "$tmp/full.err")"
fi
echo "test-top: -o >/dev/full: exit 1, one line, no traceback: ok"
# -n -1 printed all rows but the last
expect_rc 2 "wants a number of rows" "$TOP" -o -f "$f" -n -1
# a reader that stopped: ended as cat would be (SIGPIPE), no traceback
{ sleep 0.5; rc=0; "$TOP" -o -f "$f" 2>"$tmp/pipe.err" || rc=$?; echo $rc >"$tmp/pipe.rc"; } | true
[ ! -s "$tmp/pipe.err" ] || fail "-o into a closed pipe: $(tail -n 1 "$tmp/pipe.err")"
case $(cat "$tmp/pipe.rc") in 0 | 141) ;; *) fail "-o into a closed pipe: exit $(cat "$tmp/pipe.rc")" ;; esac
echo "test-top: PASS"
