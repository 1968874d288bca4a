# SPDX-License-Identifier: GPL-2.0
#
# tools/heatmap/heatmap.mk - hakmem-heatmap's test and the documentation's
# pictures, included by the top-level Makefile (Documentation/tools.rst).
#
#   make test-heatmap     a known dump (rows, cells, states, ages), bad
#                         input, and real runs of the larson-like workload
#                         in each mode
#   make heatmap-images   Documentation/images/heatmap-<mode>.svg from a
#                         real run of the workload in each mode, and
#                         heatmap-hybrid-age.svg (the hybrid run, by age)

HEATMAP_WORKLOAD := $(BUILD)/release/heatmap-workload
# the pictures' run: ops per thread, slots, object size
HEATMAP_ARGS	 ?= 50000 1500 256

.PHONY: test-heatmap heatmap-images

$(BUILD)/release/heatmap-workload: tools/heatmap/heatmap-workload.c $(BUILD)/release/libhakmem.a
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/release/libhakmem.a

test-heatmap: deps
	$(Q)tools/deps.sh tools
	$(Q)$(MAKE) --no-print-directory VARIANT=release $(HEATMAP_WORKLOAD)
	$(Q)tools/heatmap/test-heatmap.sh $(HEATMAP_WORKLOAD)

heatmap-images: deps
	$(Q)$(MAKE) --no-print-directory VARIANT=release $(HEATMAP_WORKLOAD)
	$(Q)for m in bitmap freelist hybrid; do \
		$(HEATMAP_WORKLOAD) $$m $(HEATMAP_ARGS) > $(BUILD)/release/heatmap-$$m.slabs && \
		tools/heatmap/hakmem-heatmap $(BUILD)/release/heatmap-$$m.slabs \
			-o Documentation/images/heatmap-$$m.svg || exit 1; \
		echo "Documentation/images/heatmap-$$m.svg: $$(grep -c ' slab ' $(BUILD)/release/heatmap-$$m.slabs) slabs"; \
	done
	$(Q)tools/heatmap/hakmem-heatmap --age $(BUILD)/release/heatmap-hybrid.slabs \
		-o Documentation/images/heatmap-hybrid-age.svg
	@echo "Documentation/images/heatmap-hybrid-age.svg: the same hybrid run, by age"
