# SPDX-License-Identifier: GPL-2.0
#
# tools/bench/bench.mk - hakmem-bench targets, included by the top-level
# Makefile (which provides CC, BUILD, Q, WARN).
#
#   make bench              quick timing sweep (BENCH_QUICK=1, the default)
#   make bench BENCH_FULL=1 the full one (more ops, 3 rounds of 5 reps)
#   make bench-callgrind    instructions, D1 misses, mispredicts per op;
#                           cache lines per call; slab geometry; annotations
#   make bench-debug-cost   the debug switches' instructions per op against
#                           the build without diagnostic code (-DHM_NO_DEBUG)
#   make bench-debug-floor  the least poison=1 track=1 can cost (a patched
#                           copy of the tree; its records as they are and
#                           at a fixed place) against the same two
#   make bench-plots        PNG plots of what make bench and bench-callgrind
#                           left in build/bench (make bench first if nothing)
#   make bench-smoke        every workload once per allocator, tiny N (seconds),
#                           and bad command lines (tools/bench/test-args.sh)
#   make bench-real         python3, sort, perl, gcc on glibc, libhakmem-preload.so
#                           (each mode), mimalloc, jemalloc, tcmalloc (LD_PRELOAD)
#   make bench-rss          resident memory of 10 000 objects of 4 to 64 KiB, and of
#                           1/4/8 threads churning 4-11 KiB ones, glibc
#                           against libhakmem-preload.so (tools/bench/rss.sh)
#   make bench-bins         the workload programs alone, build/bench/hm-ops-*
#                           (hm-ops-hakmem is what make install puts in as hakmem-ops)
#
# One workload program (tools/bench/hm-ops.c), one binary per allocator:
# hakmem (libhakmem.a, static), glibc, and mimalloc, jemalloc and tcmalloc
# each only when its library links (looked up when the binaries are built).

BENCH_DIR	:= $(BUILD)/bench
# (the first is what each rule compiles; the header: its number arguments)
BENCH_SRC	:= tools/bench/hm-ops.c tools/stress/stress-args.h
BENCH_LIBA	:= $(BUILD)/release/libhakmem.a
BENCH_CFLAGS	:= -std=gnu11 -O2 -g -pthread $(WARN)
BENCH_CG_N	?= 100000

.PHONY: bench bench-bins bench-build bench-callgrind bench-debug-cost bench-debug-floor \
	bench-plots bench-smoke \
	bench-real bench-rss

# the peers' link flags, probed only when the bench binaries are built
ifneq ($(filter bench-build,$(MAKECMDGOALS)),)
bench_links = $(shell printf 'int main(void){return 0;}\n' | \
		$(CC) -x c - -o /dev/null $(1) >/dev/null 2>&1 && echo y)
BENCH_PEERS := $(if $(call bench_links,-lmimalloc),mimalloc) \
	       $(if $(call bench_links,-ljemalloc),jemalloc) \
	       $(if $(call bench_links,-ltcmalloc_minimal),tcmalloc)
endif
BENCH_LDLIBS_mimalloc	:= -lmimalloc
BENCH_LDLIBS_jemalloc	:= -ljemalloc
BENCH_LDLIBS_tcmalloc	:= -ltcmalloc_minimal

BENCH_LIBS	= glibc $(BENCH_PEERS)
BENCH_BINS	= $(BENCH_DIR)/hm-ops-hakmem $(BENCH_DIR)/hm-ops-hakmem-trace \
		  $(foreach l,$(BENCH_LIBS),$(BENCH_DIR)/hm-ops-$(l) $(BENCH_DIR)/hm-ops-$(l)-trace) \
		  $(BENCH_DIR)/hm-geometry $(BENCH_DIR)/hm-rss

bench-bins:
	$(Q)tools/deps.sh build bench
	$(Q)$(MAKE) --no-print-directory VARIANT=release lib
	$(Q)$(MAKE) --no-print-directory VARIANT=release bench-build

bench-build: $(BENCH_BINS)
	@rm -f $(filter-out $(BENCH_BINS) $(BENCH_DIR)/hm-ops-hakmem-nodebug,$(wildcard $(BENCH_DIR)/hm-ops-*))

$(BENCH_DIR)/hm-ops-hakmem: $(BENCH_SRC) $(BENCH_LIBA)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BENCH_CFLAGS) -Iuserspace/include -DBENCH_HAKMEM -DBENCH_LIB='"hakmem"' \
		-o $@ $< $(BENCH_LIBA)

# the baseline of the switches' cost: the same fast path, no diagnostic code
$(BENCH_DIR)/hm-ops-hakmem-nodebug: $(BENCH_SRC) $(BUILD)/nodebug/libhakmem.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BENCH_CFLAGS) -Iuserspace/include -DBENCH_HAKMEM -DBENCH_LIB='"hakmem"' \
		-o $@ $< $(BUILD)/nodebug/libhakmem.a

$(BENCH_DIR)/hm-ops-hakmem-trace: $(BENCH_SRC) $(BENCH_LIBA)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BENCH_CFLAGS) -Iuserspace/include -DBENCH_HAKMEM -DBENCH_TRACE \
		-DBENCH_LIB='"hakmem"' -o $@ $< $(BENCH_LIBA)

# the peer library first, so that its malloc/free are the ones bound
$(BENCH_DIR)/hm-ops-%-trace: $(BENCH_SRC)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BENCH_CFLAGS) -DBENCH_TRACE -DBENCH_LIB='"$*"' -o $@ $< \
		-Wl,--no-as-needed $(BENCH_LDLIBS_$*)

$(BENCH_DIR)/hm-ops-%: $(BENCH_SRC)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BENCH_CFLAGS) -DBENCH_LIB='"$*"' -o $@ $< -Wl,--no-as-needed $(BENCH_LDLIBS_$*)

$(BENCH_DIR)/hm-geometry: tools/bench/hm-geometry.c $(BENCH_LIBA)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BENCH_CFLAGS) -Icommon -Iuserspace -Iuserspace/include -o $@ $< $(BENCH_LIBA)

# the malloc of whichever library the process has (LD_PRELOAD): no link
$(BENCH_DIR)/hm-rss: tools/bench/hm-rss.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $<

bench: bench-bins
	$(Q)tools/bench/hakmem-bench $(if $(filter 1,$(BENCH_FULL)),-f,-q) -o $(BENCH_DIR)
	$(Q)tools/bench/table.sh -k ns $(BENCH_DIR)

bench-debug-cost: bench-nodebug
	$(Q)tools/bench/debug-cost.sh -n $(BENCH_CG_N) -o $(BENCH_DIR)

bench-debug-floor: bench-nodebug
	$(Q)tools/bench/debug-floor.sh -n $(BENCH_CG_N) -o $(BENCH_DIR)

# the two builds the debug-cost tables compare: with the debug code and without
.PHONY: bench-nodebug
bench-nodebug: bench-bins
	$(Q)$(MAKE) --no-print-directory VARIANT=nodebug EXTRA_CFLAGS=-DHM_NO_DEBUG lib
	$(Q)$(MAKE) --no-print-directory $(BENCH_DIR)/hm-ops-hakmem-nodebug

bench-callgrind: bench-bins
	$(Q)tools/bench/callgrind-ops.sh -n $(BENCH_CG_N) -o $(BENCH_DIR)
	$(Q)$(BENCH_DIR)/hm-geometry > $(BENCH_DIR)/geometry.tsv
	$(Q)tools/bench/lines.sh -o $(BENCH_DIR) > /dev/null
	$(Q)tools/bench/annotate.sh -o $(BENCH_DIR)/annotate
	$(Q)tools/bench/table.sh -k net $(BENCH_DIR)

bench-plots:
	$(Q)tools/deps.sh bench
	$(Q)[ -f $(BENCH_DIR)/results.tsv ] || $(MAKE) --no-print-directory bench
	$(Q)tools/bench/plots.sh $(BENCH_DIR)

bench-real:
	$(Q)tools/deps.sh build bench preload
	$(Q)$(MAKE) --no-print-directory VARIANT=release $(BUILD)/release/libhakmem-preload.so
	$(Q)tools/bench/real-programs.sh -o $(BENCH_DIR)

bench-rss: bench-bins
	$(Q)tools/deps.sh build bench preload
	$(Q)$(MAKE) --no-print-directory VARIANT=release $(BUILD)/release/libhakmem-preload.so
	$(Q)tools/bench/rss.sh -o $(BENCH_DIR)

bench-smoke: bench-bins
	$(Q)tools/bench/test-args.sh $(BENCH_DIR) > $(BENCH_DIR)/args.log 2>&1 || \
		{ cat $(BENCH_DIR)/args.log; exit 1; }
	$(Q)tools/bench/hakmem-bench -s -o $(BENCH_DIR)/smoke
	@# the binaries through a directory with a space in its name: the
	@# xargs workers once split it
	$(Q)ln -sfn .. "$(BENCH_DIR)/smoke/bin dir"
	$(Q)tools/bench/callgrind-ops.sh -n 1000 -a hm-hybrid -w g -z 64 -b "$(BENCH_DIR)/smoke/bin dir" \
		-o $(BENCH_DIR)/smoke 2>/dev/null
	$(Q)grep -q '^hakmem	hm-hybrid	g	64	1000	' $(BENCH_DIR)/smoke/callgrind.tsv || \
		{ echo "bench-smoke: callgrind-ops left no row"; exit 1; }
	$(Q)patch -s --dry-run -p1 < tools/bench/debug-floor.patch > /dev/null || \
		{ echo "bench-smoke: tools/bench/debug-floor.patch no longer applies"; exit 1; }
	@echo "bench-smoke: every workload ran on every allocator"
