//! Complex numbers and half precision at the ABI (issue: the AD core's
//! element types): complex<f64>/complex<f32> scalars and arrays and
//! f16/bf16 scalars and arrays cross the Rust API and the CLI (a complex
//! number as the JSON pair [re, im]); gradients with respect to complex
//! arguments follow the documented convention df/dx + i df/dy and are
//! checked against central differences of the real and imaginary parts at
//! random points. The C, C++ and Fortran programs over the same kernels
//! are in abi_programs.rs.

use crate::support::{root, run, zad_cli};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::process::Command;
use zad::{Activity, Args, Context, Module, Value};

const KERNELS: &str = "tests/abi/complex_half.mlir";

fn module() -> Module {
    let context = Context::new().unwrap();
    Module::load(&context, root().join(KERNELS)).unwrap()
}

/// @response(z, w, c, h) on a copy of `w` (the kernel writes it).
fn response(module: &Module, z: [f64; 2], w: &[[f64; 2]], c: f64, h: f32) -> f64 {
    let function = module.function("response").unwrap();
    let mut w = w.to_vec();
    let n = w.len() as i64;
    let mut args = Args::new();
    args.push_c64(z[0], z[1]);
    args.push_slice_c64(&mut w, &[n]).unwrap();
    args.push_f64(c).push_f16(h);
    function.call(&mut args).unwrap();
    args.results()[0].as_f64().unwrap()
}

#[test]
fn gradients_with_respect_to_complex_arguments_match_central_differences() {
    let module = module();
    let gradient = module
        .gradient("response", &[Activity::Active, Activity::Dup, Activity::Active, Activity::Const])
        .unwrap();
    let mut rng = StdRng::seed_from_u64(20261206);
    let eps = 1e-6;
    let mut failures = Vec::new();
    for point in 0..4 {
        let n = 1 + point * 2;
        let z = [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)];
        let w: Vec<[f64; 2]> = (0..n).map(|_| [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)]).collect();
        let c = rng.random_range(-1.0..1.0);
        let h = 0.75f32;
        let mut primal_w = w.clone();
        let mut shadow = vec![[0.0; 2]; n];
        let mut args = Args::new();
        args.push_c64(z[0], z[1]);
        args.push_slice_c64(&mut primal_w, &[n as i64]).unwrap();
        args.push_slice_c64(&mut shadow, &[n as i64]).unwrap();
        args.push_f64(c).push_f16(h);
        gradient.call(&mut args).unwrap();
        let results = args.results().to_vec();
        drop(args);
        let Value::C64(dz) = results[1] else { panic!("df/dz is not a complex<f64>: {:?}", results[1]) };
        let mut compare = |got: f64, expected: f64, what: String| {
            if (got - expected).abs() > 1e-6 * expected.abs().max(1.0) {
                failures.push(format!("point {point}: {what}: got {got}, central difference {expected}"));
            }
        };
        for part in 0..2 {
            let (mut plus, mut minus) = (z, z);
            plus[part] += eps;
            minus[part] -= eps;
            let fd = (response(&module, plus, &w, c, h) - response(&module, minus, &w, c, h)) / (2.0 * eps);
            compare(dz[part], fd, format!("df/dz part {part}"));
        }
        for k in 0..n {
            for part in 0..2 {
                let (mut plus, mut minus) = (w.clone(), w.clone());
                plus[k][part] += eps;
                minus[k][part] -= eps;
                let fd = (response(&module, z, &plus, c, h) - response(&module, z, &minus, c, h)) / (2.0 * eps);
                compare(shadow[k][part], fd, format!("df/dw[{k}] part {part}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn complex_and_half_precision_values_round_trip_through_the_rust_api() {
    let module = module();
    let horner = module.function("horner").unwrap();
    let mut a = vec![[1.0f32, 0.0], [0.0, 1.0], [2.0, 0.0]];
    let mut args = Args::new();
    args.push_slice_c32(&mut a, &[3]).unwrap();
    args.push_c32(0.5, 0.5);
    horner.call(&mut args).unwrap();
    assert_eq!(args.results(), &[Value::C32([0.5, 1.5])], "p(z) = 1 + i z + 2 z^2 at z = 0.5 + 0.5i");

    let halves = module.function("halves").unwrap();
    // 1.0, 2.0, 3.5, -0.25 as f16 bits; bf16 scale 0.5.
    let mut x: Vec<u16> = vec![0x3C00, 0x4000, 0x4300, 0xB400];
    let mut args = Args::new();
    args.push_slice_f16(&mut x, &[4]).unwrap();
    args.push_bf16(0.5);
    halves.call(&mut args).unwrap();
    assert_eq!(args.results(), &[Value::F16(3.125)]);
    drop(args);
    assert_eq!(x, vec![0x3800, 0x3C00, 0x3F00, 0xB000], "the f16 array scaled in place");

    // A value of the wrong element type is refused with both types named.
    let mut wrong = vec![1.0f64, 2.0, 3.0];
    let mut args = Args::new();
    args.push_slice_f64(&mut wrong, &[3]).unwrap();
    args.push_c32(0.5, 0.5);
    let error = horner.call(&mut args).unwrap_err().to_string();
    assert!(error.contains("complex<f32>") && error.contains("f64"), "{error}");
}

fn zad(args: &[&str]) -> (bool, String, String) {
    run(Command::new(zad_cli()).args(args).current_dir(root()))
}

#[test]
fn the_cli_takes_complex_numbers_as_pairs_and_half_precision_as_numbers() {
    let (ok, stdout, stderr) = zad(&["run", KERNELS, "--fn", "horner", "--args", "[[[1,0],[0,1],[2,0]], [0.5,0.5]]"]);
    assert!(ok, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["results"], serde_json::json!([[0.5, 1.5]]), "{stdout}");

    // The gradient of re p(z): conj(z^k) for the coefficients, conj(p'(z)) for z.
    let (ok, stdout, stderr) = zad(&["grad", KERNELS, "--fn", "horner", "--args", "[[[1,0],[0,1],[2,0]], [0.5,0.5]]"]);
    assert!(ok, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["gradients"], serde_json::json!([[[1.0, 0.0], [0.5, -0.5], [0.0, -0.5]], [2.0, -3.0]]), "{stdout}");

    let (ok, stdout, stderr) = zad(&["grad", KERNELS, "--fn", "halves", "--args", "[[1, 2, 3.5], 0.5]"]);
    assert!(ok, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["results"], serde_json::json!([3.25]), "{stdout}");
    assert_eq!(json["gradients"], serde_json::json!([[0.5, 0.5, 0.5], 6.5]), "{stdout}");

    for (args, expected) in [
        ("[[[1,0],[0,1],[2,0]], 0.5]", "expected a complex number as [re, im], got 0.5"),
        ("[[1, 2, 3], [0.5, 0.5]]", "expected a complex number as [re, im] at depth 1, got 1"),
        ("[[[1,0,3]], [0.5, 0.5]]", "expected a complex number as [re, im] at depth 1, got [1,0,3]"),
    ] {
        let (ok, stdout, stderr) = zad(&["run", KERNELS, "--fn", "horner", "--args", args]);
        assert!(!ok && stdout.is_empty(), "{args}: {stdout}");
        assert!(stderr.contains(expected) && stderr.lines().count() == 1, "{args}: {stderr}");
    }
}

#[test]
fn forward_mode_of_complex_kernels_and_jacobians_refused_for_them() {
    // p'(z) = i + 4z = 2 + 3i at z = 0.5 + 0.5i: the tangent along dz = 1.
    let (ok, stdout, stderr) =
        zad(&["jvp", KERNELS, "--fn", "horner", "--args", "[[[1,0],[0,1],[2,0]], [0.5,0.5]]", "--tangents", "[null, [1, 0]]"]);
    assert!(ok, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["tangents"], serde_json::json!([[2.0, 3.0]]), "{stdout}");

    let (ok, _, stderr) = zad(&["jacobian", KERNELS, "--fn", "horner", "--args", "[[[1,0],[0,1],[2,0]], [0.5,0.5]]"]);
    assert!(!ok && stderr.contains("zad jacobian takes real arguments and results"), "{stderr}");

    // Half precision is real: its Jacobian is the matrix of the f16 kernel.
    let (ok, stdout, stderr) = zad(&["jacobian", KERNELS, "--fn", "halves", "--args", "[[1, 2, 3], 0.5]"]);
    assert!(ok, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["jacobian"][0], serde_json::json!([0.5, 0.5, 0.5, 6.0]), "{stdout}");
}
