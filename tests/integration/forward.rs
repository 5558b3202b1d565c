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
use crate::abi_programs::{all_passed, build_c, build_fortran, run_ok};
use crate::support::{Scratch, assert_no_failures, files_in, root, run, selected, zad_cli};
use rand::{Rng, SeedableRng, rngs::StdRng};
use zad::{Activity, Args, CompiledFunction, Context, Error, Module, ParamType, Value};

/// Kernels of `tests/gradients` that forward mode refuses: (file, words the
/// error must contain). Empty while the tangent generator handles them all.
const FORWARD_UNSUPPORTED: &[(&str, &str)] = &[];

/// How closely a lane of a vector-mode tangent must match the scalar
/// tangent along the same direction (the same arithmetic, in vectors).
const LANE_TOLERANCE_F64: f64 = 1e-10;
const LANE_TOLERANCE_F32: f64 = 1e-5;

/// One kernel of the gradient suite, ready to differentiate.
struct Kernel {
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
fn check_tangent(kernel: &Kernel) -> Result<Vec<String>, Error> {
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
fn every_kernel(what: &str, check: impl Fn(&Kernel) -> Result<Vec<String>, Error>) {
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
        let refused = FORWARD_UNSUPPORTED.iter().find(|(file, _)| *file == file_name(path));
        match (check(&kernel), refused) {
            (Ok(found), None) => {
                checked += 1;
                failures.extend(found);
            }
            (Err(error), None) => failures.push(format!("{}: cannot differentiate in forward mode: {error}", kernel.name)),
            (Ok(_), Some((file, _))) => {
                failures.push(format!("{file}: differentiates in forward mode but is listed in FORWARD_UNSUPPORTED: remove it"))
            }
            (Err(Error::Unsupported(message)), Some((_, words))) if message.contains(words) => {}
            (Err(error), Some((file, words))) => {
                failures.push(format!("{file}: expected an Unsupported error containing '{words}', got: {error}"))
            }
        }
    }
    eprintln!("forward ({what}): {} files, {checked} differentiated, {} failures", files.len(), failures.len());
    assert_no_failures(&failures, what, &format!("{} files", files.len()));
}

#[test]
fn tangents_match_finite_differences() {
    every_kernel("tangent", check_tangent);
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
    every_kernel("vector tangent", check_lanes);
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

/// tests/abi/tangent.f90: zad_tangent and zad_tangent_batch of the Fortran
/// module.
#[test]
fn fortran_program_calls_zad_tangent() {
    let scratch = Scratch::new("tangent-fortran");
    let exe = build_fortran(&scratch, "tests/abi/tangent.f90", &["-Wextra"]);
    let stdout = run_ok(&exe, "tests/abi");
    all_passed(&stdout, "checks", 8);
}
