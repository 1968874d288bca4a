# SPDX-License-Identifier: GPL-2.0
#
# tools/pkg/pkg.mk - installation and packaging, included by the top-level
# Makefile (see Documentation/install.rst).
#
#   make install          libhakmem.a, libhakmem.so.$(HAKMEM_VERSION) (soname
#                         libhakmem.so.$(HAKMEM_SOMAJOR)), libhakmem-preload.so,
#                         hakmem.h, hakmem.pc
#                         and the tools under $(DESTDIR)$(PREFIX)
#   make uninstall        removes exactly what install put there
#   make modules_install  hakmem_slab.ko (and the example and bench modules)
#                         through Kbuild's modules_install for KDIR, under
#                         $(DESTDIR)/lib/modules/<release>/$(INSTALL_MOD_DIR)
#   make dkms-source      the module's sources and dkms.conf in
#                         $(DESTDIR)/usr/src/hakmem-slab-$(HAKMEM_VERSION)/
#   make test-pkg         install into a temporary DESTDIR, build and run
#                         tools/pkg/example.c with pkg-config, uninstall
#   make test-dkms        dkms add/build/install against Debian's headers
#                         in a private DKMS tree (tools/pkg/test-dkms.sh)
# Variables: PREFIX (/usr/local), DESTDIR, BINDIR, LIBDIR, INCLUDEDIR,
# PKGCONFIGDIR, KDIR (modules_install), INSTALL_MOD_DIR (extra),
# DKMS_KERNELS (test-dkms: default 6.12; "6.12 6.1" for both).

HAKMEM_VERSION	:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
HAKMEM_SOMAJOR	:= $(firstword $(subst ., ,$(HAKMEM_VERSION)))
PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
INSTALL_MOD_DIR	?= extra
INSTALL		?= install
DKMS_KERNELS	?= 6.12

SONAME		:= libhakmem.so.$(HAKMEM_SOMAJOR)
SOFILE		:= libhakmem.so.$(HAKMEM_VERSION)
PKG_OUT		:= $(BUILD)/release

# the tools, each installed when it exists (hakmem-stress and hakmem-ops
# only once built: make stress-smoke, make bench-bins)
PKG_TOOLS	= tools/top/hakmem-top tools/heatmap/hakmem-heatmap \
		  $(wildcard $(BUILD)/stress/hakmem-stress)
PKG_OPS		= $(wildcard $(BUILD)/bench/hm-ops-hakmem)

.PHONY: install uninstall modules_install dkms-source test-pkg test-dkms pkg-build

# the versioned shared library: same objects as libhakmem.so, with a soname
$(OUT)/$(SOFILE): $(LIB_OBJS)
	$(Q)$(CC) -shared -pthread -Wl,-z,nodelete -Wl,-soname,$(SONAME) -o $@ $^

$(OUT)/hakmem.pc: userspace/hakmem.pc.in dkms.conf FORCE
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(HAKMEM_VERSION)|' \
		$< > $@.tmp && mv $@.tmp $@

FORCE:

pkg-build:
	$(Q)test -n "$(HAKMEM_VERSION)" || { echo "pkg.mk: no PACKAGE_VERSION in dkms.conf"; exit 1; }
	$(Q)$(MAKE) --no-print-directory VARIANT=release $(PKG_OUT)/libhakmem.a \
		$(PKG_OUT)/$(SOFILE) $(PKG_OUT)/hakmem.pc $(PKG_OUT)/libhakmem-preload.so

install: pkg-build
	$(Q)$(INSTALL) -d "$(DESTDIR)$(LIBDIR)" "$(DESTDIR)$(INCLUDEDIR)" \
		"$(DESTDIR)$(PKGCONFIGDIR)" "$(DESTDIR)$(BINDIR)"
	$(Q)$(INSTALL) -m 644 $(PKG_OUT)/libhakmem.a "$(DESTDIR)$(LIBDIR)/libhakmem.a"
	$(Q)$(INSTALL) -m 755 $(PKG_OUT)/$(SOFILE) "$(DESTDIR)$(LIBDIR)/$(SOFILE)"
	$(Q)ln -sf $(SOFILE) "$(DESTDIR)$(LIBDIR)/$(SONAME)"
	$(Q)ln -sf $(SONAME) "$(DESTDIR)$(LIBDIR)/libhakmem.so"
	$(Q)$(INSTALL) -m 755 $(PKG_OUT)/libhakmem-preload.so "$(DESTDIR)$(LIBDIR)/libhakmem-preload.so"
	$(Q)$(INSTALL) -m 644 userspace/include/hakmem.h "$(DESTDIR)$(INCLUDEDIR)/hakmem.h"
	$(Q)$(INSTALL) -m 644 $(PKG_OUT)/hakmem.pc "$(DESTDIR)$(PKGCONFIGDIR)/hakmem.pc"
	$(Q)for t in $(PKG_TOOLS); do \
		$(INSTALL) -m 755 $$t "$(DESTDIR)$(BINDIR)/$$(basename $$t)" || exit 1; done
	$(Q)$(if $(PKG_OPS),$(INSTALL) -m 755 $(PKG_OPS) "$(DESTDIR)$(BINDIR)/hakmem-ops")
	@echo "installed libhakmem $(HAKMEM_VERSION) under $(DESTDIR)$(PREFIX)"

# the paths quoted: a DESTDIR with a space must not become two words, the
# first of them a file this would remove
uninstall:
	$(Q)rm -f "$(DESTDIR)$(LIBDIR)/libhakmem.a" "$(DESTDIR)$(LIBDIR)/$(SOFILE)" \
		"$(DESTDIR)$(LIBDIR)/$(SONAME)" "$(DESTDIR)$(LIBDIR)/libhakmem.so" \
		"$(DESTDIR)$(LIBDIR)/libhakmem-preload.so" "$(DESTDIR)$(INCLUDEDIR)/hakmem.h" \
		"$(DESTDIR)$(PKGCONFIGDIR)/hakmem.pc" \
		"$(DESTDIR)$(BINDIR)/hakmem-top" "$(DESTDIR)$(BINDIR)/hakmem-heatmap" \
		"$(DESTDIR)$(BINDIR)/hakmem-stress" "$(DESTDIR)$(BINDIR)/hakmem-ops"
	$(Q)rmdir "$(DESTDIR)$(PKGCONFIGDIR)" 2>/dev/null || true
	@echo "uninstalled libhakmem from $(DESTDIR)$(PREFIX)"

modules_install:
	$(Q)tools/pkg/modules-install.sh $(KDIR_KIND) "$(DESTDIR)" "$(INSTALL_MOD_DIR)"

dkms-source:
	$(Q)d="$(DESTDIR)/usr/src/hakmem-slab-$(HAKMEM_VERSION)"; \
	rm -rf "$$d" && $(INSTALL) -d "$$d/common" "$$d/kernel" && \
	$(INSTALL) -m 644 dkms.conf Kbuild "$$d/" && \
	$(INSTALL) -m 644 common/*.[ch] "$$d/common/" && \
	cp -r common/tests "$$d/common/" && \
	$(INSTALL) -m 644 kernel/*.[ch] "$$d/kernel/" && \
	echo "DKMS sources: $$d"

test-pkg:
	$(Q)tools/deps.sh build
	$(Q)tools/pkg/test-pkg.sh

test-dkms:
	$(Q)tools/deps.sh pkg vm
	$(Q)DKMS_KERNELS="$(DKMS_KERNELS)" tools/pkg/test-dkms.sh
