//! `make bench`: GradBench's evals (gmm, lstm, ode, lse, llsq, det, kmeans,
//! saddle, particle) and two checkpointed time loops (Lorenz-96, 2-D heat),
//! side by side in one run:
//!
//! - zad's primal and gradient, through the same code that answers
//!   GradBench's protocol (`zad::gradbench`), and zad's JIT compile times;
//! - the same primal in C (`gradbench/primal.c`), built with gcc -O3
//!   -march=native and called in this process on the same data;
//! - JAX (`jit` and `jit(grad)`, CPU, float64) and PyTorch (eager, float64)
//!   in `gradbench/frameworks.py`, run on the same input file, where they
//!   are installed (`make bench` installs them from PyPI).
//!
//! zad and C are timed in interleaved rounds, so both see the same machine;
//! every time is the fastest run (these machines are shared and noisy: the
//! minimum is what the code costs, and it repeats within a few percent). Each framework's primal value and gradient sum
//! are checked against zad's. Prints a table and rewrites the generated part
//! of `benches/results.md` (between its markers).
//!
//! saddle and particle have four functions (the mode pairs ff, fr, rf, rr of
//! their nested AD) and no primal: they get a table of their own, one row
//! per mode pair, zad against JAX only (no C).
//!
//! Some evals only: `cargo bench --bench gradbench -- det kmeans` runs the
//! cases whose eval name contains one of the arguments; results.md then
//! gets those rows replaced (or added, in the order of the full run) and
//! keeps the others from the previous run.

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value as Json, json};
use std::{
    ffi::{CString, c_void},
    hint::black_box,
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};
use zad::{
    Activity, Args, CheckpointScheme, CompiledFunction, Context, GradientOptions, Module, Scalar,
    gradbench::DefinedModule,
};

/// Each measurement repeats until it has this many runs and seconds.
const MIN_RUNS: usize = 5;
const MIN_SECONDS: f64 = 1.0;

/// One benchmark case: an eval and its input, as GradBench would send it.
struct Case {
    eval: &'static str,
    label: String,
    input: Json,
}

fn cases(root: &Path) -> Vec<Case> {
    let mut rng = StdRng::seed_from_u64(31337);
    let mut cases = Vec::new();
    for (d, k) in [(10, 25), (20, 50), (64, 10)] {
        cases.push(Case { eval: "gmm", label: format!("d={d} k={k} n=1000"), input: gmm_input(&mut rng, d, k, 1000) });
    }
    let text = lstm_text(root);
    for (l, c) in [(2, 1024), (4, 4096)] {
        cases.push(Case { eval: "lstm", label: format!("l={l} c={c}"), input: lstm_input(&mut rng, &text, l, c) });
    }
    for (n, s) in [(1000, 100), (10_000, 100), (100_000, 10)] {
        let input = json!({ "x": uniform(&mut rng, n), "s": s });
        cases.push(Case { eval: "ode", label: format!("n={n} s={s}"), input });
    }
    for n in [100_000, 1_280_000] {
        cases.push(Case { eval: "lse", label: format!("n={n}"), input: json!({ "x": uniform(&mut rng, n) }) });
    }
    for n in [1024, 16_392] {
        let input = json!({ "x": uniform(&mut rng, 128), "n": n });
        cases.push(Case { eval: "llsq", label: format!("n={n} m=128"), input });
    }
    // As GradBench's det and kmeans generators: uniform entries; the
    // centroids are the last k points (so that no cluster is empty).
    for ell in [7, 9, 11] {
        let input = json!({ "A": uniform(&mut rng, ell * ell), "ell": ell });
        cases.push(Case { eval: "det", label: format!("ell={ell}"), input });
    }
    for (k, n, d) in [(100, 1000, 8), (1000, 10_000, 16)] {
        let points = rows(&mut rng, n, d, uniform);
        let centroids = points[n - k..].to_vec();
        let input = json!({ "points": points, "centroids": centroids });
        cases.push(Case { eval: "kmeans", label: format!("k={k} n={n} d={d}"), input });
    }
    cases
}

/// saddle and particle at GradBench's inputs (its evals send only these).
fn nested_cases() -> Vec<Case> {
    vec![
        Case { eval: "saddle", label: "start=[1,1]".into(), input: json!({ "start": [1.0, 1.0] }) },
        Case { eval: "particle", label: "w=0".into(), input: json!({ "w": 0.0 }) },
    ]
}

fn uniform(rng: &mut StdRng, count: usize) -> Vec<f64> {
    (0..count).map(|_| rng.random::<f64>()).collect()
}

/// Standard normal samples (Box-Muller).
fn normal(rng: &mut StdRng, count: usize) -> Vec<f64> {
    (0..count)
        .map(|_| {
            let (u, v) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        })
        .collect()
}

fn rows(rng: &mut StdRng, count: usize, width: usize, sample: fn(&mut StdRng, usize) -> Vec<f64>) -> Vec<Vec<f64>> {
    (0..count).map(|_| sample(rng, width)).collect()
}

/// As GradBench's gmm generator: normal points, weights, log-diagonals and
/// lower parts; uniform means; m = 0, gamma = 1.
fn gmm_input(rng: &mut StdRng, d: usize, k: usize, n: usize) -> Json {
    json!({
        "d": d, "k": k, "n": n, "m": 0, "gamma": 1.0,
        "x": rows(rng, n, d, normal),
        "alpha": normal(rng, k),
        "mu": rows(rng, k, d, uniform),
        "q": rows(rng, k, d, normal),
        "l": rows(rng, k, d * (d - 1) / 2, normal),
    })
}

/// English text for the LSTM (GradBench's text file is not in its
/// snapshots; any text of the kind serves): this repository's documents.
fn lstm_text(root: &Path) -> Vec<u8> {
    let mut text = Vec::new();
    for file in ["README.md", "benches/results.md", "dialect/README.md"] {
        text.extend(std::fs::read(root.join(file)).unwrap_or_default());
    }
    text.retain(|byte| byte.is_ascii() && *byte != 0);
    text
}

/// As GradBench's lstm generator: c characters as rows of bits (as many
/// bits as the largest character needs), uniform parameters and state.
fn lstm_input(rng: &mut StdRng, text: &[u8], l: usize, c: usize) -> Json {
    let characters: Vec<u8> = text.iter().cycle().take(c).copied().collect();
    let largest = *characters.iter().max().expect("text") as f64;
    let bits = largest.log2().ceil() as usize;
    let sequence: Vec<Vec<f64>> = characters
        .iter()
        .map(|&ch| (0..bits).map(|bit| ((ch >> (bits - 1 - bit)) & 1) as f64).collect())
        .collect();
    json!({
        "main_params": rows(rng, 2 * l, 4 * bits, uniform),
        "extra_params": rows(rng, 3, bits, uniform),
        "state": rows(rng, 2 * l, bits, uniform),
        "sequence": sequence,
    })
}

/// Nested JSON arrays (or objects) of numbers, flattened row-major.
fn flat(value: &Json) -> Vec<f64> {
    match value {
        Json::Array(items) => items.iter().flat_map(flat).collect(),
        Json::Object(fields) => fields.values().flat_map(flat).collect(),
        other => vec![other.as_f64().expect("a number")],
    }
}

fn number(input: &Json, name: &str) -> f64 {
    input[name].as_f64().expect("a number")
}

/// The fastest run, in nanoseconds, of each of `bodies`, run in
/// interleaved rounds until each has MIN_RUNS runs and the round time adds
/// up to MIN_SECONDS.
fn interleaved(bodies: &mut [&mut dyn FnMut()]) -> Vec<f64> {
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); bodies.len()];
    let start = Instant::now();
    while samples[0].len() < MIN_RUNS || start.elapsed().as_secs_f64() < MIN_SECONDS * bodies.len() as f64 {
        for (body, times) in bodies.iter_mut().zip(&mut samples) {
            let run = Instant::now();
            body();
            times.push(run.elapsed().as_nanos() as f64);
        }
    }
    samples.into_iter().map(|times| times.into_iter().fold(f64::INFINITY, f64::min)).collect()
}

/// The C baseline: `primal.c` built with gcc -O3 and opened with dlopen.
struct CLibrary {
    handle: *mut c_void,
}

impl CLibrary {
    fn build(root: &Path, out: &Path) -> CLibrary {
        let library = out.join("libprimal.so");
        let status = Command::new("gcc")
            .args(["-O3", "-march=native", "-std=c99", "-shared", "-fPIC", "-o"])
            .arg(&library)
            .arg(root.join("benches/gradbench/primal.c"))
            .arg("-lm")
            .status()
            .expect("gcc runs");
        assert!(status.success(), "gcc failed on benches/gradbench/primal.c");
        let path = CString::new(library.to_str().expect("utf-8 path")).expect("path");
        // SAFETY: dlopen with a valid C string; the library's initialisers
        // are those of plain C code.
        let handle = unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW) };
        assert!(!handle.is_null(), "dlopen {library:?} failed");
        CLibrary { handle }
    }

    /// The address of `name`, to be transmuted to its C signature.
    fn symbol(&self, name: &str) -> *mut c_void {
        let name_c = CString::new(name).expect("name");
        // SAFETY: `handle` is an open library; `name_c` a valid C string.
        let address = unsafe { libc::dlsym(self.handle, name_c.as_ptr()) };
        assert!(!address.is_null(), "primal.c has no {name}");
        address
    }

    /// A closure running the C primal of `case` on its data; returns its
    /// scalar result (for ode, the last element of y).
    fn primal(&self, case: &Case) -> Box<dyn FnMut() -> f64> {
        let input = &case.input;
        macro_rules! function {
            ($name:literal, $type:ty) => {{
                // SAFETY: primal.c defines $name with exactly this C signature.
                unsafe { std::mem::transmute::<*mut c_void, $type>(self.symbol($name)) }
            }};
        }
        match case.eval {
            "lse" => {
                let x = flat(&input["x"]);
                let f = function!("lse_primal", extern "C" fn(i64, *const f64) -> f64);
                Box::new(move || f(x.len() as i64, x.as_ptr()))
            }
            "llsq" => {
                let x = flat(&input["x"]);
                let n = number(input, "n") as i64;
                let f = function!("llsq_primal", extern "C" fn(i64, i64, *const f64) -> f64);
                Box::new(move || f(n, x.len() as i64, x.as_ptr()))
            }
            "ode" => {
                let x = flat(&input["x"]);
                let s = number(input, "s") as i64;
                let mut y = vec![0.0; x.len()];
                let f = function!("ode_primal", extern "C" fn(i64, *const f64, i64, *mut f64));
                Box::new(move || {
                    f(x.len() as i64, x.as_ptr(), s, y.as_mut_ptr());
                    y[y.len() - 1]
                })
            }
            "gmm" => {
                let [alpha, mu, q, l, x] = ["alpha", "mu", "q", "l", "x"].map(|name| flat(&input[name]));
                let [d, k, n, m] = ["d", "k", "n", "m"].map(|name| number(input, name) as i64);
                let gamma = number(input, "gamma");
                type Gmm = extern "C" fn(
                    i64,
                    i64,
                    i64,
                    *const f64,
                    *const f64,
                    *const f64,
                    *const f64,
                    *const f64,
                    f64,
                    i64,
                ) -> f64;
                let f = function!("gmm_objective", Gmm);
                Box::new(move || f(d, k, n, alpha.as_ptr(), mu.as_ptr(), q.as_ptr(), l.as_ptr(), x.as_ptr(), gamma, m))
            }
            "lstm" => {
                let [main, extra, state, sequence] =
                    ["main_params", "extra_params", "state", "sequence"].map(|name| flat(&input[name]));
                let l = input["main_params"].as_array().expect("rows").len() as i64 / 2;
                let c = input["sequence"].as_array().expect("rows").len() as i64;
                let b = extra.len() as i64 / 3;
                type Lstm = extern "C" fn(i64, i64, i64, *const f64, *const f64, *const f64, *const f64) -> f64;
                let f = function!("lstm_objective", Lstm);
                Box::new(move || f(l, c, b, main.as_ptr(), extra.as_ptr(), state.as_ptr(), sequence.as_ptr()))
            }
            "lorenz96" => {
                let x0 = flat(&input["x0"]);
                let [forcing, dt, steps] = ["forcing", "dt", "steps"].map(|name| number(input, name));
                let f = function!("lorenz96_primal", extern "C" fn(i64, *const f64, f64, f64, i64) -> f64);
                Box::new(move || f(x0.len() as i64, x0.as_ptr(), forcing, dt, steps as i64))
            }
            "heat2d" => {
                let [u0, u_obs] = ["u0", "u_obs"].map(|name| flat(&input[name]));
                let [kappa, dt, h, steps] = ["kappa", "dt", "h", "steps"].map(|name| number(input, name));
                let n = input["u0"].as_array().expect("rows").len() as i64;
                type Heat = extern "C" fn(i64, *const f64, *const f64, f64, f64, f64, i64) -> f64;
                let f = function!("heat2d_primal", Heat);
                Box::new(move || f(n, u0.as_ptr(), u_obs.as_ptr(), kappa, dt, h, steps as i64))
            }
            "det" => {
                let a = flat(&input["A"]);
                let ell = number(input, "ell") as i64;
                let f = function!("det_primal", extern "C" fn(i64, *const f64) -> f64);
                Box::new(move || f(ell, a.as_ptr()))
            }
            "kmeans" => {
                let [points, centroids] = ["points", "centroids"].map(|name| flat(&input[name]));
                let n = input["points"].as_array().expect("rows").len() as i64;
                let k = input["centroids"].as_array().expect("rows").len() as i64;
                let d = points.len() as i64 / n;
                type Kmeans = extern "C" fn(i64, i64, i64, *const f64, *const f64) -> f64;
                let f = function!("kmeans_cost", Kmeans);
                Box::new(move || f(n, k, d, points.as_ptr(), centroids.as_ptr()))
            }
            other => panic!("no C primal for {other}"),
        }
    }
}

/// What one framework measured on one case (frameworks.py's output line).
#[derive(Default, Clone)]
struct Framework {
    primal_ns: Option<f64>,
    gradient_ns: Option<f64>,
    compile_ns: Option<f64>,
    /// Whether its primal value and gradient sum agree with zad's.
    agrees: bool,
}

/// The Python with JAX and PyTorch: $ZAD_BENCH_PYTHON (set by `make
/// bench`), else python3.
fn python() -> String {
    std::env::var("ZAD_BENCH_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Runs frameworks.py for `framework` on the input in `file`; checks its
/// values against zad's (`primal`, `gradient_sum`).
fn framework(root: &Path, framework: &str, eval: &str, file: &Path, primal: f64, gradient_sum: f64) -> Option<Framework> {
    framework_on(&[], root, framework, eval, file, primal, gradient_sum)
}

/// As `framework`, pinned to one core (taskset) with XLA's thread pools
/// reduced to one thread: the single-threaded comparison with zad.
fn framework_one_core(root: &Path, eval: &str, file: &Path, primal: f64, gradient_sum: f64) -> Option<Framework> {
    framework_on(&["taskset", "-c", "0"], root, "jax", eval, file, primal, gradient_sum)
}

fn framework_on(
    prefix: &[&str],
    root: &Path,
    framework: &str,
    eval: &str,
    file: &Path,
    primal: f64,
    gradient_sum: f64,
) -> Option<Framework> {
    let line = run_python(prefix, root, framework, eval, file)?;
    let close = |a: f64, b: f64, tolerance: f64| (a - b).abs() <= tolerance * a.abs().max(b.abs()).max(1.0);
    let agrees = close(number(&line, "primal_value"), primal, 1e-8)
        && close(number(&line, "gradient_sum"), gradient_sum, 1e-6);
    if !agrees {
        eprintln!(
            "  {framework} disagrees with zad: primal {} vs {primal}, gradient sum {} vs {gradient_sum}",
            line["primal_value"], line["gradient_sum"]
        );
    }
    let compile = match (line["compile_primal_ns"].as_f64(), line["compile_gradient_ns"].as_f64()) {
        (Some(p), Some(g)) => Some(p + g),
        _ => None,
    };
    Some(Framework {
        primal_ns: line["primal_ns"].as_f64(),
        gradient_ns: line["gradient_ns"].as_f64(),
        compile_ns: compile,
        agrees,
    })
}

/// Runs frameworks.py (after `prefix`, if any: one core, one thread) on
/// the input in `file`; its output line.
fn run_python(prefix: &[&str], root: &Path, framework: &str, eval: &str, file: &Path) -> Option<Json> {
    let mut command = match prefix.split_first() {
        Some((program, args)) => {
            let mut command = Command::new(program);
            command.args(args).arg(python());
            command.env("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1");
            command
        }
        None => Command::new(python()),
    };
    let output = command
        .arg(root.join("benches/gradbench/frameworks.py"))
        .args([framework, eval])
        .arg(file)
        .args(["--min-runs", &MIN_RUNS.to_string(), "--min-seconds", &MIN_SECONDS.to_string()])
        .output()
        .ok()?;
    if !output.status.success() {
        let error = String::from_utf8_lossy(&output.stderr);
        eprintln!("  {framework}: failed: {}", error.lines().last().unwrap_or("").trim());
        return None;
    }
    serde_json::from_slice(&output.stdout).ok()
}

/// The mode pairs of saddle and particle, in the order of their table rows.
const MODES: [&str; 4] = ["ff", "fr", "rf", "rr"];

/// What zad measured on saddle or particle, per mode pair (MODES' order).
struct NestedTimes {
    ns: Vec<f64>,
    /// JIT compile time of the module's four functions together (the
    /// first compile JIT-compiles the module; the others reuse it).
    compile_ns: f64,
    /// Each function's output, flattened.
    outputs: Vec<Vec<f64>>,
}

/// What a framework measured on saddle or particle, per mode pair.
#[derive(Default, Clone)]
struct NestedFramework {
    ns: Vec<Option<f64>>,
    compile_ns: Vec<Option<f64>>,
    /// Per mode pair: whether its output agrees with zad's.
    agrees: Vec<bool>,
}

/// zad on saddle or particle: its four functions, interleaved.
fn measure_nested(context: &Context, case: &Case) -> NestedTimes {
    let (module, compile) = DefinedModule::define(context, case.eval).expect("module compiles");
    let names = module.function_names();
    assert!(MODES.iter().all(|mode| names.contains(mode)), "{} has the four mode pairs", case.eval);
    let mut prepared: Vec<_> =
        MODES.iter().map(|mode| module.prepare(mode, &case.input).expect("input decodes")).collect();
    let times = {
        let mut bodies: Vec<Box<dyn FnMut() + '_>> = prepared
            .iter_mut()
            .map(|function| Box::new(move || function.run().expect("function runs")) as Box<dyn FnMut()>)
            .collect();
        let mut bodies: Vec<&mut dyn FnMut()> = bodies.iter_mut().map(|body| body.as_mut() as &mut dyn FnMut()).collect();
        interleaved(&mut bodies)
    };
    NestedTimes {
        ns: times,
        compile_ns: compile.iter().sum::<u64>() as f64,
        outputs: prepared.iter().map(|function| flat(&function.output())).collect(),
    }
}

/// frameworks.py on saddle or particle; each mode pair's output checked
/// against zad's (to 1e-6 relative: the descents stop at a tolerance of
/// 1e-5, and the outputs agree to the last digits or not at all).
fn nested_framework(prefix: &[&str], root: &Path, eval: &str, file: &Path, zad: &NestedTimes) -> Option<NestedFramework> {
    let line = run_python(prefix, root, "jax", eval, file)?;
    let mut result = NestedFramework::default();
    for (mode, expected) in MODES.iter().zip(&zad.outputs) {
        let entry = &line["modes"][mode];
        let output: Vec<f64> = entry["output"].as_array().map(|values| values.iter().filter_map(Json::as_f64).collect()).unwrap_or_default();
        let agrees = output.len() == expected.len()
            && output.iter().zip(expected).all(|(a, b)| (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1e-12));
        if !agrees {
            eprintln!("  jax {mode} disagrees with zad: {output:?} vs {expected:?}");
        }
        result.ns.push(entry["ns"].as_f64());
        result.compile_ns.push(entry["compile_ns"].as_f64());
        result.agrees.push(agrees);
    }
    Some(result)
}

/// The nested table's rows for one eval: one per mode pair.
fn nested_lines(name: &str, zad: &NestedTimes, jax: &Option<NestedFramework>, jax_one_core: &Option<NestedFramework>) -> Vec<String> {
    let [jax, jax_one_core] = [jax, jax_one_core].map(|framework| framework.clone());
    let pick = |framework: &Option<NestedFramework>, at: usize| framework.as_ref().and_then(|f| f.ns[at]);
    let mark = |framework: &Option<NestedFramework>, at: usize| {
        if framework.as_ref().is_some_and(|f| !f.agrees[at]) { " (disagrees)" } else { "" }
    };
    MODES
        .iter()
        .enumerate()
        .map(|(at, mode)| {
            let ns = zad.ns[at];
            format!(
                "| {name} | {mode} | {} | {}{} | {} | {}{} | {} | {} | {} |",
                milliseconds(ns),
                optional(pick(&jax, at), milliseconds),
                mark(&jax, at),
                optional(pick(&jax, at), |j| ratio(ns, j)),
                optional(pick(&jax_one_core, at), milliseconds),
                mark(&jax_one_core, at),
                optional(pick(&jax_one_core, at), |j| ratio(ns, j)),
                milliseconds(zad.compile_ns),
                optional(jax.as_ref().and_then(|f| f.compile_ns[at]), milliseconds),
            )
        })
        .collect()
}

const NESTED_HEADER: &str = "| case | mode pair | zad ms | JAX ms | zad ÷ JAX | JAX 1-core ms | zad ÷ JAX 1-core | zad compile ms (all four) | JAX compile ms |\n\
                             |---|---|--:|--:|--:|--:|--:|--:|--:|\n";

/// One row of the table.
struct Row {
    case: String,
    zad: ZadTimes,
    jax: Option<Framework>,
    /// JAX on one core, one thread.
    jax_one_core: Option<Framework>,
    torch: Option<Framework>,
    note: String,
}

/// What zad (and the C primal, interleaved with it) measured on a case,
/// with the values the frameworks are checked against.
struct ZadTimes {
    primal_ns: f64,
    gradient_ns: f64,
    c_primal_ns: f64,
    /// JIT compile time of the primal and the gradient.
    compile_ns: f64,
    /// The primal's value (for ode, the last element of y).
    value: f64,
    /// The sum of the gradient's entries.
    gradient_sum: f64,
}

/// zad on a GradBench case.
fn measure_gradbench(context: &Context, c: &CLibrary, case: &Case) -> ZadTimes {
    let (module, compile) = DefinedModule::define(context, case.eval).expect("module compiles");
    let names = module.function_names();
    let (primal_name, gradient_name) = (names[0], names[1]);
    let mut primal = module.prepare(primal_name, &case.input).expect("input decodes");
    let mut gradient = module.prepare(gradient_name, &case.input).expect("input decodes");
    let mut c_primal = c.primal(case);
    let mut c_value = 0.0;
    let times = interleaved(&mut [
        &mut || primal.run().expect("primal runs"),
        &mut || c_value = black_box(c_primal()),
        &mut || gradient.run().expect("gradient runs"),
    ]);
    let value = match primal.output() {
        Json::Array(y) => y.last().and_then(Json::as_f64).expect("ode's y"),
        output => output.as_f64().expect("a number"),
    };
    let relative = (value - c_value).abs() / value.abs().max(1.0);
    assert!(relative < 1e-9, "{} {}: zad's primal {value} differs from C's {c_value}", case.eval, case.label);
    let gradient_sum = flat(&gradient.output()).iter().sum();
    ZadTimes {
        primal_ns: times[0],
        gradient_ns: times[2],
        c_primal_ns: times[1],
        compile_ns: (compile[0] + compile[1]) as f64,
        value,
        gradient_sum,
    }
}

/// A row of the table: a GradBench eval or a checkpointed time loop.
enum Benchmark {
    Eval(Case),
    Loop(TimeLoop),
}

/// A checkpointed time loop (not a GradBench eval): zad's primal and
/// checkpointed gradient through the Rust API, the C primal, the
/// frameworks. `snapshots`: binomial checkpointing with that many.
struct TimeLoop {
    case: Case,
    file: &'static str,
    function: &'static str,
    /// Text on the time loop's line in `file`.
    loop_marker: &'static str,
    activity: Vec<Activity>,
    snapshots: usize,
}

impl TimeLoop {
    fn cases(rng: &mut StdRng) -> Vec<TimeLoop> {
        let n = 100;
        let lorenz = json!({ "x0": (0..n).map(|i| 8.0 + 0.01 * (i % 7) as f64 + 0.1 * rng.random::<f64>()).collect::<Vec<_>>(),
                             "forcing": 8.0, "dt": 1e-5, "steps": 100_000 });
        let grid = 100;
        let h = 1.0 / (grid - 1) as f64;
        let blob = |cx: f64, cy: f64, width2: f64| -> Vec<Vec<f64>> {
            (0..grid)
                .map(|i| {
                    (0..grid)
                        .map(|j| {
                            let (x, y) = (i as f64 * h, j as f64 * h);
                            (-((x - cx).powi(2) + (y - cy).powi(2)) / (2.0 * width2)).exp()
                        })
                        .collect()
                })
                .collect()
        };
        let heat = json!({ "u0": blob(0.5, 0.5, 0.01), "u_obs": blob(0.55, 0.45, 0.05),
                           "kappa": 0.8, "dt": 0.02 / 100_000.0, "h": h, "steps": 10_000 });
        vec![
            TimeLoop {
                case: Case { eval: "lorenz96", label: format!("n={n} steps=10^5 s=100"), input: lorenz },
                file: "benches/kernels/lorenz96.mlir",
                function: "lorenz96",
                loop_marker: "scf.for %t",
                activity: vec![Activity::Dup, Activity::Active, Activity::Const, Activity::Const],
                snapshots: 100,
            },
            TimeLoop {
                case: Case { eval: "heat2d", label: format!("{grid}x{grid} steps=10^4 s=50"), input: heat },
                file: "benches/kernels/heat2d.mlir",
                function: "heat2d",
                loop_marker: "// time loop",
                activity: vec![
                    Activity::Dup,
                    Activity::Active,
                    Activity::Const,
                    Activity::Const,
                    Activity::Const,
                    Activity::Const,
                ],
                snapshots: 50,
            },
        ]
    }

    /// The kernel's arguments, decoded once: lorenz96 takes (x0, forcing,
    /// dt, steps); heat2d (u0, kappa, u_obs, dt, h, steps) with u0 and u_obs
    /// column-major (Fortran's order: element (i, j) at i + n j).
    fn args(&self) -> Vec<LoopArg> {
        let input = &self.case.input;
        let scalar = |name: &str| LoopArg::F64(number(input, name));
        let steps = LoopArg::Index(number(input, "steps") as i64);
        match self.case.eval {
            "lorenz96" => {
                let x0 = flat(&input["x0"]);
                let n = x0.len() as i64;
                let x0 = LoopArg::Array { data: x0, shape: vec![n], strides: vec![1] };
                vec![x0, scalar("forcing"), scalar("dt"), steps]
            }
            _ => {
                let [u0, u_obs] = ["u0", "u_obs"].map(|name| {
                    let rows = input[name].as_array().expect("rows");
                    let n = rows.len();
                    let mut column_major = vec![0.0; n * n];
                    for (i, row) in rows.iter().enumerate() {
                        for (j, value) in flat(row).into_iter().enumerate() {
                            column_major[i + n * j] = value;
                        }
                    }
                    LoopArg::Array { data: column_major, shape: vec![n as i64, n as i64], strides: vec![1, n as i64] }
                });
                vec![u0, scalar("kappa"), u_obs, scalar("dt"), scalar("h"), steps]
            }
        }
    }

    fn measure(&self, root: &Path, context: &Context, c: &CLibrary) -> ZadTimes {
        let path = root.join(self.file);
        let text = std::fs::read_to_string(&path).expect("kernel file");
        let line = text.lines().position(|l| l.contains(self.loop_marker)).expect("the time loop") + 1;
        let module = Module::load(context, &path).expect("kernel loads");
        let options = GradientOptions {
            loops: vec![(Some(line), CheckpointScheme::Snapshots(self.snapshots))],
            ..Default::default()
        };
        let start = Instant::now();
        let primal = module.function(self.function).expect("primal compiles");
        let gradient = module.gradient_with(self.function, &self.activity, &options).expect("gradient compiles");
        let compile_ns = start.elapsed().as_nanos() as f64;
        let mut primal_args = self.args();
        let mut gradient_args = self.args();
        let mut shadow = match &gradient_args[0] {
            LoopArg::Array { data, .. } => vec![0.0; data.len()],
            _ => unreachable!("the first argument is the state"),
        };
        let mut c_primal = c.primal(&self.case);
        let (mut value, mut c_value, mut gradient_sum) = (0.0, 0.0, 0.0);
        let times = interleaved(&mut [
            &mut || value = call_loop(&primal, &mut primal_args, None).0,
            &mut || c_value = black_box(c_primal()),
            &mut || gradient_sum = call_loop(&gradient, &mut gradient_args, Some(&mut shadow)).1,
        ]);
        let relative = (value - c_value).abs() / value.abs().max(1.0);
        assert!(relative < 1e-9, "{}: zad's primal {value} differs from C's {c_value}", self.case.eval);
        ZadTimes { primal_ns: times[0], gradient_ns: times[2], c_primal_ns: times[1], compile_ns, value, gradient_sum }
    }
}

/// An argument of a time-loop kernel.
enum LoopArg {
    Array { data: Vec<f64>, shape: Vec<i64>, strides: Vec<i64> },
    F64(f64),
    Index(i64),
}

/// Runs a time-loop kernel once: the primal, or, given the shadow of its
/// first argument (the state), the gradient. Returns (objective, sum of
/// the gradient entries).
fn call_loop(function: &CompiledFunction, loop_args: &mut [LoopArg], shadow: Option<&mut Vec<f64>>) -> (f64, f64) {
    let gradient = shadow.is_some();
    let mut shadow = shadow;
    let mut args = Args::new();
    for (position, arg) in loop_args.iter_mut().enumerate() {
        match arg {
            LoopArg::Array { data, shape, strides } => {
                // SAFETY: `data` holds the elements `shape` and `strides`
                // address and outlives the call below.
                unsafe { args.push_array(Scalar::F64, data.as_mut_ptr().cast(), shape, Some(strides)) }.expect("array");
                if let (0, Some(shadow)) = (position, shadow.as_deref_mut()) {
                    shadow.fill(0.0);
                    // SAFETY: as above, the shadow has the state's shape.
                    unsafe { args.push_array(Scalar::F64, shadow.as_mut_ptr().cast(), shape, Some(strides)) }
                        .expect("shadow");
                }
            }
            LoopArg::F64(value) => {
                args.push_f64(*value);
            }
            LoopArg::Index(value) => {
                args.push_index(*value);
            }
        }
    }
    function.call(&mut args).expect("the kernel runs");
    let results = args.results().to_vec();
    drop(args);
    let objective = results[0].as_f64().expect("objective");
    let sum = match (gradient, shadow) {
        (true, Some(shadow)) => shadow.iter().sum::<f64>() + results[1].as_f64().expect("scalar gradient"),
        _ => 0.0,
    };
    (objective, sum)
}

fn milliseconds(ns: f64) -> String {
    format!("{:.3}", ns / 1e6)
}

fn ratio(a: f64, b: f64) -> String {
    format!("{:.2}", a / b)
}

fn optional(value: Option<f64>, show: impl Fn(f64) -> String) -> String {
    value.map_or("–".to_string(), show)
}

const HEADER: &str =
        "| case | C primal ms | zad primal ms | zad ÷ C | zad gradient ms | zad grad ÷ primal | JAX primal ms | JAX gradient ms | JAX grad ÷ primal | zad grad ÷ JAX grad | JAX 1-core gradient ms | zad grad ÷ JAX 1-core grad | PyTorch gradient ms | zad compile ms | JAX compile ms |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";

/// The main table's line for a row.
fn line(row: &Row) -> String {
    {
        let [jax, jax_one_core, torch] =
            [&row.jax, &row.jax_one_core, &row.torch].map(|framework| framework.clone().unwrap_or_default());
        let mark = |framework: &Option<Framework>| if framework.as_ref().is_some_and(|f| !f.agrees) { " (disagrees)" } else { "" };
        format!(
            "| {}{} | {} | {} | {} | {} | {} | {} | {}{} | {} | {} | {}{} | {} | {}{} | {} | {} |",
            row.case,
            row.note,
            milliseconds(row.zad.c_primal_ns),
            milliseconds(row.zad.primal_ns),
            ratio(row.zad.primal_ns, row.zad.c_primal_ns),
            milliseconds(row.zad.gradient_ns),
            ratio(row.zad.gradient_ns, row.zad.primal_ns),
            optional(jax.primal_ns, milliseconds),
            optional(jax.gradient_ns, milliseconds),
            mark(&row.jax),
            match (jax.gradient_ns, jax.primal_ns) {
                (Some(g), Some(p)) => ratio(g, p),
                _ => "–".into(),
            },
            optional(jax.gradient_ns, |g| ratio(row.zad.gradient_ns, g)),
            optional(jax_one_core.gradient_ns, milliseconds),
            mark(&row.jax_one_core),
            optional(jax_one_core.gradient_ns, |g| ratio(row.zad.gradient_ns, g)),
            optional(torch.gradient_ns, milliseconds),
            mark(&row.torch),
            milliseconds(row.zad.compile_ns),
            optional(jax.compile_ns, milliseconds),
        )
    }
}

/// The lines of the generated block's tables that start with `key`
/// (a row's first cell, or first two cells), from `old`.
fn old_line<'a>(old: &'a str, key: &str) -> Option<&'a str> {
    old.lines().find(|line| line.starts_with(key))
}

/// The machine, compilers and framework versions, for results.md.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo.lines().find_map(|l| l.strip_prefix("model name")).map(|l| l.trim_start_matches([' ', '\t', ':'])).unwrap_or("unknown");
    let cores = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or("unknown".into(), |kb| format!("{:.0} GiB", kb / 1048576.0));
    let version = |command: &str, args: &[&str]| {
        Command::new(command)
            .args(args)
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| String::from_utf8_lossy(&output.stdout).lines().next().unwrap_or("").trim().to_string())
            .unwrap_or_else(|| "not installed".into())
    };
    let python = |module: &str| version(&python(), &["-c", &format!("import {module}; print({module}.__version__)")]);
    format!(
        "- CPU: {cpu}, {cores} cores, {memory} memory. zad and C run on one thread; JAX and PyTorch with their defaults (both cores), and JAX once more on one core with one thread (the 1-core columns)\n\
         - Times are the fastest of at least {MIN_RUNS} runs and {MIN_SECONDS} s per function; zad and C interleaved in one process, the frameworks right after on the same input file; subnormals flushed to zero for zad, C (same thread) and JAX (its default, and `zad gradbench`'s), kept by PyTorch (its default)\n\
         - zad {} on LLVM/MLIR {}; C: {} with -O3 -march=native\n\
         - JAX {} (jaxlib CPU, float64), PyTorch {} (float64, eager)\n",
        env!("CARGO_PKG_VERSION"),
        version("/usr/lib/llvm-22/bin/llvm-config", &["--version"]),
        version("gcc", &["--version"]),
        python("jax"),
        python("torch"),
    )
}

const BEGIN: &str = "<!-- generated by `make bench`: begin -->";
const END: &str = "<!-- generated by `make bench`: end -->";

/// The generated part of results.md as it is now (empty if none).
fn old_results(root: &Path) -> String {
    let old = std::fs::read_to_string(root.join("benches/results.md")).unwrap_or_default();
    match (old.find(BEGIN), old.find(END)) {
        (Some(begin), Some(end)) if begin < end => old[begin..end].to_string(),
        _ => String::new(),
    }
}

/// Replaces the generated part of results.md, keeping the text around it.
fn write_results(root: &Path, generated: &str) {
    let path = root.join("benches/results.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let (before, after) = match (old.find(BEGIN), old.find(END)) {
        (Some(begin), Some(end)) if begin < end => (old[..begin].to_string(), old[end + END.len()..].to_string()),
        _ => (String::from("# Benchmark results\n\n"), String::from("\n")),
    };
    std::fs::write(&path, format!("{before}{BEGIN}\n{generated}{END}{after}")).expect("write results.md");
}

/// The evals without a PyTorch version in frameworks.py.
const JAX_ONLY: [&str; 4] = ["det", "kmeans", "saddle", "particle"];

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target/gradbench-bench");
    std::fs::create_dir_all(&out).expect("output directory");
    let c = CLibrary::build(&root, &out);
    // As `zad gradbench` and JAX run: subnormals flushed to zero (for the C
    // baseline too, which runs on this thread).
    zad::gradbench::flush_subnormals();
    let context = Context::new().expect("context");
    // Arguments other than cargo's flags: eval names (or parts of them).
    let filters: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with('-')).collect();
    let selected = |eval: &str| filters.is_empty() || filters.iter().any(|filter| eval.contains(filter.as_str()));

    // Every table line, keyed by its leading cells, in the full run's order:
    // Some(line) where measured now.
    let mut lines: Vec<(String, Option<String>)> = Vec::new();
    let mut nested: Vec<(String, Option<String>)> = Vec::new();
    let mut rng = StdRng::seed_from_u64(96);
    let all = cases(&root).into_iter().map(Benchmark::Eval).chain(TimeLoop::cases(&mut rng).into_iter().map(Benchmark::Loop));
    for item in all {
        let case = match &item {
            Benchmark::Eval(case) => case,
            Benchmark::Loop(time_loop) => &time_loop.case,
        };
        let name = format!("{} {}", case.eval, case.label);
        let note = if matches!(item, Benchmark::Loop(_)) { " (checkpointed)" } else { "" }.to_string();
        let key = format!("| {name}{note} |");
        if !selected(case.eval) {
            lines.push((key, None));
            continue;
        }
        eprintln!("{name}");
        let zad = match &item {
            Benchmark::Eval(case) => measure_gradbench(&context, &c, case),
            Benchmark::Loop(time_loop) => time_loop.measure(&root, &context, &c),
        };
        let file = out.join(format!("{}.json", name.replace([' ', '='], "_")));
        std::fs::write(&file, case.input.to_string()).expect("input file");
        let jax = framework(&root, "jax", case.eval, &file, zad.value, zad.gradient_sum);
        let jax_one_core = framework_one_core(&root, case.eval, &file, zad.value, zad.gradient_sum);
        let torch = if JAX_ONLY.contains(&case.eval) {
            None
        } else {
            framework(&root, "torch", case.eval, &file, zad.value, zad.gradient_sum)
        };
        let row = Row { case: name, zad, jax, jax_one_core, torch, note };
        lines.push((key, Some(line(&row))));
    }
    for case in nested_cases() {
        let name = format!("{} {}", case.eval, case.label);
        let keys = MODES.map(|mode| format!("| {name} | {mode} |"));
        if !selected(case.eval) {
            nested.extend(keys.into_iter().map(|key| (key, None)));
            continue;
        }
        eprintln!("{name}");
        let zad = measure_nested(&context, &case);
        let file = out.join(format!("{}.json", case.eval));
        std::fs::write(&file, case.input.to_string()).expect("input file");
        let jax = nested_framework(&[], &root, case.eval, &file, &zad);
        let jax_one_core = nested_framework(&["taskset", "-c", "0"], &root, case.eval, &file, &zad);
        let measured = nested_lines(&name, &zad, &jax, &jax_one_core);
        nested.extend(keys.into_iter().zip(measured).map(|(key, line)| (key, Some(line))));
    }

    // A filtered run keeps the other rows of results.md as they are.
    let old = if filters.is_empty() { String::new() } else { old_results(&root) };
    let merge = |lines: &[(String, Option<String>)]| -> String {
        lines
            .iter()
            .filter_map(|(key, line)| line.clone().or_else(|| old_line(&old, key).map(str::to_string)))
            .map(|line| line + "\n")
            .collect()
    };
    let nested = merge(&nested);
    let nested = if nested.is_empty() { nested } else { format!("\n{NESTED_HEADER}{nested}") };
    let tables = format!("{HEADER}{}{nested}", merge(&lines));
    println!("{tables}");
    // A filtered run keeps the description of the run the other rows come
    // from, and says where its own rows were measured.
    let description: String = old
        .lines()
        .filter(|line| line.starts_with("- ") && !line.starts_with("- Rows of "))
        .map(|line| format!("{line}\n"))
        .collect();
    let description = if filters.is_empty() || description.is_empty() {
        machine()
    } else {
        let here: String = machine().lines().map(|line| format!("  {line}\n")).collect();
        format!("{description}- Rows of {} measured later, by a run of only those, on:\n{here}", filters.join(", "))
    };
    write_results(&root, &format!("{description}\n{tables}"));
}
