#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make test-pkg: `make install` into a temporary DESTDIR, check the files
# and the soname, build tools/pkg/example.c with pkg-config against that
# install (shared, then static), run it, then `make uninstall` and check
# that nothing is left behind.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/hakmem-pkg.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test-pkg: FAIL: $*" >&2; exit 1; }

prefix=/opt/hakmem
d=$tmp/root
make -s -C "$ROOT" --no-print-directory install DESTDIR="$d" PREFIX=$prefix >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "make install"; }
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$ROOT/dkms.conf")
major=${ver%%.*}
lib=$d$prefix/lib
for f in "$lib/libhakmem.a" "$lib/libhakmem.so.$ver" "$lib/libhakmem.so.$major" \
	"$lib/libhakmem.so" "$d$prefix/include/hakmem.h" "$lib/pkgconfig/hakmem.pc" \
	"$d$prefix/bin/hakmem-top" "$d$prefix/bin/hakmem-heatmap"; do
	[ -e "$f" ] || fail "not installed: ${f#"$d"}"
done
[ "$(readlink "$lib/libhakmem.so")" = "libhakmem.so.$major" ] || fail "libhakmem.so link"
[ "$(readlink "$lib/libhakmem.so.$major")" = "libhakmem.so.$ver" ] || fail "soname link"
soname=$(readelf -d "$lib/libhakmem.so.$ver" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libhakmem.so.$major" ] || fail "soname is '$soname', want libhakmem.so.$major"
echo "test-pkg: installed $(cd "$d" && find . -type f -o -type l | wc -l) files under DESTDIR$prefix, soname $soname"

export PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$d"
[ "$(pkg-config --modversion hakmem)" = "$ver" ] || fail "pkg-config --modversion"
flags=$(pkg-config --cflags --libs hakmem)
echo "test-pkg: pkg-config --cflags --libs hakmem: $flags"
case $flags in *"-I$d$prefix/include"*"-L$lib"*"-lhakmem"*) ;; *) fail "unexpected flags" ;; esac
# shellcheck disable=SC2086 # word splitting of the flags is wanted
cc -std=c11 -Wall -Werror -o "$tmp/example" "$ROOT/tools/pkg/example.c" $flags
out=$(LD_LIBRARY_PATH=$lib "$tmp/example") || fail "example (shared) failed: $out"
[ "$out" = "example: hakmem bitmap inuse 60" ] || fail "example printed '$out'"
LD_LIBRARY_PATH=$lib ldd "$tmp/example" | grep -q "libhakmem.so.$major => $lib/" ||
	fail "example is not linked against the installed libhakmem.so.$major"
echo "test-pkg: shared: $out"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror -static -o "$tmp/example-static" "$ROOT/tools/pkg/example.c" \
	$(pkg-config --static --cflags --libs hakmem)
out=$("$tmp/example-static") || fail "example (static) failed"
[ "$out" = "example: hakmem bitmap inuse 60" ] || fail "static example printed '$out'"
echo "test-pkg: static: $out"

make -s -C "$ROOT" --no-print-directory uninstall DESTDIR="$d" PREFIX=$prefix >/dev/null
left=$(cd "$d" && find . -type f -o -type l)
[ -z "$left" ] || fail "left after uninstall: $left"
echo "test-pkg: uninstall removed everything"

# a DESTDIR with a space: one directory, not two words (install made
# "$tmp/dest" and "dir/..." in the source tree, uninstall would remove a
# file "$tmp/dest"); dkms-source the same
d="$tmp/dest dir"
echo decoy >"$tmp/dest"
make -s -C "$ROOT" --no-print-directory install DESTDIR="$d" PREFIX=$prefix >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "make install DESTDIR='$d'"; }
for f in "$d$prefix/lib/libhakmem.so.$ver" "$d$prefix/bin/hakmem-top"; do
	[ -e "$f" ] || fail "make install DESTDIR='$d': no $f"
done
make -s -C "$ROOT" --no-print-directory dkms-source DESTDIR="$d" >/dev/null 2>&1 ||
	fail "make dkms-source DESTDIR='$d'"
[ -e "$d/usr/src/hakmem-slab-$ver/dkms.conf" ] || fail "dkms-source DESTDIR='$d': no dkms.conf"
rm -rf "${d:?}/usr"
make -s -C "$ROOT" --no-print-directory uninstall DESTDIR="$d" PREFIX=$prefix >/dev/null
left=$(cd "$d" && find . -type f -o -type l)
[ -z "$left" ] || fail "DESTDIR='$d': left after uninstall: $left"
[ "$(cat "$tmp/dest")" = decoy ] || fail "uninstall DESTDIR='$d' removed $tmp/dest"
[ ! -e "$ROOT/dir" ] || fail "install DESTDIR='$d' wrote $ROOT/dir"
echo "test-pkg: install, dkms-source, uninstall with DESTDIR='dest dir': PASS"
