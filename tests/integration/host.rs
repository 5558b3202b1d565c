//! Defending the host process: run-time errors come back as statuses (and
//! what the kernel held is freed), bounds checks, allocation failures,
//! foreign functions and missing symbols, deep input on small stacks,
//! upstream hazards, and the CLI's settings.

use crate::support::{root, run, zad_cli};
use std::{
    ffi::c_void,
    process::Command,
    sync::{Mutex, OnceLock},
};
use zad::{Activity, Args, CheckpointScheme, CompiledFunction, Context, Error, GradientOptions, Module, Value};

const KERNELS: &str = "\
func.func @get(%x: memref<?xf64>, %i: index) -> f64 {
  %v = memref.load %x[%i] : memref<?xf64>
  return %v : f64
}
func.func @put(%x: memref<?x3xf64>, %i: index, %j: index, %v: f64) {
  memref.store %v, %x[%i, %j] : memref<?x3xf64>
  return
}
func.func @window_sum(%x: memref<?xf64>, %offset: index, %size: index) -> f64 {
  %w = memref.subview %x[%offset][%size][1] : memref<?xf64> to memref<?xf64, strided<[1], offset: ?>>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %size step %c1 iter_args(%a = %zero) -> f64 {
    %v = memref.load %w[%i] : memref<?xf64, strided<[1], offset: ?>>
    %b = arith.addf %a, %v : f64
    scf.yield %b : f64
  }
  return %s : f64
}
func.func @quotient(%a: i64, %b: i64) -> i64 {
  %q = arith.divsi %a, %b : i64
  return %q : i64
}
func.func @remainder(%a: i32, %b: i32) -> i32 {
  %q = arith.remui %a, %b : i32
  return %q : i32
}
func.func @scratch(%n: index) -> f64 {
  %m = memref.alloc(%n) : memref<?xf64>
  %one = arith.constant 1.0 : f64
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    memref.store %one, %m[%i] : memref<?xf64>
  }
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%a = %zero) -> f64 {
    %v = memref.load %m[%i] : memref<?xf64>
    %b = arith.addf %a, %v : f64
    scf.yield %b : f64
  }
  memref.dealloc %m : memref<?xf64>
  return %s : f64
}
func.func @on_stack(%n: index) -> f64 {
  %m = memref.alloca(%n) : memref<?xf64>
  %one = arith.constant 1.0 : f64
  %c0 = arith.constant 0 : index
  memref.store %one, %m[%c0] : memref<?xf64>
  %v = memref.load %m[%c0] : memref<?xf64>
  return %v : f64
}
func.func @count(%lb: index, %ub: index, %step: index) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %lb to %ub step %step iter_args(%a = %c0) -> index {
    %b = arith.addi %a, %c1 : index
    scf.yield %b : index
  }
  return %r : index
}
func.func @copy_into(%x: memref<?xf64>, %y: memref<?xf64>) {
  memref.copy %x, %y : memref<?xf64> to memref<?xf64>
  return
}
func.func @as_three(%x: memref<?xf64>) -> f64 {
  %s = memref.cast %x : memref<?xf64> to memref<3xf64>
  %c2 = arith.constant 2 : index
  %v = memref.load %s[%c2] : memref<3xf64>
  return %v : f64
}
func.func @dimension(%x: memref<?xf64>, %d: index) -> index {
  %n = memref.dim %x, %d : memref<?xf64>
  return %n : index
}
func.func @rows(%x: memref<?xf64>, %r: index) -> f64 {
  %m = memref.expand_shape %x [[0, 1]] output_shape [%r, 2] : memref<?xf64> into memref<?x2xf64>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %last = arith.subi %r, %c1 : index
  %v = memref.load %m[%last, %c1] : memref<?x2xf64>
  return %v : f64
}
// A stack the kernel pushes one value on and pops two from: the run-time
// function reports the underflow through the call's status.
func.func private @zad_tape_new() -> index
func.func private @zad_tape_push_f64(index, f64)
func.func private @zad_tape_pop_f64(index) -> f64
func.func @underflow(%x: f64) -> f64 {
  %t = func.call @zad_tape_new() : () -> index
  func.call @zad_tape_push_f64(%t, %x) : (index, f64) -> ()
  %a = func.call @zad_tape_pop_f64(%t) : (index) -> f64
  %b = func.call @zad_tape_pop_f64(%t) : (index) -> f64
  %s = arith.addf %a, %b : f64
  return %s : f64
}
";

fn kernels(check_bounds: bool) -> Module {
    let context = Context::new().unwrap();
    context.set_check_bounds(check_bounds);
    Module::parse(&context, KERNELS, "host.mlir").unwrap()
}

/// Calls `function` of `module` with arguments pushed by `push`; the
/// results or the error's status and message.
fn call<'a>(module: &Module, function: &str, push: impl FnOnce(&mut Args<'a>)) -> Result<Vec<Value>, (i32, String)> {
    let compiled = module.function(function).map_err(|error| (error.status(), error.to_string()))?;
    let mut args: Args<'a> = Args::new();
    push(&mut args);
    compiled.call(&mut args).map_err(|error| (error.status(), error.to_string()))?;
    Ok(args.results().to_vec())
}

/// `name:line:col` of the first line of `text` that contains `statement`,
/// the column being where its op's name starts (as MLIR locates ops).
fn location(name: &str, text: &str, statement: &str) -> String {
    let op = statement.find(" = ").map_or(0, |equals| equals + 3);
    let (line, column) = text
        .lines()
        .enumerate()
        .find_map(|(line, content)| content.find(statement).map(|column| (line + 1, column + op + 1)))
        .unwrap_or_else(|| panic!("no {statement:?}"));
    format!("{name}:{line}:{column}")
}

fn runtime_error(result: Result<Vec<Value>, (i32, String)>, expected: &[&str]) -> String {
    let (status, message) = result.expect_err("the call should stop with a run-time error");
    assert_eq!(status, zad::ffi::ZAD_RUNTIME_ERROR, "{message}");
    for part in expected {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
    message
}

#[test]
fn bounds_checks_name_the_op_the_location_and_the_values() {
    let checked = kernels(true);
    let x = || vec![1.0, 2.0, 3.0];
    let mut data = x();
    assert_eq!(call(&checked, "get", |a| { a.push_slice_f64(&mut data, &[3]).unwrap().push_index(2); }), Ok(vec![Value::F64(3.0)]));
    for index in [3, 4, 1 << 40, -1, i64::MIN] {
        let mut data = x();
        let message = runtime_error(
            call(&checked, "get", |a| {
                a.push_slice_f64(&mut data, &[3]).unwrap().push_index(index);
            }),
            &["host.mlir:2:8: memref.load", &format!("index {index} is out of bounds for dimension 0 of size 3")],
        );
        assert!(!message.contains("__zad") && !message.contains("internal"), "{message}");
    }
    // The second dimension of a store, static size 3.
    let mut matrix = vec![0.0; 6];
    runtime_error(
        call(&checked, "put", |a| {
            a.push_slice_f64(&mut matrix, &[2, 3]).unwrap().push_index(1).push_index(3).push_f64(1.0);
        }),
        &["host.mlir:6:3: memref.store: index 3 is out of bounds for dimension 1 of size 3"],
    );
    assert_eq!(matrix, vec![0.0; 6], "nothing was written");
    // Views: inside is fine, past the end or negative is not.
    let mut data = vec![1.0, 2.0, 3.0, 4.0];
    let sum = call(&checked, "window_sum", |a| {
        a.push_slice_f64(&mut data, &[4]).unwrap().push_index(1).push_index(3);
    });
    assert_eq!(sum, Ok(vec![Value::F64(9.0)]));
    for (offset, size) in [(2, 3), (4, 1), (-1, 2), (0, -1), (i64::MAX, 2)] {
        let mut data = vec![1.0, 2.0, 3.0, 4.0];
        runtime_error(
            call(&checked, "window_sum", |a| {
                a.push_slice_f64(&mut data, &[4]).unwrap().push_index(offset).push_index(size);
            }),
            &[
                &format!("{}: memref.subview: dimension 0 of the view", location("host.mlir", KERNELS, "%w = memref.subview")),
                &format!("(offset {offset}, size {size})"),
            ],
        );
    }
    let mut data = vec![1.0, 2.0, 3.0, 4.0];
    assert_eq!(
        call(&checked, "window_sum", |a| {
            a.push_slice_f64(&mut data, &[4]).unwrap().push_index(4).push_index(0);
        }),
        Ok(vec![Value::F64(0.0)]),
        "an empty view at the end is fine"
    );
    // Copies, casts, dims and expand_shape must agree with the sizes.
    let (mut from, mut to) = (vec![1.0; 3], vec![0.0; 2]);
    runtime_error(
        call(&checked, "copy_into", |a| {
            a.push_slice_f64(&mut from, &[3]).unwrap().push_slice_f64(&mut to, &[2]).unwrap();
        }),
        &["memref.copy: dimension 0 is 3 in the source but 2 in the target"],
    );
    let mut short = vec![1.0; 2];
    runtime_error(
        call(&checked, "as_three", |a| {
            a.push_slice_f64(&mut short, &[2]).unwrap();
        }),
        &["memref.cast: dimension 0 is 2 but the type it is cast to says 3"],
    );
    let mut data = vec![1.0; 2];
    runtime_error(
        call(&checked, "dimension", |a| {
            a.push_slice_f64(&mut data, &[2]).unwrap().push_index(1);
        }),
        &["memref.dim: there is no dimension 1 in a memref of rank 1"],
    );
    let mut data = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    assert_eq!(call(&checked, "rows", |a| { a.push_slice_f64(&mut data, &[6]).unwrap().push_index(3); }), Ok(vec![Value::F64(6.0)]));
    runtime_error(
        call(&checked, "rows", |a| {
            a.push_slice_f64(&mut data, &[6]).unwrap().push_index(4);
        }),
        &["memref.expand_shape: the sizes given for dimension 0 multiply to 8, but the source's size is 6"],
    );

    // Without bounds checks the same in-bounds calls work, and the
    // always-on checks stay.
    let unchecked = kernels(false);
    let mut data = x();
    assert_eq!(call(&unchecked, "get", |a| { a.push_slice_f64(&mut data, &[3]).unwrap().push_index(1); }), Ok(vec![Value::F64(2.0)]));
    runtime_error(call(&unchecked, "quotient", |a| { a.push_i64(1).push_i64(0); }), &["arith.divsi"]);
}

#[test]
fn bounds_checks_cover_gradients() {
    let context = Context::new().unwrap();
    context.set_check_bounds(true);
    let module = Module::parse(
        &context,
        "func.func @pick(%x: memref<?xf64>, %i: index) -> f64 {\n  %v = memref.load %x[%i] : memref<?xf64>\n  \
         %w = arith.mulf %v, %v : f64\n  return %w : f64\n}\n",
        "pick.mlir",
    )
    .unwrap();
    let gradient = module.gradient("pick", &[Activity::Dup, Activity::Const]).unwrap();
    let (mut x, mut dx) = (vec![1.0, 2.0], vec![0.0, 0.0]);
    let mut args = Args::new();
    args.push_slice_f64(&mut x, &[2]).unwrap().push_slice_f64(&mut dx, &[2]).unwrap().push_index(1);
    gradient.call(&mut args).unwrap();
    drop(args);
    assert_eq!(dx, vec![0.0, 4.0]);
    let (mut x, mut dx) = (vec![1.0, 2.0], vec![0.0, 0.0]);
    let mut args = Args::new();
    args.push_slice_f64(&mut x, &[2]).unwrap().push_slice_f64(&mut dx, &[2]).unwrap().push_index(2);
    let error = gradient.call(&mut args).unwrap_err();
    assert_eq!(error.status(), zad::ffi::ZAD_RUNTIME_ERROR);
    assert!(error.to_string().starts_with("pick.mlir:2:8: memref.load: index 2 is out of bounds"), "{error}");
}

#[test]
fn crashes_of_the_host_are_run_time_errors_in_both_modes() {
    for checked in [false, true] {
        let module = kernels(checked);
        runtime_error(call(&module, "quotient", |a| { a.push_i64(7).push_i64(0); }), &[&format!("{}: arith.divsi: integer division by zero (7 / 0)", location("host.mlir", KERNELS, "%q = arith.divsi"))]);
        runtime_error(
            call(&module, "quotient", |a| {
                a.push_i64(i64::MIN).push_i64(-1);
            }),
            &["arith.divsi: the quotient of -9223372036854775808 / -1 overflows"],
        );
        assert_eq!(call(&module, "quotient", |a| { a.push_i64(-7).push_i64(2); }), Ok(vec![Value::I64(-3)]));
        runtime_error(call(&module, "remainder", |a| { a.push_i32(7).push_i32(0); }), &["arith.remui: integer division by zero"]);
        assert_eq!(call(&module, "remainder", |a| { a.push_i32(7).push_i32(4); }), Ok(vec![Value::I32(3)]));
        // Allocations: negative, overflowing, refused by the system.
        runtime_error(call(&module, "scratch", |a| { a.push_index(-5); }), &["memref.alloc: the size of dimension 0 is -5; sizes cannot be negative"]);
        runtime_error(call(&module, "scratch", |a| { a.push_index(1 << 62); }), &["memref.alloc", "more than memory can hold"]);
        runtime_error(call(&module, "scratch", |a| { a.push_index((1 << 60) - 1); }), &["cannot be allocated"]);
        assert_eq!(call(&module, "scratch", |a| { a.push_index(1000); }), Ok(vec![Value::F64(1000.0)]));
        runtime_error(call(&module, "on_stack", |a| { a.push_index(1 << 30); }), &["memref.alloca", "too much for the stack"]);
        assert_eq!(call(&module, "on_stack", |a| { a.push_index(16); }), Ok(vec![Value::F64(1.0)]));
        // Loop steps must be positive; empty and huge ranges are fine.
        for step in [0, -1, i64::MIN] {
            runtime_error(
                call(&module, "count", |a| {
                    a.push_index(0).push_index(10).push_index(step);
                }),
                &[&format!("scf.for: the step is {step}; over a non-empty range it must be positive")],
            );
            // Over an empty range no iteration runs, whatever the step.
            assert_eq!(call(&module, "count", |a| { a.push_index(10).push_index(0).push_index(step); }), Ok(vec![Value::Index(0)]));
        }
        assert_eq!(call(&module, "count", |a| { a.push_index(5).push_index(i64::MIN).push_index(1); }), Ok(vec![Value::Index(0)]));
        assert_eq!(call(&module, "count", |a| { a.push_index(0).push_index(10).push_index(3); }), Ok(vec![Value::Index(4)]));
        // A run-time function's error (tape underflow) is a status too.
        runtime_error(call(&module, "underflow", |a| { a.push_f64(1.0); }), &["tape underflow"]);
    }
}

#[test]
fn a_checkpoint_budget_smaller_than_one_snapshot_states_the_snapshot_size() {
    let context = Context::new().unwrap();
    let module = Module::load(&context, root().join("tests/checkpoint/heat1d.mlir")).unwrap();
    let activity = [Activity::Dup, Activity::Active, Activity::Const, Activity::Const];
    // The time loop (line 17), not the misfit's sum.
    let options = |budget| GradientOptions { loops: vec![(Some(17), CheckpointScheme::Budget(budget))], ..Default::default() };
    let gradient = module.gradient_with("heat", &activity, &options(100)).unwrap();
    // The state is u and next: 2 x 10 doubles, 160 bytes.
    let run = |gradient: &CompiledFunction| {
        let (mut u0, mut du0, mut obs) = (vec![0.5; 10], vec![0.0; 10], vec![0.1; 10]);
        let mut args = Args::new();
        args.push_slice_f64(&mut u0, &[10]).unwrap().push_slice_f64(&mut du0, &[10]).unwrap();
        args.push_f64(0.2).push_slice_f64(&mut obs, &[10]).unwrap().push_index(20);
        gradient.call(&mut args).map(|()| args.results().to_vec())
    };
    let error = run(&gradient).unwrap_err();
    assert_eq!(error.status(), zad::ffi::ZAD_RUNTIME_ERROR);
    let message = error.to_string();
    assert!(message.contains("budget of 100 bytes is smaller than one snapshot") && message.contains("(160 bytes)"), "{message}");
    let enough = module.gradient_with("heat", &activity, &options(160)).unwrap();
    assert!(run(&enough).is_ok());
    // Many failed calls in a row leave nothing behind that breaks the next.
    for _ in 0..50 {
        assert!(run(&gradient).is_err());
    }
    assert!(run(&enough).is_ok());
}

// ------------------------------------------------------ nested, threads

static INNER: OnceLock<CompiledFunction> = OnceLock::new();
static INNER_ERRORS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A foreign function that calls a zad kernel (which may stop), as a
/// simulation's callback might: returns the kernel's result, or -1.
extern "C" fn call_inner(index: i64) -> f64 {
    let mut data = vec![10.0, 20.0];
    let mut args = Args::new();
    args.push_slice_f64(&mut data, &[2]).unwrap().push_index(index);
    match INNER.get().expect("inner kernel").call(&mut args) {
        Ok(()) => args.results()[0].as_f64().unwrap_or_default(),
        Err(error) => {
            INNER_ERRORS.lock().unwrap().push(error.to_string());
            -1.0
        }
    }
}

#[test]
fn a_kernel_calling_zad_through_a_foreign_function_gets_its_own_status() {
    let context = Context::new().unwrap();
    context.set_check_bounds(true);
    let inner = Module::parse(&context, KERNELS, "host.mlir").unwrap();
    let _ = INNER.set(inner.function("get").unwrap());
    // SAFETY: `call_inner` has the C signature of @call_inner (i64 -> f64).
    unsafe { context.register_function("call_inner", call_inner as *const c_void) }.unwrap();
    let outer = Module::parse(
        &context,
        "func.func private @call_inner(i64) -> f64\n\
         func.func @outer(%i: i64, %d: i64) -> f64 {\n  %v = func.call @call_inner(%i) : (i64) -> f64\n  \
         %q = arith.divsi %i, %d : i64\n  %f = arith.sitofp %q : i64 to f64\n  %s = arith.addf %v, %f : f64\n  \
         return %s : f64\n}\n",
        "outer.mlir",
    )
    .unwrap();
    let outer = outer.function("outer").unwrap();
    let call_outer = |index: i64, divisor: i64| {
        let mut args = Args::new();
        args.push_i64(index).push_i64(divisor);
        outer.call(&mut args).map(|()| args.results()[0].clone())
    };
    // Inner fine, outer fine: 20 + 1/1.
    assert_eq!(call_outer(1, 1).unwrap(), Value::F64(21.0));
    // Inner stops: the foreign function gets the error, the outer call goes on.
    assert_eq!(call_outer(5, 1).unwrap(), Value::F64(4.0));
    assert!(INNER_ERRORS.lock().unwrap().iter().any(|message| message.contains("index 5 is out of bounds")));
    // Inner fine, outer stops after it.
    let error = call_outer(1, 0).unwrap_err();
    assert!(error.to_string().contains("outer.mlir:4:8: arith.divsi: integer division by zero"), "{error}");
    // Threads, each with failing and succeeding calls, nested and not.
    std::thread::scope(|scope| {
        for thread in 0..8 {
            let call_outer = &call_outer;
            scope.spawn(move || {
                for round in 0..200 {
                    let fails = (round + thread) % 3 == 0;
                    let result = call_outer(if fails { 7 } else { 0 }, if round % 5 == 0 { 0 } else { 1 });
                    match (round % 5 == 0, fails) {
                        (true, _) => assert!(result.is_err(), "thread {thread} round {round}"),
                        (false, true) => assert_eq!(result.unwrap(), Value::F64(6.0)),
                        (false, false) => assert_eq!(result.unwrap(), Value::F64(10.0)),
                    }
                }
            });
        }
    });
}

// ----------------------------------------------------------- foreign

extern "C" fn cube(x: f64) -> f64 {
    x * x * x
}

/// MLIR's descriptor of a rank-1 f64 memref, as a foreign function gets it.
#[repr(C)]
struct Vector {
    allocated: *mut f64,
    aligned: *mut f64,
    offset: i64,
    size: i64,
    stride: i64,
}

/// Scales every element of a view in place, returns the sum before.
extern "C" fn scale_in_place(vector: *mut Vector, factor: f64) -> f64 {
    // SAFETY: MLIR passes a valid descriptor of live memory.
    let vector = unsafe { &*vector };
    let mut sum = 0.0;
    for i in 0..vector.size {
        // SAFETY: element i of the view is inside its buffer.
        let element = unsafe { &mut *vector.aligned.offset((vector.offset + i * vector.stride) as isize) };
        sum += *element;
        *element *= factor;
    }
    sum
}

const FOREIGN: &str = "\
func.func private @cube(f64) -> f64
func.func private @scale_in_place(memref<?xf64, strided<[?], offset: ?>>, f64) -> f64
func.func private @nowhere_to_be_found(f64) -> f64
func.func @cubes(%x: f64) -> f64 {
  %y = func.call @cube(%x) : (f64) -> f64
  %z = func.call @cube(%y) : (f64) -> f64
  return %z : f64
}
func.func @odd_elements(%u: memref<?xf64>, %k: f64) -> f64 {
  %v = memref.subview %u[1][2][2] : memref<?xf64> to memref<2xf64, strided<[2], offset: 1>>
  %w = memref.cast %v : memref<2xf64, strided<[2], offset: 1>> to memref<?xf64, strided<[?], offset: ?>>
  %s = func.call @scale_in_place(%w, %k) : (memref<?xf64, strided<[?], offset: ?>>, f64) -> f64
  return %s : f64
}
func.func private @helper(%x: f64) -> f64 {
  %y = func.call @nowhere_to_be_found(%x) : (f64) -> f64
  return %y : f64
}
func.func @needs_the_missing_one(%x: f64) -> f64 {
  %y = func.call @helper(%x) : (f64) -> f64
  return %y : f64
}
";

#[test]
fn foreign_functions_are_registered_found_in_libraries_or_reported_missing() {
    let context = Context::new().unwrap();
    // SAFETY: the functions have the C interface of their declarations.
    unsafe {
        context.register_function("cube", cube as *const c_void).unwrap();
        context.register_function("scale_in_place", scale_in_place as *const c_void).unwrap();
    }
    let module = Module::parse(&context, FOREIGN, "foreign.mlir").unwrap();
    assert_eq!(call(&module, "cubes", |a| { a.push_f64(2.0); }), Ok(vec![Value::F64(512.0)]));
    let mut data = vec![1.0, 2.0, 3.0, 4.0, 5.0];
    assert_eq!(call(&module, "odd_elements", |a| { a.push_slice_f64(&mut data, &[5]).unwrap().push_f64(10.0); }), Ok(vec![Value::F64(6.0)]));
    assert_eq!(data, vec![1.0, 20.0, 3.0, 40.0, 5.0], "the view is the elements 1 and 3");
    // The missing one refuses only the functions that reach it, naming it
    // and the call that needs it.
    let (status, message) = call(&module, "needs_the_missing_one", |a| {
        a.push_f64(1.0);
    })
    .unwrap_err();
    assert_eq!(status, zad::ffi::ZAD_NOT_FOUND);
    assert!(
        message.starts_with(&format!(
            "{}: @helper calls the external function @nowhere_to_be_found, which was not found",
            location("foreign.mlir", FOREIGN, "%y = func.call @nowhere_to_be_found")
        ))
            && message.contains("@needs_the_missing_one calls it through @helper")
            && message.contains("zad_context_register_function"),
        "{message}"
    );
    assert_eq!(call(&module, "cubes", |a| { a.push_f64(-1.0); }), Ok(vec![Value::F64(-1.0)]));

    // Registration errors, and a library that does not load.
    assert!(matches!(context.load_library("/nonexistent/libnothing.so"), Err(Error::Io(message)) if message.contains("/nonexistent/libnothing.so: cannot load the library")));
    // SAFETY: a NULL address is refused before anything uses it.
    assert!(matches!(unsafe { context.register_function("cube", std::ptr::null()) }, Err(Error::InvalidArgument(_))));

    // The process's own symbols come last: libm's hypot, without registering.
    let module = Module::parse(
        &context,
        "func.func private @hypot(f64, f64) -> f64\nfunc.func @norm(%x: f64, %y: f64) -> f64 {\n  \
         %r = func.call @hypot(%x, %y) : (f64, f64) -> f64\n  return %r : f64\n}\n",
        "libm.mlir",
    )
    .unwrap();
    assert_eq!(call(&module, "norm", |a| { a.push_f64(3.0).push_f64(4.0); }), Ok(vec![Value::F64(5.0)]));
}

#[test]
fn libraries_are_searched_in_order_after_registered_functions() {
    let scratch = std::env::temp_dir().join(format!("zad-host-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let build = |name: &str, value: f64| {
        let source = scratch.join(format!("{name}.c"));
        std::fs::write(&source, format!("double which(double x) {{ return x + {value}; }}\n")).unwrap();
        let library = scratch.join(format!("lib{name}.so"));
        let (ok, _, stderr) = run(Command::new("gcc").args(["-shared", "-fPIC", "-O2", "-o"]).arg(&library).arg(&source));
        assert!(ok, "gcc: {stderr}");
        library
    };
    let (first, second) = (build("first", 100.0), build("second", 200.0));
    let kernel = "func.func private @which(f64) -> f64\nfunc.func @k(%x: f64) -> f64 {\n  %y = func.call @which(%x) : (f64) -> f64\n  return %y : f64\n}\n";
    let context = Context::new().unwrap();
    context.load_library(&first).unwrap();
    context.load_library(&second).unwrap();
    let module = Module::parse(&context, kernel, "which.mlir").unwrap();
    assert_eq!(call(&module, "k", |a| { a.push_f64(1.0); }), Ok(vec![Value::F64(101.0)]));
    extern "C" fn registered(x: f64) -> f64 {
        x + 1000.0
    }
    // SAFETY: f64 -> f64, as declared.
    unsafe { context.register_function("which", registered as *const c_void) }.unwrap();
    let module = Module::parse(&context, kernel, "which.mlir").unwrap();
    assert_eq!(call(&module, "k", |a| { a.push_f64(1.0); }), Ok(vec![Value::F64(1001.0)]));
    // The CLI's --load, repeatable, in order.
    let file = scratch.join("which.mlir");
    std::fs::write(&file, kernel).unwrap();
    let (ok, stdout, stderr) = run(Command::new(zad_cli())
        .arg("run")
        .arg(&file)
        .args(["--fn", "k", "--args", "[1]", "--load"])
        .arg(&second)
        .arg("--load")
        .arg(&first));
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), r#"{"results":[201.0]}"#);
    let (ok, _, stderr) = run(Command::new(zad_cli()).arg("run").arg(&file).args(["--fn", "k", "--args", "[1]"]));
    assert!(!ok && stderr.lines().count() == 1 && stderr.contains("@k calls the external function @which, which was not found"), "{stderr}");
    let _ = std::fs::remove_dir_all(&scratch);
}

// ------------------------------------------------------- deep input

/// Runs `body` on a thread with a small stack, as a host's worker thread
/// might be: zad must not need more.
fn on_small_stack<T: Send>(body: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| std::thread::Builder::new().stack_size(256 << 10).spawn_scoped(scope, body).unwrap().join().unwrap())
}

fn nested_ifs(depth: usize) -> String {
    let mut text = String::from("func.func @g(%k: i32, %x: f64) -> f64 {\n%z = arith.constant 0 : i32\n%c = arith.cmpi ne, %k, %z : i32\n");
    for level in 0..depth {
        text.push_str(&format!("%r{level} = scf.if %c -> f64 {{\n"));
    }
    text.push_str("%y = arith.mulf %x, %x : f64\n");
    for level in (0..depth).rev() {
        let inner = if level + 1 == depth { "%y".to_string() } else { format!("%r{}", level + 1) };
        text.push_str(&format!("scf.yield {inner} : f64\n}} else {{\nscf.yield %x : f64\n}}\n"));
    }
    text.push_str("return %r0 : f64\n}\n");
    text
}

#[test]
fn deep_nesting_does_not_overflow_the_callers_stack() {
    let attribute = |depth: usize| {
        format!("func.func @f(%x: f64) -> f64 attributes {{deep = {}{}}} {{\n  return %x : f64\n}}\n", "[".repeat(depth), "]".repeat(depth))
    };
    on_small_stack(|| {
        let context = Context::new().unwrap();
        let module = Module::parse(&context, &attribute(7000), "deep.mlir").unwrap();
        assert_eq!(call(&module, "f", |a| { a.push_f64(2.0); }), Ok(vec![Value::F64(2.0)]));
        assert!(module.to_text().contains("[[[["));
        let module = Module::parse(&context, &nested_ifs(5000), "ifs.mlir").unwrap();
        assert_eq!(call(&module, "g", |a| { a.push_i32(1).push_f64(3.0); }), Ok(vec![Value::F64(9.0)]));
        assert_eq!(call(&module, "g", |a| { a.push_i32(0).push_f64(3.0); }), Ok(vec![Value::F64(3.0)]));
        // Gradients of deep nests (a shallower one: the transform's time
        // grows with the depth, which is the AD's to improve).
        let module = Module::parse(&context, &nested_ifs(200), "ifs.mlir").unwrap();
        let gradient = module.gradient("g", &[Activity::Const, Activity::Active]).unwrap();
        let mut args = Args::new();
        args.push_i32(1).push_f64(3.0);
        gradient.call(&mut args).unwrap();
        assert_eq!(args.results(), &[Value::F64(9.0), Value::F64(6.0)]);
        // Past the limit: a clean error with the place.
        let error = Module::parse(&context, &attribute(20_000), "deeper.mlir").err().expect("too deep");
        assert!(error.to_string().starts_with("deeper.mlir:1:") && error.to_string().contains("nests more than 10000 levels"), "{error}");
    });
}

#[test]
fn deep_input_through_the_c_abi_and_the_cli() {
    let text = nested_ifs(3000);
    let source = std::ffi::CString::new(text.clone()).unwrap();
    on_small_stack(|| {
        let (mut context, mut module) = (std::ptr::null_mut(), std::ptr::null_mut());
        assert_eq!(zad::ffi::zad_context_new(&mut context), zad::ffi::ZAD_OK);
        assert_eq!(zad::ffi::zad_module_parse(context, source.as_ptr(), c"ifs.mlir".as_ptr(), &mut module), zad::ffi::ZAD_OK);
        let mut function = std::ptr::null_mut();
        assert_eq!(zad::ffi::zad_module_function(module, c"g".as_ptr(), &mut function), zad::ffi::ZAD_OK);
        zad::ffi::zad_function_free(function);
        zad::ffi::zad_module_free(module);
        zad::ffi::zad_context_free(context);
    });
    let file = std::env::temp_dir().join(format!("zad-deep-{}.mlir", std::process::id()));
    std::fs::write(&file, &text).unwrap();
    let (ok, stdout, stderr) = run(Command::new(zad_cli()).arg("run").arg(&file).args(["--fn", "g", "--args", "[1, 2]"]));
    let _ = std::fs::remove_file(&file);
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), r#"{"results":[4.0]}"#);
}

// ---------------------------------------------------------- hazards

/// Each upstream hazard, fed to zad: a clean error naming the op, never a
/// crash of MLIR's pass. The inputs reproduce the crash with
/// `mlir-opt --expand-strided-metadata FILE` (MLIR 22).
#[test]
fn every_upstream_hazard_is_a_clean_error() {
    let inputs = [(
        "memref.expand_shape",
        "func.func @f(%x: memref<?xf64>, %a: index, %b: index) -> f64 {\n  \
         %m = memref.expand_shape %x [[0, 1]] output_shape [%a, %b] : memref<?xf64> into memref<?x?xf64>\n  \
         %c0 = arith.constant 0 : index\n  %v = memref.load %m[%c0, %c0] : memref<?x?xf64>\n  return %v : f64\n}\n",
    )];
    assert_eq!(inputs.len(), zad::lower::hazards::HAZARDS.len(), "one input per hazard");
    for ((op, text), hazard) in inputs.iter().zip(zad::lower::hazards::HAZARDS) {
        assert_eq!(*op, hazard.op);
        let context = Context::new().unwrap();
        let module = Module::parse(&context, text, "hazard.mlir").unwrap();
        let error = module.function("f").err().expect("refused");
        assert_eq!(error.status(), zad::ffi::ZAD_UNSUPPORTED);
        assert!(error.to_string().starts_with(&format!("hazard.mlir:2:8: {op}: MLIR 22's")), "{error}");
        // Through the CLI (emit --stage llvm lowers too).
        let file = std::env::temp_dir().join(format!("zad-hazard-{}.mlir", std::process::id()));
        std::fs::write(&file, text).unwrap();
        for args in [&["run", "--fn", "f", "--args", "[[1.0], 1, 1]"][..], &["emit", "--stage", "llvm"][..]] {
            let (ok, _, stderr) = run(Command::new(zad_cli()).arg(args[0]).arg(&file).args(&args[1..]));
            assert!(!ok && stderr.lines().count() == 1 && stderr.contains(op), "{args:?}: {stderr}");
        }
        let _ = std::fs::remove_file(&file);
    }
    // One dynamic size per group is fine.
    let context = Context::new().unwrap();
    let module = Module::parse(
        &context,
        "func.func @f(%x: memref<?xf64>, %a: index) -> f64 {\n  \
         %m = memref.expand_shape %x [[0, 1]] output_shape [%a, 2] : memref<?xf64> into memref<?x2xf64>\n  \
         %c0 = arith.constant 0 : index\n  %v = memref.load %m[%c0, %c0] : memref<?x2xf64>\n  return %v : f64\n}\n",
        "fine.mlir",
    )
    .unwrap();
    let mut data = vec![5.0, 6.0];
    assert_eq!(call(&module, "f", |a| { a.push_slice_f64(&mut data, &[2]).unwrap().push_index(1); }), Ok(vec![Value::F64(5.0)]));
}

// -------------------------------------------------------------- CLI

fn cli_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zad-host-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn cli_checks_bounds_by_default_and_takes_non_finite_arguments() {
    let file = cli_file("host.mlir", KERNELS);
    let zad = |args: &[&str]| run(Command::new(zad_cli()).arg(args[0]).arg(&file).args(&args[1..]));
    let (ok, _, stderr) = zad(&["run", "--fn", "get", "--args", "[[1, 2, 3], 3]"]);
    assert!(!ok && stderr.trim() == "zad: error: host.mlir:2:8: memref.load: index 3 is out of bounds for dimension 0 of size 3".replace("host.mlir", &file.display().to_string()), "{stderr}");
    let (ok, stdout, stderr) = zad(&["run", "--fn", "get", "--no-check-bounds", "--args", "[[1, 2, 3], 2]"]);
    assert!(ok && stdout.trim() == r#"{"results":[3.0]}"#, "{stderr}");
    let (ok, stdout, stderr) = zad(&["run", "--fn", "get", "--args", r#"[["nan", "inf", "-inf"], 1]"#]);
    assert!(ok && stdout.trim() == r#"{"results":["inf"]}"#, "{stderr}");
    let (ok, stdout, stderr) = zad(&["grad", "--fn", "get", "--args", r#"[[1, "-inf", 3], 1]"#]);
    assert!(ok && stdout.contains(r#""results":["-inf"]"#), "{stdout}{stderr}");
    let (ok, _, stderr) = zad(&["run", "--fn", "get", "--args", r#"[[1, "infinity", 3], 1]"#]);
    assert!(!ok && stderr.contains("expected a number"), "{stderr}");
    let (ok, _, stderr) = zad(&["grad", "--fn", "get", "--args", "[[1, 2, 3], 1]", "--checkpoint-calls", "nosuch"]);
    assert!(!ok && stderr.lines().count() == 1, "{stderr}");
    assert!(stderr.contains("--checkpoint-calls nosuch: the module defines no function @nosuch (it defines @get, @put"), "{stderr}");
    let (ok, _, stderr) = zad(&["emit", "--stage", "adjoint", "--fn", "get", "--checkpoint-calls", "nosuch"]);
    assert!(!ok && stderr.contains("no function @nosuch"), "{stderr}");
}

// ------------------------------------------------------------ threads

/// 8 threads x 300 calls of one gradient (with a tape stack, an allocation
/// and a checkpointed loop) give results bitwise equal to one thread's.
#[test]
fn a_gradient_called_from_8_threads_is_bitwise_reproducible() {
    let context = Context::new().unwrap();
    let module = Module::load(&context, root().join("tests/checkpoint/heat1d.mlir")).unwrap();
    let activity = [Activity::Dup, Activity::Active, Activity::Const, Activity::Const];
    let taped = module.gradient("heat", &activity).unwrap();
    let options = GradientOptions { loops: vec![(Some(17), CheckpointScheme::Snapshots(3))], ..Default::default() };
    let checkpointed = module.gradient_with("heat", &activity, &options).unwrap();
    let run = |gradient: &CompiledFunction, seed: usize| -> Vec<u64> {
        let n = 16 + seed % 5;
        let mut u0: Vec<f64> = (0..n).map(|i| ((i * 7 + seed) % 11) as f64 / 10.0).collect();
        let mut obs: Vec<f64> = (0..n).map(|i| ((i * 3 + seed) % 5) as f64 / 10.0).collect();
        let mut du0 = vec![0.0; n];
        let mut args = Args::new();
        args.push_slice_f64(&mut u0, &[n as i64]).unwrap().push_slice_f64(&mut du0, &[n as i64]).unwrap();
        args.push_f64(0.2).push_slice_f64(&mut obs, &[n as i64]).unwrap().push_index(10 + (seed % 7) as i64);
        gradient.call(&mut args).unwrap();
        let results: Vec<u64> = args.results().iter().map(|value| value.as_f64().unwrap().to_bits()).collect();
        drop(args);
        results.into_iter().chain(du0.iter().map(|x| x.to_bits())).collect()
    };
    let expected: Vec<Vec<u64>> = (0..300).map(|seed| run(if seed % 2 == 0 { &taped } else { &checkpointed }, seed)).collect();
    std::thread::scope(|scope| {
        for thread in 0..8 {
            let (expected, run, taped, checkpointed) = (&expected, &run, &taped, &checkpointed);
            scope.spawn(move || {
                for round in 0..300 {
                    let seed = (round + 37 * thread) % 300;
                    let gradient = if seed % 2 == 0 { taped } else { checkpointed };
                    assert_eq!(run(gradient, seed), expected[seed], "thread {thread}, call {round}");
                }
            });
        }
    });
}

/// A recursion too deep for the calling thread's stack (or endless) stops
/// the call; a reasonable one runs, on a small stack too.
#[test]
fn endless_recursion_is_a_run_time_error_not_a_stack_overflow() {
    const RECURSIVE: &str = "\
func.func @depth(%n: index, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %done = arith.cmpi eq, %n, %c0 : index
  %r = scf.if %done -> f64 {
    scf.yield %x : f64
  } else {
    %m = arith.subi %n, %c1 : index
    %y = func.call @depth(%m, %x) : (index, f64) -> f64
    %z = arith.addf %y, %x : f64
    scf.yield %z : f64
  }
  return %r : f64
}
";
    let context = Context::new().unwrap();
    let module = Module::parse(&context, RECURSIVE, "depth.mlir").unwrap();
    let depth = module.function("depth").unwrap();
    let gradient = module.gradient("depth", &[Activity::Const, Activity::Active]).unwrap();
    let run = |function: &CompiledFunction, n: i64| {
        let mut args = Args::new();
        args.push_index(n).push_f64(0.5);
        function.call(&mut args).map(|()| args.results().to_vec())
    };
    on_small_stack(|| {
        assert_eq!(run(&depth, 100).unwrap(), vec![Value::F64(50.5)]);
        assert_eq!(run(&gradient, 100).unwrap(), vec![Value::F64(50.5), Value::F64(101.0)]);
        for function in [&depth, &gradient] {
            // Endless: n counts down from -1.
            let error = run(function, -1).unwrap_err();
            assert_eq!(error.status(), zad::ffi::ZAD_RUNTIME_ERROR);
            assert!(error.to_string().starts_with("depth.mlir:1:1: @depth: the recursion is too deep"), "{error}");
        }
        assert_eq!(run(&depth, 10).unwrap(), vec![Value::F64(5.5)], "the thread is fine after it");
    });
}
