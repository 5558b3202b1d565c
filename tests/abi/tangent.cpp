// zad::Module::tangent from C++, on @wave of tangent.mlir: width 1 and
// width 2 against the formulas in that file, and a refusal as zad::Error.
// Prints one line per check and "all N checks passed", or exits non-zero.
// Run from this directory.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "zad.hpp"

namespace {

int checks = 0, failures = 0;

void check(bool condition, const char *what) {
    checks++;
    if (condition) {
        std::printf("ok    %s\n", what);
    } else {
        failures++;
        std::printf("FAIL  %s\n", what);
    }
}

bool close_to(double got, double expected) { return std::fabs(got - expected) <= 1e-12 * std::fmax(1.0, std::fabs(expected)); }

// @wave's tangent by its formulas: df, and dy.
double reference(const std::vector<double> &x, double a, const std::vector<double> &dx, double da,
                 std::vector<double> &dy) {
    double df = 0.0;
    dy.assign(x.size(), 0.0);
    for (std::size_t i = 0; i < x.size(); i++) {
        double t = a * x[i], dt = da * x[i] + a * dx[i];
        df += 2.0 * std::sin(t) * std::cos(t) * dt;
        dy[i] = std::exp(t) * dt;
    }
    return df;
}

}  // namespace

int main() {
    zad::Context context;
    zad::Module module = context.load("tangent.mlir");
    std::vector<double> x{0.2, -0.5, 0.9, 1.4}, y(4, 0.0), expected_dy;
    const double a = 0.8;
    const std::int64_t n = 4;

    zad::Function tangent = module.tangent("wave", {ZAD_DUP, ZAD_DUP, ZAD_DUP, ZAD_CONST});
    std::vector<double> dx{1.0, 0.5, -0.25, 2.0}, dy(4, 0.0);
    double da = -1.0, f = 0.0, df = 0.0;
    zad::Args args;
    args.push(x).push(dx).push(a).push(da).push(y).push(dy).push_index(n).result(f).result(df);
    tangent.call(args);
    double expected_df = reference(x, a, dx, da, expected_dy);
    bool dy_ok = true;
    for (std::size_t i = 0; i < dy.size(); i++) dy_ok = dy_ok && close_to(dy[i], expected_dy[i]);
    check(close_to(df, expected_df), "width 1: df matches the formula");
    check(dy_ok, "width 1: dy holds the tangent of y's final contents");

    zad::Function batch = module.tangent("wave", {ZAD_DUP, ZAD_ACTIVE, ZAD_DUP, ZAD_CONST}, 2);
    std::vector<double> dx1{0.0, 1.0, 0.0, 0.0}, dx2{0.3, 0.3, 0.3, 0.3}, dy1(4, 0.0), dy2(4, 0.0);
    double da1 = 0.5, da2 = 0.0, df1 = 0.0, df2 = 0.0;
    zad::Args batch_args;
    batch_args.push(x).push(dx1).push(dx2).push(a).push(da1).push(da2).push(y).push(dy1).push(dy2).push_index(n);
    batch_args.result(f).result(df1).result(df2);
    batch.call(batch_args);
    bool lane1 = close_to(df1, reference(x, a, dx1, da1, expected_dy));
    for (std::size_t i = 0; i < 4; i++) lane1 = lane1 && close_to(dy1[i], expected_dy[i]);
    bool lane2 = close_to(df2, reference(x, a, dx2, da2, expected_dy));
    for (std::size_t i = 0; i < 4; i++) lane2 = lane2 && close_to(dy2[i], expected_dy[i]);
    check(lane1 && lane2, "width 2: each lane matches its direction");

    try {
        module.tangent("wave", {ZAD_DUP, ZAD_DUP, ZAD_DUP, ZAD_DUP});
        check(false, "ZAD_DUP on an index throws");
    } catch (const zad::Error &error) {
        check(error.status() == ZAD_SIGNATURE_ERROR &&
                  std::string(error.what()).find("cannot have a tangent") != std::string::npos,
              "ZAD_DUP on an index throws zad::Error (ZAD_SIGNATURE_ERROR)");
    }

    if (failures > 0) {
        std::printf("%d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    std::printf("all %d checks passed\n", checks);
    return 0;
}
