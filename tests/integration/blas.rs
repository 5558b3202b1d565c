//! BLAS and LAPACK routines declared in a kernel (`func.func private
//! @dgemm(...)` with zad's signatures, see the README) run on OpenBLAS,
//! and their derivatives are zad's built-in ones, made of BLAS calls. The
//! gradients and tangents of every routine are checked against finite
//! differences by the kernels `tests/gradients/blas_*.mlir`; this suite
//! checks what those cannot: that the adjoint calls the routines' adjoints
//! rather than differentiating loops, a gradient against one computed by
//! hand, and the errors (shapes, aliasing, singular matrices, signatures).

use crate::support::{Scratch, run, zad_cli};
use std::path::Path;

const DECLARATIONS: &str = "\
func.func private @dgemm(i1, i1, f64, memref<?x?xf64>, memref<?x?xf64>, f64, memref<?x?xf64>)
func.func private @dgemv(i1, f64, memref<?x?xf64>, memref<?xf64>, f64, memref<?xf64>)
func.func private @ddot(memref<?xf64>, memref<?xf64>) -> f64
func.func private @daxpy(f64, memref<?xf64>, memref<?xf64>)
func.func private @dgesv(memref<?x?xf64>, memref<?xi32>, memref<?x?xf64>) -> i32
func.func private @dpotrf(i1, memref<?x?xf64>) -> i32
";

/// f(A, B, C, x, y, w) = w . (A B x): C = A B (dgemm), y = C x (dgemv),
/// then ddot; nothing but BLAS calls.
const PRODUCT: &str = "\
func.func @f(%a: memref<?x?xf64>, %b: memref<?x?xf64>, %c: memref<?x?xf64>, %x: memref<?xf64>, %y: memref<?xf64>, %w: memref<?xf64>) -> f64 {
  %no = arith.constant false
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  func.call @dgemm(%no, %no, %one, %a, %b, %zero, %c) : (i1, i1, f64, memref<?x?xf64>, memref<?x?xf64>, f64, memref<?x?xf64>) -> ()
  func.call @dgemv(%no, %one, %c, %x, %zero, %y) : (i1, f64, memref<?x?xf64>, memref<?xf64>, f64, memref<?xf64>) -> ()
  %r = func.call @ddot(%w, %y) : (memref<?xf64>, memref<?xf64>) -> f64
  return %r : f64
}
";

fn kernel(scratch: &Scratch, body: &str) -> std::path::PathBuf {
    let path = scratch.path("k.mlir");
    std::fs::write(&path, format!("{DECLARATIONS}{body}")).unwrap();
    path
}

fn zad(args: &[&str], file: &Path) -> (bool, String, String) {
    run(std::process::Command::new(zad_cli()).args(&args[..1]).arg(file).args(&args[1..]))
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"))
}

fn numbers(value: &serde_json::Value) -> Vec<f64> {
    match value {
        serde_json::Value::Array(items) => items.iter().flat_map(numbers).collect(),
        serde_json::Value::Number(n) => vec![n.as_f64().unwrap()],
        other => panic!("not numbers: {other}"),
    }
}

#[test]
fn adjoint_and_tangent_call_the_routines_derivatives_not_loops() {
    let scratch = Scratch::new("blas-emit");
    let file = kernel(&scratch, PRODUCT);
    let (ok, adjoint, stderr) = zad(&["emit", "--stage", "adjoint", "--fn", "f"], &file);
    assert!(ok, "{stderr}");
    for routine in ["dgemm", "dgemv", "ddot"] {
        assert!(adjoint.contains(&format!("call @__zad_blas_adjoint_{routine}(")), "no adjoint of {routine}:\n{adjoint}");
    }
    assert!(!adjoint.contains("scf.for") && !adjoint.contains("scf.while"), "the adjoint has loops:\n{adjoint}");
    let (ok, tangent, stderr) = zad(&["emit", "--stage", "tangent", "--fn", "f"], &file);
    assert!(ok, "{stderr}");
    for routine in ["dgemm", "dgemv", "ddot"] {
        assert!(tangent.contains(&format!("call @__zad_blas_tangent_{routine}(")), "no tangent of {routine}:\n{tangent}");
    }
    assert!(!tangent.contains("scf.for"), "the tangent has loops:\n{tangent}");
}

#[test]
fn gradient_of_a_product_matches_the_closed_form() {
    // f = w . (A B x): df/dA = w (B x)^T, df/dB = A^T w x^T, df/dx = B^T A^T w,
    // df/dw = A B x; C and y are overwritten, so their gradients are 0.
    let scratch = Scratch::new("blas-closed-form");
    let file = kernel(&scratch, PRODUCT);
    let a = [[1.0, 2.0, -1.0], [3.0, 0.5, 2.0]];
    let b = [[0.5, -1.0], [2.0, 1.0], [1.5, 0.25]];
    let x = [0.75, -2.0];
    let w = [1.5, -0.5];
    let args = format!("[{a:?}, {b:?}, [[0,0],[0,0]], {x:?}, [0,0], {w:?}]");
    let (ok, stdout, stderr) = zad(&["grad", "--fn", "f", "--args", &args], &file);
    assert!(ok, "{stderr}");
    let output = json(&stdout);
    let gradients = &output["gradients"];
    let bx: Vec<f64> = (0..3).map(|k| b[k][0] * x[0] + b[k][1] * x[1]).collect();
    let atw: Vec<f64> = (0..3).map(|k| a[0][k] * w[0] + a[1][k] * w[1]).collect();
    let expected_a: Vec<f64> = (0..2).flat_map(|i| (0..3).map(move |k| (i, k))).map(|(i, k)| w[i] * bx[k]).collect();
    let expected_b: Vec<f64> = (0..3).flat_map(|k| (0..2).map(move |j| (k, j))).map(|(k, j)| atw[k] * x[j]).collect();
    let expected_x: Vec<f64> = (0..2).map(|j| (0..3).map(|k| b[k][j] * atw[k]).sum()).collect();
    let expected_w: Vec<f64> = (0..2).map(|i| (0..3).map(|k| a[i][k] * bx[k]).sum()).collect();
    let close = |got: Vec<f64>, expected: Vec<f64>, what: &str| {
        assert_eq!(got.len(), expected.len(), "{what}");
        for (g, e) in got.iter().zip(&expected) {
            assert!((g - e).abs() <= 1e-12 * e.abs().max(1.0), "{what}: got {got:?}, expected {expected:?}");
        }
    };
    close(numbers(&gradients[0]), expected_a, "df/dA");
    close(numbers(&gradients[1]), expected_b, "df/dB");
    close(numbers(&gradients[2]), vec![0.0; 4], "df/dC");
    close(numbers(&gradients[3]), expected_x, "df/dx");
    close(numbers(&gradients[4]), vec![0.0; 2], "df/dy");
    close(numbers(&gradients[5]), expected_w, "df/dw");
}

#[test]
fn shapes_that_do_not_fit_stop_the_call_with_the_routines_name() {
    let scratch = Scratch::new("blas-shapes");
    let file = kernel(
        &scratch,
        "func.func @f(%a: memref<?x?xf64>, %b: memref<?x?xf64>, %c: memref<?x?xf64>) {
  %no = arith.constant false
  %one = arith.constant 1.0 : f64
  func.call @dgemm(%no, %no, %one, %a, %b, %one, %c) : (i1, i1, f64, memref<?x?xf64>, memref<?x?xf64>, f64, memref<?x?xf64>) -> ()
  return
}
func.func @g(%x: memref<?xf64>, %y: memref<?xf64>) -> f64 {
  %r = func.call @ddot(%x, %y) : (memref<?xf64>, memref<?xf64>) -> f64
  return %r : f64
}
",
    );
    let (ok, _, stderr) = zad(&["run", "--fn", "f", "--args", "[[[1,2,3],[3,4,5]], [[1,0,1],[0,1,1]], [[0,0],[0,0]]]"], &file);
    assert!(!ok);
    assert!(stderr.contains("dgemm: op(A) is 2x3, op(B) 2x3 and C 2x2"), "{stderr}");
    let (ok, _, stderr) = zad(&["grad", "--fn", "g", "--args", "[[1,2,3], [1,2]]"], &file);
    assert!(!ok);
    assert!(stderr.contains("ddot: x has 3 elements and y 2"), "{stderr}");
}

#[test]
fn a_buffer_a_routine_writes_may_not_be_another_of_its_arguments() {
    // daxpy(a, x, x) reads and writes x; ddot(x, x) only reads it (allowed).
    let scratch = Scratch::new("blas-alias");
    let file = kernel(
        &scratch,
        "func.func @f(%a: f64, %x: memref<?xf64>) -> f64 {
  func.call @daxpy(%a, %x, %x) : (f64, memref<?xf64>, memref<?xf64>) -> ()
  %r = func.call @ddot(%x, %x) : (memref<?xf64>, memref<?xf64>) -> f64
  return %r : f64
}
func.func @g(%x: memref<?xf64>) -> f64 {
  %r = func.call @ddot(%x, %x) : (memref<?xf64>, memref<?xf64>) -> f64
  return %r : f64
}
",
    );
    let (ok, _, stderr) = zad(&["grad", "--fn", "f", "--args", "[2.0, [1,2]]"], &file);
    assert!(!ok);
    assert!(stderr.contains("share one buffer, and daxpy writes it"), "{stderr}");
    let (ok, stdout, stderr) = zad(&["grad", "--fn", "g", "--args", "[[1,-2,3]]"], &file);
    assert!(ok, "{stderr}");
    assert_eq!(numbers(&json(&stdout)["gradients"][0]), vec![2.0, -4.0, 6.0]);
}

#[test]
fn singular_and_indefinite_matrices_give_info_and_refuse_a_derivative() {
    let scratch = Scratch::new("blas-singular");
    let file = kernel(
        &scratch,
        "func.func @solve(%a: memref<?x?xf64>, %b: memref<?x?xf64>) -> i32 {
  %p0 = memref.alloc() : memref<2xi32>
  %p = memref.cast %p0 : memref<2xi32> to memref<?xi32>
  %info = func.call @dgesv(%a, %p, %b) : (memref<?x?xf64>, memref<?xi32>, memref<?x?xf64>) -> i32
  memref.dealloc %p0 : memref<2xi32>
  return %info : i32
}
func.func @solve_loss(%a: memref<?x?xf64>, %b: memref<?x?xf64>) -> f64 {
  %info = func.call @solve(%a, %b) : (memref<?x?xf64>, memref<?x?xf64>) -> i32
  %c0 = arith.constant 0 : index
  %v = memref.load %b[%c0, %c0] : memref<?x?xf64>
  return %v : f64
}
func.func @cholesky(%a: memref<?x?xf64>) -> i32 {
  %no = arith.constant false
  %info = func.call @dpotrf(%no, %a) : (i1, memref<?x?xf64>) -> i32
  return %info : i32
}
func.func @cholesky_loss(%a: memref<?x?xf64>) -> f64 {
  %info = func.call @cholesky(%a) : (memref<?x?xf64>) -> i32
  %c1 = arith.constant 1 : index
  %v = memref.load %a[%c1, %c1] : memref<?x?xf64>
  return %v : f64
}
",
    );
    let singular = "[[[1,2],[2,4]], [[1],[1]]]";
    let (ok, stdout, stderr) = zad(&["run", "--fn", "solve", "--args", singular], &file);
    assert!(ok, "{stderr}");
    assert_eq!(json(&stdout)["results"][0], 2, "{stdout}");
    let (ok, _, stderr) = zad(&["grad", "--fn", "solve_loss", "--args", singular], &file);
    assert!(!ok);
    assert!(stderr.contains("dgesv: the matrix is singular"), "{stderr}");
    let indefinite = "[[[1,2],[2,1]]]";
    let (ok, stdout, stderr) = zad(&["run", "--fn", "cholesky", "--args", indefinite], &file);
    assert!(ok, "{stderr}");
    assert_eq!(json(&stdout)["results"][0], 2, "{stdout}");
    let (ok, _, stderr) = zad(&["grad", "--fn", "cholesky_loss", "--args", indefinite], &file);
    assert!(!ok);
    assert!(stderr.contains("dpotrf: the matrix is not positive definite"), "{stderr}");
}

#[test]
fn a_declaration_with_another_signature_is_an_ordinary_foreign_function() {
    // Not zad's dgemm: resolved as any foreign function (and not found).
    let scratch = Scratch::new("blas-signature");
    let path = scratch.path("k.mlir");
    std::fs::write(
        &path,
        "func.func private @dgemm(memref<?xf64>)
func.func @f(%x: memref<?xf64>) {
  func.call @dgemm(%x) : (memref<?xf64>) -> ()
  return
}
",
    )
    .unwrap();
    let (ok, _, stderr) = zad(&["run", "--fn", "f", "--args", "[[1.0]]"], &path);
    assert!(!ok);
    assert!(stderr.contains("@f calls the external function @dgemm, which was not found"), "{stderr}");
}

#[test]
fn views_with_strides_are_passed_without_copies_and_differentiated() {
    // A 2x2 block of a 3x4 matrix (a subview: strides [4, 1], an offset),
    // and its transpose (strides [1, 4]: column-major), both through dgemv.
    let scratch = Scratch::new("blas-views");
    let path = scratch.path("k.mlir");
    std::fs::write(
        &path,
        "func.func private @dgemv(i1, f64, memref<?x?xf64, strided<[?, ?], offset: ?>>, memref<?xf64>, f64, memref<?xf64>)
func.func @f(%m: memref<3x4xf64>, %x: memref<?xf64>, %y: memref<?xf64>) -> f64 {
  %no = arith.constant false
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %block = memref.subview %m[1, 1] [2, 2] [1, 1] : memref<3x4xf64> to memref<2x2xf64, strided<[4, 1], offset: 5>>
  %a = memref.cast %block : memref<2x2xf64, strided<[4, 1], offset: 5>> to memref<?x?xf64, strided<[?, ?], offset: ?>>
  func.call @dgemv(%no, %one, %a, %x, %zero, %y) : (i1, f64, memref<?x?xf64, strided<[?, ?], offset: ?>>, memref<?xf64>, f64, memref<?xf64>) -> ()
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %y0 = memref.load %y[%c0] : memref<?xf64>
  %y1 = memref.load %y[%c1] : memref<?xf64>
  %y1y1 = arith.mulf %y1, %y1 : f64
  %r = arith.addf %y0, %y1y1 : f64
  return %r : f64
}
func.func @g(%m: memref<3x4xf64>, %x: memref<?xf64>, %y: memref<?xf64>) -> f64 {
  %no = arith.constant false
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %block = memref.subview %m[1, 1] [2, 2] [1, 1] : memref<3x4xf64> to memref<2x2xf64, strided<[4, 1], offset: 5>>
  %t = memref.transpose %block (i, j) -> (j, i) : memref<2x2xf64, strided<[4, 1], offset: 5>> to memref<2x2xf64, strided<[1, 4], offset: 5>>
  %a = memref.cast %t : memref<2x2xf64, strided<[1, 4], offset: 5>> to memref<?x?xf64, strided<[?, ?], offset: ?>>
  func.call @dgemv(%no, %one, %a, %x, %zero, %y) : (i1, f64, memref<?x?xf64, strided<[?, ?], offset: ?>>, memref<?xf64>, f64, memref<?xf64>) -> ()
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %y0 = memref.load %y[%c0] : memref<?xf64>
  %y1 = memref.load %y[%c1] : memref<?xf64>
  %y1y1 = arith.mulf %y1, %y1 : f64
  %r = arith.addf %y0, %y1y1 : f64
  return %r : f64
}
",
    )
    .unwrap();
    let m = "[[1,2,3,4],[5,6,7,8],[9,10,11,12]]";
    let (ok, stdout, stderr) = zad(&["grad", "--fn", "f", "--args", &format!("[{m}, [1, -1], [0, 0]]")], &path);
    assert!(ok, "{stderr}");
    let output = json(&stdout);
    // y = [[6,7],[10,11]] [1,-1] = [-1, -1]; f = y0 + y1^2 = 0.
    assert_eq!(numbers(&output["results"]), vec![0.0]);
    // df/dy = [1, 2 y1] = [1, -2]; df/dM on the block = dy x^T, 0 elsewhere;
    // df/dx = block^T dy = [6 - 20, 7 - 22].
    assert_eq!(numbers(&output["gradients"][0]), vec![0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -1.0, 0.0, 0.0, -2.0, 2.0, 0.0]);
    assert_eq!(numbers(&output["gradients"][1]), vec![-14.0, -15.0]);
    // The transposed block [[6,10],[7,11]]: y = [-4, -4], f = 12, df/dy =
    // [1, -8], df/dA = dy x^T lands transposed in M, df/dx = A^T dy.
    let (ok, stdout, stderr) = zad(&["grad", "--fn", "g", "--args", &format!("[{m}, [1, -1], [0, 0]]")], &path);
    assert!(ok, "{stderr}");
    let output = json(&stdout);
    assert_eq!(numbers(&output["results"]), vec![12.0]);
    assert_eq!(numbers(&output["gradients"][0]), vec![0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -8.0, 0.0, 0.0, -1.0, 8.0, 0.0]);
    assert_eq!(numbers(&output["gradients"][1]), vec![-50.0, -78.0]);
}

/// A host's `ddot` that returns twice the dot product, so that the result
/// shows whose function ran.
#[repr(C)]
struct Memref1 {
    allocated: *mut f64,
    aligned: *mut f64,
    offset: i64,
    size: i64,
    stride: i64,
}

unsafe extern "C" fn doubled_ddot(x: *const Memref1, y: *const Memref1) -> f64 {
    // SAFETY: zad passes two valid rank-1 descriptors of equal sizes here.
    unsafe {
        let (x, y) = (&*x, &*y);
        (0..x.size)
            .map(|i| 2.0 * *x.aligned.offset((x.offset + i * x.stride) as isize) * *y.aligned.offset((y.offset + i * y.stride) as isize))
            .sum()
    }
}

#[test]
fn a_function_the_host_registers_under_a_routines_name_takes_its_place() {
    use zad::{Activity, Args, Context, Module, Value};
    let text = "func.func private @ddot(memref<?xf64>, memref<?xf64>) -> f64
func.func @f(%x: memref<?xf64>, %y: memref<?xf64>) -> f64 {
  %r = func.call @ddot(%x, %y) : (memref<?xf64>, memref<?xf64>) -> f64
  return %r : f64
}
";
    let run = |context: &Context| {
        let module = Module::parse(context, text, "k.mlir").unwrap();
        let (mut x, mut y) = (vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]);
        let mut args = Args::new();
        args.push_slice_f64(&mut x, &[3]).unwrap().push_slice_f64(&mut y, &[3]).unwrap();
        module.function("f").unwrap().call(&mut args).unwrap();
        let value = args.results().to_vec();
        (module.gradient("f", &[Activity::Dup, Activity::Dup]).map(|_| ()), value)
    };
    let (gradient, value) = run(&Context::new().unwrap());
    assert_eq!(value, vec![Value::F64(32.0)], "zad's ddot");
    assert!(gradient.is_ok());
    let context = Context::new().unwrap();
    // SAFETY: doubled_ddot has the C interface of the declaration.
    unsafe { context.register_function("ddot", doubled_ddot as *const std::ffi::c_void) }.unwrap();
    let (gradient, value) = run(&context);
    assert_eq!(value, vec![Value::F64(64.0)], "the host's ddot");
    // The host's function is an ordinary foreign function: no built-in
    // derivative (it may compute something else), so differentiating it
    // needs one of the host's.
    let message = gradient.unwrap_err().to_string();
    assert!(message.contains("the foreign function @ddot is called on the active path"), "{message}");
}

#[test]
fn a_blas_call_in_a_loop_that_is_not_checkpointed_is_refused_with_the_remedy() {
    // tests/gradients/blas_time_loop.mlir without its zad.checkpoint: the
    // adjoint of each step's dgemv needs x as it was at that step.
    let scratch = Scratch::new("blas-loop");
    let text = std::fs::read_to_string(crate::support::root().join("tests/gradients/blas_time_loop.mlir")).unwrap();
    let marker = " {zad.checkpoint = \"binomial\", zad.snapshots = 2 : i64}";
    assert!(text.contains(marker), "blas_time_loop.mlir changed: update this test");
    let path = scratch.path("loop.mlir");
    std::fs::write(&path, text.replace(marker, "")).unwrap();
    let args = "[[[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]], [1,2,3,4], 5]";
    let (ok, _, stderr) = zad(&["grad", "--fn", "blas_time_loop", "--args", args], &path);
    assert!(!ok);
    assert!(
        stderr.contains("loop.mlir:19:5") && stderr.contains("with buffer arguments inside a loop; put the loop in a checkpointed time loop"),
        "{stderr}"
    );
    // The primal and forward mode need nothing of the kind.
    let (ok, _, stderr) = zad(&["run", "--fn", "blas_time_loop", "--args", args], &path);
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = zad(&["jvp", "--fn", "blas_time_loop", "--args", args, "--tangents", "[[[0,0,0,0],[0,0,0,0],[0,0,0,0],[0,0,0,0]], [1,0,0,0], null]"], &path);
    assert!(ok, "{stderr}");
}

#[test]
fn a_column_major_matrix_is_factored_where_it_is_and_differentiated() {
    // dgesv on the transpose of its argument (strides [1, n]: column-major,
    // which LAPACK factors in place) against dgesv on the same matrix
    // passed row-major: the same solution, and transposed gradients.
    let scratch = Scratch::new("blas-column-major");
    let body = |layout: &str, view: &str| {
        format!(
            "func.func private @dgesv(memref<?x?xf64{layout}>, memref<?xi32>, memref<?x?xf64>) -> i32
func.func @f(%m: memref<3x3xf64>, %b: memref<?x?xf64>) -> f64 {{
  {view}
  %p0 = memref.alloc() : memref<3xi32>
  %p = memref.cast %p0 : memref<3xi32> to memref<?xi32>
  %info = func.call @dgesv(%a, %p, %b) : (memref<?x?xf64{layout}>, memref<?xi32>, memref<?x?xf64>) -> i32
  memref.dealloc %p0 : memref<3xi32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %x0 = memref.load %b[%c0, %c0] : memref<?x?xf64>
  %x1 = memref.load %b[%c1, %c0] : memref<?x?xf64>
  %x2 = memref.load %b[%c2, %c0] : memref<?x?xf64>
  %x1x1 = arith.mulf %x1, %x1 : f64
  %x2x2x2 = arith.mulf %x2, %x2 : f64
  %s = arith.addf %x0, %x1x1 : f64
  %r = arith.addf %s, %x2x2x2 : f64
  return %r : f64
}}
"
        )
    };
    let transposed = scratch.path("transposed.mlir");
    std::fs::write(
        &transposed,
        body(
            ", strided<[?, ?], offset: ?>",
            "%t = memref.transpose %m (i, j) -> (j, i) : memref<3x3xf64> to memref<3x3xf64, strided<[1, 3]>>
  %a = memref.cast %t : memref<3x3xf64, strided<[1, 3]>> to memref<?x?xf64, strided<[?, ?], offset: ?>>",
        ),
    )
    .unwrap();
    let row_major = scratch.path("row_major.mlir");
    std::fs::write(&row_major, body("", "%a = memref.cast %m : memref<3x3xf64> to memref<?x?xf64>")).unwrap();
    // M^T = A: A pivots (its largest first-column entry is in row 2).
    let m = [[1.0, 2.0, 4.0], [-1.0, 0.5, 1.0], [3.0, -2.0, 0.25]];
    let a: Vec<Vec<f64>> = (0..3).map(|i| (0..3).map(|j| m[j][i]).collect()).collect();
    let b = "[[1.0], [-2.0], [0.5]]";
    let outputs = |file: &Path, matrix: String| {
        let args = format!("[{matrix}, {b}]");
        let (ok, run_out, stderr) = zad(&["run", "--fn", "f", "--args", &args], file);
        assert!(ok, "{stderr}");
        let (ok, grad_out, stderr) = zad(&["grad", "--fn", "f", "--args", &args], file);
        assert!(ok, "{stderr}");
        (json(&run_out)["results"][0].as_f64().unwrap(), json(&grad_out)["gradients"].clone())
    };
    let (value_t, grad_t) = outputs(&transposed, format!("{m:?}"));
    let (value_r, grad_r) = outputs(&row_major, format!("{a:?}"));
    assert!((value_t - value_r).abs() <= 1e-12 * value_r.abs().max(1.0), "{value_t} against {value_r}");
    let (dm, da) = (numbers(&grad_t[0]), numbers(&grad_r[0]));
    for i in 0..3 {
        for j in 0..3 {
            let (got, expected) = (dm[i * 3 + j], da[j * 3 + i]);
            assert!((got - expected).abs() <= 1e-10 * expected.abs().max(1.0), "d/dM[{i}][{j}]: {dm:?} against {da:?}");
        }
    }
    let (db_t, db_r) = (numbers(&grad_t[1]), numbers(&grad_r[1]));
    for (got, expected) in db_t.iter().zip(&db_r) {
        assert!((got - expected).abs() <= 1e-10 * expected.abs().max(1.0), "d/db: {db_t:?} against {db_r:?}");
    }
}
