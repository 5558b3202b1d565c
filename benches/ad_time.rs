//! `make bench`: how the time to differentiate grows with kernel size
//! (issue 9, item 17): chains of N calls and nests of N loops, N = 250, 500
//! and 1000. For each: the time to build the adjoint (`adjoint_text`: AD and
//! the canonicalization of its output) and the time to a compiled gradient
//! (AD, lowering and LLVM's JIT at -O3).
//!
//! The nests are deliberately absurd (a loop inside a loop, 1000 deep): they
//! show which stage grows faster than the kernel. Times are single runs.

use std::time::Instant;
use zad::{Activity, Context, Module};

/// `@f0` calls `@f1` ... calls `@f{n-1}`, each `x -> sin(x) * x`.
fn chain(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        let last = if i + 1 < n {
            format!("%r = func.call @f{}(%z) : (f64) -> f64", i + 1)
        } else {
            "%r = arith.addf %z, %x : f64".to_string()
        };
        text.push_str(&format!(
            "func.func @f{i}(%x: f64) -> f64 {{\n  %y = math.sin %x : f64\n  %z = arith.mulf %y, %x : f64\n  {last}\n  return %r : f64\n}}\n"
        ));
    }
    text
}

/// `@f`: n loops nested in one another, carrying x to a sine at the centre.
fn nest(n: usize) -> String {
    let mut text = String::from(
        "func.func @f(%x: f64, %n: index) -> f64 {\n  %c0 = arith.constant 0 : index\n  %c1 = arith.constant 1 : index\n",
    );
    let mut carried = "%x".to_string();
    for i in 0..n {
        text.push_str(&format!("  %r{i} = scf.for %i{i} = %c0 to %n step %c1 iter_args(%a{i} = {carried}) -> (f64) {{\n"));
        carried = format!("%a{i}");
    }
    text.push_str(&format!("  %s = math.sin {carried} : f64\n"));
    let mut inner = "%s".to_string();
    for i in (0..n).rev() {
        text.push_str(&format!("  scf.yield {inner} : f64\n  }}\n"));
        inner = format!("%r{i}");
    }
    text.push_str(&format!("  return {inner} : f64\n}}\n"));
    text
}

fn seconds(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

fn main() {
    println!("{:<12} {:>6} {:>12} {:>16}", "kernel", "N", "adjoint (s)", "compiled (s)");
    for (label, function, make, activity) in [
        ("call chain", "f0", chain as fn(usize) -> String, &[Activity::Active][..]),
        ("loop nest", "f", nest as fn(usize) -> String, &[Activity::Active, Activity::Const][..]),
    ] {
        for n in [250, 500, 1000] {
            let context = Context::new().expect("context");
            let module = Module::parse(&context, &make(n), "generated.mlir").expect("parse");
            let start = Instant::now();
            module.adjoint_text(function, activity).expect("adjoint");
            let adjoint = seconds(start);
            // The compiled gradient of the nest grows past minutes with
            // LLVM's loop passes at -O3: measured up to 500 deep.
            let compiled = if label == "loop nest" && n > 500 {
                "(skipped)".to_string()
            } else {
                let start = Instant::now();
                module.gradient(function, activity).expect("gradient");
                format!("{:.2}", seconds(start))
            };
            println!("{label:<12} {n:>6} {adjoint:>12.2} {compiled:>16}");
        }
    }
}
