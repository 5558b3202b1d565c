// zad: C++17 bindings to the C ABI of zad.h, header-only.
//
//   // func.func @dot(%x: memref<?xf64>, %y: memref<?xf64>) -> f64
//   zad::Context context;
//   zad::Module module = context.load("kernels.mlir");   // or load_fortran("solver.f90"), load_c("stencil.c")
//   zad::Function dot = module.function("dot");
//   std::vector<double> x(n), y(n);
//   double result = 0;
//   zad::Args args;
//   args.push(x).push(y).result(result);
//   dot.call(args);                     // throws zad::Error on any failure
//
//   // Its reverse-mode gradient: x and y get shadow arrays (ZAD_DUP).
//   zad::Function grad = module.gradient("dot", {ZAD_DUP, ZAD_DUP});
//   std::vector<double> dx(n, 0.0), dy(n, 0.0);   // gradients are added
//   zad::Args grad_args;
//   grad_args.push(x).push(dx).push(y).push(dy).result(result);
//   grad.call(grad_args);               // now dx == y and dy == x
//
//   // A time loop (the scf.for on line 14), checkpointed within 50 MB of
//   // snapshots instead of taped step by step; then what it cost.
//   zad::Function checkpointed = module.gradient_checkpointed("heat", {ZAD_DUP, ZAD_ACTIVE, ZAD_CONST, ZAD_CONST},
//                                                             {zad::budget(14, 50'000'000)});
//   zad_stats stats = zad::take_stats();
//
//   // Parallel loops (scf.parallel) on 4 threads, or on an NVIDIA GPU.
//   context.set_threads(4);
//   context.set_target("cuda");       // for the functions compiled after this
//
// Every handle class owns one zad handle, frees it in its destructor, and is
// movable but not copyable; a moved-from object is empty, and using it
// throws. Every failing zad call throws zad::Error, which carries the
// status code and zad's message (with MLIR's file:line:col).
//
// Arrays are passed without copying: zad keeps their addresses, and the
// kernel reads and writes them when the function is called. They must stay
// alive (and a std::vector must not reallocate) until the Args are cleared
// or destroyed. The same holds for the variables bound with result(): they
// are written by a successful call.
//
// Scalars are pushed as their C++ type: 2.0 is an f64, 2.0f an f32, 2 an
// i32; an MLIR `index` is zad::Index{n} (or push_index(n)).
#ifndef ZAD_HPP
#define ZAD_HPP

#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "zad.h"

namespace zad {

/// The name of a status code: "ZAD_OK", "ZAD_PARSE_ERROR", ...
inline const char *status_name(zad_status status) noexcept {
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
    default: return "unknown zad status";
    }
}

/// A failed zad call: status() is the zad_status, what() zad's message.
class Error : public std::runtime_error {
public:
    Error(zad_status status, const std::string &message) : std::runtime_error(message), status_(status) {}
    zad_status status() const noexcept { return status_; }

private:
    zad_status status_;
};

/// Throws Error with zad's last message unless status is ZAD_OK. The
/// message is copied at once: zad keeps it only until the next failure.
inline void check(zad_status status) {
    if (status != ZAD_OK) throw Error(status, zad_last_error());
}

/// The version of the zad library, e.g. "0.1.0".
inline std::string version() { return zad_version(); }

/// An MLIR `index` argument: args.push(zad::Index{n}).
struct Index {
    std::int64_t value;
};

/// MLIR's descriptor of a rank-R memref of T, for calls through a raw entry
/// point (Function::entry): the C++ spelling of ZAD_MEMREF(T, R).
template <typename T, std::size_t R>
struct MemRef {
    T *allocated;
    T *aligned;
    std::int64_t offset;
    std::int64_t sizes[R];
    std::int64_t strides[R];
};

namespace detail {

/// Owns one zad handle of type T, freed by Free.
template <typename T, void (*Free)(T *)>
class Handle {
public:
    Handle() noexcept = default;
    explicit Handle(T *raw) noexcept : raw_(raw) {}
    Handle(const Handle &) = delete;
    Handle &operator=(const Handle &) = delete;
    Handle(Handle &&other) noexcept : raw_(std::exchange(other.raw_, nullptr)) {}
    Handle &operator=(Handle &&other) noexcept {
        if (this != &other) {
            Free(raw_);
            raw_ = std::exchange(other.raw_, nullptr);
        }
        return *this;
    }
    ~Handle() { Free(raw_); }

    T *get() const noexcept { return raw_; }
    /// Frees the handle now; the object is then empty.
    void reset() noexcept { Free(std::exchange(raw_, nullptr)); }
    /// Where a zad_*_result_array or constructor writes a new handle.
    T **out() noexcept {
        reset();
        return &raw_;
    }

private:
    T *raw_ = nullptr;
};

/// Calls on an empty (moved-from) handle would reach zad as NULL and fail
/// with ZAD_INVALID_ARGUMENT anyway; this says which class it was.
template <typename T>
T *require(T *raw, const char *what) {
    if (raw == nullptr) {
        throw Error(ZAD_INVALID_ARGUMENT, std::string("zad::") + what + " is empty (moved from)");
    }
    return raw;
}

}  // namespace detail

/// An array returned by a kernel (Args::result(Array&)): owned, row-major.
class Array {
public:
    Array() noexcept = default;

    bool empty() const noexcept { return handle_.get() == nullptr; }
    /// ZAD_F32 or ZAD_F64 (-1 when empty).
    zad_type type() const noexcept { return zad_array_type(handle_.get()); }
    std::size_t rank() const noexcept { return zad_array_rank(handle_.get()); }
    /// The shape in the kernel's order, e.g. {3, 4} for memref<3x4xf64>.
    std::vector<std::int64_t> shape() const {
        const std::int64_t *sizes = zad_array_shape(handle_.get());
        return sizes == nullptr ? std::vector<std::int64_t>{} : std::vector<std::int64_t>(sizes, sizes + rank());
    }
    /// The number of elements.
    std::size_t size() const {
        if (empty()) return 0;
        std::size_t count = 1;
        for (std::int64_t extent : shape()) count *= static_cast<std::size_t>(extent);
        return count;
    }
    /// The row-major elements, as T (double or float, which must be the
    /// array's element type; Error otherwise).
    template <typename T>
    const T *data() const {
        static_assert(std::is_same_v<T, double> || std::is_same_v<T, float>, "zad arrays hold double or float");
        const zad_type wanted = std::is_same_v<T, double> ? ZAD_F64 : ZAD_F32;
        if (type() != wanted) {
            throw Error(ZAD_INVALID_ARGUMENT, empty() ? "zad::Array is empty"
                                                      : "zad::Array::data: the array's elements are not of that type");
        }
        return static_cast<const T *>(zad_array_data(handle_.get()));
    }
    /// A copy of the elements, row-major, converted to T.
    template <typename T = double>
    std::vector<T> values() const {
        std::vector<T> out(size());
        if (type() == ZAD_F64) {
            const double *source = data<double>();
            for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<T>(source[i]);
        } else if (type() == ZAD_F32) {
            const float *source = data<float>();
            for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<T>(source[i]);
        }
        return out;
    }
    zad_array *get() const noexcept { return handle_.get(); }

private:
    friend class Args;
    detail::Handle<zad_array, zad_array_free> handle_;
};

/// An argument list with result bindings, reusable with clear().
class Args {
public:
    Args() { check(zad_args_new(handle_.out())); }

    // Scalars: f64, f32, i32, i64, index. Other arithmetic types (int8_t,
    // size_t, long long, ...) are ambiguous on purpose: say which MLIR type
    // is meant with a cast or zad::Index.
    Args &push(double value) { return done(zad_args_push_f64(raw(), value)); }
    Args &push(float value) { return done(zad_args_push_f32(raw(), value)); }
    Args &push(std::int32_t value) { return done(zad_args_push_i32(raw(), value)); }
    Args &push(std::int64_t value) { return done(zad_args_push_i64(raw(), value)); }
    Args &push(Index index) { return done(zad_args_push_index(raw(), index.value)); }
    Args &push_index(std::int64_t value) { return done(zad_args_push_index(raw(), value)); }
    /// complex<f64> and complex<f32> scalars.
    Args &push(std::complex<double> value) { return done(zad_args_push_c64(raw(), value.real(), value.imag())); }
    Args &push(std::complex<float> value) { return done(zad_args_push_c32(raw(), value.real(), value.imag())); }
    /// f16 and bf16 scalars, given as floats rounded to their precision.
    Args &push_f16(float value) { return done(zad_args_push_f16(raw(), value)); }
    Args &push_bf16(float value) { return done(zad_args_push_bf16(raw(), value)); }

    /// An array at data, of the given shape; strides in elements, empty
    /// for C row-major. Not copied: see the top of this file.
    Args &push(double *data, const std::vector<std::int64_t> &shape, const std::vector<std::int64_t> &strides = {}) {
        return done(zad_args_push_array_f64(raw(), data, shape.size(), shape.data(), strides_of(shape, strides)));
    }
    Args &push(float *data, const std::vector<std::int64_t> &shape, const std::vector<std::int64_t> &strides = {}) {
        return done(zad_args_push_array_f32(raw(), data, shape.size(), shape.data(), strides_of(shape, strides)));
    }
    /// complex<f64> and complex<f32> arrays (std::complex<T> is laid out as
    /// T[2], real part first); strides count complex elements.
    Args &push(std::complex<double> *data, const std::vector<std::int64_t> &shape,
               const std::vector<std::int64_t> &strides = {}) {
        return done(zad_args_push_array_c64(raw(), data, shape.size(), shape.data(), strides_of(shape, strides)));
    }
    Args &push(std::complex<float> *data, const std::vector<std::int64_t> &shape,
               const std::vector<std::int64_t> &strides = {}) {
        return done(zad_args_push_array_c32(raw(), data, shape.size(), shape.data(), strides_of(shape, strides)));
    }
    /// A vector as a rank-1 array. It must not be resized until the call.
    Args &push(std::vector<double> &vector) { return push(vector.data(), {signed_size(vector)}); }
    Args &push(std::vector<float> &vector) { return push(vector.data(), {signed_size(vector)}); }
    Args &push(std::vector<std::complex<double>> &vector) { return push(vector.data(), {signed_size(vector)}); }
    Args &push(std::vector<std::complex<float>> &vector) { return push(vector.data(), {signed_size(vector)}); }
    // A temporary would be gone by the time the kernel runs.
    Args &push(std::vector<double> &&) = delete;
    Args &push(std::vector<float> &&) = delete;
    Args &push(std::vector<std::complex<double>> &&) = delete;
    Args &push(std::vector<std::complex<float>> &&) = delete;

    // Result bindings, in the order of the kernel's results. The variables
    // must stay alive until the call, which writes them if it succeeds.
    Args &result(double &out) { return done(zad_args_result_f64(raw(), &out)); }
    Args &result(float &out) { return done(zad_args_result_f32(raw(), &out)); }
    // std::complex<T> is laid out as T[2] (real, imaginary) by the standard.
    Args &result(std::complex<double> &out) { return done(zad_args_result_c64(raw(), reinterpret_cast<double *>(&out))); }
    Args &result(std::complex<float> &out) { return done(zad_args_result_c32(raw(), reinterpret_cast<float *>(&out))); }
    /// Binds an f16 or bf16 result, widened to a float.
    Args &result_f16(float &out) { return done(zad_args_result_f16(raw(), &out)); }
    Args &result_bf16(float &out) { return done(zad_args_result_bf16(raw(), &out)); }
    Args &result(std::int32_t &out) { return done(zad_args_result_i32(raw(), &out)); }
    Args &result(std::int64_t &out) { return done(zad_args_result_i64(raw(), &out)); }
    Args &result_index(std::int64_t &out) { return done(zad_args_result_index(raw(), &out)); }
    /// A memref result. Any array out holds is freed now; out must not be
    /// moved before the call (zad writes into it).
    Args &result(Array &out) { return done(zad_args_result_array(raw(), out.handle_.out())); }

    /// Forgets the arguments and bindings, keeping the buffers.
    Args &clear() { return done(zad_args_clear(raw())); }

    zad_args *get() const noexcept { return handle_.get(); }

private:
    zad_args *raw() const { return detail::require(handle_.get(), "Args"); }
    Args &done(zad_status status) {
        check(status);
        return *this;
    }
    static const std::int64_t *strides_of(const std::vector<std::int64_t> &shape,
                                          const std::vector<std::int64_t> &strides) {
        if (strides.empty()) return nullptr;
        if (strides.size() != shape.size()) {
            throw Error(ZAD_INVALID_ARGUMENT, "zad::Args::push: " + std::to_string(shape.size()) + " sizes but " +
                                                  std::to_string(strides.size()) + " strides");
        }
        return strides.data();
    }
    template <typename T>
    static std::int64_t signed_size(const std::vector<T> &vector) {
        return static_cast<std::int64_t>(vector.size());
    }

    detail::Handle<zad_args, zad_args_free> handle_;
};

/// A JIT-compiled function. Callable from several threads at once, each
/// with its own Args.
class Function {
public:
    Function() noexcept = default;

    /// Calls the function; throws Error (nothing is called, no result
    /// written) if the arguments or bindings do not match its signature.
    void call(Args &args) const { check(zad_function_call(raw(), detail::require(args.get(), "Args"))); }

    /// For a function compiled for CUDA: calls it on arrays already in GPU
    /// memory (device or managed pointers you own); nothing is copied.
    void call_device(Args &args) const {
        check(zad_function_call_device(raw(), detail::require(args.get(), "Args")));
    }

    std::size_t num_args() const {
        std::size_t count = 0;
        check(zad_function_arity(raw(), &count, nullptr));
        return count;
    }
    std::size_t num_results() const {
        std::size_t count = 0;
        check(zad_function_arity(raw(), nullptr, &count));
        return count;
    }

    /// The raw, unchecked entry point (`_mlir_ciface_<name>`) as a pointer
    /// to a function of type F, whose type must follow the calling
    /// convention in zad.h (memrefs as zad::MemRef<T, R> *). Valid while
    /// this Function lives.
    template <typename F>
    F *entry() const {
        static_assert(std::is_function_v<F>, "zad::Function::entry<F>: F is a function type, e.g. double(double)");
        void *address = nullptr;
        check(zad_function_pointer(raw(), &address));
        // Converting an object pointer to a function pointer is only
        // conditionally supported by ISO C++; copying the bits is what
        // POSIX dlsym users do, and is well defined where zad runs.
        F *function = nullptr;
        static_assert(sizeof function == sizeof address, "function and object pointers differ in size");
        std::memcpy(&function, &address, sizeof function);
        return function;
    }

    zad_function *get() const noexcept { return handle_.get(); }

private:
    friend class Module;
    zad_function *raw() const { return detail::require(handle_.get(), "Function"); }
    detail::Handle<zad_function, zad_function_free> handle_;
};

/// A parsed and verified MLIR module.
class Module {
public:
    Module() noexcept = default;

    /// The compiled function `name` (without '@'); the first request
    /// JIT-compiles the module.
    Function function(const std::string &name) const {
        Function function;
        check(zad_module_function(raw(), name.c_str(), function.handle_.out()));
        return function;
    }

    /// The compiled reverse-mode gradient of function `name`, for one
    /// activity per argument: ZAD_CONST (no derivative), ZAD_ACTIVE (a float
    /// scalar whose derivative is returned) or ZAD_DUP (a float array with a
    /// shadow). Cached per activity.
    ///
    /// Call it like the function: push its arguments in order, each
    /// ZAD_DUP array followed by its shadow (same shape and layout; the
    /// gradient is ADDED to it, so zero it first), then optionally one seed
    /// per float result (omitted seeds are 1). Bind the function's results,
    /// then one result per ZAD_ACTIVE argument: its derivative.
    ///
    ///   // func.func @loss(%x: memref<?xf64>, %w: f64) -> f64
    ///   zad::Function grad = module.gradient("loss", {ZAD_DUP, ZAD_ACTIVE});
    ///   std::vector<double> dx(x.size(), 0.0);
    ///   double loss = 0, dw = 0;
    ///   args.push(x).push(dx).push(w).result(loss).result(dw);
    ///   grad.call(args);
    Function gradient(const std::string &name, const std::vector<zad_activity> &activity) const {
        Function function;
        check(zad_module_gradient(raw(), name.c_str(), activity.data(), activity.size(), function.handle_.out()));
        return function;
    }

    /// The compiled forward-mode tangent of function `name`, for one
    /// activity per argument: ZAD_DUP (a float scalar or array with a
    /// tangent; ZAD_ACTIVE means the same for scalars) or ZAD_CONST (none),
    /// with `width` directions at once (vector mode when > 1). Cached per
    /// activity and width.
    ///
    /// Call it like the function: push its arguments in order, each
    /// ZAD_DUP one followed by its `width` tangents (scalars, or arrays of
    /// its shape and layout; an array the kernel writes holds the tangent of
    /// its final contents on return). Bind the function's results, then
    /// `width` results per float result: its directional derivatives.
    ///
    ///   // func.func @loss(%x: memref<?xf64>, %w: f64) -> f64
    ///   zad::Function tan = module.tangent("loss", {ZAD_DUP, ZAD_CONST});
    ///   double loss = 0, dloss = 0;
    ///   args.push(x).push(dx).push(w).result(loss).result(dloss);
    ///   tan.call(args);
    Function tangent(const std::string &name, const std::vector<zad_activity> &activity, size_t width = 1) const {
        Function function;
        check(zad_module_tangent_batch(raw(), name.c_str(), activity.data(), activity.size(), width,
                                       function.handle_.out()));
        return function;
    }

    /// The Hessian-vector product of function `name` (forward over
    /// reverse), for one activity per argument as gradient(). Push, per
    /// argument: the argument; for a ZAD_ACTIVE scalar then its direction v;
    /// for a ZAD_DUP array then its shadow (the gradient is ADDED to it),
    /// its direction V and an array into which H V is ADDED (zero both
    /// first); nothing more for ZAD_CONST. Bind the function's results, then
    /// one gradient per ZAD_ACTIVE argument, then (H v) per ZAD_ACTIVE
    /// argument.
    ///
    ///   // func.func @energy(%u: memref<?xf64>, %k: f64) -> f64
    ///   zad::Function hvp = module.hvp("energy", {ZAD_DUP, ZAD_ACTIVE});
    ///   std::vector<double> du(u.size(), 0.0), hu(u.size(), 0.0);
    ///   double e = 0, dk = 0, hk = 0;
    ///   args.push(u).push(du).push(vu).push(hu).push(k).push(vk).result(e).result(dk).result(hk);
    ///   hvp.call(args);
    Function hvp(const std::string &name, const std::vector<zad_activity> &activity) const {
        Function function;
        check(zad_module_hvp(raw(), name.c_str(), activity.data(), activity.size(), function.handle_.out()));
        return function;
    }

    /// As gradient(), with checkpointing of the time loops in `loops` (see
    /// zad_checkpoint in zad.h, and zad::binomial, zad::budget and
    /// zad::periodic below): instead of taping every step, the gradient
    /// keeps snapshots of each loop's state and recomputes steps from them.
    /// Every call of the functions named in `calls` is checkpointed too (not
    /// inlined; run untaped forward, rerun taped in reverse). Called like
    /// gradient()'s result; zad::take_stats() then says what it did.
    ///
    ///   // the time loop is the scf.for on line 14 of the file
    ///   zad::Function grad = module.gradient_checkpointed("heat", {ZAD_DUP, ZAD_ACTIVE, ZAD_CONST, ZAD_CONST},
    ///                                                     {zad::budget(14, 50'000'000)});
    Function gradient_checkpointed(const std::string &name, const std::vector<zad_activity> &activity,
                                   const std::vector<zad_checkpoint> &loops,
                                   const std::vector<std::string> &calls = {}) const {
        std::vector<const char *> names;
        names.reserve(calls.size());
        for (const std::string &call : calls) names.push_back(call.c_str());
        Function function;
        check(zad_module_gradient_checkpointed(raw(), name.c_str(), activity.data(), activity.size(), loops.data(),
                                               loops.size(), names.data(), names.size(), function.handle_.out()));
        return function;
    }

    zad_module *get() const noexcept { return handle_.get(); }

private:
    friend class Context;
    zad_module *raw() const { return detail::require(handle_.get(), "Module"); }
    detail::Handle<zad_module, zad_module_free> handle_;
};

/// Binomial checkpointing (revolve) of the scf.for on source line `line`
/// (0: every top-level scf.for) with `snapshots` snapshots.
inline zad_checkpoint binomial(std::uint32_t line, std::uint64_t snapshots) noexcept {
    return zad_checkpoint{line, ZAD_CHECKPOINT_BINOMIAL, snapshots, 0};
}

/// Binomial checkpointing with as many snapshots as `bytes` of memory hold.
inline zad_checkpoint budget(std::uint32_t line, std::uint64_t bytes) noexcept {
    return zad_checkpoint{line, ZAD_CHECKPOINT_BINOMIAL, 0, bytes};
}

/// A snapshot every `interval` steps.
inline zad_checkpoint periodic(std::uint32_t line, std::uint64_t interval) noexcept {
    return zad_checkpoint{line, ZAD_CHECKPOINT_PERIODIC, interval, 0};
}

/// The statistics of the gradients run on the calling thread since the last
/// call (which starts a new measurement): forward_steps, reversed_steps,
/// snapshot_writes, snapshots_held, peak_snapshot_bytes, peak_tape_bytes
/// (see zad_stats).
inline zad_stats take_stats() {
    zad_stats stats{};
    check(zad_stats_take(&stats));
    return stats;
}

/// A zad context (one MLIR context).
class Context {
public:
    Context() { check(zad_context_new(handle_.out())); }

    /// Reads, parses and verifies an MLIR file.
    Module load(const std::string &path) const {
        Module module;
        check(zad_module_load(raw(), path.c_str(), module.handle_.out()));
        return module;
    }
    /// Converts the procedures of a Fortran source file (see
    /// zad_module_load_fortran in zad.h); `options` are options for reading
    /// the source, as on a compiler's command line ("-I include -DNX=100").
    /// Functions are then named by their Fortran names.
    Module load_fortran(const std::string &path, const std::string &options = "") const {
        Module module;
        check(zad_module_load_fortran(raw(), path.c_str(), options.c_str(), module.handle_.out()));
        return module;
    }
    /// Converts the functions of a C source file (see zad_module_load_c in
    /// zad.h); `options` are options for reading the source ("-I include
    /// -DN=100"). Functions keep their C names; pointer parameters are 1-D
    /// arrays.
    Module load_c(const std::string &path, const std::string &options = "") const {
        Module module;
        check(zad_module_load_c(raw(), path.c_str(), options.c_str(), module.handle_.out()));
        return module;
    }
    /// Parses and verifies MLIR text; source_name names it in messages.
    Module parse(const std::string &source, const std::string &source_name = "<string>") const {
        Module module;
        check(zad_module_parse(raw(), source.c_str(), source_name.c_str(), module.handle_.out()));
        return module;
    }

    /// Compiles kernels with bounds checks (or without) from now on: a
    /// violation throws zad::Error with ZAD_RUNTIME_ERROR and the op's
    /// file:line:col.
    void check_bounds(bool on) const { check(zad_context_set_option(raw(), ZAD_OPTION_CHECK_BOUNDS, on ? 1 : 0)); }

    /// Makes `function` the definition of the kernels' foreign function
    /// `name` (a func.func private @name without a body) for modules
    /// compiled afterwards. It is called through MLIR's C interface: scalars
    /// by value, memrefs as pointers to ZAD_MEMREF descriptors. Any function
    /// pointer type is accepted (an extern "C" function is the portable
    /// choice).
    template <typename Function>
    void register_function(const std::string &name, Function *function) const {
        static_assert(std::is_function<Function>::value, "register_function takes a function pointer");
        check(zad_context_register_function(raw(), name.c_str(), reinterpret_cast<zad_foreign_fn>(function)));
    }

    /// Registers the adjoint and/or the tangent of the foreign function
    /// `name` (nullptr for none, not both), called instead of
    /// differentiating its calls; see zad_context_register_derivative in
    /// zad.h for their signatures.
    template <typename Adjoint, typename Tangent>
    void register_derivative(const std::string &name, Adjoint *adjoint, Tangent *tangent) const {
        static_assert(std::is_function<Adjoint>::value && std::is_function<Tangent>::value,
                      "register_derivative takes function pointers");
        check(zad_context_register_derivative(raw(), name.c_str(), reinterpret_cast<zad_foreign_fn>(adjoint),
                                              reinterpret_cast<zad_foreign_fn>(tangent)));
    }
    /// Registers only the adjoint of the foreign function `name`.
    template <typename Adjoint>
    void register_adjoint(const std::string &name, Adjoint *adjoint) const {
        static_assert(std::is_function<Adjoint>::value, "register_adjoint takes a function pointer");
        check(zad_context_register_derivative(raw(), name.c_str(), reinterpret_cast<zad_foreign_fn>(adjoint), nullptr));
    }
    /// Registers only the tangent of the foreign function `name`.
    template <typename Tangent>
    void register_tangent(const std::string &name, Tangent *tangent) const {
        static_assert(std::is_function<Tangent>::value, "register_tangent takes a function pointer");
        check(zad_context_register_derivative(raw(), name.c_str(), nullptr, reinterpret_cast<zad_foreign_fn>(tangent)));
    }

    /// Loads a shared library whose functions define the kernels' foreign
    /// functions (after registered ones, before the process's symbols).
    void load_library(const std::string &path) const { check(zad_context_load_library(raw(), path.c_str())); }

    /// The threads parallel loops (scf.parallel) run on, from the next call
    /// of any function of this context on; 0 restores the default.
    void set_threads(std::int64_t threads) { check(zad_context_set_threads(raw(), threads)); }
    /// The threads parallel loops run on now.
    std::int64_t threads() const {
        std::int64_t count = 0;
        check(zad_context_threads(raw(), &count));
        return count;
    }
    /// Where the parallel loops of functions compiled from now on run:
    /// "cpu" (the default), "cuda" or "cuda:sm_XY".
    void set_target(const std::string &target) { check(zad_context_set_target(raw(), target.c_str())); }

    zad_context *get() const noexcept { return handle_.get(); }

private:
    zad_context *raw() const { return detail::require(handle_.get(), "Context"); }
    detail::Handle<zad_context, zad_context_free> handle_;
};

}  // namespace zad

#endif  // ZAD_HPP
