#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages a hakmem-slab target needs, only when missing.
# Usage: tools/deps.sh GROUP...   (groups: build, sanitize, vm, kunit, bench, lint,
#                                  pkg, tools, preload, docs)
# Every make target that needs a package calls this first, so a fresh
# machine needs nothing done by hand.
set -eu

pkgs_build="build-essential make gcc pkg-config liburing-dev"
pkgs_sanitize="valgrind clang libclang-rt-14-dev"
pkgs_vm="qemu-system-x86 busybox-static cpio gzip kmod xz-utils linux-headers-6.1.0-56-amd64 dwarves"
pkgs_kunit="linux-source-6.12 patch flex bison bc libelf-dev libssl-dev busybox-static xz-utils cpio kmod qemu-system-x86 python3"
pkgs_bench="valgrind libmimalloc-dev libjemalloc-dev libgoogle-perftools-dev gnuplot-nox liburing-dev"
pkgs_lint="sparse"
pkgs_pkg="dkms"
pkgs_tools="python3 tmux"
pkgs_preload="python3 perl git bc"
pkgs_docs="python3-docutils"

want=""
for g in "$@"; do
	eval "list=\${pkgs_$g:-}"
	[ -n "$list" ] || { echo "deps.sh: unknown group '$g'" >&2; exit 2; }
	want="$want $list"
done

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) case " $missing " in *" $p "*) ;; *) missing="$missing $p" ;; esac ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps.sh: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
stamp=/var/lib/apt/periodic/hakmem-apt-updated
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +720 2>/dev/null)" ]; then
	$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
	$SUDO mkdir -p "$(dirname "$stamp")" && $SUDO touch "$stamp"
fi
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive INITRD=No $SUDO apt-get -o DPkg::Lock::Timeout=600 \
	install -y -qq --no-install-recommends $missing >&2
