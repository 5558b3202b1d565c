//! `make bench`: the gradient of a parallel kernel on 1 and 2 threads,
//! beside the primal's speed-up on the same threads.
//!
//! Kernel (benches/kernels/heat_2d_parallel.mlir): STEPS steps of a 2-D
//! heat equation on an N × N grid (a parallel five-point stencil with a
//! nonlinear source, a parallel copy), then a parallel sum. Its gradient's
//! reverse sweep is parallel too (see README, "Derivatives of parallel
//! loops"): neighbour adjoints are gathered, the coefficient's
//! adjoint summed by a reduction, the state of each step taped by
//! iteration. Bounds checks off (a parallel loop holding one runs on one
//! thread). The gradients on 1 and 2 threads must agree.
//!
//! ZAD_BENCH_THREADS=1,2,4 names other thread counts.
//!
//! Then the CUDA target (`tests/gpu/run` runs this on a GPU machine): the
//! primal with its parallel loops as GPU kernels, the gradient with its
//! forward and reverse parallel loops as GPU kernels, both checked against
//! the CPU's results; without a CUDA driver the row says so and the bench
//! goes on.

mod common;

use common::median;
use std::{hint::black_box, path::PathBuf};
use zad::{Activity, Args, CompiledFunction, Context, Module};

const N: usize = 512;
const STEPS: i64 = 8;
const RUNS: usize = 9;

fn initial_grid() -> Vec<f64> {
    (0..N * N).map(|k| ((k % N) as f64 * 0.37 + (k / N) as f64 * 0.11).sin() * 0.5).collect()
}

fn primal(function: &CompiledFunction, grid: &[f64]) -> f64 {
    let mut u = grid.to_vec();
    let mut args = Args::new();
    args.push_slice_f64(&mut u, &[N as i64, N as i64]).expect("u");
    args.push_f64(0.1);
    args.push_index(STEPS);
    function.call(&mut args).expect("the primal runs");
    match args.results().first() {
        Some(zad::Value::F64(x)) => *x,
        other => panic!("unexpected result {other:?}"),
    }
}

/// The gradient with respect to the initial grid and the coefficient.
fn gradient(function: &CompiledFunction, grid: &[f64]) -> (Vec<f64>, f64) {
    let mut u = grid.to_vec();
    let mut shadow = vec![0.0; N * N];
    let coefficient = {
        let mut args = Args::new();
        args.push_slice_f64(&mut u, &[N as i64, N as i64]).expect("u");
        args.push_slice_f64(&mut shadow, &[N as i64, N as i64]).expect("shadow");
        args.push_f64(0.1);
        args.push_index(STEPS);
        function.call(&mut args).expect("the gradient runs");
        match args.results().get(1) {
            Some(zad::Value::F64(x)) => *x,
            other => panic!("unexpected gradient {other:?}"),
        }
    };
    (shadow, coefficient)
}

fn main() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/kernels/heat_2d_parallel.mlir");
    let text = std::fs::read_to_string(&path).expect("the bench kernel");
    let threads: Vec<usize> = std::env::var("ZAD_BENCH_THREADS")
        .ok()
        .map(|list| list.split(',').map(|t| t.trim().parse().expect("a thread count")).collect())
        .unwrap_or_else(|| vec![1, 2]);
    let grid = initial_grid();
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("parallel gradient: 2-D heat, {N} x {N} grid, {STEPS} steps, {cpus} CPUs available, median of {RUNS} runs");
    println!("| threads | primal (ms) | gradient (ms) | gradient ÷ primal | primal speed-up | gradient speed-up |");
    println!("|---|---|---|---|---|---|");
    let mut reference: Option<(Vec<f64>, f64, f64, f64)> = None;
    for &count in &threads {
        let context = Context::new().expect("zad context");
        context.set_check_bounds(false);
        context.set_threads(count).expect("thread count");
        let module = Module::parse(&context, &text, "heat_2d_parallel.mlir").expect("the kernel parses");
        let primal_function = module.function("heat_2d").expect("the primal compiles");
        let gradient_function =
            module.gradient("heat_2d", &[Activity::Dup, Activity::Active, Activity::Const]).expect("the gradient compiles");
        // Warm up (first calls fault pages in and start the thread pool).
        black_box(primal(&primal_function, &grid));
        let (shadow, coefficient) = gradient(&gradient_function, &grid);
        let primal_time = median(RUNS, || {
            black_box(primal(&primal_function, &grid));
        });
        let gradient_time = median(RUNS, || {
            black_box(gradient(&gradient_function, &grid));
        });
        let (primal_speedup, gradient_speedup) = match &reference {
            None => (1.0, 1.0),
            Some((serial_shadow, serial_coefficient, serial_primal, serial_gradient)) => {
                let scale = serial_shadow.iter().fold(1.0f64, |m, x| m.max(x.abs()));
                let worst = shadow.iter().zip(serial_shadow).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
                assert!(worst <= 1e-9 * scale, "the gradient on {count} threads differs from 1 thread's by {worst}");
                assert!((coefficient - serial_coefficient).abs() <= 1e-9 * serial_coefficient.abs().max(1.0));
                (serial_primal / primal_time, serial_gradient / gradient_time)
            }
        };
        println!(
            "| {count} | {:.2} | {:.2} | {:.1} | {primal_speedup:.2} | {gradient_speedup:.2} |",
            primal_time * 1e3,
            gradient_time * 1e3,
            gradient_time / primal_time
        );
        if reference.is_none() {
            reference = Some((shadow, coefficient, primal_time, gradient_time));
        }
    }
    let (serial_shadow, serial_coefficient, serial_primal, _) = reference.expect("at least one thread count");
    cuda_row(&text, &grid, primal(&cpu_primal(&text), &grid), (&serial_shadow, serial_coefficient), serial_primal);
}

/// The primal compiled for the CPU with defaults (its value is the
/// reference for the GPU's).
fn cpu_primal(text: &str) -> CompiledFunction {
    let context = Context::new().expect("zad context");
    context.set_check_bounds(false);
    let module = Module::parse(&context, text, "heat_2d_parallel.mlir").expect("the kernel parses");
    module.function("heat_2d").expect("the primal compiles")
}

/// The row of the CUDA target, or why there is none.
fn cuda_row(text: &str, grid: &[f64], cpu_value: f64, cpu_gradient: (&[f64], f64), serial_primal: f64) {
    let context = Context::new().expect("zad context");
    context.set_check_bounds(false);
    context.set_target("cuda".parse().expect("the cuda target"));
    let module = Module::parse(&context, text, "heat_2d_parallel.mlir").expect("the kernel parses");
    let primal_function = match module.function("heat_2d") {
        Ok(function) => function,
        Err(error) => {
            println!("| cuda | – | – | – | – | – |  ({error})");
            return;
        }
    };
    let gradient_function =
        module.gradient("heat_2d", &[Activity::Dup, Activity::Active, Activity::Const]).expect("the gradient compiles for cuda");
    let value = primal(&primal_function, grid);
    assert!((value - cpu_value).abs() <= 1e-9 * cpu_value.abs().max(1.0), "the GPU's primal {value} differs from the CPU's {cpu_value}");
    let (shadow, coefficient) = gradient(&gradient_function, grid);
    let scale = cpu_gradient.0.iter().fold(1.0f64, |m, x| m.max(x.abs()));
    let worst = shadow.iter().zip(cpu_gradient.0).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(worst <= 1e-9 * scale, "the gradient on the CUDA target differs from the CPU's by {worst}");
    assert!((coefficient - cpu_gradient.1).abs() <= 1e-9 * cpu_gradient.1.abs().max(1.0));
    let primal_time = median(RUNS, || {
        black_box(primal(&primal_function, grid));
    });
    let gradient_time = median(RUNS, || {
        black_box(gradient(&gradient_function, grid));
    });
    let chip = zad::exec::cuda_device_chip().unwrap_or_default();
    println!(
        "| cuda ({chip}) | {:.2} | {:.2} | {:.1} | {:.2} | – |  (primal on the GPU, host arrays staged in and out; gradient's forward and reverse loops on the GPU)",
        primal_time * 1e3,
        gradient_time * 1e3,
        gradient_time / primal_time,
        serial_primal / primal_time
    );
}
