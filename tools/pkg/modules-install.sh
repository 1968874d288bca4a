#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make modules_install: build the modules for one kernel (kernel/kmod.sh)
# and install them with Kbuild's own modules_install.
#
# Usage: tools/pkg/modules-install.sh KIND [DESTDIR [INSTALL_MOD_DIR]]
#   KIND      as for kernel/kmod.sh: kdir:<path>, distro-6.1, distro-6.12, ...
#   DESTDIR   root to install under (INSTALL_MOD_PATH); empty: /
#   INSTALL_MOD_DIR  directory under /lib/modules/<release>/ (default extra)
# Kbuild runs depmod when the kernel tree has a System.map (not the case
# for Debian's headers: run depmod yourself then).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { sed -n '/^# Usage:/,/^# Kbuild/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
kind=$1
dest=${2:-}
moddir=${3:-extra}

case $kind in
kdir:*) KDIR=${kind#kdir:} ;;
distro-6.1 | distro-6.12) eval "$("$ROOT/tools/vm/distro-kernel.sh" "${kind#distro-}")" ;;
*) echo "modules-install.sh: use kdir:<path>, distro-6.1 or distro-6.12, not '$kind'" >&2; exit 2 ;;
esac
[ -f "$KDIR/Makefile" ] || { echo "modules-install.sh: no kernel tree at $KDIR" >&2; exit 1; }

eval "$("$ROOT/kernel/kmod.sh" "$kind")"
if [ -n "$dest" ]; then
	mkdir -p "$dest"
	dest=$(cd "$dest" && pwd)
fi
make -C "$KDIR" M="$KMOD" ${dest:+INSTALL_MOD_PATH="$dest"} \
	INSTALL_MOD_DIR="$moddir" modules_install >&2
echo "modules_install: $(cd "$KMOD" && ls ./*.ko | tr '\n' ' ')-> ${dest}/lib/modules/$KVER/$moddir/"
