//! The handles of the C ABI and the functions on them.

use super::boundary::{c_str, free_handle, optional_c_str, guard, guard_infallible, handle, handle_mut, last_error, out_param};
pub use super::boundary::{
    ZAD_COMPILE_ERROR, ZAD_INTERNAL, ZAD_INVALID_ARGUMENT, ZAD_IO_ERROR, ZAD_NOT_FOUND, ZAD_OK, ZAD_PARSE_ERROR,
    ZAD_RUNTIME_ERROR, ZAD_SIGNATURE_ERROR, ZAD_UNSUPPORTED, ZAD_VERIFY_ERROR, zad_status,
};
use crate::{
    Activity, Args, Array, ArrayData, COptions, CheckpointScheme, CompiledFunction, Context, FortranOptions, GradientOptions,
    Module, Value,
    error::Error,
    signature::{ParamType, Scalar},
};
use std::ffi::{c_char, c_void};

/// Element or scalar type codes.
pub type zad_type = i32;
/// 32-bit float (`float`, `real(4)`).
pub const ZAD_F32: zad_type = 0;
/// 64-bit float (`double`, `real(8)`).
pub const ZAD_F64: zad_type = 1;
/// 32-bit signed integer.
pub const ZAD_I32: zad_type = 2;
/// 64-bit signed integer.
pub const ZAD_I64: zad_type = 3;
/// MLIR `index`, passed as a 64-bit signed integer.
pub const ZAD_INDEX: zad_type = 4;
/// IEEE half precision (`f16`; C's `_Float16`), arrays as its 16 bits.
pub const ZAD_F16: zad_type = 5;
/// bfloat16 (`bf16`), arrays as its 16 bits.
pub const ZAD_BF16: zad_type = 6;
/// complex<f32> (`float _Complex`, `complex(4)`): real part, imaginary part.
pub const ZAD_C32: zad_type = 7;
/// complex<f64> (`double _Complex`, `complex(8)`): real part, imaginary part.
pub const ZAD_C64: zad_type = 8;

/// A zad context: one MLIR context with the zad dialect loaded.
///
/// Thread safety: a context and the modules made from it may be used from
/// several threads; zad serialises the work on one context (parsing,
/// compiling). Use one context per thread to compile in parallel.
pub struct zad_context {
    inner: Context,
}

/// A parsed and verified MLIR module. Keeps its context alive.
pub struct zad_module {
    inner: Module,
}

/// A JIT-compiled function. Keeps its machine code alive, independently of
/// its module and context. Callable from many threads at once (each with its
/// own `zad_args`).
pub struct zad_function {
    inner: CompiledFunction,
}

/// A typed argument list for `zad_function_call`, with bindings for the
/// results. Reusable: `zad_args_clear` keeps its buffers. Not thread-safe:
/// use one per thread.
pub struct zad_args {
    inner: Args<'static>,
    results: Vec<ResultBinding>,
}

/// An array returned by a kernel, owned by the caller: row-major, copied out
/// of the kernel's memory.
pub struct zad_array {
    inner: Array,
}

enum ResultBinding {
    Scalar(Scalar, *mut c_void),
    Array(*mut *mut zad_array),
}

/// The version of zad, e.g. "0.1.0". Static storage; never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn zad_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The message of the last failed zad call on the calling thread, or "" if
/// none failed. Owned by zad; valid until the next failing call on this
/// thread. Messages carry MLIR's diagnostics with `file:line:col`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_last_error() -> *const c_char {
    guard_infallible(c"".as_ptr(), last_error)
}

/// Creates a context. On success `*out` is a new context owned by the
/// caller, freed with `zad_context_free`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_context_new(out: *mut *mut zad_context) -> zad_status {
    guard(|| {
        out_param(out, "out")?;
        let context = Box::new(zad_context { inner: Context::new()? });
        // SAFETY: `out` is non-null and points to writable storage (caller).
        unsafe { *out = Box::into_raw(context) };
        Ok(())
    })
}

/// Frees a context. Accepts NULL. Modules and functions made from it stay
/// valid: they keep what they need alive.
#[unsafe(no_mangle)]
pub extern "C" fn zad_context_free(context: *mut zad_context) {
    // SAFETY: NULL or a context from `zad_context_new`, freed once (caller).
    unsafe { free_handle(context) }
}

/// Options of a context (`zad_context_set_option`).
pub type zad_option = i32;
/// Bounds checks (value 1: on, 0: off; off by default, or on when the
/// environment has `ZAD_CHECK_BOUNDS=1` when the context is made). With
/// checks, an index out of bounds, a view outside its buffer or sizes that
/// do not match stop the call with `ZAD_RUNTIME_ERROR` and a message naming
/// the op and its `file:line:col` (gradients included), instead of reading
/// or writing outside the arrays. Kernels run slower. Applies to functions
/// compiled after the call.
pub const ZAD_OPTION_CHECK_BOUNDS: zad_option = 1;

/// Sets an option of `context` (see `zad_option`). An unknown option or
/// value is `ZAD_INVALID_ARGUMENT`. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn zad_context_set_option(context: *const zad_context, option: zad_option, value: i64) -> zad_status {
    guard(|| {
        // SAFETY: NULL or a valid context (caller).
        let context = unsafe { handle(context, "context") }?;
        match (option, value) {
            (ZAD_OPTION_CHECK_BOUNDS, 0 | 1) => {
                context.inner.set_check_bounds(value == 1);
                Ok(())
            }
            (ZAD_OPTION_CHECK_BOUNDS, _) => {
                Err(Error::InvalidArgument(format!("ZAD_OPTION_CHECK_BOUNDS takes 0 or 1, not {value}")))
            }
            _ => Err(Error::InvalidArgument(format!("{option} is not a zad_option (ZAD_OPTION_CHECK_BOUNDS is 1)"))),
        }
    })
}

/// A foreign function's address for `zad_context_register_function`, cast
/// to this type (`(zad_foreign_fn)my_function`; from Fortran, `c_funloc`).
pub type zad_foreign_fn = Option<unsafe extern "C" fn()>;

/// Makes `function` the definition of the foreign function `name`: a
/// kernel's `func.func private @name(...)` declared without a body. Modules
/// compiled from `context` after this call use it, ahead of the libraries
/// loaded with `zad_context_load_library` and of the process's own symbols;
/// registering a name again replaces it for later compilations.
///
/// zad calls it through MLIR's C interface: scalars by value, each memref as
/// a pointer to its descriptor (`ZAD_MEMREF(T, R)` above), one scalar result
/// returned by value. The caller vouches that `function` has that
/// signature and stays valid while code compiled from the context may call
/// it. Does not take ownership of `name`. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn zad_context_register_function(
    context: *const zad_context,
    name: *const c_char,
    function: zad_foreign_fn,
) -> zad_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid (caller).
        let context = unsafe { handle(context, "context") }?;
        let name = unsafe { c_str(name, "name") }?;
        let address = function.map_or(std::ptr::null(), |function| function as *const c_void);
        // SAFETY: the caller vouches for the signature and lifetime (above).
        unsafe { context.inner.register_function(name, address) }
    })
}

/// Registers the derivatives of the foreign function `name`: `adjoint`
/// for reverse mode, `tangent` for forward mode (either may be NULL, not
/// both). Modules compiled from `context` after this call call them instead
/// of differentiating a call of `@name`, as if its declaration had the
/// attributes `zad.adjoint` / `zad.tangent` (attributes written in the
/// kernel take precedence). Without a derivative, a foreign function whose
/// call carries derivatives is an error (`ZAD_UNSUPPORTED`).
///
/// Both are called through MLIR's C interface, as foreign functions are.
/// For `func.func private @name(ARGS) -> RESULTS`, the adjoint's MLIR
/// signature is ARGS with a shadow after each float memref, then one seed
/// per float result -> RESULTS, then one gradient per float scalar
/// argument; it adds into the shadows. For `double f(double x, double y)`
/// that is `void f_adjoint(struct {double f, dx, dy;} *out, double x,
/// double y, double seed)` (several results come back through a pointer to
/// a struct passed first). The tangent's is each float argument (scalar or
/// memref) followed by its tangent -> RESULTS, then one tangent per float
/// result: `void f_tangent(struct {double f, df;} *out, double x, double
/// dx, double y, double dy)`. The caller vouches for these signatures and
/// that the functions stay valid while code compiled from the context may
/// call them. Does not take ownership of `name`. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn zad_context_register_derivative(
    context: *const zad_context,
    name: *const c_char,
    adjoint: zad_foreign_fn,
    tangent: zad_foreign_fn,
) -> zad_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid (caller).
        let context = unsafe { handle(context, "context") }?;
        let name = unsafe { c_str(name, "name") }?;
        let adjoint = adjoint.map_or(std::ptr::null(), |function| function as *const c_void);
        let tangent = tangent.map_or(std::ptr::null(), |function| function as *const c_void);
        // SAFETY: the caller vouches for the signatures and lifetimes (above).
        unsafe { context.inner.register_derivative(name, adjoint, tangent) }
    })
}

/// Loads the shared library at `path` (`dlopen`), whose functions define
/// the foreign functions of modules compiled from `context` after this call
/// (after registered functions, before the process's own symbols; libraries
/// are searched in the order they were loaded). The library stays loaded
/// while the context or code compiled from it lives. A library that cannot
/// be loaded is `ZAD_IO_ERROR` with the loader's message. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn zad_context_load_library(context: *const zad_context, path: *const c_char) -> zad_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid (caller).
        let context = unsafe { handle(context, "context") }?;
        let path = unsafe { c_str(path, "path") }?;
        context.inner.load_library(path)
    })
}

/// Sets the number of threads the parallel loops (`scf.parallel`) of this
/// context's functions run on, from their next call on (functions compiled
/// before included). 0 restores the default: `ZAD_NUM_THREADS` when the
/// context was created, else `OMP_NUM_THREADS`, else the number of CPUs the
/// process may run on. Loops without `scf.parallel` always run on the
/// calling thread.
#[unsafe(no_mangle)]
pub extern "C" fn zad_context_set_threads(context: *mut zad_context, threads: i64) -> zad_status {
    guard(|| {
        // SAFETY: NULL or a valid context (caller).
        let context = unsafe { handle(context, "context") }?;
        let threads = usize::try_from(threads)
            .map_err(|_| Error::InvalidArgument(format!("threads is {threads}: give 1 or more, or 0 for the default")))?;
        context.inner.set_threads(threads)
    })
}

/// The number of threads parallel loops of this context run on now, into
/// `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_context_threads(context: *const zad_context, out: *mut i64) -> zad_status {
    guard(|| {
        // SAFETY: NULL or valid pointers (caller).
        let context = unsafe { handle(context, "context") }?;
        out_param(out, "out")?;
        unsafe { *out = context.inner.threads() as i64 };
        Ok(())
    })
}

/// Sets where the parallel loops of the functions compiled from now on run
/// (functions compiled before keep theirs): `"cpu"` (the default: threads),
/// `"cuda"` (an NVIDIA GPU, the first the driver sees) or `"cuda:sm_XY"`
/// (PTX for that architecture). Compiling for CUDA needs NVIDIA's driver:
/// without it `zad_module_function` fails with `ZAD_UNSUPPORTED` ("no CUDA
/// driver"). Does not take ownership of `target`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_context_set_target(context: *mut zad_context, target: *const c_char) -> zad_status {
    guard(|| {
        // SAFETY: NULL or valid pointers (caller).
        let context = unsafe { handle(context, "context") }?;
        let target = unsafe { c_str(target, "target") }?;
        context.inner.set_target(target.parse()?);
        Ok(())
    })
}

/// What the `zad_module_parse` / `zad_module_load*` functions share: the
/// context and `out` checked, the module `make` builds handed out as a new
/// handle.
fn new_module(
    context: *const zad_context,
    out: *mut *mut zad_module,
    make: impl FnOnce(&Context) -> Result<Module, Error>,
) -> zad_status {
    guard(|| {
        // SAFETY: NULL or a valid context (caller).
        let context = unsafe { handle(context, "context") }?;
        out_param(out, "out")?;
        let module = make(&context.inner)?;
        // SAFETY: `out` is non-null and writable (caller).
        unsafe { *out = Box::into_raw(Box::new(zad_module { inner: module })) };
        Ok(())
    })
}

/// Parses and verifies MLIR text (`module { ... }` or bare functions).
/// `source_name` names the text in messages (`name:line:col`); NULL gives
/// "<string>". Does not take ownership of `source`. On success `*out` is a
/// new module owned by the caller, freed with `zad_module_free`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_module_parse(
    context: *const zad_context,
    source: *const c_char,
    source_name: *const c_char,
    out: *mut *mut zad_module,
) -> zad_status {
    new_module(context, out, |context| {
        // SAFETY: pointers are NULL or valid (caller).
        let source = unsafe { c_str(source, "source") }?;
        let name = unsafe { optional_c_str(source_name, "source_name", "<string>") }?;
        Module::parse(context, source, name)
    })
}

/// Reads, parses and verifies an MLIR file (or converts a Fortran or C
/// file, by its extension, as `zad_module_load_fortran` or
/// `zad_module_load_c` does with default options). On success `*out` is a
/// new module owned by the caller, freed with `zad_module_free`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_module_load(
    context: *const zad_context,
    path: *const c_char,
    out: *mut *mut zad_module,
) -> zad_status {
    new_module(context, out, |context| {
        // SAFETY: NULL or a valid C string (caller).
        let path = unsafe { c_str(path, "path") }?;
        Module::load(context, path)
    })
}

/// Converts the procedures of a Fortran source file (`.f90`, `.f`, `.F90`,
/// `.F`, `.f95`, `.f03`, `.f08`) into a module, with flang (Debian package
/// flang-22). Its functions are named by their Fortran names, in any case,
/// or `module::name` where two modules define the same name; arrays are
/// memrefs in Fortran index order and layout, `intent(in)` scalars are
/// passed by value, scalars the procedure writes are 0-d memrefs, and a
/// function's value is its result. `options` is NULL for the defaults, or
/// a string of options for reading the source: `-I DIR`, `-D NAME[=VALUE]`,
/// `-U NAME`, `-ffixed-form`, `-ffree-form`, `-ffixed-line-length=N`,
/// `-fdefault-real-8`, `-fdefault-double-8`, `-fdefault-integer-8`, `-cpp`,
/// `-nocpp`, `-fimplicit-none`, `-fbackslash`, and `-fno-zad-directives`
/// (ignore the `!$zad checkpoint` directives of the source, e.g. for a
/// plain taped gradient of a loop it marks). A procedure zad cannot
/// convert (input/output, pointers, derived types, ...) does not stop the
/// others: asking for it is `ZAD_UNSUPPORTED` with the reason and its
/// `file:line:col`. Does not take ownership of the strings. On success
/// `*out` is a new module owned by the caller, freed with
/// `zad_module_free`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_module_load_fortran(
    context: *const zad_context,
    path: *const c_char,
    options: *const c_char,
    out: *mut *mut zad_module,
) -> zad_status {
    new_module(context, out, |context| {
        // SAFETY: pointers are NULL or valid (caller).
        let path = unsafe { c_str(path, "path") }?;
        let options = FortranOptions::parse(unsafe { optional_c_str(options, "options", "") }?)?;
        Module::load_fortran(context, path, &options)
    })
}

/// Converts the functions of a C source file (`.c`) into a module, with
/// clang, opt and mlir-translate (Debian packages clang-22, llvm-22 and
/// mlir-22-tools). Its functions keep their C names; double, float, int
/// and long parameters are scalars, and a pointer parameter (`double *u`,
/// `const float *x`, a VLA `double a[n][m]`) is a 1-D memref of the
/// array it points to, flattened in C's row-major order, whose length is
/// the length of the array the caller passes. Calls refuse arrays that
/// overlap in memory where the C parameters may alias (neither is
/// `restrict`, and the function writes through one of them), with
/// `ZAD_INVALID_ARGUMENT` naming both. `options` is NULL for the defaults,
/// or a string of options for reading the source: `-I DIR`,
/// `-D NAME[=VALUE]`, `-U NAME`, `-std=STANDARD`. A function zad cannot
/// convert (I/O, memory allocation, structs, pointer arithmetic, ...)
/// does not stop the others: asking for it is `ZAD_UNSUPPORTED` with the
/// reason and its `file:line:col`. Does not take ownership of the strings.
/// On success `*out` is a new module owned by the caller, freed with
/// `zad_module_free`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_module_load_c(
    context: *const zad_context,
    path: *const c_char,
    options: *const c_char,
    out: *mut *mut zad_module,
) -> zad_status {
    new_module(context, out, |context| {
        // SAFETY: pointers are NULL or valid (caller).
        let path = unsafe { c_str(path, "path") }?;
        let options = COptions::parse(unsafe { optional_c_str(options, "options", "") }?)?;
        Module::load_c(context, path, &options)
    })
}

/// Frees a module. Accepts NULL. Functions compiled from it stay valid.
#[unsafe(no_mangle)]
pub extern "C" fn zad_module_free(module: *mut zad_module) {
    // SAFETY: NULL or a module from zad, freed once (caller).
    unsafe { free_handle(module) }
}

/// The compiled function `name` of `module`. The first request lowers and
/// JIT-compiles the module; later requests, for any function of it, reuse
/// that code. On success `*out` is a new handle owned by the caller, freed
/// with `zad_function_free`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_module_function(
    module: *const zad_module,
    name: *const c_char,
    out: *mut *mut zad_function,
) -> zad_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid (caller).
        let module = unsafe { handle(module, "module") }?;
        let name = unsafe { c_str(name, "name") }?;
        out_param(out, "out")?;
        let function = module.inner.function(name)?;
        // SAFETY: `out` is non-null and writable (caller).
        unsafe { *out = Box::into_raw(Box::new(zad_function { inner: function })) };
        Ok(())
    })
}

/// Per-argument activity of a gradient (the Enzyme convention).
pub type zad_activity = i32;
/// No derivative with respect to this argument.
pub const ZAD_CONST: zad_activity = 0;
/// A float scalar whose gradient is returned as an extra result.
pub const ZAD_ACTIVE: zad_activity = 1;
/// A float array followed, in the argument list, by its shadow: an array of
/// the same shape into which the gradient is accumulated (`+=`). For an
/// array the kernel overwrites, the shadow's contents on entry are the
/// cotangent of its final contents (usually zero) and on exit hold
/// d(result)/d(initial contents).
pub const ZAD_DUP: zad_activity = 2;

/// What the `zad_module_<derivative>` functions share: their arguments
/// checked, the derivative `compile` makes handed out as a new function.
fn compile_derivative(
    module: *const zad_module,
    name: *const c_char,
    activity: *const zad_activity,
    num_activity: usize,
    out: *mut *mut zad_function,
    compile: impl FnOnce(&Module, &str, &[Activity]) -> Result<CompiledFunction, Error>,
) -> zad_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid (caller).
        let module = unsafe { handle(module, "module") }?;
        let name = unsafe { c_str(name, "name") }?;
        out_param(out, "out")?;
        let activity = activities(activity, num_activity)?;
        let function = compile(&module.inner, name, &activity)?;
        // SAFETY: `out` is non-null and writable (caller).
        unsafe { *out = Box::into_raw(Box::new(zad_function { inner: function })) };
        Ok(())
    })
}

/// The compiled reverse-mode gradient of function `name`, for the given
/// activity of each of its `num_activity` arguments (cached per activity).
///
/// The gradient is called like any function (`zad_function_call`):
/// arguments are those of `name` in order, each `ZAD_DUP` one followed by
/// its shadow, then optionally one seed per float result (the cotangent of
/// that result; omitted seeds are 1.0). Results are those of `name`, then
/// the gradient of each `ZAD_ACTIVE` argument in order. An op without a
/// derivative rule, or a construct reverse mode does not handle, is
/// `ZAD_UNSUPPORTED` with the op and its `file:line:col`. On success `*out`
/// is a new handle owned by the caller, freed with `zad_function_free`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_module_gradient(
    module: *const zad_module,
    name: *const c_char,
    activity: *const zad_activity,
    num_activity: usize,
    out: *mut *mut zad_function,
) -> zad_status {
    compile_derivative(module, name, activity, num_activity, out, |module, name, activity| module.gradient(name, activity))
}

/// The compiled forward-mode tangent of function `name`, for the given
/// activity of each of its `num_activity` arguments (cached per activity):
/// the derivative of its results along one direction, in one sweep.
///
/// `ZAD_DUP` gives a float scalar or a float array a tangent (`ZAD_ACTIVE`
/// is taken as `ZAD_DUP` for float scalars); `ZAD_CONST` gives it none.
/// The tangent is called like any function (`zad_function_call`):
/// arguments are those of `name` in order, each `ZAD_DUP` one followed by
/// its tangent (a scalar, or an array of the same shape holding the
/// direction of its contents; for an array the kernel writes, it holds the
/// tangent of its final contents on return). Results are those of `name`,
/// then the tangent of each float result in order. An op without a
/// derivative rule, or a construct forward mode does not handle, is
/// `ZAD_UNSUPPORTED` with the op and its `file:line:col`. On success `*out`
/// is a new handle owned by the caller, freed with `zad_function_free`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_module_tangent(
    module: *const zad_module,
    name: *const c_char,
    activity: *const zad_activity,
    num_activity: usize,
    out: *mut *mut zad_function,
) -> zad_status {
    zad_module_tangent_batch(module, name, activity, num_activity, 1, out)
}

/// As `zad_module_tangent`, with `width` directions at once (vector mode):
/// each `ZAD_DUP` argument is followed by `width` tangents (one per
/// direction), and each float result by `width` tangents, direction by
/// direction. Inside, the tangents of a scalar travel as one vector of
/// `width` lanes. `width` 0 is `ZAD_INVALID_ARGUMENT`; 1 is
/// `zad_module_tangent`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_module_tangent_batch(
    module: *const zad_module,
    name: *const c_char,
    activity: *const zad_activity,
    num_activity: usize,
    width: usize,
    out: *mut *mut zad_function,
) -> zad_status {
    compile_derivative(module, name, activity, num_activity, out, |module, name, activity| {
        module.tangent(name, activity, width)
    })
}

/// Compiles the Hessian-vector product of function `name` (forward over
/// reverse: the tangent of its gradient in a direction V), for
/// `num_activity` per-argument activities as for `zad_module_gradient`. H
/// is the Hessian of the function's float result (of the sum of its float
/// results) with respect to the `ZAD_ACTIVE` and `ZAD_DUP` arguments.
///
/// Arguments of the compiled function, per argument of `name`: the
/// argument; then for a `ZAD_ACTIVE` scalar its direction v (a scalar of
/// the same type); for a `ZAD_DUP` array its shadow (the gradient is
/// accumulated into it), its direction V and a buffer into which (H V) for
/// that array is accumulated (all three shaped like the array: zero the
/// shadow and the product buffer first); nothing more for `ZAD_CONST`. No
/// seeds. Results: those of `name`, then the gradient of each `ZAD_ACTIVE`
/// argument, then (H V) for each `ZAD_ACTIVE` argument, in order. Errors
/// as for `zad_module_gradient` (`ZAD_UNSUPPORTED` with the op and its
/// `file:line:col` for what cannot be differentiated twice). On success
/// `*out` is a new handle owned by the caller, freed with
/// `zad_function_free`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_module_hvp(
    module: *const zad_module,
    name: *const c_char,
    activity: *const zad_activity,
    num_activity: usize,
    out: *mut *mut zad_function,
) -> zad_status {
    compile_derivative(module, name, activity, num_activity, out, |module, name, activity| module.hvp(name, activity))
}

/// Scheme codes of `zad_checkpoint`.
pub type zad_checkpoint_scheme = i32;
/// Binomial checkpointing (revolve): the optimal schedule for a number of
/// snapshots.
pub const ZAD_CHECKPOINT_BINOMIAL: zad_checkpoint_scheme = 0;
/// A snapshot every `snapshots` steps (for comparison).
pub const ZAD_CHECKPOINT_PERIODIC: zad_checkpoint_scheme = 1;

/// Checkpointing of one time loop: an `scf.for` at the top level of the
/// differentiated function. Instead of taping every step, the gradient keeps
/// snapshots of the loop's state (its iteration arguments and the buffers it
/// writes) and recomputes steps from them.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct zad_checkpoint {
    /// The source line of the `scf.for`; 0 for every top-level `scf.for`.
    pub line: u32,
    /// `ZAD_CHECKPOINT_BINOMIAL` or `ZAD_CHECKPOINT_PERIODIC`.
    pub scheme: zad_checkpoint_scheme,
    /// Binomial: the number of snapshots (0: as many as `budget_bytes`
    /// allows). Periodic: steps between snapshots.
    pub snapshots: u64,
    /// Binomial with `snapshots` 0: the memory for snapshots, in bytes.
    pub budget_bytes: u64,
}

/// As `zad_module_gradient`, with checkpointing: `loops` (`num_loops`
/// entries) names the time loops to checkpoint, and every call of each of
/// the `num_calls` functions named in `calls` is checkpointed (run untaped
/// forward, rerun taped in reverse) instead of inlined. Either list may be
/// NULL when its count is 0. Does not take ownership of the lists.
#[unsafe(no_mangle)]
pub extern "C" fn zad_module_gradient_checkpointed(
    module: *const zad_module,
    name: *const c_char,
    activity: *const zad_activity,
    num_activity: usize,
    loops: *const zad_checkpoint,
    num_loops: usize,
    calls: *const *const c_char,
    num_calls: usize,
    out: *mut *mut zad_function,
) -> zad_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid for their counts (caller).
        let module = unsafe { handle(module, "module") }?;
        let name = unsafe { c_str(name, "name") }?;
        out_param(out, "out")?;
        let activity = activities(activity, num_activity)?;
        let loops = unsafe { slice(loops, num_loops, "loops") }?;
        let calls = unsafe { slice(calls, num_calls, "calls") }?;
        let mut options = GradientOptions::default();
        for (index, entry) in loops.iter().enumerate() {
            let line = (entry.line > 0).then_some(entry.line as usize);
            let scheme = match (entry.scheme, entry.snapshots, entry.budget_bytes) {
                (ZAD_CHECKPOINT_BINOMIAL, 0, 0) => {
                    return Err(Error::InvalidArgument(format!(
                        "loops[{index}]: give a number of snapshots or a memory budget"
                    )));
                }
                (ZAD_CHECKPOINT_BINOMIAL, 0, budget) => CheckpointScheme::Budget(budget as usize),
                (ZAD_CHECKPOINT_BINOMIAL, snapshots, _) => CheckpointScheme::Snapshots(snapshots as usize),
                (ZAD_CHECKPOINT_PERIODIC, interval, _) if interval > 0 => CheckpointScheme::Periodic(interval as usize),
                (scheme, _, _) => {
                    return Err(Error::InvalidArgument(format!(
                        "loops[{index}]: scheme {scheme} with snapshots {} is not valid",
                        entry.snapshots
                    )));
                }
            };
            options.loops.push((line, scheme));
        }
        for (index, &call) in calls.iter().enumerate() {
            // SAFETY: each entry is a NUL-terminated string (caller).
            options.checkpointed_calls.push(unsafe { c_str(call, &format!("calls[{index}]")) }?.to_string());
        }
        let function = module.inner.gradient_with(name, &activity, &options)?;
        // SAFETY: `out` is non-null and writable (caller).
        unsafe { *out = Box::into_raw(Box::new(zad_function { inner: function })) };
        Ok(())
    })
}

/// Statistics of the gradients run on the calling thread.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct zad_stats {
    /// Plain forward steps of checkpointed loops (forward sweep and
    /// recomputations).
    pub forward_steps: u64,
    /// Steps of checkpointed loops reversed.
    pub reversed_steps: u64,
    /// Snapshots written (a snapshot slot is written again each time the
    /// schedule reuses it).
    pub snapshot_writes: u64,
    /// The most snapshots held at once.
    pub snapshots_held: u64,
    /// The most bytes held in snapshots at once.
    pub peak_snapshot_bytes: u64,
    /// The most bytes held in tapes at once.
    pub peak_tape_bytes: u64,
}

/// The statistics of the gradients run on the calling thread since the last
/// call (which starts a new measurement), into `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_stats_take(out: *mut zad_stats) -> zad_status {
    guard(|| {
        out_param(out, "out")?;
        let checkpoint = crate::exec::take_checkpoint_stats();
        let stats = zad_stats {
            forward_steps: checkpoint.forward_steps,
            reversed_steps: checkpoint.reversed_steps,
            snapshot_writes: checkpoint.snapshot_writes,
            snapshots_held: checkpoint.snapshots_held,
            peak_snapshot_bytes: checkpoint.peak_snapshot_bytes,
            peak_tape_bytes: crate::exec::take_tape_peak(),
        };
        // SAFETY: `out` is non-null and writable (caller).
        unsafe { *out = stats };
        Ok(())
    })
}

/// Borrows `count` entries at `pointer` (NULL allowed when `count` is 0).
///
/// # Safety
/// A non-null `pointer` holds `count` valid entries.
unsafe fn slice<'a, T>(pointer: *const T, count: usize, what: &str) -> Result<&'a [T], Error> {
    if count == 0 {
        return Ok(&[]);
    }
    if pointer.is_null() {
        return Err(Error::InvalidArgument(format!("{what} is NULL")));
    }
    // SAFETY: non-null with `count` entries (caller).
    Ok(unsafe { std::slice::from_raw_parts(pointer, count) })
}

fn activities(activity: *const zad_activity, count: usize) -> Result<Vec<Activity>, Error> {
    // SAFETY: `activity` holds `count` entries (caller of the entry point).
    let codes = unsafe { slice(activity, count, "activity") }?;
    codes
        .iter()
        .enumerate()
        .map(|(index, &code)| match code {
            ZAD_CONST => Ok(Activity::Const),
            ZAD_ACTIVE => Ok(Activity::Active),
            ZAD_DUP => Ok(Activity::Dup),
            other => Err(Error::InvalidArgument(format!(
                "the activity of argument {} is {other}: expected ZAD_CONST (0), ZAD_ACTIVE (1) or ZAD_DUP (2)",
                index + 1
            ))),
        })
        .collect()
}

/// Frees a function handle. Accepts NULL.
#[unsafe(no_mangle)]
pub extern "C" fn zad_function_free(function: *mut zad_function) {
    // SAFETY: NULL or a function from zad, freed once (caller).
    unsafe { free_handle(function) }
}

/// The number of arguments and results of a function. Either out-parameter
/// may be NULL.
#[unsafe(no_mangle)]
pub extern "C" fn zad_function_arity(
    function: *const zad_function,
    num_args: *mut usize,
    num_results: *mut usize,
) -> zad_status {
    guard(|| {
        // SAFETY: NULL or valid pointers (caller).
        let signature = unsafe { handle(function, "function") }?.inner.signature();
        unsafe {
            if let Some(out) = num_args.as_mut() {
                *out = signature.inputs.len();
            }
            if let Some(out) = num_results.as_mut() {
                *out = signature.results.len();
            }
        }
        Ok(())
    })
}

/// The raw entry point of a function, for hot loops: the address of MLIR's C
/// interface `_mlir_ciface_<name>`, with the calling convention described at
/// the top of this header. Valid while the function handle lives. No
/// argument checking happens on this path, and a run-time error (a failed
/// bounds check, a division by zero, an allocation that fails) has no status
/// to go to: zad prints it on stderr and aborts the process. Use
/// `zad_function_call` where that matters.
#[unsafe(no_mangle)]
pub extern "C" fn zad_function_pointer(function: *const zad_function, out: *mut *mut c_void) -> zad_status {
    guard(|| {
        // SAFETY: NULL or valid pointers (caller).
        let function = unsafe { handle(function, "function") }?;
        out_param(out, "out")?;
        unsafe { *out = function.inner.raw_pointer() };
        Ok(())
    })
}

/// Calls a function with the arguments in `args`, checked against its MLIR
/// signature (count, element type, rank, static dimensions and layout), and
/// stores its results through the bindings made with `zad_args_result_*`,
/// which must match the results in number and type. On failure nothing is
/// called and no result is written. Thread-safe for distinct `args`. A
/// function compiled for CUDA works on copies of the arrays in GPU-reachable
/// (managed) memory, copied back before it returns.
#[unsafe(no_mangle)]
pub extern "C" fn zad_function_call(function: *const zad_function, args: *mut zad_args) -> zad_status {
    guard(|| {
        // SAFETY: NULL or valid, unaliased handles (caller).
        let function = unsafe { handle(function, "function") }?;
        let args = unsafe { handle_mut(args, "args") }?;
        check_bindings(&function.inner, &args.results)?;
        function.inner.call(&mut args.inner)?;
        for (binding, value) in args.results.iter().zip(args.inner.results()) {
            // SAFETY: bindings point to writable storage of the bound type
            // (caller), and `check_bindings` matched types with the results.
            unsafe { write_result(binding, value) };
        }
        Ok(())
    })
}

/// As `zad_function_call`, for a function compiled for CUDA, with arrays
/// that are already in GPU memory (device or managed pointers the caller
/// owns, pushed with `zad_args_push_array_*`): nothing is copied. A function
/// whose code outside its parallel loops reads or writes an array argument
/// (that code runs on the host) is refused with `ZAD_UNSUPPORTED`, naming
/// the access; a function compiled for the CPU with `ZAD_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_function_call_device(function: *const zad_function, args: *mut zad_args) -> zad_status {
    guard(|| {
        // SAFETY: NULL or valid, unaliased handles (caller).
        let function = unsafe { handle(function, "function") }?;
        let args = unsafe { handle_mut(args, "args") }?;
        check_bindings(&function.inner, &args.results)?;
        function.inner.call_device(&mut args.inner)?;
        for (binding, value) in args.results.iter().zip(args.inner.results()) {
            // SAFETY: as in `zad_function_call`.
            unsafe { write_result(binding, value) };
        }
        Ok(())
    })
}

fn check_bindings(function: &CompiledFunction, bindings: &[ResultBinding]) -> Result<(), Error> {
    let signature = function.signature();
    let naming = &signature.naming;
    let (expected, made) = (signature.results.len(), bindings.len());
    if made != expected {
        let results = signature.results.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        let returns = match expected {
            0 => "returns nothing".to_string(),
            1 => format!("returns 1 result ({results})"),
            n => format!("returns {n} results ({results})"),
        };
        let bound = match made {
            0 => "none was bound".to_string(),
            1 => "1 was bound".to_string(),
            n => format!("{n} were bound"),
        };
        return Err(Error::Signature(format!(
            "{} {returns}, but {bound} (with zad_args_result_*, one per result, in order)",
            naming.subject()
        )));
    }
    for (index, (binding, ty)) in bindings.iter().zip(&signature.results).enumerate() {
        let fits = match (binding, ty) {
            (ResultBinding::Scalar(given, _), ParamType::Scalar(wanted)) => given == wanted,
            (ResultBinding::Array(_), ParamType::MemRef(_)) => true,
            _ => false,
        };
        if !fits {
            let given = match binding {
                ResultBinding::Scalar(scalar, _) => scalar.mlir_name().to_string(),
                ResultBinding::Array(_) => "an array".to_string(),
            };
            return Err(Error::Signature(format!(
                "{}: {} is {ty}, but it was bound as {given}",
                naming.subject(),
                naming.output(index)
            )));
        }
    }
    Ok(())
}

/// # Safety
/// The binding's pointer is valid for writing the value's type.
unsafe fn write_result(binding: &ResultBinding, value: &Value) {
    // SAFETY: see above.
    unsafe {
        match (binding, value) {
            (ResultBinding::Scalar(_, out), Value::F32(x) | Value::F16(x) | Value::BF16(x)) => {
                out.cast::<f32>().write(*x)
            }
            (ResultBinding::Scalar(_, out), Value::C32(parts)) => out.cast::<[f32; 2]>().write_unaligned(*parts),
            (ResultBinding::Scalar(_, out), Value::C64(parts)) => out.cast::<[f64; 2]>().write_unaligned(*parts),
            (ResultBinding::Scalar(_, out), Value::F64(x)) => out.cast::<f64>().write(*x),
            (ResultBinding::Scalar(_, out), Value::I32(x)) => out.cast::<i32>().write(*x),
            (ResultBinding::Scalar(_, out), Value::I64(x) | Value::Index(x)) => out.cast::<i64>().write(*x),
            (ResultBinding::Array(out), Value::Array(array)) => {
                **out = Box::into_raw(Box::new(zad_array { inner: array.clone() }));
            }
            _ => unreachable!("bindings were checked against the signature"),
        }
    }
}

/// Creates an empty argument list. On success `*out` is owned by the caller,
/// freed with `zad_args_free`.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_new(out: *mut *mut zad_args) -> zad_status {
    guard(|| {
        out_param(out, "out")?;
        let args = Box::new(zad_args { inner: Args::new(), results: Vec::new() });
        // SAFETY: `out` is non-null and writable (caller).
        unsafe { *out = Box::into_raw(args) };
        Ok(())
    })
}

/// Frees an argument list. Accepts NULL.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_free(args: *mut zad_args) {
    // SAFETY: NULL or an argument list from zad, freed once (caller).
    unsafe { free_handle(args) }
}

/// Removes all arguments and result bindings, keeping the buffers for reuse.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_clear(args: *mut zad_args) -> zad_status {
    guard(|| {
        // SAFETY: NULL or a valid, unaliased handle (caller).
        let args = unsafe { handle_mut(args, "args") }?;
        args.inner.clear();
        args.results.clear();
        Ok(())
    })
}

fn push_scalar(args: *mut zad_args, push: impl FnOnce(&mut Args<'static>)) -> zad_status {
    guard(|| {
        // SAFETY: NULL or a valid, unaliased handle (caller).
        push(&mut unsafe { handle_mut(args, "args") }?.inner);
        Ok(())
    })
}

/// Appends an f32 scalar argument.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_f32(args: *mut zad_args, value: f32) -> zad_status {
    push_scalar(args, |args| {
        args.push_f32(value);
    })
}

/// Appends an f64 scalar argument.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_f64(args: *mut zad_args, value: f64) -> zad_status {
    push_scalar(args, |args| {
        args.push_f64(value);
    })
}

/// Appends an f16 scalar argument, given as a float rounded to the nearest
/// f16.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_f16(args: *mut zad_args, value: f32) -> zad_status {
    push_scalar(args, |args| {
        args.push_f16(value);
    })
}

/// Appends a bf16 scalar argument, given as a float rounded to the nearest
/// bf16.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_bf16(args: *mut zad_args, value: f32) -> zad_status {
    push_scalar(args, |args| {
        args.push_bf16(value);
    })
}

/// Appends a complex<f32> scalar argument, from its real and imaginary parts.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_c32(args: *mut zad_args, re: f32, im: f32) -> zad_status {
    push_scalar(args, |args| {
        args.push_c32(re, im);
    })
}

/// Appends a complex<f64> scalar argument, from its real and imaginary parts.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_c64(args: *mut zad_args, re: f64, im: f64) -> zad_status {
    push_scalar(args, |args| {
        args.push_c64(re, im);
    })
}

/// Appends an i32 scalar argument.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_i32(args: *mut zad_args, value: i32) -> zad_status {
    push_scalar(args, |args| {
        args.push_i32(value);
    })
}

/// Appends an i64 scalar argument.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_i64(args: *mut zad_args, value: i64) -> zad_status {
    push_scalar(args, |args| {
        args.push_i64(value);
    })
}

/// Appends an `index` scalar argument.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_index(args: *mut zad_args, value: i64) -> zad_status {
    push_scalar(args, |args| {
        args.push_index(value);
    })
}

fn push_array(
    args: *mut zad_args,
    element: Scalar,
    data: *mut c_void,
    rank: usize,
    shape: *const i64,
    strides: *const i64,
) -> zad_status {
    guard(|| {
        // SAFETY: NULL or a valid, unaliased handle (caller).
        let args = unsafe { handle_mut(args, "args") }?;
        if rank > 0 && shape.is_null() {
            return Err(Error::InvalidArgument(format!("shape is NULL for an array of rank {rank}")));
        }
        // SAFETY: `shape` and `strides` (when not NULL) hold `rank` elements (caller).
        let shape = if rank == 0 { &[][..] } else { unsafe { std::slice::from_raw_parts(shape, rank) } };
        let strides = (!strides.is_null() && rank > 0).then(|| unsafe { std::slice::from_raw_parts(strides, rank) });
        // SAFETY: the caller keeps the array valid until the list is cleared
        // or freed (documented on the push functions).
        unsafe { args.inner.push_array(element, data, shape, strides) }?;
        Ok(())
    })
}

/// Appends an array of f64 without copying it: `data` points to element
/// (0, ..., 0); `shape` and `strides` (in elements, not bytes) have `rank`
/// entries. `strides` NULL means contiguous row-major (C order); pass
/// column-major strides for Fortran arrays. zad does not take ownership; the
/// array must stay valid until the list is cleared or freed, and the kernel
/// may write to it.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_array_f64(
    args: *mut zad_args,
    data: *mut f64,
    rank: usize,
    shape: *const i64,
    strides: *const i64,
) -> zad_status {
    push_array(args, Scalar::F64, data.cast(), rank, shape, strides)
}

/// As `zad_args_push_array_f64`, for arrays of f32.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_array_f32(
    args: *mut zad_args,
    data: *mut f32,
    rank: usize,
    shape: *const i64,
    strides: *const i64,
) -> zad_status {
    push_array(args, Scalar::F32, data.cast(), rank, shape, strides)
}

/// As `zad_args_push_array_f64`, for arrays of complex<f64>: `data` points
/// to `double _Complex` elements (or `complex(8)`, or pairs of doubles:
/// real part, imaginary part); strides count complex elements.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_array_c64(
    args: *mut zad_args,
    data: *mut c_void,
    rank: usize,
    shape: *const i64,
    strides: *const i64,
) -> zad_status {
    push_array(args, Scalar::C64, data, rank, shape, strides)
}

/// As `zad_args_push_array_c64`, for complex<f32> (`float _Complex`,
/// `complex(4)`).
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_array_c32(
    args: *mut zad_args,
    data: *mut c_void,
    rank: usize,
    shape: *const i64,
    strides: *const i64,
) -> zad_status {
    push_array(args, Scalar::C32, data, rank, shape, strides)
}

/// As `zad_args_push_array_f64`, for arrays of f16 (`_Float16`, or the
/// 16 bits of each element).
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_array_f16(
    args: *mut zad_args,
    data: *mut u16,
    rank: usize,
    shape: *const i64,
    strides: *const i64,
) -> zad_status {
    push_array(args, Scalar::F16, data.cast(), rank, shape, strides)
}

/// As `zad_args_push_array_f64`, for arrays of bf16 (the 16 bits of each
/// element).
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_push_array_bf16(
    args: *mut zad_args,
    data: *mut u16,
    rank: usize,
    shape: *const i64,
    strides: *const i64,
) -> zad_status {
    push_array(args, Scalar::BF16, data.cast(), rank, shape, strides)
}

fn bind(args: *mut zad_args, out: *mut c_void, binding: ResultBinding) -> zad_status {
    guard(|| {
        // SAFETY: NULL or a valid, unaliased handle (caller).
        let args = unsafe { handle_mut(args, "args") }?;
        out_param(out, "out")?;
        args.results.push(binding);
        Ok(())
    })
}

/// Binds the next result (in order) of the call to `*out`, an f32. `out`
/// must stay valid until the call.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_result_f32(args: *mut zad_args, out: *mut f32) -> zad_status {
    bind(args, out.cast(), ResultBinding::Scalar(Scalar::F32, out.cast()))
}

/// Binds the next result to `*out`, an f64.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_result_f64(args: *mut zad_args, out: *mut f64) -> zad_status {
    bind(args, out.cast(), ResultBinding::Scalar(Scalar::F64, out.cast()))
}

/// Binds the next result, an f16, to `*out`, widened to a float (exactly).
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_result_f16(args: *mut zad_args, out: *mut f32) -> zad_status {
    bind(args, out.cast(), ResultBinding::Scalar(Scalar::F16, out.cast()))
}

/// Binds the next result, a bf16, to `*out`, widened to a float (exactly).
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_result_bf16(args: *mut zad_args, out: *mut f32) -> zad_status {
    bind(args, out.cast(), ResultBinding::Scalar(Scalar::BF16, out.cast()))
}

/// Binds the next result, a complex<f32>, to `out[0]` (real part) and
/// `out[1]` (imaginary part): a `float _Complex *` or `complex(4)` works.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_result_c32(args: *mut zad_args, out: *mut f32) -> zad_status {
    bind(args, out.cast(), ResultBinding::Scalar(Scalar::C32, out.cast()))
}

/// Binds the next result, a complex<f64>, to `out[0]` (real part) and
/// `out[1]` (imaginary part): a `double _Complex *` or `complex(8)` works.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_result_c64(args: *mut zad_args, out: *mut f64) -> zad_status {
    bind(args, out.cast(), ResultBinding::Scalar(Scalar::C64, out.cast()))
}

/// Binds the next result to `*out`, an i32.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_result_i32(args: *mut zad_args, out: *mut i32) -> zad_status {
    bind(args, out.cast(), ResultBinding::Scalar(Scalar::I32, out.cast()))
}

/// Binds the next result to `*out`, an i64.
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_result_i64(args: *mut zad_args, out: *mut i64) -> zad_status {
    bind(args, out.cast(), ResultBinding::Scalar(Scalar::I64, out.cast()))
}

/// Binds the next result to `*out`, an `index` (64-bit).
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_result_index(args: *mut zad_args, out: *mut i64) -> zad_status {
    bind(args, out.cast(), ResultBinding::Scalar(Scalar::Index, out.cast()))
}

/// Binds the next result, a memref, to `*out`: after a successful call,
/// `*out` is a new array owned by the caller (freed with `zad_array_free`).
#[unsafe(no_mangle)]
pub extern "C" fn zad_args_result_array(args: *mut zad_args, out: *mut *mut zad_array) -> zad_status {
    bind(args, out.cast(), ResultBinding::Array(out))
}

/// Frees an array. Accepts NULL.
#[unsafe(no_mangle)]
pub extern "C" fn zad_array_free(array: *mut zad_array) {
    // SAFETY: NULL or an array from zad, freed once (caller).
    unsafe { free_handle(array) }
}

/// The element type of an array (`ZAD_F32`, `ZAD_F64`, `ZAD_F16`,
/// `ZAD_BF16`, `ZAD_C32` or `ZAD_C64`); -1 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn zad_array_type(array: *const zad_array) -> zad_type {
    guard_infallible(-1, || {
        // SAFETY: NULL or a valid array (caller).
        match unsafe { array.as_ref() }.map(|array| &array.inner.data) {
            Some(ArrayData::F16(_)) => ZAD_F16,
            Some(ArrayData::BF16(_)) => ZAD_BF16,
            Some(ArrayData::F32(_)) => ZAD_F32,
            Some(ArrayData::F64(_)) => ZAD_F64,
            Some(ArrayData::C32(_)) => ZAD_C32,
            Some(ArrayData::C64(_)) => ZAD_C64,
            None => -1,
        }
    })
}

/// The rank of an array; 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn zad_array_rank(array: *const zad_array) -> usize {
    // SAFETY: NULL or a valid array (caller).
    guard_infallible(0, || unsafe { array.as_ref() }.map_or(0, |array| array.inner.shape.len()))
}

/// The shape of an array (`rank` entries), owned by the array; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn zad_array_shape(array: *const zad_array) -> *const i64 {
    guard_infallible(std::ptr::null(), || {
        // SAFETY: NULL or a valid array (caller).
        unsafe { array.as_ref() }.map_or(std::ptr::null(), |array| array.inner.shape.as_ptr())
    })
}

/// The row-major elements of an array (`float`, `double`, 16-bit halves,
/// or complex numbers as (real, imaginary) pairs, by `zad_array_type`),
/// owned by the array; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn zad_array_data(array: *const zad_array) -> *const c_void {
    guard_infallible(std::ptr::null(), || {
        // SAFETY: NULL or a valid array (caller).
        match unsafe { array.as_ref() }.map(|array| &array.inner.data) {
            Some(ArrayData::F16(data) | ArrayData::BF16(data)) => data.as_ptr().cast(),
            Some(ArrayData::F32(data)) => data.as_ptr().cast(),
            Some(ArrayData::F64(data)) => data.as_ptr().cast(),
            Some(ArrayData::C32(data)) => data.as_ptr().cast(),
            Some(ArrayData::C64(data)) => data.as_ptr().cast(),
            None => std::ptr::null(),
        }
    })
}

/// Panics inside zad and returns what the panic boundary makes of it
/// (`ZAD_INTERNAL`, with a message). For testing that no panic ever unwinds
/// into the caller.
#[unsafe(no_mangle)]
pub extern "C" fn zad_debug_panic() -> zad_status {
    guard(|| panic!("zad_debug_panic was called"))
}
