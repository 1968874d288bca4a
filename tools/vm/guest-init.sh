#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# /init of the test initramfs (mkinitramfs.sh installs it). Mounts the
# pseudo filesystems, runs /lib/hakmem/scenario.sh with guest-lib.sh's
# helpers, prints the taint, the kernel log (under `quiet`) and "@@ DONE",
# then powers the machine off so QEMU/UML exit.

# proc first: busybox re-execs applets via /proc/self/exe (recipe pitfall 7).
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp 2>/dev/null
# Without a console at exec time the kernel starts us with no stdout.
[ -e /proc/self/fd/1 ] || exec </dev/console >/dev/console 2>&1

# shellcheck source-path=SCRIPTDIR source=guest-lib.sh
. /lib/hakmem/guest-lib.sh

echo "@@ BOOT $(uname -r) cpus=$(cat /sys/devices/system/cpu/online) cmdline: $(cat /proc/cmdline)"
env | grep '^HAKMEM_' | sed 's/^/@@ ENV /'

# A subshell: `exit` in the scenario must not kill init (kernel panic).
(
	trap section_end EXIT
	# shellcheck disable=SC1091 # the caller's scenario
	. /lib/hakmem/scenario.sh
)
rc=$?
[ "$rc" -eq 0 ] || echo "@@ FAIL scenario exited with status $rc"

echo "@@ TAINTED $(cat /proc/sys/kernel/tainted)"
if grep -qw quiet /proc/cmdline; then
	# pr_info output (KTAP, splats below KERN_ERR) is not on a quiet console.
	echo "@@ BEGIN dmesg"
	dmesg
	echo "@@ END dmesg"
fi
echo "@@ DONE"
sync

# Distro kernels have ACPI (poweroff exits QEMU); the tinyconfig kernel does
# not (reboot + -no-reboot exits QEMU); UML exits on poweroff.
how=${HAKMEM_POWEROFF:-}
if [ -z "$how" ]; then
	if [ -d /sys/firmware/acpi ] || grep -q 'User Mode Linux' /proc/cpuinfo; then
		how=poweroff
	else
		how=reboot
	fi
fi
"$how" -f
sleep 10
reboot -f
