/*
 * Sensitivities of a chaotic system by reverse-mode automatic
 * differentiation: zad differentiates the MLIR kernel lorenz96_gradient.mlir
 * (Lorenz-96, n = 40, forward Euler to t = 1, J = the mean energy
 * sum_k x_k(T)^2 / (2n)) with respect to the initial state x0 and the
 * forcing F, and this program checks the derivatives against central finite
 * differences of the same model written in C.
 *
 * One call of the gradient function (from zad_module_gradient) returns J,
 * dJ/dF and all 40 components of dJ/dx0; finite differences need two
 * integrations per number. In a chaotic model the sensitivities grow like
 * exp(1.7 t) with the horizon t; at t = 1 central differences are still
 * accurate to about 1e-9, so the check can be tight.
 *
 * Run from this directory (it opens lorenz96_gradient.mlir). Exit status 0
 * when every derivative matches its finite difference within the tolerance.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zad.h"

enum { N = 40 };
static const double FORCING = 8.0;
static const double DT = 0.01;
static const int64_t STEPS = 100; /* to t = 1 */
/* Relative agreement required of reverse mode and central differences. */
static const double TOLERANCE = 1e-6;
/* Step of the central differences. The model's higher derivatives are
 * large (chaos), so plain central differences, with error h^2 J''' / 6,
 * would need a step so small that rounding (eps J / h) spoils them; the
 * Richardson combination of steps h and h/2 cancels the h^2 term, and with
 * h = 1e-4 both its errors are below 1e-9. */
static const double H = 1e-4;

/* Prints what failed and zad's message, and exits, unless status is ZAD_OK. */
static void check(zad_status status, const char *what) {
    if (status != ZAD_OK) {
        fprintf(stderr, "lorenz96_gradient: %s failed (status %d): %s\n", what, (int)status, zad_last_error());
        exit(EXIT_FAILURE);
    }
}

/* ---------------------------------------------------------- C reference */
/* The model of lorenz96_gradient.mlir, operation for operation. */

static void tendency(const double *x, double *dxdt, double forcing) {
    for (int k = 0; k < N; k++) {
        double difference = x[(k + 1) % N] - x[(k + N - 2) % N];
        double advection = difference * x[(k + N - 1) % N];
        dxdt[k] = (advection - x[k]) + forcing;
    }
}

static double energy_reference(const double *x0, double forcing) {
    double x[N], rate[N];
    memcpy(x, x0, sizeof x);
    for (int64_t step = 0; step < STEPS; step++) {
        tendency(x, rate, forcing);
        for (int k = 0; k < N; k++) x[k] = x[k] + DT * rate[k];
    }
    double sum = 0.0;
    for (int k = 0; k < N; k++) sum += x[k] * x[k];
    return 0.5 * (sum / N);
}

/* ------------------------------------------------------------ the check */

/* dJ/ds at s = 0 of J(x0 + s w, F + s f) by Richardson-extrapolated
 * central differences: (4 D(h/2) - D(h)) / 3, D(h) = (J(+h) - J(-h)) / 2h. */
static double finite_difference(const double *x0, const double *w, double f) {
    double d[2];
    for (int i = 0; i < 2; i++) {
        double h = i == 0 ? H : H / 2.0;
        double plus[N], minus[N];
        for (int k = 0; k < N; k++) {
            plus[k] = x0[k] + h * w[k];
            minus[k] = x0[k] - h * w[k];
        }
        d[i] = (energy_reference(plus, FORCING + h * f) - energy_reference(minus, FORCING - h * f)) / (2.0 * h);
    }
    return (4.0 * d[1] - d[0]) / 3.0;
}

static double worst = 0.0;

/* Prints one row of the table and keeps the worst relative error; a NaN
 * counts as a failure rather than vanishing in a comparison. */
static void compare(const char *what, double derivative, double reference) {
    double error = fabs(derivative - reference) / fmax(fabs(reference), 1e-300);
    if (error != error) error = INFINITY;
    if (error > worst) worst = error;
    printf("  %-12s %22.13e %22.13e %12.2e\n", what, derivative, reference, error);
}

int main(void) {
    /* A state on the attractor would need a spin-up; a smooth wave about
     * the equilibrium x_k = F leaves it within a fraction of t = 1. */
    const double pi = acos(-1.0);
    double x0[N];
    for (int k = 0; k < N; k++) x0[k] = FORCING + sin(2.0 * pi * k / N) + 0.5 * cos(6.0 * pi * k / N);

    zad_context *context = NULL;
    zad_module *module = NULL;
    zad_function *gradient = NULL;
    zad_args *args = NULL;
    check(zad_context_new(&context), "creating a context");
    check(zad_module_load(context, "lorenz96_gradient.mlir", &module), "loading lorenz96_gradient.mlir");
    /* @lorenz96_energy(%x0: memref<?xf64>, %forcing: f64, %dt: f64, %steps: index) -> f64:
     * x0 gets a shadow array, F's derivative is returned, dt and steps are
     * constants. */
    const zad_activity activity[4] = {ZAD_DUP, ZAD_ACTIVE, ZAD_CONST, ZAD_CONST};
    check(zad_module_gradient(module, "lorenz96_energy", activity, 4, &gradient), "differentiating @lorenz96_energy");

    size_t num_args = 0, num_results = 0;
    check(zad_function_arity(gradient, &num_args, &num_results), "asking the arity");
    /* x0, its shadow, F, dt, steps and the optional seed; J and dJ/dF. */
    if (num_args != 6 || num_results != 2) {
        fprintf(stderr, "lorenz96_gradient: the gradient has %zu arguments and %zu results, expected 6 and 2\n",
                num_args, num_results);
        return EXIT_FAILURE;
    }

    /* The shadow of x0 receives dJ/dx0; it is added to, so start at 0. */
    double dx0[N] = {0};
    double energy = 0.0, denergy_dforcing = 0.0;
    const int64_t shape[1] = {N};
    check(zad_args_new(&args), "creating an argument list");
    check(zad_args_push_array_f64(args, x0, 1, shape, NULL), "passing x0");
    check(zad_args_push_array_f64(args, dx0, 1, shape, NULL), "passing the shadow of x0");
    check(zad_args_push_f64(args, FORCING), "passing F");
    check(zad_args_push_f64(args, DT), "passing dt");
    check(zad_args_push_index(args, STEPS), "passing the number of steps");
    check(zad_args_result_f64(args, &energy), "binding J");
    check(zad_args_result_f64(args, &denergy_dforcing), "binding dJ/dF");
    check(zad_function_call(gradient, args), "running the gradient");
    zad_args_free(args);
    zad_function_free(gradient);
    zad_module_free(module);
    zad_context_free(context);

    printf("Sensitivities of Lorenz-96 by reverse-mode AD (zad %s, kernel lorenz96_gradient.mlir)\n",
           zad_version());
    printf("  n = %d, F = %g, %lld forward-Euler steps of dt = %g to T = %g\n", N, FORCING, (long long)STEPS, DT,
           (double)STEPS * DT);
    printf("  x0_k = F + sin(2 pi k / n) + 0.5 cos(6 pi k / n);  J = sum_k x_k(T)^2 / (2n) = %.12f\n", energy);
    printf("  derivatives checked against central differences (steps %g, %g, extrapolated) of the model in C\n",
           H, H / 2.0);
    printf("\n  quantity         reverse mode (zad)            C reference  rel. error\n");
    /* The primal result comes along: it must be the model's J. */
    compare("J", energy, energy_reference(x0, FORCING));
    double direction[N] = {0};
    compare("dJ/dF", denergy_dforcing, finite_difference(x0, direction, 1.0));
    for (int k = 0; k < N; k += 8) {
        char label[32];
        snprintf(label, sizeof label, "dJ/dx0[%d]", k);
        direction[k] = 1.0;
        compare(label, dx0[k], finite_difference(x0, direction, 0.0));
        direction[k] = 0.0;
    }
    /* All components at once: the derivative along a direction w. */
    double directional = 0.0;
    for (int k = 0; k < N; k++) {
        direction[k] = cos(0.3 * k) + 0.1 * k;
        directional += dx0[k] * direction[k];
    }
    compare("dJ/dx0.w", directional, finite_difference(x0, direction, 0.0));

    double norm = 0.0;
    int largest = 0;
    for (int k = 0; k < N; k++) {
        norm += dx0[k] * dx0[k];
        if (fabs(dx0[k]) > fabs(dx0[largest])) largest = k;
    }
    printf("\n  (w_k = cos(0.3 k) + 0.1 k: dJ/dx0.w = sum_k dJ/dx0[k] w_k, all 40 components at once)\n");
    printf("  |dJ/dx0| = %.6f; the most sensitive initial value is x0[%d] (dJ/dx0 = %.6f)\n", sqrt(norm), largest,
           dx0[largest]);
    /* The line the integration tests read. */
    printf("max relative difference vs finite-difference reference: %.2e (tolerance %.0e)\n", worst, TOLERANCE);
    if (!(worst <= TOLERANCE)) {
        printf("FAILED: reverse mode and finite differences disagree\n");
        return EXIT_FAILURE;
    }
    printf("OK\n");
    return EXIT_SUCCESS;
}
