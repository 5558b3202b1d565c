//! The gradient suite: every `tests/gradients/*.mlir` file is a kernel
//! returning one float scalar, with directive comments saying how to draw
//! its arguments (syntax in `tests/gradients/README.md`):
//!
//! ```text
//! // GRAD: loss
//! // ARG: scalar 0.5 2.0
//! // ARG: array 7x3
//! // ARG: index 5
//! // ACTIVITY: active,dup,const
//! // TOLERANCE: 1e-6
//! ```
//!
//! At 3 random points (a seeded RNG per file, so failures reproduce) zad's
//! reverse-mode gradient (`Module::gradient`) is compared, component by
//! component, with a central finite difference of the primal
//! (`Module::function`): `|g - fd| <= tol * max(1, |fd|)`. f64 kernels use
//! `h = 1e-6 max(1, |x|)` and `tol = 1e-6`; f32 kernels use the f32 primal
//! with `h = 1e-3 max(1, |x|)` and `tol = 1e-2` (the difference quotient of
//! an f32 function cannot do much better). The primal result the gradient
//! returns must equal the primal function's result, and at the first point
//! an explicit seed must scale the gradient. All failures of all
//! files are collected and reported together. `ZAD_FILTER=heat` runs only
//! the files whose path contains "heat". A file may set its own tolerance
//! (`TOLERANCE`), step (`STEP`) and number of points (`POINTS`, at least 3).
//!
//! `KNOWN_FAILURES` lists the kernels on which zad is currently wrong (or
//! fails to compile); they are run, and their failures reported as expected,
//! but an entry that passes fails the suite so that the list stays honest.

use crate::support::{assert_enough_files, assert_no_failures, files_in, root, selected};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::path::Path;
use zad::{Activity, Args, Context, Error, Module, ParamType, Scalar, Value};

/// Where the kernels live, relative to the repository root.
const GRADIENT_DIR: &str = "tests/gradients";
/// The suite must not shrink below this many files.
const MIN_GRADIENT_FILES: usize = 60;
/// Random points per kernel, unless the file says otherwise.
const DEFAULT_POINTS: usize = 3;
/// Relative tolerance and step of the finite differences.
const TOLERANCE_F64: f64 = 1e-6;
const STEP_F64: f64 = 1e-6;
const TOLERANCE_F32: f64 = 1e-2;
const STEP_F32: f64 = 1e-3;
/// How closely the primal result returned by the gradient must match the
/// primal function's (the same ops, compiled in another function).
const PRIMAL_TOLERANCE_F64: f64 = 1e-12;
const PRIMAL_TOLERANCE_F32: f64 = 1e-6;
/// How closely the gradient with seed s must equal s times the gradient
/// with the default seed 1: not exactly, as the seed's bits differ and
/// adjoints are rounded (to f32 where a kernel has f32 values anywhere, to
/// f16/bf16 where it has those).
const SEED_TOLERANCE_F64: f64 = 1e-10;
const SEED_TOLERANCE_F32: f64 = 1e-4;
/// Where a kernel computes in 16-bit floats (8 or 11 significant bits).
const SEED_TOLERANCE_F16: f64 = 1e-2;

/// Kernels on which zad currently gives a wrong gradient, crashes or fails
/// to compile: (file name, what goes wrong). They stay in the suite; each
/// is run, and its failures are expected. Remove an entry once zad is fixed
/// (the suite fails while a listed kernel passes).
pub const KNOWN_FAILURES: &[(&str, &str)] = &[];

/// How one argument is drawn.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Generator {
    /// A float scalar uniform in [lo, hi).
    Scalar { lo: f64, hi: f64 },
    /// A fixed float scalar.
    Fixed(f64),
    /// A float array of `shape`, elements uniform in [lo, hi).
    Array { shape: Vec<usize>, lo: f64, hi: f64 },
    /// A fixed integer (i32, i64 or index).
    Int(i64),
}

/// The directives of one file.
#[derive(Debug)]
pub(crate) struct Spec {
    pub function: String,
    pub args: Vec<Generator>,
    pub activity: Option<Vec<Activity>>,
    pub tolerance: Option<f64>,
    /// The relative step of the finite differences, if not the default.
    pub step: Option<f64>,
    pub points: usize,
}

/// `// KEY: text` (`comment` is the comment marker: `//` in MLIR, `!` in
/// Fortran) with an upper-case KEY, or None for an ordinary comment.
fn directive_of<'t>(line: &'t str, comment: &str) -> Option<(&'t str, &'t str)> {
    let body = line.trim_start().strip_prefix(comment)?.trim_start();
    let (key, text) = body.split_once(':')?;
    let looks_like_key = key.starts_with(|c: char| c.is_ascii_uppercase())
        && key.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_');
    looks_like_key.then(|| (key, text.trim()))
}

fn number(text: &str, what: &str) -> Result<f64, String> {
    text.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| format!("{what}: '{text}' is not a finite number"))
}

/// `lo hi` or nothing (then `default`).
fn range(words: &[&str], default: (f64, f64), what: &str) -> Result<(f64, f64), String> {
    match words {
        [] => Ok(default),
        [lo, hi] => {
            let (lo, hi) = (number(lo, what)?, number(hi, what)?);
            if lo < hi { Ok((lo, hi)) } else { Err(format!("{what}: empty range {lo} .. {hi}")) }
        }
        _ => Err(format!("{what}: expected a range 'LO HI' or nothing")),
    }
}

fn parse_generator(text: &str) -> Result<Generator, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        ["scalar", rest @ ..] => {
            let (lo, hi) = range(rest, (-1.0, 1.0), "ARG scalar")?;
            Ok(Generator::Scalar { lo, hi })
        }
        ["fixed", value] => Ok(Generator::Fixed(number(value, "ARG fixed")?)),
        ["array", shape, rest @ ..] => {
            let shape = shape
                .split('x')
                .map(|size| size.parse::<usize>().map_err(|_| format!("ARG array: bad shape '{shape}'")))
                .collect::<Result<Vec<_>, _>>()?;
            let (lo, hi) = range(rest, (-1.0, 1.0), "ARG array")?;
            Ok(Generator::Array { shape, lo, hi })
        }
        ["index" | "int", value] => {
            value.parse::<i64>().map(Generator::Int).map_err(|_| format!("ARG index: '{value}' is not an integer"))
        }
        _ => Err(format!(
            "ARG '{text}': expected 'scalar [LO HI]', 'fixed X', 'array SHAPE [LO HI]' or 'index N' ('int N')"
        )),
    }
}

/// The directives in `text`, written as comments starting with `comment`.
pub(crate) fn parse_spec(text: &str, comment: &str) -> Result<Spec, Vec<String>> {
    let mut function = None;
    let mut args = Vec::new();
    let mut activity = None;
    let mut tolerance = None;
    let mut step = None;
    let mut points = None;
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Some((key, value)) = directive_of(line, comment) else { continue };
        let at = index + 1;
        let mut fail = |error: String| errors.push(format!("line {at}: {error}"));
        match key {
            "GRAD" if function.is_some() => fail("a second GRAD".into()),
            "GRAD" if value.is_empty() || value.contains(char::is_whitespace) => {
                fail(format!("GRAD needs one function name, got '{value}'"))
            }
            "GRAD" => function = Some(value.trim_start_matches('@').to_string()),
            "ARG" => match parse_generator(value) {
                Ok(generator) => args.push(generator),
                Err(error) => fail(error),
            },
            "ACTIVITY" => {
                let parsed: Option<Vec<Activity>> = value.split(',').map(|a| Activity::parse(a.trim())).collect();
                match parsed {
                    Some(list) => activity = Some(list),
                    None => fail(format!("ACTIVITY '{value}': expected a comma-separated list of active, dup, const")),
                }
            }
            "TOLERANCE" => match value.parse::<f64>() {
                Ok(t) if t > 0.0 && t.is_finite() => tolerance = Some(t),
                _ => fail(format!("TOLERANCE '{value}' is not a positive number")),
            },
            "STEP" => match value.parse::<f64>() {
                Ok(h) if h > 0.0 && h < 1.0 => step = Some(h),
                _ => fail(format!("STEP '{value}' is not a number in (0, 1)")),
            },
            "POINTS" => match value.parse::<usize>() {
                Ok(n) if n >= DEFAULT_POINTS => points = Some(n),
                _ => fail(format!("POINTS '{value}': at least {DEFAULT_POINTS}")),
            },
            _ => fail(format!("unknown directive '{key}' (ordinary comments must not start with an upper-case word and a colon)")),
        }
    }
    let Some(function) = function else {
        errors.push("no GRAD directive".into());
        return Err(errors);
    };
    if args.is_empty() {
        errors.push("no ARG directive".into());
    }
    if let Some(activity) = &activity
        && activity.len() != args.len()
    {
        errors.push(format!("ACTIVITY has {} entries but there are {} ARGs", activity.len(), args.len()));
    }
    if errors.is_empty() {
        Ok(Spec { function, args, activity, tolerance, step, points: points.unwrap_or(DEFAULT_POINTS) })
    } else {
        Err(errors)
    }
}

/// A stable seed from the file name (FNV-1a), so each file has its own
/// reproducible points.
fn seed_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| (hash ^ byte as u64).wrapping_mul(0x0100_0000_01b3))
}

/// One argument's value.
#[derive(Clone, Debug)]
pub(crate) enum ArgValue {
    F64(f64),
    F32(f32),
    I32(i32),
    I64(i64),
    Index(i64),
    ArrayF64(Vec<f64>, Vec<i64>),
    ArrayF32(Vec<f32>, Vec<i64>),
}

impl ArgValue {
    /// Number of float components (0 for integers).
    pub(crate) fn len(&self) -> usize {
        match self {
            ArgValue::F64(_) | ArgValue::F32(_) => 1,
            ArgValue::ArrayF64(data, _) => data.len(),
            ArgValue::ArrayF32(data, _) => data.len(),
            _ => 0,
        }
    }

    pub(crate) fn get(&self, k: usize) -> f64 {
        match self {
            ArgValue::F64(x) => *x,
            ArgValue::F32(x) => *x as f64,
            ArgValue::ArrayF64(data, _) => data[k],
            ArgValue::ArrayF32(data, _) => data[k] as f64,
            _ => unreachable!("integers have no float components"),
        }
    }

    /// Sets component `k` to `x` (rounded to f32 for f32 values); returns
    /// the value actually stored.
    pub(crate) fn set(&mut self, k: usize, x: f64) -> f64 {
        match self {
            ArgValue::F64(v) => {
                *v = x;
                x
            }
            ArgValue::F32(v) => {
                *v = x as f32;
                *v as f64
            }
            ArgValue::ArrayF64(data, _) => {
                data[k] = x;
                x
            }
            ArgValue::ArrayF32(data, _) => {
                data[k] = x as f32;
                data[k] as f64
            }
            _ => unreachable!("integers have no float components"),
        }
    }

    fn is_f32(&self) -> bool {
        matches!(self, ArgValue::F32(_) | ArgValue::ArrayF32(..))
    }

    pub(crate) fn zeroed(&self) -> ArgValue {
        match self {
            ArgValue::ArrayF64(data, shape) => ArgValue::ArrayF64(vec![0.0; data.len()], shape.clone()),
            ArgValue::ArrayF32(data, shape) => ArgValue::ArrayF32(vec![0.0; data.len()], shape.clone()),
            other => other.clone(),
        }
    }

    fn describe(&self) -> String {
        let list = |items: Vec<String>| format!("[{}]", items.join(", "));
        match self {
            ArgValue::F64(x) => format!("{x:e}"),
            ArgValue::F32(x) => format!("{x:e}"),
            ArgValue::I32(x) => x.to_string(),
            ArgValue::I64(x) | ArgValue::Index(x) => x.to_string(),
            ArgValue::ArrayF64(data, _) => list(data.iter().map(|x| format!("{x:e}")).collect()),
            ArgValue::ArrayF32(data, _) => list(data.iter().map(|x| format!("{x:e}")).collect()),
        }
    }
}

/// Pushes `value` for a parameter of type `ty` (arrays laid out as the type
/// says: column-major for Fortran arrays).
pub(crate) fn push<'a>(args: &mut Args<'a>, value: &'a mut ArgValue, ty: &ParamType) -> Result<(), Error> {
    let column_major = matches!(ty, ParamType::MemRef(memref) if memref.is_column_major());
    match value {

        ArgValue::F64(x) => {
            args.push_f64(*x);
        }
        ArgValue::F32(x) => {
            args.push_f32(*x);
        }
        ArgValue::I32(x) => {
            args.push_i32(*x);
        }
        ArgValue::I64(x) => {
            args.push_i64(*x);
        }
        ArgValue::Index(x) => {
            args.push_index(*x);
        }
        ArgValue::ArrayF64(data, shape) => {
            if column_major {
                args.push_fortran_slice_f64(data, shape)?;
            } else {
                args.push_slice_f64(data, shape)?;
            }
        }
        ArgValue::ArrayF32(data, shape) => {
            if column_major {
                args.push_fortran_slice_f32(data, shape)?;
            } else {
                args.push_slice_f32(data, shape)?;
            }
        }
    }
    Ok(())
}

/// Checks generator `generator` against parameter type `ty`.
fn check_generator(generator: &Generator, ty: &ParamType, index: usize) -> Result<(), String> {
    let fits = match (generator, ty) {
        (Generator::Scalar { .. } | Generator::Fixed(_), ParamType::Scalar(scalar)) => scalar.is_float(),
        // A scalar argument the kernel writes (Fortran intent(inout)).
        (Generator::Scalar { .. } | Generator::Fixed(_), ParamType::MemRef(memref)) => memref.rank() == 0,
        (Generator::Int(_), ParamType::Scalar(scalar)) => !scalar.is_float(),
        (Generator::Array { shape, .. }, ParamType::MemRef(memref)) => {
            shape.len() == memref.rank()
                && shape.iter().zip(&memref.shape).all(|(&size, fixed)| fixed.is_none_or(|fixed| fixed == size as i64))
        }
        _ => false,
    };
    if fits { Ok(()) } else { Err(format!("ARG #{index} ({generator:?}) does not fit the parameter type {ty}")) }
}

/// Draws one point.
pub(crate) fn draw(spec: &Spec, inputs: &[ParamType], rng: &mut StdRng) -> Vec<ArgValue> {
    spec.args
        .iter()
        .zip(inputs)
        .map(|(generator, ty)| match (generator, ty) {
            (Generator::Scalar { lo, hi }, ParamType::Scalar(Scalar::F32)) => {
                ArgValue::F32(rng.random_range(*lo..*hi) as f32)
            }
            (Generator::Scalar { lo, hi }, ParamType::MemRef(memref)) if memref.element == Scalar::F32 => {
                ArgValue::ArrayF32(vec![rng.random_range(*lo..*hi) as f32], Vec::new())
            }
            (Generator::Scalar { lo, hi }, ParamType::MemRef(_)) => {
                ArgValue::ArrayF64(vec![rng.random_range(*lo..*hi)], Vec::new())
            }
            (Generator::Scalar { lo, hi }, _) => ArgValue::F64(rng.random_range(*lo..*hi)),
            (Generator::Fixed(x), ParamType::Scalar(Scalar::F32)) => ArgValue::F32(*x as f32),
            (Generator::Fixed(x), ParamType::MemRef(memref)) if memref.element == Scalar::F32 => {
                ArgValue::ArrayF32(vec![*x as f32], Vec::new())
            }
            (Generator::Fixed(x), ParamType::MemRef(_)) => ArgValue::ArrayF64(vec![*x], Vec::new()),
            (Generator::Fixed(x), _) => ArgValue::F64(*x),
            (Generator::Int(n), ParamType::Scalar(Scalar::I32)) => ArgValue::I32(*n as i32),
            (Generator::Int(n), ParamType::Scalar(Scalar::I64)) => ArgValue::I64(*n),
            (Generator::Int(n), _) => ArgValue::Index(*n),
            (Generator::Array { shape, lo, hi }, ParamType::MemRef(memref)) => {
                let count: usize = shape.iter().product();
                let dims: Vec<i64> = shape.iter().map(|&s| s as i64).collect();
                if memref.element == Scalar::F32 {
                    ArgValue::ArrayF32((0..count).map(|_| rng.random_range(*lo..*hi) as f32).collect(), dims)
                } else {
                    ArgValue::ArrayF64((0..count).map(|_| rng.random_range(*lo..*hi)).collect(), dims)
                }
            }
            _ => unreachable!("generators were checked against the signature"),
        })
        .collect()
}

/// The float result of a call, if it has one.
fn scalar_result(values: &[Value], what: &str) -> Result<Option<f64>, String> {
    match values.first() {
        Some(Value::F64(x)) => Ok(Some(*x)),
        Some(Value::F32(x)) => Ok(Some(*x as f64)),
        None => Ok(None),
        other => Err(format!("{what}: expected a float scalar result, got {other:?}")),
    }
}

/// What a gradient is checked on: the function's result, plus (with
/// `cotangents`) the final contents of its array arguments weighted by
/// them: `J = f + sum_k <w_k, a_k after the call>`. With cotangents, the
/// gradient is computed with shadows set to `w_k` on entry (the cotangent
/// of the arrays' final contents), which makes the shadows on exit
/// dJ/d(initial contents): this checks kernels that return their results
/// in arrays (Fortran subroutines) too.
struct Objective<'p> {
    inputs: &'p [ParamType],
    /// Whether the function returns a value (gradients follow it).
    returns: bool,
    cotangents: Option<Vec<ArgValue>>,
}

impl Objective<'_> {
    /// The function's result and J at `point` (array arguments are copied:
    /// kernels may write them).
    fn primal(&self, function: &zad::CompiledFunction, point: &[ArgValue]) -> Result<(Option<f64>, f64), String> {
        let mut values = point.to_vec();
        let result = {
            let mut args = Args::new();
            for (value, ty) in values.iter_mut().zip(self.inputs) {
                push(&mut args, value, ty).map_err(|error| format!("primal arguments: {error}"))?;
            }
            function.call(&mut args).map_err(|error| format!("primal call: {error}"))?;
            scalar_result(args.results(), "primal")?
        };
        let mut objective = result.unwrap_or(0.0);
        if let Some(weights) = &self.cotangents {
            for (value, weight) in values.iter().zip(weights) {
                if matches!(value, ArgValue::ArrayF64(..) | ArgValue::ArrayF32(..)) {
                    objective += (0..value.len()).map(|k| value.get(k) * weight.get(k)).sum::<f64>();
                }
            }
        }
        Ok((result, objective))
    }

    /// zad's gradient at `point`: the primal result and, per argument, the
    /// gradient components (empty for const arguments). `seed`: the
    /// adjoint of the result (None: omitted, which means 1.0).
    fn gradient(
        &self,
        function: &zad::CompiledFunction,
        point: &[ArgValue],
        activity: &[Activity],
        seed: Option<f64>,
        single: bool,
    ) -> Result<(Option<f64>, Vec<Vec<f64>>), String> {
        let mut values = point.to_vec();
        let mut shadows: Vec<ArgValue> = match &self.cotangents {
            Some(weights) => weights.clone(),
            None => point.iter().map(ArgValue::zeroed).collect(),
        };
        let mut args = Args::new();
        for (((value, shadow), &kind), ty) in values.iter_mut().zip(shadows.iter_mut()).zip(activity).zip(self.inputs) {
            push(&mut args, value, ty).map_err(|error| format!("gradient arguments: {error}"))?;
            if kind == Activity::Dup {
                push(&mut args, shadow, ty).map_err(|error| format!("gradient arguments: {error}"))?;
            }
        }
        match seed {
            Some(seed) if single => {
                args.push_f32(seed as f32);
            }
            Some(seed) => {
                args.push_f64(seed);
            }
            None => {}
        }
        function.call(&mut args).map_err(|error| format!("gradient call: {error}"))?;
        let results = args.results();
        let value = if self.returns { scalar_result(results, "gradient")? } else { None };
        let mut active = results[usize::from(self.returns)..].iter();
        let mut gradients = Vec::new();
        for (index, &kind) in activity.iter().enumerate() {
            gradients.push(match kind {
                Activity::Const => Vec::new(),
                Activity::Active => match active.next() {
                    Some(Value::F64(g)) => vec![*g],
                    Some(Value::F32(g)) => vec![*g as f64],
                    other => return Err(format!("gradient of argument #{index}: expected a float, got {other:?}")),
                },
                Activity::Dup => Vec::new(), // filled from the shadow below
            });
        }
        if active.next().is_some() {
            return Err(format!("the gradient returned {} results, more than expected", results.len()));
        }
        drop(args);
        for (index, &kind) in activity.iter().enumerate() {
            if kind == Activity::Dup {
                gradients[index] = (0..shadows[index].len()).map(|k| shadows[index].get(k)).collect();
            }
        }
        Ok((value, gradients))
    }
}

/// What checking one file found.
#[derive(Default)]
pub(crate) struct Outcome {
    pub points: usize,
    pub components: usize,
    pub failures: Vec<String>,
}

fn close(got: f64, expected: f64, tolerance: f64) -> bool {
    got.is_finite() && (got - expected).abs() <= tolerance * expected.abs().max(1.0)
}

/// Loads, differentiates and checks one kernel source.
fn check_source(context: &Context, name: &str, text: &str) -> Outcome {
    let spec = match parse_spec(text, "//") {
        Ok(spec) => spec,
        Err(errors) => {
            return Outcome { failures: errors.into_iter().map(|error| format!("{name}: {error}")).collect(), ..Outcome::default() };
        }
    };
    match Module::parse(context, text, name) {
        Ok(module) => check_module(&module, name, &spec, false),
        Err(error) => Outcome {
            failures: vec![format!("{name}: @{}: cannot load the module: {error}", spec.function)],
            ..Outcome::default()
        },
    }
}

/// Differentiates `spec.function` of `module` (named `name` in messages)
/// and checks its gradient against finite differences at random points.
/// With `cotangents`, the checked objective also weighs the final contents
/// of the array arguments (see `Objective`), and the function need not
/// return anything.
pub(crate) fn check_module(module: &Module, name: &str, spec: &Spec, cotangents: bool) -> Outcome {
    let mut outcome = Outcome::default();
    let mut fail = |message: String| outcome.failures.push(format!("{name}: @{}: {message}", spec.function));
    let signature = match module.signature(&spec.function) {
        Ok(signature) => signature,
        Err(error) => {
            fail(format!("{error}"));
            return outcome;
        }
    };
    if signature.inputs.len() != spec.args.len() {
        fail(format!("{} ARGs for {} parameters {}", spec.args.len(), signature.inputs.len(), signature.describe()));
        return outcome;
    }
    for (index, (generator, ty)) in spec.args.iter().zip(&signature.inputs).enumerate() {
        if let Err(error) = check_generator(generator, ty, index) {
            fail(error);
            return outcome;
        }
    }
    let activity = match &spec.activity {
        Some(activity) => activity.clone(),
        None => module.default_activity(&spec.function).expect("signature was read"),
    };
    let primal_function = match module.function(&spec.function) {
        Ok(function) => function,
        Err(error) => {
            fail(format!("cannot compile the primal: {error}"));
            return outcome;
        }
    };
    let gradient_function = match module.gradient(&spec.function, &activity) {
        Ok(function) => function,
        Err(error) => {
            fail(format!("cannot differentiate: {error}"));
            return outcome;
        }
    };
    let mut rng = StdRng::seed_from_u64(seed_of(name));
    for point_index in 0..spec.points {
        let point = draw(spec, &signature.inputs, &mut rng);
        let objective = Objective {
            inputs: &signature.inputs,
            returns: !signature.results.is_empty(),
            cotangents: cotangents.then(|| {
                point
                    .iter()
                    .zip(&activity)
                    .map(|(value, &kind)| {
                        let mut weights = value.zeroed();
                        if kind == Activity::Dup {
                            for k in 0..weights.len() {
                                weights.set(k, rng.random_range(-1.0..1.0));
                            }
                        }
                        weights
                    })
                    .collect()
            }),
        };
        outcome.points += 1;
        let at = format!("point {point_index} {}", point.iter().map(ArgValue::describe).collect::<Vec<_>>().join(", "));
        let single_result = matches!(signature.results.first(), Some(ParamType::Scalar(Scalar::F32)));
        let (value, gradients) = match objective.gradient(&gradient_function, &point, &activity, None, single_result) {
            Ok(result) => result,
            Err(error) => {
                fail(format!("{at}: {error}"));
                continue;
            }
        };
        let f = match objective.primal(&primal_function, &point) {
            Ok((f, _)) => f,
            Err(error) => {
                fail(format!("{at}: {error}"));
                continue;
            }
        };
        let single = point.iter().any(ArgValue::is_f32) || single_result;
        let (step, default_tolerance, primal_tolerance) =
            if single { (STEP_F32, TOLERANCE_F32, PRIMAL_TOLERANCE_F32) } else { (STEP_F64, TOLERANCE_F64, PRIMAL_TOLERANCE_F64) };
        let tolerance = spec.tolerance.unwrap_or(default_tolerance);
        let step = spec.step.unwrap_or(step);
        match (value, f) {
            (Some(value), Some(f)) if !close(value, f, primal_tolerance) => {
                fail(format!("{at}: the gradient's primal result is {value:.17e}, the primal function's {f:.17e}"));
            }
            (Some(_), Some(_)) | (None, None) => {}
            _ => fail(format!("{at}: the gradient returns {value:?} and the primal function {f:?}")),
        }
        // At the first point, an explicit seed scales every gradient (when
        // the result is all the objective is).
        if point_index == 0 && !cotangents {
            const SEED: f64 = -2.5;
            let text = module.to_text();
            let seed_tolerance = if text.contains("f16") || text.contains("bf16") {
                SEED_TOLERANCE_F16
            } else if text.contains("f32") {
                SEED_TOLERANCE_F32
            } else {
                SEED_TOLERANCE_F64
            };
            match objective.gradient(&gradient_function, &point, &activity, Some(SEED), single_result) {
                Ok((_, seeded)) => {
                    for (index, (plain, scaled)) in gradients.iter().zip(&seeded).enumerate() {
                        for (k, (g, s)) in plain.iter().zip(scaled).enumerate() {
                            if !close(*s, SEED * g, seed_tolerance) {
                                fail(format!("{at}: with seed {SEED}, component {k} of arg#{index} is {s:e}, not {SEED} * {g:e}"));
                            }
                        }
                    }
                }
                Err(error) => fail(format!("{at}: with an explicit seed: {error}")),
            }
        }
        for (index, &kind) in activity.iter().enumerate() {
            if kind == Activity::Const {
                continue;
            }
            if gradients[index].len() != point[index].len() {
                fail(format!("{at}: arg#{index} has {} gradient components for {} values", gradients[index].len(), point[index].len()));
                continue;
            }
            for (k, &got) in gradients[index].iter().enumerate() {
                outcome.components += 1;
                let x = point[index].get(k);
                let h = step * x.abs().max(1.0);
                let mut plus = point.clone();
                let xp = plus[index].set(k, x + h);
                let mut minus = point.clone();
                let xm = minus[index].set(k, x - h);
                let fd = match (objective.primal(&primal_function, &plus), objective.primal(&primal_function, &minus)) {
                    (Ok((_, fp)), Ok((_, fm))) => (fp - fm) / (xp - xm),
                    (Err(error), _) | (_, Err(error)) => {
                        fail(format!("{at}: finite difference: {error}"));
                        continue;
                    }
                };
                if !close(got, fd, tolerance) {
                    let component = if matches!(point[index], ArgValue::F64(_) | ArgValue::F32(_)) {
                        format!("d/d arg#{index}")
                    } else {
                        format!("d/d arg#{index}[{k}]")
                    };
                    fail(format!("{at}: {component}: got {got:.12e}, expected {fd:.12e} (central difference, tolerance {tolerance:e})"));
                }
            }
        }
    }
    outcome
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

#[test]
fn gradients_match_finite_differences() {
    let context = Context::new().expect("zad context");
    let files: Vec<_> = files_in(GRADIENT_DIR, "mlir").into_iter().filter(|path| selected(path)).collect();
    if files.is_empty() {
        eprintln!("gradients: ZAD_FILTER selects no file in {GRADIENT_DIR}");
        return;
    }
    let (mut points, mut components, mut failures, mut expected) = (0, 0, Vec::new(), Vec::new());
    for path in &files {
        let name = relative(path);
        let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{name}: {error}"));
        let outcome = check_source(&context, &name, &text);
        points += outcome.points;
        components += outcome.components;
        let known = KNOWN_FAILURES.iter().find(|(file, _)| *file == file_name(path));
        match known {
            Some((file, why)) if outcome.failures.is_empty() => failures.push(format!(
                "{name}: passes but is listed in KNOWN_FAILURES ({file}: {why}): remove the entry"
            )),
            Some(_) => expected.extend(outcome.failures),
            None => failures.extend(outcome.failures),
        }
    }
    eprintln!(
        "gradients: {} files, {points} points, {components} components checked, {} failures, {} expected failures (KNOWN_FAILURES)",
        files.len(),
        failures.len(),
        expected.len()
    );
    for failure in &expected {
        eprintln!("  expected failure: {failure}");
    }
    assert_no_failures(&failures, "gradient", &format!("{} files, {points} points", files.len()));
}

/// Enough files, each with well-formed directives whose GRAD names a
/// function of the file returning one float scalar, and whose ARGs fit its
/// parameters. Every KNOWN_FAILURES entry names a file. Ignores ZAD_FILTER.
#[test]
fn gradient_files_have_directives() {
    let files = files_in(GRADIENT_DIR, "mlir");
    assert_enough_files(&files, MIN_GRADIENT_FILES, GRADIENT_DIR);
    let context = Context::new().expect("zad context");
    let mut problems = Vec::new();
    for path in &files {
        let name = relative(path);
        let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{name}: {error}"));
        if !text.trim_start().starts_with("//") {
            problems.push(format!("{name}: does not start with a comment saying what it tests"));
        }
        let spec = match parse_spec(&text, "//") {
            Ok(spec) => spec,
            Err(errors) => {
                problems.extend(errors.into_iter().map(|error| format!("{name}: {error}")));
                continue;
            }
        };
        let signature = match Module::parse(&context, &text, &name).and_then(|module| module.signature(&spec.function)) {
            Ok(signature) => signature,
            Err(error) => {
                problems.push(format!("{name}: {error}"));
                continue;
            }
        };
        if !matches!(signature.results.as_slice(), [ParamType::Scalar(scalar)] if scalar.is_float()) {
            problems.push(format!("{name}: @{} must return one float scalar, not {}", spec.function, signature.describe()));
        }
        if signature.inputs.len() != spec.args.len() {
            problems.push(format!("{name}: {} ARGs for the parameters {}", spec.args.len(), signature.describe()));
            continue;
        }
        for (index, (generator, ty)) in spec.args.iter().zip(&signature.inputs).enumerate() {
            if let Err(error) = check_generator(generator, ty, index) {
                problems.push(format!("{name}: {error}"));
            }
        }
        let activity = spec.activity.clone().unwrap_or_default();
        let varied = activity.is_empty()
            || activity.iter().any(|&a| a != Activity::Const);
        if !varied {
            problems.push(format!("{name}: every argument is const: nothing to check"));
        }
    }
    for (file, _) in KNOWN_FAILURES {
        if !files.iter().any(|path| file_name(path) == *file) {
            problems.push(format!("KNOWN_FAILURES names {file}, which is not in {GRADIENT_DIR}"));
        }
    }
    assert!(problems.is_empty(), "malformed gradient kernels:\n  {}", problems.join("\n  "));
}

/// The code of a kernel file: its lines without `//` comments.
fn code_of(text: &str) -> String {
    text.lines().map(|line| line.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// Every derivative rule is exercised by some kernel: its op appears in the
/// code (not a comment) of a kernel file. The kernels use each op on values
/// that depend on the active arguments (see the README's coverage table),
/// except ops whose operands are never active (`sitofp`, `uitofp`,
/// `constant`), which only need to appear.
#[test]
fn every_rule_is_exercised() {
    let texts: Vec<(String, String)> = files_in(GRADIENT_DIR, "mlir")
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            (file_name(&path), code_of(&text))
        })
        .collect();
    let mut missing = Vec::new();
    let mut count = 0;
    for rule in zad::ad::rules::table_rules() {
        count += 1;
        // `math.exp` must not be satisfied by `math.exp2` or `math.expm1`.
        let used = texts.iter().any(|(_, code)| {
            code.match_indices(rule.op).any(|(at, _)| {
                !code[at + rule.op.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            })
        });
        if !used {
            missing.push(rule.op);
        }
    }
    assert!(count > 0, "zad::ad::rules::table_rules() is empty");
    assert!(
        missing.is_empty(),
        "{} of {count} derivative rules are exercised by no kernel in {GRADIENT_DIR}: {}",
        missing.len(),
        missing.join(", ")
    );
}

/// Constructs zad cannot differentiate are an `Error::Unsupported` naming
/// the op and where it is, never a wrong gradient.
#[test]
fn unsupported_constructs_are_reported() {
    const SOURCE: &str = "\
func.func @no_rule(%x: f64) -> f64 {
  %s = llvm.intr.sin(%x) : (f64) -> f64
  %r = arith.addf %s, %x : f64
  return %r : f64
}
func.func @two_calls_through_global(%x: f64, %n: index) -> f64 {
  %g = memref.get_global @state : memref<f64>
  memref.store %x, %g[] : memref<f64>
  %r = func.call @recursive_reader(%n) : (index) -> f64
  return %r : f64
}
func.func @recursive_reader(%n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %g = memref.get_global @state : memref<f64>
  %v = memref.load %g[] : memref<f64>
  %done = arith.cmpi eq, %n, %c0 : index
  %r = scf.if %done -> (f64) {
    scf.yield %v : f64
  } else {
    %m = arith.subi %n, %c1 : index
    %rest = func.call @recursive_reader(%m) : (index) -> f64
    %s = arith.addf %rest, %v : f64
    scf.yield %s : f64
  }
  return %r : f64
}
func.func @branches(%x: f64) -> f64 {
  %z = arith.constant 0.0 : f64
  %c = arith.cmpf olt, %x, %z : f64
  cf.cond_br %c, ^neg, ^pos
^neg:
  %n = arith.negf %x : f64
  return %n : f64
^pos:
  return %x : f64
}
func.func @do_while(%x: f64) -> f64 {
  %lim = arith.constant 10.0 : f64
  %two = arith.constant 2.0 : f64
  %y = scf.while (%a = %x) : (f64) -> f64 {
    %b = arith.mulf %a, %two : f64
    %go = arith.cmpf olt, %b, %lim : f64
    scf.condition(%go) %b : f64
  } do {
  ^bb0(%c: f64):
    scf.yield %c : f64
  }
  return %y : f64
}
func.func @const_buffer(%x: f64, %buf: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %s = math.sin %x : f64
  memref.store %s, %buf[%c0] : memref<?xf64>
  %v = memref.load %buf[%c0] : memref<?xf64>
  return %v : f64
}
func.func @aliased_checkpointed_call(%u: memref<?xf64>, %a: f64) -> f64 {
  %c0 = arith.constant 0 : index
  func.call @scale_into(%u, %u, %a) {zad.checkpoint} : (memref<?xf64>, memref<?xf64>, f64) -> ()
  %v = memref.load %u[%c0] : memref<?xf64>
  return %v : f64
}
func.func @scale_into(%x: memref<?xf64>, %y: memref<?xf64>, %a: f64) {
  %c0 = arith.constant 0 : index
  %v = memref.load %x[%c0] : memref<?xf64>
  %w = arith.mulf %v, %a : f64
  memref.store %w, %y[%c0] : memref<?xf64>
  return
}
memref.global \"private\" @state : memref<f64> = dense<0.0>
";
    const INACTIVE: &str = "\
func.func @inactive_no_rule(%x: f64, %y: f64) -> f64 {
  %s = llvm.intr.sin(%y) : (f64) -> f64
  %r = arith.mulf %x, %s : f64
  return %r : f64
}
";
    let context = Context::new().expect("zad context");
    let module = Module::parse(&context, SOURCE, "unsupported.mlir").expect("the module parses");
    let expect_unsupported = |function: &str, activity: &[Activity], needles: &[&str]| {
        match module.gradient(function, activity) {
            Err(Error::Unsupported(message)) => {
                for needle in needles {
                    assert!(message.contains(needle), "@{function}: the message should contain '{needle}': {message}");
                }
            }
            Err(other) => panic!("@{function}: expected Error::Unsupported, got {other:?}"),
            Ok(_) => panic!("@{function}: expected Error::Unsupported, but zad differentiated it"),
        }
    };
    expect_unsupported("no_rule", &[Activity::Active], &["llvm.intr.sin", "unsupported.mlir:2:"]);
    expect_unsupported("branches", &[Activity::Active], &["cf.cond_br", "unsupported.mlir:31:3"]);
    // A do-while (the condition region computes the next iterate).
    expect_unsupported("do_while", &[Activity::Active], &["scf.while", "unsupported.mlir:41:", "unsupported.mlir:42:"]);
    // A 'const' buffer receiving active values would need a shadow.
    expect_unsupported("const_buffer", &[Activity::Active, Activity::Const], &["argument 2", "'const'", "unsupported.mlir:"]);
    // A global reached through a call that is not inlined (recursive): the
    // dependence through the global would be lost.
    expect_unsupported("two_calls_through_global", &[Activity::Active, Activity::Const], &["@recursive_reader", "@state"]);
    // A checkpointed call whose buffer arguments alias.
    expect_unsupported(
        "aliased_checkpointed_call",
        &[Activity::Dup, Activity::Active],
        &["arguments 1 and 2", "share one buffer", "func.call"],
    );
    // An op without a rule is fine where it does not carry derivatives.
    let module = Module::parse(&context, INACTIVE, "inactive.mlir").expect("the module parses");
    let gradient = module.gradient("inactive_no_rule", &[Activity::Active, Activity::Const]).expect("inactive op");
    let mut args = Args::new();
    args.push_f64(2.0).push_f64(0.5);
    gradient.call(&mut args).expect("call");
    let results = args.results();
    assert_eq!(results.len(), 2);
    let (value, slope) = (results[0].as_f64().unwrap(), results[1].as_f64().unwrap());
    assert!((value - 2.0 * 0.5f64.sin()).abs() < 1e-15 && (slope - 0.5f64.sin()).abs() < 1e-15, "{results:?}");
}

/// The checker itself: a correct kernel passes with the expected number
/// of points and components; a kernel whose true derivative differs from
/// zad's almost-everywhere rule (a fine staircase `floor(1e7 x) / 1e7`,
/// whose rule derivative is 0 but whose difference quotient over
/// `2h = 2e-6` is about 1) is reported with file, function, point and
/// component; malformed directives are errors.
#[test]
fn checker_detects_wrong_gradients() {
    const GOOD: &str = "// a good kernel
// GRAD: f
// ARG: scalar 0.1 1.0
// ARG: array 5
func.func @f(%x: f64, %a: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %v = memref.load %a[%c0] : memref<?xf64>
  %s = math.sin %x : f64
  %r = arith.mulf %s, %v : f64
  return %r : f64
}
";
    let context = Context::new().expect("zad context");
    let outcome = check_source(&context, "good.mlir", GOOD);
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    assert_eq!((outcome.points, outcome.components), (3, 18));
    const STAIRCASE: &str = "// the rule of floor is not the difference quotient of a fine staircase
// GRAD: f
// ARG: scalar 0.1 1.0
func.func @f(%x: f64) -> f64 {
  %big = arith.constant 1.0e7 : f64
  %small = arith.constant 1.0e-7 : f64
  %a = arith.mulf %x, %big : f64
  %b = math.floor %a : f64
  %r = arith.mulf %b, %small : f64
  return %r : f64
}
";
    let outcome = check_source(&context, "staircase.mlir", STAIRCASE);
    assert_eq!(outcome.failures.len(), 3, "{:?}", outcome.failures);
    for (point, failure) in outcome.failures.iter().enumerate() {
        assert!(
            failure.starts_with(&format!("staircase.mlir: @f: point {point} "))
                && failure.contains("d/d arg#0: got 0.0")
                && failure.contains("expected 1."),
            "{failure}"
        );
    }
    // Malformed directives are errors.
    for (source, needle) in [
        ("// GRAD: f\n// ARG: vector 3\n", "ARG 'vector 3'"),
        ("// ARG: scalar\n", "no GRAD"),
        ("// GRAD: f\n// ARG: scalar\n// ACTIVITY: active,dup\n", "ACTIVITY has 2 entries"),
        ("// GRAD: f\n// ARG: scalar 2 1\n", "empty range"),
        ("// GRAD: f\n// ARG: scalar\n// NOTE: hi\n", "unknown directive 'NOTE'"),
    ] {
        let errors = parse_spec(source, "//").expect_err(source);
        assert!(errors.iter().any(|e| e.contains(needle)), "{source:?}: {errors:?}");
    }
}

/// Every rule of the tables is well formed, so that a mistake in one is an
/// error here and not at a user's first gradient: one rule per op (and no
/// op both in a table and elsewhere), expressions that parse and call only
/// known functions with their arity (checked by the parser), adjoints that
/// use only `dr` and the op's own operands and result, tangents only the
/// tangent of their own operand and the op's operands and result. Their
/// values are checked against finite differences by the kernels of
/// tests/gradients (`every_rule_is_exercised`) and by forward mode.
#[test]
fn rule_tables_are_well_formed() {
    use zad::ad::rules::{Expr, Partial, expr_variables, table_rules};
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for rule in table_rules() {
        if !seen.insert(rule.op) {
            problems.push(format!("{}: more than one rule", rule.op));
        }
        let operand_names = ["a", "b", "c"];
        let own_names = ["da", "db", "dc"];
        for (index, partial) in rule.operands.iter().enumerate() {
            let Partial::D { adjoint, tangent } = partial else { continue };
            let primal: Vec<&str> = operand_names[..rule.operands.len().min(3)].iter().copied().chain(["r"]).collect();
            for (kind, text, own) in [("adjoint", adjoint, "dr"), ("tangent", tangent, own_names[index.min(2)])] {
                match Expr::parse(text) {
                    Err(error) => problems.push(format!("{} operand {}: {kind} '{text}' does not parse: {error}", rule.op, index + 1)),
                    Ok(expr) => {
                        for variable in expr_variables(&expr) {
                            if variable != own && !primal.contains(&variable.as_str()) {
                                problems.push(format!(
                                    "{} operand {}: {kind} '{text}' uses '{variable}' (allowed: {own}, {})",
                                    rule.op,
                                    index + 1,
                                    primal.join(", ")
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(seen.len() > 50, "only {} table rules", seen.len());
    assert!(problems.is_empty(), "{} problems in the rule tables:\n  {}", problems.len(), problems.join("\n  "));
}
