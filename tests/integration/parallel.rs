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
        ("math.powf", "%y = math.powf %x, %x : f64", "func.func @k(%u: memref<?xf64>) {"),
        ("arith.remf", "%y = arith.remf %x, %x : f64", "func.func @k(%u: memref<?xf64>) {"),
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

/// A GPU kernel cannot reach the host's stack or host globals: a buffer
/// from memref.alloca or memref.get_global used in a parallel loop is
/// refused for the CUDA target, naming the buffer's op and the loop.
#[test]
fn gpu_kernels_refuse_buffers_in_host_memory() {
    let cpu = context(1, "cpu");
    let context = context(1, "cuda:sm_80");
    let loop_using = |buffer: &str| {
        format!(
            "scf.parallel (%i) = (%c0) to (%c8) step (%c1) {{\n      %x = memref.load {buffer}[%i] : memref<8xf64>\n      \
             memref.store %x, %u[%i] : memref<8xf64>\n      scf.reduce\n    }}"
        )
    };
    // An alloca at the function's top level becomes a heap buffer; one in
    // a loop's body (a new one each iteration) cannot.
    let cases = [
        (
            "memref.alloca",
            format!(
                "scf.for %k = %c0 to %c1 step %c1 {{\n    %t = memref.alloca() : memref<8xf64>\n    {}\n  }}",
                loop_using("%t")
            ),
        ),
        ("memref.get_global", format!("%t = memref.get_global @table : memref<8xf64>\n  {}", loop_using("%t"))),
    ];
    for (what, body) in cases {
        let source = format!(
            "memref.global \"private\" constant @table : memref<8xf64> = dense<1.0>\n\
             func.func @k(%u: memref<8xf64>) {{\n  %c0 = arith.constant 0 : index\n  %c1 = arith.constant 1 : index\n  \
             %c8 = arith.constant 8 : index\n  {body}\n  return\n}}\n"
        );
        let module = Module::parse(&context, &source, "host.mlir").expect("parses");
        match module.emit(Stage::Ptx) {
            Err(error @ Error::Unsupported(_)) => {
                let message = error.to_string();
                assert!(message.contains(&format!(": {what} makes a buffer in ")), "{message}");
                let line = source.lines().position(|line| line.contains(what)).expect("the op's line") + 1;
                assert!(message.starts_with(&format!("host.mlir:{line}:")), "{message}");
                let loop_line = source.lines().position(|line| line.contains("scf.parallel")).expect("the loop") + 1;
                assert!(message.contains(&format!("parallel loop at host.mlir:{loop_line}:")), "{message}");
            }
            other => panic!("{what} used by a GPU kernel: expected Unsupported, got {other:?}"),
        }
        // The CPU runs it.
        let module = Module::parse(&cpu, &source, "host.mlir").expect("parses");
        assert!(module.function("k").is_ok());
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

/// Which OpenMP thread ran each iteration: proves the loop runs on the
/// number of threads asked for, changed between calls of one compiled
/// function, and that a loop of fewer than 4096 iterations runs on the
/// calling thread (a parallel region costs more than it saves there).
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
    let threads_used = |iterations: usize| {
        let mut ids = vec![-1.0; iterations];
        let mut args = Args::new();
        args.push_slice_f64(&mut ids, &[iterations as i64]).expect("array");
        function.call(&mut args).expect("runs");
        drop(args);
        let mut seen: Vec<i64> = ids.iter().map(|&id| id as i64).collect();
        seen.sort();
        seen.dedup();
        seen
    };
    for threads in [1, 2, 3, 1] {
        context.set_threads(threads).expect("thread count");
        assert_eq!(context.threads(), threads);
        assert_eq!(threads_used(1 << 16), (0..threads as i64).collect::<Vec<_>>(), "{threads} threads share the iterations");
        assert_eq!(threads_used(4095), vec![0], "a small loop runs on the calling thread");
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

/// The f64 sin, cos, log and tanh GPU code uses (zad's own definitions,
/// `src/lower/gpu_math_f64.mlir`: no libdevice) are within 2 ulp of libm's
/// over their whole range, with libm's special values; sin and cos of
/// |x| > 2^50 are NaN. Checked here on the CPU, where the same MLIR runs.
#[test]
fn gpu_math_functions_are_within_two_ulp_of_libm() {
    let definitions = [include_str!("../../src/lower/exp_f64.mlir"), include_str!("../../src/lower/gpu_math_f64.mlir")].concat();
    let evaluate = "
        func.func @evaluate(%x: memref<?xf64>, %out: memref<?x4xf64>) {
          %c0 = arith.constant 0 : index
          %c1 = arith.constant 1 : index
          %c2 = arith.constant 2 : index
          %c3 = arith.constant 3 : index
          %n = memref.dim %x, %c0 : memref<?xf64>
          scf.for %i = %c0 to %n step %c1 {
            %v = memref.load %x[%i] : memref<?xf64>
            %sin = func.call @__zad_sin_f64(%v) : (f64) -> f64
            %cos = func.call @__zad_cos_f64(%v) : (f64) -> f64
            %log = func.call @__zad_log_f64(%v) : (f64) -> f64
            %tanh = func.call @__zad_tanh_f64(%v) : (f64) -> f64
            memref.store %sin, %out[%i, %c0] : memref<?x4xf64>
            memref.store %cos, %out[%i, %c1] : memref<?x4xf64>
            memref.store %log, %out[%i, %c2] : memref<?x4xf64>
            memref.store %tanh, %out[%i, %c3] : memref<?x4xf64>
          }
          return
        }";
    let context = Context::new().expect("zad context");
    let module = Module::parse(&context, &format!("{definitions}\n{evaluate}"), "gpu_math.mlir").expect("parses");
    let evaluate = module.function("evaluate").expect("compiles");
    // Every binade from 2^-1074 to 2^1023, both signs, several points each;
    // near multiples of pi/2 (where the reduction cancels); tanh's switch;
    // special values.
    let mut x: Vec<f64> = Vec::new();
    for exponent in -1074..1024 {
        for k in 0..8 {
            let value = 2f64.powi(exponent.max(-1022)) * if exponent < -1022 { 2f64.powi(exponent + 1022) } else { 1.0 };
            let value = value * (1.0 + k as f64 * 0.1234567);
            x.extend([value, -value]);
        }
    }
    for k in -20_000..20_000 {
        let multiple = k as f64 * std::f64::consts::FRAC_PI_2;
        x.extend([multiple, multiple.next_up(), multiple + 1e-9, k as f64 * 0.3711]);
    }
    x.extend([0.0, -0.0, 0.55, -0.55, 0.55f64.next_down(), 22.0, 710.0, 1e15, 2f64.powi(50), f64::INFINITY, f64::NEG_INFINITY, f64::NAN]);
    let n = x.len() as i64;
    let mut out = vec![0.0; x.len() * 4];
    let mut args = Args::new();
    args.push_slice_f64(&mut x, &[n]).expect("x").push_slice_f64(&mut out, &[n, 4]).expect("out");
    evaluate.call(&mut args).expect("runs");
    drop(args);
    let ulps = |got: f64, expected: f64| -> u64 {
        if got.to_bits() == expected.to_bits() || (got.is_nan() && expected.is_nan()) {
            return 0;
        }
        if got.is_nan() || expected.is_nan() || got.is_infinite() || expected.is_infinite() || got.signum() != expected.signum() {
            return if got == expected { 0 } else { u64::MAX };
        }
        (got.abs().to_bits() as i64 - expected.abs().to_bits() as i64).unsigned_abs()
    };
    let mut failures = Vec::new();
    for (index, &value) in x.iter().enumerate() {
        let got = &out[4 * index..4 * index + 4];
        let periodic_in_range = value.abs() <= 2f64.powi(50);
        let checks = [
            ("sin", got[0], if periodic_in_range { value.sin() } else { f64::NAN }),
            ("cos", got[1], if periodic_in_range { value.cos() } else { f64::NAN }),
            ("log", got[2], value.ln()),
            ("tanh", got[3], value.tanh()),
        ];
        for (name, got, expected) in checks {
            let apart = ulps(got, expected);
            if apart > 2 && failures.len() < 20 {
                failures.push(format!("{name}({value:e}) = {got:e}, libm {expected:e} ({apart} ulp apart)"));
            }
        }
    }
    assert_no_failures(&failures, "GPU math value", &format!("{} arguments, 4 functions", x.len()));
}
