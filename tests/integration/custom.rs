//! Custom derivatives (`zad.adjoint`, `zad.tangent`, `zad.forward` on a
//! `func.func`, and `zad_context_register_derivative` for foreign
//! functions): zad calls what the user gives instead of differentiating
//! the function, with the signatures the README states; a foreign function
//! without a derivative on the active path and a derivative with the wrong
//! signature are errors. Custom derivatives that are right are also checked
//! against finite differences by the gradient kernels
//! `tests/gradients/custom_*.mlir`; here they are deliberately wrong, so
//! that the results prove which function zad called.

use crate::abi_programs::{all_passed, build_c, build_fortran, run_ok};
use crate::support::{Scratch, assert_close};
use std::ffi::c_void;
use zad::{Activity, Args, Context, Error, Module, Value};

/// f(x, y) = x sin(y), whose adjoint returns twice the true dy and whose
/// tangent three times the true tangent; `k` = f(x, y)^2 calls it (not
/// inlined, or zad would differentiate the body and get the true values).
const SCALED: &str = "\
func.func private @f(%x: f64, %y: f64) -> f64 attributes {zad.adjoint = @f_adjoint, zad.tangent = @f_tangent} {
  %s = math.sin %y : f64
  %r = arith.mulf %x, %s : f64
  return %r : f64
}
func.func private @f_adjoint(%x: f64, %y: f64, %seed: f64) -> (f64, f64, f64) {
  %s = math.sin %y : f64
  %c = math.cos %y : f64
  %r = arith.mulf %x, %s : f64
  %dx = arith.mulf %seed, %s : f64
  %xc = arith.mulf %x, %c : f64
  %dy = arith.mulf %seed, %xc : f64
  %two = arith.constant 2.0 : f64
  %dy2 = arith.mulf %dy, %two : f64
  return %r, %dx, %dy2 : f64, f64, f64
}
func.func private @f_tangent(%x: f64, %tx: f64, %y: f64, %ty: f64) -> (f64, f64) {
  %s = math.sin %y : f64
  %c = math.cos %y : f64
  %r = arith.mulf %x, %s : f64
  %a = arith.mulf %tx, %s : f64
  %b = arith.mulf %x, %c : f64
  %b2 = arith.mulf %b, %ty : f64
  %t = arith.addf %a, %b2 : f64
  %three = arith.constant 3.0 : f64
  %t3 = arith.mulf %t, %three : f64
  return %r, %t3 : f64, f64
}
func.func @k(%x: f64, %y: f64) -> f64 {
  %a = func.call @f(%x, %y) : (f64, f64) -> f64
  %b = arith.mulf %a, %a : f64
  return %b : f64
}
func.func @f_direct_tangent(%x: f64, %tx: f64, %y: f64, %ty: f64) -> f64 {
  %r:2 = zad.tangent @f(%x, %tx, %y, %ty) {activity = [\"dup\", \"dup\"]} : (f64, f64, f64, f64) -> (f64, f64)
  return %r#1 : f64
}
func.func @k_tangent_x(%x: f64, %tx: f64, %y: f64) -> f64 {
  %r:2 = zad.tangent @k(%x, %tx, %y) {activity = [\"dup\", \"const\"]} : (f64, f64, f64) -> (f64, f64)
  return %r#1 : f64
}
func.func @k_tangent(%x: f64, %tx: f64, %y: f64, %ty: f64) -> f64 {
  %r:2 = zad.tangent @k(%x, %tx, %y, %ty) {activity = [\"dup\", \"dup\"]} : (f64, f64, f64, f64) -> (f64, f64)
  return %r#1 : f64
}
";

fn f64s(values: &[Value]) -> Vec<f64> {
    values
        .iter()
        .map(|value| match value {
            Value::F64(x) => *x,
            other => panic!("not an f64: {other:?}"),
        })
        .collect()
}

fn scalar_gradient(module: &Module, name: &str, activity: &[Activity], inputs: &[f64]) -> Vec<f64> {
    let gradient = module.gradient(name, activity).unwrap();
    let mut args = Args::new();
    for &x in inputs {
        args.push_f64(x);
    }
    gradient.call(&mut args).unwrap();
    f64s(args.results())
}

fn scalar_call(module: &Module, name: &str, inputs: &[f64]) -> f64 {
    let function = module.function(name).unwrap();
    let mut args = Args::new();
    for &x in inputs {
        args.push_f64(x);
    }
    function.call(&mut args).unwrap();
    f64s(args.results())[0]
}

#[test]
fn zad_calls_the_given_adjoint_and_tangent_not_its_own_derivative() {
    let context = Context::new().unwrap();
    let module = Module::parse(&context, SCALED, "scaled.mlir").unwrap();
    for (x, y) in [(0.5, 0.3), (-1.2, 2.0), (0.9, -0.7)] {
        let f = x * f64::sin(y);
        let (true_dx, true_dy) = (2.0 * f * f64::sin(y), 2.0 * f * x * f64::cos(y));
        let gradient = scalar_gradient(&module, "k", &[Activity::Active, Activity::Active], &[x, y]);
        assert_close(gradient[0], f * f, 1e-14, "the primal result");
        assert_close(gradient[1], true_dx, 1e-14, "dk/dx, as the adjoint gives it");
        assert_close(gradient[2], 2.0 * true_dy, 1e-14, "dk/dy: twice the true value, as the adjoint gives it");
        // A const y: its (scaled) gradient is computed and dropped.
        let gradient = scalar_gradient(&module, "k", &[Activity::Active, Activity::Const], &[x, y]);
        assert_eq!(gradient.len(), 2);
        assert_close(gradient[1], true_dx, 1e-14, "dk/dx with y const");
        // The gradient and the tangent of @f itself are its adjoint and tangent.
        let gradient = scalar_gradient(&module, "f", &[Activity::Active, Activity::Active], &[x, y]);
        assert_close(gradient[2], 2.0 * x * f64::cos(y), 1e-14, "df/dy: the adjoint's, asked for directly");
        let jvp = scalar_call(&module, "f_direct_tangent", &[x, 0.0, y, 1.0]);
        assert_close(jvp, 3.0 * x * f64::cos(y), 1e-14, "df/dy: the tangent's, asked for directly");
        let jvp = scalar_call(&module, "k_tangent", &[x, 1.0, y, 0.0]);
        assert_close(jvp, 3.0 * true_dx, 1e-14, "the tangent along x: three times the true value");
        let jvp = scalar_call(&module, "k_tangent_x", &[x, 0.25, y]);
        assert_close(jvp, 3.0 * 0.25 * true_dx, 1e-14, "the tangent along x, y const (given a zero tangent)");
        let jvp = scalar_call(&module, "k_tangent", &[x, 0.25, y, -0.5]);
        assert_close(jvp, 3.0 * (0.25 * true_dx - 0.5 * true_dy), 1e-14, "the tangent along (0.25, -0.5)");
    }
}

/// The README's residual example: the forward function returns tanh(x)
/// after the result, and the adjoint, which receives it after the seed,
/// uses it (here scaled by 2, so that a residual read from the wrong
/// iteration would show): inside a loop, one residual per iteration.
const RESIDUALS: &str = "\
func.func private @step(%x: f64, %a: f64) -> f64 attributes {zad.forward = @step_fwd, zad.adjoint = @step_adjoint} {
  %t = math.tanh %x : f64
  %r = arith.mulf %a, %t : f64
  return %r : f64
}
func.func private @step_fwd(%x: f64, %a: f64) -> (f64, f64) {
  %t = math.tanh %x : f64
  %r = arith.mulf %a, %t : f64
  %two = arith.constant 2.0 : f64
  %t2 = arith.mulf %t, %two : f64
  return %r, %t2 : f64, f64
}
func.func private @step_adjoint(%x: f64, %a: f64, %seed: f64, %t2: f64) -> (f64, f64, f64) {
  %zero = arith.constant 0.0 : f64
  %da = arith.mulf %seed, %t2 : f64
  return %zero, %zero, %da : f64, f64, f64
}
func.func @iterate(%x: f64, %a: f64, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %y = scf.for %i = %c0 to %n step %c1 iter_args(%v = %x) -> (f64) {
    %s = func.call @step(%v, %a) : (f64, f64) -> f64
    %w = arith.addf %v, %s : f64
    scf.yield %w : f64
  }
  return %y : f64
}
";

#[test]
fn residuals_of_zad_forward_are_taped_per_iteration_and_passed_to_the_adjoint() {
    let context = Context::new().unwrap();
    let module = Module::parse(&context, RESIDUALS, "residuals.mlir").unwrap();
    let gradient = module.gradient("iterate", &[Activity::Active, Activity::Active, Activity::Const]).unwrap();
    for (x, a, n) in [(0.3, 0.7, 5i64), (-0.4, 1.1, 1), (0.8, -0.6, 0), (0.1, 0.9, 12)] {
        let mut args = Args::new();
        args.push_f64(x).push_f64(a).push_index(n);
        gradient.call(&mut args).unwrap();
        let results = f64s(args.results());
        // The adjoint gives d(step)/dx = 0 and d(step)/da = 2 tanh(v_k):
        // dy/dx = 1 along the identity path, dy/da = sum_k 2 tanh(v_k).
        let (mut v, mut expected) = (x, 0.0);
        for _ in 0..n {
            expected += 2.0 * v.tanh();
            v += a * v.tanh();
        }
        assert_close(results[0], v, 1e-14, "the primal, computed through step_fwd");
        assert_close(results[1], 1.0, 1e-14, "dy/dx");
        assert_close(results[2], expected, 1e-12, "dy/da: the sum of the residuals of every iteration");
    }
}

// ------------------------------------------------------------ foreign

extern "C" fn cube(x: f64) -> f64 {
    x * x * x
}

#[repr(C)]
struct Pair {
    value: f64,
    derivative: f64,
}

/// The adjoint of cube, off by a factor 10: (x, seed) -> (x^3, 30 x^2 seed).
extern "C" fn cube_adjoint(out: *mut Pair, x: f64, seed: f64) {
    // SAFETY: MLIR passes a pointer to the results' struct.
    unsafe { *out = Pair { value: x * x * x, derivative: 30.0 * x * x * seed } };
}

/// The tangent of cube, off by a factor 100: (x, dx) -> (x^3, 300 x^2 dx).
extern "C" fn cube_tangent(out: *mut Pair, x: f64, dx: f64) {
    // SAFETY: as above.
    unsafe { *out = Pair { value: x * x * x, derivative: 300.0 * x * x * dx } };
}

const FOREIGN: &str = "\
func.func private @cube(f64) -> f64
func.func private @cube_named(f64) -> f64 attributes {zad.adjoint = @adjoint_of_cube}
func.func private @adjoint_of_cube(f64, f64) -> (f64, f64)
func.func @twice(%x: f64) -> f64 {
  %y = func.call @cube(%x) : (f64) -> f64
  %z = arith.mulf %y, %x : f64
  return %z : f64
}
func.func @named(%x: f64) -> f64 {
  %y = func.call @cube_named(%x) : (f64) -> f64
  return %y : f64
}
func.func @twice_tangent(%x: f64, %dx: f64) -> f64 {
  %r:2 = zad.tangent @twice(%x, %dx) {activity = [\"dup\"]} : (f64, f64) -> (f64, f64)
  return %r#1 : f64
}
";

#[test]
fn derivatives_registered_for_a_foreign_function_are_called() {
    let context = Context::new().unwrap();
    // SAFETY: the functions have the C interface of the signatures zad
    // expects (a struct of results passed first).
    unsafe {
        context.register_function("cube", cube as *const c_void).unwrap();
        context.register_function("cube_named", cube as *const c_void).unwrap();
        context.register_function("adjoint_of_cube", cube_adjoint as *const c_void).unwrap();
        context.register_derivative("cube", cube_adjoint as *const c_void, cube_tangent as *const c_void).unwrap();
    }
    let module = Module::parse(&context, FOREIGN, "foreign.mlir").unwrap();
    for x in [0.5, -1.5, 2.0] {
        // twice = cube(x) x: d/dx = cube'(x) x + x^3, with cube' as given.
        let gradient = scalar_gradient(&module, "twice", &[Activity::Active], &[x]);
        assert_close(gradient[0], x.powi(4), 1e-14, "the primal");
        assert_close(gradient[1], 30.0 * x * x * x + x.powi(3), 1e-13, "the registered adjoint's derivative");
        let jvp = scalar_call(&module, "twice_tangent", &[x, 0.5]);
        assert_close(jvp, 0.5 * (300.0 * x * x * x + x.powi(3)), 1e-13, "the registered tangent's derivative");
        // A foreign adjoint named by the attribute in the text.
        let gradient = scalar_gradient(&module, "named", &[Activity::Active], &[x]);
        assert_close(gradient[1], 30.0 * x * x, 1e-13, "the adjoint named by zad.adjoint, itself foreign");
    }
    // SAFETY: NULL addresses are refused before anything uses them.
    let both_null = unsafe { context.register_derivative("cube", std::ptr::null(), std::ptr::null()) };
    assert!(matches!(both_null, Err(Error::InvalidArgument(message)) if message.contains("both NULL")));
}

#[test]
fn c_program_registers_foreign_functions_and_their_derivatives() {
    let scratch = Scratch::new("custom-c");
    let exe = build_c(&scratch, "tests/abi/custom_derivatives.c");
    let stdout = run_ok(&exe, "tests/abi");
    all_passed(&stdout, "checks", 14);
    assert!(stdout.contains("ok   dE/du (accumulated by wnorm_adjoint into the shadow) matches finite differences"), "{stdout}");
    assert!(stdout.contains("ok   the tangent matches a directional finite difference"), "{stdout}");
}

#[test]
fn fortran_program_registers_bind_c_adjoints() {
    let scratch = Scratch::new("custom-fortran");
    let exe = build_fortran(&scratch, "tests/abi/custom_derivatives.f90", &["-Wextra"]);
    let stdout = run_ok(&exe, "tests/abi");
    all_passed(&stdout, "checks", 9);
    assert!(stdout.contains("ok   dE/drho and dE/dt match finite differences"), "{stdout}");
    assert!(stdout.contains("ok   dE/du (accumulated by wnorm_adjoint into the shadow) matches finite differences"), "{stdout}");
}

// ------------------------------------------------------------- errors

fn gradient_error(text: &str, function: &str, activity: &[Activity]) -> Error {
    let context = Context::new().unwrap();
    let module = Module::parse(&context, text, "custom.mlir").unwrap();
    match module.gradient(function, activity) {
        Ok(_) => panic!("the gradient of @{function} should be refused"),
        Err(error) => error,
    }
}

#[test]
fn a_foreign_function_without_a_derivative_on_the_active_path_is_named_with_its_call_and_the_remedies() {
    let text = "\
func.func private @opaque(f64, memref<?xf64>) -> f64
func.func @uses(%x: f64, %u: memref<?xf64>) -> f64 {
  %c = arith.constant 2.0 : f64
  %unused = func.call @opaque(%c, %u) : (f64, memref<?xf64>) -> f64
  %y = func.call @opaque(%x, %u) : (f64, memref<?xf64>) -> f64
  return %y : f64
}
";
    let tangent = "\
func.func @uses_tangent(%x: f64, %dx: f64, %u: memref<?xf64>) -> f64 {
  %r:2 = zad.tangent @uses(%x, %dx, %u) {activity = [\"dup\", \"const\"]} : (f64, f64, memref<?xf64>) -> (f64, f64)
  return %r#1 : f64
}
";
    let error = gradient_error(text, "uses", &[Activity::Active, Activity::Dup]);
    let message = error.to_string();
    assert!(matches!(error, Error::Unsupported(_)), "{message}");
    assert!(message.starts_with("custom.mlir:5:8: the foreign function @opaque is called on the active path"), "{message}");
    assert!(message.contains("zad.adjoint = @opaque_adjoint"), "{message}");
    assert!(message.contains("zad_context_register_derivative(ctx, \"opaque\", adjoint, tangent)"), "{message}");
    // Forward mode asks for a tangent.
    let context = Context::new().unwrap();
    let module = Module::parse(&context, &format!("{text}{tangent}"), "custom.mlir").unwrap();
    let message = module.function("uses_tangent").err().expect("refused").to_string();
    assert!(message.starts_with("custom.mlir:5:8: the foreign function @opaque"), "{message}");
    assert!(message.contains("zad.tangent = @opaque_tangent"), "{message}");
    // Off the active path (a const argument) a foreign function needs no
    // derivative: libm's cbrt, found in the process.
    let context = Context::new().unwrap();
    let module = Module::parse(
        &context,
        "func.func private @cbrt(f64) -> f64\nfunc.func @g(%x: f64, %c: f64) -> f64 {\n  \
         %y = func.call @cbrt(%c) : (f64) -> f64\n  %z = arith.mulf %x, %x : f64\n  \
         %r = arith.addf %y, %z : f64\n  return %r : f64\n}\n",
        "off.mlir",
    )
    .unwrap();
    let gradient = scalar_gradient(&module, "g", &[Activity::Active, Activity::Const], &[3.0, 8.0]);
    assert_eq!(gradient, vec![11.0, 6.0]);
}

#[test]
fn a_derivative_with_the_wrong_signature_is_refused_with_the_expected_one() {
    let with = |attributes: &str, declarations: &str| {
        format!(
            "func.func private @f(%x: f64, %u: memref<?xf64>, %n: index) -> f64 attributes {{{attributes}}} {{\n  \
             return %x : f64\n}}\n{declarations}\nfunc.func @k(%x: f64, %u: memref<?xf64>, %n: index) -> f64 {{\n  \
             %y = func.call @f(%x, %u, %n) : (f64, memref<?xf64>, index) -> f64\n  return %y : f64\n}}\n"
        )
    };
    let activity = [Activity::Active, Activity::Dup, Activity::Const];
    // An adjoint missing the shadow of %u.
    let error = gradient_error(
        &with("zad.adjoint = @f_adjoint", "func.func private @f_adjoint(f64, memref<?xf64>, index, f64) -> (f64, f64)"),
        "k",
        &activity,
    );
    let message = error.to_string();
    assert!(matches!(error, Error::Signature(_)), "{message}");
    assert!(message.starts_with("custom.mlir:1:1: @f_adjoint, the zad.adjoint of @f, has the signature (f64, memref<?xf64>, index, f64) -> (f64, f64); it must be (f64, memref<?xf64>, memref<?xf64>, index, f64) -> (f64, f64)"), "{message}");
    // A tangent without the tangent of %u.
    let message = gradient_error(
        &with("zad.tangent = @f_tangent", "func.func private @f_tangent(f64, f64, memref<?xf64>, index) -> (f64, f64)"),
        "k",
        &activity,
    )
    .to_string();
    assert!(message.contains("it must be (f64, f64, memref<?xf64>, memref<?xf64>, index) -> (f64, f64)"), "{message}");
    // A forward function whose results do not start with f's.
    let message = gradient_error(
        &with(
            "zad.forward = @f_fwd, zad.adjoint = @f_adjoint",
            "func.func private @f_fwd(f64, memref<?xf64>, index) -> (f32, f64)\n\
             func.func private @f_adjoint(f64, memref<?xf64>, memref<?xf64>, index, f64, f64) -> (f64, f64)",
        ),
        "k",
        &activity,
    )
    .to_string();
    assert!(message.contains("it must be (f64, memref<?xf64>, index) -> (f64, residuals...)"), "{message}");
    // With residuals, the adjoint takes them after the seed.
    let message = gradient_error(
        &with(
            "zad.forward = @f_fwd, zad.adjoint = @f_adjoint",
            "func.func private @f_fwd(f64, memref<?xf64>, index) -> (f64, f64, i64)\n\
             func.func private @f_adjoint(f64, memref<?xf64>, memref<?xf64>, index, f64) -> (f64, f64)",
        ),
        "k",
        &activity,
    )
    .to_string();
    assert!(message.contains("it must be (f64, memref<?xf64>, memref<?xf64>, index, f64, f64, i64) -> (f64, f64)"), "{message}");
    // A buffer residual, an adjoint that does not exist, a forward without an adjoint.
    let message = gradient_error(
        &with(
            "zad.forward = @f_fwd, zad.adjoint = @f_adjoint",
            "func.func private @f_fwd(f64, memref<?xf64>, index) -> (f64, memref<?xf64>)\n\
             func.func private @f_adjoint(f64, memref<?xf64>, memref<?xf64>, index, f64, memref<?xf64>) -> (f64, f64)",
        ),
        "k",
        &activity,
    )
    .to_string();
    assert!(message.contains("returns a residual of type memref<?xf64>; residuals are scalars"), "{message}");
    let error = gradient_error(&with("zad.adjoint = @nowhere", ""), "k", &activity);
    assert!(matches!(&error, Error::NotFound(m) if m.contains("@f names @nowhere as its zad.adjoint")), "{error}");
    let message = gradient_error(
        &with("zad.forward = @f_fwd", "func.func private @f_fwd(f64, memref<?xf64>, index) -> (f64, f64)"),
        "k",
        &activity,
    )
    .to_string();
    assert!(message.contains("has a zad.forward but no zad.adjoint"), "{message}");
}

// ------------------------------------------------------- stop_gradient

const STOP: &str = "\
func.func @k(%x: f64, %y: f64) -> f64 {
  %s = zad.stop_gradient %x : f64
  %a = arith.mulf %x, %s : f64
  %b = arith.mulf %a, %y : f64
  return %b : f64
}
func.func @k_tangent(%x: f64, %dx: f64, %y: f64, %dy: f64) -> f64 {
  %r:2 = zad.tangent @k(%x, %dx, %y, %dy) {activity = [\"dup\", \"dup\"]} : (f64, f64, f64, f64) -> (f64, f64)
  return %r#1 : f64
}
func.func @sum_stopped_squares(%u: memref<?xf64>, %w: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %u[%i] : memref<?xf64>
    %p = arith.mulf %v, %w : f64
    %stopped = zad.stop_gradient %p : f64
    %q = arith.mulf %v, %stopped : f64
    %next = arith.addf %acc, %q : f64
    scf.yield %next : f64
  }
  return %s : f64
}
";

#[test]
fn stop_gradient_passes_the_value_and_no_derivative() {
    let context = Context::new().unwrap();
    let module = Module::parse(&context, STOP, "stop.mlir").unwrap();
    // k = x stop(x) y: the value x^2 y, the derivatives as if stop(x) were a constant.
    assert_eq!(scalar_call(&module, "k", &[3.0, 2.0]), 18.0);
    assert_eq!(scalar_gradient(&module, "k", &[Activity::Active, Activity::Active], &[3.0, 2.0]), vec![18.0, 6.0, 9.0]);
    assert_eq!(scalar_call(&module, "k_tangent", &[3.0, 1.0, 2.0, 0.0]), 6.0);
    assert_eq!(scalar_call(&module, "k_tangent", &[3.0, 0.0, 2.0, 1.0]), 9.0);
    // In a loop: sum_i u_i stop(u_i w): du_i = u_i w, dw = 0.
    let gradient = module.gradient("sum_stopped_squares", &[Activity::Dup, Activity::Active]).unwrap();
    let mut u = vec![1.0, -2.0, 0.5];
    let mut du = vec![0.0; 3];
    let mut args = Args::new();
    args.push_slice_f64(&mut u, &[3]).unwrap().push_slice_f64(&mut du, &[3]).unwrap().push_f64(2.0);
    gradient.call(&mut args).unwrap();
    assert_eq!(f64s(args.results()), vec![2.0 * (1.0 + 4.0 + 0.25), 0.0]);
    drop(args);
    assert_eq!(du, vec![2.0, -4.0, 1.0]);
    // Scalars only: a buffer through it is refused by MLIR's verifier.
    let refused = Module::parse(
        &context,
        "func.func @m(%u: memref<?xf64>) -> memref<?xf64> {\n  %s = zad.stop_gradient %u : memref<?xf64>\n  return %s : memref<?xf64>\n}\n",
        "buffer.mlir",
    );
    assert!(matches!(&refused, Err(error) if error.to_string().contains("'zad.stop_gradient' op operand #0 must be")), "{:?}", refused.err());
}

/// `zad.hook @h(%x)`: the value passes; in reverse mode the adjoint of the
/// result goes through @h (here: clipped to [-1, 1], or doubled) before it
/// reaches %x; forward mode passes the tangent unchanged.
const HOOK: &str = "\
func.func @clip(%a: f64) -> f64 {
  %one = arith.constant 1.0 : f64
  %minus = arith.constant -1.0 : f64
  %lo = arith.maximumf %a, %minus : f64
  %c = arith.minimumf %lo, %one : f64
  return %c : f64
}
func.func @twice(%a: f64) -> f64 {
  %t = arith.addf %a, %a : f64
  return %t : f64
}
func.func @k(%x: f64, %y: f64) -> f64 {
  %hx = zad.hook @clip(%x) : f64
  %hy = zad.hook @twice(%y) : f64
  %p = arith.mulf %hx, %hy : f64
  %q = arith.mulf %p, %hy : f64
  return %q : f64
}
func.func @k_tangent(%x: f64, %tx: f64, %y: f64, %ty: f64) -> f64 {
  %r:2 = zad.tangent @k(%x, %tx, %y, %ty) {activity = [\"dup\", \"dup\"]} : (f64, f64, f64, f64) -> (f64, f64)
  return %r#1 : f64
}
func.func @wrong(%x: f64) -> f64 {
  %h = zad.hook @k(%x) : f64
  return %h : f64
}
";

#[test]
fn hooks_transform_adjoints_and_leave_values_and_tangents() {
    let context = Context::new().unwrap();
    let module = Module::parse(&context, HOOK, "hook.mlir").unwrap();
    // k = x y^2: the value is untouched by the hooks.
    assert_eq!(scalar_call(&module, "k", &[3.0, 2.0]), 12.0);
    // dk/dx = y^2 = 4, clipped to 1; dk/dy = 2 x y = 12, doubled to 24.
    assert_eq!(scalar_gradient(&module, "k", &[Activity::Active, Activity::Active], &[3.0, 2.0]), vec![12.0, 1.0, 24.0]);
    // Small adjoints pass the clip: at y = 0.5, dk/dx = 0.25.
    assert_eq!(scalar_gradient(&module, "k", &[Activity::Active, Activity::Active], &[3.0, 0.5]), vec![0.75, 0.25, 6.0]);
    // Forward mode: the ordinary tangents.
    assert_eq!(scalar_call(&module, "k_tangent", &[3.0, 1.0, 2.0, 0.0]), 4.0);
    assert_eq!(scalar_call(&module, "k_tangent", &[3.0, 0.0, 2.0, 1.0]), 12.0);
    // A hook that is not (f64) -> f64 is refused with what it must be.
    let error = module.gradient("wrong", &[Activity::Active]).err().expect("a refused hook").to_string();
    assert!(error.contains("zad.hook @k must be a function (f64) -> f64"), "{error}");
}

/// A hook that is a foreign function (declared, registered on the
/// context), as the README allows: its C code scales the adjoint.
#[test]
fn a_foreign_hook_scales_the_adjoint() {
    extern "C" fn tripled(adjoint: f64) -> f64 {
        3.0 * adjoint
    }
    const FOREIGN_HOOK: &str = "
func.func private @triple(f64) -> f64
func.func @square(%x: f64) -> f64 {
  %h = zad.hook @triple(%x) : f64
  %y = arith.mulf %h, %h : f64
  return %y : f64
}
";
    let context = Context::new().unwrap();
    // SAFETY: `tripled` has the C signature the declaration gives it.
    unsafe { context.register_function("triple", tripled as *const c_void) }.unwrap();
    let module = Module::parse(&context, FOREIGN_HOOK, "foreign_hook.mlir").unwrap();
    assert_eq!(scalar_call(&module, "square", &[1.5]), 2.25);
    // d(x^2)/dx = 2x = 3, tripled by the hook on its way to x.
    assert_eq!(scalar_gradient(&module, "square", &[Activity::Active], &[1.5]), vec![2.25, 9.0]);
}

/// A custom tangent with a buffer argument: its tangent buffer follows it;
/// the second call passes constant weights, for which zad gives the tangent
/// a zeroed scratch buffer. `@g` = 14 w sum u_i^2 (sum of the weights^2 = 14).
const BUFFER_TANGENT: &str = "\
func.func private @wsum(%u: memref<?xf64>, %w: f64) -> f64 attributes {zad.tangent = @wsum_tangent} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %a = memref.load %u[%i] : memref<?xf64>
    %q = arith.mulf %a, %a : f64
    %next = arith.addf %acc, %q : f64
    scf.yield %next : f64
  }
  %r = arith.mulf %s, %w : f64
  return %r : f64
}
func.func private @wsum_tangent(%u: memref<?xf64>, %du: memref<?xf64>, %w: f64, %dw: f64) -> (f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %two = arith.constant 2.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %s:2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero, %dacc = %zero) -> (f64, f64) {
    %a = memref.load %u[%i] : memref<?xf64>
    %da = memref.load %du[%i] : memref<?xf64>
    %q = arith.mulf %a, %a : f64
    %next = arith.addf %acc, %q : f64
    %p = arith.mulf %a, %da : f64
    %p2 = arith.mulf %p, %two : f64
    %dnext = arith.addf %dacc, %p2 : f64
    scf.yield %next, %dnext : f64, f64
  }
  %r = arith.mulf %s#0, %w : f64
  %t1 = arith.mulf %s#0, %dw : f64
  %t2 = arith.mulf %s#1, %w : f64
  %t = arith.addf %t1, %t2 : f64
  return %r, %t : f64, f64
}
memref.global \"private\" constant @weights : memref<3xf64> = dense<[1.0, 2.0, 3.0]>
func.func @g(%u: memref<?xf64>, %w: f64) -> f64 {
  %a = func.call @wsum(%u, %w) : (memref<?xf64>, f64) -> f64
  %global = memref.get_global @weights : memref<3xf64>
  %weights = memref.cast %global : memref<3xf64> to memref<?xf64>
  %b = func.call @wsum(%weights, %a) : (memref<?xf64>, f64) -> f64
  return %b : f64
}
func.func @g_tangent(%u: memref<?xf64>, %du: memref<?xf64>, %w: f64, %dw: f64) -> f64 {
  %r:2 = zad.tangent @g(%u, %du, %w, %dw) {activity = [\"dup\", \"dup\"]}
      : (memref<?xf64>, memref<?xf64>, f64, f64) -> (f64, f64)
  return %r#1 : f64
}
func.func @g_tangent_w(%u: memref<?xf64>, %w: f64, %dw: f64) -> f64 {
  %r:2 = zad.tangent @g(%u, %w, %dw) {activity = [\"const\", \"dup\"]} : (memref<?xf64>, f64, f64) -> (f64, f64)
  return %r#1 : f64
}
";

#[test]
fn a_custom_tangent_takes_buffer_tangents_and_zeros_for_what_has_none() {
    let context = Context::new().unwrap();
    let module = Module::parse(&context, BUFFER_TANGENT, "buffer_tangent.mlir").unwrap();
    let mut u = vec![0.5, -1.0, 2.0];
    let mut du = vec![1.0, 0.5, -0.25];
    let (w, dw) = (0.75, -2.0);
    let squares: f64 = u.iter().map(|x| x * x).sum();
    let dsquares: f64 = u.iter().zip(&du).map(|(x, d)| 2.0 * x * d).sum();
    let tangent = module.function("g_tangent").unwrap();
    let mut args = Args::new();
    args.push_slice_f64(&mut u, &[3]).unwrap().push_slice_f64(&mut du, &[3]).unwrap().push_f64(w).push_f64(dw);
    tangent.call(&mut args).unwrap();
    assert_close(f64s(args.results())[0], 14.0 * (dw * squares + w * dsquares), 1e-14, "the tangent along (du, dw)");
    drop(args);
    // u const: zeros for its tangent.
    let tangent = module.function("g_tangent_w").unwrap();
    let mut args = Args::new();
    args.push_slice_f64(&mut u, &[3]).unwrap().push_f64(w).push_f64(dw);
    tangent.call(&mut args).unwrap();
    assert_close(f64s(args.results())[0], 14.0 * dw * squares, 1e-14, "the tangent along dw, u const");
}
