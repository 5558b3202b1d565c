/* Custom derivatives of foreign functions from C: the kernels of
 * custom_derivatives.mlir call an equation of state and a weighted norm
 * defined here; their adjoints and tangents, registered with
 * zad_context_register_derivative, are what zad's gradients and tangents
 * call. Checked against central finite differences of the primal. Prints
 * "ok ..." per check and "all N checks passed" at the end. */
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

/* p = rho t (1 + 0.1 rho) */
static double eos(double rho, double t) { return rho * t * (1.0 + 0.1 * rho); }

/* The adjoint: (rho, t, seed) -> (p, seed dp/drho, seed dp/dt); several
 * results come back through a struct passed first. */
typedef struct { double p, drho, dt; } eos_adjoint_out;
static int eos_adjoint_calls = 0;
static void eos_adjoint(eos_adjoint_out *out, double rho, double t, double seed) {
    ++eos_adjoint_calls;
    out->p = eos(rho, t);
    out->drho = seed * t * (1.0 + 0.2 * rho);
    out->dt = seed * rho * (1.0 + 0.1 * rho);
}

/* The tangent: (rho, drho, t, dt) -> (p, dp). */
typedef struct { double p, dp; } eos_tangent_out;
static void eos_tangent(eos_tangent_out *out, double rho, double drho, double t, double dt) {
    out->p = eos(rho, t);
    out->dp = drho * t * (1.0 + 0.2 * rho) + dt * rho * (1.0 + 0.1 * rho);
}

static double element(const vector *u, int64_t i) { return u->aligned[u->offset + i * u->strides[0]]; }

/* s = w sum u_i^2 */
static double wnorm(vector *u, double w) {
    double s = 0.0;
    for (int64_t i = 0; i < u->sizes[0]; ++i) s += element(u, i) * element(u, i);
    return w * s;
}

/* (u, du, w, seed) -> (s, seed ds/dw), du_i += seed ds/du_i. */
typedef struct { double s, dw; } wnorm_adjoint_out;
static void wnorm_adjoint(wnorm_adjoint_out *out, vector *u, vector *du, double w, double seed) {
    double squares = 0.0;
    for (int64_t i = 0; i < u->sizes[0]; ++i) {
        squares += element(u, i) * element(u, i);
        du->aligned[du->offset + i * du->strides[0]] += seed * 2.0 * w * element(u, i);
    }
    out->s = w * squares;
    out->dw = seed * squares;
}

/* (u, du, w, dw) -> (s, ds) */
typedef struct { double s, ds; } wnorm_tangent_out;
static void wnorm_tangent(wnorm_tangent_out *out, vector *u, vector *du, double w, double dw) {
    double squares = 0.0, dsquares = 0.0;
    for (int64_t i = 0; i < u->sizes[0]; ++i) {
        squares += element(u, i) * element(u, i);
        dsquares += 2.0 * element(u, i) * element(du, i);
    }
    out->s = w * squares;
    out->ds = dw * squares + w * dsquares;
}

static double energy(zad_function *function, double *u, int64_t n, double rho, double t) {
    zad_args *args;
    double result = NAN;
    zad_args_new(&args);
    zad_args_push_array_f64(args, u, 1, &n, NULL);
    zad_args_push_f64(args, rho);
    zad_args_push_f64(args, t);
    zad_args_result_f64(args, &result);
    if (zad_function_call(function, args) != ZAD_OK) result = NAN;
    zad_args_free(args);
    return result;
}

static int close_to(double a, double b) { return fabs(a - b) <= 1e-6 * fmax(1.0, fabs(b)); }

int main(void) {
    zad_context *context;
    zad_module *module;
    zad_function *primal = NULL, *gradient = NULL, *tangent = NULL, *opaque = NULL;
    enum { N = 4 };
    int64_t n = N;
    double u[N] = {0.5, -1.0, 1.5, 0.25}, du[N] = {0};
    double rho = 1.3, t = 0.7, h = 1e-6;

    zad_context_new(&context);
    check(zad_context_register_function(context, "eos", (zad_foreign_fn)eos) == ZAD_OK &&
              zad_context_register_function(context, "wnorm", (zad_foreign_fn)wnorm) == ZAD_OK,
          "zad_context_register_function: eos and wnorm");
    check(zad_context_register_derivative(context, "eos", (zad_foreign_fn)eos_adjoint, (zad_foreign_fn)eos_tangent) == ZAD_OK &&
              zad_context_register_derivative(context, "wnorm", (zad_foreign_fn)wnorm_adjoint, NULL) == ZAD_OK &&
              zad_context_register_derivative(context, "wnorm", NULL, (zad_foreign_fn)wnorm_tangent) == ZAD_OK,
          "zad_context_register_derivative: eos (both), wnorm (adjoint, then tangent)");
    check(zad_context_register_derivative(context, "eos", NULL, NULL) == ZAD_INVALID_ARGUMENT &&
              strstr(zad_last_error(), "both NULL"),
          "registering neither derivative is ZAD_INVALID_ARGUMENT");
    check(zad_module_load(context, "custom_derivatives.mlir", &module) == ZAD_OK, "custom_derivatives.mlir loads");
    check(zad_module_function(module, "energy", &primal) == ZAD_OK, "the primal compiles");

    zad_activity activity[3] = {ZAD_DUP, ZAD_ACTIVE, ZAD_ACTIVE};
    check(zad_module_gradient(module, "energy", activity, 3, &gradient) == ZAD_OK, "its gradient compiles");
    {
        zad_args *args;
        double value = NAN, drho = NAN, dt = NAN;
        zad_args_new(&args);
        zad_args_push_array_f64(args, u, 1, &n, NULL);
        zad_args_push_array_f64(args, du, 1, &n, NULL);
        zad_args_push_f64(args, rho);
        zad_args_push_f64(args, t);
        zad_args_result_f64(args, &value);
        zad_args_result_f64(args, &drho);
        zad_args_result_f64(args, &dt);
        check(zad_function_call(gradient, args) == ZAD_OK && eos_adjoint_calls == 1, "the gradient runs, calling eos_adjoint once");
        zad_args_free(args);
        check(close_to(value, energy(primal, u, n, rho, t)), "the gradient's primal result is the energy");
        double fd_rho = (energy(primal, u, n, rho + h, t) - energy(primal, u, n, rho - h, t)) / (2 * h);
        double fd_t = (energy(primal, u, n, rho, t + h) - energy(primal, u, n, rho, t - h)) / (2 * h);
        printf("d/drho %.12e %.12e\nd/dt %.12e %.12e\n", drho, fd_rho, dt, fd_t);
        check(close_to(drho, fd_rho) && close_to(dt, fd_t), "dE/drho and dE/dt match finite differences");
        int all = 1;
        for (int i = 0; i < N; ++i) {
            double saved = u[i];
            u[i] = saved + h;
            double plus = energy(primal, u, n, rho, t);
            u[i] = saved - h;
            double minus = energy(primal, u, n, rho, t);
            u[i] = saved;
            printf("d/du[%d] %.12e %.12e\n", i, du[i], (plus - minus) / (2 * h));
            all = all && close_to(du[i], (plus - minus) / (2 * h));
        }
        check(all, "dE/du (accumulated by wnorm_adjoint into the shadow) matches finite differences");
    }

    zad_module *tangent_module = NULL;
    check(zad_module_load(context, "custom_tangent.mlir", &tangent_module) == ZAD_OK &&
              zad_module_function(tangent_module, "energy_tangent", &tangent) == ZAD_OK,
          "the kernel taking a tangent (zad.tangent, custom_tangent.mlir) compiles");
    {
        double direction[N] = {0.3, -0.2, 0.1, 0.4}, drho = -0.5, dt = 0.8, moved[N];
        zad_args *args;
        double jvp = NAN;
        zad_args_new(&args);
        zad_args_push_array_f64(args, u, 1, &n, NULL);
        zad_args_push_array_f64(args, direction, 1, &n, NULL);
        zad_args_push_f64(args, rho);
        zad_args_push_f64(args, drho);
        zad_args_push_f64(args, t);
        zad_args_push_f64(args, dt);
        zad_args_result_f64(args, &jvp);
        check(zad_function_call(tangent, args) == ZAD_OK, "the tangent runs (eos_tangent and wnorm_tangent)");
        zad_args_free(args);
        double plus, minus;
        for (int i = 0; i < N; ++i) moved[i] = u[i] + h * direction[i];
        plus = energy(primal, moved, n, rho + h * drho, t + h * dt);
        for (int i = 0; i < N; ++i) moved[i] = u[i] - h * direction[i];
        minus = energy(primal, moved, n, rho - h * drho, t - h * dt);
        printf("jvp %.12e %.12e\n", jvp, (plus - minus) / (2 * h));
        check(close_to(jvp, (plus - minus) / (2 * h)), "the tangent matches a directional finite difference");
    }

    check(zad_module_gradient(module, "uses_opaque", activity + 1, 1, &opaque) == ZAD_UNSUPPORTED && opaque == NULL &&
              strstr(zad_last_error(), "custom_derivatives.mlir:13:8") && strstr(zad_last_error(), "@opaque") &&
              strstr(zad_last_error(), "zad.adjoint") && strstr(zad_last_error(), "zad_context_register_derivative"),
          "a foreign function without a derivative on the active path: ZAD_UNSUPPORTED naming it, the call and both remedies");

    zad_function_free(primal);
    zad_function_free(gradient);
    zad_function_free(tangent);
    zad_module_free(module);
    zad_module_free(tangent_module);
    zad_context_free(context);
    if (failures == 0) printf("all %d checks passed\n", checks);
    return failures == 0 ? 0 : 1;
}
