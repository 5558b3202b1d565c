//! Parallel loops (`scf.parallel`): the kernels of `tests/parallel/` (one per
//! file, checks as directive comments in the syntax of `tests/kernels/`,
//! expected values replayed serially by `tests/parallel/authoring/
//! expected.py`) run on 1, 2 and 3 threads; their PTX for the CUDA target;
//! the CUDA target without a driver; the thread count; the CLI.
//!
//! On a machine with an NVIDIA driver and GPU the CUDA test runs every
//! kernel on the GPU instead of checking the "no CUDA driver" error (see
//! also `tests/gpu/run`).

use crate::kernels::{check_source, parse_spec, relative};
use crate::support::{assert_enough_files, assert_no_failures, files_in, root, run, selected, zad_cli};
use std::process::Command;
use zad::{Args, Context, Error, Module, Stage, Target};

const PARALLEL_DIR: &str = "tests/parallel";
const MIN_PARALLEL_FILES: usize = 10;

fn context(threads: usize, target: &str) -> Context {
    let context = Context::new().expect("zad context");
    context.set_threads(threads).expect("thread count");
    context.set_target(target.parse().expect("target"));
    context
}

fn parallel_files() -> Vec<(String, String)> {
    let files = files_in(PARALLEL_DIR, "mlir");
    assert_enough_files(&files, MIN_PARALLEL_FILES, PARALLEL_DIR);
    files
        .iter()
        .filter(|path| selected(path))
        .map(|path| (relative(path), std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))))
        .collect()
}

/// Runs every check of every file with `context`; failures are labelled
/// with `label`.
fn check_all(context: &Context, label: &str, failures: &mut Vec<String>) -> usize {
    let mut runs = 0;
    for (name, text) in parallel_files() {
        let outcome = check_source(context, &name, &text);
        runs += outcome.runs;
        failures.extend(outcome.failures.into_iter().map(|failure| format!("{label}: {failure}")));
    }
    runs
}

#[test]
fn parallel_kernels_match_the_serial_values_on_1_2_and_3_threads() {
    let mut failures = Vec::new();
    let mut runs = 0;
    for threads in [1, 2, 3] {
        runs += check_all(&context(threads, "cpu"), &format!("{threads} threads"), &mut failures);
    }
    assert_no_failures(&failures, "parallel kernel", &format!("{runs} runs"));
}

/// One kernel per file (so that gradients can reuse them one by one), a
/// leading comment, checks, and a parallel loop in the kernel.
#[test]
fn parallel_kernel_files_have_one_kernel_and_checks() {
    let mut problems = Vec::new();
    for (name, text) in parallel_files() {
        if !text.starts_with("//") {
            problems.push(format!("{name}: does not start with a comment saying what it covers"));
        }
        let functions: Vec<&str> = text
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix("func.func @"))
            .map(|rest| rest.split('(').next().unwrap_or(""))
            .collect();
        if functions.len() != 1 {
            problems.push(format!("{name}: defines {} functions ({functions:?}); one kernel per file", functions.len()));
        }
        if !text.contains("scf.parallel") {
            problems.push(format!("{name}: has no scf.parallel"));
        }
        match parse_spec(&text) {
            Ok(spec) if spec.runs.is_empty() => problems.push(format!("{name}: no RUN")),
            Ok(spec) => {
                for run in &spec.runs {
                    if !functions.contains(&run.function.as_str()) {
                        problems.push(format!("{name}: RUN of @{}, which the file does not define", run.function));
                    }
                }
            }
            Err(errors) => problems.extend(errors.into_iter().map(|error| format!("{name}: {error}"))),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The name of the one function of a kernel file.
fn kernel_of(text: &str) -> String {
    text.lines()
        .find_map(|line| line.trim_start().strip_prefix("func.func @"))
        .and_then(|rest| rest.split('(').next())
        .expect("a kernel")
        .to_string()
}

#[test]
fn ptx_of_every_parallel_kernel_holds_its_kernels() {
    let mut failures = Vec::new();
    for (chip, target) in [("sm_90", "cpu"), ("sm_80", "cuda:sm_80")] {
        let context = context(1, target);
        for (name, text) in parallel_files() {
            let module = Module::parse(&context, &text, &name).expect("parses");
            let function = kernel_of(&text);
            match module.emit(Stage::Ptx) {
                Err(error) => failures.push(format!("{name} ({chip}): {error}")),
                Ok(ptx) => {
                    for needle in [
                        format!(".visible .entry {function}_kernel("),
                        format!(".target {chip}"),
                        "// kernel module @".to_string(),
                        "ret;".to_string(),
                    ] {
                        if !ptx.contains(&needle) {
                            failures.push(format!("{name} ({chip}): the PTX has no '{needle}'"));
                        }
                    }
                    // No call may be left unresolved: zad compiles without
                    // NVIDIA's libdevice.
                    if ptx.contains(".extern .func") {
                        failures.push(format!("{name} ({chip}): the PTX calls external functions"));
                    }
                }
            }
        }
    }
    assert_no_failures(&failures, "PTX", "every parallel kernel, two architectures");
}

const REDUCTIONS: &str = r#"
func.func @reduce(%x: memref<?xf64>) -> (f64, f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %s, %m = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero, %zero) -> (f64, f64) {
    %v = memref.load %x[%i] : memref<?xf64>
    %r = math.sqrt %v : f64
    scf.reduce(%r, %v : f64, f64) {
    ^bb0(%a: f64, %b: f64):
      %t = arith.addf %a, %b : f64
      scf.reduce.return %t : f64
    }, {
    ^bb0(%a: f64, %b: f64):
      %t = arith.maxnumf %a, %b : f64
      scf.reduce.return %t : f64
    }
  }
  %p = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%one) -> f64 {
    %v = memref.load %x[%i] : memref<?xf64>
    scf.reduce(%v : f64) {
    ^bb0(%a: f64, %b: f64):
      %t = arith.mulf %a, %b : f64
      scf.reduce.return %t : f64
    }
  }
  return %s, %m, %p : f64, f64, f64
}
"#;

/// Sums and maxima become atomic updates on the GPU, square roots a PTX
/// instruction; a product (no atomic for it) runs on the host.
#[test]
fn gpu_reductions_become_atomics_and_math_ptx_instructions() {
    let context = context(1, "cpu");
    let module = Module::parse(&context, REDUCTIONS, "reductions.mlir").expect("parses");
    let ptx = module.emit(Stage::Ptx).expect("PTX");
    assert!(ptx.contains("atom.global.add.f64"), "the sum is an atomic add:\n{ptx}");
    assert!(ptx.contains("atom.") && ptx.contains(".cas.b64"), "the maximum is a compare-and-swap loop:\n{ptx}");
    assert!(ptx.contains("sqrt.rn.f64"), "math.sqrt is PTX's correctly rounded sqrt:\n{ptx}");
    assert_eq!(ptx.matches(".visible .entry").count(), 1, "the product runs on the host:\n{ptx}");
    // The same module on the CPU: the product runs sequentially, the sum in
    // parallel, the maximum sequentially.
    let function = module.function("reduce").expect("compiles for the CPU");
    let mut data = vec![4.0, 9.0, 0.25, 16.0, 1.0, 2.25, 6.25];
    let mut args = Args::new();
    args.push_slice_f64(&mut data, &[7]).expect("array");
    function.call(&mut args).expect("runs");
    let results: Vec<f64> = args.results().iter().map(|value| value.as_f64().expect("scalar")).collect();
    assert_eq!(results, vec![2.0 + 3.0 + 0.5 + 4.0 + 1.0 + 1.5 + 2.5, 16.0, 4.0 * 9.0 * 0.25 * 16.0 * 2.25 * 6.25]);
}

#[test]
fn gpu_code_refuses_what_it_cannot_run_with_its_location() {
    let context = context(1, "cuda:sm_80");
    let cases = [
        ("math.sin", "%y = math.sin %x : f64", "func.func @k(%u: memref<?xf64>) {"),
        ("@cos", "%y = func.call @cos(%x) : (f64) -> f64", "func.func private @cos(f64) -> f64\nfunc.func @k(%u: memref<?xf64>) {"),
    ];
    for (what, op, head) in cases {
        let source = format!(
            "{head}\n  %c0 = arith.constant 0 : index\n  %c1 = arith.constant 1 : index\n  %n = memref.dim %u, %c0 : memref<?xf64>\n  \
             scf.parallel (%i) = (%c0) to (%n) step (%c1) {{\n    %x = memref.load %u[%i] : memref<?xf64>\n    {op}\n    \
             memref.store %y, %u[%i] : memref<?xf64>\n    scf.reduce\n  }}\n  return\n}}\n"
        );
        let module = Module::parse(&context, &source, "gpu.mlir").expect("parses");
        let line = source.lines().position(|line| line.contains(op)).expect("the op's line") + 1;
        match module.emit(Stage::Ptx) {
            Err(error @ Error::Unsupported(_)) => {
                let message = error.to_string();
                assert!(message.contains(what), "names {what}: {message}");
                assert!(message.contains(&format!("gpu.mlir:{line}:")), "gives the location, line {line}: {message}");
                assert!(message.contains("cannot run on the CUDA target"), "{message}");
            }
            other => panic!("{what} in a GPU loop: expected Unsupported, got {other:?}"),
        }
    }
}

/// Every kernel on the GPU where there is one; otherwise the clear error.
#[test]
fn cuda_target_runs_the_kernels_or_says_there_is_no_driver() {
    match zad::exec::cuda_device_chip() {
        Some(chip) => {
            eprintln!("a CUDA GPU ({chip}) is here: running every parallel kernel on it");
            let mut failures = Vec::new();
            let runs = check_all(&context(1, "cuda"), "cuda", &mut failures);
            assert_no_failures(&failures, "GPU", &format!("{runs} runs"));
        }
        None => {
            let context = context(1, "cuda");
            let (name, text) = parallel_files().into_iter().next().expect("a kernel");
            let module = Module::parse(&context, &text, &name).expect("parses");
            match module.function(&kernel_of(&text)) {
                Err(error @ Error::Unsupported(_)) => {
                    assert!(error.to_string().starts_with("no CUDA driver"), "{error}");
                    assert_eq!(error.status(), 8, "ZAD_UNSUPPORTED");
                }
                Err(other) => panic!("expected ZAD_UNSUPPORTED (no CUDA driver), got {other:?}"),
                Ok(_) => panic!("compiled for CUDA without a driver"),
            }
            // The CPU is still there for the same module, and PTX needs no driver.
            assert!(module.emit(Stage::Ptx).is_ok());
            context.set_target(Target::Cpu);
            assert!(module.function(&kernel_of(&text)).is_ok());
        }
    }
}

/// Which OpenMP thread ran each of 64 iterations: proves the loop runs on
/// the number of threads asked for, changed between calls of one compiled
/// function.
const THREAD_IDS: &str = r#"
func.func private @omp_get_thread_num() -> i32
func.func @thread_ids(%out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %out, %c0 : memref<?xf64>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %id = func.call @omp_get_thread_num() : () -> i32
    %f = arith.sitofp %id : i32 to f64
    memref.store %f, %out[%i] : memref<?xf64>
    scf.reduce
  }
  return
}
"#;

#[test]
fn loops_run_on_the_threads_asked_for_from_the_next_call_on() {
    let context = context(1, "cpu");
    let module = Module::parse(&context, THREAD_IDS, "thread_ids.mlir").expect("parses");
    let function = module.function("thread_ids").expect("compiles");
    for threads in [1, 2, 3, 1] {
        context.set_threads(threads).expect("thread count");
        assert_eq!(context.threads(), threads);
        let mut ids = vec![-1.0; 64];
        let mut args = Args::new();
        args.push_slice_f64(&mut ids, &[64]).expect("array");
        function.call(&mut args).expect("runs");
        drop(args);
        let mut seen: Vec<i64> = ids.iter().map(|&id| id as i64).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen, (0..threads as i64).collect::<Vec<_>>(), "{threads} threads share the iterations");
    }
    context.set_threads(0).expect("the default");
    assert_eq!(context.threads(), zad::exec::default_threads());
    assert!(context.set_threads(1 << 20).is_err(), "a million threads is a mistake");
}

#[test]
fn cli_threads_and_target() {
    let kernel = root().join("tests/parallel/heat1d_step.mlir");
    let args = r#"[[1.0, 4.0, 2.0], [7.0, 7.0, 7.0], 0.5]"#;
    let zad = |extra: &[&str], environment: Option<(&str, &str)>| {
        let mut command = Command::new(zad_cli());
        command.args(extra);
        if let Some((key, value)) = environment {
            command.env(key, value);
        }
        run(&mut command)
    };
    let file = kernel.to_str().unwrap();
    let (ok, stdout, stderr) = zad(&["--threads", "2", "run", file, "--fn", "heat1d_step", "--args", args], None);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("[7.0,1.5,7.0]"), "{stdout}");
    let (ok, stdout, _) = zad(&["run", file, "--fn", "heat1d_step", "--args", args, "--threads", "3"], Some(("ZAD_NUM_THREADS", "2")));
    assert!(ok && stdout.contains("[7.0,1.5,7.0]"), "{stdout}");
    let (ok, _, stderr) = zad(&["--threads", "0", "run", file, "--fn", "heat1d_step", "--args", args], None);
    assert!(!ok && stderr.contains("--threads must be at least 1"), "{stderr}");
    let (ok, _, stderr) = zad(&["run", file, "--fn", "heat1d_step", "--args", args], Some(("ZAD_NUM_THREADS", "lots")));
    assert!(!ok && stderr.contains("ZAD_NUM_THREADS=lots"), "{stderr}");
    let (ok, _, stderr) = zad(&["run", file, "--fn", "heat1d_step", "--args", args, "--target", "tpu"], None);
    assert!(!ok && stderr.contains("unknown target 'tpu'"), "{stderr}");
    let (ok, stdout, stderr) = zad(&["emit", file, "--stage", "ptx", "--target", "cuda:sm_75"], None);
    assert!(ok, "{stderr}");
    assert!(stdout.contains(".visible .entry heat1d_step_kernel(") && stdout.contains(".target sm_75"), "{stdout}");
    if zad::exec::cuda_device_chip().is_none() {
        let (ok, _, stderr) = zad(&["run", file, "--fn", "heat1d_step", "--args", args, "--target", "cuda"], None);
        assert!(!ok && stderr.contains("no CUDA driver"), "{stderr}");
    }
}

/// A parallel loop that reads past its array: with bounds checks the call
/// stops with the op's location, whatever the thread count (a worker thread
/// cannot stop the call, so such loops run on the calling thread); never an
/// abort of the host process.
#[test]
fn a_failed_check_in_a_parallel_loop_is_an_error_not_an_abort() {
    const PAST_THE_END: &str = r#"
func.func @square_twice_as_many(%a: memref<?xf64>, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %m = arith.muli %n, %c2 : index
  scf.parallel (%i) = (%c0) to (%m) step (%c1) {
    %x = memref.load %a[%i] : memref<?xf64>
    %y = arith.mulf %x, %x : f64
    memref.store %y, %a[%i] : memref<?xf64>
    scf.reduce
  }
  %z = memref.load %a[%c0] : memref<?xf64>
  return %z : f64
}
"#;
    for threads in [1, 2, 3] {
        let context = context(threads, "cpu");
        context.set_check_bounds(true);
        let module = Module::parse(&context, PAST_THE_END, "past_the_end.mlir").expect("parses");
        let function = module.function("square_twice_as_many").expect("compiles");
        let mut data = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut args = Args::new();
        args.push_slice_f64(&mut data, &[6]).unwrap().push_index(6);
        let error = function.call(&mut args).expect_err("reads past the end");
        assert!(
            matches!(error, Error::Runtime(_)) && error.to_string().contains("out of bounds") && error.to_string().contains(":8:"),
            "{threads} threads: {error}"
        );
        let mut data = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut args = Args::new();
        args.push_slice_f64(&mut data, &[6]).unwrap().push_index(3);
        function.call(&mut args).expect("in bounds");
        assert_eq!(data, [1.0, 4.0, 9.0, 16.0, 25.0, 36.0], "{threads} threads");
    }
}
