// Foreign functions from C++ (bindings/cpp/zad.hpp): the kernels of
// foreign.mlir call an equation of state and a smoother registered with
// zad::Context::register_function; a missing routine and a bounds violation
// throw zad::Error with the status and the location. Prints "ok ..." per
// check and "all N checks passed" at the end.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>
#include <zad.hpp>

namespace {

int checks = 0, failures = 0;

void check(bool ok, const std::string &what) {
    ++checks;
    if (!ok) ++failures;
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
}

extern "C" double eos_pressure(double rho, double t) { return rho * t * (1.0 + 0.1 * rho); }

// Its adjoint, (rho, t, seed) -> (p, seed dp/drho, seed dp/dt), registered
// with Context::register_adjoint; several results come through a struct.
struct PressureAdjoint {
    double p, drho, dt;
};
int adjoint_calls = 0;
extern "C" void eos_pressure_adjoint(PressureAdjoint *out, double rho, double t, double seed) {
    ++adjoint_calls;
    *out = {eos_pressure(rho, t), seed * t * (1.0 + 0.2 * rho), seed * rho * (1.0 + 0.1 * rho)};
}

int smooth_calls = 0;
extern "C" void smooth(zad::MemRef<double, 1> *u, double w) {
    ++smooth_calls;
    double previous = u->aligned[u->offset];
    for (std::int64_t i = 1; i + 1 < u->sizes[0]; ++i) {
        double &here = u->aligned[u->offset + i * u->strides[0]];
        double next = u->aligned[u->offset + (i + 1) * u->strides[0]];
        double old = here;
        here = (1.0 - w) * old + w * 0.5 * (previous + next);
        previous = old;
    }
}

// The status and message of what `body` throws (ZAD_OK and "" if nothing).
template <typename Body>
std::pair<zad_status, std::string> error_of(Body body) {
    try {
        body();
    } catch (const zad::Error &error) {
        return {error.status(), error.what()};
    }
    return {ZAD_OK, ""};
}

}  // namespace

int main() {
    zad::Context context;
    context.register_function("eos_pressure", eos_pressure);
    context.register_function("smooth", smooth);
    zad::Module module = context.load("foreign.mlir");

    std::vector<double> rho{1.0, 1.5, 2.0, 0.5};
    double total = 0.0, expected = 0.0;
    for (double r : rho) expected += eos_pressure(r, 250.0);
    zad::Args args;
    args.push(rho).push(250.0).result(total);
    module.function("total_pressure").call(args);
    check(std::fabs(total - expected) <= 1e-12 * expected, "Context::register_function: a scalar routine, summed over rho");

    // The gradient calls the registered adjoint once per element.
    context.register_adjoint("eos_pressure", eos_pressure_adjoint);
    std::vector<double> drho(rho.size(), 0.0);
    double gradient_value = 0.0, dt = 0.0, expected_dt = 0.0;
    zad::Args gradient_args;
    gradient_args.push(rho).push(drho).push(250.0).result(gradient_value).result(dt);
    module.gradient("total_pressure", {ZAD_DUP, ZAD_ACTIVE}).call(gradient_args);
    bool exact = adjoint_calls == 4 && std::fabs(gradient_value - expected) <= 1e-12 * expected;
    for (std::size_t i = 0; i < rho.size(); ++i) {
        exact = exact && std::fabs(drho[i] - 250.0 * (1.0 + 0.2 * rho[i])) <= 1e-12 * 250.0;
        expected_dt += rho[i] * (1.0 + 0.1 * rho[i]);
    }
    check(exact && std::fabs(dt - expected_dt) <= 1e-12 * expected_dt,
          "Context::register_adjoint: the gradient over rho and t calls eos_pressure_adjoint per element");

    std::vector<double> u{0.0, 1.0, 0.0, 1.0, 4.0}, reference = u;
    zad::MemRef<double, 1> view{reference.data(), reference.data(), 0, {5}, {1}};
    smooth(&view, 0.25);
    double last = 0.0;
    zad::Args smoothed;
    smoothed.push(u).push(0.25).result(last);
    module.function("smoothed_last").call(smoothed);
    check(u == reference && smooth_calls == 2 && last == 4.0, "a buffer reaches the routine as a descriptor, changed in place");

    auto missing = error_of([&] { module.function("uses_legacy_flux"); });
    check(missing.first == ZAD_NOT_FOUND && missing.second.find("foreign.mlir:37:8: @uses_legacy_flux calls") == 0 &&
              missing.second.find("@legacy_flux") != std::string::npos,
          "an undefined routine: zad::Error ZAD_NOT_FOUND with its name and the call's location");

    context.check_bounds(true);
    zad::Module checked = context.load("foreign.mlir");
    double value = 0.0;
    auto outside = error_of([&] {
        zad::Args element;
        element.push(u).push_index(-1).result(value);
        checked.function("element").call(element);
    });
    check(outside.first == ZAD_RUNTIME_ERROR &&
              outside.second == "foreign.mlir:43:8: memref.load: index -1 is out of bounds for dimension 0 of size 5",
          "Context::check_bounds: an index out of bounds throws ZAD_RUNTIME_ERROR");

    auto library = error_of([&] { context.load_library("/nonexistent/libnothing.so"); });
    check(library.first == ZAD_IO_ERROR, "Context::load_library: a missing library throws ZAD_IO_ERROR");

    if (failures) {
        std::printf("%d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    std::printf("all %d checks passed\n", checks);
    return 0;
}
