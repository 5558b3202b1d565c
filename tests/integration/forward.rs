//! Forward and vector mode (`Module::tangent`, `zad_module_tangent`,
//! `zad jvp`, `zad jacobian`).
//!
//! Every kernel of `tests/gradients` (drawn as the gradient suite draws
//! them, with its directives) is differentiated in forward mode: at random
//! points, along a random direction in which every 'dup'/'active' argument
//! moves at once, the tangent of the float result and the tangents of the
//! final contents of the 'dup' buffers are compared with central finite
//! differences of the primal, `(F(x + h v) - F(x - h v)) / 2h`, with the
//! gradient suite's steps and tolerances (relative to `max(1, |fd|)`). In
//! vector mode (width 3) each lane must equal a scalar forward call along
//! that lane's direction.
//!
//! `FORWARD_UNSUPPORTED` lists the kernels forward mode refuses, with the
//! words its error must contain; a listed kernel that differentiates fails
//! the suite, so that the list stays honest.

use crate::gradients::{
    self, ArgValue, GRADIENT_DIR, STEP_F32, STEP_F64, Spec, TOLERANCE_F32, TOLERANCE_F64, check_generator, close,
    draw, file_name, parse_spec, push, relative, seed_of,
};
use crate::abi_programs::{all_passed, build_c, build_cpp, build_fortran, run_ok};
use crate::support::{Scratch, assert_no_failures, files_in, root, run, selected, zad_cli};
use rand::{Rng, SeedableRng, rngs::StdRng};
use zad::{Activity, Args, CompiledFunction, Context, Error, Module, ParamType, Value};

/// Kernels of `tests/gradients` that forward mode refuses: (file, words the
/// error must contain). Empty while the tangent generator handles them all.
const FORWARD_UNSUPPORTED: &[(&str, &str)] = &[];

/// Kernels vector mode refuses on top of those: complex tangents cannot
/// travel as one MLIR vector (`vector<W x complex<f64>>` is not a type).
const VECTOR_UNSUPPORTED: &[(&str, &str)] = &[
    ("complex_arith.mlir", "vector mode does not support complex numbers"),
    ("complex_array_loop.mlir", "vector mode does not support complex numbers"),
    ("complex_f32.mlir", "vector mode does not support complex numbers"),
    ("complex_math.mlir", "vector mode does not support complex numbers"),
];

/// How closely a lane of a vector-mode tangent must match the scalar
/// tangent along the same direction (the same arithmetic, in vectors).
const LANE_TOLERANCE_F64: f64 = 1e-10;
const LANE_TOLERANCE_F32: f64 = 1e-5;

/// One kernel of the gradient suite (or of the Fortran or C suites),
/// ready to differentiate.
pub(crate) struct Kernel {
    name: String,
    spec: Spec,
    module: Module,
    inputs: Vec<ParamType>,
    /// Forward mode's activity: 'dup' for every argument the gradient
    /// suite differentiates ('active' or 'dup' there).
    activity: Vec<Activity>,
}

/// Loads kernel `path`, or says why it cannot be checked.
fn load(context: &Context, path: &std::path::Path) -> Result<Kernel, String> {
    let name = relative(path);
    let text = std::fs::read_to_string(path).map_err(|error| format!("{name}: {error}"))?;
    let spec = parse_spec(&text, "//").map_err(|errors| format!("{name}: {}", errors.join("; ")))?;
    let module = Module::parse(context, &text, &name).map_err(|error| format!("{name}: {error}"))?;
    Kernel::new(name, spec, module)
}

impl Kernel {
    /// A kernel of `module` described by `spec` (named `name` in messages).
    pub(crate) fn new(name: String, spec: Spec, module: Module) -> Result<Kernel, String> {
    let signature = module.signature(&spec.function).map_err(|error| format!("{name}: {error}"))?;
    for (index, (generator, ty)) in spec.args.iter().zip(&signature.inputs).enumerate() {
        check_generator(generator, ty, index).map_err(|error| format!("{name}: {error}"))?;
    }
    let activity = match &spec.activity {
        Some(activity) => activity.clone(),
        None => module.default_activity(&spec.function).map_err(|error| format!("{name}: {error}"))?,
    };
    let activity = activity.into_iter().map(|kind| if kind == Activity::Active { Activity::Dup } else { kind }).collect();
    Ok(Kernel { name, spec, module, inputs: signature.inputs, activity })
    }
}

/// Every kernel file of the gradient suite that `ZAD_FILTER` selects.
fn kernel_files() -> Vec<std::path::PathBuf> {
    files_in(GRADIENT_DIR, "mlir").into_iter().filter(|path| selected(path)).collect()
}

impl Kernel {
    fn single(&self, point: &[ArgValue]) -> bool {
        point.iter().any(ArgValue::is_f32)
            || self.module.signature(&self.spec.function).is_ok_and(|s| {
                s.results.iter().any(|ty| matches!(ty, ParamType::Scalar(zad::Scalar::F32)))
            })
    }

    /// A random direction: uniform in [-1, 1) for each float component of
    /// a 'dup' argument (the others' entries are not passed).
    fn direction(&self, point: &[ArgValue], rng: &mut StdRng) -> Vec<ArgValue> {
        point
            .iter()
            .zip(&self.activity)
            .map(|(value, &kind)| {
                let mut direction = value.zeroed();
                if kind == Activity::Dup {
                    for k in 0..direction.len() {
                        direction.set(k, rng.random_range(-1.0..1.0));
                    }
                }
                direction
            })
            .collect()
    }

    /// What the checks compare, from the primal function: its float
    /// results, then the final contents of each 'dup' buffer, flattened.
    fn outputs(&self, primal: &CompiledFunction, point: &[ArgValue]) -> Result<Vec<f64>, String> {
        let mut values = point.to_vec();
        let mut outputs = {
            let mut args = Args::new();
            for (value, ty) in values.iter_mut().zip(&self.inputs) {
                push(&mut args, value, ty).map_err(|error| format!("primal arguments: {error}"))?;
            }
            primal.call(&mut args).map_err(|error| format!("primal call: {error}"))?;
            float_results(args.results())
        };
        for (value, &kind) in values.iter().zip(&self.activity) {
            if kind == Activity::Dup && is_buffer(value) {
                outputs.extend((0..value.len()).map(|k| value.get(k)));
            }
        }
        Ok(outputs)
    }

    /// zad's tangent (of width `directions.len()`) at `point`: the primal
    /// outputs and, per direction, the tangents of the outputs, laid out
    /// as `outputs` lays them out.
    fn tangents(
        &self,
        tangent: &CompiledFunction,
        point: &[ArgValue],
        directions: &[Vec<ArgValue>],
    ) -> Result<(Vec<f64>, Vec<Vec<f64>>), String> {
        let width = directions.len();
        let mut values = point.to_vec();
        // lanes[argument][lane]
        let mut lanes: Vec<Vec<ArgValue>> =
            (0..point.len()).map(|index| directions.iter().map(|direction| direction[index].clone()).collect()).collect();
        let (primal_results, result_tangents) = {
            let mut args = Args::new();
            for (((value, lanes), &kind), ty) in values.iter_mut().zip(lanes.iter_mut()).zip(&self.activity).zip(&self.inputs) {
                push(&mut args, value, ty).map_err(|error| format!("tangent arguments: {error}"))?;
                if kind == Activity::Dup {
                    for lane in lanes.iter_mut() {
                        push(&mut args, lane, ty).map_err(|error| format!("tangent arguments: {error}"))?;
                    }
                }
            }
            tangent.call(&mut args).map_err(|error| format!("tangent call: {error}"))?;
            let results = args.results();
            let primal_count = self.module.signature(&self.spec.function).map(|s| s.results.len()).unwrap_or(0);
            if results.len() < primal_count {
                return Err(format!("the tangent returned {} results, fewer than the function's {primal_count}", results.len()));
            }
            let primal_results = float_results(&results[..primal_count]);
            let tangents = float_results(&results[primal_count..]);
            if tangents.len() != primal_results.len() * width {
                return Err(format!(
                    "the tangent returned {} tangents for {} float results at width {width}",
                    tangents.len(),
                    primal_results.len()
                ));
            }
            (primal_results, tangents)
        };
        let mut primal = primal_results.clone();
        let mut per_lane: Vec<Vec<f64>> = (0..width)
            .map(|lane| (0..primal_results.len()).map(|result| result_tangents[result * width + lane]).collect())
            .collect();
        for ((value, lanes), &kind) in values.iter().zip(&lanes).zip(&self.activity) {
            if kind == Activity::Dup && is_buffer(value) {
                primal.extend((0..value.len()).map(|k| value.get(k)));
                for (lane, tangent) in lanes.iter().enumerate() {
                    per_lane[lane].extend((0..tangent.len()).map(|k| tangent.get(k)));
                }
            }
        }
        Ok((primal, per_lane))
    }
}

fn is_buffer(value: &ArgValue) -> bool {
    matches!(value, ArgValue::ArrayF64(..) | ArgValue::ArrayF32(..))
}

fn float_results(values: &[Value]) -> Vec<f64> {
    values
        .iter()
        .filter_map(|value| match value {
            Value::F64(x) => Some(*x),
            Value::F32(x) => Some(*x as f64),
            _ => None,
        })
        .collect()
}

/// `point + t * direction` on the 'dup' arguments.
fn moved(point: &[ArgValue], direction: &[ArgValue], activity: &[Activity], t: f64) -> Vec<ArgValue> {
    let mut moved = point.to_vec();
    for ((value, direction), &kind) in moved.iter_mut().zip(direction).zip(activity) {
        if kind == Activity::Dup {
            for k in 0..value.len() {
                let x = value.get(k);
                value.set(k, x + t * direction.get(k));
            }
        }
    }
    moved
}

/// Which output component `k` of a kernel's outputs is, for messages.
fn describe_output(kernel: &Kernel, point: &[ArgValue], results: usize, k: usize) -> String {
    if k < results {
        return format!("the tangent of result {}", k + 1);
    }
    let mut offset = results;
    for (index, (value, &kind)) in point.iter().zip(&kernel.activity).enumerate() {
        if kind == Activity::Dup && is_buffer(value) {
            if k < offset + value.len() {
                return format!("the tangent of arg#{index}[{}] (final contents)", k - offset);
            }
            offset += value.len();
        }
    }
    format!("output {k}")
}

/// Checks the forward-mode tangent of one kernel against central finite
/// differences along random directions; returns the failures.
pub(crate) fn check_tangent(kernel: &Kernel) -> Result<Vec<String>, Error> {
    let tangent = kernel.module.tangent(&kernel.spec.function, &kernel.activity, 1)?;
    let primal = kernel.module.function(&kernel.spec.function)?;
    let mut failures = Vec::new();
    let mut fail = |message: String| failures.push(format!("{}: @{}: {message}", kernel.name, kernel.spec.function));
    let mut rng = StdRng::seed_from_u64(seed_of(&kernel.name) ^ 0x7a6e);
    let results = kernel.module.signature(&kernel.spec.function).map(|s| s.results.len()).unwrap_or(0);
    for point_index in 0..kernel.spec.points {
        let point = draw(&kernel.spec, &kernel.inputs, &mut rng);
        let direction = kernel.direction(&point, &mut rng);
        let at = format!("point {point_index} {}", point.iter().map(ArgValue::describe).collect::<Vec<_>>().join(", "));
        let (values, lanes) = match kernel.tangents(&tangent, &point, std::slice::from_ref(&direction)) {
            Ok(result) => result,
            Err(error) => {
                fail(format!("{at}: {error}"));
                continue;
            }
        };
        let reference = match kernel.outputs(&primal, &point) {
            Ok(outputs) => outputs,
            Err(error) => {
                fail(format!("{at}: {error}"));
                continue;
            }
        };
        let single = kernel.single(&point);
        let (step, tolerance) = if single { (STEP_F32, TOLERANCE_F32) } else { (STEP_F64, TOLERANCE_F64) };
        let (step, tolerance) = (kernel.spec.step.unwrap_or(step), kernel.spec.tolerance.unwrap_or(tolerance));
        let primal_tolerance = if single { gradients::PRIMAL_TOLERANCE_F32 } else { gradients::PRIMAL_TOLERANCE_F64 };
        for (k, (&got, &expected)) in values.iter().zip(&reference).enumerate() {
            if !close(got, expected, primal_tolerance) {
                fail(format!("{at}: the tangent's primal output {k} is {got:.17e}, the primal function's {expected:.17e}"));
            }
        }
        let scale = point
            .iter()
            .zip(&kernel.activity)
            .filter(|(_, kind)| **kind == Activity::Dup)
            .flat_map(|(value, _)| (0..value.len()).map(|k| value.get(k).abs()))
            .fold(1.0f64, f64::max);
        let h = step * scale;
        let (plus, minus) = match (kernel.outputs(&primal, &moved(&point, &direction, &kernel.activity, h)),
            kernel.outputs(&primal, &moved(&point, &direction, &kernel.activity, -h)),
        ) {
            (Ok(plus), Ok(minus)) => (plus, minus),
            (Err(error), _) | (_, Err(error)) => {
                fail(format!("{at}: finite difference: {error}"));
                continue;
            }
        };
        if lanes[0].len() != reference.len() {
            fail(format!("{at}: {} tangent components for {} outputs", lanes[0].len(), reference.len()));
            continue;
        }
        for (k, &got) in lanes[0].iter().enumerate() {
            let fd = (plus[k] - minus[k]) / (2.0 * h);
            if !close(got, fd, tolerance) {
                fail(format!(
                    "{at}: {}: got {got:.12e}, expected {fd:.12e} (central difference along a random direction, tolerance {tolerance:e})",
                    describe_output(kernel, &point, results, k)
                ));
            }
        }
    }
    Ok(failures)
}

/// Runs `check` on every kernel, expecting the refusals of
/// `FORWARD_UNSUPPORTED` and nothing else; fails listing every failure.
fn every_kernel(what: &str, unsupported: &[(&str, &str)], check: impl Fn(&Kernel) -> Result<Vec<String>, Error>) {
    let context = Context::new().expect("zad context");
    let files = kernel_files();
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in &files {
        let kernel = match load(&context, path) {
            Ok(kernel) => kernel,
            Err(error) => {
                failures.push(error);
                continue;
            }
        };
        let refused = unsupported.iter().find(|(file, _)| *file == file_name(path));
        match (check(&kernel), refused) {
            (Ok(found), None) => {
                checked += 1;
                failures.extend(found);
            }
            (Err(error), None) => failures.push(format!("{}: cannot differentiate in forward mode: {error}", kernel.name)),
            (Ok(_), Some((file, _))) => {
                failures.push(format!("{file}: differentiates in {what} mode but is listed as refused: remove it"))
            }
            (Err(Error::Unsupported(message)), Some((_, words))) if message.contains(words) => {}
            (Err(error), Some((file, words))) => {
                failures.push(format!("{file}: expected an Unsupported error containing '{words}', got: {error}"))
            }
        }
    }
    let all: Vec<String> = files_in(GRADIENT_DIR, "mlir").iter().map(|path| file_name(path)).collect();
    for (file, _) in unsupported {
        if !all.iter().any(|name| name == file) {
            failures.push(format!("FORWARD_UNSUPPORTED names {file}, which is not in {GRADIENT_DIR}"));
        }
    }
    eprintln!("forward ({what}): {} files, {checked} differentiated, {} failures", files.len(), failures.len());
    assert_no_failures(&failures, what, &format!("{} files", files.len()));
}

#[test]
fn tangents_match_finite_differences() {
    every_kernel("tangent", FORWARD_UNSUPPORTED, check_tangent);
}

/// Width 3: each lane equals a scalar forward call along its direction.
fn check_lanes(kernel: &Kernel) -> Result<Vec<String>, Error> {
    const WIDTH: usize = 3;
    let vector = kernel.module.tangent(&kernel.spec.function, &kernel.activity, WIDTH)?;
    let scalar = kernel.module.tangent(&kernel.spec.function, &kernel.activity, 1)?;
    let mut failures = Vec::new();
    let mut rng = StdRng::seed_from_u64(seed_of(&kernel.name) ^ 0x3);
    let point = draw(&kernel.spec, &kernel.inputs, &mut rng);
    let directions: Vec<Vec<ArgValue>> = (0..WIDTH).map(|_| kernel.direction(&point, &mut rng)).collect();
    let tolerance = if kernel.single(&point) { LANE_TOLERANCE_F32 } else { LANE_TOLERANCE_F64 };
    let results = kernel.module.signature(&kernel.spec.function).map(|s| s.results.len()).unwrap_or(0);
    let (_, lanes) = match kernel.tangents(&vector, &point, &directions) {
        Ok(found) => found,
        Err(error) => return Ok(vec![format!("{}: width {WIDTH}: {error}", kernel.name)]),
    };
    for (lane, direction) in directions.iter().enumerate() {
        let (_, expected) = match kernel.tangents(&scalar, &point, std::slice::from_ref(direction)) {
            Ok(found) => found,
            Err(error) => return Ok(vec![format!("{}: width 1: {error}", kernel.name)]),
        };
        for (k, (&got, &want)) in lanes[lane].iter().zip(&expected[0]).enumerate() {
            if !close(got, want, tolerance) {
                failures.push(format!(
                    "{}: lane {lane} of the width-{WIDTH} tangent: {} is {got:.17e}, the scalar tangent's {want:.17e}",
                    kernel.name,
                    describe_output(kernel, &point, results, k)
                ));
            }
        }
        if lanes[lane].len() != expected[0].len() {
            failures.push(format!("{}: lane {lane} has {} components, the scalar tangent {}", kernel.name, lanes[lane].len(), expected[0].len()));
        }
    }
    Ok(failures)
}

#[test]
fn vector_tangents_match_scalar_tangents() {
    let unsupported: Vec<(&str, &str)> = FORWARD_UNSUPPORTED.iter().chain(VECTOR_UNSUPPORTED).copied().collect();
    every_kernel("vector tangent", &unsupported, check_lanes);
}

// ------------------------------------------------------------ the C ABI

/// tests/abi/tangent.c: zad_module_tangent and zad_module_tangent_batch
/// against the kernel's formulas, lanes against width-1 calls, and the
/// statuses and messages of wrong uses.
#[test]
fn c_program_calls_zad_module_tangent() {
    let scratch = Scratch::new("tangent-c");
    let exe = build_c(&scratch, "tests/abi/tangent.c");
    let stdout = run_ok(&exe, "tests/abi");
    all_passed(&stdout, "checks", 13);
}

/// tests/abi/tangent.cpp: zad::Module::tangent of the C++ wrapper.
#[test]
fn cpp_program_calls_module_tangent() {
    let scratch = Scratch::new("tangent-cpp");
    let exe = build_cpp(&scratch, "tests/abi/tangent.cpp");
    let stdout = run_ok(&exe, "tests/abi");
    all_passed(&stdout, "checks", 4);
}

/// tests/abi/tangent.f90: zad_tangent and zad_tangent_batch of the Fortran
/// module.
#[test]
fn fortran_program_calls_zad_tangent() {
    let scratch = Scratch::new("tangent-fortran");
    let exe = build_fortran(&scratch, "tests/abi/tangent.f90", &["-Wextra"]);
    let stdout = run_ok(&exe, "tests/abi");
    all_passed(&stdout, "checks", 8);
}

// ------------------------------------------------------------------ CLI

/// tests/abi/tangent.mlir, whose formulas the CLI checks use.
const WAVE: &str = "tests/abi/tangent.mlir";

fn zad_json(args: &[&str]) -> serde_json::Value {
    let (ok, stdout, stderr) = run(std::process::Command::new(zad_cli()).args(args).current_dir(root()));
    assert!(ok, "zad {args:?} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("zad {args:?}: not JSON ({error}): {stdout}"))
}

/// Runs a CLI command that must fail; returns its message.
fn zad_error(args: &[&str]) -> String {
    let (ok, stdout, stderr) = run(std::process::Command::new(zad_cli()).args(args).current_dir(root()));
    assert!(!ok, "zad {args:?} succeeded where it must fail: {stdout}");
    stderr
}

fn numbers(json: &serde_json::Value) -> Vec<f64> {
    match json {
        serde_json::Value::Array(items) => items.iter().flat_map(numbers).collect(),
        other => vec![other.as_f64().unwrap_or_else(|| panic!("not a number: {other}"))],
    }
}

/// @wave's tangent by its formulas: (df, dy).
fn wave_tangent(x: &[f64], a: f64, dx: &[f64], da: f64) -> (f64, Vec<f64>) {
    let mut df = 0.0;
    let mut dy = Vec::new();
    for (&xi, &dxi) in x.iter().zip(dx) {
        let (t, dt) = (a * xi, da * xi + a * dxi);
        df += 2.0 * t.sin() * t.cos() * dt;
        dy.push(t.exp() * dt);
    }
    (df, dy)
}

#[test]
fn jvp_prints_the_tangents_of_results_and_written_buffers() {
    let (x, a, dx, da) = ([0.1, -0.4, 0.7, 1.2], 1.3, [0.5, 1.0, -2.0, 0.25], -0.75);
    let args = format!("[{x:?}, {a}, [9, 9, 9, 9], 4]");
    // %y (written) given null: its direction on entry is zero, and its
    // final contents still get a tangent.
    let tangents = format!("[{dx:?}, {da}, null, null]");
    let output = zad_json(&["jvp", WAVE, "--fn", "wave", "--args", &args, "--tangents", &tangents]);
    let (df, dy) = wave_tangent(&x, a, &dx, da);
    let f: f64 = x.iter().map(|xi| (a * xi).sin().powi(2)).sum();
    let close = |got: f64, want: f64| (got - want).abs() <= 1e-12 * want.abs().max(1.0);
    assert!(close(numbers(&output["results"])[0], f), "{output}");
    let result_tangents = numbers(&output["tangents"]);
    assert!(result_tangents.len() == 1 && close(result_tangents[0], df), "{output}: expected df = {df}");
    let buffer_tangents = output["buffer_tangents"].as_object().expect("buffer_tangents");
    assert_eq!(buffer_tangents.keys().collect::<Vec<_>>(), ["2"], "{output}");
    for (got, want) in numbers(&buffer_tangents["2"]).into_iter().zip(&dy) {
        assert!(close(got, *want), "{output}: dy {got} vs {want}");
    }
    let y = numbers(&output["buffers"][2]);
    assert!(y.iter().zip(&x).all(|(yi, xi)| close(*yi, (a * xi).exp())), "{output}");

    // Only x moving: the same as the formula with da = 0; and --activity
    // saying so agrees.
    let output = zad_json(&[
        "jvp", WAVE, "--fn", "wave", "--args", &args, "--tangents", &format!("[{dx:?}, null, null, null]"),
        "--activity", "dup,const,dup,const",
    ]);
    assert!(close(numbers(&output["tangents"])[0], wave_tangent(&x, a, &dx, 0.0).0), "{output}");
}

#[test]
fn jvp_refuses_tangents_that_do_not_fit() {
    let args = "[[0.1, 0.2, 0.3], 1.3, [0, 0, 0], 3]";
    for (tangents, expected) in [
        ("[[1, 0], 0, null, null]", "--tangents: the tangent of argument 1 (%x) has shape [2], but the argument has shape [3]"),
        ("[[1, 0, 0], 0, null]", "--tangents has 3 entries, but @wave takes 4 arguments"),
        ("[[1, 0, 0], 0, null, 1]", "--tangents: argument 4 (%n) has type index and has no tangent: give null"),
        ("[[1, 0, 0], [1], null, null]", "--tangents: the tangent of argument 2 (%a) must be f64"),
        ("[[[1], [0], [0]], 0, null, null]", "--tangents: the tangent of argument 1 (%x) must be memref<?xf64>"),
        ("{}", "--tangents must be a JSON array"),
    ] {
        let message = zad_error(&["jvp", WAVE, "--fn", "wave", "--args", args, "--tangents", tangents]);
        assert!(message.contains(expected), "--tangents {tangents}: expected '{expected}' in: {message}");
    }
    let message = zad_error(&["jvp", WAVE, "--fn", "wave", "--args", args, "--tangents", "[[1, 0, 0], 1, null, null]", "--activity", "dup,const,dup,const"]);
    assert!(message.contains("argument 2 (%a) is 'const' in --activity, so its tangent must be null"), "{message}");
}

/// The rows of a Jacobian are gradients: `zad jacobian` in either mode (and
/// at several widths) against `zad grad` for a kernel of one result, and
/// against @wave's formulas for the rows of a written buffer.
#[test]
fn jacobian_rows_are_gradients() {
    let file = "tests/gradients/rosenbrock.mlir";
    let args = "[[-0.6, 0.1, 0.8, 1.1, -1.2, 0.4, 0.9], 0.7, 100.0]";
    let activity = "dup,active,const";
    let gradient = zad_json(&["grad", file, "--fn", "rosenbrock", "--args", args, "--activity", activity]);
    let mut expected = numbers(&gradient["gradients"][0]);
    expected.extend(numbers(&gradient["gradients"][1]));
    let close = |got: f64, want: f64| (got - want).abs() <= 1e-10 * want.abs().max(1.0);
    for options in [&[][..], &["--mode", "forward"], &["--mode", "forward", "--width", "3"], &["--width", "1"], &["--mode", "reverse"]] {
        let mut command = vec!["jacobian", file, "--fn", "rosenbrock", "--args", args, "--activity", activity];
        command.extend(options);
        let output = zad_json(&command);
        let rows = output["jacobian"].as_array().expect("jacobian");
        assert_eq!(rows.len(), 1, "{options:?}: one row per float result: {output}");
        let row = numbers(&rows[0]);
        assert_eq!(row.len(), 8, "{options:?}: 7 elements of x and a: {output}");
        assert!(row.iter().zip(&expected).all(|(g, e)| close(*g, *e)), "{options:?}: {row:?} vs the gradient {expected:?}");
        let mode = if options.contains(&"forward") || options.contains(&"--width") { "forward" } else { "reverse" };
        assert_eq!(output["mode"], mode, "{options:?}: 8 inputs and 1 output: reverse unless asked");
        assert_eq!(output["inputs"][7], "arg 1");
        assert_eq!(output["outputs"][0], "result 0");
    }

    // @wave: f and the written %y (4 rows) against x, a and %y's initial
    // contents (7 columns): reverse mode unless asked; with %x const, 4
    // columns for 4 rows, forward mode.
    let (x, a) = ([0.1, -0.4, 0.7], 1.3);
    let args = format!("[{x:?}, {a}, [0, 0, 0], 3]");
    let reverse = zad_json(&["jacobian", WAVE, "--fn", "wave", "--args", &args]);
    let forward = zad_json(&["jacobian", WAVE, "--fn", "wave", "--args", &args, "--mode", "forward", "--width", "2"]);
    assert_eq!(reverse["mode"], "reverse");
    assert_eq!(forward["width"], 2);
    assert_eq!(reverse["outputs"], serde_json::json!(["result 0", "arg 2 [0]", "arg 2 [1]", "arg 2 [2]"]));
    for (row_index, (r, f)) in reverse["jacobian"].as_array().unwrap().iter().zip(forward["jacobian"].as_array().unwrap()).enumerate() {
        let (r, f) = (numbers(r), numbers(f));
        assert_eq!(r.len(), 7, "x (3), a, y (3)");
        for (column, (rv, fv)) in r.iter().zip(&f).enumerate() {
            // Column `column` is the direction e_column in (x, a, y).
            let mut direction = [0.0; 4];
            if column < 4 {
                direction[column] = 1.0;
            }
            let (df, dy) = wave_tangent(&x, a, &direction[..3], direction[3]);
            let formula = if row_index == 0 { df } else { dy[row_index - 1] };
            assert!(close(*rv, formula) && close(*fv, formula), "row {row_index} column {column}: reverse {rv}, forward {fv}, formula {formula}");
        }
    }
    let narrow = zad_json(&["jacobian", WAVE, "--fn", "wave", "--args", &args, "--activity", "const,active,dup,const"]);
    assert_eq!(narrow["mode"], "forward", "4 columns (a, y) for 4 rows: {narrow}");
    assert_eq!(narrow["inputs"], serde_json::json!(["arg 1", "arg 2 [0]", "arg 2 [1]", "arg 2 [2]"]));

    let message = zad_error(&["jacobian", WAVE, "--fn", "wave", "--args", &args, "--width", "0"]);
    assert!(message.contains("--width must be at least 1"), "{message}");
    let message = zad_error(&["jacobian", WAVE, "--fn", "wave", "--args", &args, "--mode", "reverse", "--width", "2"]);
    assert!(message.contains("--width is for --mode forward"), "{message}");
}

// ------------------------------------------------------------- Rust API

/// The tangent's parameters are named in the user's terms, its calls
/// checked like a gradient's, wrong requests refused clearly, and each
/// (activity, width) compiled once.
#[test]
fn tangents_are_named_in_the_users_terms() {
    let context = Context::new().unwrap();
    let module = Module::load(&context, root().join(WAVE)).unwrap();
    let activity = [Activity::Dup, Activity::Active, Activity::Dup, Activity::Const];
    let tangent = module.tangent("wave", &activity, 2).unwrap();
    let signature = tangent.signature();
    assert_eq!(signature.naming.subject(), "the tangent of @wave");
    assert_eq!(signature.naming.input(1), "tangent 1 of argument 1 (%x)");
    assert_eq!(signature.naming.input(5), "tangent 2 of argument 2 (%a)");
    assert_eq!(signature.naming.output(2), "result 3 (tangent 2 of result 1)");
    assert!(signature.describe().starts_with("(%x: memref<?xf64>, tangent 1 of %x: memref<?xf64>, tangent 2 of %x"), "{}", signature.describe());
    let scalar = module.tangent("wave", &activity, 1).unwrap();
    assert_eq!(scalar.signature().naming.input(3), "the tangent of argument 2 (%a)");
    // Cached: the same compiled function again.
    let again = module.tangent("wave", &[Activity::Dup, Activity::Dup, Activity::Dup, Activity::Const], 2).unwrap();
    assert!(std::ptr::eq(again.signature(), tangent.signature()), "the width-2 tangent is compiled once");

    // A tangent buffer of the wrong shape, in the user's terms.
    let (mut x, mut dx, mut y, mut dy) = (vec![0.1, 0.2, 0.3], vec![1.0, 0.0], vec![0.0; 3], vec![0.0; 3]);
    let mut args = Args::new();
    args.push_slice_f64(&mut x, &[3]).unwrap().push_slice_f64(&mut dx, &[2]).unwrap().push_f64(1.0).push_f64(0.0);
    args.push_slice_f64(&mut y, &[3]).unwrap().push_slice_f64(&mut dy, &[3]).unwrap().push_index(3);
    let error = scalar.call(&mut args).unwrap_err().to_string();
    assert!(
        error.starts_with("the tangent of @wave: the tangent of argument 1 (%x) has shape [2], but argument 1 (%x) has shape [3]; a tangent has the shape"),
        "{error}"
    );
    drop(args);

    for (activity, width, expected) in [
        (vec![Activity::Dup, Activity::Dup, Activity::Dup, Activity::Dup], 1, "@wave: argument 4 (%n) has type index and cannot have a tangent"),
        (vec![Activity::Dup], 1, "@wave takes 4 arguments"),
        (activity.to_vec(), 0, "the width must be at least 1"),
    ] {
        let Err(error) = module.tangent("wave", &activity, width) else { panic!("{activity:?} width {width}: accepted") };
        assert!(error.to_string().contains(expected), "{activity:?} width {width}: {error}");
        assert!(matches!(error, Error::Signature(_) | Error::InvalidArgument(_)), "{error:?}");
    }
    let text = module.tangent_text("wave", &activity, 4).unwrap();
    assert!(text.contains("__zad_tangent_wave_dddc_w4") && text.contains("vector<4xf64>"), "{text}");
    assert_eq!(zad::naming::in_user_terms("in @__zad_tangent_wave_dddc_w4: boom"), "in the tangent of @wave: boom");
}

/// `zad emit --stage tangent` shows the generated tangent, in vector mode
/// with `--width`.
#[test]
fn emit_shows_the_tangent() {
    let (ok, stdout, stderr) =
        run(std::process::Command::new(zad_cli()).args(["emit", WAVE, "--stage", "tangent", "--fn", "wave", "--width", "4"]).current_dir(root()));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("func.func @__zad_tangent_wave_dddc_w4(") && stdout.contains("vector<4xf64>"), "{stdout}");
    let message = zad_error(&["emit", WAVE, "--stage", "tangent"]);
    assert!(message.contains("--stage tangent needs --fn NAME"), "{message}");
}

/// A Fortran subroutine (no result: the rows are the final contents of the
/// array it updates in place) has the same Jacobian in both modes, and
/// `zad jvp` along a direction is the Jacobian times it.
#[test]
fn jacobian_of_a_fortran_subroutine_agrees_in_both_modes() {
    let file = "tests/fortran/advection_schemes.f90";
    let args = "[[0.1, 0.5, -0.2, 0.3, 0.9, -0.7], 6, 0.4, 2]";
    let forward = zad_json(&["jacobian", file, "--fn", "advect", "--args", args, "--mode", "forward", "--width", "4"]);
    let reverse = zad_json(&["jacobian", file, "--fn", "advect", "--args", args, "--mode", "reverse"]);
    assert_eq!(forward["inputs"], reverse["inputs"]);
    assert_eq!(forward["outputs"].as_array().map(Vec::len), Some(6), "{forward}");
    let (f, r) = (numbers(&forward["jacobian"]), numbers(&reverse["jacobian"]));
    assert_eq!(f.len(), 6 * 7, "6 rows (u), 7 columns (u and c)");
    assert!(f.iter().zip(&r).all(|(a, b)| (a - b).abs() <= 1e-12 * b.abs().max(1.0)), "forward {f:?}\nreverse {r:?}");
    let direction = [0.5, -1.0, 0.25, 2.0, 0.0, 1.5, -0.5];
    let jvp = zad_json(&[
        "jvp", file, "--fn", "advect", "--args", args, "--tangents",
        &format!("[{:?}, null, {}, null]", &direction[..6], direction[6]),
    ]);
    let tangent = numbers(&jvp["buffer_tangents"]["0"]);
    for (row, &got) in tangent.iter().enumerate() {
        let expected: f64 = (0..7).map(|column| f[row * 7 + column] * direction[column]).sum();
        assert!((got - expected).abs() <= 1e-12 * expected.abs().max(1.0), "row {row}: jvp {got}, J v {expected}");
    }
}
