# SPDX-License-Identifier: GPL-2.0
#
# hakmem-slab: top-level Makefile.
#
#   make run      the main job: the module in a VM (see README.md)
#   make test     every test (userspace, then kernel: test-user, test-kernel)
#   make demo     the userspace library's demo in each mode
#   make lib      libhakmem.a, libhakmem.so and libhakmem-preload.so
#   make test-preload  real programs under LD_PRELOAD=libhakmem-preload.so
#   make test-stats-file  HAKMEM_STATS_FILE's writer across fork, ulimit -f,
#                 a planted link, chdir, dlclose, a large-only program and
#                 a set-user-ID program
#   make module   hakmem_slab.ko and its companions against KDIR
#   make install  libhakmem, hakmem.h, hakmem.pc, the tools (PREFIX, DESTDIR);
#                 also uninstall, modules_install (tools/pkg/pkg.mk)
#   make help     these lines, and those of each included .mk file
#   make clean    removes build/
#   make deps     installs the packages the userspace build needs, when
#                 missing (tools/deps.sh build)
#
# The userspace tests (Documentation/testing.rst):
#   make test-user       all of these, test-preload, bench-smoke and the
#                        stress targets' smokes (tools/stress/stress.mk)
#   make test-unit       the suites, -O2; the suites and cases hakmem-test's
#                        arguments select (tools/test/select-test.sh)
#   make test-modes      hakmem_api, hakmem_user and hakmem_posix with
#                        HAKMEM_MODE = each mode, and with HM_FLATMAP=0
#   make test-asan       the suites under ASan + UBSan and LeakSanitizer,
#                        test-modes' three in each mode
#   make test-tsan       the same under ThreadSanitizer
#   make test-valgrind   the same under memcheck
#   make test-clang      the suites built with clang (skipped without it)
#   make test-intrusive  the suites with the hybrid magazine as an
#                        intrusive list
#   make test-json       the JSON dump parses, with tracking on, each mode
#   make test-tool-uaf   ASan and memcheck report a use after free of a
#                        hakmem object (tools/test/uaf-test.sh)
#   make test-tools      test-pkg, test-top, test-heatmap, test-help,
#                        test-vm-args and check-docs
#   make coverage        the lines of common/ and userspace/ the suites run
#                        in every mode (gcov; tools/test/coverage.sh)
#   make test-help       make help names every target, and only targets
#   make test-vm-args    the VM harness scripts' bad command lines, and
#                        prefetch.sh's wait and stop after pids wrapped
#   make check-docs      the Documentation pages parse without an error or warning
#
# Kernel builds go through Kbuild; everything here is the userspace side
# and the orchestration of the VM harnesses under tools/vm/.

CC	?= gcc
BUILD	?= build
V	?= 0
Q	:= $(if $(filter 1,$(V)),,@)

CORE_SRCS := $(wildcard common/hm_*.c)
USER_SRCS := userspace/hakmem.c userspace/platform.c userspace/stats_file.c \
	     userspace/frag_dump.c userspace/hm_posix.c userspace/mallinfo.c \
	     userspace/debug_copies_avx2.c
TEST_SRCS := $(wildcard common/tests/*_test.c) common/tests/hm_test_common.c userspace/test/runner.c userspace/test/hm_user_test.c userspace/test/test_plat.c \
	     userspace/test/hm_posix_test.c

WARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wno-unused-parameter
CFLAGS_BASE := -std=gnu11 -O2 -g -fPIC -pthread $(WARN) \
	   -Icommon -Icommon/tests -Iuserspace -Iuserspace/include -Iuserspace/test
CFLAGS	?=
ALL_CFLAGS = $(CFLAGS_BASE) $(CFLAGS) $(EXTRA_CFLAGS)

# variant builds: $(BUILD)/<variant>/...
VARIANT	?= release
OUT	:= $(BUILD)/$(VARIANT)

LIB_OBJS  := $(patsubst %.c,$(OUT)/%.o,$(CORE_SRCS) $(USER_SRCS))
TEST_OBJS := $(patsubst %.c,$(OUT)/%.o,$(TEST_SRCS))

.PHONY: all lib help test-help test-vm-args check-docs test test-user test-tools test-preload test-stats-file test-unit test-asan test-tsan test-valgrind test-clang test-intrusive \
	test-modes coverage run demo clean deps module

all: lib

lib: $(OUT)/libhakmem.a $(OUT)/libhakmem.so $(OUT)/libhakmem-preload.so

$(OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# the hybrid debug route's copies once more for AVX2, picked at run time
# where the CPU has it (hm_user_cctx_copies())
ifneq ($(filter x86_64%,$(shell $(CC) -dumpmachine)),)
$(OUT)/userspace/debug_copies_avx2.o: ALL_CFLAGS += -mavx2
endif

$(OUT)/libhakmem.a: $(LIB_OBJS)
	$(Q)$(AR) rcs $@ $^

# never unloaded (-z nodelete): HAKMEM_STATS_FILE's writer thread and the
# thread-exit key would run in unmapped code after a dlclose()
$(OUT)/libhakmem.so: $(LIB_OBJS)
	$(Q)$(CC) -shared -pthread -Wl,-z,nodelete -o $@ $^

# the override library: the same objects and preload.c, which defines
# malloc & co (no builtins: calloc must not become malloc + memset, or
# the other way round); only those are exported, the rest binds locally
$(OUT)/userspace/preload.o: userspace/preload.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -fno-builtin -MMD -MP -c $< -o $@

$(OUT)/libhakmem-preload.so: $(LIB_OBJS) $(OUT)/userspace/preload.o userspace/preload.map
	$(Q)$(CC) -shared -pthread -Wl,--version-script=userspace/preload.map \
		-o $@ $(LIB_OBJS) $(OUT)/userspace/preload.o

$(OUT)/hakmem-test: $(TEST_OBJS) $(OUT)/libhakmem.a
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(TEST_OBJS) $(OUT)/libhakmem.a $(LDFLAGS_EXTRA)

$(OUT)/hakmem-demo: tools/demo/hakmem-demo.c $(OUT)/libhakmem.a
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(OUT)/libhakmem.a

-include $(LIB_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(OUT)/userspace/preload.d

deps:
	$(Q)tools/deps.sh build

# ---- tests -----------------------------------------------------------

# The unit tests check the library's defaults, so the caller's switches
# must not reach them: HAKMEM_MODE=freelist alone fails hm_user_set_debug,
# HAKMEM_FAIL_EVERY fails allocations, HAKMEM_ABORT_ON_ERROR=1 aborts the
# cases that count refused operations.  Every HAKMEM_* and HM_* variable
# of make's environment is unset; a target sets the ones it tests.
HM_TEST_ENV := env $(addprefix -u ,$(foreach v,$(filter HAKMEM_% HM_%,$(.VARIABLES)), \
		$(if $(filter environment%,$(origin $(v))),$(v))))

test-unit: deps
	$(Q)$(MAKE) --no-print-directory VARIANT=release $(BUILD)/release/hakmem-test
	$(Q)$(HM_TEST_ENV) $(BUILD)/release/hakmem-test
	@echo "== HAKMEM_ISA=sse2 (the hybrid debug route's SSE2 copies where the CPU has AVX2)"
	$(Q)$(HM_TEST_ENV) HAKMEM_ISA=sse2 $(BUILD)/release/hakmem-test hakmem_debug \
		hakmem_user.hm_user_malloc_poison_spans hakmem_user.hm_user_switch_flip_under_load
	$(Q)tools/test/select-test.sh $(BUILD)/release/hakmem-test

# the built-in classes in each mode (the core suites cover explicit caches)
test-modes: deps
	$(Q)$(MAKE) --no-print-directory VARIANT=release $(BUILD)/release/hakmem-test
	$(Q)for m in bitmap freelist hybrid; do \
		echo "== HAKMEM_MODE=$$m"; \
		$(HM_TEST_ENV) HAKMEM_MODE=$$m $(BUILD)/release/hakmem-test \
			hakmem_api hakmem_user hakmem_posix || exit 1; \
	done
	@echo "== HM_FLATMAP=0 (slab map without its flat bitmap: the radix tree only)"
	$(Q)$(HM_TEST_ENV) HM_FLATMAP=0 $(BUILD)/release/hakmem-test hakmem_api hakmem_slab hakmem_remote hakmem_user

ASAN_CFLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# The tools run every suite in the default mode (hybrid), then the suites
# whose cases depend on HAKMEM_MODE (test-modes' three) in the other two:
# hm_tool_modes,<tool and its environment>,<binary>.  Left out there: a
# case of an explicit hybrid cache whose 1500 rounds take half the run under
# ASan and TSan (it ran in the first run).  Each run prints its counts line;
# the first failing one fails the target.
HM_MODE_SUITES := hakmem_api hakmem_user hakmem_posix
HM_MODE_SKIP   := '!hakmem_user.hm_user_track_on_release_race'
define hm_tool_modes
	$(Q)echo "== HAKMEM_MODE unset (hybrid): every suite"
	$(Q)$(HM_TEST_ENV) $(1) $(2)
	$(Q)for m in bitmap freelist; do \
		echo "== HAKMEM_MODE=$$m: $(HM_MODE_SUITES)"; \
		$(HM_TEST_ENV) HAKMEM_MODE=$$m $(1) $(2) $(HM_MODE_SUITES) $(HM_MODE_SKIP) || exit 1; \
	done
endef

test-asan: deps
	$(Q)tools/deps.sh sanitize
	$(Q)$(MAKE) --no-print-directory VARIANT=asan EXTRA_CFLAGS="$(ASAN_CFLAGS)" \
		$(BUILD)/asan/hakmem-test
	$(call hm_tool_modes,ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1,$(BUILD)/asan/hakmem-test)

test-tsan: deps
	$(Q)tools/deps.sh sanitize
	$(Q)$(MAKE) --no-print-directory VARIANT=tsan \
		EXTRA_CFLAGS="-O1 -fsanitize=thread" $(BUILD)/tsan/hakmem-test
	$(call hm_tool_modes,TSAN_OPTIONS=halt_on_error=1,$(BUILD)/tsan/hakmem-test)

# gcov's line counts of the suites in every mode (not part of test-user)
coverage: deps
	$(Q)$(MAKE) --no-print-directory VARIANT=coverage EXTRA_CFLAGS="-O0 --coverage -DHM_COVERAGE" \
		$(BUILD)/coverage/hakmem-test
	$(Q)$(HM_TEST_ENV) tools/test/coverage.sh $(BUILD)/coverage

# the hybrid magazine as an intrusive list (measured against the array)
test-intrusive: deps
	$(Q)$(MAKE) --no-print-directory VARIANT=intrusive EXTRA_CFLAGS="-DHM_MAG_INTRUSIVE" \
		$(BUILD)/intrusive/hakmem-test
	$(Q)$(HM_TEST_ENV) $(BUILD)/intrusive/hakmem-test > $(BUILD)/intrusive/test.log && tail -1 $(BUILD)/intrusive/test.log

test-valgrind: deps
	$(Q)tools/deps.sh sanitize
	$(Q)$(MAKE) --no-print-directory VARIANT=valgrind EXTRA_CFLAGS="-DHM_VALGRIND" \
		$(BUILD)/valgrind/hakmem-test
	@# leaks: LeakSanitizer's job in test-asan; here some cases leave objects
	@# live in destroyed caches on purpose, which memcheck rightly calls lost
	$(call hm_tool_modes,valgrind -q --error-exitcode=9 --leak-check=no,$(BUILD)/valgrind/hakmem-test)

# the JSON dump parses, with tracking on (HAKMEM_DEBUG) in each mode; poison
# brings every cache's checks ("checks": true)
test-json: deps
	$(Q)$(MAKE) --no-print-directory VARIANT=release $(BUILD)/release/hakmem-demo
	$(Q)for m in bitmap freelist hybrid; do \
		HAKMEM_MODE=$$m HAKMEM_DEBUG="track=1 poison=1" $(BUILD)/release/hakmem-demo --json \
			> $(BUILD)/release/demo-$$m.json && \
		python3 -m json.tool $(BUILD)/release/demo-$$m.json > /dev/null && \
		grep -q '"sites": \[{' $(BUILD)/release/demo-$$m.json || exit 1; \
		grep -q '"debug": 3, "checks": true,' $(BUILD)/release/demo-$$m.json || \
			{ echo "json $$m: poison=1, yet no \"checks\": true"; exit 1; }; \
		! grep -q '"checks": false' $(BUILD)/release/demo-$$m.json || \
			{ echo "json $$m: poison=1, yet \"checks\": false"; exit 1; }; \
		echo "json $$m: valid, with call sites, checks on"; \
	done
	@# a bad command line is refused (2), a dump not written fails (1)
	$(Q)rc=0; $(BUILD)/release/hakmem-demo --bogus 2>/dev/null || rc=$$?; \
		[ $$rc = 2 ] || { echo "hakmem-demo --bogus: exit $$rc, not 2"; exit 1; }
	$(Q)rc=0; $(BUILD)/release/hakmem-demo --json >/dev/full 2>/dev/null || rc=$$?; \
		[ $$rc = 1 ] || { echo "hakmem-demo >/dev/full: exit $$rc, not 1"; exit 1; }
	@echo "demo: a bad command line and a full stdout fail"

# a use after free of a hakmem object must be reported by ASan and memcheck,
# the link word of a free-list or intrusive-magazine block included: each
# tool's library, and both built with the intrusive magazine (hybrid)
test-tool-uaf: test-asan test-valgrind
	$(Q)$(MAKE) --no-print-directory VARIANT=asan-intrusive \
		EXTRA_CFLAGS="$(ASAN_CFLAGS) -DHM_MAG_INTRUSIVE" $(BUILD)/asan-intrusive/libhakmem.a
	$(Q)$(MAKE) --no-print-directory VARIANT=valgrind-intrusive \
		EXTRA_CFLAGS="-DHM_VALGRIND -DHM_MAG_INTRUSIVE" $(BUILD)/valgrind-intrusive/libhakmem.a
	$(Q)$(MAKE) --no-print-directory VARIANT=asan-clang CC=clang \
		EXTRA_CFLAGS="$(ASAN_CFLAGS)" $(BUILD)/asan-clang/libhakmem.a
	$(Q)CC="$(CC)" CFLAGS="$(ALL_CFLAGS)" tools/test/uaf-test.sh $(BUILD)

# real programs (ls, sort, python3, perl, awk, git, gcc, threads, fork)
# under LD_PRELOAD=libhakmem-preload.so, in each mode and with the debug
# switches: the same output as on glibc, served by hakmem, nothing reported
test-preload: deps
	$(Q)tools/deps.sh preload
	$(Q)$(MAKE) --no-print-directory VARIANT=release $(BUILD)/release/libhakmem-preload.so \
		$(BUILD)/release/libhakmem.so $(BUILD)/release/libhakmem.a
	$(Q)CC=$(CC) tools/test/preload-test.sh $(BUILD)/release

test-stats-file: deps
	$(Q)$(MAKE) --no-print-directory VARIANT=release lib
	$(Q)CC=$(CC) tools/test/stats-file-test.sh $(BUILD)/release

test-clang:
	$(Q)if command -v clang >/dev/null; then \
		$(MAKE) --no-print-directory VARIANT=clang CC=clang $(BUILD)/clang/hakmem-test && \
		$(HM_TEST_ENV) $(BUILD)/clang/hakmem-test > $(BUILD)/clang/test.log 2>&1 && tail -1 $(BUILD)/clang/test.log; \
	else echo "clang not installed: skipped"; fi

test-user: test-unit test-modes test-asan test-tsan test-valgrind test-clang test-intrusive \
	test-tool-uaf test-json test-preload test-stats-file bench-smoke stress-smoke stress-faults fuzz-smoke \
	stress-asan stress-tsan test-tools

# the tools' tests (tools/pkg/pkg.mk, tools/top/top.mk, tools/heatmap/heatmap.mk)
test-tools: test-pkg test-top test-heatmap test-help test-vm-args check-docs

# every test: userspace suites (+ sanitizers), then the kernel module:
# style gate, VM smoke on Debian 6.1/6.12, KUnit under UML and QEMU -smp 2.
# A cold kernel cache is built meanwhile, at nice 19 (tools/vm/prefetch.sh).
test:
	$(Q)tools/vm/prefetch.sh start
	$(Q)$(MAKE) --no-print-directory test-user || { tools/vm/prefetch.sh stop; exit 1; }
	$(Q)tools/vm/prefetch.sh wait
	$(Q)$(MAKE) --no-print-directory test-kernel
	$(Q)$(MAKE) --no-print-directory test-dkms test-top-vm

# ---- main job --------------------------------------------------------

demo: deps
	$(Q)$(MAKE) --no-print-directory VARIANT=release $(BUILD)/release/hakmem-demo
	$(Q)for m in bitmap freelist hybrid; do HAKMEM_MODE=$$m $(BUILD)/release/hakmem-demo || exit 1; done

# the main job: boot Debian 6.12 under QEMU with the module, run a
# cross-CPU workload in each mode, show /sys/kernel/debug/hakmem/*
run: run-vm

clean:
	rm -rf $(BUILD)

# the "make X" lines of the header comments of this file and each .mk
HELP_FILES = Makefile kernel/kernel.mk tools/bench/bench.mk tools/stress/stress.mk \
	     tools/pkg/pkg.mk tools/top/top.mk tools/heatmap/heatmap.mk
help:
	@for f in $(HELP_FILES); do \
		echo "$$f:"; \
		awk 'NR > 1 && !/^#/ { exit } /^#   make / { p = 1; print substr($$0, 3); next } \
		     p && /^#     / { print substr($$0, 3); next } { p = 0 }' $$f; \
	done

# the VM harness scripts' bad command lines (nothing boots)
test-vm-args:
	$(Q)tools/vm/test-args.sh
	$(Q)tools/vm/test-prefetch.sh

# docutils, which Sphinx builds on: a python3 that has it (pip's or Debian's)
check-docs:
	$(Q)py=$$(for p in python3 /usr/bin/python3; do $$p -c 'import docutils' 2>/dev/null && { echo $$p; break; }; done); \
	if [ -z "$$py" ]; then tools/deps.sh docs && py=/usr/bin/python3; fi; \
	$$py tools/test/check-rst.py $$(find Documentation -name "*.rst" | sort)

# the targets only others depend on, which "make help" need not name
HELP_INTERNAL = all bench-build bench-nodebug fuzz-build pkg-build stress-deps

# every target "make help" names exists (the comments follow the rules),
# and every target of the makefiles, but HELP_INTERNAL, is named
test-help:
	$(Q)targets=$$($(MAKE) -pRrq -f Makefile : 2>/dev/null | \
		awk -F: '/^[a-zA-Z0-9][^$$#\/\t=]*:([^=]|$$)/ { print $$1 }' | sort -u); \
	named=$$($(MAKE) --no-print-directory help | sed -n 's/^ *make \([a-z0-9_-]*\).*/\1/p' | sort -u); \
	bad=0; for t in $$named; do \
		echo "$$targets" | grep -qx "$$t" || { echo "make help names '$$t', no such target"; bad=1; }; \
	done; \
	for t in $$(sed -n 's/^\([a-z][a-z0-9_-]*\):\([^=].*\)*$$/\1/p' $(HELP_FILES) | sort -u); do \
		case " $(HELP_INTERNAL) " in *" $$t "*) continue ;; esac; \
		echo "$$named" | grep -qx "$$t" || { echo "make help does not name target '$$t'"; bad=1; }; \
	done; [ $$bad = 0 ] && echo "test-help: make help names every target, and only targets"

# kernel module, VM harness and KUnit targets (module, run-vm, kunit, ...)
-include kernel/kernel.mk

# userspace benchmark (make bench), stress and fuzzing (make stress, fuzz)
-include tools/bench/bench.mk
-include tools/stress/stress.mk
# make install, uninstall, modules_install, dkms-source; test-pkg, test-dkms
-include tools/pkg/pkg.mk
# hakmem-top (test-top, test-top-vm), hakmem-heatmap (test-heatmap, heatmap-images)
-include tools/top/top.mk
-include tools/heatmap/heatmap.mk
