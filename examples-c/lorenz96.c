/*
 * The Lorenz-96 model (n = 40, F = 8), integrated by the MLIR kernel
 * lorenz96.mlir through zad, twice:
 *
 *   1. with the checked call, zad_function_call, which compares the
 *      arguments with the kernel's signature;
 *   2. through the raw entry point from zad_function_pointer, one RK4 step
 *      per call, as a time-stepping loop of a host program would;
 *
 * and checked against the same integration written in C.
 *
 * The model is chaotic (its leading Lyapunov exponent is about 1.7 per
 * time unit at F = 8), so errors grow like exp(1.7 t): integrating to t = 2
 * amplifies rounding differences about 30-fold, and a genuine discrepancy
 * (say a wrong index in the stencil) becomes an O(1) difference. A
 * tolerance of 1e-10 separates the two cases by many orders of magnitude.
 *
 * Run from this directory (it opens lorenz96.mlir). Exit status 0 when both
 * paths match the C reference.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zad.h"

enum { N = 40 };
static const double FORCING = 8.0;
static const double DT = 0.01;
static const int64_t STEPS = 200; /* to t = 2 */
static const double TOLERANCE = 1e-10;

/* C's view of the kernel's memref<?xf64> argument (see zad.h). */
typedef ZAD_MEMREF(double, 1) memref_f64_1d;
/* _mlir_ciface_lorenz96_rk4: (memref<?xf64>, f64, f64, index) -> () */
typedef void (*lorenz96_rk4_fn)(memref_f64_1d *x, double forcing, double dt, int64_t steps);

/* Prints what failed and zad's message, and exits, unless status is ZAD_OK. */
static void check(zad_status status, const char *what) {
    if (status != ZAD_OK) {
        fprintf(stderr, "lorenz96: %s failed (status %d): %s\n", what, (int)status, zad_last_error());
        exit(EXIT_FAILURE);
    }
}

/* ---------------------------------------------------------- C reference */
/* The same operations, in the same order, as lorenz96.mlir. */

static void tendency(const double *x, double *dxdt, double forcing) {
    for (int k = 0; k < N; k++) {
        double difference = x[(k + 1) % N] - x[(k + N - 2) % N];
        double advection = difference * x[(k + N - 1) % N];
        dxdt[k] = (advection - x[k]) + forcing;
    }
}

static void euler_stage(const double *x, double h, const double *slope, double *stage) {
    for (int k = 0; k < N; k++) {
        stage[k] = x[k] + h * slope[k];
    }
}

static void lorenz96_rk4_reference(double *x, double forcing, double dt, int64_t steps) {
    double k1[N], k2[N], k3[N], k4[N], stage[N];
    const double half_dt = dt / 2.0, sixth_dt = dt / 6.0;
    for (int64_t step = 0; step < steps; step++) {
        tendency(x, k1, forcing);
        euler_stage(x, half_dt, k1, stage);
        tendency(stage, k2, forcing);
        euler_stage(x, half_dt, k2, stage);
        tendency(stage, k3, forcing);
        euler_stage(x, dt, k3, stage);
        tendency(stage, k4, forcing);
        for (int k = 0; k < N; k++) {
            x[k] = x[k] + sixth_dt * (((k1[k] + 2.0 * k2[k]) + 2.0 * k3[k]) + k4[k]);
        }
    }
}

/* The larger of a and b, or NaN if either is NaN: a NaN must fail the
 * check, not vanish in a comparison. */
static double larger(double a, double b) {
    return (a != a || a > b) ? a : b;
}

static double max_difference(const double *a, const double *b) {
    double largest = 0.0;
    for (int k = 0; k < N; k++) largest = larger(fabs(a[k] - b[k]), largest);
    return largest;
}

int main(void) {
    /* The classic start: everything at the equilibrium x_k = F, except a
     * small perturbation of one variable, which chaos then amplifies. */
    double initial[N];
    for (int k = 0; k < N; k++) initial[k] = FORCING;
    initial[19] += 0.01;

    double checked[N], raw[N], reference[N];
    memcpy(checked, initial, sizeof initial);
    memcpy(raw, initial, sizeof initial);
    memcpy(reference, initial, sizeof initial);

    zad_context *context = NULL;
    zad_module *module = NULL;
    zad_function *kernel = NULL;
    zad_args *args = NULL;
    check(zad_context_new(&context), "creating a context");
    check(zad_module_load(context, "lorenz96.mlir", &module), "loading lorenz96.mlir");
    check(zad_module_function(module, "lorenz96_rk4", &kernel), "compiling @lorenz96_rk4");

    size_t num_args = 0, num_results = 0;
    check(zad_function_arity(kernel, &num_args, &num_results), "asking the arity");
    if (num_args != 4 || num_results != 0) {
        fprintf(stderr, "lorenz96: @lorenz96_rk4 has %zu arguments and %zu results, expected 4 and 0\n",
                num_args, num_results);
        return EXIT_FAILURE;
    }

    /* 1. The checked call: all the steps in one call. */
    const int64_t shape[1] = {N};
    check(zad_args_new(&args), "creating an argument list");
    check(zad_args_push_array_f64(args, checked, 1, shape, NULL), "passing x");
    check(zad_args_push_f64(args, FORCING), "passing F");
    check(zad_args_push_f64(args, DT), "passing dt");
    check(zad_args_push_index(args, STEPS), "passing the number of steps");
    check(zad_function_call(kernel, args), "calling @lorenz96_rk4");

    /* 2. The raw entry point: no checks, no argument list, one step per
     * call. The descriptor describes `raw` (offset 0, unit stride). */
    void *entry = NULL;
    check(zad_function_pointer(kernel, &entry), "getting the raw entry point");
    /* ISO C has no conversion from void * to a function pointer; POSIX
     * guarantees this one works (it is how dlsym is used). */
    lorenz96_rk4_fn lorenz96_rk4;
    memcpy(&lorenz96_rk4, &entry, sizeof lorenz96_rk4);
    memref_f64_1d descriptor = {raw, raw, 0, {N}, {1}};
    for (int64_t step = 0; step < STEPS; step++) {
        lorenz96_rk4(&descriptor, FORCING, DT, 1);
    }

    zad_args_free(args);
    zad_function_free(kernel);
    zad_module_free(module);
    zad_context_free(context);

    /* 3. The reference. */
    lorenz96_rk4_reference(reference, FORCING, DT, STEPS);

    double energy = 0.0;
    for (int k = 0; k < N; k++) energy += 0.5 * checked[k] * checked[k];
    printf("Lorenz-96, n = %d, F = %g: %lld RK4 steps of dt = %g to t = %g\n", N, FORCING, (long long)STEPS,
           DT, (double)STEPS * DT);
    printf("   k   x_k (checked call)   x_k (raw entry point)   x_k (C reference)\n");
    for (int k = 0; k < N; k += 8) {
        printf("  %2d %20.15f %23.15f %19.15f\n", k, checked[k], raw[k], reference[k]);
    }
    printf("energy sum(x^2)/2 = %.12f\n", energy);

    double checked_vs_reference = max_difference(checked, reference);
    double raw_vs_reference = max_difference(raw, reference);
    double raw_vs_checked = max_difference(raw, checked);
    printf("raw entry point vs checked call: %.3e\n", raw_vs_checked);
    printf("raw entry point vs C reference: %.3e\n", raw_vs_reference);
    /* The line the integration tests read. */
    double worst = larger(checked_vs_reference, raw_vs_reference);
    printf("max difference vs C reference: %.3e (tolerance %.0e)\n", worst, TOLERANCE);
    if (!(worst <= TOLERANCE)) {
        printf("FAILED: the kernel and the C reference disagree\n");
        return EXIT_FAILURE;
    }
    printf("OK\n");
    return EXIT_SUCCESS;
}
