//! `make bench`: a dense Jacobian by forward mode, vector (W directions
//! per call) against scalar (one direction per call), side by side.
//!
//! Kernel (benches/kernels/dense_map.mlir): y_i = sum_j sin(x_i x_j) /
//! (1 + j) with n = 100, so a 100 × 100 Jacobian of the written y with
//! respect to x: 100 scalar tangent calls, or ceil(100 / W) calls of the
//! width-W tangent, whose directions travel as vectors. The Jacobians must
//! agree; the ratio is scalar time ÷ vector time.

mod common;

use common::median;
use std::{hint::black_box, path::PathBuf, time::Instant};
use zad::{Activity, Args, CompiledFunction, Context, Module};

const N: usize = 100;

/// The Jacobian dy/dx (row-major, N × N) with the width-`width` tangent:
/// column c is the tangent of y along e_c.
fn jacobian(tangent: &CompiledFunction, x: &[f64], width: usize) -> Vec<f64> {
    let mut matrix = vec![0.0; N * N];
    let mut x = x.to_vec();
    let mut y = vec![0.0; N];
    for start in (0..N).step_by(width) {
        let mut dx = vec![vec![0.0; N]; width];
        let mut dy = vec![vec![0.0; N]; width];
        for (lane, direction) in dx.iter_mut().enumerate() {
            if start + lane < N {
                direction[start + lane] = 1.0;
            }
        }
        {
            let mut args = Args::new();
            args.push_slice_f64(&mut x, &[N as i64]).expect("x");
            for direction in dx.iter_mut() {
                args.push_slice_f64(direction, &[N as i64]).expect("dx");
            }
            args.push_slice_f64(&mut y, &[N as i64]).expect("y");
            for tangent in dy.iter_mut() {
                args.push_slice_f64(tangent, &[N as i64]).expect("dy");
            }
            tangent.call(&mut args).expect("the tangent runs");
            black_box(&args);
        }
        for (lane, column) in dy.iter().enumerate().filter(|(lane, _)| start + lane < N) {
            for (row, &value) in column.iter().enumerate() {
                matrix[row * N + start + lane] = value;
            }
        }
    }
    matrix
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let context = Context::new().expect("context");
    let module = Module::load(&context, root.join("benches/kernels/dense_map.mlir")).expect("kernel loads");
    let activity = [Activity::Dup, Activity::Dup];
    let x: Vec<f64> = (0..N).map(|i| 0.5 * ((i as f64) * 0.37).sin()).collect();

    let compile = Instant::now();
    let scalar = module.tangent("dense_map", &activity, 1).expect("the scalar tangent compiles");
    let scalar_compile = compile.elapsed().as_secs_f64();
    let reference = jacobian(&scalar, &x, 1);
    let scalar_time = median(7, || {
        black_box(jacobian(&scalar, &x, 1));
    });

    // The primal alone, for scale: a tangent call costs at least one.
    let primal = module.function("dense_map").expect("the primal compiles");
    let primal_time = median(7, || {
        let (mut x, mut y) = (x.clone(), vec![0.0; N]);
        let mut args = Args::new();
        args.push_slice_f64(&mut x, &[N as i64]).expect("x").push_slice_f64(&mut y, &[N as i64]).expect("y");
        primal.call(&mut args).expect("the primal runs");
        black_box(&args);
    });

    println!("Dense Jacobian of a {N}-input, {N}-output kernel (benches/kernels/dense_map.mlir) by forward mode");
    println!("  one primal call: {:.3} ms", primal_time * 1e3);
    println!("  {:<28} {:>7} {:>12} {:>12} {:>12} {:>14}", "", "calls", "time", "per call", "compile", "scalar/vector");
    println!(
        "  {:<28} {:>7} {:>9.3} ms {:>9.3} ms {:>9.0} ms {:>14}",
        "scalar (W = 1)",
        N,
        scalar_time * 1e3,
        scalar_time * 1e3 / N as f64,
        scalar_compile * 1e3,
        "1.00x"
    );
    for width in [4, 8] {
        let compile = Instant::now();
        let vector = module.tangent("dense_map", &activity, width).expect("the vector tangent compiles");
        let vector_compile = compile.elapsed().as_secs_f64();
        let matrix = jacobian(&vector, &x, width);
        let worst = matrix.iter().zip(&reference).map(|(a, b)| (a - b).abs() / b.abs().max(1.0)).fold(0.0, f64::max);
        assert!(worst <= 1e-12, "the width-{width} Jacobian differs from the scalar one by {worst:e}");
        let vector_time = median(7, || {
            black_box(jacobian(&vector, &x, width));
        });
        println!(
            "  {:<28} {:>7} {:>9.3} ms {:>9.3} ms {:>9.0} ms {:>13.2}x",
            format!("vector (W = {width})"),
            N.div_ceil(width),
            vector_time * 1e3,
            vector_time * 1e3 / N.div_ceil(width) as f64,
            vector_compile * 1e3,
            scalar_time / vector_time
        );
    }
}
