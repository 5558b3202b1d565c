//! `make bench`: the cost of checkpointing a long time loop, on the
//! flagship kernel (benches/kernels/heat2d.mlir: explicit 2-D heat
//! equation, 100 x 100 grid, 10^4 steps), measured side by side in one run.
//!
//! For s snapshots (binomial, revolve) the gradient runs p(n, s) plain
//! steps (`optimal_advances`: the forward sweep and the recomputations) and
//! reverses each of the n steps once, taped: a step's turn costs what a step
//! of the fully taped gradient costs, R primal steps (measured on a taped
//! run short enough to fit in memory). So
//!
//!   checkpointed gradient / primal  <=  1 + p(n, s) / n + R,
//!
//! the 1 covering the copies of snapshots in and out and the rebuild of
//! the last state (p(n, s) already includes the forward sweep's n - 1
//! steps). The table prints the measured ratio next to that bound, with
//! the forward steps zad counted and the peak memory of snapshots and tape.

use std::{ffi::c_void, hint::black_box, path::PathBuf, time::Instant};
use zad::{
    Activity, Args, CheckpointScheme, CompiledFunction, Context, GradientOptions, Module, Scalar,
    checkpoint::optimal_advances,
    exec::{take_checkpoint_stats, take_tape_peak},
};

/// Grid points per side and time steps of the checkpointed runs.
const N: usize = 100;
const STEPS: usize = 10_000;
/// Steps of the fully taped run that measures R (its tape is ~77 kB a step).
const TAPED_STEPS: usize = 1_000;
const SNAPSHOTS: [usize; 4] = [5, 10, 20, 50];

/// Seconds of one run of `body`.
fn seconds(body: impl FnOnce()) -> f64 {
    let start = Instant::now();
    body();
    start.elapsed().as_secs_f64()
}

/// The median of `samples`.
fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Median over `rounds` of (time of `measured`, time of `primal`, their
/// ratio), the two run back to back in each round so that both see the
/// same machine (these machines are noisy).
fn paired(rounds: usize, mut measured: impl FnMut(), mut primal: impl FnMut()) -> (f64, f64, f64) {
    let (mut times, mut primals, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let p = seconds(&mut primal);
        let t = seconds(&mut measured);
        times.push(t);
        primals.push(p);
        ratios.push(t / p);
    }
    (median(times), median(primals), median(ratios))
}

/// The problem of heat2d_adjoint.f90: a blob, observations, kappa, dt, h.
struct Problem {
    u0: Vec<f64>,
    obs: Vec<f64>,
    kappa: f64,
    dt: f64,
    h: f64,
}

impl Problem {
    fn new() -> Problem {
        let h = 1.0 / (N - 1) as f64;
        let t_final = 0.02;
        let (width2, spread2) = (0.01, 0.01 + 2.0 * t_final);
        let mut u0 = vec![0.0; N * N];
        let mut obs = vec![0.0; N * N];
        for j in 0..N {
            for i in 0..N {
                let (x, y) = (i as f64 * h, j as f64 * h);
                let interior = i > 0 && j > 0 && i < N - 1 && j < N - 1;
                // Column-major, as Fortran holds it: element (i, j) at i + N j.
                if interior {
                    u0[i + N * j] = (-((x - 0.5).powi(2) + (y - 0.5).powi(2)) / (2.0 * width2)).exp();
                }
                obs[i + N * j] =
                    width2 / spread2 * (-((x - 0.55).powi(2) + (y - 0.45).powi(2)) / (2.0 * spread2)).exp();
            }
        }
        Problem { u0, obs, kappa: 0.8, dt: t_final / 100_000.0, h }
    }

    /// Calls `function` (the primal, or a gradient when `shadow` is given)
    /// for `steps` steps; returns J.
    fn call(&self, function: &CompiledFunction, steps: usize, shadow: Option<&mut Vec<f64>>) -> f64 {
        let mut u0 = self.u0.clone();
        let mut obs = self.obs.clone();
        let (shape, strides) = ([N as i64, N as i64], [1i64, N as i64]);
        let mut args = Args::new();
        let push = |args: &mut Args, data: &mut Vec<f64>| {
            // SAFETY: `data` holds N x N elements, column-major, and
            // outlives the call below.
            unsafe { args.push_array(Scalar::F64, data.as_mut_ptr() as *mut c_void, &shape, Some(&strides)) }
                .expect("array");
        };
        push(&mut args, &mut u0);
        if let Some(shadow) = shadow {
            shadow.iter_mut().for_each(|value| *value = 0.0);
            push(&mut args, shadow);
        }
        args.push_f64(self.kappa);
        push(&mut args, &mut obs);
        args.push_f64(self.dt).push_f64(self.h).push_index(steps as i64);
        function.call(&mut args).expect("the kernel runs");
        let value = args.results()[0].as_f64().expect("J");
        black_box(&args);
        value
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("benches/kernels/heat2d.mlir");
    let text = std::fs::read_to_string(&path).expect("heat2d.mlir");
    let line = text.lines().position(|l| l.contains("scf.for") && l.contains("// time loop")).expect("marked loop") + 1;
    let context = Context::new().expect("context");
    let module = Module::load(&context, &path).expect("the kernel loads");
    let activity =
        [Activity::Dup, Activity::Active, Activity::Const, Activity::Const, Activity::Const, Activity::Const];
    let problem = Problem::new();
    let primal = module.function("heat2d").expect("primal compiles");
    let taped = module.gradient("heat2d", &activity).expect("gradient compiles");
    let mut shadow = vec![0.0; N * N];
    let state_bytes = (8 * N * N) as u64;

    // R: the fully taped gradient over TAPED_STEPS steps vs the primal.
    take_tape_peak();
    let (_, _, ratio_taped) = paired(
        5,
        || {
            problem.call(&taped, TAPED_STEPS, Some(&mut shadow));
        },
        || {
            problem.call(&primal, TAPED_STEPS, None);
        },
    );
    let taped_tape = take_tape_peak();
    let reference = problem.call(&primal, STEPS, None);

    println!(
        "checkpointed gradients, heat2d.mlir: {N} x {N} grid, n = {STEPS} steps, state {} \
         (medians of back-to-back runs)",
        megabytes(state_bytes)
    );
    println!(
        "  fully taped gradient of {TAPED_STEPS} steps: {:.2} x its primal (R), tape {} (n steps would need {})",
        ratio_taped,
        megabytes(taped_tape),
        megabytes(taped_tape / TAPED_STEPS as u64 * STEPS as u64)
    );
    println!(
        "  {:>10} {:>9} {:>7} {:>10} {:>11} {:>9} {:>8} {:>13} {:>15} {:>10}",
        "snapshots",
        "p(n,s)",
        "p/n",
        "fwd steps",
        "gradient",
        "primal",
        "ratio",
        "1 + p/n + R",
        "peak snapshots",
        "peak tape"
    );
    let mut rows: Vec<(f64, f64)> = Vec::new();
    let budget = 50_000_000usize;
    let schemes: Vec<(String, CheckpointScheme, usize)> = SNAPSHOTS
        .iter()
        .map(|&s| (s.to_string(), CheckpointScheme::Snapshots(s), s))
        .chain(std::iter::once((
            format!("50 MB={}", budget / state_bytes as usize),
            CheckpointScheme::Budget(budget),
            budget / state_bytes as usize,
        )))
        .collect();
    for (label, scheme, s) in schemes {
        let options = GradientOptions { loops: vec![(Some(line), scheme)], checkpointed_calls: vec![] };
        let gradient = module.gradient_with("heat2d", &activity, &options).expect("checkpointed gradient compiles");
        let mut value = 0.0;
        take_checkpoint_stats();
        take_tape_peak();
        let runs = 3;
        let (time, primal_time, ratio) = paired(
            runs,
            || {
                value = problem.call(&gradient, STEPS, Some(&mut shadow));
            },
            || {
                problem.call(&primal, STEPS, None);
            },
        );
        let stats = take_checkpoint_stats();
        let tape = take_tape_peak();
        assert!((value - reference).abs() <= 1e-12 * reference.abs(), "the gradient's J differs from the primal's");
        assert_eq!(stats.reversed_steps, (runs * STEPS) as u64, "every step reversed once per run");
        let p = optimal_advances(STEPS, s);
        let p_over_n = p as f64 / STEPS as f64;
        let bound = 1.0 + p_over_n + ratio_taped;
        let forward = stats.forward_steps / runs as u64;
        println!(
            "  {:>10} {:>9} {:>7.2} {:>10} {:>8.0} ms {:>6.1} ms {:>7.2}x {:>12.2}x {:>15} {:>10}{}",
            label,
            p,
            p_over_n,
            forward,
            time * 1e3,
            primal_time * 1e3,
            ratio,
            bound,
            megabytes(stats.peak_snapshot_bytes),
            megabytes(tape),
            if ratio <= bound { "" } else { "  (above the bound)" }
        );
        rows.push((forward as f64 / STEPS as f64, ratio));
    }
    // Where the time goes: ratio = a fwd/n + b by least squares over the
    // rows, a the cost of a plain step of the checkpointed loop and b that
    // of a turn (a taped step, its adjoint, the restore before it), both in
    // primal steps.
    let count = rows.len() as f64;
    let (mean_x, mean_y) =
        (rows.iter().map(|r| r.0).sum::<f64>() / count, rows.iter().map(|r| r.1).sum::<f64>() / count);
    let sxy: f64 = rows.iter().map(|(x, y)| (x - mean_x) * (y - mean_y)).sum();
    let sxx: f64 = rows.iter().map(|(x, _)| (x - mean_x) * (x - mean_x)).sum();
    let a = sxy / sxx;
    let b = mean_y - a * mean_x;
    println!(
        "  least squares over the rows: ratio = {a:.2} x fwd steps / n + {b:.2}: a plain step costs {a:.2} primal \
         steps, a turn {b:.2} (a step of the fully taped gradient: R = {ratio_taped:.2})"
    );
}
