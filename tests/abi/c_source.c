/* C source in, gradients out, through the C ABI: zad_module_load_c reads
 * tests/csource/dot.c and axpy.c (also compiled into this program, to
 * compare), differentiates them, refuses overlapping arrays for
 * parameters that may alias (not for restrict ones), and names the line
 * of C it cannot convert. Prints "OK" when every check passes. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <zad.h>

#include "../csource/axpy.c"
#include "../csource/dot.c"
#include "../csource/restrict_update.c"

static int failures = 0;

static void check(int ok, const char *what) {
  if (!ok) {
    printf("FAILED: %s (%s)\n", what, zad_last_error());
    failures++;
  }
}

int main(void) {
  zad_context *context = NULL;
  zad_module *dots = NULL, *updates = NULL, *copies = NULL, *rejected = NULL;
  zad_function *f = NULL, *grad = NULL, *axpy_fn = NULL, *copy_fn = NULL, *walk_fn = NULL;
  zad_args *args = NULL;
  double x[5] = {0.5, -1.0, 2.0, 0.25, 3.0}, y[5] = {1.0, 2.0, -0.5, 4.0, 0.125};
  double dx[5] = {0}, dy[5] = {0};
  int64_t n5 = 5;
  double value = 0.0;

  check(zad_context_new(&context) == ZAD_OK, "context");
  check(zad_module_load_c(context, "../csource/dot.c", NULL, &dots) == ZAD_OK, "load dot.c");
  check(zad_module_function(dots, "dot", &f) == ZAD_OK, "compile dot");
  check(zad_args_new(&args) == ZAD_OK, "args");
  zad_args_push_i32(args, 5);
  zad_args_push_array_f64(args, x, 1, &n5, NULL);
  zad_args_push_array_f64(args, y, 1, &n5, NULL);
  zad_args_result_f64(args, &value);
  check(zad_function_call(f, args) == ZAD_OK, "call dot");
  printf("dot: zad %.17g, C %.17g\n", value, dot(5, x, y));
  check(fabs(value - dot(5, x, y)) <= 1e-14, "dot matches C");

  /* The gradient of x.y: d/dx = y, d/dy = x. */
  zad_activity activity[3] = {ZAD_CONST, ZAD_DUP, ZAD_DUP};
  check(zad_module_gradient(dots, "dot", activity, 3, &grad) == ZAD_OK, "gradient of dot");
  zad_args_clear(args);
  zad_args_push_i32(args, 5);
  zad_args_push_array_f64(args, x, 1, &n5, NULL);
  zad_args_push_array_f64(args, dx, 1, &n5, NULL);
  zad_args_push_array_f64(args, y, 1, &n5, NULL);
  zad_args_push_array_f64(args, dy, 1, &n5, NULL);
  zad_args_result_f64(args, &value);
  check(zad_function_call(grad, args) == ZAD_OK, "call the gradient");
  double worst = 0.0;
  for (int i = 0; i < 5; i++) {
    worst = fmax(worst, fabs(dx[i] - y[i]));
    worst = fmax(worst, fabs(dy[i] - x[i]));
  }
  printf("gradient of dot: largest error %.3g\n", worst);
  check(worst == 0.0, "gradient of dot is (y, x)");

  /* axpy(n, a, x, y) writes y: the same array as x and y is refused. */
  check(zad_module_load_c(context, "../csource/axpy.c", NULL, &updates) == ZAD_OK, "load axpy.c");
  check(zad_module_function(updates, "axpy", &axpy_fn) == ZAD_OK, "compile axpy");
  double z[5] = {1, 2, 3, 4, 5}, expected[5];
  memcpy(expected, z, sizeof z);
  axpy(5, 2.0, x, expected);
  zad_args_clear(args);
  zad_args_push_i32(args, 5);
  zad_args_push_f64(args, 2.0);
  zad_args_push_array_f64(args, x, 1, &n5, NULL);
  zad_args_push_array_f64(args, z, 1, &n5, NULL);
  check(zad_function_call(axpy_fn, args) == ZAD_OK, "call axpy");
  for (int i = 0; i < 5; i++) check(fabs(z[i] - expected[i]) <= 1e-14, "axpy matches C");
  zad_args_clear(args);
  zad_args_push_i32(args, 4);
  zad_args_push_f64(args, 2.0);
  zad_args_push_array_f64(args, z, 1, &n5, NULL);
  int64_t n4 = 4;
  zad_args_push_array_f64(args, z + 1, 1, &n4, NULL);
  zad_status status = zad_function_call(axpy_fn, args);
  const char *message = zad_last_error();
  printf("overlapping x and y: status %d: %s\n", (int)status, message);
  check(status == ZAD_INVALID_ARGUMENT, "overlapping arrays are refused");
  check(strstr(message, "overlap") && strstr(message, "(%x)") && strstr(message, "(%y)"), "the refusal names x and y");
  check(z[1] == expected[1], "a refused call writes nothing");

  /* restrict: the caller promised; zad does not check. */
  check(zad_module_load_c(context, "../csource/restrict_update.c", NULL, &copies) == ZAD_OK, "load restrict_update.c");
  check(zad_module_function(copies, "scaled_copy", &copy_fn) == ZAD_OK, "compile scaled_copy");
  double w[6] = {1, 2, 3, 4, 5, 6};
  int64_t n3 = 3;
  zad_args_clear(args);
  zad_args_push_i32(args, 3);
  zad_args_push_f64(args, 1.0);
  zad_args_push_array_f64(args, w, 1, &n3, NULL);
  zad_args_push_array_f64(args, w + 3, 1, &n3, NULL);
  check(zad_function_call(copy_fn, args) == ZAD_OK, "restrict arrays side by side");
  check(w[3] == 1.0 && w[4] == 4.0 && w[5] == 9.0, "scaled_copy matches C");

  /* What zad cannot convert is refused with its line; the rest converts. */
  check(zad_module_load_c(context, "c_source_rejected.c", NULL, &rejected) == ZAD_OK, "load c_source_rejected.c");
  status = zad_module_function(rejected, "walk", &walk_fn);
  message = zad_last_error();
  printf("walk: status %d: %s\n", (int)status, message);
  check(status == ZAD_UNSUPPORTED, "walk is refused");
  check(strstr(message, "c_source_rejected.c:6:") != NULL, "the refusal names line 6");
  check(zad_module_function(rejected, "twice", &walk_fn) == ZAD_OK, "twice converts");

  zad_function_free(walk_fn);
  zad_function_free(copy_fn);
  zad_function_free(axpy_fn);
  zad_function_free(grad);
  zad_function_free(f);
  zad_args_free(args);
  zad_module_free(rejected);
  zad_module_free(copies);
  zad_module_free(updates);
  zad_module_free(dots);
  zad_context_free(context);
  printf(failures ? "FAILED\n" : "OK\n");
  return failures ? 1 : 0;
}
