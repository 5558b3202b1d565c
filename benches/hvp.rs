//! `make bench`: Hessian-vector product time (forward over reverse,
//! `Module::hvp`) and gradient time, each ÷ primal time, measured side by
//! side in one run on the kernels of benches/gradients.rs.
//!
//! Kernels (benches/kernels): sum of sin(x)·x² over 10^6 elements; 1-D heat
//! equation misfit, 10^3 points × 10^3 steps, fully taped; Lorenz-96,
//! n = 40, 10^4 Euler steps. Target: HVP ≤ 4 × primal.

mod common;

use common::median;
use std::{hint::black_box, path::PathBuf, time::Instant};
use zad::{Activity, Args, Context, Module};

/// What is called: the primal, its gradient or its HVP.
#[derive(Clone, Copy, PartialEq)]
enum Call {
    Primal,
    Gradient,
    Hvp,
}

/// A case's buffers: the arrays, and per array its shadow, direction and
/// H·v buffer.
struct Buffers {
    arrays: Vec<Vec<f64>>,
    shadows: Vec<Vec<f64>>,
    directions: Vec<Vec<f64>>,
    products: Vec<Vec<f64>>,
}

/// Pushes the arguments of one 'dup' array for `call`.
fn push_array<'a>(args: &mut Args<'a>, call: Call, array: &'a mut [f64], shadow: &'a mut [f64], direction: &'a mut [f64], product: &'a mut [f64]) {
    let n = [array.len() as i64];
    args.push_slice_f64(array, &n).unwrap();
    if call != Call::Primal {
        args.push_slice_f64(shadow, &n).unwrap();
    }
    if call == Call::Hvp {
        args.push_slice_f64(direction, &n).unwrap();
        args.push_slice_f64(product, &n).unwrap();
    }
}

/// Pushes an 'active' scalar (and its direction for the HVP).
fn push_active(args: &mut Args, call: Call, value: f64, direction: f64) {
    args.push_f64(value);
    if call == Call::Hvp {
        args.push_f64(direction);
    }
}

struct Case {
    name: &'static str,
    file: &'static str,
    function: &'static str,
    activity: Vec<Activity>,
    arrays: Vec<Vec<f64>>,
    build: for<'a> fn(&mut Args<'a>, &'a mut Buffers, Call),
}

fn report(case: &Case, module: &Module) {
    let primal = module.function(case.function).expect("primal compiles");
    let gradient = module.gradient(case.function, &case.activity).expect("gradient compiles");
    let compile = Instant::now();
    let hvp = module.hvp(case.function, &case.activity).expect("HVP compiles");
    let hvp_compile = compile.elapsed().as_secs_f64();
    let arrays = case.arrays.clone();
    let zeros: Vec<Vec<f64>> = arrays.iter().map(|a| vec![0.0; a.len()]).collect();
    let directions: Vec<Vec<f64>> = arrays.iter().map(|a| (0..a.len()).map(|i| ((i * 7919) % 13) as f64 / 13.0 - 0.5).collect()).collect();
    let mut buffers = Buffers { arrays, shadows: zeros.clone(), directions, products: zeros };
    let mut time = |call: Call| {
        let function = match call {
            Call::Primal => &primal,
            Call::Gradient => &gradient,
            Call::Hvp => &hvp,
        };
        let mut value = 0.0;
        let seconds = median(7, || {
            for buffer in buffers.shadows.iter_mut().chain(buffers.products.iter_mut()) {
                buffer.iter_mut().for_each(|s| *s = 0.0);
            }
            let mut args = Args::new();
            (case.build)(&mut args, &mut buffers, call);
            function.call(&mut args).expect("runs");
            value = args.results()[0].as_f64().unwrap_or_default();
            black_box(&args);
        });
        (seconds, value)
    };
    let (primal_time, value) = time(Call::Primal);
    let (gradient_time, gradient_value) = time(Call::Gradient);
    let (hvp_time, hvp_value) = time(Call::Hvp);
    for other in [gradient_value, hvp_value] {
        assert!((value - other).abs() <= 1e-9 * value.abs().max(1.0), "a derivative's primal result differs");
    }
    println!(
        "  {:<36} {:>10.3} ms {:>10.3} ms {:>7.2}x {:>10.3} ms {:>7.2}x {:>8.0} ms",
        case.name,
        primal_time * 1e3,
        gradient_time * 1e3,
        gradient_time / primal_time,
        hvp_time * 1e3,
        hvp_time / primal_time,
        hvp_compile * 1e3
    );
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
            build: |args, b, call| {
                push_array(args, call, &mut b.arrays[0], &mut b.shadows[0], &mut b.directions[0], &mut b.products[0]);
            },
        },
        Case {
            name: "heat 1-D misfit, 10^3 x 10^3 steps",
            file: "heat.mlir",
            function: "heat",
            activity: vec![Activity::Dup, Activity::Active, Activity::Const, Activity::Const],
            arrays: vec![u0, obs],
            build: |args, b, call| {
                let [u0, obs] = &mut b.arrays[..] else { unreachable!() };
                push_array(args, call, u0, &mut b.shadows[0], &mut b.directions[0], &mut b.products[0]);
                push_active(args, call, 0.25, 0.5);
                let n = obs.len() as i64;
                args.push_slice_f64(obs, &[n]).unwrap().push_index(1000);
            },
        },
        Case {
            name: "Lorenz-96, n = 40, 10^4 Euler steps",
            file: "lorenz96.mlir",
            function: "lorenz96",
            activity: vec![Activity::Dup, Activity::Active, Activity::Const, Activity::Const],
            arrays: vec![x96],
            build: |args, b, call| {
                push_array(args, call, &mut b.arrays[0], &mut b.shadows[0], &mut b.directions[0], &mut b.products[0]);
                push_active(args, call, 8.0, 0.5);
                args.push_f64(0.005).push_index(10_000);
            },
        },
    ];
    println!("Hessian-vector products, forward over reverse (median of 7 runs each, side by side):");
    println!(
        "  {:<36} {:>13} {:>13} {:>8} {:>13} {:>8} {:>11}",
        "kernel", "primal", "gradient", "ratio", "HVP", "ratio", "JIT HVP"
    );
    for case in &cases {
        let module = Module::load(&context, root.join("benches/kernels").join(case.file)).expect("kernel loads");
        report(case, &module);
    }
}
