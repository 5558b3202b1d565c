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
    // Arrays are shown after the call too (kernels may write them).
    assert_eq!(stdout.trim(), r#"{"buffers":[[[1.0,-2.0],[3.0,0.5],[-1.0,2.0]],null],"results":[19.25,6]}"#);

    let (ok, stdout, stderr) = zad(&["run", file, "--fn", "outer", "--args", "[[1, 2], [0.5, -1, 4]]"]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), r#"{"buffers":[[1.0,2.0],[0.5,-1.0,4.0]],"results":[[[0.5,-1.0,4.0],[1.0,-2.0,8.0]]]}"#);

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
