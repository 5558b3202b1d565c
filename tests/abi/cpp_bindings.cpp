// Every part of bindings/cpp/zad.hpp, against the kernels of bindings.mlir:
// each push and result overload, arrays with and without strides,
// exceptions, ownership (move-only handles, functions outliving their
// module and context), returned arrays, the raw entry point, gradients and
// checkpointed gradients (Module::gradient_checkpointed, zad::take_stats).
//
// Prints one line per check and "all N checks passed", or exits non-zero.
// Run from this directory.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "zad.hpp"

// Move-only handles, all of them.
template <typename T>
constexpr bool move_only = !std::is_copy_constructible_v<T> && !std::is_copy_assignable_v<T> &&
                           std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_assignable_v<T>;
static_assert(move_only<zad::Context>);
static_assert(move_only<zad::Module>);
static_assert(move_only<zad::Function>);
static_assert(move_only<zad::Args>);
static_assert(move_only<zad::Array>);
static_assert(std::is_base_of_v<std::runtime_error, zad::Error>);
// zad::MemRef is the C++ spelling of ZAD_MEMREF: same layout.
typedef ZAD_MEMREF(double, 2) c_memref_2d;
using cpp_memref_2d = zad::MemRef<double, 2>;
static_assert(sizeof(cpp_memref_2d) == sizeof(c_memref_2d));
static_assert(offsetof(cpp_memref_2d, strides) == offsetof(c_memref_2d, strides));
static_assert(std::is_standard_layout_v<zad::MemRef<double, 2>>);

namespace {

int checks = 0;
int failures = 0;

void check(bool condition, const std::string &what) {
    ++checks;
    if (condition) {
        std::printf("ok    %s\n", what.c_str());
    } else {
        ++failures;
        std::printf("FAIL  %s\n", what.c_str());
    }
}

// Runs body, which must throw zad::Error with `status` and a message
// containing `needle`.
template <typename Body>
void check_throws(Body body, zad_status status, const std::string &needle, const std::string &what) {
    try {
        body();
    } catch (const zad::Error &error) {
        const std::string message = error.what();
        const bool right = error.status() == status && message.find(needle) != std::string::npos;
        check(right, what + ": " + zad::status_name(error.status()));
        if (!right) std::printf("      message: %s\n", message.c_str());
        return;
    }
    check(false, what + ": nothing was thrown");
}

void test_scalars(const zad::Module &module) {
    zad::Function scalars = module.function("scalars");
    check(scalars.num_args() == 5 && scalars.num_results() == 5, "num_args and num_results");

    double a = -1;
    float b = -1;
    std::int32_t c = -1;
    std::int64_t d = -1, e = -1;
    zad::Args args;
    args.push(1.25).push(2.5f).push(std::int32_t{-7}).push(std::int64_t{5000000000}).push(zad::Index{41});
    args.result(a).result(b).result(c).result(d).result_index(e);
    scalars.call(args);
    check(a == 2.5 && b == 5.0f && c == -6 && d == 5000000001 && e == 42,
          "push and result: double, float, int32_t, int64_t, zad::Index");

    args.clear().push(0.0).push(0.0f).push(0).push(std::int64_t{0}).push_index(-3);
    args.result(a).result(b).result(c).result(d).result_index(e);
    scalars.call(args);
    check(e == -2 && c == 1, "clear() and reuse; push_index; int literal as i32");
}

void test_arrays(const zad::Module &module) {
    // A vector is a rank-1 array of stride 1.
    std::vector<double> x{1, 2, 3, 4};
    double sum = -1;
    zad::Args args;
    args.push(x).result(sum);
    module.function("label1_f64").call(args);
    check(sum == 10 && x == std::vector<double>{0, 1, 2, 3}, "std::vector<double>, written in place");

    std::vector<float> y{5, 5, 5};
    float sum_f32 = -1;
    args.clear().push(y).result(sum_f32);
    module.function("label1_f32").call(args);
    check(sum_f32 == 15 && y == std::vector<float>{0, 1, 2}, "std::vector<float>");

    // A C matrix, row-major by default (no strides).
    double rows[2][3] = {{1, 1, 1}, {1, 1, 1}};
    args.clear().push(&rows[0][0], {2, 3}).result(sum);
    module.function("label2_rows_f64").call(args);
    check(sum == 6 && rows[0][2] == 20 && rows[1][0] == 1 && rows[1][2] == 21, "pointer and shape, row-major");

    // The same storage seen as a column-major 3 x 2 array, by strides.
    args.clear().push(&rows[0][0], {3, 2}, {1, 3}).result(sum);
    module.function("label2_f64").call(args);
    // Element (i, j) of the column-major view is rows[j][i]: label i + 10 j.
    check(rows[0][1] == 1 && rows[1][0] == 10 && rows[1][2] == 12, "pointer, shape and column-major strides");

    // Every other element of a vector: stride 2.
    std::vector<double> z{9, 9, 9, 9, 9};
    args.clear().push(z.data(), {3}, {2}).result(sum);
    module.function("label1_f64").call(args);
    check(sum == 27 && z == std::vector<double>{0, 9, 1, 9, 2}, "pointer, shape and stride 2");

    float cube[2][2][2] = {};
    float cube_sum = -1;
    args.clear().push(&cube[0][0][0], {2, 2, 2}, {1, 2, 4}).result(cube_sum);
    module.function("label3_f32").call(args);
    check(cube[1][1][0] == 110 && cube[0][0][1] == 1, "float, rank 3, explicit strides");

    check_throws([&] { args.clear().push(z.data(), {3}, {1, 1}); }, ZAD_INVALID_ARGUMENT, "strides",
                 "as many strides as sizes");
    check_throws([&] { args.clear().push(z.data(), {-2}); }, ZAD_INVALID_ARGUMENT, "negative",
                 "a negative size is refused by zad");
    check_throws([&] { args.clear().push(z.data(), {std::int64_t{1} << 32, std::int64_t{1} << 32}); },
                 ZAD_INVALID_ARGUMENT, "too large", "a shape whose element count overflows is refused");
}

void test_errors(const zad::Context &context, const zad::Module &module) {
    check_throws([&] { context.load("no/such/file.mlir"); }, ZAD_IO_ERROR, "no/such/file.mlir", "load: a missing file");
    check_throws([&] { context.parse("func.func @f() {\n  return %x\n}\n", "inline.mlir"); }, ZAD_PARSE_ERROR,
                 "inline.mlir:2:", "parse: malformed text with a source name");
    check_throws([&] { module.function("no_such_kernel"); }, ZAD_NOT_FOUND, "@no_such_kernel",
                 "function: an unknown name");

    zad::Function twice = module.function("twice");
    double result = -1;
    zad::Args args;
    args.push(1.0f).result(result);
    check_throws([&] { twice.call(args); }, ZAD_SIGNATURE_ERROR, "@twice: argument 1 (%x) must be f64",
                 "call: an f32 for an f64");
    check(result == -1, "a refused call writes no result");
}

void test_ownership() {
    zad::Function twice;
    {
        zad::Context context;
        zad::Module module = context.load("bindings.mlir");
        twice = module.function("twice");
        // context and module are destroyed here.
    }
    double result = 0;
    zad::Args args;
    args.push(4.0).result(result);
    twice.call(args);
    check(result == 8, "a Function outlives its Module and Context");

    zad::Function moved = std::move(twice);
    check(moved.get() != nullptr && twice.get() == nullptr, "moving a Function transfers the handle");
    check_throws([&] { twice.call(args); }, ZAD_INVALID_ARGUMENT, "zad::Function is empty",
                 "calling a moved-from Function");

    zad::Args other = std::move(args);
    other.clear().push(1.5).result(result);
    moved.call(other);
    check(result == 3, "a moved Args keeps working");
    check_throws([&] { args.push(1.0); }, ZAD_INVALID_ARGUMENT, "zad::Args is empty", "pushing onto a moved-from Args");
}

void test_returned_array(const zad::Module &module) {
    zad::Array matrix;
    check(matrix.empty() && matrix.size() == 0 && matrix.shape().empty() && matrix.type() == -1,
          "a default Array is empty");
    zad::Args args;
    args.push(0.5).result(matrix);
    module.function("matrix").call(args);
    check(!matrix.empty() && matrix.type() == ZAD_F64 && matrix.rank() == 2 &&
              matrix.shape() == std::vector<std::int64_t>{2, 3} && matrix.size() == 6,
          "result(Array&): type, rank, shape, size");
    check(matrix.values() == std::vector<double>{0.5, 1.5, 2.5, 10.5, 11.5, 12.5} && matrix.data<double>()[3] == 10.5,
          "values() and data<double>(), row-major");
    check(matrix.values<float>()[5] == 12.5f, "values<float>() converts");
    check_throws([&] { matrix.data<float>(); }, ZAD_INVALID_ARGUMENT, "not of that type",
                 "data<float>() of an f64 array");

    // Binding again frees the old array (no leak, no stale data).
    args.clear().push(100.0).result(matrix);
    module.function("matrix").call(args);
    check(matrix.values()[0] == 100, "rebinding an Array replaces its contents");
}

void test_entry_point(const zad::Module &module) {
    zad::Function twice = module.function("twice");
    auto *entry = twice.entry<double(double)>();
    check(entry(21.0) == 42.0, "entry<double(double)>(), called directly");

    zad::Function label = module.function("label2_rows_f64");
    double data[2][2] = {{1, 2}, {3, 4}};
    zad::MemRef<double, 2> descriptor{&data[0][0], &data[0][0], 0, {2, 2}, {2, 1}};
    auto *label_entry = label.entry<double(zad::MemRef<double, 2> *)>();
    double sum = label_entry(&descriptor);
    check(sum == 10 && data[1][0] == 1 && data[0][1] == 10, "entry() with a zad::MemRef descriptor");

    // Several results: a struct of them, through a pointer passed first.
    struct ScalarResults {
        double a;
        float b;
        std::int32_t c;
        std::int64_t d;
        std::int64_t e;
    };
    zad::Function scalars = module.function("scalars");
    auto *scalars_entry =
        scalars.entry<void(ScalarResults *, double, float, std::int32_t, std::int64_t, std::int64_t)>();
    ScalarResults results{};
    scalars_entry(&results, 1.5, 2.5f, 3, 4, 5);
    check(results.a == 3.0 && results.b == 5.0f && results.c == 4 && results.d == 5 && results.e == 6,
          "entry() with several results, returned through a struct passed first");

    // A memref result: its descriptor, through a pointer passed first; the
    // kernel allocated it with malloc and the caller frees it.
    zad::Function matrix = module.function("matrix");
    auto *matrix_entry = matrix.entry<void(zad::MemRef<double, 2> *, double)>();
    zad::MemRef<double, 2> returned{};
    matrix_entry(&returned, 1.0);
    const double *base = returned.aligned + returned.offset;
    const double element_1_2 = base[1 * returned.strides[0] + 2 * returned.strides[1]];
    check(returned.sizes[0] == 2 && returned.sizes[1] == 3 && element_1_2 == 13.0, "entry() with a memref result");
    std::free(returned.allocated);
}

void test_threads(const zad::Module &module) {
    // zad.h: a function is callable from many threads at once, each with
    // its own argument list.
    zad::Function twice = module.function("twice");
    constexpr int threads = 4, calls = 2000;
    std::vector<int> right(threads, 0);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&twice, &right, t] {
            try {
                zad::Args args;
                for (int i = 0; i < calls; ++i) {
                    const double x = t * calls + i;
                    double y = 0;
                    args.clear().push(x).result(y);
                    twice.call(args);
                    if (y == 2 * x) ++right[t];
                }
            } catch (const zad::Error &) {
                right[t] = -1;
            }
        });
    }
    for (std::thread &worker : workers) worker.join();
    bool all_right = true;
    for (int count : right) all_right = all_right && count == calls;
    check(all_right, "one Function called from 4 threads at once, 2000 calls each");

    // zad.h: the last error is per thread.
    (void)zad_args_push_f64(nullptr, 0.0);
    std::string other_thread_message;
    std::thread([&] {
        try {
            module.function("missing_in_another_thread");
        } catch (const zad::Error &error) {
            other_thread_message = error.what();
        }
    }).join();
    check(std::string(zad_last_error()) == "args is NULL" &&
              other_thread_message.find("@missing_in_another_thread") != std::string::npos,
          "zad_last_error() is per thread");
}

void test_gradients(const zad::Module &module) {
    // w * sum_i (i + 1) x_i^2: dx_i = 2 w (i + 1) x_i, dw = sum_i (i + 1) x_i^2.
    zad::Function grad = module.gradient("weighted_squares1", {ZAD_DUP, ZAD_ACTIVE});
    check(grad.num_args() == 4 && grad.num_results() == 2,
          "gradient arity: x, its shadow, w, a seed; the result and dw");
    std::vector<double> x{1, 2, 3}, dx(3, 0.0);
    double value = 0, dw = 0;
    zad::Args args;
    args.push(x).push(dx).push(0.5).result(value).result(dw);
    grad.call(args);
    check(value == 18 && dw == 36 && dx == std::vector<double>{1, 4, 9},
          "Module::gradient: the result, dw, and dx in the shadow");
    grad.call(args);
    check(dx == std::vector<double>{2, 8, 18} && x == std::vector<double>{1, 2, 3},
          "the gradient is added to the shadow; x is untouched");

    dx.assign(3, 0.0);
    args.clear().push(x).push(dx).push(0.5).push(2.0).result(value).result(dw);
    grad.call(args);
    check(value == 18 && dw == 72 && dx == std::vector<double>{2, 8, 18}, "an explicit seed scales the gradient");

    zad::Function grad_x = module.gradient("weighted_squares1", {ZAD_DUP, ZAD_CONST});
    check(grad_x.num_args() == 4 && grad_x.num_results() == 1, "a ZAD_CONST scalar adds no result");
    dx.assign(3, 0.0);
    args.clear().push(x).push(dx).push(-1.0).result(value);
    grad_x.call(args);
    check(value == -36 && dx == std::vector<double>{-2, -8, -18}, "a gradient with respect to the array only");

    check_throws([&] { module.gradient("weighted_squares1", {ZAD_DUP, ZAD_DUP}); }, ZAD_SIGNATURE_ERROR,
                 "cannot be 'dup'", "gradient: ZAD_DUP for a scalar");
    check_throws([&] { module.gradient("weighted_squares1", {ZAD_DUP}); }, ZAD_SIGNATURE_ERROR,
                 "but 1 activities were given", "gradient: too few activities");
    check_throws([&] { module.gradient("weighted_squares1", {ZAD_DUP, 7}); }, ZAD_INVALID_ARGUMENT,
                 "the activity of argument 2 is 7", "gradient: an unknown activity code");
    check_throws([&] { module.gradient("no_such_kernel", {}); }, ZAD_NOT_FOUND, "@no_such_kernel",
                 "gradient: an unknown name");
}

// The source line of @decay_steps's time loop in bindings.mlir.
std::uint32_t time_loop_line() {
    std::ifstream file("bindings.mlir");
    std::string text;
    for (std::uint32_t line = 1; std::getline(file, text); ++line) {
        if (text.find("scf.for %t = ") != std::string::npos) return line;
    }
    throw zad::Error(ZAD_NOT_FOUND, "bindings.mlir has no scf.for %t");
}

void test_checkpointing(const zad::Module &module) {
    // @decay_steps, 8 steps of x <- a x, J = sum_t sum_i (i + 1) x_t[i]:
    // with x0 = {1, 2, 3}, a = 1/2, J = 14 (1 - 2^-8), dJ/dx0[i] =
    // (i + 1) (1 - 2^-8), dJ/da = 14 * 251/64, all exact.
    const double geometric = 255.0 / 256.0;
    const std::vector<double> expected_dx{geometric, 2 * geometric, 3 * geometric};
    std::vector<double> x, dx;
    double value = 0, da = 0;
    auto run = [&](const zad::Function &grad) {
        x = {1, 2, 3};
        dx.assign(3, 0.0);
        value = da = -1;
        zad::Args args;
        args.push(x).push(dx).push(0.5).push_index(8).result(value).result(da);
        grad.call(args);
        return value == 14 * geometric && da == 14 * 251.0 / 64 && dx == expected_dx;
    };
    const std::vector<zad_activity> activity{ZAD_DUP, ZAD_ACTIVE, ZAD_CONST};

    zad::take_stats();
    check(run(module.gradient("decay_steps", activity)), "the taped gradient of a time loop");
    const zad_stats taped = zad::take_stats();
    check(taped.reversed_steps == 0 && taped.snapshot_writes == 0 && taped.snapshots_held == 0 && taped.peak_tape_bytes > 0,
          "zad::take_stats after a taped gradient: tape, no checkpointed steps");

    const std::uint32_t line = time_loop_line();
    const zad_checkpoint two = zad::binomial(line, 2);
    check(two.line == line && two.scheme == ZAD_CHECKPOINT_BINOMIAL && two.snapshots == 2 && two.budget_bytes == 0,
          "zad::binomial fills a zad_checkpoint");
    check(run(module.gradient_checkpointed("decay_steps", activity, {two})),
          "Module::gradient_checkpointed, binomial, 2 snapshots: exact");
    zad_stats stats = zad::take_stats();
    // revolve needs p(8, 2) = 14 forward steps; a state is x (3 doubles)
    // and the carried total, 32 bytes.
    check(stats.reversed_steps == 8 && stats.forward_steps >= 14 && stats.forward_steps <= 14 + 8 &&
              stats.peak_snapshot_bytes == 2 * 32 && stats.peak_tape_bytes < taped.peak_tape_bytes,
          "zad::take_stats: 8 steps reversed, >= p(8, 2) forward, 2 snapshots of 32 bytes, less tape");
    stats = zad::take_stats();
    check(stats.reversed_steps == 0 && stats.forward_steps == 0, "zad::take_stats starts a new measurement");

    check(run(module.gradient_checkpointed("decay_steps", activity, {zad::periodic(line, 3)})),
          "Module::gradient_checkpointed, periodic every 3 steps: exact");
    stats = zad::take_stats();
    check(stats.reversed_steps == 8 && stats.snapshot_writes == 3 && stats.snapshots_held == 3 && stats.peak_snapshot_bytes == 3 * 32,
          "zad::periodic(line, 3): snapshots at steps 0, 3 and 6");

    // 100 bytes hold 3 snapshots. The call list names a function that
    // @decay_steps does not call: it only has to cross the ABI.
    check(run(module.gradient_checkpointed("decay_steps", activity, {zad::budget(0, 100)}, {"scale_and_weigh"})),
          "Module::gradient_checkpointed, zad::budget(0, 100), a call list: exact");
    stats = zad::take_stats();
    check(stats.reversed_steps == 8 && stats.peak_snapshot_bytes > 0 && stats.peak_snapshot_bytes <= 3 * 32,
          "a budget of 100 bytes: at most 3 snapshots of 32 bytes");

    check_throws([&] { module.gradient_checkpointed("decay_steps", activity, {zad_checkpoint{line, 0, 0, 0}}); },
                 ZAD_INVALID_ARGUMENT, "loops[0]", "gradient_checkpointed: neither snapshots nor a budget");
    check_throws([&] { module.gradient_checkpointed("decay_steps", activity, {two, zad::periodic(line, 0)}); },
                 ZAD_INVALID_ARGUMENT, "loops[1]", "gradient_checkpointed: a periodic interval of 0");
    check_throws([&] { module.gradient_checkpointed("no_such_kernel", {}, {two}); }, ZAD_NOT_FOUND,
                 "@no_such_kernel", "gradient_checkpointed: an unknown name");
}

void test_fortran_source(const zad::Context &context) {
    zad::Module fortran = context.load_fortran("bindings_kernel.F90", "-DSCALE=3.0d0");
    // A 2 x 3 Fortran array: column-major strides.
    double a[6] = {1, 2, 3, 4, 5, 6}, w[6] = {0.5, 0.5, 0.5, 0.5, 0.5, 2};
    double da[6] = {}, dw[6] = {}, s = 0, expected = 0;
    for (int k = 0; k < 6; ++k) expected += 3 * w[k] * a[k] * a[k];
    zad::Args args;
    args.push(a, {2, 3}, {1, 2}).push(w, {2, 3}, {1, 2}).push(2).push(3).result(s);
    fortran.function("WEIGHTED_SQUARE").call(args);
    check(s == expected, "Context::load_fortran: a Fortran function, options, any case");
    zad::Function gradient = fortran.gradient("bindings_kernels::weighted_square", {ZAD_DUP, ZAD_DUP, ZAD_CONST, ZAD_CONST});
    args.clear().push(a, {2, 3}, {1, 2}).push(da, {2, 3}, {1, 2}).push(w, {2, 3}, {1, 2}).push(dw, {2, 3}, {1, 2});
    args.push(2).push(3).result(s);
    gradient.call(args);
    bool exact = true;
    for (int k = 0; k < 6; ++k) exact = exact && da[k] == 6 * w[k] * a[k] && dw[k] == 3 * a[k] * a[k];
    check(exact, "Context::load_fortran: the gradient of a Fortran function");
    check_throws([&] { context.load_fortran("bindings_kernel.F90", "-Wall"); }, ZAD_INVALID_ARGUMENT, "-Wall",
                 "load_fortran: an unknown option");
}

void test_c_source(const zad::Context &context) {
    zad::Module c = context.load_c("../csource/dot.c", "-DUNUSED=1");
    double x[3] = {1, 2, 3}, y[3] = {4, -5, 6}, dx[3] = {}, dy[3] = {}, s = 0;
    zad::Args args;
    args.push(3).push(x, {3}).push(y, {3}).result(s);
    c.function("dot").call(args);
    check(s == 12, "Context::load_c: a C function with pointer parameters");
    zad::Function gradient = c.gradient("dot", {ZAD_CONST, ZAD_DUP, ZAD_DUP});
    args.clear().push(3).push(x, {3}).push(dx, {3}).push(y, {3}).push(dy, {3}).result(s);
    gradient.call(args);
    bool exact = true;
    for (int k = 0; k < 3; ++k) exact = exact && dx[k] == y[k] && dy[k] == x[k];
    check(exact, "Context::load_c: the gradient of a C function");
    check_throws([&] { context.load_c("../csource/dot.c", "-O3"); }, ZAD_INVALID_ARGUMENT, "-O3",
                 "load_c: an unknown option");
}

}  // namespace

int main() {
    try {
        check(!zad::version().empty(), "zad::version()");
        zad::Context context;
        zad::Module module = context.load("bindings.mlir");
        test_scalars(module);
        test_arrays(module);
        test_errors(context, module);
        test_ownership();
        test_returned_array(module);
        test_entry_point(module);
        test_threads(module);
        test_gradients(module);
        test_checkpointing(module);
        test_fortran_source(context);
        test_c_source(context);
    } catch (const zad::Error &error) {
        std::printf("FAIL  unexpected zad::Error %s: %s\n", zad::status_name(error.status()), error.what());
        return EXIT_FAILURE;
    }
    if (failures > 0) {
        std::printf("%d of %d checks FAILED\n", failures, checks);
        return EXIT_FAILURE;
    }
    std::printf("all %d checks passed\n", checks);
    return EXIT_SUCCESS;
}
