# SPDX-License-Identifier: GPL-2.0
#
# Kernel targets, included by the top-level Makefile.
#
#   make module        hakmem_slab.ko (+ hakmem_client.ko, hakmem_bench.ko,
#                      hakmem_stress.ko, and hakmem_slab_test.ko if the
#                      kernel has KUnit) against KDIR, W=1, any warning
#                      fails; objects in build/kmod/
#   make module-check  W=1 builds against Debian 6.1 and 6.12 headers and
#                      the UML KUnit kernel, checkpatch --strict on kernel/
#                      and common/, sparse (C=2) on every file
#   make checkpatch    checkpatch --strict on kernel/ and common/
#   make sparse        sparse (C=2) against distro 6.12 and the x86_64
#                      KUnit kernel
#   make run-vm        distro 6.12 under QEMU TCG -smp 2: the smoke
#                      scenario (load in each mode, cross-CPU workload,
#                      debugfs, hotplug, shrinker, unload) + summary
#   make test-vm       the smoke scenario on distro 6.1 and 6.12 (and
#                      vm-run.sh's one more boot after an early death:
#                      tools/vm/test-retry.sh, a fake boot.sh)
#   make kunit         hakmem_slab_test.ko on the UML KUnit kernel (KASAN,
#                      lockdep, PREEMPT) and the x86_64 KUnit kernel with
#                      -smp 2 (lockdep, DEBUG_PREEMPT, CPU hotplug)
#   make kunit-uml     the UML half of kunit only
#   make kunit-x86_64  the x86_64 half of kunit only
#   make kunit-init-on-free  the x86_64 half booted with init_on_free=1:
#                      every case with freed blocks zeroed
#   make stress-kernel-smoke  hakmem_stress.ko, STRESS_KERNEL_SMOKE_OPS (1M)
#                      per mode on the x86_64 KUnit kernel (lockdep, -smp 2,
#                      plus a fault-injection run per mode) and on distro
#                      6.12 (-smp 2)
#   make stress-kernel the soak: STRESS_KERNEL_OPS (10M) per mode and once
#                      with caches of every mode, fault runs of
#                      STRESS_KERNEL_FAULT_OPS (2M), on STRESS_KERNEL_KINDS
#                      (x86_64 distro-6.12; x86_64-kasan works too)
#   make test-kernel   all of the above but the soak
#   make bench-kernel  hakmem_bench.ko against SLUB on the UML perf kernel
#                      (native speed), BENCH_BOOTS boots, medians over boots
#   make bench-kernel-qemu  the same on Debian 6.12 under QEMU TCG -smp 2,
#                      init_on_alloc=0: ratios only
#   make bench-kernel-debug  the pair rows of each mode with poison=1
#                      track=1 and without, and SLUB, on the UML perf
#                      kernel: the debug switches' cost in the kernel
#                      (build/bench/kernel-debug.txt)
#                      (both: Documentation/benchmarks-kernel.rst)
# Each VM target ends with tools/vm/check-log.sh's verdict and fails with it.
# Variables: KDIR (module), HAKMEM_MODE (smoke: bitmap|freelist|hybrid),
# BENCH_BOOTS, BENCH_MAX_BOOTS, BENCH_OPS, BENCH_REPS, BENCH_QEMU_OPS,
# BENCH_QEMU_REPS, BENCH_QEMU_KIND (distro-6.12), STRESS_KERNEL_* (above),
# STRESS_KERNEL_SEED (a fixed seed for every run), STRESS_KERNEL_TIMEOUT
# (seconds per soak boot, 2400).

KERNEL_RELEASE := $(shell uname -r)
ifeq ($(origin KDIR),undefined)
KDIR_KIND := $(if $(wildcard /lib/modules/$(KERNEL_RELEASE)/build/Makefile),kdir:/lib/modules/$(KERNEL_RELEASE)/build,distro-6.12)
else
KDIR_KIND := kdir:$(KDIR)
endif
HAKMEM_MODE ?= hybrid
# default: the one of the unpacked linux-source (tools/vm/build-kernel.sh
# source unpacks it on a fresh machine: a make variable, expanded with the
# recipe before its first line runs, could not find it yet)
CHECKPATCH ?=
# common/tests/hm_test.h defines HM_TEST_SUITES, a bare comma list for
# kunit_test_suites(), which cannot be parenthesized: COMPLEX_MACRO is
# ignored for that one file.
CHECKPATCH_LIST_FILE := common/tests/hm_test.h
KERNEL_SRCS := $(wildcard kernel/*.c kernel/*.h common/*.c common/*.h common/tests/*.c common/tests/*.h)

# Short reps, many of them, and more boots (up to BENCH_MAX_BOOTS) while
# the interquartile range of the per-boot medians of SLUB's pair rows is
# over 25% of their median: see Documentation/benchmarks-kernel.rst.
BENCH_BOOTS ?= 5
BENCH_MAX_BOOTS ?= 15
BENCH_OPS ?= 20000
BENCH_REPS ?= 21
BENCH_QEMU_OPS ?= 1000
BENCH_QEMU_REPS ?= 41
BENCH_QEMU_KIND ?= distro-6.12

STRESS_KERNEL_SMOKE_OPS ?= 1000000
STRESS_KERNEL_SMOKE_FAULT_OPS ?= 200000
STRESS_KERNEL_OPS ?= 10000000
STRESS_KERNEL_FAULT_OPS ?= 2000000
STRESS_KERNEL_FAULT_PCT ?= 20
STRESS_KERNEL_KINDS ?= x86_64 distro-6.12
STRESS_KERNEL_SEED ?=
# seconds one soak boot may take (x86_64-kasan is the slowest)
STRESS_KERNEL_TIMEOUT ?= 2400

.PHONY: module module-check checkpatch sparse run-vm test-vm kunit kunit-uml \
	kunit-x86_64 kunit-init-on-free test-kernel bench-kernel bench-kernel-debug bench-kernel-qemu stress-kernel \
	stress-kernel-smoke

module:
	$(Q)kernel/kmod.sh $(KDIR_KIND) >/dev/null
	@echo "modules: build/kmod/$(notdir $(subst kdir:,,$(KDIR_KIND)))/*.ko"

checkpatch:
	$(Q)tools/deps.sh kunit
	$(Q)cp="$(CHECKPATCH)"; \
	if [ -z "$$cp" ]; then \
		src=$$(tools/vm/build-kernel.sh source | sed -n 's/^KSRC=//p') || exit 1; \
		cp=$$src/scripts/checkpatch.pl; \
	fi; \
	test -f "$$cp" || { echo "checkpatch.pl not found: $$cp"; exit 1; }; \
	out=$$(perl "$$cp" --strict --no-tree --terse --show-types \
		-f $(filter-out $(CHECKPATCH_LIST_FILE),$(KERNEL_SRCS)) 2>&1; \
		perl "$$cp" --strict --no-tree --terse --show-types \
		--ignore COMPLEX_MACRO -f $(CHECKPATCH_LIST_FILE) 2>&1); \
	out=$$(echo "$$out" | grep -v '^total: 0 errors, 0 warnings, 0 checks' || true); \
	if [ -n "$$out" ]; then echo "$$out"; echo "checkpatch: FAIL"; exit 1; fi; \
	echo "checkpatch --strict: $(words $(KERNEL_SRCS)) files clean"

# C=2 runs sparse on every file, rebuilt or not; kmod.sh fails on any of
# its warnings.  The x86_64 KUnit kernel also covers the test module.
sparse:
	$(Q)tools/deps.sh lint
	$(Q)kernel/kmod.sh distro-6.12 C=2 >/dev/null
	$(Q)kernel/kmod.sh x86_64 C=2 >/dev/null
	@echo "sparse (C=2; distro 6.12 and the x86_64 KUnit kernel): clean"

module-check: checkpatch
	$(Q)for k in distro-6.1 distro-6.12 uml; do kernel/kmod.sh $$k >/dev/null || exit 1; done
	$(Q)$(MAKE) --no-print-directory sparse
	@echo "module-check: PASS (W=1 on 6.1, 6.12, UML KUnit; checkpatch --strict; sparse)"

run-vm:
	$(Q)mkdir -p build/vm; rc=0; \
	kernel/vm-run.sh smoke distro-6.12 --smp 2 --append "HAKMEM_MODE=$(HAKMEM_MODE)" \
		>build/vm/run-vm.out 2>&1 || rc=1; \
	log=build/vm/smoke-distro-6.12.log; \
	if [ -s $$log ]; then kernel/run-summary.sh $$log build/vm/run-vm.out; \
	else cat build/vm/run-vm.out; fi; \
	exit $$rc

test-vm:
	$(Q)mkdir -p build/vm; rc=0; tools/vm/test-retry.sh distro-6.12 || rc=1; \
	for k in distro-6.1 distro-6.12; do \
		kernel/vm-run.sh smoke $$k --smp 2 --append "HAKMEM_MODE=$(HAKMEM_MODE)" \
			>build/vm/test-vm-$$k.out 2>&1 || rc=1; \
		grep -h 'booting again' build/vm/test-vm-$$k.out || true; \
		grep -A20 '^== smoke' build/vm/test-vm-$$k.out; \
	done; exit $$rc

kunit-uml:
	$(Q)kernel/vm-run.sh kunit uml

kunit-x86_64:
	$(Q)kernel/vm-run.sh kunit x86_64 --smp 2

kunit-init-on-free:
	$(Q)kernel/vm-run.sh kunit x86_64 --smp 2 --append init_on_free=1

kunit:
	$(Q)rc=0; $(MAKE) --no-print-directory kunit-uml || rc=1; \
	$(MAKE) --no-print-directory kunit-x86_64 || rc=1; exit $$rc

# vm-stress KINDS OPS FAULT_OPS EXTRA TIMEOUT: the stress scenario on each kind;
# prints every run's result line and the verdict, fails if any fails
define vm-stress
	$(Q)mkdir -p build/vm; rc=0; for k in $(1); do \
		t0=$$(date +%s); \
		kernel/vm-run.sh stress $$k --smp 2 --timeout $(5) --append "HAKMEM_STRESS_OPS=$(2) \
			HAKMEM_STRESS_FAULT_OPS=$(3) HAKMEM_STRESS_FAULT_PCT=$(STRESS_KERNEL_FAULT_PCT) \
			$(4) $(if $(STRESS_KERNEL_SEED),HAKMEM_STRESS_SEED=$(STRESS_KERNEL_SEED))" \
			>build/vm/stress-$$k.out 2>&1 || rc=1; \
		grep -E '^(== stress|stress [a-z-]+:|result=|fail_chunk:|@@ FAIL)' \
			build/vm/stress-$$k.log build/vm/stress-$$k.out 2>/dev/null | \
			sed 's|^build/vm/[^:]*:||' | cut -c1-200; \
		tail -n 1 build/vm/stress-$$k.out; \
		echo "stress on $$k: $$(($$(date +%s) - t0)) s host wall time (build, boot, runs, verdict)"; \
	done; exit $$rc
endef

stress-kernel-smoke:
	$(call vm-stress,x86_64 distro-6.12,$(STRESS_KERNEL_SMOKE_OPS),$(STRESS_KERNEL_SMOKE_FAULT_OPS),,900)

stress-kernel:
	$(call vm-stress,$(STRESS_KERNEL_KINDS),$(STRESS_KERNEL_OPS),$(STRESS_KERNEL_FAULT_OPS),HAKMEM_STRESS_ALL=1,$(STRESS_KERNEL_TIMEOUT))

test-kernel:
	$(Q)rc=0; for t in module-check test-vm kunit kunit-init-on-free stress-kernel-smoke; do \
		$(MAKE) --no-print-directory $$t || rc=1; done; exit $$rc

bench-kernel:
	$(Q)kernel/bench-kernel.sh uml-perf --boots $(BENCH_BOOTS) --max-boots $(BENCH_MAX_BOOTS) \
		--ops $(BENCH_OPS) --reps $(BENCH_REPS)

BENCH_DEBUG_ROWS := work=pair,alloc=slub,alloc=hm-bitmap,alloc=hm-bitmap-dbg,alloc=hm-freelist,$\
		    alloc=hm-freelist-dbg,alloc=hm-hybrid,alloc=hm-hybrid-dbg

bench-kernel-debug:
	$(Q)kernel/bench-kernel.sh uml-perf --name debug --boots $(BENCH_BOOTS) \
		--max-boots $(BENCH_MAX_BOOTS) --ops $(BENCH_OPS) --reps $(BENCH_REPS) \
		--only '$(BENCH_DEBUG_ROWS)'

# CPU 1: CPU 0 takes the emulated devices' interrupts.  Debian's kernel
# zeroes every SLUB object (init_on_alloc); hakmem does not: off for both.
bench-kernel-qemu:
	$(Q)kernel/bench-kernel.sh $(BENCH_QEMU_KIND) --smp 2 --cpu 1 --boots $(BENCH_BOOTS) \
		--max-boots $(BENCH_MAX_BOOTS) --ops $(BENCH_QEMU_OPS) --reps $(BENCH_QEMU_REPS) \
		--append init_on_alloc=0
