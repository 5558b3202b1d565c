# zad: `make demo` runs the flagship example, `make test` runs every test.
# Both install missing Debian packages first (.ci/install-deps).

LLVM_PREFIX ?= /usr/lib/llvm-22
export MLIR_SYS_220_PREFIX := $(LLVM_PREFIX)
export TABLEGEN_220_PREFIX := $(LLVM_PREFIX)
PREFIX ?= /usr/local
CARGO ?= cargo
PROFILE_DIR := target/release
BUILD := build
FC := gfortran
CC := gcc
CXX := g++
FFLAGS := -O2 -Wall -J$(BUILD) -I$(BUILD)
CFLAGS := -O2 -Wall -Wextra -std=c99 -Iinclude
CXXFLAGS := -O2 -Wall -Wextra -std=c++17 -Iinclude -Ibindings/cpp
LDLIBS := -L$(PROFILE_DIR) -lzad -Wl,-rpath,$(abspath $(PROFILE_DIR))

.PHONY: deps build demo test bench header install clean

deps:
	@bash .ci/install-deps

build: deps
	$(CARGO) build --release

$(BUILD):
	mkdir -p $(BUILD)

# The Fortran module (zad.mod) that `use zad` needs.
$(BUILD)/zad_fortran.o: bindings/fortran/zad.f90 | $(BUILD)
	$(FC) $(FFLAGS) -c $< -o $@

$(BUILD)/heat_fortran: examples-fortran/heat.f90 $(BUILD)/zad_fortran.o build
	$(FC) $(FFLAGS) $< $(BUILD)/zad_fortran.o -o $@ $(LDLIBS)

demo: $(BUILD)/heat_fortran
	cd examples-fortran && ../$(BUILD)/heat_fortran

test: deps
	$(CARGO) test --release

bench: deps
	$(CARGO) bench --bench overhead

# Regenerates include/zad.h from src/ffi.
header: deps
	ZAD_BLESS=1 $(CARGO) test --release --test integration header::committed

install: build
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/zad/fortran
	install -m 755 $(PROFILE_DIR)/libzad.so $(DESTDIR)$(PREFIX)/lib/libzad.so
	install -m 755 $(PROFILE_DIR)/zad $(DESTDIR)$(PREFIX)/bin/zad
	install -m 644 include/zad.h bindings/cpp/zad.hpp $(DESTDIR)$(PREFIX)/include/
	install -m 644 bindings/fortran/zad.f90 $(DESTDIR)$(PREFIX)/share/zad/fortran/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)|g' \
	    bindings/zad.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/zad.pc

clean:
	rm -rf $(BUILD)
	$(CARGO) clean
