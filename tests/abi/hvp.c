/*
 * Hessian-vector products through the C ABI (zad_module_hvp): the HVP of
 * hvp.mlir's @energy(u, k, scale) in several directions (v_u, v_k),
 * checked against central differences of the gradient (zad_module_gradient)
 * along the direction, and the gradient the HVP returns against the
 * gradient's. Also: a wrong activity is a status and a message, not a
 * crash. Prints "ok ..." per check and "all N checks passed"; exit status
 * 1 on any failure. Run from tests/abi (it opens hvp.mlir).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zad.h"

enum { N = 6 };
static const double SCALE = 0.75;
static int passed = 0, failed = 0;

static void check(zad_status status, const char *what) {
    if (status != ZAD_OK) {
        fprintf(stderr, "hvp: %s failed (status %d): %s\n", what, (int)status, zad_last_error());
        exit(EXIT_FAILURE);
    }
}

static void expect_close(const char *what, int index, double got, double expected, double tolerance) {
    double error = fabs(got - expected) / fmax(1.0, fabs(expected));
    if (error <= tolerance) {
        printf("ok %s[%d]: %.12e\n", what, index, got);
        passed++;
    } else {
        printf("FAIL %s[%d]: got %.12e, expected %.12e\n", what, index, got, expected);
        failed++;
    }
}

/* The gradient (du, dk) at (u, k). */
static void gradient_at(zad_function *gradient, const double *u, double k, double *du, double *dk) {
    const int64_t shape[1] = {N};
    double copy[N], energy = 0.0;
    memcpy(copy, u, sizeof copy);
    memset(du, 0, N * sizeof(double));
    zad_args *args = NULL;
    check(zad_args_new(&args), "creating arguments");
    check(zad_args_push_array_f64(args, copy, 1, shape, NULL), "passing u");
    check(zad_args_push_array_f64(args, du, 1, shape, NULL), "passing du");
    check(zad_args_push_f64(args, k), "passing k");
    check(zad_args_push_f64(args, SCALE), "passing scale");
    check(zad_args_result_f64(args, &energy), "binding E");
    check(zad_args_result_f64(args, dk), "binding dE/dk");
    check(zad_function_call(gradient, args), "running the gradient");
    zad_args_free(args);
}

int main(void) {
    zad_context *context = NULL;
    zad_module *module = NULL;
    zad_function *gradient = NULL, *hvp = NULL;
    check(zad_context_new(&context), "creating a context");
    check(zad_module_load(context, "hvp.mlir", &module), "loading hvp.mlir");
    const zad_activity activity[3] = {ZAD_DUP, ZAD_ACTIVE, ZAD_CONST};
    check(zad_module_gradient(module, "energy", activity, 3, &gradient), "differentiating @energy");
    check(zad_module_hvp(module, "energy", activity, 3, &hvp), "the HVP of @energy");

    size_t num_args = 0, num_results = 0;
    check(zad_function_arity(hvp, &num_args, &num_results), "asking the arity");
    /* u, du, v_u, hv_u, k, v_k, scale; E, dE/dk, (Hv)_k. */
    if (num_args != 7 || num_results != 3) {
        printf("FAIL arity: %zu arguments and %zu results, expected 7 and 3\n", num_args, num_results);
        return EXIT_FAILURE;
    }
    printf("ok arity: 7 arguments, 3 results\n");
    passed++;

    double u[N];
    for (int i = 0; i < N; i++) u[i] = 0.3 + 0.4 * sin(1.7 * i);
    const double k = 1.3;
    for (int direction = 0; direction < 3; direction++) {
        double vu[N], vk = direction == 2 ? 0.0 : 0.5 - 0.3 * direction;
        for (int i = 0; i < N; i++) vu[i] = direction == 1 ? 0.0 : cos(0.9 * i + direction);
        if (direction == 2) vu[3] = 1.0;

        double du[N] = {0}, hu[N] = {0}, copy[N], energy = 0.0, dk = 0.0, hk = 0.0;
        memcpy(copy, u, sizeof copy);
        const int64_t shape[1] = {N};
        zad_args *args = NULL;
        check(zad_args_new(&args), "creating arguments");
        check(zad_args_push_array_f64(args, copy, 1, shape, NULL), "passing u");
        check(zad_args_push_array_f64(args, du, 1, shape, NULL), "passing du");
        check(zad_args_push_array_f64(args, vu, 1, shape, NULL), "passing v_u");
        check(zad_args_push_array_f64(args, hu, 1, shape, NULL), "passing hv_u");
        check(zad_args_push_f64(args, k), "passing k");
        check(zad_args_push_f64(args, vk), "passing v_k");
        check(zad_args_push_f64(args, SCALE), "passing scale");
        check(zad_args_result_f64(args, &energy), "binding E");
        check(zad_args_result_f64(args, &dk), "binding dE/dk");
        check(zad_args_result_f64(args, &hk), "binding (Hv)_k");
        check(zad_function_call(hvp, args), "running the HVP");
        zad_args_free(args);

        /* The gradient it returns is the gradient's. */
        double gu[N], gk = 0.0;
        gradient_at(gradient, u, k, gu, &gk);
        for (int i = 0; i < N; i++) expect_close("gradient u", i, du[i], gu[i], 1e-12);
        expect_close("gradient k", 0, dk, gk, 1e-12);

        /* H v by central differences of the gradient along v. */
        const double h = 1e-5;
        double up[N], um[N], gup[N], gum[N], gkp = 0.0, gkm = 0.0;
        for (int i = 0; i < N; i++) {
            up[i] = u[i] + h * vu[i];
            um[i] = u[i] - h * vu[i];
        }
        gradient_at(gradient, up, k + h * vk, gup, &gkp);
        gradient_at(gradient, um, k - h * vk, gum, &gkm);
        for (int i = 0; i < N; i++) expect_close("hvp u", i, hu[i], (gup[i] - gum[i]) / (2 * h), 1e-6);
        expect_close("hvp k", 0, hk, (gkp - gkm) / (2 * h), 1e-6);
    }

    /* A wrong activity (a scalar as ZAD_DUP) is a status and a message. */
    const zad_activity wrong[3] = {ZAD_DUP, ZAD_DUP, ZAD_CONST};
    zad_function *bad = NULL;
    zad_status status = zad_module_hvp(module, "energy", wrong, 3, &bad);
    if (status == ZAD_SIGNATURE_ERROR && bad == NULL && strstr(zad_last_error(), "cannot be 'dup'") != NULL) {
        printf("ok wrong activity: %s\n", zad_last_error());
        passed++;
    } else {
        printf("FAIL wrong activity: status %d, message %s\n", (int)status, zad_last_error());
        failed++;
    }

    zad_function_free(hvp);
    zad_function_free(gradient);
    zad_module_free(module);
    zad_context_free(context);
    if (failed > 0) {
        printf("%d of %d checks failed\n", failed, passed + failed);
        return EXIT_FAILURE;
    }
    printf("all %d checks passed\n", passed);
    return EXIT_SUCCESS;
}
