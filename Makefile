# zad: `make demo` runs the flagship example (examples-fortran/heat2d_adjoint.f90),
# `make demo-heat` the first one (heat.f90), `make examples` all of them,
# `make test` runs every test.
# Every target that compiles anything first installs the missing Debian
# packages (.ci/install-deps, the `deps` target), so that each works first
# on a fresh machine: a rule that runs a compiler has `deps` among its
# prerequisites, directly or through `build`, as an order-only one where
# it must not make the rule's output always out of date. A test
# (tests/integration/makefile.rs) runs every target the README names with
# compilers that fail if they run before .ci/install-deps.

LLVM_PREFIX ?= /usr/lib/llvm-22
export MLIR_SYS_220_PREFIX := $(LLVM_PREFIX)
export TABLEGEN_220_PREFIX := $(LLVM_PREFIX)
export MLIR_SYS_LINK_SHARED := 1
PREFIX ?= /usr/local
CARGO ?= cargo
PROFILE_DIR := target/release
BUILD := build
FC := gfortran
CC := gcc
CXX := g++
FFLAGS := -O2 -std=f2018 -Wall -J$(BUILD) -I$(BUILD)
CFLAGS := -O2 -Wall -Wextra -std=c99 -Iinclude
CXXFLAGS := -O2 -Wall -Wextra -std=c++17 -Iinclude -Ibindings/cpp
LDLIBS := -L$(PROFILE_DIR) -lzad -Wl,-rpath,$(abspath $(PROFILE_DIR))

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

.PHONY: deps build demo demo-heat examples test fuzz bench header install clean

deps:
	@bash .ci/install-deps

build: deps
	$(CARGO) build --release

# Example programs, built into $(BUILD)/ against this tree's headers and
# bindings and linked to target/release/libzad.so (with an rpath, so they
# run in place). They depend on `build` so that the library is current; the
# directory is made in the recipes because a rule for it would be called
# `build` too and replace the cargo build above.
EXAMPLES_FORTRAN := heat2d_adjoint burgers_descent heat laplace heat_gradient implicit_heat
EXAMPLES_C := lorenz96 bad_input lorenz96_gradient
EXAMPLES_CPP := covariance denoise_gradient

# The Fortran module (zad.mod) that `use zad` needs.
$(BUILD)/zad_fortran.o: bindings/fortran/zad.f90 | deps
	@mkdir -p $(BUILD)
	$(FC) $(FFLAGS) -c $< -o $@

# The flagship's model is a Fortran module of its own, which the program
# calls and zad differentiates from source.
$(BUILD)/heat2d_adjoint_fortran: examples-fortran/heat2d_kernel.f90 examples-fortran/heat2d_adjoint.f90 $(BUILD)/zad_fortran.o build
	$(FC) $(FFLAGS) examples-fortran/heat2d_kernel.f90 examples-fortran/heat2d_adjoint.f90 $(BUILD)/zad_fortran.o -o $@ $(LDLIBS)

$(BUILD)/burgers_descent_fortran: examples-fortran/burgers.f90 examples-fortran/burgers_descent.f90 $(BUILD)/zad_fortran.o build
	$(FC) $(FFLAGS) examples-fortran/burgers.f90 examples-fortran/burgers_descent.f90 $(BUILD)/zad_fortran.o -o $@ $(LDLIBS)

$(BUILD)/%_fortran: examples-fortran/%.f90 $(BUILD)/zad_fortran.o build
	$(FC) $(FFLAGS) $< $(BUILD)/zad_fortran.o -o $@ $(LDLIBS)

$(BUILD)/%_c: examples-c/%.c include/zad.h build
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS) -lm

$(BUILD)/%_cpp: examples-c/%.cpp bindings/cpp/zad.hpp include/zad.h build
	@mkdir -p $(BUILD)
	$(CXX) $(CXXFLAGS) $< -o $@ $(LDLIBS)

# The flagship: the adjoint of a 10^5-step 2-D heat simulation from
# Fortran, checkpointed within 50 MB (DEMO_ARGS: STEPS N BUDGET_BYTES).
demo: $(BUILD)/heat2d_adjoint_fortran
	cd examples-fortran && ../$(BUILD)/heat2d_adjoint_fortran $(DEMO_ARGS)

# The first example: the heat equation from Fortran, kernel vs Fortran loop.
demo-heat: $(BUILD)/heat_fortran
	cd examples-fortran && ../$(BUILD)/heat_fortran

# Every example, each run from its own directory (they open their .mlir
# files by relative path); stops at the first that fails.
examples: $(EXAMPLES_FORTRAN:%=$(BUILD)/%_fortran) $(EXAMPLES_C:%=$(BUILD)/%_c) $(EXAMPLES_CPP:%=$(BUILD)/%_cpp)
	@set -e; cd examples-fortran; for example in $(EXAMPLES_FORTRAN); do \
	    echo "== examples-fortran/$$example.f90"; ../$(BUILD)/$${example}_fortran; done
	@set -e; cd examples-c; for example in $(EXAMPLES_C); do \
	    echo "== examples-c/$$example.c"; ../$(BUILD)/$${example}_c; done
	@set -e; cd examples-c; for example in $(EXAMPLES_CPP); do \
	    echo "== examples-c/$$example.cpp"; ../$(BUILD)/$${example}_cpp; done

# `cargo test` alone does not build the cdylib the C, C++ and Fortran
# programs link to: build it first.
test: deps
	$(CARGO) build --release
	$(CARGO) test --release

# The fuzzer's long round (tests/integration/fuzz.rs): FUZZ_SECONDS of
# mutated kernels through zad run, grad and emit, from FUZZ_SEED (default:
# the time); findings and their inputs go to target/fuzz-findings/.
FUZZ_SECONDS ?= 600
FUZZ_SEED ?=
fuzz: deps
	$(CARGO) build --release
	ZAD_FUZZ_SECONDS=$(FUZZ_SECONDS) ZAD_FUZZ_SEED=$(FUZZ_SEED) \
	    $(CARGO) test --release --test integration fuzz::long_round -- --ignored --nocapture

# The GradBench comparison (benches/gradbench.rs) also runs C, JAX and
# PyTorch; setup-python installs the Python side into target/bench-venv.
# Some of its evals only (their rows of benches/results.md are replaced, the
# others kept):
#   ZAD_BENCH_PYTHON=$(bash benches/gradbench/setup-python) \
#       cargo bench --bench gradbench -- det kmeans saddle particle
# The Enzyme comparison (benches/enzyme.rs) runs Enzyme-JAX from
# target/enzyme-venv (`setup-python enzyme`).
bench: deps
	$(CARGO) bench --bench overhead
	$(CARGO) bench --bench gradients
	$(CARGO) bench --bench checkpointing
	$(CARGO) bench --bench fortran
	$(CARGO) bench --bench ad_time
	$(CARGO) bench --bench jacobian
	$(CARGO) bench --bench hvp
	$(CARGO) bench --bench blas
	$(CARGO) bench --bench parallel_gradient
	ZAD_BENCH_PYTHON=$$(bash benches/gradbench/setup-python) $(CARGO) bench --bench gradbench
	ZAD_ENZYME_PYTHON=$$(bash benches/gradbench/setup-python enzyme) $(CARGO) bench --bench enzyme

# Regenerates include/zad.h from src/ffi.
header: deps
	ZAD_BLESS=1 $(CARGO) test --release --test integration header::committed

# The library, the CLI, the C and C++ headers, the Fortran module's source
# (to be compiled with the user's compiler: .mod files are compiler-specific),
# a pkg-config file and a CMake package (find_package(zad CONFIG)); see the
# README's "Installing and linking". PREFIX must be absolute.
install: build
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/lib/cmake/zad $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/zad/fortran
	install -m 755 $(PROFILE_DIR)/libzad.so $(DESTDIR)$(PREFIX)/lib/libzad.so
	install -m 755 $(PROFILE_DIR)/zad $(DESTDIR)$(PREFIX)/bin/zad
	install -m 644 include/zad.h bindings/cpp/zad.hpp $(DESTDIR)$(PREFIX)/include/
	install -m 644 bindings/fortran/zad.f90 $(DESTDIR)$(PREFIX)/share/zad/fortran/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    bindings/zad.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/zad.pc
	install -m 644 bindings/cmake/zadConfig.cmake $(DESTDIR)$(PREFIX)/lib/cmake/zad/
	sed -e 's|@VERSION@|$(VERSION)|g' \
	    bindings/cmake/zadConfigVersion.cmake.in > $(DESTDIR)$(PREFIX)/lib/cmake/zad/zadConfigVersion.cmake

clean:
	rm -rf $(BUILD)
	$(CARGO) clean
