// Image denoising by gradient descent, with the gradient from zad: the C++
// bindings (zad.hpp) ask for the reverse-mode gradient of the energy in
// denoise.mlir,
//
//   E(u, lambda) = 1/2 sum (u - f)^2 + lambda sum log(1 + |grad u|^2),
//
// with respect to the image u (ZAD_DUP: a shadow image receives dE/du) and
// the regularisation weight lambda (ZAD_ACTIVE: dE/dlambda is returned).
// The program checks dE/du and dE/dlambda against central differences of
// the same energy written in C++, then takes a few steps of gradient
// descent from the noisy image and shows the energy and the error against
// the clean image falling.
//
// Run from this directory (it opens denoise.mlir). Exit status 0 when the
// derivatives match their finite differences and the energy decreases.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "zad.hpp"

namespace {

constexpr int M = 32, N = 32;  // the image, row-major
constexpr double LAMBDA = 0.2;
constexpr double STEP = 0.2;    // gradient-descent step
constexpr int ITERATIONS = 25;
constexpr double TOLERANCE = 1e-6;
// Richardson-extrapolated central differences with steps H and H/2: the
// energy is smooth, and both truncation and rounding stay below 1e-9.
constexpr double H = 1e-3;

using Image = std::vector<double>;

// The energy of denoise.mlir, in C++.
double energy_reference(const Image &u, const Image &f, double lambda) {
    double data = 0, smooth = 0;
    for (int i = 0; i < M; ++i) {
        for (int j = 0; j < N; ++j) {
            const double u_ij = u[i * N + j];
            data += (u_ij - f[i * N + j]) * (u_ij - f[i * N + j]);
            const double down = i < M - 1 ? u[(i + 1) * N + j] - u_ij : 0.0;
            const double right = j < N - 1 ? u[i * N + j + 1] - u_ij : 0.0;
            smooth += std::log(1.0 + (down * down + right * right));
        }
    }
    return 0.5 * data + lambda * smooth;
}

// d/ds E(u + s w, lambda + s l) at s = 0.
double finite_difference(const Image &u, const Image &w, const Image &f, double lambda, double l) {
    double d[2];
    for (int k = 0; k < 2; ++k) {
        const double h = k == 0 ? H : H / 2;
        Image plus = u, minus = u;
        for (std::size_t p = 0; p < u.size(); ++p) {
            plus[p] += h * w[p];
            minus[p] -= h * w[p];
        }
        d[k] = (energy_reference(plus, f, lambda + h * l) - energy_reference(minus, f, lambda - h * l)) / (2 * h);
    }
    return (4 * d[1] - d[0]) / 3;
}

double worst = 0;

void compare(const std::string &what, double derivative, double reference) {
    double error = std::fabs(derivative - reference) / std::max(std::fabs(reference), 1e-300);
    if (std::isnan(error)) error = INFINITY;
    worst = std::max(worst, error);
    std::printf("  %-15s %22.13e %22.13e %12.2e\n", what.c_str(), derivative, reference, error);
}

double rms(const Image &a, const Image &b) {
    double sum = 0;
    for (std::size_t p = 0; p < a.size(); ++p) sum += (a[p] - b[p]) * (a[p] - b[p]);
    return std::sqrt(sum / static_cast<double>(a.size()));
}

}  // namespace

int main() {
    // The clean image: a bright disc on a gentle ramp. The noisy one adds
    // deterministic pseudo-random noise of amplitude 0.3.
    Image clean(M * N), noisy(M * N);
    std::uint32_t state = 12345;
    for (int i = 0; i < M; ++i) {
        for (int j = 0; j < N; ++j) {
            const double x = (j + 0.5) / N, y = (i + 0.5) / M;
            const bool disc = (x - 0.5) * (x - 0.5) + (y - 0.45) * (y - 0.45) < 0.08;
            clean[i * N + j] = 0.3 * x + (disc ? 1.0 : 0.0);
            state = state * 1664525u + 1013904223u;
            noisy[i * N + j] = clean[i * N + j] + 0.3 * (static_cast<double>(state >> 8) / 16777216.0 - 0.5) * 2;
        }
    }

    try {
        zad::Context context;
        zad::Module module = context.load("denoise.mlir");
        // @denoise_energy(%u: memref<?x?xf64>, %f: memref<?x?xf64>, %lambda: f64) -> f64
        zad::Function gradient = module.gradient("denoise_energy", {ZAD_DUP, ZAD_CONST, ZAD_ACTIVE});

        Image u = noisy, f = noisy, du(M * N);
        double energy = 0, denergy_dlambda = 0;
        zad::Args args;
        // u, its shadow du, f, lambda; results E and dE/dlambda. The args
        // hold the addresses of u, du and f: the loop below updates them in
        // place and calls again.
        args.push(u.data(), {M, N}).push(du.data(), {M, N}).push(f.data(), {M, N}).push(LAMBDA);
        args.result(energy).result(denergy_dlambda);
        std::fill(du.begin(), du.end(), 0.0);  // the gradient is added to du
        gradient.call(args);

        std::printf("Image denoising by gradient descent on zad's reverse-mode gradient (zad %s, denoise.mlir)\n",
                    zad::version().c_str());
        std::printf("  E(u) = 1/2 sum (u - f)^2 + lambda sum log(1 + |grad u|^2) on a %d x %d image, lambda = %g\n",
                    M, N, LAMBDA);
        std::printf("\n  derivative at u = f  reverse mode (zad)     central difference  rel. error\n");
        Image direction(M * N, 0.0);
        compare("dE/dlambda", denergy_dlambda, finite_difference(u, direction, f, LAMBDA, 1.0));
        for (const auto &[i, j] : {std::pair{0, 0}, std::pair{5, 17}, std::pair{16, 16}, std::pair{31, 31}}) {
            direction[i * N + j] = 1.0;
            compare("dE/du[" + std::to_string(i) + "][" + std::to_string(j) + "]", du[i * N + j],
                    finite_difference(u, direction, f, LAMBDA, 0.0));
            direction[i * N + j] = 0.0;
        }
        double directional = 0;
        for (int p = 0; p < M * N; ++p) {
            direction[p] = std::sin(0.1 * p) + 0.5;
            directional += du[p] * direction[p];
        }
        compare("dE/du.w", directional, finite_difference(u, direction, f, LAMBDA, 0.0));
        std::printf("  (w_p = sin(0.1 p) + 1/2: dE/du.w = sum_p dE/du_p w_p, all %d pixels at once)\n", M * N);

        // Gradient descent: u <- u - STEP dE/du.
        std::printf("\n  iteration      energy E   rms(u - clean)\n");
        std::printf("  %9d %13.6f %16.6f\n", 0, energy, rms(u, clean));
        const double first_energy = energy, first_error = rms(u, clean);
        bool decreasing = true;
        double previous = energy;
        for (int iteration = 1; iteration <= ITERATIONS; ++iteration) {
            for (int p = 0; p < M * N; ++p) u[p] -= STEP * du[p];
            std::fill(du.begin(), du.end(), 0.0);
            gradient.call(args);
            decreasing = decreasing && energy < previous;
            previous = energy;
            if (iteration % 5 == 0) std::printf("  %9d %13.6f %16.6f\n", iteration, energy, rms(u, clean));
        }
        std::printf("energy %.6f -> %.6f, rms error vs the clean image %.4f -> %.4f\n", first_energy, energy,
                    first_error, rms(u, clean));
        std::printf("max relative difference vs finite-difference reference: %.2e (tolerance %.0e)\n", worst,
                    TOLERANCE);
        if (!(worst <= TOLERANCE) || !decreasing) {
            std::printf("FAILED: %s\n", decreasing ? "reverse mode and finite differences disagree"
                                                   : "the energy did not decrease at every step");
            return EXIT_FAILURE;
        }
    } catch (const zad::Error &error) {
        std::fprintf(stderr, "denoise_gradient: %s: %s\n", zad::status_name(error.status()), error.what());
        return EXIT_FAILURE;
    }
    std::printf("OK\n");
    return EXIT_SUCCESS;
}
