#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make test-dkms: Debian's dkms builds and installs hakmem_slab.ko from
# dkms.conf for Debian's kernels, in a private tree (nothing touches the
# host's /var/lib/dkms, /usr/src or /lib/modules).
#
# Usage: tools/pkg/test-dkms.sh [VERSION...]   (default $DKMS_KERNELS or 6.12)
#   VERSION: 6.12 | 6.1, Debian's headers via tools/vm/distro-kernel.sh
# Per kernel: `dkms add` of the tree `make dkms-source` installs, `dkms
# build -k <release> --kernelsourcedir <headers>`, then `dkms install`
# into a private install tree (depmod run on it by us); checks the .ko's
# vermagic names the kernel, modules.dep lists it, `dkms status` says
# installed, and `dkms remove` cleans up.  Then `make modules_install`
# into a DESTDIR for 6.12 (Kbuild's modules_install).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
kernels=${*:-${DKMS_KERNELS:-6.12}}
command -v dkms >/dev/null || { echo "test-dkms: dkms is not installed (tools/deps.sh pkg)" >&2; exit 1; }
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$ROOT/dkms.conf")
[ -n "$ver" ] || { echo "test-dkms: no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }
tmp=$(mktemp -d /tmp/hakmem-dkms.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test-dkms: FAIL: $*" >&2; exit 1; }

src=$tmp/src dtree=$tmp/dkms itree=$tmp/root/lib/modules
make -s -C "$ROOT" --no-print-directory dkms-source DESTDIR="$tmp/root" >/dev/null
mkdir -p "$src" "$dtree" "$itree"
mv "$tmp/root/usr/src/hakmem-slab-$ver" "$src/"
opts=(--sourcetree "$src" --dkmstree "$dtree" --installtree "$itree")
mod=(-m hakmem-slab -v "$ver")

dkms add "${mod[@]}" "${opts[@]}" >"$tmp/add.log" 2>&1 || { cat "$tmp/add.log"; fail "dkms add"; }
for k in $kernels; do
	eval "$("$ROOT/tools/vm/distro-kernel.sh" "$k")"
	t0=$(date +%s)
	if ! dkms build "${mod[@]}" "${opts[@]}" -k "$KVER" --kernelsourcedir "$KDIR" \
		>"$tmp/build-$k.log" 2>&1; then
		cat "$tmp/build-$k.log"
		tail -n 30 "$dtree/hakmem-slab/$ver/build/make.log" 2>/dev/null || true
		fail "dkms build for $KVER"
	fi
	ko=$dtree/hakmem-slab/$ver/$KVER/x86_64/module/hakmem_slab.ko
	[ -f "$ko" ] || ko=$(ls "$dtree/hakmem-slab/$ver/$KVER"/*/module/hakmem_slab.ko* 2>/dev/null | head -n1)
	[ -f "$ko" ] || fail "no hakmem_slab.ko in the DKMS tree for $KVER"
	vm=$(modinfo -F vermagic "$ko")
	case $vm in "$KVER "*) ;; *) fail "vermagic '$vm' is not $KVER" ;; esac
	# the private install tree stands in for /lib/modules: dkms installs
	# only into a kernel's directory that exists
	mkdir -p "$itree/$KVER"
	touch "$itree/$KVER/modules.order" "$itree/$KVER/modules.builtin" \
		"$itree/$KVER/modules.builtin.modinfo"
	# depmod: ours, on the private tree (dkms's would look at /lib/modules)
	dkms install "${mod[@]}" "${opts[@]}" -k "$KVER" --kernelsourcedir "$KDIR" --no-depmod \
		>"$tmp/install-$k.log" 2>&1 || { cat "$tmp/install-$k.log"; fail "dkms install for $KVER"; }
	inst=$(find "$itree/$KVER" -name 'hakmem_slab.ko*' | head -n1)
	[ -n "$inst" ] || fail "dkms install put no hakmem_slab.ko under the install tree for $KVER"
	depmod -b "$tmp/root" "$KVER"
	grep -q "^updates/dkms/hakmem_slab.ko[^:]*:" "$itree/$KVER/modules.dep" ||
		fail "depmod does not list hakmem_slab in modules.dep for $KVER"
	st=$(dkms status "${mod[@]}" "${opts[@]}" -k "$KVER" 2>/dev/null)
	case $st in *": installed"*) ;; *) fail "dkms status for $KVER: '$st'" ;; esac
	echo "test-dkms: $KVER: built and installed in $(($(date +%s) - t0)) s (${inst#"$itree/"}, vermagic $vm)"
	echo "test-dkms: status: $st"
done
dkms remove "${mod[@]}" "${opts[@]}" --all --no-depmod >"$tmp/remove.log" 2>&1 || { cat "$tmp/remove.log"; fail "dkms remove"; }
left=$(find "$itree" -name 'hakmem_slab.ko*')
[ -z "$left" ] || fail "left after dkms remove: $left"
[ -z "$(dkms status "${mod[@]}" "${opts[@]}" 2>/dev/null)" ] || fail "dkms still lists hakmem-slab after remove"
echo "test-dkms: dkms add/build/install/remove: ok ($kernels)"

# make modules_install: Kbuild's modules_install into a DESTDIR, for 6.12
eval "$("$ROOT/tools/vm/distro-kernel.sh" 6.12)"
make -s -C "$ROOT" --no-print-directory modules_install KDIR="$KDIR" \
	DESTDIR="$tmp/mi" INSTALL_MOD_DIR=extra >"$tmp/mi.log" 2>&1 ||
	{ cat "$tmp/mi.log"; fail "make modules_install"; }
ko=$(find "$tmp/mi/lib/modules/$KVER/extra" -name 'hakmem_slab.ko*' | head -n1)
[ -n "$ko" ] || fail "modules_install put no hakmem_slab.ko under lib/modules/$KVER/extra"
vm=$(modinfo -F vermagic "$ko")
case $vm in "$KVER "*) ;; *) fail "modules_install: vermagic '$vm' is not $KVER" ;; esac
echo "test-dkms: make modules_install KDIR=<6.12 headers> DESTDIR=...: ${ko#"$tmp/mi/"}"
echo "test-dkms: PASS"
