#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM harness scripts' command lines (make test-vm-args): an option
# without its value is a usage error (exit 2), not set -u's "unbound
# variable" (exit 1); nothing boots.
#
# Usage: tools/vm/test-args.sh
set -eu

tmp=$(mktemp -d /tmp/hakmem-vm-args.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
NAME=test-vm-args
# shellcheck source=tools/test/lib.sh
. "$(dirname "$0")/../test/lib.sh"
R=$HM_TEST_ROOT

expect_rc 2 "--smp needs a value" "$R/kernel/vm-run.sh" smoke uml --smp
expect_rc 2 "--timeout needs a value" "$R/kernel/vm-run.sh" smoke uml --tee --timeout
expect_rc 2 "Usage:" "$R/tools/vm/boot.sh" --kind
expect_rc 2 "Usage:" "$R/tools/vm/boot.sh" --kasan --log
expect_rc 2 "Usage:" "$R/tools/vm/check-log.sh" --ignore
expect_rc 2 "Usage:" "$R/kernel/bench-kernel.sh" uml-perf --boots
expect_rc 2 "Usage:" "$R/kernel/bench-kernel.sh" uml-perf --profile --name
expect_rc 2 "usage:" "$R/tools/vm/prefetch.sh" warm
# values given: parsed past the options (the log is what is missing)
expect_rc 2 "no log" "$R/tools/vm/check-log.sh" "$tmp/none.log" --ignore x --keep 3
echo "$NAME: PASS"
