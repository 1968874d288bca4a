# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2034
#
# Helpers shared by the host-side tools/vm scripts (sourced, not run).
# Everything that is not a KEY=VAL result goes to stderr, so callers can
# `eval "$(tools/vm/x.sh ...)"`.

VM_DIR=$(cd "$(dirname "$0")" && pwd)
TOOLS_DIR=$(dirname "$VM_DIR")
# Fixed path outside the clone: build trees bake in absolute paths (pitfall 12)
# and must survive across clones on the same machine.
HAKMEM_CACHE=${HAKMEM_CACHE:-/var/cache/hakmem}
# Bump when a change to these scripts must invalidate cached kernels.
RECIPE_REV="hakmem-vm-r1"

msg() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { msg "error: $*"; exit 1; }

# now_s: seconds since the epoch with sub-second precision, for timing logs.
now_s() { date +%s.%N | cut -c1-14; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'; }

# take_lock FILE: serialize on FILE through fd 9 (held until the script exits).
take_lock() {
	mkdir -p "$(dirname "$1")"
	exec 9>"$1"
	if ! flock -n 9; then
		msg "waiting for lock $1"
		flock 9
	fi
}

# safe_name STR: a path component without '~', '+' or ':' (Debian versions have
# them; kbuild and make handle them poorly).
safe_name() { printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'; }

# pkg_version PKG: installed version of PKG or empty.
pkg_version() {
	dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null |
		awk '$3 == "installed" { print $4 }'
}

# cand_version PKG: the version apt would install/download.
cand_version() {
	apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }'
}

# meta_dep META PREFIX: first dependency of META starting with PREFIX
# (resolves linux-image-amd64 -> linux-image-6.1.0-56-amd64).
meta_dep() {
	apt-cache depends "$1" 2>/dev/null |
		awk -v p="$2" '$1 == "Depends:" && index($2, p) == 1 { print $2; exit }'
}
