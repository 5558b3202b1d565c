/* zad_module_tangent and zad_module_tangent_batch from C, on @wave of
 * tangent.mlir: tangents against the formulas in that file, the lanes of
 * a width-3 tangent against three width-1 calls, and the statuses and
 * messages of wrong uses. Prints "ok ..." per check and "all N checks
 * passed", or exits non-zero. Run from this directory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zad.h"

enum { N = 5, WIDTH = 3 };

static int checks = 0, failures = 0;

static void check(int condition, const char *what) {
    checks++;
    if (condition) {
        printf("ok    %s\n", what);
    } else {
        failures++;
        printf("FAIL  %s (last error: %s)\n", what, zad_last_error());
    }
}

static void require(zad_status status, const char *what) {
    if (status != ZAD_OK) {
        fprintf(stderr, "tangent: %s failed (status %d): %s\n", what, (int)status, zad_last_error());
        exit(EXIT_FAILURE);
    }
}

static int close_to(double got, double expected) {
    return fabs(got - expected) <= 1e-12 * fmax(1.0, fabs(expected));
}

/* The tangent of @wave by the formulas: df, and dy into dy. */
static double reference(const double *x, double a, const double *dx, double da, double *dy) {
    double df = 0.0;
    for (int i = 0; i < N; i++) {
        double t = a * x[i], dt = da * x[i] + a * dx[i];
        df += 2.0 * sin(t) * cos(t) * dt;
        dy[i] = exp(t) * dt;
    }
    return df;
}

int main(void) {
    zad_context *context = NULL;
    zad_module *module = NULL;
    zad_function *tangent = NULL, *batch = NULL, *none = NULL;
    zad_args *args = NULL;
    require(zad_context_new(&context), "creating a context");
    require(zad_module_load(context, "tangent.mlir", &module), "loading tangent.mlir");
    const zad_activity activity[4] = {ZAD_DUP, ZAD_DUP, ZAD_DUP, ZAD_CONST};
    const int64_t shape[1] = {N};
    double x[N], y[N], dirs_x[WIDTH][N], dirs_a[WIDTH];
    for (int i = 0; i < N; i++) x[i] = 0.3 + 0.2 * i;
    for (int k = 0; k < WIDTH; k++) {
        dirs_a[k] = 0.5 - 0.25 * k;
        for (int i = 0; i < N; i++) dirs_x[k][i] = sin(1.0 + i + 7.0 * k);
    }
    const double a = 1.3;

    /* Width 1. */
    require(zad_module_tangent(module, "wave", activity, 4, &tangent), "zad_module_tangent");
    size_t num_args = 0, num_results = 0;
    require(zad_function_arity(tangent, &num_args, &num_results), "zad_function_arity");
    check(num_args == 7 && num_results == 2, "arity: x, dx, a, da, y, dy, n; f and df");
    double dx[N], dy[N], f = 0.0, df = 0.0, expected_dy[N];
    memcpy(dx, dirs_x[0], sizeof dx);
    memset(dy, 0, sizeof dy);
    require(zad_args_new(&args), "zad_args_new");
    require(zad_args_push_array_f64(args, x, 1, shape, NULL), "x");
    require(zad_args_push_array_f64(args, dx, 1, shape, NULL), "dx");
    require(zad_args_push_f64(args, a), "a");
    require(zad_args_push_f64(args, dirs_a[0]), "da");
    require(zad_args_push_array_f64(args, y, 1, shape, NULL), "y");
    require(zad_args_push_array_f64(args, dy, 1, shape, NULL), "dy");
    require(zad_args_push_index(args, N), "n");
    require(zad_args_result_f64(args, &f), "f");
    require(zad_args_result_f64(args, &df), "df");
    require(zad_function_call(tangent, args), "calling the tangent");
    double expected_df = reference(x, a, dirs_x[0], dirs_a[0], expected_dy);
    double expected_f = 0.0;
    for (int i = 0; i < N; i++) expected_f += sin(a * x[i]) * sin(a * x[i]);
    check(close_to(f, expected_f), "the tangent returns f");
    check(close_to(df, expected_df), "df matches the formula");
    int dy_ok = 1, y_ok = 1;
    for (int i = 0; i < N; i++) {
        dy_ok &= close_to(dy[i], expected_dy[i]);
        y_ok &= close_to(y[i], exp(a * x[i]));
    }
    check(y_ok, "the tangent writes y");
    check(dy_ok, "dy holds the tangent of y's final contents");

    /* Width 3: three directions at once, lane by lane. */
    require(zad_module_tangent_batch(module, "wave", activity, 4, WIDTH, &batch), "zad_module_tangent_batch");
    require(zad_function_arity(batch, &num_args, &num_results), "zad_function_arity");
    check(num_args == 1 + WIDTH + 1 + WIDTH + 1 + WIDTH + 1 && num_results == 1 + WIDTH,
          "batch arity: each dup argument followed by 3 tangents; f and 3 tangents");
    double bx[WIDTH][N], by[WIDTH][N], bdf[WIDTH];
    memcpy(bx, dirs_x, sizeof bx);
    memset(by, 0, sizeof by);
    require(zad_args_clear(args), "zad_args_clear");
    require(zad_args_push_array_f64(args, x, 1, shape, NULL), "x");
    for (int k = 0; k < WIDTH; k++) require(zad_args_push_array_f64(args, bx[k], 1, shape, NULL), "dx_k");
    require(zad_args_push_f64(args, a), "a");
    for (int k = 0; k < WIDTH; k++) require(zad_args_push_f64(args, dirs_a[k]), "da_k");
    require(zad_args_push_array_f64(args, y, 1, shape, NULL), "y");
    for (int k = 0; k < WIDTH; k++) require(zad_args_push_array_f64(args, by[k], 1, shape, NULL), "dy_k");
    require(zad_args_push_index(args, N), "n");
    require(zad_args_result_f64(args, &f), "f");
    for (int k = 0; k < WIDTH; k++) require(zad_args_result_f64(args, &bdf[k]), "df_k");
    require(zad_function_call(batch, args), "calling the batched tangent");
    int lanes_ok = 1;
    for (int k = 0; k < WIDTH; k++) {
        lanes_ok &= close_to(bdf[k], reference(x, a, dirs_x[k], dirs_a[k], expected_dy));
        for (int i = 0; i < N; i++) lanes_ok &= close_to(by[k][i], expected_dy[i]);
    }
    check(lanes_ok, "each lane of the width-3 tangent matches its direction");

    /* A tangent of the wrong shape is refused, in the user's terms. */
    double short_dx[N - 1] = {0};
    const int64_t short_shape[1] = {N - 1};
    require(zad_args_clear(args), "zad_args_clear");
    require(zad_args_push_array_f64(args, x, 1, shape, NULL), "x");
    require(zad_args_push_array_f64(args, short_dx, 1, short_shape, NULL), "a short dx");
    require(zad_args_push_f64(args, a), "a");
    require(zad_args_push_f64(args, 1.0), "da");
    require(zad_args_push_array_f64(args, y, 1, shape, NULL), "y");
    require(zad_args_push_array_f64(args, dy, 1, shape, NULL), "dy");
    require(zad_args_push_index(args, N), "n");
    require(zad_args_result_f64(args, &f), "f");
    require(zad_args_result_f64(args, &df), "df");
    check(zad_function_call(tangent, args) == ZAD_SIGNATURE_ERROR &&
              strstr(zad_last_error(), "the tangent of @wave: the tangent of argument 1 (%x) has shape [4]") != NULL,
          "a tangent of the wrong shape: ZAD_SIGNATURE_ERROR naming it");

    /* Wrong requests. */
    const zad_activity on_index[4] = {ZAD_DUP, ZAD_DUP, ZAD_DUP, ZAD_DUP};
    check(zad_module_tangent(module, "wave", on_index, 4, &none) == ZAD_SIGNATURE_ERROR && none == NULL &&
              strstr(zad_last_error(), "argument 4 (%n) has type index and cannot have a tangent") != NULL,
          "ZAD_DUP on an index: ZAD_SIGNATURE_ERROR naming the argument");
    check(zad_module_tangent_batch(module, "wave", activity, 4, 0, &none) == ZAD_INVALID_ARGUMENT &&
              strstr(zad_last_error(), "width") != NULL,
          "width 0: ZAD_INVALID_ARGUMENT");
    check(zad_module_tangent(module, "wave", activity, 3, &none) == ZAD_SIGNATURE_ERROR,
          "too few activities: ZAD_SIGNATURE_ERROR");
    check(zad_module_tangent(module, "nope", activity, 4, &none) == ZAD_NOT_FOUND, "an unknown function: ZAD_NOT_FOUND");
    check(zad_module_tangent(module, "wave", activity, 4, NULL) == ZAD_INVALID_ARGUMENT, "out NULL: ZAD_INVALID_ARGUMENT");
    check(zad_module_tangent(NULL, "wave", activity, 4, &none) == ZAD_INVALID_ARGUMENT, "module NULL: ZAD_INVALID_ARGUMENT");

    zad_args_free(args);
    zad_function_free(batch);
    zad_function_free(tangent);
    zad_module_free(module);
    zad_context_free(context);
    if (failures > 0) {
        printf("%d of %d checks FAILED\n", failures, checks);
        return EXIT_FAILURE;
    }
    printf("all %d checks passed\n", checks);
    return EXIT_SUCCESS;
}
