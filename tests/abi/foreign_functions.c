/* Foreign functions from C: kernels (foreign.mlir) call an equation of
 * state and a smoother defined here and registered on the context; a
 * missing routine, a bounds violation and bad options come back as
 * statuses with messages. Prints "ok ..." per check and "all N checks
 * passed" at the end. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <zad.h>

typedef ZAD_MEMREF(double, 1) vector;

static int checks = 0, failures = 0;

static void check(int ok, const char *what) {
    ++checks;
    if (!ok) ++failures;
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) printf("     last error: %s\n", zad_last_error());
}

/* p = rho t (1 + 0.1 rho): an ideal gas with a correction. */
static double eos_pressure(double rho, double t) { return rho * t * (1.0 + 0.1 * rho); }

/* u_i <- (1 - w) u_i + w (u_{i-1} + u_{i+1}) / 2 inside, through the
 * descriptor (a view: offset and strides honoured). */
static int smooth_calls = 0;
static void smooth(vector *u, double w) {
    double previous = u->aligned[u->offset];
    ++smooth_calls;
    for (int64_t i = 1; i + 1 < u->sizes[0]; ++i) {
        double *here = &u->aligned[u->offset + i * u->strides[0]];
        double next = u->aligned[u->offset + (i + 1) * u->strides[0]];
        double old = *here;
        *here = (1.0 - w) * old + w * 0.5 * (previous + next);
        previous = old;
    }
}

static double call_1(zad_function *function, double *data, int64_t n, double scalar, int *status) {
    zad_args *args;
    double result = NAN;
    zad_args_new(&args);
    zad_args_push_array_f64(args, data, 1, &n, NULL);
    zad_args_push_f64(args, scalar);
    zad_args_result_f64(args, &result);
    *status = zad_function_call(function, args);
    zad_args_free(args);
    return result;
}

int main(void) {
    zad_context *context;
    zad_module *module;
    zad_function *pressure = NULL, *smoothed = NULL, *broken = NULL, *element = NULL;
    double rho[4] = {1.0, 1.5, 2.0, 0.5}, u[5] = {0.0, 1.0, 0.0, 1.0, 4.0}, expected_u[5];
    int status;

    zad_context_new(&context);
    check(zad_context_register_function(context, "eos_pressure", (zad_foreign_fn)eos_pressure) == ZAD_OK &&
              zad_context_register_function(context, "smooth", (zad_foreign_fn)smooth) == ZAD_OK,
          "zad_context_register_function: eos_pressure and smooth");
    check(zad_module_load(context, "foreign.mlir", &module) == ZAD_OK, "foreign.mlir loads");

    check(zad_module_function(module, "total_pressure", &pressure) == ZAD_OK, "a kernel calling a scalar foreign function compiles");
    double expected = 0.0;
    for (int i = 0; i < 4; ++i) expected += eos_pressure(rho[i], 300.0);
    double total = call_1(pressure, rho, 4, 300.0, &status);
    check(status == ZAD_OK && fabs(total - expected) <= 1e-12 * expected, "sum of eos_pressure over rho matches C");

    memcpy(expected_u, u, sizeof u);
    smooth_calls = 0;
    {
        vector view = {expected_u, expected_u, 0, {5}, {1}};
        smooth(&view, 0.5);
    }
    check(zad_module_function(module, "smoothed_last", &smoothed) == ZAD_OK, "a kernel passing a buffer to a foreign function compiles");
    double last = call_1(smoothed, u, 5, 0.5, &status);
    check(status == ZAD_OK && smooth_calls == 2 && memcmp(u, expected_u, sizeof u) == 0 && last == 4.0,
          "smooth received the caller's array through its descriptor and changed it in place");

    /* A missing routine refuses only the kernels that call it. */
    status = zad_module_function(module, "uses_legacy_flux", &broken);
    check(status == ZAD_NOT_FOUND && broken == NULL && strstr(zad_last_error(), "foreign.mlir:37:8: @uses_legacy_flux calls") &&
              strstr(zad_last_error(), "@legacy_flux, which was not found"),
          "a kernel calling an undefined routine: ZAD_NOT_FOUND naming it and the call's location");
    check(zad_module_function(module, "element", &element) == ZAD_OK, "the module's other kernels still compile");

    /* Bounds checks, opted into on the context: a status, not a crash. */
    zad_module *checked;
    zad_function *checked_element = NULL;
    check(zad_context_set_option(context, ZAD_OPTION_CHECK_BOUNDS, 1) == ZAD_OK, "zad_context_set_option(ZAD_OPTION_CHECK_BOUNDS, 1)");
    zad_module_load(context, "foreign.mlir", &checked);
    zad_module_function(checked, "element", &checked_element);
    {
        zad_args *args;
        double value = 0.0;
        int64_t n = 5;
        zad_args_new(&args);
        zad_args_push_array_f64(args, u, 1, &n, NULL);
        zad_args_push_index(args, 5);
        zad_args_result_f64(args, &value);
        status = zad_function_call(checked_element, args);
        check(status == ZAD_RUNTIME_ERROR &&
                  strstr(zad_last_error(), "foreign.mlir:43:8: memref.load: index 5 is out of bounds for dimension 0 of size 5"),
              "an index out of bounds: ZAD_RUNTIME_ERROR with the op and its location");
        zad_args_clear(args);
        zad_args_push_array_f64(args, u, 1, &n, NULL);
        zad_args_push_index(args, 4);
        zad_args_result_f64(args, &value);
        check(zad_function_call(checked_element, args) == ZAD_OK && value == 4.0, "the next call works");
        zad_args_free(args);
    }
    check(zad_context_set_option(context, ZAD_OPTION_CHECK_BOUNDS, 2) == ZAD_INVALID_ARGUMENT &&
              zad_context_set_option(context, 99, 1) == ZAD_INVALID_ARGUMENT &&
              zad_context_set_option(NULL, ZAD_OPTION_CHECK_BOUNDS, 1) == ZAD_INVALID_ARGUMENT,
          "zad_context_set_option: bad values, unknown options and NULL are ZAD_INVALID_ARGUMENT");
    check(zad_context_register_function(context, "x", NULL) == ZAD_INVALID_ARGUMENT &&
              zad_context_register_function(context, NULL, (zad_foreign_fn)smooth) == ZAD_INVALID_ARGUMENT,
          "zad_context_register_function: NULL function or name");
    status = zad_context_load_library(context, "/nonexistent/libnothing.so");
    check(status == ZAD_IO_ERROR && strstr(zad_last_error(), "/nonexistent/libnothing.so: cannot load the library"),
          "zad_context_load_library: a missing library is ZAD_IO_ERROR with the loader's message");

    zad_function_free(checked_element);
    zad_module_free(checked);
    zad_function_free(pressure);
    zad_function_free(smoothed);
    zad_function_free(element);
    zad_module_free(module);
    zad_context_free(context);
    if (failures) {
        printf("%d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    printf("all %d checks passed\n", checks);
    return 0;
}
