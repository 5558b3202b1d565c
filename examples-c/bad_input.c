/*
 * Everything a C caller can get wrong, and what zad answers: for each case
 * the exact status code, a message from zad_last_error() that names the
 * culprit (the function, the argument, the file:line:col of MLIR text),
 * and, where the header promises it, that nothing was written or run.
 *
 * Prints one line per case and a summary; exits non-zero if any case did
 * not behave as documented. Run from this directory (it opens
 * bad_input.mlir). A panic message from the zad_debug_panic case on
 * standard error is expected: the panic is caught at the boundary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <stdint.h>

#include "zad.h"

static int cases = 0;
static int failures = 0;

static const char *status_name(zad_status status) {
    switch (status) {
    case ZAD_OK: return "ZAD_OK";
    case ZAD_PARSE_ERROR: return "ZAD_PARSE_ERROR";
    case ZAD_VERIFY_ERROR: return "ZAD_VERIFY_ERROR";
    case ZAD_NOT_FOUND: return "ZAD_NOT_FOUND";
    case ZAD_SIGNATURE_ERROR: return "ZAD_SIGNATURE_ERROR";
    case ZAD_COMPILE_ERROR: return "ZAD_COMPILE_ERROR";
    case ZAD_IO_ERROR: return "ZAD_IO_ERROR";
    case ZAD_INVALID_ARGUMENT: return "ZAD_INVALID_ARGUMENT";
    case ZAD_UNSUPPORTED: return "ZAD_UNSUPPORTED";
    case ZAD_INTERNAL: return "ZAD_INTERNAL";
    case ZAD_RUNTIME_ERROR: return "ZAD_RUNTIME_ERROR";
    default: return "(not a zad status)";
    }
}

/* Prints the first line of a message, shortened, after a case's verdict. */
static void print_first_line(const char *message) {
    size_t length = strcspn(message, "\n");
    if (length > 110) {
        printf("%.107s...", message);
    } else {
        printf("%.*s", (int)length, message);
    }
}

/*
 * One case: `status` must be `expected`, and zad_last_error() must be
 * non-empty and contain `needle` and `needle2` (either may be NULL), and
 * `also` (the case's own extra condition, e.g. an out-parameter left
 * untouched) must hold.
 */
static void expect(const char *name, zad_status status, zad_status expected, const char *needle,
                   const char *needle2, int also, const char *also_what) {
    const char *message = zad_last_error();
    const char *problem = NULL;
    const char *missing = NULL;
    cases++;
    if (status != expected) {
        problem = "wrong status";
    } else if (message == NULL || message[0] == '\0') {
        problem = "empty message";
    } else if (needle != NULL && strstr(message, needle) == NULL) {
        missing = needle;
    } else if (needle2 != NULL && strstr(message, needle2) == NULL) {
        missing = needle2;
    } else if (!also) {
        problem = also_what;
    }
    if (missing != NULL) problem = "the message does not say what it should";
    if (problem == NULL) {
        printf("ok    %-40s %-21s ", name, status_name(status));
        print_first_line(message);
        printf("\n");
        return;
    }
    failures++;
    printf("FAIL  %-40s got %s, expected %s: %s\n", name, status_name(status), status_name(expected), problem);
    if (missing != NULL) printf("      expected in the message: \"%s\"\n", missing);
    printf("      message: %s\n", message != NULL ? message : "(NULL)");
}

/*
 * The call is made first, then the case's extra condition is evaluated:
 * C leaves the order of evaluation of a function's arguments unspecified,
 * so passing both to expect() directly could test `also` before the call.
 */
#define CHECK(name, call, expected, needle, needle2, also, also_what)                \
    do {                                                                              \
        zad_status status_ = (call);                                                  \
        expect(name, status_, expected, needle, needle2, (also), also_what);          \
    } while (0)
#define CHECK_OK(name, call, also, also_what)                                         \
    do {                                                                              \
        zad_status status_ = (call);                                                  \
        expect_ok(name, status_, (also), also_what);                                  \
    } while (0)

/* A case that must succeed (the setup and the recovery checks). */
static void expect_ok(const char *name, zad_status status, int also, const char *also_what) {
    cases++;
    if (status == ZAD_OK && also) {
        printf("ok    %-40s ZAD_OK\n", name);
        return;
    }
    failures++;
    printf("FAIL  %-40s got %s (%s): %s\n", name, status_name(status), status == ZAD_OK ? also_what : "",
           status == ZAD_OK ? "" : zad_last_error());
}

/* Exits if setup fails: the cases after it would say nothing useful. */
static void require(zad_status status, const char *what) {
    if (status != ZAD_OK) {
        printf("FAIL  setup: %s: %s: %s\n", what, status_name(status), zad_last_error());
        exit(EXIT_FAILURE);
    }
}

static const char MALFORMED[] =
    "func.func @f(%x: f64) -> f64 {\n"
    "  %y = arith.addf %x, %x : f64\n"
    "  return %y f64\n" /* line 3: the ':' before the type is missing */
    "}\n";

static const char UNVERIFIABLE[] =
    "func.func @f(%x: f64) -> f32 {\n"
    "  return %x : f64\n" /* line 2: returns f64 from a function declared f32 */
    "}\n";

int main(void) {
    /* Out-parameters are pointed at this to see whether a failed call
     * wrote them: zad must leave them as they were. */
    static double sentinel_storage;
    void *const sentinel = &sentinel_storage;

    /* ---------------------------------------------------- before anything */
    cases++;
    if (strcmp(zad_last_error(), "") == 0) {
        printf("ok    %-40s \"\"\n", "no error before the first failure");
    } else {
        failures++;
        printf("FAIL  no error before the first failure: \"%s\"\n", zad_last_error());
    }

    zad_context *context = NULL;
    require(zad_context_new(&context), "zad_context_new");

    /* ------------------------------------------------------- MLIR text */
    zad_module *module = sentinel;
    CHECK("malformed MLIR", zad_module_parse(context, MALFORMED, "broken.mlir", &module), ZAD_PARSE_ERROR,
          "broken.mlir:3:12:", "expected ':'", module == sentinel, "module left untouched");
    CHECK("malformed MLIR without a source name", zad_module_parse(context, MALFORMED, NULL, &module),
          ZAD_PARSE_ERROR, "<string>:3:12:", NULL, module == sentinel, "module left untouched");
    {
        /* zad.h documents ZAD_VERIFY_ERROR for text that parses but fails
         * MLIR's verifier, but MLIR's C API parser (mlirModuleCreateParse)
         * runs the verifier itself, so zad reports such text as
         * ZAD_PARSE_ERROR. Both are accepted until zad separates the two;
         * the message must carry the location and the verifier's words. */
        zad_status status = zad_module_parse(context, UNVERIFIABLE, "unverifiable.mlir", &module);
        expect("MLIR that fails verification", status,
               status == ZAD_PARSE_ERROR ? ZAD_PARSE_ERROR : ZAD_VERIFY_ERROR, "unverifiable.mlir:2:",
               "function result type", module == sentinel, "module left untouched");
    }
    CHECK("a file that does not exist", zad_module_load(context, "no/such/kernels.mlir", &module), ZAD_IO_ERROR,
          "no/such/kernels.mlir", NULL, module == sentinel, "module left untouched");

    require(zad_module_load(context, "bad_input.mlir", &module), "loading bad_input.mlir");

    /* -------------------------------------------------------- functions */
    zad_function *function = sentinel;
    CHECK("an unknown function name", zad_module_function(module, "no_such_kernel", &function), ZAD_NOT_FOUND,
          "@no_such_kernel", "@dot", function == sentinel, "function left untouched");
    CHECK("an argument type the ABI cannot carry", zad_module_function(module, "negate", &function),
          ZAD_UNSUPPORTED, "@negate", "i1", function == sentinel, "function left untouched");
    {
        /* 0xff never occurs in UTF-8. */
        const char not_utf8[] = {'d', 'o', (char)0xff, 't', '\0'};
        CHECK("a function name that is not UTF-8", zad_module_function(module, not_utf8, &function),
              ZAD_INVALID_ARGUMENT, "UTF-8", NULL, function == sentinel, "function left untouched");
    }

    zad_function *dot = NULL, *sum4 = NULL, *corner = NULL;
    require(zad_module_function(module, "dot", &dot), "compiling @dot");
    require(zad_module_function(module, "sum4", &sum4), "compiling @sum4");
    require(zad_module_function(module, "corner", &corner), "compiling @corner");
    zad_args *args = NULL;
    require(zad_args_new(&args), "zad_args_new");

    double x[4] = {1.0, 2.0, 3.0, 4.0};
    double y[4] = {1.0, 1.0, 1.0, 1.0};
    float xf[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    double matrix[2][3] = {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
    const int64_t shape4[1] = {4};
    const int64_t shape3[1] = {3};
    const int64_t shape2x3[2] = {2, 3};
    const int64_t negative[1] = {-1};
    double result = -12345.0;
    float result_f32 = -12345.0f;

    /* -------------------------------------------------------- arguments */
    /* @dot(memref<?xf64>, memref<?xf64>) -> f64, given one argument. */
    require(zad_args_push_array_f64(args, x, 1, shape4, NULL), "pushing x");
    require(zad_args_result_f64(args, &result), "binding the result");
    CHECK("too few arguments", zad_function_call(dot, args), ZAD_SIGNATURE_ERROR, "@dot", "takes 2 arguments",
          result == -12345.0, "result left untouched");

    /* ... given three. */
    require(zad_args_clear(args), "zad_args_clear");
    require(zad_args_push_array_f64(args, x, 1, shape4, NULL), "pushing x");
    require(zad_args_push_array_f64(args, y, 1, shape4, NULL), "pushing y");
    require(zad_args_push_f64(args, 1.0), "pushing 1.0");
    require(zad_args_result_f64(args, &result), "binding the result");
    CHECK("too many arguments", zad_function_call(dot, args), ZAD_SIGNATURE_ERROR, "@dot", "but was given 3",
          result == -12345.0, "result left untouched");

    /* An f32 array where the kernel takes f64. */
    require(zad_args_clear(args), "zad_args_clear");
    require(zad_args_push_array_f32(args, xf, 1, shape4, NULL), "pushing xf");
    require(zad_args_push_array_f64(args, y, 1, shape4, NULL), "pushing y");
    require(zad_args_result_f64(args, &result), "binding the result");
    CHECK("an f32 array for an f64 parameter", zad_function_call(dot, args), ZAD_SIGNATURE_ERROR,
          "argument 1 (%x)", "array of f32", result == -12345.0, "result left untouched");

    /* A scalar where the kernel takes an array. */
    require(zad_args_clear(args), "zad_args_clear");
    require(zad_args_push_array_f64(args, x, 1, shape4, NULL), "pushing x");
    require(zad_args_push_f64(args, 2.0), "pushing 2.0");
    require(zad_args_result_f64(args, &result), "binding the result");
    CHECK("a scalar for an array parameter", zad_function_call(dot, args), ZAD_SIGNATURE_ERROR, "argument 2 (%y)",
          "memref<?xf64>", result == -12345.0, "result left untouched");

    /* A 2-D array where the kernel takes a vector. */
    require(zad_args_clear(args), "zad_args_clear");
    require(zad_args_push_array_f64(args, &matrix[0][0], 2, shape2x3, NULL), "pushing the matrix");
    require(zad_args_push_array_f64(args, y, 1, shape4, NULL), "pushing y");
    require(zad_args_result_f64(args, &result), "binding the result");
    CHECK("an array of the wrong rank", zad_function_call(dot, args), ZAD_SIGNATURE_ERROR, "argument 1 (%x)",
          "rank is 2 instead of 1", result == -12345.0, "result left untouched");

    /* 3 elements for memref<4xf64>. */
    require(zad_args_clear(args), "zad_args_clear");
    require(zad_args_push_array_f64(args, x, 1, shape3, NULL), "pushing x[0:3]");
    require(zad_args_result_f64(args, &result), "binding the result");
    CHECK("a static dimension that does not match", zad_function_call(sum4, args), ZAD_SIGNATURE_ERROR, "@sum4",
          "dimension 0 is 3, the type says 4", result == -12345.0, "result left untouched");

    /* A row-major matrix for a column-major parameter. */
    require(zad_args_clear(args), "zad_args_clear");
    require(zad_args_push_array_f64(args, &matrix[0][0], 2, shape2x3, NULL), "pushing the matrix");
    require(zad_args_result_f64(args, &result), "binding the result");
    CHECK("a row-major array for a column-major one", zad_function_call(corner, args), ZAD_SIGNATURE_ERROR,
          "@corner", "strided<[1, ?]>", result == -12345.0, "result left untouched");

    /* ------------------------------------------------------------ results */
    require(zad_args_clear(args), "zad_args_clear");
    require(zad_args_push_array_f64(args, x, 1, shape4, NULL), "pushing x");
    require(zad_args_push_array_f64(args, y, 1, shape4, NULL), "pushing y");
    require(zad_args_result_f32(args, &result_f32), "binding an f32 result");
    CHECK("an f32 result binding for an f64 result", zad_function_call(dot, args), ZAD_SIGNATURE_ERROR,
          "result 1", "bound as f32", result_f32 == -12345.0f, "result left untouched");

    require(zad_args_clear(args), "zad_args_clear");
    require(zad_args_push_array_f64(args, x, 1, shape4, NULL), "pushing x");
    require(zad_args_push_array_f64(args, y, 1, shape4, NULL), "pushing y");
    CHECK("no result binding for a result", zad_function_call(dot, args), ZAD_SIGNATURE_ERROR,
          "@dot returns 1 result (f64)", "none was bound", 1, "");

    require(zad_args_clear(args), "zad_args_clear");
    require(zad_args_push_array_f64(args, x, 1, shape4, NULL), "pushing x");
    require(zad_args_push_array_f64(args, y, 1, shape4, NULL), "pushing y");
    {
        zad_array *array = sentinel;
        require(zad_args_result_array(args, &array), "binding an array result");
        CHECK("an array binding for an f64 result", zad_function_call(dot, args), ZAD_SIGNATURE_ERROR,
              "result 1", "an array", array == sentinel, "array left untouched");
    }

    /* ----------------------------------------------------- invalid values */
    require(zad_args_clear(args), "zad_args_clear");
    CHECK("a negative array size", zad_args_push_array_f64(args, x, 1, negative, NULL), ZAD_INVALID_ARGUMENT,
          "negative", "-1", 1, "");
    CHECK("a NULL shape for a rank-1 array", zad_args_push_array_f64(args, x, 1, NULL, NULL),
          ZAD_INVALID_ARGUMENT, "shape is NULL", NULL, 1, "");
    CHECK("a NULL data pointer for 4 elements", zad_args_push_array_f64(args, NULL, 1, shape4, NULL),
          ZAD_INVALID_ARGUMENT, "NULL", NULL, 1, "");

    /* Shapes whose element count or extent overflows 64 bits must not wrap
     * around (to 0 elements, which would pass the NULL-data check). */
    {
        const int64_t two_to_32[2] = {INT64_C(1) << 32, INT64_C(1) << 32};
        const int64_t two_to_21[3] = {INT64_C(1) << 21, INT64_C(1) << 21, INT64_C(1) << 21};
        const int64_t two_to_31[2] = {INT64_C(1) << 31, INT64_C(1) << 31};
        const int64_t two_to_60[1] = {INT64_C(1) << 60};
        const int64_t two_to_62[1] = {INT64_C(1) << 62};
        const int64_t stride4[1] = {4};
        CHECK("a {2^32, 2^32} shape with NULL data", zad_args_push_array_f64(args, NULL, 2, two_to_32, NULL),
              ZAD_INVALID_ARGUMENT, "too large", "[4294967296, 4294967296]", 1, "");
        CHECK("a {2^32, 2^32} shape", zad_args_push_array_f64(args, x, 2, two_to_32, NULL), ZAD_INVALID_ARGUMENT,
              "too large", "overflows", 1, "");
        CHECK("a {2^21, 2^21, 2^21} shape", zad_args_push_array_f64(args, x, 3, two_to_21, NULL),
              ZAD_INVALID_ARGUMENT, "too large", NULL, 1, "");
        CHECK("2^62 bytes of f64 ({2^31, 2^31})", zad_args_push_array_f64(args, x, 2, two_to_31, NULL),
              ZAD_INVALID_ARGUMENT, "more memory than can be addressed", NULL, 1, "");
        CHECK("2^63 bytes of f64 ({2^60})", zad_args_push_array_f64(args, x, 1, two_to_60, NULL),
              ZAD_INVALID_ARGUMENT, "more memory than can be addressed", NULL, 1, "");
        CHECK("a {2^62} shape with stride 4", zad_args_push_array_f32(args, xf, 1, two_to_62, stride4),
              ZAD_INVALID_ARGUMENT, "more memory than can be addressed", NULL, 1, "");
        /* None of them was added: the list is still empty. */
        require(zad_args_result_f64(args, &result), "binding the result");
        CHECK("refused arrays are not added", zad_function_call(dot, args), ZAD_SIGNATURE_ERROR,
              "but was given 0", NULL, result == -12345.0, "result left untouched");
    }

    /* ------------------------------------------------------------ layouts */
    /* @total(memref<?x?xf64>) takes C order: for 3 x 4, strides {4, 1}. */
    {
        double storage[3][5] = {{1, 2, 3, 4, 100}, {5, 6, 7, 8, 100}, {9, 10, 11, 12, 100}};
        const int64_t shape3x4[2] = {3, 4};
        const int64_t padded[2] = {5, 1};
        const int64_t zero_row_stride[2] = {0, 1};
        const int64_t fortran_order[2] = {1, 3};
        const int64_t c_order[2] = {4, 1};
        double compact[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        const int64_t shape1x4[2] = {1, 4};
        const int64_t any_row_stride[2] = {99, 1};
        zad_function *total = NULL;
        require(zad_module_function(module, "total", &total), "compiling @total");

        require(zad_args_clear(args), "zad_args_clear");
        require(zad_args_push_array_f64(args, &storage[0][0], 2, shape3x4, padded), "pushing padded rows");
        require(zad_args_result_f64(args, &result), "binding the result");
        CHECK("row stride 5 for 4 columns (C order)", zad_function_call(total, args), ZAD_SIGNATURE_ERROR,
              "argument 1 (%m)", "strided<[?, ?]>", result == -12345.0, "result left untouched");

        require(zad_args_clear(args), "zad_args_clear");
        require(zad_args_push_array_f64(args, &storage[0][0], 2, shape3x4, zero_row_stride), "pushing stride 0");
        require(zad_args_result_f64(args, &result), "binding the result");
        CHECK("row stride 0 (C order)", zad_function_call(total, args), ZAD_SIGNATURE_ERROR,
              "stride of dimension 0 is 0", "strides [4, 1]", result == -12345.0, "result left untouched");

        require(zad_args_clear(args), "zad_args_clear");
        require(zad_args_push_array_f64(args, compact, 2, shape3x4, fortran_order), "pushing Fortran order");
        require(zad_args_result_f64(args, &result), "binding the result");
        CHECK("Fortran order for a C-order matrix", zad_function_call(total, args), ZAD_SIGNATURE_ERROR,
              "is C order", "strided<[1, ?", result == -12345.0, "result left untouched");

        require(zad_args_clear(args), "zad_args_clear");
        require(zad_args_push_array_f64(args, compact, 2, shape3x4, c_order), "pushing C order");
        require(zad_args_result_f64(args, &result), "binding the result");
        CHECK_OK("explicit C-order strides", zad_function_call(total, args), result == 78.0, "sum != 78");

        /* A stride along a dimension of one element is never used. */
        require(zad_args_clear(args), "zad_args_clear");
        require(zad_args_push_array_f64(args, compact, 2, shape1x4, any_row_stride), "pushing one row");
        require(zad_args_result_f64(args, &result), "binding the result");
        CHECK_OK("any row stride for one row", zad_function_call(total, args), result == 10.0, "sum != 10");
        zad_function_free(total);
        result = -12345.0;
    }

    /* ---------------------------------------------------------- gradients */
    /* @misfit(u, kappa, steps) with u dup, kappa active, steps const: the
     * gradient takes (u, du, kappa, steps, [seed]) and returns (J, dJ/dkappa).
     * Messages name @misfit and count as its signature does. */
    {
        const zad_activity activity[3] = {ZAD_DUP, ZAD_ACTIVE, ZAD_CONST};
        zad_function *gradient = NULL;
        double u[4] = {1, 2, 3, 4};
        double du[4] = {0, 0, 0, 0};
        double short_shadow[4] = {0, 0, 7, 7};
        const int64_t shape2[1] = {2};
        double dkappa = -12345.0;
        float dkappa_f32 = -12345.0f;
        require(zad_module_gradient(module, "misfit", activity, 3, &gradient), "the gradient of @misfit");

        require(zad_args_clear(args), "zad_args_clear");
        require(zad_args_push_array_f64(args, u, 1, shape4, NULL), "pushing u");
        require(zad_args_push_array_f64(args, short_shadow, 1, shape2, NULL), "pushing a 2-element shadow");
        require(zad_args_push_f64(args, 0.1), "pushing kappa");
        require(zad_args_push_index(args, 3), "pushing steps");
        require(zad_args_result_f64(args, &result), "binding J");
        require(zad_args_result_f64(args, &dkappa), "binding dJ/dkappa");
        CHECK("a shadow shorter than its array", zad_function_call(gradient, args), ZAD_SIGNATURE_ERROR,
              "the gradient of @misfit: the shadow of argument 1 (%u) has shape [2]",
              "argument 1 (%u) has shape [4]",
              result == -12345.0 && short_shadow[0] == 0 && short_shadow[2] == 7 && u[0] == 1,
              "nothing run, nothing written");

        require(zad_args_clear(args), "zad_args_clear");
        require(zad_args_push_array_f64(args, u, 1, shape4, NULL), "pushing u");
        require(zad_args_push_array_f64(args, du, 1, shape4, NULL), "pushing du");
        require(zad_args_push_f64(args, 0.1), "pushing kappa");
        require(zad_args_push_i32(args, 3), "pushing steps as i32");
        require(zad_args_result_f64(args, &result), "binding J");
        require(zad_args_result_f64(args, &dkappa), "binding dJ/dkappa");
        CHECK("a gradient argument of the wrong type", zad_function_call(gradient, args), ZAD_SIGNATURE_ERROR,
              "the gradient of @misfit: argument 3 (%steps) must be index, but i32 was given", NULL,
              strstr(zad_last_error(), "__zad") == NULL, "no name zad made up");

        require(zad_args_clear(args), "zad_args_clear");
        require(zad_args_push_array_f64(args, u, 1, shape4, NULL), "pushing u");
        require(zad_args_push_f64(args, 0.1), "pushing kappa");
        require(zad_args_push_index(args, 3), "pushing steps");
        require(zad_args_result_f64(args, &result), "binding J");
        require(zad_args_result_f64(args, &dkappa), "binding dJ/dkappa");
        CHECK("a gradient call without the shadow", zad_function_call(gradient, args), ZAD_SIGNATURE_ERROR,
              "the gradient of @misfit takes 5 arguments (%u: memref<?xf64>, shadow of %u: memref<?xf64>, ",
              "but was given 3", strstr(zad_last_error(), "__zad") == NULL, "no name zad made up");

        require(zad_args_clear(args), "zad_args_clear");
        require(zad_args_push_array_f64(args, u, 1, shape4, NULL), "pushing u");
        require(zad_args_push_array_f64(args, du, 1, shape4, NULL), "pushing du");
        require(zad_args_push_f64(args, 0.1), "pushing kappa");
        require(zad_args_push_index(args, 3), "pushing steps");
        require(zad_args_result_f64(args, &result), "binding J");
        CHECK("one result bound of a gradient's two", zad_function_call(gradient, args), ZAD_SIGNATURE_ERROR,
              "the gradient of @misfit returns 2 results (f64, f64), but 1 was bound", NULL, 1, "");
        require(zad_args_result_f32(args, &dkappa_f32), "binding dJ/dkappa as f32");
        CHECK("a gradient bound as f32", zad_function_call(gradient, args), ZAD_SIGNATURE_ERROR,
              "result 2 (the gradient with respect to argument 2 (%kappa)) is f64", "bound as f32",
              dkappa_f32 == -12345.0f, "result left untouched");

        /* The same arguments, bound right: J = 0.9^6 sum(u^2), dJ/dkappa =
         * -6 0.9^5 sum(u^2), du = 2 0.9^6 u. */
        require(zad_args_clear(args), "zad_args_clear");
        require(zad_args_push_array_f64(args, u, 1, shape4, NULL), "pushing u");
        require(zad_args_push_array_f64(args, du, 1, shape4, NULL), "pushing du");
        require(zad_args_push_f64(args, 0.1), "pushing kappa");
        require(zad_args_push_index(args, 3), "pushing steps");
        require(zad_args_result_f64(args, &result), "binding J");
        require(zad_args_result_f64(args, &dkappa), "binding dJ/dkappa");
        {
            const double damping = 0.9 * 0.9 * 0.9 * 0.9 * 0.9 * 0.9;
            zad_status status = zad_function_call(gradient, args);
            expect_ok("the gradient called right", status,
                      fabs(result - 30 * damping) < 1e-12 && fabs(dkappa + 6 * damping / 0.9 * 30) < 1e-10 &&
                          fabs(du[3] - 2 * damping * 4) < 1e-12,
                      "J, dJ/dkappa or dJ/du wrong");
        }
        zad_function_free(gradient);
    }

    /* ------------------------------------------------------ NULL handles */
    {
        zad_context *no_context = NULL;
        zad_args *no_args = NULL;
        void *pointer = sentinel;
        CHECK("zad_context_new(NULL)", zad_context_new(NULL), ZAD_INVALID_ARGUMENT, "out is NULL", NULL, 1, "");
        CHECK("zad_module_parse with a NULL context",
              zad_module_parse(no_context, "func.func @f() { return }", NULL, &module), ZAD_INVALID_ARGUMENT,
              "context is NULL", NULL, 1, "");
        CHECK("zad_module_parse with NULL source", zad_module_parse(context, NULL, NULL, &module),
              ZAD_INVALID_ARGUMENT, "source is NULL", NULL, 1, "");
        CHECK("zad_module_load with a NULL path", zad_module_load(context, NULL, &module), ZAD_INVALID_ARGUMENT,
              "path is NULL", NULL, 1, "");
        CHECK("zad_module_function with a NULL module", zad_module_function(NULL, "dot", &function),
              ZAD_INVALID_ARGUMENT, "module is NULL", NULL, function == sentinel, "function left untouched");
        CHECK("zad_module_function with a NULL name", zad_module_function(module, NULL, &function),
              ZAD_INVALID_ARGUMENT, "name is NULL", NULL, function == sentinel, "function left untouched");
        CHECK("zad_module_function with a NULL out", zad_module_function(module, "dot", NULL),
              ZAD_INVALID_ARGUMENT, "out is NULL", NULL, 1, "");
        CHECK("zad_function_call with a NULL function", zad_function_call(NULL, args), ZAD_INVALID_ARGUMENT,
              "function is NULL", NULL, 1, "");
        CHECK("zad_function_call with NULL args", zad_function_call(dot, no_args), ZAD_INVALID_ARGUMENT,
              "args is NULL", NULL, 1, "");
        CHECK("zad_function_arity with a NULL function", zad_function_arity(NULL, NULL, NULL),
              ZAD_INVALID_ARGUMENT, "function is NULL", NULL, 1, "");
        CHECK("zad_function_pointer with a NULL out", zad_function_pointer(dot, NULL), ZAD_INVALID_ARGUMENT,
              "out is NULL", NULL, 1, "");
        CHECK("zad_function_pointer, NULL function", zad_function_pointer(NULL, &pointer),
              ZAD_INVALID_ARGUMENT, "function is NULL", NULL, pointer == sentinel, "out left untouched");
        CHECK("zad_args_push_f64 with NULL args", zad_args_push_f64(no_args, 1.0), ZAD_INVALID_ARGUMENT,
              "args is NULL", NULL, 1, "");
        CHECK("zad_args_push_array_f64 with NULL args", zad_args_push_array_f64(no_args, x, 1, shape4, NULL),
              ZAD_INVALID_ARGUMENT, "args is NULL", NULL, 1, "");
        CHECK("zad_args_result_f64 with a NULL out", zad_args_result_f64(args, NULL), ZAD_INVALID_ARGUMENT,
              "out is NULL", NULL, 1, "");
        CHECK("zad_args_clear with NULL args", zad_args_clear(no_args), ZAD_INVALID_ARGUMENT, "args is NULL",
              NULL, 1, "");
        CHECK("zad_args_new(NULL)", zad_args_new(NULL), ZAD_INVALID_ARGUMENT, "out is NULL", NULL, 1, "");

        /* The _free functions accept NULL, and the array getters answer
         * NULL with their documented defaults. Reaching the next line
         * without a crash is the test of the first part. */
        zad_context_free(NULL);
        zad_module_free(NULL);
        zad_function_free(NULL);
        zad_args_free(NULL);
        zad_array_free(NULL);
        cases++;
        if (zad_array_type(NULL) == -1 && zad_array_rank(NULL) == 0 && zad_array_shape(NULL) == NULL &&
            zad_array_data(NULL) == NULL) {
            printf("ok    %-40s\n", "zad_*_free(NULL) and array getters");
        } else {
            failures++;
            printf("FAIL  zad_array_* of NULL: type %d, rank %zu\n", (int)zad_array_type(NULL),
                   zad_array_rank(NULL));
        }
    }

    /* ------------------------------------------------------------- panic */
    CHECK("a panic inside zad (zad_debug_panic)", zad_debug_panic(), ZAD_INTERNAL, "zad_debug_panic",
          "internal error", 1, "");

    /* --------------------------------------------------------- recovery */
    /* After all of the above, the same handles still work. */
    require(zad_args_clear(args), "zad_args_clear");
    require(zad_args_push_array_f64(args, x, 1, shape4, NULL), "pushing x");
    require(zad_args_push_array_f64(args, y, 1, shape4, NULL), "pushing y");
    require(zad_args_result_f64(args, &result), "binding the result");
    CHECK_OK("a correct call after all the failures", zad_function_call(dot, args), result == 10.0,
             "dot(x, y) != 10");
    /* A successful call does not clear the last message (zad.h: valid
     * until the next failing call). */
    cases++;
    if (strstr(zad_last_error(), "zad_debug_panic") != NULL) {
        printf("ok    %-40s\n", "the last message outlives successful calls");
    } else {
        failures++;
        printf("FAIL  the last message changed after a successful call: \"%s\"\n", zad_last_error());
    }

    zad_args_free(args);
    zad_function_free(dot);
    zad_function_free(sum4);
    zad_function_free(corner);
    zad_module_free(module);
    zad_context_free(context);

    if (failures == 0) {
        printf("all %d cases passed\n", cases);
        return EXIT_SUCCESS;
    }
    printf("%d of %d cases FAILED\n", failures, cases);
    return EXIT_FAILURE;
}
