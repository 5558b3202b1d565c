//! What several benches share (`mod common;` in each): timing, and the
//! inputs of the gradient-bench kernels (benches/kernels: sum_sin, heat,
//! lorenz96), so that benches quoting each other's ratios run the same
//! problems. Not a bench itself (cargo only takes `benches/*.rs`).

#![allow(dead_code)] // each bench uses what it needs

use std::time::Instant;
use zad::Args;

/// Median seconds of `runs` runs of `body`.
pub fn median(runs: usize, mut body: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            body();
            start.elapsed().as_secs_f64()
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[runs / 2]
}

/// The inputs of the gradient-bench kernels.
pub struct KernelInputs {
    /// sum_sin's x: 10^6 values in [-0.5, 0.5).
    pub sum_x: Vec<f64>,
    /// heat's initial state (a sine arch over 10^3 points) and observations.
    pub heat_u0: Vec<f64>,
    pub heat_obs: Vec<f64>,
    /// lorenz96's initial state: n = 40, 8 everywhere, perturbed at 0.
    pub lorenz_x: Vec<f64>,
}

impl KernelInputs {
    pub fn new() -> KernelInputs {
        let sum_x = (0..1_000_000).map(|i| ((i % 1000) as f64) * 1e-3 - 0.5).collect();
        let n_heat = 1000;
        let heat_u0: Vec<f64> =
            (0..n_heat).map(|i| (std::f64::consts::PI * i as f64 / (n_heat - 1) as f64).sin()).collect();
        let heat_obs = heat_u0.iter().map(|v| 0.9 * v).collect();
        let lorenz_x = (0..40).map(|i| 8.0 + if i == 0 { 0.01 } else { 0.0 }).collect();
        KernelInputs { sum_x, heat_u0, heat_obs, lorenz_x }
    }
}

/// Pushes a kernel's arguments: (list, arrays, shadows, gradient?), each
/// 'dup' array followed by its shadow when `gradient`.
pub type PushArgs = for<'a> fn(&mut Args<'a>, &'a mut [Vec<f64>], &'a mut [Vec<f64>], bool);

/// heat(u0 (dup), r = 0.25, obs, steps = 1000) of benches/kernels/heat.mlir.
pub fn push_heat<'a>(args: &mut Args<'a>, arrays: &'a mut [Vec<f64>], shadows: &'a mut [Vec<f64>], gradient: bool) {
    let n = arrays[0].len() as i64;
    let [u0, obs] = arrays else { panic!("heat takes u0 and obs") };
    args.push_slice_f64(u0, &[n]).unwrap();
    if gradient {
        args.push_slice_f64(&mut shadows[0], &[n]).unwrap();
    }
    args.push_f64(0.25).push_slice_f64(obs, &[n]).unwrap().push_index(1000);
}

/// lorenz96(x0 (dup), F = 8, dt = 0.005, steps = 10^4) of
/// benches/kernels/lorenz96.mlir.
pub fn push_lorenz96<'a>(args: &mut Args<'a>, arrays: &'a mut [Vec<f64>], shadows: &'a mut [Vec<f64>], gradient: bool) {
    push_array(args, arrays, shadows, gradient);
    args.push_f64(8.0).push_f64(0.005).push_index(10_000);
}

/// The one array of a kernel (dup), and its shadow.
pub fn push_array<'a>(args: &mut Args<'a>, arrays: &'a mut [Vec<f64>], shadows: &'a mut [Vec<f64>], gradient: bool) {
    let n = arrays[0].len() as i64;
    args.push_slice_f64(&mut arrays[0], &[n]).unwrap();
    if gradient {
        args.push_slice_f64(&mut shadows[0], &[n]).unwrap();
    }
}
