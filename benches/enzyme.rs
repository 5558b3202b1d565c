//! `make bench`: zad side by side with Enzyme (Enzyme-JAX, PyPI's
//! `enzyme-ad`) on the same kernels and inputs: the 1-D heat equation and
//! Lorenz-96 of `benches/gradients.rs`, and GradBench's lse at its two sizes
//! of `benches/gradbench.rs`.
//!
//! zad's primal and gradient are measured here (kernels from
//! benches/kernels and src/gradbench/kernels); Enzyme's by
//! `benches/enzyme/enzyme_bench.py` on the same inputs (written to a file),
//! through `enzyme_ad.jax.cpp_call` on C++ sources of the same kernels
//! (benches/enzyme/*.cpp), gradient by `jax.grad` over that call. Times are
//! medians of at least MIN_RUNS runs and MIN_SECONDS seconds, after a
//! warm-up run. Enzyme's primal value and gradient sum are checked against
//! zad's. Prints a table and rewrites the Enzyme block of
//! `benches/results.md` (between its markers).
//!
//! The Python comes from $ZAD_ENZYME_PYTHON (`make bench` sets it from
//! `benches/gradbench/setup-python enzyme`), else target/enzyme-venv if it
//! exists. Without it, or where enzyme-ad fails, Enzyme's columns stay empty
//! and the block says why.

mod common;

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value as Json, json};
use std::{
    hint::black_box,
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};
use zad::{Activity, Args, Context, Module};

const MIN_RUNS: usize = 7;
const MIN_SECONDS: f64 = 1.0;

/// Median seconds of `body`: a warm-up run, then at least MIN_RUNS runs
/// and MIN_SECONDS seconds.
fn median(mut body: impl FnMut()) -> f64 {
    body();
    let begin = Instant::now();
    let mut samples = Vec::new();
    while samples.len() < MIN_RUNS || begin.elapsed().as_secs_f64() < MIN_SECONDS {
        let start = Instant::now();
        body();
        samples.push(start.elapsed().as_secs_f64());
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}


struct Case {
    name: &'static str,
    /// enzyme_bench.py's kernel (benches/enzyme/KERNEL.cpp).
    kernel: &'static str,
    /// The MLIR file, from the repository's root.
    file: &'static str,
    function: &'static str,
    activity: Vec<Activity>,
    arrays: Vec<Vec<f64>>,
    build: common::PushArgs,
    /// The same input for enzyme_bench.py.
    input: Json,
}

/// What one side measured: seconds, the primal's value and the sum of all
/// gradient entries (shadows and active scalars).
#[derive(Clone, Copy)]
struct Measured {
    primal: f64,
    gradient: f64,
    value: f64,
    gradient_sum: f64,
}

fn measure_zad(root: &Path, context: &Context, case: &Case) -> Measured {
    let module = Module::load(context, root.join(case.file)).expect("kernel loads");
    let primal = module.function(case.function).expect("primal compiles");
    let gradient = module.gradient(case.function, &case.activity).expect("gradient compiles");
    let mut arrays = case.arrays.clone();
    let mut shadows: Vec<Vec<f64>> = arrays.iter().map(|a| vec![0.0; a.len()]).collect();
    let mut value = 0.0;
    let primal_time = median(|| {
        let mut args = Args::new();
        (case.build)(&mut args, &mut arrays, &mut shadows, false);
        primal.call(&mut args).expect("primal runs");
        value = args.results()[0].as_f64().expect("a number");
        black_box(&args);
    });
    let mut gradient_value = 0.0;
    let mut scalar_gradients = 0.0;
    let gradient_time = median(|| {
        for shadow in shadows.iter_mut() {
            shadow.iter_mut().for_each(|s| *s = 0.0);
        }
        let mut args = Args::new();
        (case.build)(&mut args, &mut arrays, &mut shadows, true);
        gradient.call(&mut args).expect("gradient runs");
        let results = args.results();
        gradient_value = results[0].as_f64().expect("a number");
        scalar_gradients = results[1..].iter().filter_map(|r| r.as_f64()).sum();
        black_box(&args);
    });
    assert!((value - gradient_value).abs() <= 1e-9 * value.abs().max(1.0), "{}: the gradient's primal result differs", case.name);
    let gradient_sum = shadows.iter().flatten().sum::<f64>() + scalar_gradients;
    Measured { primal: primal_time, gradient: gradient_time, value, gradient_sum }
}

/// The Python with enzyme-ad, if any.
fn python(root: &Path) -> Option<String> {
    match std::env::var("ZAD_ENZYME_PYTHON") {
        Ok(python) if !python.trim().is_empty() => Some(python.trim().to_string()),
        Ok(_) => None,
        Err(_) => {
            let venv = root.join("target/enzyme-venv/bin/python");
            venv.exists().then(|| venv.display().to_string())
        }
    }
}

/// Enzyme on a case (`openmp`: its OpenMP variant): (its measurement,
/// whether it agrees with zad's), or why not.
fn measure_enzyme(
    root: &Path,
    python: &str,
    case: &Case,
    file: &Path,
    zad: &Measured,
    openmp: bool,
) -> Result<(Measured, bool), String> {
    let mut command = Command::new(python);
    command.arg(root.join("benches/enzyme/enzyme_bench.py")).arg(case.kernel).arg(file);
    if openmp {
        command.arg("--openmp");
    }
    let output = command
        .args(["--min-runs", &MIN_RUNS.to_string(), "--min-seconds", &MIN_SECONDS.to_string()])
        .output()
        .map_err(|error| format!("{python} does not run: {error}"))?;
    if !output.status.success() {
        // Enzyme's first error, else the last line, and how it ended.
        let error = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = error.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let line = lines.iter().find(|l| l.contains("error:")).or(lines.last()).copied().unwrap_or("no message");
        // From Enzyme's own words, up to the call's arguments.
        let line = line.find("Enzyme:").map_or(line, |at| &line[at..]);
        let line = line.split('(').next().unwrap_or(line).split_whitespace().collect::<Vec<_>>().join(" ");
        let line: String = line.chars().take(200).collect();
        let status = match (output.status.code(), std::os::unix::process::ExitStatusExt::signal(&output.status)) {
            (Some(code), _) => format!("exit status {code}"),
            (None, Some(signal)) => format!("killed by signal {signal}"),
            (None, None) => "failed".into(),
        };
        return Err(format!("{status}: `{}`", line.replace('`', "'")));
    }
    let line: Json = serde_json::from_slice(&output.stdout).map_err(|error| format!("bad output: {error}"))?;
    let number = |key: &str| line[key].as_f64().ok_or_else(|| format!("no {key} in its output"));
    let enzyme = Measured {
        primal: number("primal_ns")? * 1e-9,
        gradient: number("gradient_ns")? * 1e-9,
        value: number("primal_value")?,
        gradient_sum: number("gradient_sum")?,
    };
    let close = |a: f64, b: f64, tolerance: f64| (a - b).abs() <= tolerance * a.abs().max(b.abs()).max(1.0);
    let agrees = close(enzyme.value, zad.value, 1e-8) && close(enzyme.gradient_sum, zad.gradient_sum, 1e-6);
    if !agrees {
        eprintln!(
            "  Enzyme disagrees with zad: primal {} vs {}, gradient sum {} vs {}",
            enzyme.value, zad.value, enzyme.gradient_sum, zad.gradient_sum
        );
    }
    Ok((enzyme, agrees))
}

fn cases() -> Vec<Case> {
    // The inputs of benches/gradients.rs.
    let common::KernelInputs { heat_u0: u0, heat_obs: obs, lorenz_x: x96, .. } = common::KernelInputs::new();
    let mut cases = vec![
        Case {
            name: "heat 1-D, 10^3 x 10^3 steps, taped",
            kernel: "heat",
            file: "benches/kernels/heat.mlir",
            function: "heat",
            activity: vec![Activity::Dup, Activity::Active, Activity::Const, Activity::Const],
            input: json!({ "u0": u0, "r": 0.25, "obs": obs, "steps": 1000 }),
            arrays: vec![u0, obs],
            build: common::push_heat,
        },
        Case {
            name: "Lorenz-96, n = 40, 10^4 Euler steps",
            kernel: "lorenz96",
            file: "benches/kernels/lorenz96.mlir",
            function: "lorenz96",
            activity: vec![Activity::Dup, Activity::Active, Activity::Const, Activity::Const],
            input: json!({ "x0": x96, "forcing": 8.0, "dt": 0.005, "steps": 10_000 }),
            arrays: vec![x96],
            build: common::push_lorenz96,
        },
    ];
    // GradBench's lse sizes and distribution (uniform on [0, 1)), as
    // benches/gradbench.rs, from a seed of its own.
    let mut rng = StdRng::seed_from_u64(31337);
    for (name, n) in [("lse (GradBench), n = 100000", 100_000), ("lse (GradBench), n = 1280000", 1_280_000)] {
        let x: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
        cases.push(Case {
            name,
            kernel: "lse",
            file: "src/gradbench/kernels/lse.mlir",
            function: "lse",
            activity: vec![Activity::Dup],
            input: json!({ "x": x }),
            arrays: vec![x],
            build: common::push_array,
        });
    }
    cases
}

struct Row {
    name: &'static str,
    zad: Measured,
    /// Enzyme's measurement and whether it agrees with zad's.
    enzyme: Option<(Measured, bool)>,
    /// The same with OpenMP.
    enzyme_openmp: Option<(Measured, bool)>,
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| kernel | zad primal ms | zad gradient ms | zad grad ÷ primal | Enzyme primal ms | Enzyme gradient ms | Enzyme grad ÷ primal | zad gradient ÷ Enzyme gradient | Enzyme OpenMP primal ms | Enzyme OpenMP gradient ms |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for row in rows {
        let zad = &row.zad;
        let enzyme = match &row.enzyme {
            Some((e, agrees)) => format!(
                "{:.3} | {:.3}{} | {:.2} | {:.2}",
                e.primal * 1e3,
                e.gradient * 1e3,
                if *agrees { "" } else { " (disagrees)" },
                e.gradient / e.primal,
                zad.gradient / e.gradient
            ),
            None => "– | – | – | –".into(),
        };
        let openmp = match &row.enzyme_openmp {
            Some((e, agrees)) => {
                format!("{:.3} | {:.3}{}", e.primal * 1e3, e.gradient * 1e3, if *agrees { "" } else { " (disagrees)" })
            }
            None => "– | –".into(),
        };
        out += &format!(
            "| {} | {:.3} | {:.3} | {:.2} | {enzyme} | {openmp} |\n",
            row.name,
            zad.primal * 1e3,
            zad.gradient * 1e3,
            zad.gradient / zad.primal
        );
    }
    out
}

/// The machine and the versions, for results.md.
fn machine(python: Option<&str>) -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo.lines().find_map(|l| l.strip_prefix("model name")).map(|l| l.trim_start_matches([' ', '\t', ':'])).unwrap_or("unknown");
    let cores = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
    let versions = python
        .and_then(|python| {
            let script = "import importlib.metadata as m; print(' '.join(m.version(p) for p in ('enzyme-ad', 'jax', 'jaxlib')))";
            Command::new(python).args(["-c", script]).output().ok().filter(|o| o.status.success())
        })
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let versions = match versions.as_deref().map(|v| v.split(' ').collect::<Vec<_>>()).as_deref() {
        Some([enzyme, jax, jaxlib]) => format!("enzyme-ad {enzyme} (Enzyme-JAX) with JAX {jax}, jaxlib {jaxlib} (CPU, float64)"),
        _ => "enzyme-ad not installed".into(),
    };
    format!(
        "- CPU: {cpu}, {cores} cores; zad and Enzyme each on one thread, and Enzyme again with OpenMP (its default threads, one per core); medians of at least {MIN_RUNS} runs and {MIN_SECONDS} s after a warm-up run\n\
         - zad {} on LLVM/MLIR 22; {versions}\n",
        env!("CARGO_PKG_VERSION"),
    )
}

const BEGIN: &str = "<!-- generated by the enzyme bench: begin -->";
const END: &str = "<!-- generated by the enzyme bench: end -->";

/// Replaces the Enzyme block of results.md (appending one if it has none),
/// keeping the text around it.
fn write_results(root: &Path, generated: &str) {
    let path = root.join("benches/results.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let (before, after) = match (old.find(BEGIN), old.find(END)) {
        (Some(begin), Some(end)) if begin < end => (old[..begin].to_string(), old[end + END.len()..].to_string()),
        _ => (format!("{}\n## zad and Enzyme\n\n", old.trim_end()), String::from("\n")),
    };
    std::fs::write(&path, format!("{before}{BEGIN}\n{generated}{END}{after}")).expect("write results.md");
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target/enzyme-bench");
    std::fs::create_dir_all(&out).expect("output directory");
    let context = Context::new().expect("context");
    let python = python(&root);
    let mut notes = Vec::new();
    if python.is_none() {
        notes.push("enzyme-ad is not installed (`benches/gradbench/setup-python enzyme` installs it): Enzyme's columns are empty".to_string());
    }
    let mut rows = Vec::new();
    for case in cases() {
        eprintln!("{}", case.name);
        let zad = measure_zad(&root, &context, &case);
        let file = out.join(format!("{}.json", case.kernel));
        std::fs::write(&file, case.input.to_string()).expect("input file");
        let mut enzyme = |openmp: bool| {
            let python = python.as_deref()?;
            match measure_enzyme(&root, python, &case, &file, &zad, openmp) {
                Ok(enzyme) => Some(enzyme),
                Err(error) => {
                    let which = if openmp { "Enzyme with OpenMP" } else { "Enzyme" };
                    eprintln!("  {which} failed: {error}");
                    notes.push(format!("{which} failed on {}: {error}", case.name));
                    None
                }
            }
        };
        let (serial, openmp) = (enzyme(false), enzyme(true));
        rows.push(Row { name: case.name, zad, enzyme: serial, enzyme_openmp: openmp });
    }
    let table = table(&rows);
    println!("{table}");
    let notes: String = notes.iter().map(|note| format!("- {note}\n")).collect();
    write_results(&root, &format!("{}{notes}\n{table}", machine(python.as_deref())));
}
