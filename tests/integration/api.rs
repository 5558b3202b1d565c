//! The safe Rust layer: parsing, verification with locations, the zad
//! dialect, argument checking, caching, threads, and the C entry points
//! called directly from Rust for the cases C programs cannot easily reach.

use std::ffi::{CStr, CString};
use zad::{Args, Context, Error, Module, Value, ffi};

const SCALE: &str = "\
func.func @scale(%x: memref<?xf64>, %k: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %v = memref.load %x[%i] : memref<?xf64>
    %w = arith.mulf %v, %k : f64
    memref.store %w, %x[%i] : memref<?xf64>
    %next = arith.addf %acc, %w : f64
    scf.yield %next : f64
  }
  return %sum : f64
}
func.func @fixed(%x: memref<3x2xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %v = memref.load %x[%c1, %c0] : memref<3x2xf32>
  return %v : f32
}
func.func @column_major(%a: memref<?x?xf64, strided<[1, ?]>>, %i: index, %j: index) -> f64 {
  %v = memref.load %a[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
  return %v : f64
}
func.func @ints(%a: i32, %b: i64, %c: index) -> (i32, i64, index) {
  %a2 = arith.addi %a, %a : i32
  %b2 = arith.muli %b, %b : i64
  %c2 = arith.subi %c, %c : index
  return %a2, %b2, %c2 : i32, i64, index
}
";

fn module() -> Module {
    Module::parse(&Context::new().unwrap(), SCALE, "scale.mlir").unwrap()
}

#[test]
fn calls_mutate_caller_arrays_in_place_and_return_scalars() {
    let module = module();
    let scale = module.function("scale").unwrap();
    let mut data = vec![1.0, -2.0, 3.5];
    let mut args = Args::new();
    args.push_slice_f64(&mut data, &[3]).unwrap().push_f64(2.0);
    scale.call(&mut args).unwrap();
    assert_eq!(args.results(), &[Value::F64(5.0)]);
    drop(args);
    assert_eq!(data, vec![2.0, -4.0, 7.0]);
}

#[test]
fn integer_and_index_scalars_round_trip() {
    let module = module();
    let ints = module.function("ints").unwrap();
    let mut args = Args::new();
    args.push_i32(-21).push_i64(1 << 20).push_index(7);
    ints.call(&mut args).unwrap();
    assert_eq!(args.results(), &[Value::I32(-42), Value::I64(1 << 40), Value::Index(0)]);
}

#[test]
fn column_major_arrays_pass_with_their_strides() {
    let module = module();
    let function = module.function("column_major").unwrap();
    // A 2x3 Fortran array a(i,j) stored column by column: a(1,2) = 3.0.
    let mut data = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let mut args = Args::new();
    // SAFETY: 6 elements, addressed with shape [2, 3] and strides [1, 2].
    unsafe { args.push_array(zad::Scalar::F64, data.as_mut_ptr().cast(), &[2, 3], Some(&[1, 2])) }.unwrap();
    args.push_index(0).push_index(1);
    function.call(&mut args).unwrap();
    assert_eq!(args.results(), &[Value::F64(3.0)]);

    // The same array in C order does not fit the column-major type.
    let mut args = Args::new();
    args.push_slice_f64(&mut data, &[2, 3]).unwrap().push_index(0).push_index(1);
    let error = function.call(&mut args).unwrap_err();
    assert!(matches!(error, Error::Signature(_)), "{error}");
    assert!(error.to_string().contains("the stride of dimension 0"), "{error}");
}

#[test]
fn arguments_are_checked_against_the_signature() {
    let module = module();
    let scale = module.function("scale").unwrap();
    let fixed = module.function("fixed").unwrap();
    let mut f64s = vec![0.0; 6];
    let mut f32s = vec![0.0f32; 6];
    let mut args = Args::new();
    let error = scale.call(&mut args).unwrap_err();
    assert!(matches!(error, Error::Signature(_)), "{error}");
    assert!(error.to_string().contains("takes 2 arguments (%x: memref<?xf64>, %k: f64) -> (f64), but was given 0"), "{error}");

    let mut args = Args::new();
    args.push_f64(1.0).push_f64(1.0);
    let error = scale.call(&mut args).unwrap_err();
    assert!(error.to_string().contains("argument 1 (%x) must be memref<?xf64>, but f64 was given"), "{error}");

    let mut args = Args::new();
    args.push_slice_f32(&mut f32s, &[6]).unwrap().push_f64(1.0);
    let error = scale.call(&mut args).unwrap_err();
    assert!(error.to_string().contains("an array of f32"), "{error}");

    let mut args = Args::new();
    args.push_slice_f64(&mut f64s, &[6]).unwrap().push_f32(1.0);
    let error = scale.call(&mut args).unwrap_err();
    assert!(error.to_string().contains("argument 2 (%k) must be f64, but f32 was given"), "{error}");

    let mut args = Args::new();
    args.push_slice_f32(&mut f32s, &[6]).unwrap();
    let error = fixed.call(&mut args).unwrap_err();
    assert!(error.to_string().contains("its rank is 1 instead of 2"), "{error}");

    let mut args = Args::new();
    args.push_slice_f32(&mut f32s, &[2, 3]).unwrap();
    let error = fixed.call(&mut args).unwrap_err();
    assert!(error.to_string().contains("dimension 0 is 2, the type says 3"), "{error}");

    let mut args = Args::new();
    assert!(matches!(args.push_slice_f64(&mut f64s, &[4]), Err(Error::InvalidArgument(_))));
}

#[test]
fn parse_errors_carry_file_line_and_column() {
    let context = Context::new().unwrap();
    let error = Module::parse(&context, "func.func @f() {\n  %x = arith.addf %a, %a : f64\n  return\n}", "broken.mlir")
        .err()
        .unwrap();
    assert!(matches!(error, Error::Parse(_)), "{error}");
    assert!(error.to_string().starts_with("broken.mlir:2:"), "{error}");
    assert!(error.to_string().contains("undeclared SSA value"), "{error}");
}

#[test]
fn verifier_errors_carry_file_line_and_column() {
    let context = Context::new().unwrap();
    let text = "func.func @f(%x: f64) -> f32 {\n  return %x : f64\n}";
    let error = Module::parse(&context, text, "bad_return.mlir").err().unwrap();
    // MLIR's parser verifies as it finishes, so this is a parse-stage error.
    assert!(matches!(error, Error::Parse(_) | Error::Verify(_)), "{error}");
    assert!(error.to_string().contains("bad_return.mlir:2:3"), "{error}");
}

#[test]
fn zad_dialect_ops_are_registered_and_verified_by_mlir() {
    let context = Context::new().unwrap();
    let good = r#"
func.func @f(%x: f64, %buf: memref<?xf64>) -> f64 { %y = arith.mulf %x, %x : f64
  return %y : f64 }
func.func @g(%x: f64, %buf: memref<?xf64>, %dbuf: memref<?xf64>, %y: f32) -> (f64, f64) {
  %r:2 = zad.gradient @f(%x, %buf, %dbuf) {activity = ["active", "dup"]} : (f64, memref<?xf64>, memref<?xf64>) -> (f64, f64)
  %t = zad.tape_new : !zad.tape<f64>
  zad.push %t, %x : !zad.tape<f64>
  %p = zad.pop %t : !zad.tape<f64>
  zad.tape_free %t : !zad.tape<f64>
  return %r#0, %p : f64, f64
}"#;
    let module = Module::parse(&context, good, "good.mlir").unwrap();
    // Tape ops are zad's own output; written by hand they are not compiled.
    let error = module.function("g").err().unwrap();
    assert!(matches!(error, Error::Unsupported(_)), "{error}");
    assert!(error.to_string().contains("good.mlir:6:8: zad.tape_new"), "{error}");

    let misuses = [
        (r#"["active", "dup"]"#, r#"["active", "sideways"]"#, "unknown activity 'sideways' for argument 2"),
        (r#"["active", "dup"]"#, r#"["active"]"#, "has 1 activities but @f takes 2 arguments"),
        (r#"["active", "dup"]"#, r#"["dup", "dup"]"#, "argument 1 is 'dup' but has type 'f64'"),
        (
            "(%x, %buf, %dbuf) {activity = [\"active\", \"dup\"]} : (f64, memref<?xf64>, memref<?xf64>)",
            "(%x, %buf) {activity = [\"active\", \"dup\"]} : (f64, memref<?xf64>)",
            "expects operands",
        ),
        ("-> (f64, f64)\n  %t", "-> (f64, f32)\n  %t", "expects results"),
        ("zad.gradient @f(", "zad.gradient @nowhere(", "@nowhere does not name a function"),
        ("zad.push %t, %x : !zad.tape<f64>", r#""zad.push"(%t) : (!zad.tape<f64>) -> ()"#, "expected 2 operands"),
        ("zad.push %t, %x : !zad.tape<f64>", r#""zad.push"(%t, %y) : (!zad.tape<f64>, f32) -> ()"#, "value type matches the tape's element type"),
    ];
    for (from, to, expected) in misuses {
        let text = good.replacen(from, to, 1);
        assert_ne!(text, good, "{from} not found");
        let error = Module::parse(&context, &text, "misuse.mlir").err().unwrap_or_else(|| panic!("{to} verified"));
        let message = error.to_string();
        assert!(message.starts_with("misuse.mlir:"), "{to}: {message}");
        assert!(message.contains(expected), "{to}: {message}");
    }
}

#[test]
fn a_kernel_can_call_the_gradient_op() {
    // d/dx (x^2 sin y) = 2 x sin y, d/dy = x^2 cos y; the buffer's shadow
    // gets d/du (sum u^3) = 3 u^2.
    let text = r#"
func.func @f(%x: f64, %y: f64, %u: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %u, %c0 : memref<?xf64>
  %x2 = arith.mulf %x, %x : f64
  %s = math.sin %y : f64
  %p = arith.mulf %x2, %s : f64
  %total = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %p) -> f64 {
    %v = memref.load %u[%i] : memref<?xf64>
    %v2 = arith.mulf %v, %v : f64
    %v3 = arith.mulf %v2, %v : f64
    %next = arith.addf %acc, %v3 : f64
    scf.yield %next : f64
  }
  return %total : f64
}
func.func @g(%x: f64, %y: f64, %u: memref<?xf64>, %du: memref<?xf64>) -> (f64, f64, f64) {
  %r:3 = zad.gradient @f(%x, %y, %u, %du) {activity = ["active", "active", "dup"]}
      : (f64, f64, memref<?xf64>, memref<?xf64>) -> (f64, f64, f64)
  return %r#0, %r#1, %r#2 : f64, f64, f64
}"#;
    let module = Module::parse(&Context::new().unwrap(), text, "nested.mlir").unwrap();
    let g = module.function("g").unwrap();
    let (x, y) = (1.5f64, 0.25f64);
    let mut u = vec![1.0, -2.0, 0.5];
    let mut du = vec![0.0; 3];
    let mut args = Args::new();
    args.push_f64(x).push_f64(y).push_slice_f64(&mut u, &[3]).unwrap().push_slice_f64(&mut du, &[3]).unwrap();
    g.call(&mut args).unwrap();
    let results: Vec<f64> = args.results().iter().map(|v| v.as_f64().unwrap()).collect();
    drop(args);
    let value = x * x * y.sin() + 1.0 - 8.0 + 0.125;
    for (got, want) in results.iter().zip([value, 2.0 * x * y.sin(), x * x * y.cos()]) {
        assert!((got - want).abs() < 1e-12, "{results:?}");
    }
    assert_eq!(du, vec![3.0, 12.0, 0.75]);
}

#[test]
fn missing_functions_and_files_are_reported() {
    let context = Context::new().unwrap();
    let module = module();
    let error = module.function("nope").err().unwrap();
    assert!(matches!(error, Error::NotFound(_)), "{error}");
    assert!(error.to_string().contains("@nope") && error.to_string().contains("@scale"), "{error}");
    let error = Module::load(&context, "/nonexistent/kernel.mlir").err().unwrap();
    assert!(matches!(error, Error::Io(_)), "{error}");
    assert!(error.to_string().contains("/nonexistent/kernel.mlir"), "{error}");
}

#[test]
fn a_module_is_compiled_once_for_all_its_functions() {
    let module = module();
    assert_eq!(module.compile_count(), 0);
    let first = module.function("scale").unwrap();
    let again = module.function("scale").unwrap();
    let other = module.function("fixed").unwrap();
    assert_eq!(module.compile_count(), 1);
    assert_eq!(first.raw_pointer(), again.raw_pointer());
    assert_ne!(first.raw_pointer(), other.raw_pointer());
}

#[test]
fn compiled_functions_outlive_their_module_and_run_on_many_threads() {
    let function = module().function("scale").unwrap();
    std::thread::scope(|scope| {
        for thread in 0..4 {
            let function = function.clone();
            scope.spawn(move || {
                for round in 0..200 {
                    let mut data: Vec<f64> = (0..17).map(|i| (i + thread + round) as f64).collect();
                    let expected: f64 = data.iter().map(|x| x * 0.5).sum();
                    let mut args = Args::new();
                    args.push_slice_f64(&mut data, &[17]).unwrap().push_f64(0.5);
                    function.call(&mut args).unwrap();
                    assert_eq!(args.results(), &[Value::F64(expected)]);
                }
            });
        }
    });
}

#[test]
fn unsupported_signature_types_are_named() {
    let context = Context::new().unwrap();
    let module = Module::parse(&context, "func.func @h(%x: i16) -> i16 { return %x : i16 }", "h.mlir").unwrap();
    let error = module.function("h").err().unwrap();
    assert!(matches!(error, Error::Unsupported(_)), "{error}");
    assert!(error.to_string().contains("argument 1 has type i16"), "{error}");
}

#[test]
fn emit_shows_parsed_and_llvm_stages() {
    let module = module();
    let parsed = module.emit(zad::Stage::Parsed).unwrap();
    assert!(parsed.contains("scf.for"), "{parsed}");
    let llvm = module.emit(zad::Stage::Llvm).unwrap();
    assert!(llvm.contains("llvm.func @_mlir_ciface_scale"), "{llvm}");
    // (The run-time checks' messages, string constants, may name scf.for.)
    let mut ops = llvm.lines().filter(|line| !line.contains("llvm.mlir.global"));
    assert!(!ops.any(|line| line.contains("scf.for")), "{llvm}");
    assert!("nonsense".parse::<zad::Stage>().is_err());
}

fn last_error() -> String {
    // SAFETY: zad_last_error returns a valid NUL-terminated string.
    unsafe { CStr::from_ptr(ffi::zad_last_error()) }.to_string_lossy().into_owned()
}

#[test]
fn c_entry_points_catch_panics_and_null_handles() {
    assert_eq!(ffi::zad_debug_panic(), ffi::ZAD_INTERNAL);
    assert!(last_error().contains("zad_debug_panic"), "{}", last_error());

    let mut module = std::ptr::null_mut();
    let source = CString::new("func.func @f() { return }").unwrap();
    let status = ffi::zad_module_parse(std::ptr::null(), source.as_ptr(), std::ptr::null(), &mut module);
    assert_eq!(status, ffi::ZAD_INVALID_ARGUMENT);
    assert!(module.is_null(), "out-parameter untouched on failure");
    assert!(last_error().contains("context is NULL"));

    ffi::zad_context_free(std::ptr::null_mut());
    ffi::zad_module_free(std::ptr::null_mut());
    ffi::zad_function_free(std::ptr::null_mut());
    ffi::zad_args_free(std::ptr::null_mut());
    ffi::zad_array_free(std::ptr::null_mut());
    assert_eq!(ffi::zad_function_call(std::ptr::null(), std::ptr::null_mut()), ffi::ZAD_INVALID_ARGUMENT);
}

#[test]
fn c_calls_check_result_bindings_and_return_arrays() {
    let mut context = std::ptr::null_mut();
    assert_eq!(ffi::zad_context_new(&mut context), ffi::ZAD_OK);
    let source = CString::new(
        "func.func @twice(%x: memref<?xf32>) -> (memref<?xf32>, f32) {
           %c0 = arith.constant 0 : index
           %c1 = arith.constant 1 : index
           %n = memref.dim %x, %c0 : memref<?xf32>
           %y = memref.alloc(%n) : memref<?xf32>
           scf.for %i = %c0 to %n step %c1 {
             %v = memref.load %x[%i] : memref<?xf32>
             %w = arith.addf %v, %v : f32
             memref.store %w, %y[%i] : memref<?xf32>
           }
           %first = memref.load %y[%c0] : memref<?xf32>
           return %y, %first : memref<?xf32>, f32
         }",
    )
    .unwrap();
    let mut module = std::ptr::null_mut();
    assert_eq!(ffi::zad_module_parse(context, source.as_ptr(), std::ptr::null(), &mut module), ffi::ZAD_OK);
    let mut function = std::ptr::null_mut();
    let name = CString::new("twice").unwrap();
    assert_eq!(ffi::zad_module_function(module, name.as_ptr(), &mut function), ffi::ZAD_OK);

    let mut data = [1.5f32, -2.0, 4.0];
    let shape = [3i64];
    let mut args = std::ptr::null_mut();
    assert_eq!(ffi::zad_args_new(&mut args), ffi::ZAD_OK);
    assert_eq!(ffi::zad_args_push_array_f32(args, data.as_mut_ptr(), 1, shape.as_ptr(), std::ptr::null()), ffi::ZAD_OK);
    let mut wrong = 0.0f64;
    assert_eq!(ffi::zad_args_result_f64(args, &mut wrong), ffi::ZAD_OK);
    assert_eq!(ffi::zad_function_call(function, args), ffi::ZAD_SIGNATURE_ERROR);
    assert!(last_error().contains("@twice returns 2 results (memref<?xf32>, f32), but 1 was bound"), "{}", last_error());

    assert_eq!(ffi::zad_args_clear(args), ffi::ZAD_OK);
    assert_eq!(ffi::zad_args_push_array_f32(args, data.as_mut_ptr(), 1, shape.as_ptr(), std::ptr::null()), ffi::ZAD_OK);
    let mut array = std::ptr::null_mut();
    let mut first = 0.0f32;
    assert_eq!(ffi::zad_args_result_array(args, &mut array), ffi::ZAD_OK);
    assert_eq!(ffi::zad_args_result_f32(args, &mut first), ffi::ZAD_OK);
    assert_eq!(ffi::zad_function_call(function, args), ffi::ZAD_OK);
    assert_eq!(first, 3.0);
    assert_eq!(ffi::zad_array_type(array), ffi::ZAD_F32);
    assert_eq!(ffi::zad_array_rank(array), 1);
    // SAFETY: a rank-1 f32 array of 3 elements, as just checked.
    unsafe {
        assert_eq!(*ffi::zad_array_shape(array), 3);
        let values = std::slice::from_raw_parts(ffi::zad_array_data(array).cast::<f32>(), 3);
        assert_eq!(values, &[3.0, -4.0, 8.0]);
    }
    ffi::zad_array_free(array);
    ffi::zad_args_free(args);
    ffi::zad_function_free(function);
    ffi::zad_module_free(module);
    ffi::zad_context_free(context);
}

/// f64 exp is compiled to zad's own vectorisable code (src/lower/
/// exp_f64.mlir), not libm's: it must stay within 1 ulp of libm's (itself
/// within 1 ulp of the exact value) everywhere, with libm's special values.
#[test]
fn exp_is_within_one_ulp_of_libm() {
    let context = Context::new().unwrap();
    let module = Module::parse(
        &context,
        "func.func @exp_all(%x: memref<?xf64>, %y: memref<?xf64>) {
           %c0 = arith.constant 0 : index
           %c1 = arith.constant 1 : index
           %n = memref.dim %x, %c0 : memref<?xf64>
           scf.for %i = %c0 to %n step %c1 {
             %v = memref.load %x[%i] : memref<?xf64>
             %e = math.exp %v : f64
             memref.store %e, %y[%i] : memref<?xf64>
           }
           return
         }",
        "exp.mlir",
    )
    .unwrap();
    let exp_all = module.function("exp_all").unwrap();
    // A deterministic spread over the whole range (subnormal and
    // overflowing results included), small arguments, and special values.
    let mut x: Vec<f64> = (0..200_000).map(|i| -750.0 + 1462.0 * ((i as f64 * 0.618_033_988_749_895) % 1.0)).collect();
    x.extend((0..20_000).map(|i| (i as f64 - 10_000.0) * 1e-4));
    x.extend([0.0, -0.0, 1e-300, 709.78, 709.79, -745.13, -745.14, f64::INFINITY, f64::NEG_INFINITY, f64::NAN]);
    let mut y = vec![0.0; x.len()];
    let n = x.len() as i64;
    let mut args = Args::new();
    args.push_slice_f64(&mut x, &[n]).unwrap().push_slice_f64(&mut y, &[n]).unwrap();
    exp_all.call(&mut args).unwrap();
    drop(args);
    for (&x, &y) in x.iter().zip(&y) {
        let libm = x.exp();
        if libm.is_nan() {
            assert!(y.is_nan(), "exp({x}) = {y}, libm NaN");
            continue;
        }
        let ulps = (y.to_bits() as i64 - libm.to_bits() as i64).unsigned_abs();
        assert!(ulps <= 1 || y == libm, "exp({x:e}) = {y:e}, libm {libm:e}: {ulps} ulp apart");
    }
}

/// Messages name arguments as the source does: the names are read back
/// from the text of each function's signature, whatever it looks like, and
/// left out where the text has none (the generic form).
#[test]
fn argument_names_come_from_the_source_text() {
    let source = "\
// A comment with func.func @decoy(%wrong: f64) in it.
func.func private @spaced(
    %first: memref<?xf64> {llvm.noalias},   // trailing comment, with (parentheses)
    %second_2: f64 loc(\"elsewhere.f90\":3:4),
    %it.3: memref<?x?xf64, strided<[?, 1], offset: ?>>) -> f64 {
  return %second_2 : f64
}
\"func.func\"() <{function_type = (f64, f64) -> f64, sym_name = \"generic\"}> ({
^bb0(%a: f64, %b: f64):
  \"func.return\"(%a) : (f64) -> ()
}) : () -> ()
func.func @none() {
  return
}
";
    let module = Module::parse(&Context::new().unwrap(), source, "names.mlir").unwrap();
    let names = |function: &str| module.signature(function).unwrap().naming.arguments;
    assert_eq!(
        names("spaced"),
        [Some("%first".to_string()), Some("%second_2".to_string()), Some("%it.3".to_string())]
    );
    assert_eq!(names("generic"), [None, None]);
    assert!(names("none").is_empty());

    let spaced = module.function("spaced").unwrap();
    let (mut data, mut matrix) = ([0.0; 4], [0.0; 4]);
    let mut args = Args::new();
    args.push_slice_f64(&mut data, &[4]).unwrap().push_f32(1.0).push_slice_f64(&mut matrix, &[2, 2]).unwrap();
    let error = spaced.call(&mut args).unwrap_err().to_string();
    assert!(error.starts_with("@spaced: argument 2 (%second_2) must be f64, but f32 was given"), "{error}");
    let generic = module.function("generic").unwrap();
    let error = generic.call(Args::new().push_f64(1.0).push_i32(2)).unwrap_err().to_string();
    assert!(error.starts_with("@generic: argument 2 must be f64, but i32 was given"), "{error}");
}

/// The identity layout is C order: its dynamic strides follow from the
/// sizes. A layout given as a map zad cannot evaluate for any size is
/// refused when the function is compiled, naming a layout to declare; a
/// map whose strides are constant is checked like strided<[...]>.
#[test]
fn layouts_constrain_strides() {
    let source = "\
func.func @c_order(%a: memref<?x?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %v = memref.load %a[%c0, %c0, %c0] : memref<?x?x?xf64>
  return %v : f64
}
func.func @fixed_map(%a: memref<2x3xf64, affine_map<(d0, d1) -> (d1 * 2 + d0)>>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %v = memref.load %a[%c1, %c0] : memref<2x3xf64, affine_map<(d0, d1) -> (d1 * 2 + d0)>>
  return %v : f64
}
";
    let module = Module::parse(&Context::new().unwrap(), source, "layouts.mlir").unwrap();
    let c_order = module.function("c_order").unwrap();
    let mut data = vec![0.0; 2 * 3 * 4];
    for (strides, accepted) in [
        ([12, 4, 1], true),
        ([12, 4, 2], false),
        ([13, 4, 1], false),
        ([0, 4, 1], false),
        ([1, 2, 6], false),
        ([-12, 4, 1], false),
    ] {
        let mut args = Args::new();
        // SAFETY: every accepted layout addresses only the 24 elements of data.
        let pushed = unsafe { args.push_array(zad::Scalar::F64, data.as_mut_ptr().cast(), &[2, 3, 4], Some(&strides)) };
        let result = pushed.unwrap().len();
        assert_eq!(result, 1);
        let outcome = c_order.call(&mut args);
        assert_eq!(outcome.is_ok(), accepted, "strides {strides:?}: {outcome:?}");
        if let Err(error) = outcome {
            let error = error.to_string();
            assert!(error.contains("is C order (row-major), which for this shape means strides [12, 4, 1]"), "{error}");
            assert!(error.contains("memref<?x?x?xf64, strided<[?, ?, ?]>>"), "{error}");
        }
    }
    // Sizes of one and empty arrays: their strides are never used.
    let mut args = Args::new();
    // SAFETY: a 1 x 1 x 4 array over the first 4 elements, then an empty one.
    unsafe { args.push_array(zad::Scalar::F64, data.as_mut_ptr().cast(), &[1, 1, 4], Some(&[7, 7, 1])) }.unwrap();
    c_order.call(&mut args).unwrap();

    // (MLIR cannot lower this one either: it is in a module of its own.)
    let transposed = Module::parse(
        &Context::new().unwrap(),
        "func.func @transposed(%a: memref<?x?xf64, affine_map<(d0, d1) -> (d1, d0)>>) -> f64 {
           %c0 = arith.constant 0 : index
           %v = memref.load %a[%c0, %c0] : memref<?x?xf64, affine_map<(d0, d1) -> (d1, d0)>>
           return %v : f64
         }",
        "transposed.mlir",
    )
    .unwrap();
    let error = transposed.function("transposed").err().expect("a size-dependent map is refused").to_string();
    assert!(
        error.contains("@transposed: argument 1 has type memref<?x?xf64, affine_map<(d0, d1) -> (d1, d0)>>")
            && error.contains("memref<?x?xf64, strided<[?, ?]>>"),
        "{error}"
    );
    let fixed = module.function("fixed_map").unwrap();
    let mut matrix: Vec<f64> = (0..6).map(f64::from).collect();
    let mut args = Args::new();
    args.push_strided_f64(&mut matrix, &[2, 3], &[1, 2]).unwrap();
    fixed.call(&mut args).unwrap();
    assert_eq!(args.results(), &[Value::F64(1.0)]);
    let mut args = Args::new();
    args.push_slice_f64(&mut matrix, &[2, 3]).unwrap();
    let error = fixed.call(&mut args).unwrap_err().to_string();
    assert!(error.contains("the stride of dimension 0 is 3, the type needs 1"), "{error}");
}

/// Strided arrays over slices stay inside them; shapes whose counts or
/// extents overflow are refused, never wrapped.
#[test]
fn shapes_are_checked_for_overflow_and_bounds() {
    let mut data = vec![0.0f64; 12];
    for (shape, strides) in [
        (&[3i64, 4][..], &[4i64, 1][..]),
        (&[4, 3], &[1, 4]),
        (&[2, 2], &[-1, 1]),
        (&[13], &[1]),
        (&[3, 5], &[4, 1]),
        (&[1 << 32, 1 << 32], &[1, 1]),
        (&[2, 2], &[i64::MAX, 1]),
    ] {
        let fits = shape.iter().zip(strides).all(|(&n, &s)| s >= 0 && (n - 1).checked_mul(s).is_some())
            && shape.iter().zip(strides).map(|(&n, &s)| (n - 1).saturating_mul(s)).fold(0i64, i64::saturating_add) < 12;
        let mut args = Args::new();
        let outcome = args.push_strided_f64(&mut data, shape, strides).map(|_| ());
        assert_eq!(outcome.is_ok(), fits, "{shape:?} {strides:?}: {outcome:?}");
        if let Err(error) = outcome {
            assert!(error.to_string().contains("does not lie within a slice of 12 elements"), "{error}");
        }
    }
    let mut args = Args::new();
    let error = args.push_slice_f64(&mut data, &[1 << 32, 1 << 32]).map(|_| ()).unwrap_err().to_string();
    assert!(error.contains("cannot have shape"), "{error}");
    for shape in [[1i64 << 32, 1 << 32], [1 << 62, 4], [i64::MAX, 2]] {
        // SAFETY: refused before anything is read.
        let outcome = unsafe { args.push_array(zad::Scalar::F64, std::ptr::null_mut(), &shape, None) }.map(|_| ());
        let error = outcome.unwrap_err();
        assert!(error.to_string().contains("too large"), "{shape:?}: {error}");
    }
    // Empty arrays may have any extent, and a NULL pointer.
    // SAFETY: nothing is addressed.
    unsafe { args.push_array(zad::Scalar::F64, std::ptr::null_mut(), &[0, 1 << 40], None) }.unwrap();
    assert_eq!(args.len(), 1);
}

/// The gradient's messages name the user's function and count its
/// arguments, shadows named after their arrays; a shadow must have its
/// array's shape.
#[test]
fn gradient_calls_are_checked_in_the_users_terms() {
    let module = module();
    let gradient = module.gradient("scale", &[zad::Activity::Dup, zad::Activity::Active]).unwrap();
    let naming = &gradient.signature().naming;
    assert_eq!(naming.subject(), "the gradient of @scale");
    assert_eq!(naming.input(1), "the shadow of argument 1 (%x)");
    assert_eq!(naming.input(3), "the seed of result 1");
    assert_eq!(naming.output(1), "result 2 (the gradient with respect to argument 2 (%k))");

    let (mut x, mut dx, mut short) = (vec![1.0, 2.0, 3.0], vec![0.0; 3], vec![0.0; 2]);
    let mut args = Args::new();
    args.push_slice_f64(&mut x, &[3]).unwrap().push_slice_f64(&mut short, &[2]).unwrap().push_f64(2.0);
    let error = gradient.call(&mut args).unwrap_err().to_string();
    assert_eq!(
        error,
        "the gradient of @scale: the shadow of argument 1 (%x) has shape [2], but argument 1 (%x) has shape [3]; \
         a shadow has the shape of its argument"
    );
    let mut args = Args::new();
    args.push_slice_f64(&mut x, &[3]).unwrap().push_f64(2.0);
    let error = gradient.call(&mut args).unwrap_err().to_string();
    assert!(
        error.starts_with(
            "the gradient of @scale takes 4 arguments (%x: memref<?xf64>, shadow of %x: memref<?xf64>, %k: f64, \
             seed of result 1: f64) -> (f64, f64) (the last, a seed, may be left out: it defaults to 1.0), but was \
             given 2"
        ),
        "{error}"
    );
    let mut args = Args::new();
    args.push_slice_f64(&mut x, &[3]).unwrap().push_slice_f64(&mut dx, &[3]).unwrap().push_f32(2.0);
    let error = gradient.call(&mut args).unwrap_err().to_string();
    assert!(error.starts_with("the gradient of @scale: argument 2 (%k) must be f64, but f32 was given"), "{error}");
    drop(args);
    let mut args = Args::new();
    args.push_slice_f64(&mut x, &[3]).unwrap().push_slice_f64(&mut dx, &[3]).unwrap().push_f64(2.0);
    gradient.call(&mut args).unwrap();
    // J = k sum(x), with x scaled in place to k x: dJ/dx = k, dJ/dk = sum(x).
    assert_eq!(args.results(), &[Value::F64(12.0), Value::F64(6.0)]);
    drop(args);
    assert_eq!(dx, vec![2.0, 2.0, 2.0]);
}

/// Messages that pass through zad's own generated functions (MLIR's
/// diagnostics, the JIT's) name what those functions are to the user.
#[test]
fn generated_names_are_translated_in_messages() {
    use zad::naming::in_user_terms;
    for (message, expected) in [
        (
            "@__zad_grad_misfit_dacccc: argument #5 must be index",
            "the gradient of @misfit: argument #5 must be index",
        ),
        ("Symbols not found: [ _mlir_ciface___zad_grad_heat_2d_da_unit ]", "Symbols not found: [ the gradient of @heat_2d ]"),
        ("x.mlir:3:5: error: in @__zad_step_run_loop_12, 'scf.for'", "x.mlir:3:5: error: in a step of the time loop of @run_loop, 'scf.for'"),
        ("@__zad_grad_f_a calls @__zad_grad_g_dc.", "the gradient of @f calls the gradient of @g."),
        ("nothing generated in @f", "nothing generated in @f"),
        ("in @__zad_tangent_inner_dc_w2: no rule", "in the tangent of @inner: no rule"),
        ("@__zad_hvp_energy_dac failed", "the Hessian-vector product of @energy failed"),
        (
            "@__zad_tangent___zad_grad_energy_dac_unit_dddc: 'zad.push'",
            "the tangent of the gradient of @energy: 'zad.push'",
        ),
        ("@__zad_grad___zad_grad_first_aa_unit_aa", "the gradient of the gradient of @first"),
    ] {
        assert_eq!(in_user_terms(message), expected);
    }
}
