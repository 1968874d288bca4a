#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) a test kernel from Debian's linux-source-6.12.
#
# Usage: tools/vm/build-kernel.sh {uml|x86_64|source} [--kasan] [--perf]
#   uml           UML, KUnit + KASAN + lockdep + PREEMPT + kmemleak (configs/uml-kunit.config)
#   uml --perf    UML without debug options, for benchmarks (configs/uml-perf.config)
#   x86_64        tinyconfig + configs/x86_64-kunit.config, for QEMU TCG -smp N
#   x86_64 --kasan  the same plus configs/x86_64-kasan.config
#   source        only unpack the source (scripts/checkpatch.pl): prints KSRC=
#   (uml --kasan is accepted: the UML KUnit kernel already has KASAN.)
#
# Prints, for eval:  KDIR=<build dir> KIMAGE=<linux|bzImage> KSRC=<source>
#                    KVER=<kernelrelease> KARCH=<um|x86_64>
# Build modules with: make -C "$KDIR" ARCH="$KARCH" M=<dir> modules
#
# Cache (HAKMEM_CACHE, default /var/cache/hakmem):
#   kernels/src-<pkgver>/           unpacked source, once per package version
#   kernels/build-<variant>-<key>/  O= build tree; key = first 16 hex of
#     sha256(pkg version, gcc --version, base config, fragments, UML patches,
#     RECIPE_REV)
# Stamp files (.unpacked, .configured, .built) make an interrupted build
# resume; kernels/.lock serializes builders (one at a time on 2 cores).
# Trees are never moved after a build: O= trees hold absolute paths.
set -eu

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() { echo "usage: $0 {uml|x86_64|source} [--kasan] [--perf]" >&2; exit 2; }
[ $# -ge 1 ] || usage
arch=$1; shift
kasan=0 perf=0
for a in "$@"; do
	case $a in
	--kasan) kasan=1 ;;
	--perf) perf=1 ;;
	*) usage ;;
	esac
done

cfgdir=$VM_DIR/configs
case $arch in
uml)
	karch=um
	base=none
	if [ $perf = 1 ]; then
		[ $kasan = 0 ] || die "--perf and --kasan exclude each other"
		variant=uml-perf frags=$cfgdir/uml-perf.config
	else
		variant=uml frags=$cfgdir/uml-kunit.config
	fi
	image=linux
	;;
x86_64)
	karch=x86_64
	base=tinyconfig
	[ $perf = 0 ] || die "--perf is UML only (TCG timings are emulation)"
	variant=x86_64 frags=$cfgdir/x86_64-kunit.config
	if [ $kasan = 1 ]; then
		variant=x86_64-kasan frags="$frags $cfgdir/x86_64-kasan.config"
	fi
	image=arch/x86/boot/bzImage
	;;
source)
	{ [ $perf = 0 ] && [ $kasan = 0 ]; } || usage
	karch=none base=none variant=source frags=/dev/null image=none
	;;
*) usage ;;
esac

"$TOOLS_DIR/deps.sh" kunit

srcpkg=linux-source-6.12
pkgver=$(pkg_version $srcpkg)
[ -n "$pkgver" ] || die "$srcpkg is not installed"
tarball=$(dpkg -L $srcpkg | grep '/linux-source-[0-9.]*\.tar\.xz$' | head -n1)
[ -f "$tarball" ] || die "no source tarball in $srcpkg"

kcache=$HAKMEM_CACHE/kernels
src=$kcache/src-$(safe_name "$pkgver")
# Fixes to Debian's source that the UML kernels need on some hosts
# (patches/README): in the UML variants' key, applied to the shared source.
patches=
if [ "$karch" = um ]; then
	patches=$(find "$VM_DIR/patches" -name 'uml-*.patch' | sort)
fi
# shellcheck disable=SC2086 # $frags and $patches are paths without spaces
key=$( {
	echo "$srcpkg $pkgver"
	gcc --version
	echo "arch=$karch base=$base"
	cat $frags $patches
	echo "$RECIPE_REV"
} | sha256sum | cut -c1-16)
bld=$kcache/build-$variant-$key

# the answer: KSRC= alone for source
result() {
	if [ "$arch" = source ]; then
		echo "KSRC=$src"
		return
	fi
	kver=$(cat "$bld/include/config/kernel.release" 2>/dev/null || echo unknown)
	echo "KDIR=$bld"
	echo "KIMAGE=$bld/$image"
	echo "KSRC=$src"
	echo "KVER=$kver"
	echo "KARCH=$karch"
}

# nothing left to do: unpacked, and built unless only the source is wanted
ready() { [ -f "$src/.unpacked" ] && { [ "$arch" = source ] || [ -f "$bld/.built" ]; }; }

if ready; then
	result
	exit 0
fi

take_lock "$kcache/.lock"
if ready; then
	result
	exit 0
fi

jobs=${JOBS:-$(nproc)}
t0=$(now_s)

if [ ! -f "$src/.unpacked" ]; then
	# A half-unpacked tree from an interrupted run is thrown away; the source
	# is only renamed before any build has used it.
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	msg "unpacking $tarball -> $src"
	tar -xf "$tarball" -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
	touch "$src/.unpacked"
	msg "unpacked in $(elapsed "$t0") s"
fi
# The source carries the UML patches: a copy of each applied one is kept in
# $src/.patches/, and one that changed or went is reversed first, so the
# tree always holds exactly the current set.  The patched files are built
# for ARCH=um only: the other variants' trees stay valid.
if [ "$karch" = um ]; then
	applied=$src/.patches
	mkdir -p "$applied"
	for a in "$applied"/*.patch; do
		[ -f "$a" ] || continue
		keep=0
		for p in $patches; do
			cmp -s "$p" "$a" && keep=1
		done
		[ $keep = 1 ] && continue
		patch -d "$src" -p1 -R -f -s <"$a" || die "cannot reverse $a in $src"
		rm -f "$a"
		msg "reversed ${a##*/} in $src"
	done
	for p in $patches; do
		a=$applied/$(sha256sum <"$p" | cut -c1-16).patch
		[ -f "$a" ] && continue
		patch -d "$src" -p1 -N -f -s <"$p" || die "$p does not apply to $src"
		cp "$p" "$a"
		msg "applied ${p##*/} to $src"
	done
fi
if [ "$arch" = source ]; then
	result
	exit 0
fi

log=$bld/.build.log
kmake() {
	if ! make -C "$src" O="$bld" ARCH=$karch -j"$jobs" "$@" >>"$log" 2>&1; then
		tail -n 60 "$log" >&2
		die "make $* failed (full log: $log)"
	fi
}

# check_fragment FRAG: every CONFIG_ line of FRAG must be in .config as
# written (a "# ... is not set" line also passes when the symbol is absent).
check_fragment() {
	bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF "$line" "$bld/.config" || {
				msg "config lost: '$line' (have: $(grep "^${line%%=*}=" "$bld/.config" || echo unset))"
				bad=1
			}
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			if grep -q "^$sym=" "$bld/.config"; then
				msg "config lost: '$line' (have: $(grep "^$sym=" "$bld/.config"))"
				bad=1
			fi
			;;
		esac
	done <"$1"
	return $bad
}

if [ ! -f "$bld/.configured" ]; then
	mkdir -p "$bld"
	: >"$log"
	msg "configuring $variant in $bld"
	if [ "$base" = tinyconfig ]; then
		kmake tinyconfig
	else
		: >"$bld/.config"
	fi
	# Later assignments override earlier ones in kconfig.
	# shellcheck disable=SC2086
	cat $frags >>"$bld/.config"
	kmake olddefconfig
	ok=1
	for f in $frags; do
		check_fragment "$f" || ok=0
	done
	[ $ok = 1 ] || die "fragment lines did not survive olddefconfig (see above)"
	touch "$bld/.configured"
fi

msg "building $variant (-j$jobs, log $log); cold builds take 3-6 min"
kmake "${image##*/}" modules_prepare
# `make modules` once, so Module.symvers exists for M= builds.
kmake modules
[ -f "$bld/$image" ] || die "no $bld/$image after build"
[ -f "$bld/Module.symvers" ] || die "no Module.symvers after build"
# shellcheck disable=SC2086
for f in $frags; do
	check_fragment "$f" || die "config changed during build"
done
touch "$bld/.built"
msg "built $variant in $(elapsed "$t0") s"
result
