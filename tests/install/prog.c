/* f(x) = sum(x^2) and its gradient 2x, through zad's C ABI. */
#include <math.h>
#include <stdio.h>
#include <zad.h>

static const char KERNEL[] =
    "func.func @sumsq(%x: memref<?xf64>) -> f64 {\n"
    "  %c0 = arith.constant 0 : index\n"
    "  %c1 = arith.constant 1 : index\n"
    "  %zero = arith.constant 0.0 : f64\n"
    "  %n = memref.dim %x, %c0 : memref<?xf64>\n"
    "  %s = scf.for %i = %c0 to %n step %c1 iter_args(%a = %zero) -> f64 {\n"
    "    %v = memref.load %x[%i] : memref<?xf64>\n"
    "    %w = arith.mulf %v, %v : f64\n"
    "    %b = arith.addf %a, %w : f64\n"
    "    scf.yield %b : f64\n"
    "  }\n"
    "  return %s : f64\n"
    "}\n";

static int check(zad_status status) {
    if (status != ZAD_OK) fprintf(stderr, "zad: %s\n", zad_last_error());
    return status == ZAD_OK;
}

int main(void) {
    zad_context *context = NULL;
    zad_module *module = NULL;
    zad_function *gradient = NULL;
    zad_args *args = NULL;
    double x[3] = {1, 2, 3}, dx[3] = {0, 0, 0}, f = 0;
    const int64_t shape[1] = {3};
    const zad_activity activity[1] = {ZAD_DUP};
    if (!check(zad_context_new(&context)) || !check(zad_module_parse(context, KERNEL, "sumsq.mlir", &module)) ||
        !check(zad_module_gradient(module, "sumsq", activity, 1, &gradient)) || !check(zad_args_new(&args)) ||
        !check(zad_args_push_array_f64(args, x, 1, shape, NULL)) ||
        !check(zad_args_push_array_f64(args, dx, 1, shape, NULL)) || !check(zad_args_result_f64(args, &f)) ||
        !check(zad_function_call(gradient, args))) {
        return 1;
    }
    int ok = f == 14 && dx[0] == 2 && dx[1] == 4 && dx[2] == 6;
    printf("C: zad %s, f = %g, df/dx = [%g, %g, %g] %s\n", zad_version(), f, dx[0], dx[1], dx[2],
           ok ? "OK" : "WRONG");
    zad_args_free(args);
    zad_function_free(gradient);
    zad_module_free(module);
    zad_context_free(context);
    return ok ? 0 : 1;
}
