//! `make bench`: the cost of calling a compiled kernel through each entry
//! point, and the JIT compile time of the example kernels.
//!
//! Timings are medians over repeated batches, measured side by side in one
//! run (the machines are noisy); compare ratios, not absolute numbers across
//! machines.

use std::{
    ffi::CString,
    hint::black_box,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};
use zad::{Args, Context, Module, ffi};

const TRIVIAL: &str = "func.func @add(%a: f64, %b: f64) -> f64 {
  %c = arith.addf %a, %b : f64
  return %c : f64
}";

/// Median nanoseconds per iteration of `body` over `batches` batches.
fn ns_per_call(batches: usize, iterations: usize, mut body: impl FnMut(usize)) -> f64 {
    let mut samples: Vec<f64> = (0..batches)
        .map(|_| {
            let start = Instant::now();
            for i in 0..iterations {
                body(i);
            }
            start.elapsed().as_nanos() as f64 / iterations as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let context = Context::new().expect("context");
    let module = Module::parse(&context, TRIVIAL, "trivial.mlir").expect("parse");
    let add = module.function("add").expect("compile");
    const N: usize = 2_000_000;

    // SAFETY: @add's C interface is `double (double, double)` (zad.h).
    let raw: extern "C" fn(f64, f64) -> f64 = unsafe { std::mem::transmute(add.raw_pointer()) };
    let raw_ns = ns_per_call(9, N, |i| {
        black_box(raw(black_box(i as f64), 1.0));
    });

    let mut args = Args::new();
    let rust_ns = ns_per_call(9, N, |i| {
        args.clear();
        args.push_f64(i as f64).push_f64(1.0);
        add.call(&mut args).expect("call");
        black_box(args.results());
    });

    // What a C caller does: the same through the exported C functions.
    let (mut c_context, mut c_module, mut c_function, mut c_args) =
        (std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut());
    let source = CString::new(TRIVIAL).unwrap();
    let name = CString::new("add").unwrap();
    assert_eq!(ffi::zad_context_new(&mut c_context), 0);
    assert_eq!(ffi::zad_module_parse(c_context, source.as_ptr(), std::ptr::null(), &mut c_module), 0);
    assert_eq!(ffi::zad_module_function(c_module, name.as_ptr(), &mut c_function), 0);
    assert_eq!(ffi::zad_args_new(&mut c_args), 0);
    let mut result = 0.0f64;
    let c_ns = ns_per_call(9, N, |i| {
        ffi::zad_args_clear(c_args);
        ffi::zad_args_push_f64(c_args, i as f64);
        ffi::zad_args_push_f64(c_args, 1.0);
        ffi::zad_args_result_f64(c_args, &mut result);
        ffi::zad_function_call(c_function, c_args);
        black_box(result);
    });
    assert_eq!(result, (N - 1) as f64 + 1.0, "the C path computed the sum");
    ffi::zad_args_free(c_args);
    ffi::zad_function_free(c_function);
    ffi::zad_module_free(c_module);
    ffi::zad_context_free(c_context);

    println!("call overhead, trivial kernel f64 add (median of 9 batches of {N} calls):");
    println!("  raw function pointer (zad_function_pointer)   {raw_ns:8.1} ns/call   target < 10 ns");
    println!("  generic entry, C ABI (zad_args_* + call)      {c_ns:8.1} ns/call   target < 200 ns");
    println!("  generic entry, Rust API (Args + call)         {rust_ns:8.1} ns/call");
    println!("  generic / raw                                 {:8.1}x", c_ns / raw_ns);

    println!("\nJIT compile time (parse + verify + lower + LLVM -O3), median of 5:");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut kernels: Vec<PathBuf> = ["examples-c", "examples-fortran"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).into_iter().flatten())
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "mlir"))
        .collect();
    kernels.sort();
    for path in &kernels {
        match compile_time(&context, path) {
            Ok(time) => println!("  {:<40} {:8.1} ms", display(&root, path), time.as_secs_f64() * 1e3),
            Err(error) => println!("  {:<40} error: {error}", display(&root, path)),
        }
    }
}

fn display(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// Median time to load and compile every function of the file (one JIT
/// compilation per module), from a fresh module each time.
fn compile_time(context: &Context, path: &Path) -> zad::Result<Duration> {
    let mut samples = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let module = Module::load(context, path)?;
        for name in module.function_names() {
            // Functions whose signature cannot cross the ABI (bad_input.mlir
            // has some on purpose) are not callable, but the module compiles.
            match module.function(&name) {
                Ok(_) | Err(zad::Error::Unsupported(_)) => {}
                Err(error) => return Err(error),
            }
        }
        samples.push(start.elapsed());
    }
    samples.sort();
    Ok(samples[samples.len() / 2])
}
