// f(x) = sum(x^2) and its gradient 2x, through zad.hpp.
#include <cstdio>
#include <vector>
#include <zad.hpp>

static const char *const KERNEL = R"(
func.func @sumsq(%x: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%a = %zero) -> f64 {
    %v = memref.load %x[%i] : memref<?xf64>
    %w = arith.mulf %v, %v : f64
    %b = arith.addf %a, %w : f64
    scf.yield %b : f64
  }
  return %s : f64
}
)";

int main() {
    try {
        zad::Context context;
        zad::Module module = context.parse(KERNEL, "sumsq.mlir");
        zad::Function gradient = module.gradient("sumsq", {ZAD_DUP});
        std::vector<double> x{1, 2, 3}, dx(3, 0.0);
        double f = 0;
        zad::Args args;
        args.push(x).push(dx).result(f);
        gradient.call(args);
        bool ok = f == 14 && dx == std::vector<double>{2, 4, 6};
        std::printf("C++: f = %g, df/dx = [%g, %g, %g] %s\n", f, dx[0], dx[1], dx[2], ok ? "OK" : "WRONG");
        return ok ? 0 : 1;
    } catch (const zad::Error &error) {
        std::fprintf(stderr, "zad: %s\n", error.what());
        return 1;
    }
}
