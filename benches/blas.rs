//! `make bench`: the gradient of a kernel whose work is BLAS, against the
//! kernel itself.
//!
//! Kernel (benches/kernels/blas_mlp.mlir): a two-layer dense network's
//! loss, H = X W1 and Y = tanh(H) W2 by dgemm on OpenBLAS, loss = |Y - T|^2,
//! for a batch of 512, 512 inputs, 512 hidden units and 64 outputs; the
//! gradient is with respect to W1 and W2. zad's adjoint of dgemm is two
//! dgemm calls, so the gradient costs about three times the primal (the
//! forward sweep's products, then two per product); the target is at most
//! 3. The ratio is printed as measured (medians of 9 runs, OpenBLAS with
//! its default threads), next to a check of one gradient component
//! against a central finite difference.

mod common;

use common::median;
use std::{hint::black_box, path::PathBuf};
use zad::{Activity, Args, CompiledFunction, Context, Module};

const BATCH: usize = 512;
const INPUTS: usize = 512;
const HIDDEN: usize = 512;
const OUTPUTS: usize = 64;

/// Deterministic values in [-scale, scale).
fn values(count: usize, seed: u64, scale: f64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..count)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            scale * (((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0)
        })
        .collect()
}

struct Data {
    x: Vec<f64>,
    w1: Vec<f64>,
    w2: Vec<f64>,
    t: Vec<f64>,
}

fn loss(primal: &CompiledFunction, data: &mut Data) -> f64 {
    let mut args = Args::new();
    args.push_slice_f64(&mut data.x, &[BATCH as i64, INPUTS as i64]).unwrap();
    args.push_slice_f64(&mut data.w1, &[INPUTS as i64, HIDDEN as i64]).unwrap();
    args.push_slice_f64(&mut data.w2, &[HIDDEN as i64, OUTPUTS as i64]).unwrap();
    args.push_slice_f64(&mut data.t, &[BATCH as i64, OUTPUTS as i64]).unwrap();
    primal.call(&mut args).expect("the primal runs");
    args.results()[0].as_f64().expect("an f64 loss")
}

fn gradient(gradient: &CompiledFunction, data: &mut Data, dw1: &mut [f64], dw2: &mut [f64]) -> f64 {
    dw1.iter_mut().for_each(|v| *v = 0.0);
    dw2.iter_mut().for_each(|v| *v = 0.0);
    let mut args = Args::new();
    args.push_slice_f64(&mut data.x, &[BATCH as i64, INPUTS as i64]).unwrap();
    args.push_slice_f64(&mut data.w1, &[INPUTS as i64, HIDDEN as i64]).unwrap();
    args.push_slice_f64(dw1, &[INPUTS as i64, HIDDEN as i64]).unwrap();
    args.push_slice_f64(&mut data.w2, &[HIDDEN as i64, OUTPUTS as i64]).unwrap();
    args.push_slice_f64(dw2, &[HIDDEN as i64, OUTPUTS as i64]).unwrap();
    args.push_slice_f64(&mut data.t, &[BATCH as i64, OUTPUTS as i64]).unwrap();
    gradient.call(&mut args).expect("the gradient runs");
    args.results()[0].as_f64().expect("an f64 loss")
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let context = Context::new().expect("context");
    let module = Module::load(&context, root.join("benches/kernels/blas_mlp.mlir")).expect("kernel loads");
    let primal = module.function("mlp_loss").expect("the primal compiles");
    let activity = [Activity::Const, Activity::Dup, Activity::Dup, Activity::Const];
    let compiled = module.gradient("mlp_loss", &activity).expect("the gradient compiles");

    let mut data = Data {
        x: values(BATCH * INPUTS, 1, 1.0),
        w1: values(INPUTS * HIDDEN, 2, 1.0 / (INPUTS as f64).sqrt()),
        w2: values(HIDDEN * OUTPUTS, 3, 1.0 / (HIDDEN as f64).sqrt()),
        t: values(BATCH * OUTPUTS, 4, 1.0),
    };
    let mut dw1 = vec![0.0; INPUTS * HIDDEN];
    let mut dw2 = vec![0.0; HIDDEN * OUTPUTS];

    // One component of each gradient against a central difference.
    let value = loss(&primal, &mut data);
    let gradient_value = gradient(&compiled, &mut data, &mut dw1, &mut dw2);
    assert!((value - gradient_value).abs() <= 1e-9 * value.abs(), "the gradient's loss differs from the primal's");
    for (which, index) in [(1, 7 * HIDDEN + 3), (2, 5 * OUTPUTS + 11)] {
        // The loss sums 32768 squares: smaller steps drown in its rounding.
        let h = 1e-3;
        let weight = |data: &mut Data, value: f64| {
            if which == 1 { data.w1[index] = value } else { data.w2[index] = value }
        };
        let original = if which == 1 { data.w1[index] } else { data.w2[index] };
        weight(&mut data, original + h);
        let plus = loss(&primal, &mut data);
        weight(&mut data, original - h);
        let minus = loss(&primal, &mut data);
        weight(&mut data, original);
        let fd = (plus - minus) / (2.0 * h);
        let got = if which == 1 { dw1[index] } else { dw2[index] };
        assert!((got - fd).abs() <= 1e-6 * fd.abs().max(1.0), "dloss/dW{which}[{index}]: zad {got}, finite difference {fd}");
    }

    let primal_time = median(9, || {
        black_box(loss(&primal, &mut data));
    });
    let gradient_time = median(9, || {
        black_box(gradient(&compiled, &mut data, &mut dw1, &mut dw2));
    });
    println!("BLAS-backed gradient: two-layer dense network, batch {BATCH}, {INPUTS} -> {HIDDEN} (tanh) -> {OUTPUTS}, dgemm on OpenBLAS");
    println!("  primal   {:>9.3} ms", primal_time * 1e3);
    println!("  gradient {:>9.3} ms  (d/dW1 and d/dW2; checked against central differences)", gradient_time * 1e3);
    let ratio = gradient_time / primal_time;
    println!("  gradient / primal = {ratio:.2} (target <= 3){}", if ratio <= 3.0 { "" } else { ": ABOVE TARGET" });
}
