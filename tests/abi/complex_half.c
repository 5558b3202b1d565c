/* Complex and half-precision arguments from C (kernels in
 * complex_half.mlir): double _Complex scalars and arrays, float _Complex
 * results, f16/bf16 scalars and arrays (as their 16 bits), and gradients
 * with respect to complex arguments, checked against central differences
 * of the real and imaginary parts (the gradient of a real f with respect
 * to z = x + iy is df/dx + i df/dy). Prints "ok ..." per check and "all N
 * checks passed" at the end. */
#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zad.h>

#define N 4

static int checks = 0, failures = 0;

static void check(int ok, const char *what) {
    ++checks;
    if (!ok) ++failures;
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) printf("     last error: %s\n", zad_last_error());
}

static double complex w0[N] = {1.0 + 0.5 * I, -0.3 + 1.0 * I, 0.7 - 0.2 * I, 0.1 + 0.1 * I};

/* The primal, called on a fresh copy of w each time (the kernel writes w). */
static double response(zad_function *function, double complex z, double c, float h) {
    double complex w[N];
    int64_t n = N;
    double f = NAN;
    zad_args *args;
    memcpy(w, w0, sizeof w);
    zad_args_new(&args);
    zad_args_push_c64(args, creal(z), cimag(z));
    zad_args_push_array_c64(args, w, 1, &n, NULL);
    zad_args_push_f64(args, c);
    zad_args_push_f16(args, h);
    zad_args_result_f64(args, &f);
    if (zad_function_call(function, args) != ZAD_OK) printf("     call failed: %s\n", zad_last_error());
    zad_args_free(args);
    return f;
}

static double relative(double got, double expected) { return fabs(got - expected) / fmax(1.0, fabs(expected)); }

int main(void) {
    zad_context *context;
    zad_module *module;
    zad_function *primal = NULL, *gradient = NULL, *horner = NULL, *horner_gradient = NULL, *halves = NULL;
    const zad_activity activity[4] = {ZAD_ACTIVE, ZAD_DUP, ZAD_ACTIVE, ZAD_ACTIVE};
    const zad_activity horner_activity[2] = {ZAD_DUP, ZAD_ACTIVE};
    double complex z = 0.6 - 0.4 * I, w[N], dw[N];
    double c = 0.3, f = NAN, dc = NAN, worst = 0.0, eps = 1e-6;
    double complex dz = NAN;
    float h = 1.5f, dh = NAN;
    int64_t n = N;
    zad_args *args;

    zad_context_new(&context);
    check(zad_module_load(context, "complex_half.mlir", &module) == ZAD_OK, "load complex_half.mlir");
    check(zad_module_function(module, "response", &primal) == ZAD_OK, "compile @response");
    check(zad_module_gradient(module, "response", activity, 4, &gradient) == ZAD_OK,
          "gradient of @response with a complex active scalar, a complex dup array and an f16 active scalar");

    /* The gradient: z, w, dw, c, h; results f, df/dz (complex), df/dc, df/dh (f16, widened). */
    memcpy(w, w0, sizeof w);
    memset(dw, 0, sizeof dw);
    zad_args_new(&args);
    zad_args_push_c64(args, creal(z), cimag(z));
    zad_args_push_array_c64(args, w, 1, &n, NULL);
    zad_args_push_array_c64(args, dw, 1, &n, NULL);
    zad_args_push_f64(args, c);
    zad_args_push_f16(args, h);
    zad_args_result_f64(args, &f);
    zad_args_result_c64(args, (double *)&dz);
    zad_args_result_f64(args, &dc);
    zad_args_result_f16(args, &dh);
    check(zad_function_call(gradient, args) == ZAD_OK, "call the gradient");
    zad_args_free(args);
    check(relative(f, response(primal, z, c, h)) < 1e-12, "the gradient's primal value equals the function's");

    {
        double fd_x = (response(primal, z + eps, c, h) - response(primal, z - eps, c, h)) / (2 * eps);
        double fd_y = (response(primal, z + eps * I, c, h) - response(primal, z - eps * I, c, h)) / (2 * eps);
        double fd_c = (response(primal, z, c + eps, h) - response(primal, z, c - eps, h)) / (2 * eps);
        /* h is an f16: difference with a step f16 represents exactly, and f16's precision. */
        double fd_h = (response(primal, z, c, 1.5f + 0.0625f) - response(primal, z, c, 1.5f - 0.0625f)) / 0.125;
        worst = fmax(worst, relative(creal(dz), fd_x));
        worst = fmax(worst, relative(cimag(dz), fd_y));
        worst = fmax(worst, relative(dc, fd_c));
        printf("df/dz = %.10f%+.10fi (central differences %.10f%+.10fi)\n", creal(dz), cimag(dz), fd_x, fd_y);
        check(relative(dh, fd_h) < 1e-2, "df/dh (f16) matches a central difference at f16 precision");
    }
    /* df/dw_k from differences of the real and imaginary parts of w_k. */
    for (int k = 0; k < N; ++k) {
        double complex saved = w0[k], parts[2] = {eps, eps * I};
        for (int part = 0; part < 2; ++part) {
            double plus, minus, fd;
            w0[k] = saved + parts[part];
            plus = response(primal, z, c, h);
            w0[k] = saved - parts[part];
            minus = response(primal, z, c, h);
            w0[k] = saved;
            fd = (plus - minus) / (2 * eps);
            worst = fmax(worst, relative(part == 0 ? creal(dw[k]) : cimag(dw[k]), fd));
        }
    }
    printf("max relative error: %.3e\n", worst);
    check(worst < 1e-6, "gradients with respect to z, w (double _Complex array) and c match central differences");

    /* A float _Complex result and its gradient with a complex seed. */
    {
        float complex a[3] = {1.0f, 1.0f * I, 2.0f}, da[3] = {0, 0, 0}, p = NAN, dzh = NAN, p2 = NAN;
        float complex zh = 0.5f + 0.5f * I;
        int64_t three = 3;
        check(zad_module_function(module, "horner", &horner) == ZAD_OK, "compile @horner");
        zad_args_new(&args);
        zad_args_push_array_c32(args, a, 1, &three, NULL);
        zad_args_push_c32(args, crealf(zh), cimagf(zh));
        zad_args_result_c32(args, (float *)&p);
        check(zad_function_call(horner, args) == ZAD_OK && cabsf(p - (0.5f + 1.5f * I)) < 1e-6f,
              "a float _Complex result: p(z) = 1 + i z + 2 z^2 = 0.5 + 1.5i");
        zad_args_free(args);
        check(zad_module_gradient(module, "horner", horner_activity, 2, &horner_gradient) == ZAD_OK, "gradient of @horner");
        zad_args_new(&args);
        zad_args_push_array_c32(args, a, 1, &three, NULL);
        zad_args_push_array_c32(args, da, 1, &three, NULL);
        zad_args_push_c32(args, crealf(zh), cimagf(zh));
        zad_args_push_c32(args, 1.0f, 0.0f); /* the seed: the real part of p */
        zad_args_result_c32(args, (float *)&p2);
        zad_args_result_c32(args, (float *)&dzh);
        check(zad_function_call(horner_gradient, args) == ZAD_OK, "call the gradient of @horner");
        zad_args_free(args);
        /* d re(p) with respect to a_k is conj(z^k), with respect to z conj(p'(z)) = conj(i + 4z). */
        check(cabsf(da[0] - 1.0f) < 1e-6f && cabsf(da[1] - conjf(zh)) < 1e-6f && cabsf(da[2] - conjf(zh * zh)) < 1e-6f,
              "the gradient of re p(z) with respect to the coefficients is conj(z^k)");
        check(cabsf(dzh - conjf(1.0f * I + 4.0f * zh)) < 1e-6f, "the gradient of re p(z) with respect to z is conj(p'(z))");
    }

    /* Half precision: an f16 array (its bits), a bf16 scalar, an f16 result. */
    {
        /* 1.0, 2.0, 3.5 and -0.25 as f16 bits */
        uint16_t x[4] = {0x3C00, 0x4000, 0x4300, 0xB400};
        int64_t four = 4;
        float sum = NAN;
        check(zad_module_function(module, "halves", &halves) == ZAD_OK, "compile @halves");
        zad_args_new(&args);
        zad_args_push_array_f16(args, x, 1, &four, NULL);
        zad_args_push_bf16(args, 0.5f);
        zad_args_result_f16(args, &sum);
        check(zad_function_call(halves, args) == ZAD_OK && sum == 3.125f && x[0] == 0x3800 && x[3] == 0xB000,
              "an f16 array scaled in place by a bf16 and summed to an f16 result");
        zad_args_free(args);
    }

    zad_function_free(primal);
    zad_function_free(gradient);
    zad_function_free(horner);
    zad_function_free(horner_gradient);
    zad_function_free(halves);
    zad_module_free(module);
    zad_context_free(context);
    if (failures) {
        printf("%d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("all %d checks passed\n", checks);
    return 0;
}
