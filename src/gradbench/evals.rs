//! The GradBench modules zad implements: for each, its MLIR kernel (in
//! `kernels/`), how an eval's JSON input becomes the kernel's arguments, and
//! how the results become the eval's JSON output.
//!
//! The primal is the kernel itself; the derivative is zad's reverse-mode
//! gradient of it, with the activity the eval's "independent variables"
//! call for (kmeans: its Hessian-vector product; ht: its vector forward
//! mode, a Jacobian with few columns). The JSON decoding and encoding is done once per evaluation,
//! outside what is timed ([`Prepared::run`] only runs the kernel).

use crate::{
    Activity, Args, CompiledFunction, Context, Module, Value,
    error::{Error, Result},
};
use serde_json::{Map, Value as Json};

/// The modules zad has, by GradBench name.
pub const MODULES: [&str; 12] = ["ba", "det", "gmm", "hello", "ht", "kmeans", "llsq", "lse", "lstm", "ode", "particle", "saddle"];

/// What a module is made of.
struct Spec {
    name: &'static str,
    /// The module's MLIR text.
    source: fn() -> String,
    /// GradBench's functions of the module, in the order they are defined.
    functions: &'static [Function],
    decode: fn(&Json) -> Result<Vec<Arg>>,
}

/// One function of a module, as GradBench names it.
struct Function {
    name: &'static str,
    /// The kernel function in the module's source.
    kernel: &'static str,
    /// What is compiled from the kernel.
    compiled: Compiled,
    /// From the arguments (their shadows) and the results.
    output: fn(&[Arg], &[Value]) -> Json,
}

/// What a GradBench function is compiled as, from its kernel. The activity
/// is the kernel arguments' (the eval's "independent variables").
#[derive(Clone, Copy)]
enum Compiled {
    /// The kernel itself.
    Primal,
    /// zad's reverse-mode gradient.
    Gradient(&'static [Activity]),
    /// zad's Hessian-vector product (forward over reverse) in the direction
    /// of all ones, which also gives the gradient: each 'dup' array gets its
    /// shadow (the gradient) and its (H·1) buffer.
    HessianTimesOnes(&'static [Activity]),
    /// zad's vector forward mode, `width` directions in one sweep: `seed`
    /// gives each 'dup' array its `width` directions (the columns of a
    /// Jacobian, or a compression of them), after which the arrays the
    /// kernel writes hold the tangents of their contents.
    Tangent { activity: &'static [Activity], width: usize, seed: fn(&mut [Arg]) },
}

impl Compiled {
    fn activity(self) -> Option<&'static [Activity]> {
        match self {
            Compiled::Primal => None,
            Compiled::Gradient(activity) | Compiled::HessianTimesOnes(activity) => Some(activity),
            // A tangent's arrays get their directions from its seed.
            Compiled::Tangent { .. } => None,
        }
    }
}

use Activity::{Const, Dup};
use Compiled::{Gradient, HessianTimesOnes, Primal, Tangent};

const SPECS: [Spec; 12] = [
    Spec {
        name: "ba",
        source: || include_str!("kernels/ba.mlir").to_string(),
        functions: &[
            Function { name: "objective", kernel: "ba_objective", compiled: Primal, output: ba_objective },
            Function { name: "jacobian", kernel: "ba_jacobian", compiled: Primal, output: ba_jacobian },
        ],
        decode: ba_arguments,
    },
    Spec {
        name: "det",
        source: || include_str!("kernels/det.mlir").to_string(),
        functions: &[
            Function { name: "primal", kernel: "det", compiled: Primal, output: first_result },
            Function { name: "gradient", kernel: "det", compiled: Gradient(&[Dup]), output: first_shadow },
        ],
        decode: det_arguments,
    },
    Spec {
        name: "gmm",
        source: || include_str!("kernels/gmm.mlir").to_string(),
        functions: &[
            Function { name: "objective", kernel: "gmm", compiled: Primal, output: first_result },
            Function { name: "jacobian", kernel: "gmm", compiled: Gradient(&[Dup, Dup, Dup, Dup, Const, Const, Const, Const]), output: gmm_jacobian },
        ],
        decode: gmm_arguments,
    },
    Spec {
        name: "hello",
        source: || include_str!("kernels/hello.mlir").to_string(),
        functions: &[
            Function { name: "square", kernel: "square", compiled: Primal, output: first_result },
            Function { name: "double", kernel: "square", compiled: Gradient(&[Activity::Active]), output: first_gradient },
        ],
        decode: hello_argument,
    },
    Spec {
        name: "ht",
        source: || include_str!("kernels/ht.mlir").to_string(),
        functions: &[
            Function { name: "objective", kernel: "ht", compiled: Primal, output: ht_residuals },
            Function {
                name: "jacobian",
                kernel: "ht",
                compiled: Tangent { activity: &HT_ACTIVITY, width: HT_THETA + 2, seed: ht_seed },
                output: ht_jacobian,
            },
        ],
        decode: ht_arguments,
    },
    Spec {
        name: "kmeans",
        source: || include_str!("kernels/kmeans.mlir").to_string(),
        functions: &[
            Function { name: "cost", kernel: "kmeans", compiled: Primal, output: first_result },
            Function { name: "dir", kernel: "kmeans", compiled: HessianTimesOnes(&[Const, Dup]), output: kmeans_newton_direction },
        ],
        decode: kmeans_arguments,
    },
    Spec {
        name: "llsq",
        source: || include_str!("kernels/llsq.mlir").to_string(),
        functions: &[
            Function { name: "primal", kernel: "llsq", compiled: Primal, output: first_result },
            Function { name: "gradient", kernel: "llsq", compiled: Gradient(&[Dup, Const]), output: first_shadow },
        ],
        decode: llsq_arguments,
    },
    Spec {
        name: "lse",
        source: || include_str!("kernels/lse.mlir").to_string(),
        functions: &[
            Function { name: "primal", kernel: "lse", compiled: Primal, output: first_result },
            Function { name: "gradient", kernel: "lse", compiled: Gradient(&[Dup]), output: first_shadow },
        ],
        decode: lse_arguments,
    },
    Spec {
        name: "lstm",
        source: || include_str!("kernels/lstm.mlir").to_string(),
        functions: &[
            Function { name: "objective", kernel: "lstm", compiled: Primal, output: first_result },
            Function { name: "jacobian", kernel: "lstm", compiled: Gradient(&[Dup, Dup, Const, Const]), output: lstm_jacobian },
        ],
        decode: lstm_arguments,
    },
    Spec {
        name: "ode",
        source: || include_str!("kernels/ode.mlir").to_string(),
        functions: &[
            Function { name: "primal", kernel: "ode", compiled: Primal, output: ode_final_state },
            Function { name: "gradient", kernel: "ode", compiled: Gradient(&[Dup, Const, Dup]), output: first_shadow },
        ],
        decode: ode_arguments,
    },
    Spec {
        name: "saddle",
        source: saddle_source,
        functions: &[
            Function { name: "ff", kernel: "saddle_ff", compiled: Primal, output: all_results },
            Function { name: "fr", kernel: "saddle_fr", compiled: Primal, output: all_results },
            Function { name: "rf", kernel: "saddle_rf", compiled: Primal, output: all_results },
            Function { name: "rr", kernel: "saddle_rr", compiled: Primal, output: all_results },
        ],
        decode: saddle_arguments,
    },
    Spec {
        name: "particle",
        source: particle_source,
        functions: &[
            Function { name: "ff", kernel: "particle_ff", compiled: Primal, output: first_result },
            Function { name: "fr", kernel: "particle_fr", compiled: Primal, output: first_result },
            Function { name: "rf", kernel: "particle_rf", compiled: Primal, output: first_result },
            Function { name: "rr", kernel: "particle_rr", compiled: Primal, output: first_result },
        ],
        decode: particle_arguments,
    },
];

/// GradBench's gradient descent (descent.mlir) instantiated as `argmin`,
/// minimising `objective` with `gradient`.
fn descent(argmin: &str, objective: &str, gradient: &str) -> String {
    include_str!("kernels/descent.mlir")
        .replace("@ARGMIN", &format!("@{argmin}"))
        .replace("@OBJECTIVE", &format!("@{objective}"))
        .replace("@GRADIENT", &format!("@{gradient}"))
}

/// saddle.mlir and its six descents: the argmax over p2 in either mode,
/// and the argmin over p1 in each pair of modes.
fn saddle_source() -> String {
    let mut source = include_str!("kernels/saddle.mlir").to_string();
    for inner in ["r", "f"] {
        source += &descent(&format!("r2_argmax_{inner}"), "r2_negated", &format!("r2_gradient_{inner}"));
        for outer in ["r", "f"] {
            let modes = format!("{outer}{inner}");
            source += &descent(&format!("r1_argmin_{modes}"), &format!("r1_cost_{inner}"), &format!("r1_gradient_{modes}"));
        }
    }
    source
}

/// particle.mlir and its four descents over w.
fn particle_source() -> String {
    let mut source = include_str!("kernels/particle.mlir").to_string();
    for outer in ["r", "f"] {
        for inner in ["r", "f"] {
            let modes = format!("{outer}{inner}");
            source += &descent(&format!("w_argmin_{modes}"), &format!("euler_{inner}"), &format!("w_gradient_{modes}"));
        }
    }
    source
}

/// One kernel argument, owning its data.
enum Arg {
    Array {
        data: Vec<f64>,
        shape: Vec<i64>,
        /// The derivative buffer of a 'dup' array (for the gradient).
        shadow: Option<Vec<f64>>,
        /// The element of the shadow set to 1 before each run (the seed of
        /// an output buffer); the rest is zeroed.
        seed: Option<usize>,
        /// For a Hessian-vector product: the direction (all ones) and the
        /// buffer (H·direction) is accumulated into (zeroed before each run).
        curvature: Option<(Vec<f64>, Vec<f64>)>,
        /// Under a tangent: the array's directions, one per lane (each of
        /// the array's length); for an array the kernel writes, the
        /// tangents of its final contents after a run. Empty otherwise.
        tangents: Vec<Vec<f64>>,
    },
    F64(f64),
    Index(i64),
}

impl Arg {
    fn array(data: Vec<f64>, shape: &[usize]) -> Arg {
        Arg::Array { data, shape: shape.iter().map(|&size| size as i64).collect(), shadow: None, seed: None, curvature: None, tangents: Vec::new() }
    }

    fn shadow(&self) -> &[f64] {
        match self {
            Arg::Array { shadow: Some(shadow), .. } => shadow,
            _ => &[],
        }
    }

    /// (H·1) of a 'dup' array under a Hessian-vector product.
    fn hessian_times_ones(&self) -> &[f64] {
        match self {
            Arg::Array { curvature: Some((_, product)), .. } => product,
            _ => &[],
        }
    }
}

/// A module compiled: each of its GradBench functions.
pub struct DefinedModule {
    spec: &'static Spec,
    /// In the order of `spec.functions`.
    compiled: Vec<CompiledFunction>,
    /// Kept for the functions' lifetime (they are compiled from it).
    _module: Module,
}

impl DefinedModule {
    /// Parses the module's kernel and JIT-compiles each of its functions;
    /// returns the module and the compile times in ns, one per function.
    pub fn define(context: &Context, name: &str) -> Result<(DefinedModule, Vec<u64>)> {
        let spec = SPECS.iter().find(|spec| spec.name == name).ok_or_else(|| {
            Error::InvalidArgument(format!("zad has no module {name:?} (it has {})", MODULES.join(", ")))
        })?;
        let module = Module::parse(context, &(spec.source)(), &format!("{}.mlir", spec.name))?;
        let mut compiled = Vec::new();
        let mut compile_ns = Vec::new();
        for function in spec.functions {
            let start = std::time::Instant::now();
            compiled.push(match function.compiled {
                Primal => module.function(function.kernel)?,
                Gradient(activity) => module.gradient(function.kernel, activity)?,
                HessianTimesOnes(activity) => module.hvp(function.kernel, activity)?,
                Tangent { activity, width, .. } => module.tangent(function.kernel, activity, width)?,
            });
            compile_ns.push(start.elapsed().as_nanos() as u64);
        }
        Ok((DefinedModule { spec, compiled, _module: module }, compile_ns))
    }

    /// GradBench's names of the module's functions (the primal first, then
    /// the derivative, for the modules that have one of each).
    pub fn function_names(&self) -> Vec<&'static str> {
        self.spec.functions.iter().map(|function| function.name).collect()
    }

    /// The evaluation of `function` at `input`, ready to run.
    pub fn prepare(&self, function: &str, input: &Json) -> Result<Prepared<'_>> {
        let Some(index) = self.spec.functions.iter().position(|candidate| candidate.name == function) else {
            return Err(Error::InvalidArgument(format!(
                "module {} has no function {function:?} (it has {:?})",
                self.spec.name,
                self.function_names()
            )));
        };
        let mut args = (self.spec.decode)(input)?;
        let compiled = self.spec.functions[index].compiled;
        if let Some(activity) = compiled.activity() {
            for (arg, activity) in args.iter_mut().zip(activity) {
                if let (Arg::Array { data, shadow, curvature, .. }, Activity::Dup) = (arg, activity) {
                    *shadow = Some(vec![0.0; data.len()]);
                    if matches!(compiled, HessianTimesOnes(_)) {
                        *curvature = Some((vec![1.0; data.len()], vec![0.0; data.len()]));
                    }
                }
            }
        }
        if let Tangent { seed, .. } = compiled {
            seed(&mut args);
        }
        Ok(Prepared { module: self, function: index, args, results: Vec::new() })
    }
}

/// One evaluation: the kernel arguments decoded from the input.
pub struct Prepared<'a> {
    module: &'a DefinedModule,
    /// The function's index in the module's spec.
    function: usize,
    args: Vec<Arg>,
    results: Vec<Value>,
}

impl Prepared<'_> {
    /// Runs the function once (a gradient zeroes and seeds its shadows
    /// first, as each run must start from them).
    pub fn run(&mut self) -> Result<()> {
        let function = &self.module.compiled[self.function];
        let mut call = Args::new();
        for arg in &mut self.args {
            match arg {
                Arg::Array { data, shape, shadow, seed, curvature, tangents } => {
                    call.push_slice_f64(data, shape)?;
                    if let Some(shadow) = shadow {
                        shadow.fill(0.0);
                        if let Some(at) = *seed {
                            shadow[at] = 1.0;
                        }
                        call.push_slice_f64(shadow, shape)?;
                    }
                    if let Some((direction, product)) = curvature {
                        product.fill(0.0);
                        call.push_slice_f64(direction, shape)?;
                        call.push_slice_f64(product, shape)?;
                    }
                    // The kernels write every element of the arrays they
                    // write, so their tangents need no clearing between runs.
                    for lane in tangents {
                        call.push_slice_f64(lane, shape)?;
                    }
                }
                Arg::F64(value) => {
                    call.push_f64(*value);
                }
                Arg::Index(value) => {
                    call.push_index(*value);
                }
            }
        }
        function.call(&mut call)?;
        self.results = call.results().to_vec();
        Ok(())
    }

    /// The output of the last run, as the eval expects it.
    pub fn output(&self) -> Json {
        (self.module.spec.functions[self.function].output)(&self.args, &self.results)
    }
}

// Outputs.

fn numbers(values: &[f64]) -> Json {
    Json::Array(values.iter().map(|&x| Json::from(x)).collect())
}

/// `values` as `rows` rows of equal length.
fn rows(values: &[f64], rows: usize) -> Json {
    let width = values.len().checked_div(rows).unwrap_or(0);
    Json::Array((0..rows).map(|row| numbers(&values[row * width..(row + 1) * width])).collect())
}

/// Every result, as numbers (saddle's two points).
fn all_results(_args: &[Arg], results: &[Value]) -> Json {
    Json::Array(results.iter().map(|result| result.as_f64().map_or(Json::Null, Json::from)).collect())
}

fn first_result(_args: &[Arg], results: &[Value]) -> Json {
    results.first().and_then(Value::as_f64).map_or(Json::Null, Json::from)
}

/// The gradient of an active scalar: the result after the primal's one.
fn first_gradient(_args: &[Arg], results: &[Value]) -> Json {
    results.get(1).and_then(Value::as_f64).map_or(Json::Null, Json::from)
}

fn first_shadow(args: &[Arg], _results: &[Value]) -> Json {
    numbers(args[0].shadow())
}

fn ode_final_state(args: &[Arg], _results: &[Value]) -> Json {
    match &args[2] {
        Arg::Array { data, .. } => numbers(data),
        _ => Json::Null,
    }
}

fn gmm_jacobian(args: &[Arg], _results: &[Value]) -> Json {
    let k = args[0].shadow().len();
    let mut output = Map::new();
    output.insert("alpha".into(), numbers(args[0].shadow()));
    output.insert("mu".into(), rows(args[1].shadow(), k));
    output.insert("q".into(), rows(args[2].shadow(), k));
    output.insert("l".into(), rows(args[3].shadow(), k));
    Json::Object(output)
}

/// kmeans' Newton direction J H^-1: H is diagonal, so H·1 is its diagonal
/// and the direction is the gradient divided by it elementwise, one row per
/// centroid.
fn kmeans_newton_direction(args: &[Arg], _results: &[Value]) -> Json {
    let centroids = &args[1];
    let direction: Vec<f64> = centroids
        .shadow()
        .iter()
        .zip(centroids.hessian_times_ones())
        .map(|(gradient, curvature)| gradient / curvature)
        .collect();
    let k = match centroids {
        Arg::Array { shape, .. } => shape[0] as usize,
        _ => 0,
    };
    rows(&direction, k)
}

/// ba's residuals as GradBench's reference (the manual tool) reports them,
/// the duplication of the input undone: the first observation's two
/// reprojection errors and its weight error, each with its count.
fn ba_objective(args: &[Arg], _results: &[Value]) -> Json {
    let (reproj, w_err) = match (&args[5], &args[6]) {
        (Arg::Array { data: reproj, .. }, Arg::Array { data: w_err, .. }) => (reproj, w_err),
        _ => return Json::Null,
    };
    let mut reproj_error = Map::new();
    reproj_error.insert("elements".into(), numbers(&reproj[..2]));
    reproj_error.insert("repeated".into(), Json::from(reproj.len() / 2));
    let mut weight_error = Map::new();
    weight_error.insert("element".into(), Json::from(w_err[0]));
    weight_error.insert("repeated".into(), Json::from(w_err.len()));
    let mut output = Map::new();
    output.insert("reproj_error".into(), Json::Object(reproj_error));
    output.insert("w_err".into(), Json::Object(weight_error));
    Json::Object(output)
}

/// ba's sparse Jacobian (CSR) as GradBench's reference reports it: the
/// first 30 entries of its row offsets, columns and values (the first
/// observation's two rows), then the last of each.
fn ba_jacobian(args: &[Arg], _results: &[Value]) -> Json {
    fn summary(values: &[f64], integers: bool) -> Json {
        let head = &values[..values.len().min(30)];
        let entries = head.iter().chain(values.last());
        Json::Array(entries.map(|&x| if integers { Json::from(x as i64) } else { Json::from(x) }).collect())
    }
    let [rows, cols, vals] = [&args[7], &args[8], &args[9]].map(|arg| match arg {
        Arg::Array { data, .. } => data.as_slice(),
        _ => &[],
    });
    let mut output = Map::new();
    output.insert("rows".into(), summary(rows, true));
    output.insert("cols".into(), summary(cols, true));
    output.insert("vals".into(), summary(vals, false));
    Json::Object(output)
}

/// The gradient of the main parameters then the extra ones, each row-major.
fn lstm_jacobian(args: &[Arg], _results: &[Value]) -> Json {
    numbers(&[args[0].shadow(), args[1].shadow()].concat())
}

// Inputs.

fn field<'a>(input: &'a Json, name: &str) -> Result<&'a Json> {
    input.get(name).ok_or_else(|| Error::InvalidArgument(format!("the input has no field {name:?}")))
}

fn vector_of(value: &Json, what: &str) -> Result<Vec<f64>> {
    let items = value.as_array().ok_or_else(|| Error::InvalidArgument(format!("{what} is not an array")))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            item.as_f64().ok_or_else(|| Error::InvalidArgument(format!("{what}[{i}] is not a number: {item}")))
        })
        .collect()
}

fn vector(input: &Json, name: &str, length: Option<usize>) -> Result<Vec<f64>> {
    let values = vector_of(field(input, name)?, name)?;
    match length {
        Some(length) if values.len() != length => Err(Error::InvalidArgument(format!(
            "{name} has {} entries, expected {length}",
            values.len()
        ))),
        _ => Ok(values),
    }
}

/// A matrix given as an array of rows: its row-major data and its shape.
/// `rows`/`columns`: the expected sizes, where known.
fn matrix(input: &Json, name: &str, rows: Option<usize>, columns: Option<usize>) -> Result<(Vec<f64>, [usize; 2])> {
    let items = field(input, name)?
        .as_array()
        .ok_or_else(|| Error::InvalidArgument(format!("{name} is not an array of rows")))?;
    if let Some(rows) = rows.filter(|&rows| rows != items.len()) {
        return Err(Error::InvalidArgument(format!("{name} has {} rows, expected {rows}", items.len())));
    }
    let mut data = Vec::new();
    let mut width = columns;
    for (i, item) in items.iter().enumerate() {
        let row = vector_of(item, &format!("{name}[{i}]"))?;
        match width {
            Some(width) if row.len() != width => {
                return Err(Error::InvalidArgument(format!(
                    "{name}[{i}] has {} entries, expected {width}",
                    row.len()
                )));
            }
            _ => width = Some(row.len()),
        }
        data.extend(row);
    }
    Ok((data, [items.len(), width.unwrap_or(0)]))
}

/// A non-negative integer field, at least `minimum`.
fn count(input: &Json, name: &str, minimum: u64) -> Result<usize> {
    let value = field(input, name)?;
    match value.as_u64() {
        Some(count) if count >= minimum => Ok(count as usize),
        _ => Err(Error::InvalidArgument(format!("{name} must be an integer >= {minimum}, not {value}"))),
    }
}

fn non_empty(name: &str, length: usize) -> Result<()> {
    if length == 0 {
        return Err(Error::InvalidArgument(format!("{name} is empty")));
    }
    Ok(())
}

/// ba: n cameras, m points and p observations from one camera, point,
/// weight and feature, replicated as GradBench's generator does (observation
/// i sees point i mod m from camera i mod n); then the objective's and the
/// Jacobian's output buffers (see ba.mlir).
fn ba_arguments(input: &Json) -> Result<Vec<Arg>> {
    let n = count(input, "n", 1)?;
    let m = count(input, "m", 1)?;
    let p = count(input, "p", 1)?;
    // Columns (11n + 3m + p) and entries (31p) are exact as floats.
    if n.max(m).max(p) > 1 << 40 {
        return Err(Error::InvalidArgument(format!("ba: n = {n}, m = {m}, p = {p} is too large")));
    }
    let cam = vector(input, "cam", Some(11))?;
    let x = vector(input, "x", Some(3))?;
    let w = field(input, "w")?
        .as_f64()
        .ok_or_else(|| Error::InvalidArgument("ba's \"w\" must be a number".into()))?;
    let feat = vector(input, "feat", Some(2))?;
    let obs: Vec<f64> = (0..p).flat_map(|i| [(i % n) as f64, (i % m) as f64]).collect();
    Ok(vec![
        Arg::array(cam.repeat(n), &[n, 11]),
        Arg::array(x.repeat(m), &[m, 3]),
        Arg::array(vec![w; p], &[p]),
        Arg::array(obs, &[p, 2]),
        Arg::array(feat.repeat(p), &[p, 2]),
        Arg::array(vec![0.0; 2 * p], &[p, 2]),
        Arg::array(vec![0.0; p], &[p]),
        Arg::array(vec![0.0; 3 * p + 1], &[3 * p + 1]),
        Arg::array(vec![0.0; 31 * p], &[31 * p]),
        Arg::array(vec![0.0; 31 * p], &[31 * p]),
    ])
}

fn hello_argument(input: &Json) -> Result<Vec<Arg>> {
    let x = input.as_f64().ok_or_else(|| Error::InvalidArgument(format!("hello: the input must be a number, not {input}")))?;
    Ok(vec![Arg::F64(x)])
}

fn det_arguments(input: &Json) -> Result<Vec<Arg>> {
    let ell = count(input, "ell", 1)?;
    // One minor per column subset: 2^ell of them.
    if ell > 30 {
        return Err(Error::InvalidArgument(format!("ell = {ell} is too large for expansion by minors (at most 30)")));
    }
    let a = vector(input, "A", Some(ell * ell))?;
    Ok(vec![Arg::array(a, &[ell, ell])])
}

fn kmeans_arguments(input: &Json) -> Result<Vec<Arg>> {
    let (points, [n, d]) = matrix(input, "points", None, None)?;
    non_empty("points", n)?;
    if d == 0 {
        return Err(Error::InvalidArgument("points have no coordinates".into()));
    }
    let (centroids, [k, _]) = matrix(input, "centroids", None, Some(d))?;
    non_empty("centroids", k)?;
    Ok(vec![Arg::array(points, &[n, d]), Arg::array(centroids, &[k, d])])
}

/// saddle: the start point, both coordinates.
fn saddle_arguments(input: &Json) -> Result<Vec<Arg>> {
    let start = vector(input, "start", Some(2))?;
    Ok(vec![Arg::F64(start[0]), Arg::F64(start[1])])
}

/// particle: the start of the descent over w.
fn particle_arguments(input: &Json) -> Result<Vec<Arg>> {
    let w = field(input, "w")?
        .as_f64()
        .ok_or_else(|| Error::InvalidArgument("particle's \"w\" must be a number".into()))?;
    Ok(vec![Arg::F64(w)])
}

fn lse_arguments(input: &Json) -> Result<Vec<Arg>> {
    let x = vector(input, "x", None)?;
    non_empty("x", x.len())?;
    let n = x.len();
    Ok(vec![Arg::array(x, &[n])])
}

fn llsq_arguments(input: &Json) -> Result<Vec<Arg>> {
    let x = vector(input, "x", None)?;
    // t_i divides by n - 1.
    let n = count(input, "n", 2)?;
    let m = x.len();
    Ok(vec![Arg::array(x, &[m]), Arg::Index(n as i64)])
}

fn ode_arguments(input: &Json) -> Result<Vec<Arg>> {
    let x = vector(input, "x", None)?;
    non_empty("x", x.len())?;
    let s = count(input, "s", 1)?;
    let n = x.len();
    let mut y = Arg::array(vec![0.0; n], &[n]);
    if let Arg::Array { seed, .. } = &mut y {
        *seed = Some(n - 1);
    }
    Ok(vec![Arg::array(x, &[n]), Arg::Index(s as i64), y])
}

fn gmm_arguments(input: &Json) -> Result<Vec<Arg>> {
    let d = count(input, "d", 1)?;
    let k = count(input, "k", 1)?;
    let n = count(input, "n", 1)?;
    let m = count(input, "m", 0)?;
    let gamma = field(input, "gamma")?
        .as_f64()
        .filter(|gamma| *gamma > 0.0)
        .ok_or_else(|| Error::InvalidArgument("gamma must be a positive number".into()))?;
    let alpha = vector(input, "alpha", Some(k))?;
    let (mu, _) = matrix(input, "mu", Some(k), Some(d))?;
    let (q, _) = matrix(input, "q", Some(k), Some(d))?;
    let l_size = d * (d - 1) / 2;
    let (l, _) = matrix(input, "l", Some(k), Some(l_size))?;
    let (x, _) = matrix(input, "x", Some(n), Some(d))?;
    // The kernel takes the points as columns (see gmm.mlir): constant data,
    // laid out once here so that its loops over points are contiguous.
    let xt: Vec<f64> = (0..d * n).map(|at| x[(at % n) * d + at / n]).collect();
    Ok(vec![
        Arg::array(alpha, &[k]),
        Arg::array(mu, &[k, d]),
        Arg::array(q, &[k, d]),
        Arg::array(l, &[k, l_size]),
        Arg::array(xt, &[d, n]),
        Arg::F64(gamma),
        Arg::F64(m as f64),
        Arg::F64(gmm_constant(d, k, n, m, gamma)),
    ])
}

/// The terms of the GMM log posterior that depend on sizes and
/// hyper-parameters only: -N D/2 log 2 pi for the Gaussians, and
/// K (nD log(gamma / sqrt 2) - log Gamma_D(n/2)) for the Wishart prior with
/// n = D + m + 1 degrees of freedom.
fn gmm_constant(d: usize, k: usize, n: usize, m: usize, gamma: f64) -> f64 {
    let (d, k, n) = (d as f64, k as f64, n as f64);
    let dof = d + m as f64 + 1.0;
    let gaussians = -n * d * 0.5 * (2.0 * std::f64::consts::PI).ln();
    let wishart = k * (dof * d * (gamma.ln() - 0.5 * 2f64.ln()) - log_multivariate_gamma(0.5 * dof, d as usize));
    gaussians + wishart
}

/// log Gamma_p(a) = p(p-1)/4 log pi + sum_{j=1}^p log Gamma(a + (1-j)/2),
/// for the a = n/2 of the Wishart prior: every argument is then a positive
/// integer or half-integer, whose log-gamma is a finite sum of logarithms.
fn log_multivariate_gamma(a: f64, p: usize) -> f64 {
    let pf = p as f64;
    pf * (pf - 1.0) / 4.0 * std::f64::consts::PI.ln()
        + (1..=p).map(|j| log_gamma_half_integer(a + (1.0 - j as f64) / 2.0)).sum::<f64>()
}

/// log Gamma(x) for x a positive multiple of 1/2, by Gamma(x) = (x-1)
/// Gamma(x-1) down to Gamma(1) = 1 or Gamma(1/2) = sqrt(pi).
fn log_gamma_half_integer(x: f64) -> f64 {
    debug_assert!(x > 0.0 && (2.0 * x).fract() == 0.0);
    let mut x = x;
    let mut log = 0.0;
    while x > 1.0 {
        x -= 1.0;
        log += x.ln();
    }
    if x == 0.5 { log + 0.5 * std::f64::consts::PI.ln() } else { log }
}

fn lstm_arguments(input: &Json) -> Result<Vec<Arg>> {
    let (main, [main_rows, main_columns]) = matrix(input, "main_params", None, None)?;
    if main_rows == 0 || main_rows % 2 != 0 || main_columns == 0 || main_columns % 4 != 0 {
        return Err(Error::InvalidArgument(format!(
            "main_params must be 2l rows of 4b entries (l, b >= 1), not {main_rows} x {main_columns}"
        )));
    }
    let b = main_columns / 4;
    let (extra, _) = matrix(input, "extra_params", Some(3), Some(b))?;
    let (state, _) = matrix(input, "state", Some(main_rows), Some(b))?;
    let (sequence, [c, _]) = matrix(input, "sequence", None, Some(b))?;
    if c < 2 {
        return Err(Error::InvalidArgument(format!("sequence must have at least 2 rows, not {c}")));
    }
    Ok(vec![
        Arg::array(main, &[main_rows, main_columns]),
        Arg::array(extra, &[3, b]),
        Arg::array(state, &[main_rows, b]),
        Arg::array(sequence, &[c, b]),
    ])
}

// ht

/// ht: theta's pose parameters (global rotation and translation, then four
/// per finger).
const HT_THETA: usize = 26;
/// The bones theta poses: the last is the fifth finger's third, bone 21.
const HT_POSED_BONES: usize = 22;
/// theta, us and the residuals have tangents; the model and data do not.
const HT_ACTIVITY: [Activity; 12] = [Dup, Dup, Dup, Const, Const, Const, Const, Const, Const, Const, Const, Const];

/// The Jacobian's directions, one lane per column: lanes 0..26 are theta's
/// unit vectors; lane 26 moves every u_i0 at once and lane 27 every u_i1,
/// which gives all of the us columns in two lanes, since residual i
/// depends on u_i alone (the Jacobian is block diagonal in us).
fn ht_seed(args: &mut [Arg]) {
    for (index, arg) in args.iter_mut().take(3).enumerate() {
        if let Arg::Array { data, tangents, .. } = arg {
            let len = data.len();
            *tangents = (0..HT_THETA + 2)
                .map(|lane| {
                    let mut direction = vec![0.0; len];
                    match index {
                        0 if lane < HT_THETA => direction[lane] = 1.0,
                        1 if lane >= HT_THETA => {
                            for u in direction.iter_mut().skip(lane - HT_THETA).step_by(2) {
                                *u = 1.0;
                            }
                        }
                        _ => {}
                    }
                    direction
                })
                .collect();
        }
    }
}

/// The residuals, 3 per correspondence.
fn ht_residuals(args: &[Arg], _results: &[Value]) -> Json {
    match &args[2] {
        Arg::Array { data, .. } => numbers(data),
        _ => Json::Null,
    }
}

/// The Jacobian, one row per residual: its 26 theta columns, after the two
/// columns of its own u (d/du_i0, d/du_i1) in the complicated variant, as
/// GradBench's reference lays it out.
fn ht_jacobian(args: &[Arg], _results: &[Value]) -> Json {
    let (Arg::Array { data: us, .. }, Arg::Array { data: err, tangents, .. }) = (&args[1], &args[2]) else {
        return Json::Null;
    };
    let columns: Vec<usize> =
        if us.is_empty() { (0..HT_THETA).collect() } else { [HT_THETA, HT_THETA + 1].into_iter().chain(0..HT_THETA).collect() };
    Json::Array(
        (0..err.len()).map(|row| Json::Array(columns.iter().map(|&lane| Json::from(tangents[lane][row])).collect())).collect(),
    )
}

fn integers_of(value: &Json, what: &str) -> Result<Vec<i64>> {
    let items = value.as_array().ok_or_else(|| Error::InvalidArgument(format!("{what} is not an array")))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            item.as_i64().ok_or_else(|| Error::InvalidArgument(format!("{what}[{i}] is not an integer: {item}")))
        })
        .collect()
}

/// Integers in 0..bound, as the f64 the kernel reads.
fn indices_below(values: &[i64], bound: usize, what: &str) -> Result<Vec<f64>> {
    values
        .iter()
        .enumerate()
        .map(|(i, &value)| {
            if (0..bound as i64).contains(&value) {
                Ok(value as f64)
            } else {
                Err(Error::InvalidArgument(format!("{what}[{i}] = {value} is out of range (0..{bound})")))
            }
        })
        .collect()
}

/// `count` 4x4 matrices, each an array of rows: their row-major data.
fn ht_transforms(model: &Json, name: &str, count: usize) -> Result<Vec<f64>> {
    let items = field(model, name)?
        .as_array()
        .ok_or_else(|| Error::InvalidArgument(format!("{name} is not an array of 4x4 matrices")))?;
    if items.len() != count {
        return Err(Error::InvalidArgument(format!("{name} has {} matrices, expected {count} (one per bone)", items.len())));
    }
    let mut data = Vec::with_capacity(count * 16);
    for (b, item) in items.iter().enumerate() {
        let rows = item.as_array().filter(|rows| rows.len() == 4).ok_or_else(|| {
            Error::InvalidArgument(format!("{name}[{b}] is not a 4x4 matrix (an array of 4 rows)"))
        })?;
        for (r, row) in rows.iter().enumerate() {
            let row = vector_of(row, &format!("{name}[{b}][{r}]"))?;
            if row.len() != 4 {
                return Err(Error::InvalidArgument(format!("{name}[{b}][{r}] has {} entries, expected 4", row.len())));
            }
            data.extend(row);
        }
    }
    Ok(data)
}

fn ht_arguments(input: &Json) -> Result<Vec<Arg>> {
    let theta = vector(input, "theta", Some(HT_THETA))?;
    let data = field(input, "data")?;
    let model = field(data, "model")?;

    let parents = integers_of(field(model, "parents")?, "parents")?;
    let bones = parents.len();
    if bones < HT_POSED_BONES {
        return Err(Error::InvalidArgument(format!(
            "the model has {bones} bones; theta poses bones 0..{HT_POSED_BONES}, so it needs at least {HT_POSED_BONES}"
        )));
    }
    if let Some(bone_count) = model.get("bone_count")
        && bone_count.as_u64() != Some(bones as u64)
    {
        return Err(Error::InvalidArgument(format!("bone_count is {bone_count}, but there are {bones} parents")));
    }
    for (b, &parent) in parents.iter().enumerate() {
        if parent != -1 && !(0..b as i64).contains(&parent) {
            return Err(Error::InvalidArgument(format!(
                "parents[{b}] = {parent}: a parent must be -1 (a root) or an earlier bone"
            )));
        }
    }
    let parents: Vec<f64> = parents.iter().map(|&parent| parent as f64).collect();
    let base_relatives = ht_transforms(model, "base_relatives", bones)?;
    let inverse_base_absolutes = ht_transforms(model, "inverse_base_absolutes", bones)?;

    let (positions, [vertices, columns]) = matrix(model, "base_positions", None, None)?;
    non_empty("base_positions", vertices)?;
    // Homogeneous coordinates, as GradBench sends them (or x, y, z alone).
    let positions = match columns {
        4 => positions,
        3 => positions.chunks(3).flat_map(|p| [p[0], p[1], p[2], 1.0]).collect(),
        _ => {
            return Err(Error::InvalidArgument(format!(
                "base_positions have {columns} coordinates, expected 4 (homogeneous) or 3"
            )));
        }
    };
    let (weights, _) = matrix(model, "weights", Some(vertices), Some(bones))?;

    let triangle_rows = field(model, "triangles")?
        .as_array()
        .ok_or_else(|| Error::InvalidArgument("triangles is not an array of vertex triples".into()))?;
    let mut triangles = Vec::with_capacity(triangle_rows.len() * 3);
    for (t, row) in triangle_rows.iter().enumerate() {
        let what = format!("triangles[{t}]");
        let corners = integers_of(row, &what)?;
        if corners.len() != 3 {
            return Err(Error::InvalidArgument(format!("{what} has {} vertices, expected 3", corners.len())));
        }
        triangles.extend(indices_below(&corners, vertices, &what)?);
    }
    let triangle_count = triangle_rows.len();
    let mirrored = field(model, "is_mirrored")?
        .as_bool()
        .ok_or_else(|| Error::InvalidArgument("is_mirrored must be true or false".into()))?;

    let correspondences = integers_of(field(data, "correspondences")?, "correspondences")?;
    let n = correspondences.len();
    non_empty("correspondences", n)?;
    let (points, _) = matrix(data, "points", Some(n), Some(3))?;

    // us: empty (the simple variant: each point corresponds to a vertex), or
    // one (u0, u1) per point (the complicated one: to a point on a triangle),
    // as pairs or flat.
    let us_items = field(input, "us")?
        .as_array()
        .ok_or_else(|| Error::InvalidArgument("us is not an array".into()))?;
    let us = if us_items.is_empty() {
        Vec::new()
    } else if us_items[0].is_array() {
        matrix(input, "us", Some(n), Some(2))?.0
    } else {
        vector(input, "us", Some(2 * n))?
    };
    let complicated = !us.is_empty();
    let correspondences = if complicated {
        indices_below(&correspondences, triangle_count, "correspondences (triangles)")?
    } else {
        indices_below(&correspondences, vertices, "correspondences (vertices)")?
    };
    let us_rows = us.len() / 2;
    Ok(vec![
        Arg::array(theta, &[HT_THETA]),
        Arg::array(us, &[us_rows, 2]),
        Arg::array(vec![0.0; 3 * n], &[n, 3]),
        Arg::array(parents, &[bones]),
        Arg::array(base_relatives, &[bones, 4, 4]),
        Arg::array(inverse_base_absolutes, &[bones, 4, 4]),
        Arg::array(positions, &[vertices, 4]),
        Arg::array(weights, &[vertices, bones]),
        Arg::array(triangles, &[triangle_count, 3]),
        Arg::array(correspondences, &[n]),
        Arg::array(points, &[n, 3]),
        Arg::F64(if mirrored { -1.0 } else { 1.0 }),
    ])
}
