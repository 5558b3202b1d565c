// Sample mean and covariance matrix of correlated data, computed by the MLIR
// kernel covariance.mlir through the C++ bindings (bindings/cpp/zad.hpp),
// checked against the same sums in C++.
//
// The data are m = 500 observations of n = 4 variables, x = L z with z
// standard normal and L a fixed lower-triangular matrix, so the covariance
// estimates approach L L^T (printed alongside; the difference to it is
// sampling error, not a check). The data are a row-major m x n matrix that
// the program owns; the kernel returns two new arrays (the means and the
// covariance matrix) through zad::Array results.
//
// Run from this directory (it opens covariance.mlir). Exit status 0 when
// the kernel matches the C++ reference.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "zad.hpp"

namespace {

constexpr std::size_t m = 500;  // observations
constexpr std::size_t n = 4;    // variables
// The kernel and the reference sum the same terms in the same order, so
// they agree to rounding; 1e-12 relative to the covariances (which are of
// order 1 to 10) would still catch a single misplaced term out of 500.
constexpr double tolerance = 1e-12;

constexpr double L[n][n] = {
    {1.0, 0.0, 0.0, 0.0},
    {0.8, 0.6, 0.0, 0.0},
    {-0.5, 0.3, 1.2, 0.0},
    {2.0, -1.0, 0.5, 0.7},
};

// The larger of a and b, NaN if either is NaN: a NaN must fail the check.
double larger(double a, double b) { return (std::isnan(a) || a > b) ? a : b; }

struct Moments {
    std::vector<double> mean;        // n
    std::vector<double> covariance;  // n x n, row-major
};

// The reference: the sums of covariance.mlir, in the same order.
Moments reference_moments(const std::vector<double> &x) {
    Moments result{std::vector<double>(n), std::vector<double>(n * n)};
    for (std::size_t a = 0; a < n; ++a) {
        double sum = 0.0;
        for (std::size_t i = 0; i < m; ++i) sum += x[i * n + a];
        result.mean[a] = sum / static_cast<double>(m);
    }
    for (std::size_t a = 0; a < n; ++a) {
        for (std::size_t b = 0; b < n; ++b) {
            double sum = 0.0;
            for (std::size_t i = 0; i < m; ++i) {
                sum += (x[i * n + a] - result.mean[a]) * (x[i * n + b] - result.mean[b]);
            }
            result.covariance[a * n + b] = sum / static_cast<double>(m - 1);
        }
    }
    return result;
}

int run() {
    // mt19937_64's output is fixed by the standard; the normal
    // distribution's is not, which does not matter: both sides see the same
    // numbers.
    std::mt19937_64 generator(20240611);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> x(m * n);
    for (std::size_t i = 0; i < m; ++i) {
        double z[n];
        for (double &value : z) value = normal(generator);
        for (std::size_t a = 0; a < n; ++a) {
            double value = 0.0;
            for (std::size_t k = 0; k <= a; ++k) value += L[a][k] * z[k];
            x[i * n + a] = value;
        }
    }

    zad::Context context;
    zad::Module module = context.load("covariance.mlir");
    zad::Function covariance = module.function("covariance");

    // @covariance(%x: memref<?x?xf64>) -> (memref<?xf64>, memref<?x?xf64>)
    zad::Array mean, cov;
    zad::Args args;
    args.push(x.data(), {static_cast<std::int64_t>(m), static_cast<std::int64_t>(n)}).result(mean).result(cov);
    covariance.call(args);

    if (mean.shape() != std::vector<std::int64_t>{n} || cov.shape() != std::vector<std::int64_t>{n, n}) {
        std::fprintf(stderr, "covariance: the kernel returned arrays of unexpected shapes\n");
        return EXIT_FAILURE;
    }
    const double *kernel_mean = mean.data<double>();
    const double *kernel_cov = cov.data<double>();
    const Moments reference = reference_moments(x);

    double difference = 0.0;
    for (std::size_t a = 0; a < n; ++a) {
        difference = larger(std::fabs(kernel_mean[a] - reference.mean[a]), difference);
    }
    for (std::size_t k = 0; k < n * n; ++k) {
        difference = larger(std::fabs(kernel_cov[k] - reference.covariance[k]), difference);
    }

    std::printf("sample covariance of %zu observations of %zu correlated variables (zad %s)\n", m, n,
                zad::version().c_str());
    std::printf("means (kernel):");
    for (std::size_t a = 0; a < n; ++a) std::printf(" %9.5f", kernel_mean[a]);
    std::printf("\n%-43s| population value L L^T\n", "covariance (kernel)");
    for (std::size_t a = 0; a < n; ++a) {
        for (std::size_t b = 0; b < n; ++b) std::printf(" %9.5f", kernel_cov[a * n + b]);
        std::printf("   |");
        for (std::size_t b = 0; b < n; ++b) {
            double population = 0.0;
            for (std::size_t k = 0; k < n; ++k) population += L[a][k] * L[b][k];
            std::printf(" %7.3f", population);
        }
        std::printf("\n");
    }
    std::printf("max difference vs C++ reference: %.3e (tolerance %.0e)\n", difference, tolerance);
    if (!(difference <= tolerance)) {
        std::printf("FAILED: the kernel and the C++ reference disagree\n");
        return EXIT_FAILURE;
    }
    std::printf("OK\n");
    return EXIT_SUCCESS;
}

}  // namespace

int main() {
    try {
        return run();
    } catch (const zad::Error &error) {
        std::fprintf(stderr, "covariance: %s: %s\n", zad::status_name(error.status()), error.what());
        return EXIT_FAILURE;
    }
}
