//! The `zad` CLI's contract: JSON on stdout, one line on stderr and a
//! non-zero exit status on error.

use crate::support::{run, zad_cli};
use std::{path::PathBuf, process::Command};

fn kernel_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zad-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const KERNELS: &str = "\
func.func @norm(%x: memref<?x?xf64>, %p: f64) -> (f64, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?x?xf64>
  %m = memref.dim %x, %c1 : memref<?x?xf64>
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%a = %zero) -> f64 {
    %t = scf.for %j = %c0 to %m step %c1 iter_args(%b = %a) -> f64 {
      %v = memref.load %x[%i, %j] : memref<?x?xf64>
      %av = math.absf %v : f64
      %pv = math.powf %av, %p : f64
      %nb = arith.addf %b, %pv : f64
      scf.yield %nb : f64
    }
    scf.yield %t : f64
  }
  %count = arith.muli %n, %m : index
  return %s, %count : f64, index
}
func.func @outer(%x: memref<?xf32>, %y: memref<3xf32>) -> memref<?x3xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %o = memref.alloc(%n) : memref<?x3xf32>
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %c3 step %c1 {
      %a = memref.load %x[%i] : memref<?xf32>
      %b = memref.load %y[%j] : memref<3xf32>
      %p = arith.mulf %a, %b : f32
      memref.store %p, %o[%i, %j] : memref<?x3xf32>
    }
  }
  return %o : memref<?x3xf32>
}
func.func @ratio(%a: f64, %b: f64) -> f64 {
  %r = arith.divf %a, %b : f64
  return %r : f64
}
";

fn zad(args: &[&str]) -> (bool, String, String) {
    run(Command::new(zad_cli()).args(args))
}

#[test]
fn run_prints_results_as_json() {
    let file = kernel_file("norm.mlir", KERNELS);
    let file = file.to_str().unwrap();
    let (ok, stdout, stderr) = zad(&["run", file, "--fn", "norm", "--args", "[[[1, -2], [3, 0.5], [-1, 2]], 2]"]);
    assert!(ok, "{stderr}");
    // A kernel that writes no array has no "buffers".
    assert_eq!(stdout.trim(), r#"{"results":[19.25,6]}"#);

    let (ok, stdout, stderr) = zad(&["run", file, "--fn", "outer", "--args", "[[1, 2], [0.5, -1, 4]]"]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), r#"{"results":[[[0.5,-1.0,4.0],[1.0,-2.0,8.0]]]}"#);

    let (ok, stdout, _) = zad(&["run", file, "--fn", "ratio", "--args", "[1, 0]"]);
    assert!(ok);
    assert_eq!(stdout.trim(), r#"{"results":["inf"]}"#);
}

#[test]
fn errors_are_one_line_on_stderr_with_a_location() {
    let file = kernel_file("norm2.mlir", KERNELS);
    let file = file.to_str().unwrap();
    let broken = kernel_file("broken.mlir", "func.func @f() {\n  %x = arith.addf %y, %y : f64\n  return\n}\n");
    let broken = broken.to_str().unwrap();
    let cases: [(&[&str], &str); 7] = [
        (&["run", broken, "--fn", "f"], "broken.mlir:2:"),
        (&["run", file, "--fn", "nope"], "no function @nope"),
        (&["run", file, "--fn", "ratio", "--args", "[1]"], "takes 2 arguments"),
        (&["run", file, "--fn", "outer", "--args", "[[1, 2], [1, 2]]"], "dimension 0 has 2 elements, the type says 3"),
        (&["run", file, "--fn", "norm", "--args", "[[[1, 2], [3]], 2]"], "ragged array"),
        (&["run", "/nonexistent.mlir", "--fn", "f"], "/nonexistent.mlir: cannot read"),
        (&["emit", file, "--stage", "assembly"], "unknown stage 'assembly'"),
    ];
    for (args, expected) in cases {
        let (ok, stdout, stderr) = zad(args);
        assert!(!ok, "{args:?} should fail");
        assert!(stdout.is_empty(), "{args:?} printed {stdout}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("zad: error: ") && stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn emit_prints_each_stage() {
    let file = kernel_file("emit.mlir", KERNELS);
    let file = file.to_str().unwrap();
    let (ok, parsed, _) = zad(&["emit", file, "--stage", "parsed"]);
    assert!(ok && parsed.contains("math.powf"), "{parsed}");
    let (ok, llvm, _) = zad(&["emit", file, "--stage", "llvm"]);
    assert!(ok && llvm.contains("llvm.func @norm") && !llvm.contains("math.powf"), "{llvm}");
}

/// The JSON output of a successful command.
fn zad_json(args: &[&str]) -> serde_json::Value {
    let (ok, stdout, stderr) = zad(args);
    assert!(ok, "{args:?} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{args:?}: not JSON ({error}): {stdout}"))
}

/// Runs the CLI with `input` on its standard input.
fn zad_with_stdin(args: &[&str], input: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = Command::new(zad_cli())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("zad runs");
    // Written from another thread: the child may fill its output pipe
    // before it has read all of its input.
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("zad finishes");
    writer.join().expect("writer").expect("write to zad's stdin");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const BUFFER_KERNELS: &str = "\
func.func @weighted_sum(%x: memref<?xf64>, %w: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%a = %zero) -> f64 {
    %v = memref.load %x[%i] : memref<?xf64>
    %t = arith.addf %a, %v : f64
    scf.yield %t : f64
  }
  %r = arith.mulf %s, %w : f64
  return %r : f64
}
// out = 2 x through a call; y = x through memref.copy; x is only read.
func.func @outputs(%x: memref<?xf64>, %out: memref<?xf64>, %y: memref<?xf64>) -> f64 {
  %two = arith.constant 2.0 : f64
  func.call @double_into(%x, %out) : (memref<?xf64>, memref<?xf64>) -> ()
  memref.copy %x, %y : memref<?xf64> to memref<?xf64>
  %total = func.call @weighted_sum(%x, %two) : (memref<?xf64>, f64) -> f64
  return %total : f64
}
func.func private @double_into(%from: memref<?xf64>, %to: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %from, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %from[%i] : memref<?xf64>
    %d = arith.addf %v, %v : f64
    memref.store %d, %to[%i] : memref<?xf64>
  }
  return
}
// A time loop updating u in place: u <- u + k sin(u), `steps` times; the
// result is sum(u^2). Only the middle of u is written, through a view.
func.func @evolve(%u: memref<?xf64>, %k: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %m = arith.subi %n, %c2 : index
  %inner = memref.subview %u[1] [%m] [1] : memref<?xf64> to memref<?xf64, strided<[1], offset: 1>>
  scf.for %t = %c0 to %steps step %c1 {
    scf.for %i = %c0 to %m step %c1 {
      %v = memref.load %inner[%i] : memref<?xf64, strided<[1], offset: 1>>
      %s = math.sin %v : f64
      %ks = arith.mulf %k, %s : f64
      %w = arith.addf %v, %ks : f64
      memref.store %w, %inner[%i] : memref<?xf64, strided<[1], offset: 1>>
    }
  }
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %v = memref.load %u[%i] : memref<?xf64>
    %sq = arith.mulf %v, %v : f64
    %a = arith.addf %acc, %sq : f64
    scf.yield %a : f64
  }
  return %sum : f64
}
";

/// `--args` takes the JSON inline, from a file (`@FILE`) or from standard
/// input (`-`): arguments larger than a command line allows.
#[test]
fn args_come_from_files_and_standard_input() {
    let file = kernel_file("sum.mlir", BUFFER_KERNELS);
    let file = file.to_str().unwrap();
    // 200,000 numbers: several MB of JSON, far beyond the 128 KiB a single
    // command-line argument may have.
    let n = 200_000;
    let x: Vec<f64> = (0..n).map(|i| (i % 7) as f64 * 0.25).collect();
    let expected: f64 = 3.0 * x.iter().sum::<f64>();
    let text = format!("[{}, 3.0]", serde_json::to_string(&x).unwrap());
    assert!(text.len() > 4 * 128 * 1024, "{} bytes", text.len());
    let path = kernel_file("big_args.json", &text);
    let at_path = format!("@{}", path.display());

    let output = zad_json(&["run", file, "--fn", "weighted_sum", "--args", &at_path]);
    assert_eq!(output["results"][0].as_f64(), Some(expected), "{output}");
    let (ok, stdout, stderr) = zad_with_stdin(&["run", file, "--fn", "weighted_sum", "--args", "-"], &text);
    assert!(ok, "{stderr}");
    let output: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(output["results"][0].as_f64(), Some(expected), "{output}");
    // grad too: d(3 sum x)/dx = 3 everywhere, d/dw = sum x.
    let (ok, stdout, stderr) = zad_with_stdin(&["grad", file, "--fn", "weighted_sum", "--args", "-"], &text);
    assert!(ok, "{stderr}");
    let output: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let gradient = output["gradients"][0].as_array().expect("dJ/dx");
    assert_eq!(gradient.len(), n);
    assert!(gradient.iter().all(|g| g.as_f64() == Some(3.0)));
    assert_eq!(output["gradients"][1].as_f64(), Some(expected / 3.0), "dJ/dw");

    let (ok, _, stderr) = zad(&["run", file, "--fn", "weighted_sum", "--args", "@/no/such/args.json"]);
    assert!(!ok && stderr.contains("--args @/no/such/args.json: cannot read /no/such/args.json"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    let (ok, _, stderr) = zad_with_stdin(&["run", file, "--fn", "weighted_sum", "--args", "-"], "[[1, 2], ");
    assert!(!ok && stderr.contains("--args is not valid JSON"), "{stderr}");
}

/// `run` and `grad` show the final contents of every memref argument the
/// kernel writes, in the argument's position (null elsewhere), the same
/// for both, whether the gradient tapes or checkpoints the time loop.
#[test]
fn buffers_show_what_the_kernel_wrote() {
    let file = kernel_file("buffers.mlir", BUFFER_KERNELS);
    let file = file.to_str().unwrap();

    // Written through a call and by memref.copy; x, only read, is null.
    let output = zad_json(&["run", file, "--fn", "outputs", "--args", "[[1, 2.5], [0, 0], [0, 0]]"]);
    assert_eq!(output["results"], serde_json::json!([7.0]), "{output}");
    assert_eq!(output["buffers"], serde_json::json!([null, [2.0, 5.0], [1.0, 2.5]]), "{output}");
    let output = zad_json(&["run", file, "--fn", "outputs", "--args", "[[1, 2.5], [0, 0], [0, 0]]", "--no-buffers"]);
    assert!(output.get("buffers").is_none(), "{output}");
    // A kernel that writes no argument has no "buffers".
    let output = zad_json(&["run", file, "--fn", "weighted_sum", "--args", "[[1, 2], 2]"]);
    assert_eq!(output, serde_json::json!({"results": [6.0]}));

    // u(T) of a time loop, from the primal's arithmetic in Rust.
    let (u0, k, steps): ([f64; 4], f64, usize) = ([0.1, 0.5, 1.0, 2.0], 0.3, 10);
    let mut u = u0;
    for _ in 0..steps {
        for value in &mut u[1..3] {
            *value += k * value.sin();
        }
    }
    let args = format!("[{}, {k}, {steps}]", serde_json::to_string(&u0).unwrap());
    let expected_u: Vec<f64> = u.to_vec();
    let run = zad_json(&["run", file, "--fn", "evolve", "--args", &args]);
    let buffers = |output: &serde_json::Value| -> Vec<f64> {
        output["buffers"][0].as_array().expect("u(T)").iter().map(|v| v.as_f64().unwrap()).collect()
    };
    for (got, want) in buffers(&run).iter().zip(&expected_u) {
        assert!((got - want).abs() <= 1e-14, "u(T): {:?} vs {expected_u:?}", buffers(&run));
    }
    assert_eq!(run["buffers"][1], serde_json::Value::Null);
    assert_eq!(run["buffers"][2], serde_json::Value::Null);
    let taped = zad_json(&["grad", file, "--fn", "evolve", "--args", &args]);
    let checkpointed =
        zad_json(&["grad", file, "--fn", "evolve", "--args", &args, "--checkpoint", "0", "--snapshots", "2"]);
    for gradient in [&taped, &checkpointed] {
        assert_eq!(gradient["buffers"], run["buffers"], "grad shows what run shows");
        assert_eq!(gradient["results"], run["results"]);
    }
    assert!(taped["gradients"][0].is_array() && taped["gradients"][1].is_number(), "{taped}");
}

const LAYOUT_KERNELS: &str = "\
// Fortran-order matrices: a[i][j] of the JSON is element (i, j).
func.func @pick(%a: memref<?x?xf64, strided<[1, ?]>>, %i: index, %j: index) -> f64 {
  %v = memref.load %a[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
  return %v : f64
}
// a(i, j) = 10 i + j, written in memory order (i fastest).
func.func @number(%a: memref<?x?xf64, strided<[1, ?]>>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %ten = arith.constant 10.0 : f64
  %rows = memref.dim %a, %c0 : memref<?x?xf64, strided<[1, ?]>>
  %columns = memref.dim %a, %c1 : memref<?x?xf64, strided<[1, ?]>>
  scf.for %j = %c0 to %columns step %c1 {
    scf.for %i = %c0 to %rows step %c1 {
      %ii = arith.index_cast %i : index to i64
      %jj = arith.index_cast %j : index to i64
      %fi = arith.sitofp %ii : i64 to f64
      %fj = arith.sitofp %jj : i64 to f64
      %t = arith.mulf %fi, %ten : f64
      %v = arith.addf %t, %fj : f64
      memref.store %v, %a[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
    }
  }
  return
}
// sum over (i, j, k) of (i + 2 j + 3 k + 1) a(i, j, k), Fortran order, f32.
func.func @moment(%a: memref<?x?x?xf32, strided<[1, ?, ?]>>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f32
  %n0 = memref.dim %a, %c0 : memref<?x?x?xf32, strided<[1, ?, ?]>>
  %n1 = memref.dim %a, %c1 : memref<?x?x?xf32, strided<[1, ?, ?]>>
  %n2 = memref.dim %a, %c2 : memref<?x?x?xf32, strided<[1, ?, ?]>>
  %s = scf.for %i = %c0 to %n0 step %c1 iter_args(%s0 = %zero) -> f32 {
    %t = scf.for %j = %c0 to %n1 step %c1 iter_args(%s1 = %s0) -> f32 {
      %u = scf.for %k = %c0 to %n2 step %c1 iter_args(%s2 = %s1) -> f32 {
        %j2 = arith.muli %j, %c2 : index
        %k3 = arith.muli %k, %c2 : index
        %k3b = arith.addi %k3, %k : index
        %w0 = arith.addi %i, %j2 : index
        %w1 = arith.addi %w0, %k3b : index
        %w = arith.addi %w1, %c1 : index
        %wi = arith.index_cast %w : index to i64
        %wf = arith.sitofp %wi : i64 to f32
        %v = memref.load %a[%i, %j, %k] : memref<?x?x?xf32, strided<[1, ?, ?]>>
        %p = arith.mulf %v, %wf : f32
        %n = arith.addf %s2, %p : f32
        scf.yield %n : f32
      }
      scf.yield %u : f32
    }
    scf.yield %t : f32
  }
  return %s : f32
}
// Two arrays whose static size ties them.
func.func @dot3(%x: memref<3xf64>, %y: memref<3xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %a = memref.load %x[%c0] : memref<3xf64>
  %b = memref.load %y[%c0] : memref<3xf64>
  %p = arith.mulf %a, %b : f64
  return %p : f64
}
func.func @rows(%m: memref<?x3xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %v = memref.load %m[%c0, %c0] : memref<?x3xf64>
  return %v : f64
}
";

/// A memref in Fortran order (`strided<[1, ?]>`) takes JSON nested in its
/// own index order, and its buffers and gradients come back the same way.
#[test]
fn fortran_order_arrays_are_nested_in_index_order() {
    let file = kernel_file("layouts.mlir", LAYOUT_KERNELS);
    let file = file.to_str().unwrap();
    let matrix = "[[1, 2, 3], [4, 5, 6]]";
    for (i, j, expected) in [(0, 2, 3.0), (1, 0, 4.0), (1, 2, 6.0), (0, 0, 1.0)] {
        let output = zad_json(&["run", file, "--fn", "pick", "--args", &format!("[{matrix}, {i}, {j}]")]);
        assert_eq!(output["results"][0].as_f64(), Some(expected), "a[{i}][{j}]: {output}");
    }
    let output = zad_json(&["run", file, "--fn", "number", "--args", "[[[0, 0, 0], [0, 0, 0]]]"]);
    assert_eq!(output["buffers"], serde_json::json!([[[0.0, 1.0, 2.0], [10.0, 11.0, 12.0]]]), "{output}");
    // The gradient of a(i, j) with respect to a is 1 at (i, j).
    let output = zad_json(&["grad", file, "--fn", "pick", "--args", &format!("[{matrix}, 1, 2]")]);
    assert_eq!(output["gradients"][0], serde_json::json!([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), "{output}");

    // 3-D, f32: 2 x 3 x 2, a(i, j, k) = 1 everywhere but a(1, 2, 0) = 2.
    let mut a = vec![vec![vec![1.0; 2]; 3]; 2];
    a[1][2][0] = 2.0;
    let args = format!("[{}]", serde_json::to_string(&a).unwrap());
    let weights: f64 = (0..2).flat_map(|i| (0..3).flat_map(move |j| (0..2).map(move |k| (i + 2 * j + 3 * k + 1) as f64))).sum();
    let output = zad_json(&["run", file, "--fn", "moment", "--args", &args]);
    assert_eq!(output["results"][0].as_f64(), Some(weights + (1 + 4 + 1) as f64), "{output}");
    let output = zad_json(&["grad", file, "--fn", "moment", "--args", &args]);
    assert_eq!(output["gradients"][0][1][2][1].as_f64(), Some((1 + 4 + 3 + 1) as f64), "{output}");
    assert_eq!(output["gradients"][0][0][1][0].as_f64(), Some(3.0), "{output}");
}

/// Arrays whose lengths the signature ties (static sizes) must agree with
/// it; a bad argument is named as the user wrote it, and errors stay one
/// line without names zad made up.
#[test]
fn arrays_the_signature_ties_must_agree() {
    let file = kernel_file("ties.mlir", LAYOUT_KERNELS);
    let file = file.to_str().unwrap();
    let cases: [(&[&str], &[&str]); 6] = [
        (
            &["run", file, "--fn", "dot3", "--args", "[[1, 2, 3], [1, 2]]"],
            &["@dot3: argument 2 (%y) must be memref<3xf64>", "dimension 0 has 2 elements, the type says 3"],
        ),
        (
            &["grad", file, "--fn", "dot3", "--args", "[[1, 2, 3, 4], [1, 2, 3]]"],
            &["@dot3: argument 1 (%x)", "dimension 0 has 4 elements, the type says 3"],
        ),
        (
            &["run", file, "--fn", "rows", "--args", "[[[1, 2, 3], [4, 5]]]"],
            &["argument 1 (%m)", "ragged array"],
        ),
        (
            &["run", file, "--fn", "rows", "--args", "[[[1, 2], [4, 5]]]"],
            &["argument 1 (%m)", "dimension 1 has 2 elements, the type says 3"],
        ),
        (
            &["grad", file, "--fn", "pick", "--args", "[[[1, 2]], 0]"],
            &["@pick takes 3 arguments (%a: memref<?x?xf64, strided<[1, ?]>>, %i: index, %j: index)", "--args has 2"],
        ),
        (
            &["run", file, "--fn", "pick", "--args", "[[[1, 2]], 0, 0.5]"],
            &["@pick: argument 3 (%j) must be index: expected an integer, got 0.5"],
        ),
    ];
    for (args, expected) in cases {
        let (ok, stdout, stderr) = zad(args);
        assert!(!ok && stdout.is_empty(), "{args:?} should fail: {stdout}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        for text in expected {
            assert!(stderr.contains(text), "{args:?}: expected {text:?} in {stderr}");
        }
        assert!(!stderr.contains("__zad") && !stderr.contains("ciface"), "{args:?}: {stderr}");
    }
}
