# SPDX-License-Identifier: GPL-2.0
#
# tools/top/top.mk - hakmem-top's tests, included by the top-level Makefile
# (see Documentation/tools.rst).
#
#   make test-top     against a live process's HAKMEM_STATS_FILE: -o with
#                     rates checked against a known workload, the
#                     interactive mode driven through tmux, bad input
#   make test-top-vm  -o on the debugfs of a real VM, copied from the smoke
#                     scenario's log (build/vm/smoke-distro-*.log, which
#                     make test-vm leaves; boots distro 6.12 if none)

TOP_WORKLOAD := $(BUILD)/release/top-workload

.PHONY: test-top test-top-vm

$(BUILD)/release/top-workload: tools/top/top-workload.c $(BUILD)/release/libhakmem.a
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/release/libhakmem.a

test-top: deps
	$(Q)tools/deps.sh tools
	$(Q)$(MAKE) --no-print-directory VARIANT=release $(TOP_WORKLOAD)
	$(Q)tools/top/test-top.sh $(TOP_WORKLOAD)

test-top-vm:
	$(Q)tools/deps.sh tools
	$(Q)mkdir -p build/vm
	$(Q)logs=$$(ls build/vm/smoke-distro-*.log 2>/dev/null || true); \
	if [ -z "$$logs" ]; then \
		kernel/vm-run.sh smoke distro-6.12 --smp 2 >build/vm/top-vm.out 2>&1 || \
			{ tail -n 20 build/vm/top-vm.out; exit 1; }; \
		logs=build/vm/smoke-distro-6.12.log; \
	fi; \
	for l in $$logs; do \
		out=$$(tools/top/test-vm-log.sh $$l) || { echo "$$out"; exit 1; }; \
		echo "$$out" | tail -n 2; \
	done
