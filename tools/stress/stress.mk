# SPDX-License-Identifier: GPL-2.0
#
# tools/stress/stress.mk - stress, fault injection and fuzzing of libhakmem
# (included by the top-level Makefile; see Documentation/stress.rst).
#
#   make stress-smoke    hakmem-stress, a short run per mode and one on malloc
#                        (and its bad arguments: tools/stress/test-args.sh)
#   make stress-soak     the same, minutes per mode (STRESS_SOAK_SECONDS)
#   make stress-asan     stress (three mixes), faults and the fuzz target's
#                        own driver under ASan+UBSan
#   make stress-tsan     stress (three mixes) and faults under ThreadSanitizer
#   make stress-faults   hakmem-faults: HAKMEM_FAIL_EVERY=N for several N
#                        (and its bad arguments: tools/stress/test-args.sh)
#   make stress-flip     hakmem-flip: the debug switches flipped in a tight
#                        loop under a cross-thread load with bad frees and
#                        writes after free, each mode (release, ASan, TSan)
#   make fuzz-smoke      fuzz_hakmem (libFuzzer), bounded, each mode
#   make fuzz            the same, FUZZ_SECONDS per mode
#   make fuzz-standalone  the fuzz target's own driver under gcc over
#                        the corpus and random inputs (and its bad
#                        arguments), each mode
#   make fuzz-corpus     regenerate the seed corpus in tools/stress/corpus/
#   make stress-repro    the reproducers of bugs found (fails while any is open)
#   make stress          smoke, faults, flip and fuzz-smoke
#
# Binaries are built by a recursive make in the variant's directory, with
# the top Makefile's rules for the library objects: build/stress (release
# flags), build/stress-asan, build/stress-tsan, build/fuzz (clang).

STRESS_MODES		?= bitmap freelist hybrid
STRESS_THREADS		?= 4
STRESS_SMOKE_SECONDS	?= 2
STRESS_SOAK_SECONDS	?= 120
STRESS_SOAK_THREADS	?= 8
STRESS_SAN_SECONDS	?= 2
STRESS_FAULTS_EVERY	?= 1,2,3,5,8,13,64
STRESS_FAULTS_OPS	?= 20000
# hakmem-flip: seconds per run, and its mixes (each in every mode)
STRESS_FLIP_SECONDS	?= 2
STRESS_FLIP_MIXES	?= "-x -X -l 20000 -K -B -c -P" "-x -U -X -A" "-x -Z -X -F" "-x -H -X -l 20000"
# the sanitizer runs add this mix: small objects only, almost all freed remotely
STRESS_HARD_ARGS	?= --threads 8 --large 0 --remote 95
# and this one: hm_set_debug() switching poisoning, tracking, checks under load
STRESS_FLIP_ARGS	?= --threads 4 --debug-flip 20
# and it again with each context's switches changing in steps this many us
# apart (HAKMEM_TEST_SWITCH_PAUSE): threads see them half changed
STRESS_SWITCH_PAUSE_US	?= 1000
FUZZ_SMOKE_RUNS		?= 20000
FUZZ_SMOKE_SECONDS	?= 20
FUZZ_SECONDS		?= 600
FUZZ_CC			?= clang

STRESS_ASAN_FLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
STRESS_TSAN_FLAGS := -O1 -fsanitize=thread
STRESS_ASAN_ENV   := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
STRESS_TSAN_ENV   := TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
FUZZ_FLAGS        := -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
		     -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_ENV          := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
FUZZ_CORPUS       := tools/stress/corpus

# the recursive make, quiet about goals that are up to date unless V=1
STRESS_MAKE = $(MAKE) --no-print-directory $(if $(filter 1,$(V)),,-s)

STRESS_BIN = $(BUILD)/$(1)/hakmem-stress
FAULTS_BIN = $(BUILD)/$(1)/hakmem-faults

.PHONY: stress stress-smoke stress-soak stress-asan stress-tsan stress-faults stress-flip \
	fuzz fuzz-smoke fuzz-corpus fuzz-standalone stress-repro

# ---- binaries: rules for the variant a recursive make builds ($(OUT)) ----

$(OUT)/hakmem-stress: tools/stress/hakmem-stress.c $(OUT)/libhakmem.a
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(OUT)/libhakmem.a -luring

$(OUT)/hakmem-faults: tools/stress/hakmem-faults.c $(OUT)/libhakmem.a
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(OUT)/libhakmem.a

$(OUT)/hakmem-flip: tools/stress/hakmem-flip.c $(OUT)/libhakmem.a
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(OUT)/libhakmem.a

# libFuzzer: the library objects are instrumented too (fuzzer-no-link)
$(OUT)/fuzz_hakmem: tools/stress/fuzz_hakmem.c $(OUT)/libhakmem.a
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(OUT)/libhakmem.a

# the same target with its own driver (no libFuzzer needed)
$(OUT)/fuzz_hakmem-standalone: tools/stress/fuzz_hakmem.c $(OUT)/libhakmem.a
	$(Q)$(CC) $(ALL_CFLAGS) -DFUZZ_STANDALONE -MMD -MP -o $@ $< $(OUT)/libhakmem.a

# reproducers of allocator bugs the tools found
$(OUT)/repro-%: tools/stress/repro/repro-%.c $(OUT)/libhakmem.a
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(OUT)/libhakmem.a

# these interpose a function the library calls: the shared library, -ldl
$(OUT)/repro-remote-free-release: tools/stress/repro/repro-remote-free-release.c $(OUT)/libhakmem.so
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< -L$(OUT) -Wl,-rpath,$(abspath $(OUT)) -lhakmem -ldl

$(OUT)/repro-debug-new-context: tools/stress/repro/repro-debug-new-context.c $(OUT)/libhakmem.so
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< -L$(OUT) -Wl,-rpath,$(abspath $(OUT)) -lhakmem -ldl

STRESS_REPROS := $(patsubst tools/stress/repro/%.c,%,$(wildcard tools/stress/repro/repro-*.c))

-include $(STRESS_REPROS:%=$(OUT)/%.d)
-include $(OUT)/hakmem-stress.d $(OUT)/hakmem-faults.d $(OUT)/hakmem-flip.d $(OUT)/fuzz_hakmem.d \
	 $(OUT)/fuzz_hakmem-standalone.d

# ---- helpers ------------------------------------------------------------

# $(call stress_run,VARIANT,ENV,ARGS,LOG): run, keep the log, show the result
define stress_run
	mkdir -p $(BUILD)/$(1); \
	if $(2) $(call STRESS_BIN,$(1)) $(3) > $(BUILD)/$(1)/$(4).log 2>&1; then \
		grep '^RESULT' $(BUILD)/$(1)/$(4).log; \
	else \
		{ grep -m1 -A30 -E 'ERROR: |WARNING: |FAIL' $(BUILD)/$(1)/$(4).log || \
		  tail -n 40 $(BUILD)/$(1)/$(4).log; } | head -n 40; \
		echo "stress: FAILED: $(call STRESS_BIN,$(1)) $(3) (log: $(BUILD)/$(1)/$(4).log)"; \
		exit 1; \
	fi
endef

stress-deps:
	$(Q)tools/deps.sh build

.PHONY: stress-deps

# ---- stress -------------------------------------------------------------

stress-smoke: stress-deps
	$(Q)$(STRESS_MAKE) VARIANT=stress $(call STRESS_BIN,stress)
	$(Q)tools/stress/test-args.sh stress $(call STRESS_BIN,stress) > $(BUILD)/stress/args.log 2>&1 || \
		{ cat $(BUILD)/stress/args.log; exit 1; }
	$(Q)for m in $(STRESS_MODES); do \
		$(call stress_run,stress,,--mode $$m --threads $(STRESS_THREADS) --seconds $(STRESS_SMOKE_SECONDS),smoke-$$m); \
	done
	$(Q)$(call stress_run,stress,,--allocator=system --threads $(STRESS_THREADS) --seconds 1,smoke-system)

stress-soak: stress-deps
	$(Q)$(STRESS_MAKE) VARIANT=stress $(call STRESS_BIN,stress)
	$(Q)for m in $(STRESS_MODES); do \
		$(call stress_run,stress,,--mode $$m --threads $(STRESS_SOAK_THREADS) --seconds $(STRESS_SOAK_SECONDS),soak-$$m); \
	done
	$(Q)$(call stress_run,stress,,--allocator=system --threads $(STRESS_SOAK_THREADS) --seconds $(STRESS_SOAK_SECONDS),soak-system)

stress-asan: stress-deps
	$(Q)tools/deps.sh sanitize
	$(Q)$(STRESS_MAKE) VARIANT=stress-asan EXTRA_CFLAGS="$(STRESS_ASAN_FLAGS)" \
		$(call STRESS_BIN,stress-asan) $(call FAULTS_BIN,stress-asan) \
		$(BUILD)/stress-asan/fuzz_hakmem-standalone
	$(Q)for m in $(STRESS_MODES); do \
		$(call stress_run,stress-asan,$(STRESS_ASAN_ENV),--mode $$m --threads $(STRESS_THREADS) --seconds $(STRESS_SAN_SECONDS),smoke-$$m); \
		$(call stress_run,stress-asan,$(STRESS_ASAN_ENV),--mode $$m $(STRESS_HARD_ARGS) --seconds $(STRESS_SAN_SECONDS),hard-$$m); \
		$(call stress_run,stress-asan,$(STRESS_ASAN_ENV),--mode $$m $(STRESS_FLIP_ARGS) --seconds $(STRESS_SAN_SECONDS),flip-$$m); \
		$(call stress_run,stress-asan,HAKMEM_TEST_SWITCH_PAUSE=$(STRESS_SWITCH_PAUSE_US) $(STRESS_ASAN_ENV),--mode $$m $(STRESS_FLIP_ARGS) --seconds $(STRESS_SAN_SECONDS),flip-paused-$$m); \
	done
	$(Q)for m in $(STRESS_MODES); do \
		$(STRESS_ASAN_ENV) $(call FAULTS_BIN,stress-asan) --mode $$m --every 1,3,8 --ops 5000 || exit 1; \
	done
	$(Q)for m in $(STRESS_MODES); do \
		HAKMEM_MODE=$$m $(STRESS_ASAN_ENV) $(BUILD)/stress-asan/fuzz_hakmem-standalone \
			-n 300 $(FUZZ_CORPUS) || exit 1; \
	done

stress-tsan: stress-deps
	$(Q)tools/deps.sh sanitize
	$(Q)$(STRESS_MAKE) VARIANT=stress-tsan EXTRA_CFLAGS="$(STRESS_TSAN_FLAGS)" \
		$(call STRESS_BIN,stress-tsan) $(call FAULTS_BIN,stress-tsan)
	$(Q)for m in $(STRESS_MODES); do \
		$(call stress_run,stress-tsan,$(STRESS_TSAN_ENV),--mode $$m --threads $(STRESS_THREADS) --seconds $(STRESS_SAN_SECONDS),smoke-$$m); \
		$(call stress_run,stress-tsan,$(STRESS_TSAN_ENV),--mode $$m $(STRESS_HARD_ARGS) --seconds $(STRESS_SAN_SECONDS),hard-$$m); \
		$(call stress_run,stress-tsan,$(STRESS_TSAN_ENV),--mode $$m $(STRESS_FLIP_ARGS) --seconds $(STRESS_SAN_SECONDS),flip-$$m); \
		$(call stress_run,stress-tsan,HAKMEM_TEST_SWITCH_PAUSE=$(STRESS_SWITCH_PAUSE_US) $(STRESS_TSAN_ENV),--mode $$m $(STRESS_FLIP_ARGS) --seconds $(STRESS_SAN_SECONDS),flip-paused-$$m); \
	done
	$(Q)for m in $(STRESS_MODES); do \
		$(STRESS_TSAN_ENV) $(call FAULTS_BIN,stress-tsan) --mode $$m --every 2,8 --ops 3000 || exit 1; \
	done

stress-faults: stress-deps
	$(Q)$(STRESS_MAKE) VARIANT=stress $(call FAULTS_BIN,stress)
	$(Q)tools/stress/test-args.sh faults $(call FAULTS_BIN,stress) > $(BUILD)/stress/faults-args.log 2>&1 || \
		{ cat $(BUILD)/stress/faults-args.log; exit 1; }
	$(Q)for m in $(STRESS_MODES); do \
		$(call FAULTS_BIN,stress) --mode $$m --every $(STRESS_FAULTS_EVERY) \
			--ops $(STRESS_FAULTS_OPS) || exit 1; \
	done

# the classes in the caches' mode; the sanitizers' runs with the first mix
stress-flip: stress-deps
	$(Q)tools/deps.sh sanitize
	$(Q)$(STRESS_MAKE) VARIANT=stress $(BUILD)/stress/hakmem-flip
	$(Q)$(STRESS_MAKE) VARIANT=stress-asan EXTRA_CFLAGS="$(STRESS_ASAN_FLAGS)" \
		$(BUILD)/stress-asan/hakmem-flip
	$(Q)$(STRESS_MAKE) VARIANT=stress-tsan EXTRA_CFLAGS="$(STRESS_TSAN_FLAGS)" \
		$(BUILD)/stress-tsan/hakmem-flip
	$(Q)for m in $(STRESS_MODES); do \
		for a in $(STRESS_FLIP_MIXES); do \
			echo "== hakmem-flip -m $$m $$a"; \
			HAKMEM_MODE=$$m $(BUILD)/stress/hakmem-flip -m $$m -s $(STRESS_FLIP_SECONDS) $$a \
				> $(BUILD)/stress/flip.log 2>&1 || { tail -n 30 $(BUILD)/stress/flip.log; exit 1; }; \
			tail -n 1 $(BUILD)/stress/flip.log; \
		done; \
		for v in asan tsan; do \
			echo "== hakmem-flip ($$v) -m $$m -x -X -l 5000 -K"; \
			HAKMEM_MODE=$$m $(STRESS_ASAN_ENV) $(STRESS_TSAN_ENV) $(BUILD)/stress-$$v/hakmem-flip \
				-m $$m -s $(STRESS_FLIP_SECONDS) -x -X -l 5000 -K \
				> $(BUILD)/stress-$$v/flip.log 2>&1 || { tail -n 40 $(BUILD)/stress-$$v/flip.log; exit 1; }; \
			tail -n 1 $(BUILD)/stress-$$v/flip.log; \
		done; \
	done

# ---- fuzzing --------------------------------------------------------------

# new inputs go to build/fuzz/corpus-MODE; the committed seeds are read only
define fuzz_run
	for m in $(STRESS_MODES); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$m $(BUILD)/fuzz/artifacts; \
		echo "== fuzz_hakmem, classes in $$m mode: $(1)"; \
		HAKMEM_MODE=$$m $(FUZZ_ENV) $(BUILD)/fuzz/fuzz_hakmem $(1) -seed=1 -timeout=20 \
			-rss_limit_mb=4096 -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/artifacts/$$m- \
			$(BUILD)/fuzz/corpus-$$m $(FUZZ_CORPUS) > $(BUILD)/fuzz/fuzz-$$m.log 2>&1 \
		|| { tail -n 60 $(BUILD)/fuzz/fuzz-$$m.log; echo "fuzz: FAILED ($$m)"; exit 1; }; \
		grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' $(BUILD)/fuzz/fuzz-$$m.log; \
	done
endef

fuzz-build: stress-deps
	$(Q)tools/deps.sh sanitize
	$(Q)$(STRESS_MAKE) VARIANT=fuzz CC=$(FUZZ_CC) EXTRA_CFLAGS="$(FUZZ_FLAGS)" \
		$(BUILD)/fuzz/fuzz_hakmem

.PHONY: fuzz-build

fuzz-smoke: fuzz-build
	$(Q)$(call fuzz_run,-runs=$(FUZZ_SMOKE_RUNS) -max_total_time=$(FUZZ_SMOKE_SECONDS))

fuzz: fuzz-build
	$(Q)$(call fuzz_run,-max_total_time=$(FUZZ_SECONDS))

# the standalone driver under gcc, replaying the corpus and random inputs
fuzz-standalone: stress-deps
	$(Q)$(STRESS_MAKE) VARIANT=stress $(BUILD)/stress/fuzz_hakmem-standalone
	$(Q)tools/stress/test-args.sh fuzz $(BUILD)/stress/fuzz_hakmem-standalone > $(BUILD)/stress/fuzz-args.log 2>&1 || \
		{ cat $(BUILD)/stress/fuzz-args.log; exit 1; }
	$(Q)for m in $(STRESS_MODES); do \
		HAKMEM_MODE=$$m $(BUILD)/stress/fuzz_hakmem-standalone -n 2000 $(FUZZ_CORPUS) || exit 1; \
	done

fuzz-corpus:
	$(Q)$(STRESS_MAKE) VARIANT=stress $(BUILD)/stress/fuzz_hakmem-standalone
	$(Q)mkdir -p $(FUZZ_CORPUS)
	$(Q)$(BUILD)/stress/fuzz_hakmem-standalone --mkcorpus $(FUZZ_CORPUS)

stress-repro: stress-deps
	$(Q)$(STRESS_MAKE) VARIANT=stress $(STRESS_REPROS:%=$(BUILD)/stress/%)
	$(Q)open=0; for r in $(STRESS_REPROS); do \
		echo "== $$r"; $(BUILD)/stress/$$r || open=$$((open + 1)); \
	done; echo "stress-repro: $$open of $(words $(STRESS_REPROS)) bugs still present"; \
	[ $$open -eq 0 ]

stress: stress-smoke stress-faults stress-flip fuzz-smoke
