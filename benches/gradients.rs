//! `make bench`: reverse-mode gradient time ÷ primal time, measured side by
//! side in one run, with the peak tape memory of each gradient.
//!
//! Kernels (benches/kernels): sum of sin(x)·x² over 10^6 elements; 1-D heat
//! equation, 10^3 points × 10^3 steps, fully taped; Lorenz-96, n = 40,
//! 10^4 Euler steps. Target: gradient ≤ 3 × primal.

mod common;

use common::median;
use std::{
    hint::black_box,
    path::{Path, PathBuf},
    time::Instant,
};
use zad::{Activity, Args, Context, Module, exec::take_tape_peak};

struct Case {
    name: &'static str,
    file: &'static str,
    function: &'static str,
    activity: Vec<Activity>,
    arrays: Vec<Vec<f64>>,
    /// Pushes the arguments (with shadows after 'dup' arrays when
    /// `gradient`).
    build: common::PushArgs,
}


fn report(case: &Case, root: &Path, context: &Context) {
    let module = Module::load(context, root.join("benches/kernels").join(case.file)).expect("kernel loads");
    let compile = Instant::now();
    let primal = module.function(case.function).expect("primal compiles");
    let primal_compile = compile.elapsed().as_secs_f64();
    let compile = Instant::now();
    let gradient = module.gradient(case.function, &case.activity).expect("gradient compiles");
    let gradient_compile = compile.elapsed().as_secs_f64();
    let mut arrays = case.arrays.clone();
    let mut shadows: Vec<Vec<f64>> = arrays.iter().map(|a| vec![0.0; a.len()]).collect();
    let mut value = 0.0;
    let primal_time = median(7, || {
        let mut args = Args::new();
        (case.build)(&mut args, &mut arrays, &mut shadows, false);
        primal.call(&mut args).expect("primal runs");
        value = args.results()[0].as_f64().unwrap_or_default();
        black_box(&args);
    });
    take_tape_peak();
    let mut gradient_value = 0.0;
    let gradient_time = median(7, || {
        for shadow in shadows.iter_mut() {
            shadow.iter_mut().for_each(|s| *s = 0.0);
        }
        let mut args = Args::new();
        (case.build)(&mut args, &mut arrays, &mut shadows, true);
        gradient.call(&mut args).expect("gradient runs");
        gradient_value = args.results()[0].as_f64().unwrap_or_default();
        black_box(&args);
    });
    let tape = take_tape_peak();
    assert!((value - gradient_value).abs() <= 1e-9 * value.abs().max(1.0), "the gradient's primal result differs");
    println!(
        "  {:<34} {:>10.3} ms {:>10.3} ms {:>7.2}x {:>12} {:>8.0} ms {:>8.0} ms",
        case.name,
        primal_time * 1e3,
        gradient_time * 1e3,
        gradient_time / primal_time,
        human_bytes(tape),
        primal_compile * 1e3,
        gradient_compile * 1e3
    );
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let context = Context::new().expect("context");
    let common::KernelInputs { sum_x: x, heat_u0: u0, heat_obs: obs, lorenz_x: x96 } = common::KernelInputs::new();
    let cases = vec![
        Case {
            name: "sum sin(x) x^2, n = 10^6",
            file: "sum_sin.mlir",
            function: "sum_sin",
            activity: vec![Activity::Dup],
            arrays: vec![x],
            build: common::push_array,
        },
        Case {
            name: "heat 1-D, 10^3 x 10^3 steps, taped",
            file: "heat.mlir",
            function: "heat",
            activity: vec![Activity::Dup, Activity::Active, Activity::Const, Activity::Const],
            arrays: vec![u0, obs],
            build: common::push_heat,
        },
        Case {
            name: "Lorenz-96, n = 40, 10^4 Euler steps",
            file: "lorenz96.mlir",
            function: "lorenz96",
            activity: vec![Activity::Dup, Activity::Active, Activity::Const, Activity::Const],
            arrays: vec![x96],
            build: common::push_lorenz96,
        },
    ];
    println!("reverse-mode gradients (median of 7 runs each, primal and gradient side by side):");
    println!(
        "  {:<34} {:>13} {:>13} {:>8} {:>12} {:>11} {:>11}",
        "kernel", "primal", "gradient", "ratio", "peak tape", "JIT primal", "JIT grad"
    );
    for case in &cases {
        report(case, &root, &context);
    }
}
