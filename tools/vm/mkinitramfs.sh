#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build a busybox-static initramfs that runs one test scenario.
#
# Usage: tools/vm/mkinitramfs.sh OUT.cpio.gz SCENARIO.sh [FILE...]
#   FILEs (the .ko modules, helper binaries) land in /lib/hakmem/ under their
#   base names; SCENARIO.sh becomes /lib/hakmem/scenario.sh and is sourced by
#   /init (guest-init.sh) with the helpers of guest-lib.sh. Kernel
#   command-line KEY=VAL words reach the scenario as environment variables.
# About 1 MB, well under a second. Works for QEMU and UML alike.
set -eu

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || { echo "usage: $0 OUT.cpio.gz SCENARIO.sh [FILE...]" >&2; exit 2; }
out=$1
scenario=$2
shift 2
[ -f "$scenario" ] || die "no scenario $scenario"

bb=/bin/busybox
if [ ! -x $bb ] || readelf -l $bb 2>/dev/null | grep -q 'INTERP'; then
	"$TOOLS_DIR/deps.sh" vm
fi
# A dynamic busybox (package busybox) would not run in the empty initramfs.
if readelf -l $bb | grep -q INTERP; then
	die "$bb is dynamically linked; install busybox-static"
fi

tmp=$(mktemp -d /tmp/hakmem-initramfs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
r=$tmp/root
mkdir -p "$r/bin" "$r/dev" "$r/proc" "$r/sys" "$r/tmp" "$r/lib/hakmem"
cp $bb "$r/bin/busybox"
cp "$VM_DIR/guest-init.sh" "$r/init"
cp "$VM_DIR/guest-lib.sh" "$r/lib/hakmem/guest-lib.sh"
cp "$scenario" "$r/lib/hakmem/scenario.sh"
chmod 755 "$r/init"
for f in "$@"; do
	[ -f "$f" ] || die "no file $f"
	cp "$f" "$r/lib/hakmem/"
done
# The kernel opens /dev/console for init before /init can mount devtmpfs.
mknod -m 600 "$r/dev/console" c 5 1 2>/dev/null || msg "mknod failed; /init reopens the console"

mkdir -p "$(dirname "$out")"
(cd "$r" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) |
	gzip -6 >"$out.tmp"
mv "$out.tmp" "$out"
