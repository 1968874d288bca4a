#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Make a Debian distro kernel bootable under QEMU and its headers usable for
# out-of-tree module builds, without installing the kernel package (no
# /boot, no initramfs hooks: recipe pitfall 16).
#
# Usage: tools/vm/distro-kernel.sh {6.1|6.12}
# Prints, for eval:
#   KIMAGE=<vmlinuz>   bzImage, boots with qemu -kernel
#   KELF=<vmlinux>     the same kernel as an uncompressed ELF (PVH direct
#                      boot; 6.1's bzImage is XZ and slow to unpack under TCG)
#   KDIR=<headers>     make -C "$KDIR" M=<dir> modules
#   KVER=<uname -r>    KCONFIG=<config-KVER>
#
# ABI names come from the meta packages (linux-image-amd64,
# linux-image-6.12-amd64), falling back to the names verified in the recipe.
# Cache: $HAKMEM_CACHE/distro/<image pkg version>/ (image/ = ./boot of the
# image deb; headers/ = headers + common + kbuild debs when the headers are
# not installed under /usr/src). Stamp files make it idempotent; a flock
# serializes concurrent callers.
set -eu

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# = 1 ] || { echo "usage: $0 {6.1|6.12}" >&2; exit 2; }
case $1 in
6.1) imgmeta=linux-image-amd64 fallback=6.1.0-56-amd64 ;;
6.12) imgmeta=linux-image-6.12-amd64 fallback=6.12.117+deb12-amd64 ;;
*) echo "usage: $0 {6.1|6.12}" >&2; exit 2 ;;
esac

# qemu, busybox, cpio, pahole (6.12 module BTF), and the 6.1 headers.
"$TOOLS_DIR/deps.sh" vm

dcache=$HAKMEM_CACHE/distro
# apt-cache takes 1-2 s a call: remember the resolution until apt's lists change.
memo=$dcache/resolved-$1
if [ -f "$memo" ] && [ -z "$(find /var/lib/apt/lists -maxdepth 0 -newer "$memo")" ]; then
	read -r imgpkg pkgver <"$memo"
else
	imgpkg=$(meta_dep "$imgmeta" linux-image-)
	if [ -z "$imgpkg" ]; then
		# Empty apt lists (fresh container): update once, then try again.
		apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 || true
		imgpkg=$(meta_dep "$imgmeta" linux-image-)
	fi
	if [ -z "$imgpkg" ]; then
		msg "cannot resolve $imgmeta; using the recipe's $fallback"
		imgpkg=linux-image-$fallback
	fi
	pkgver=$(cand_version "$imgpkg")
	case $pkgver in "" | "(none)") die "apt knows no $imgpkg" ;; esac
	mkdir -p "$dcache"
	echo "$imgpkg $pkgver" >"$memo"
fi
kver=${imgpkg#linux-image-}
kver=${kver%-unsigned}

D=$dcache/$(safe_name "$pkgver")
img=$D/image/boot/vmlinuz-$kver
elf=$D/image/vmlinux-$kver

# Headers already installed by tools/deps.sh (6.1) and of the same version?
sysk=/usr/src/linux-headers-$kver
if [ -f "$sysk/Makefile" ] && [ "$(pkg_version "linux-headers-$kver")" = "$pkgver" ]; then
	kdir=$sysk
	need_hdr=0
else
	kdir=$D/headers/usr/src/linux-headers-$kver
	need_hdr=1
fi

result() {
	echo "KIMAGE=$img"
	[ -f "$elf" ] && echo "KELF=$elf"
	echo "KDIR=$kdir"
	echo "KVER=$kver"
	echo "KCONFIG=$D/image/boot/config-$kver"
}

done_already() {
	[ -f "$D/.image-done" ] && { [ $need_hdr = 0 ] || [ -f "$D/.headers-done" ]; }
}
if done_already; then result; exit 0; fi
take_lock "$dcache/.lock"
if done_already; then result; exit 0; fi

t0=$(now_s)
dl=$D/dl
mkdir -p "$dl"
# download PKG...: into $dl, as root without the _apt sandbox warning.
download() {
	(cd "$dl" && apt-get -q -o APT::Sandbox::User=root download "$@" >&2)
}
deb_of() { ls "$dl/$1"_*.deb; }

# extract_elf BZIMAGE OUT: the ELF inside a bzImage, as
# scripts/extract-vmlinux does (that script is not in the headers).
extract_elf() {
	for fmt in '\xfd\x37\x7a\x58\x5a\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -dcq' \
		'\x1f\x8b\x08\x00:gzip -dc'; do
		magic=${fmt%%:*}
		cmd=${fmt#*:}
		command -v "${cmd%% *}" >/dev/null 2>&1 || continue
		offs=$(LC_ALL=C grep -obUaP "$magic" "$1" | cut -d: -f1 | head -n 4) || true
		for off in $offs; do
			# shellcheck disable=SC2086 # $cmd is a command with options
			tail -c +$((off + 1)) "$1" | $cmd >"$2.tmp" 2>/dev/null || true
			if [ "$(head -c 4 "$2.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
				mv "$2.tmp" "$2"
				return 0
			fi
		done
	done
	rm -f "$2.tmp"
	return 1
}

if [ ! -f "$D/.image-done" ]; then
	msg "fetching $imgpkg $pkgver"
	download "$imgpkg=$pkgver"
	rm -rf "$D/image"
	mkdir -p "$D/image"
	# Only ./boot: the modules tree (up to 400 MB) is not needed.
	dpkg-deb --fsys-tarfile "$(deb_of "$imgpkg")" |
		tar -x -C "$D/image" --wildcards './boot/*'
	[ -f "$img" ] || die "no $img in $imgpkg"
	extract_elf "$img" "$elf" || msg "could not extract an ELF from $img (PVH boot unavailable)"
	rm -f "$(deb_of "$imgpkg")"
	touch "$D/.image-done"
fi

if [ $need_hdr = 1 ] && [ ! -f "$D/.headers-done" ]; then
	# Installing linux-headers-<6.12 abi> would pull the image and build
	# initrds; extracting the three debs into one root needs no dpkg state.
	hpkg=linux-headers-$kver
	deps=$(apt-cache depends "$hpkg" | awk '$1 ~ /^\|?Depends:$/ { print $2 }')
	cpkg=$(echo "$deps" | grep '^linux-headers-.*-common' | head -n1) || true
	bpkg=$(echo "$deps" | grep '^linux-kbuild-' | head -n1) || true
	if [ -z "$cpkg" ] || [ -z "$bpkg" ]; then
		die "cannot resolve the dependencies of $hpkg"
	fi
	msg "fetching $hpkg $cpkg $bpkg"
	download "$hpkg=$pkgver" "$cpkg=$pkgver" "$bpkg"
	rm -rf "$D/headers"
	mkdir -p "$D/headers"
	for p in "$hpkg" "$cpkg" "$bpkg"; do
		dpkg -x "$(deb_of "$p")" "$D/headers"
		rm -f "$(deb_of "$p")"
	done
	# The arch Makefile includes the common one by absolute path; the
	# scripts/tools symlinks are relative and resolve inside the root.
	sed -i "s|^include /usr/src/|include $D/headers/usr/src/|" "$kdir/Makefile"
	[ -x "$kdir/scripts/basic/fixdep" ] || die "broken headers tree $kdir"
	touch "$D/.headers-done"
fi
rmdir "$dl" 2>/dev/null || true
msg "prepared $kver in $(elapsed "$t0") s"
result
