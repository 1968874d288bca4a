# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest-side helpers for scenario scripts, sourced by /init in the initramfs
# built by mkinitramfs.sh (busybox ash, so POSIX sh only).
#
# Everything a host needs to judge a run goes to the console as lines
# starting with "@@ ", which tools/vm/check-log.sh reads:
#   @@ BEGIN <name> / @@ END <name>        section
#   @@ FAIL <what>                         a failed `must` (the run fails)
#   @@ KTAP-BEGIN <suite> / @@ KTAP-END <suite>
#                                          one KTAP document, parsed alone
#   @@ FILE <path>                         header before a dumped file
#   @@ TAINTED <n>, @@ CPUS <list>, @@ DONE
#
# Files given to mkinitramfs.sh are in $HAKMEM_DIR (/lib/hakmem).
# KEY=VAL words on the kernel command line (no '.' in KEY) arrive as
# environment variables, e.g. HAKMEM_MODE=stress.

HAKMEM_DIR=/lib/hakmem
DEBUGFS=/sys/kernel/debug
_hk_section=""

# section NAME: close the open section (if any) and open NAME.
section() {
	section_end
	_hk_section=$1
	echo "@@ BEGIN $1"
}

# section_end: close the open section.
section_end() {
	if [ -n "$_hk_section" ]; then
		echo "@@ END $_hk_section"
		_hk_section=""
	fi
}

# must CMD...: run CMD; on failure print "@@ FAIL CMD (rc=N)" and return N.
must() {
	"$@"
	_hk_rc=$?
	[ "$_hk_rc" -eq 0 ] || echo "@@ FAIL $* (rc=$_hk_rc)"
	return "$_hk_rc"
}

# fail MSG: mark the run failed.
fail() { echo "@@ FAIL $*"; }

# load NAME [PARAM=VAL...]: insmod $HAKMEM_DIR/NAME.ko. busybox insmod
# retries a failing init through init_module(), so a failing init runs twice.
load() {
	_hk_m=$1
	shift
	must insmod "$HAKMEM_DIR/$_hk_m.ko" "$@"
}

# unload NAME: rmmod NAME.
unload() { must rmmod "$1"; }

# dump_file PATH: a header line, then the file's contents.
dump_file() {
	echo "@@ FILE $1"
	cat "$1" 2>/dev/null || echo "(unreadable)"
}

# dump_debugfs DIR: every file under DIR (absolute, or relative to debugfs),
# each after an "@@ FILE <path>" line. Fails if DIR is missing.
dump_debugfs() {
	case $1 in
	/*) _hk_d=$1 ;;
	*) _hk_d=$DEBUGFS/$1 ;;
	esac
	if [ ! -d "$_hk_d" ]; then
		fail "dump_debugfs: no directory $_hk_d"
		return 1
	fi
	for _hk_f in $(find "$_hk_d" -type f | sort); do
		dump_file "$_hk_f"
	done
}

# ktap_dump [GLOB]: print /sys/kernel/debug/kunit/<suite>/results of every
# suite (matching GLOB, default *) between KTAP markers. Read them before
# rmmod: results vanish with the module. Fails if no suite matches (an
# unmatched glob would stay literal in busybox sh: recipe pitfall 24).
ktap_dump() {
	_hk_n=0
	if [ -d "$DEBUGFS/kunit" ]; then
		for _hk_s in "$DEBUGFS/kunit/"${1:-*}; do
			[ -f "$_hk_s/results" ] || continue
			_hk_s=${_hk_s##*/}
			echo "@@ KTAP-BEGIN $_hk_s"
			cat "$DEBUGFS/kunit/$_hk_s/results"
			echo "@@ KTAP-END $_hk_s"
			_hk_n=$((_hk_n + 1))
		done
	fi
	[ "$_hk_n" -gt 0 ] || { fail "ktap_dump: no KUnit suite matches '${1:-*}'"; return 1; }
}

# ktap_file NAME FILE: FILE (e.g. a module's own debugfs results) as one
# KTAP document.
ktap_file() {
	echo "@@ KTAP-BEGIN $1"
	cat "$2" || fail "ktap_file: cannot read $2"
	echo "@@ KTAP-END $1"
}

# dmesg_mark; ...; ktap_dmesg NAME: the kernel log printed since
# dmesg_mark, from its first "KTAP version" line on, without timestamps, as
# one KTAP document (for modules that print KTAP with pr_info on kernels
# without KUnit).
dmesg_mark() { _hk_mark=$(dmesg | wc -l); }
ktap_dmesg() {
	echo "@@ KTAP-BEGIN $1"
	dmesg | tail -n +$((${_hk_mark:-0} + 1)) |
		sed -e 's/^\[ *[0-9]*\.[0-9]*\] //' | sed -n '/KTAP version/,$p'
	echo "@@ KTAP-END $1"
}

# cpus: print the online CPU list ("@@ CPUS 0-1").
cpus() { echo "@@ CPUS $(cat /sys/devices/system/cpu/online)"; }

# kmemleak_check: two scans (objects younger than 5 s are ignored; one scan
# was not enough: recipe pitfall 10), then the report between
# "@@ KMEMLEAK-BEGIN" and "@@ KMEMLEAK-END" and "@@ KMEMLEAK <n>", n the
# number of suspected leaks (~7 s). Any suspected leak, or a kmemleak that
# refuses to scan (it turns itself off after an internal error), is a
# "@@ FAIL". No kmemleak in the kernel: a note, and success.
kmemleak_check() {
	_hk_k=$DEBUGFS/kmemleak
	[ -e "$_hk_k" ] || { echo "kmemleak_check: no $_hk_k"; return 0; }
	sleep 6
	if ! { echo scan >"$_hk_k" && sleep 1 && echo scan >"$_hk_k"; } 2>/dev/null; then
		fail "kmemleak_check: kmemleak refuses to scan (off after an error?)"
		return 1
	fi
	_hk_r=$(cat "$_hk_k")
	echo "@@ KMEMLEAK-BEGIN"
	[ -z "$_hk_r" ] || printf '%s\n' "$_hk_r"
	echo "@@ KMEMLEAK-END"
	_hk_n=$(printf '%s\n' "$_hk_r" | grep -c '^unreferenced object')
	echo "@@ KMEMLEAK $_hk_n"
	[ "$_hk_n" = 0 ] || { fail "kmemleak: $_hk_n suspected leak(s)"; return 1; }
}
