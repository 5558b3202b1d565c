// Complex and half-precision arguments from C++ (kernels in
// complex_half.mlir): std::complex<double> scalars and vectors,
// std::complex<float> results, f16 and bf16 scalars; the gradient with
// respect to a complex argument against central differences of its real
// and imaginary parts. Prints "ok ..." per check and "all N checks
// passed" at the end.
#include <cmath>
#include <complex>
#include <cstdio>
#include <vector>
#include <zad.hpp>

using cd = std::complex<double>;
using cf = std::complex<float>;

static int checks = 0, failures = 0;

static void check(bool ok, const char *what) {
    ++checks;
    if (!ok) ++failures;
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
}

int main() {
    zad::Context context;
    zad::Module module = context.load("complex_half.mlir");
    zad::Function response = module.function("response");
    zad::Function gradient = module.gradient("response", {ZAD_ACTIVE, ZAD_DUP, ZAD_ACTIVE, ZAD_ACTIVE});
    const std::vector<cd> w0 = {{1.0, 0.5}, {-0.3, 1.0}, {0.7, -0.2}, {0.1, 0.1}};
    const double c = 0.3;
    auto primal = [&](cd z) {
        std::vector<cd> w = w0;  // the kernel writes w
        double f = 0;
        zad::Args args;
        args.push(z).push(w).push(c).push_f16(1.5f).result(f);
        response.call(args);
        return f;
    };

    cd z{0.6, -0.4}, dz;
    std::vector<cd> w = w0, dw(w0.size());
    double f = 0, dc = 0;
    float dh = 0;
    zad::Args args;
    args.push(z).push(w).push(dw).push(c).push_f16(1.5f).result(f).result(dz).result(dc).result_f16(dh);
    gradient.call(args);
    const double eps = 1e-6;
    const double fd_x = (primal(z + eps) - primal(z - eps)) / (2 * eps);
    const double fd_y = (primal(z + cd(0, eps)) - primal(z - cd(0, eps))) / (2 * eps);
    std::printf("df/dz = %.10f%+.10fi (central differences %.10f%+.10fi)\n", dz.real(), dz.imag(), fd_x, fd_y);
    check(std::abs(dz.real() - fd_x) < 1e-6 && std::abs(dz.imag() - fd_y) < 1e-6,
          "df/dz (std::complex<double> argument) matches central differences of its parts");
    check(std::abs(dh - f / 1.5) < 1e-2 * std::abs(f), "df/dh (an f16 argument) is f/h at f16 precision");

    zad::Function horner = module.function("horner");
    std::vector<cf> a = {{1, 0}, {0, 1}, {2, 0}};
    cf p;
    zad::Args horner_args;
    horner_args.push(a).push(cf(0.5f, 0.5f)).result(p);
    horner.call(horner_args);
    check(std::abs(p - cf(0.5f, 1.5f)) < 1e-6f, "p(z) = 1 + i z + 2 z^2 = 0.5 + 1.5i as std::complex<float>");

    if (failures) {
        std::printf("%d of %d checks failed\n", failures, checks);
        return 1;
    }
    std::printf("all %d checks passed\n", checks);
    return 0;
}
