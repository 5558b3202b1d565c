//! `zad jvp` and `zad jacobian`: forward mode (and, for Jacobians with
//! more inputs than outputs, repeated reverse mode) on JSON arguments.

use crate::Buffers;
use serde_json::{Value as Json, json};
use zad::{Activity, Args, Error, Module, ParamType, Result, Scalar, Signature, json as zjson};

/// The widest vector-mode tangent `zad jacobian` compiles by default.
const DEFAULT_WIDTH: usize = 8;

/// Forward mode's activity from `--tangents`: an argument with a tangent
/// is 'dup', one given null 'const', except a float array the function
/// writes: its final contents have a tangent whatever its direction on
/// entry (null: zero), so it is always 'dup'. With `--activity`, the
/// arguments given a tangent must be those it does not make const.
fn jvp_activity(signature: &Signature, present: &[bool], written: &[bool], given: Option<&[Activity]>) -> Result<Vec<Activity>> {
    let derived: Vec<Activity> = present
        .iter()
        .zip(written)
        .zip(&signature.inputs)
        .map(|((&has, &written), ty)| {
            let written_floats = written && matches!(ty, ParamType::MemRef(memref) if memref.element.is_float());
            if has || written_floats { Activity::Dup } else { Activity::Const }
        })
        .collect();
    let Some(given) = given else { return Ok(derived) };
    if given.len() != derived.len() {
        return Err(Error::Signature(format!(
            "--activity has {} entries, but @{} takes {} arguments",
            given.len(),
            signature.name,
            derived.len()
        )));
    }
    for (index, (&kind, &has)) in given.iter().zip(present).enumerate() {
        let wants = kind != Activity::Const;
        if wants != has && !(wants && derived[index] == Activity::Dup) {
            return Err(Error::Signature(format!(
                "--tangents: {} is '{}' in --activity, so its tangent must be {}",
                signature.naming.argument(index),
                kind.name(),
                if wants { "given (not null)" } else { "null" }
            )));
        }
    }
    Ok(given.iter().zip(derived).map(|(&kind, derived)| if kind == Activity::Const { kind } else { derived }).collect())
}

/// `zad jvp`: the results of `function` at `args` and their directional
/// derivatives along `tangents`.
pub fn jvp(module: &Module, function: &str, args: &str, tangents: &str, activity: Option<&[Activity]>, buffers: &Buffers) -> Result<String> {
    let signature = module.signature(function)?;
    let args = zjson::read_args(args)?;
    let tangents = zjson::read_args(tangents)?;
    let mut primal = zjson::JsonArgs::parse(&signature, &args)?;
    let (direction, present) = zjson::parse_tangents(&signature, &tangents, &primal)?;
    let written = module.written_arguments(function)?;
    let activity = jvp_activity(&signature, &present, &written, activity)?;
    let duplicated: Vec<bool> = activity.iter().map(|&kind| kind == Activity::Dup).collect();
    let tangent = module.tangent(function, &activity, 1)?;
    let mut lanes = vec![direction];
    let mut call = Args::new();
    zjson::JsonArgs::push_with_tangents(&mut primal, &mut lanes, &duplicated, &mut call)?;
    tangent.call(&mut call)?;
    let values = call.results().to_vec();
    drop(call);
    let returned = signature.results.len();
    let results: Vec<Json> = values[..returned].iter().map(zjson::value_to_json).collect();
    let result_tangents: Vec<Json> = values[returned..].iter().map(zjson::value_to_json).collect();
    let buffer_tangents: serde_json::Map<String, Json> = written
        .iter()
        .enumerate()
        .filter(|&(index, &written)| written && duplicated[index])
        .map(|(index, _)| (index.to_string(), lanes[0].to_json(index)))
        .collect();
    let mut output = json!({ "results": results, "tangents": result_tangents });
    if !buffer_tangents.is_empty() {
        output["buffer_tangents"] = Json::Object(buffer_tangents);
    }
    if let Some(written) = buffers.wanted(module, function)? {
        output["buffers"] = crate::buffers_json(&written, &primal);
    }
    Ok(output.to_string())
}

/// How `zad jacobian` computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum JacobianMode {
    /// Vector forward mode, one column per direction, `width` at a time.
    Forward,
    /// Reverse mode, one row per call.
    Reverse,
}

/// One row or column of the Jacobian: a float scalar (argument or result),
/// or an element of an array argument.
#[derive(Clone, Debug)]
enum Entry {
    Result(usize),
    Scalar(usize),
    Element(usize, Vec<i64>),
}

impl Entry {
    fn label(&self) -> String {
        let list = |index: &[i64]| index.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        match self {
            Entry::Result(result) => format!("result {result}"),
            Entry::Scalar(argument) => format!("arg {argument}"),
            Entry::Element(argument, index) => format!("arg {argument} [{}]", list(index)),
        }
    }
}

/// The elements of argument `index` of shape `shape`, in index order.
fn elements(index: usize, shape: &[i64]) -> Vec<Entry> {
    let count: i64 = shape.iter().product();
    (0..count.max(0))
        .map(|mut flat| {
            let mut position = vec![0i64; shape.len()];
            for dim in (0..shape.len()).rev() {
                position[dim] = flat % shape[dim];
                flat /= shape[dim];
            }
            Entry::Element(index, position)
        })
        .collect()
}

/// What `zad jacobian` is asked.
pub struct JacobianRequest<'a> {
    pub function: &'a str,
    pub args: &'a str,
    pub activity: Option<&'a [Activity]>,
    pub mode: Option<JacobianMode>,
    pub width: Option<usize>,
}

/// `zad jacobian`: the Jacobian of the float results and of the final
/// contents of the float arrays the function writes, with respect to
/// every float argument (scalars, and array elements in index order),
/// flattened in argument order. 'const' arguments in `--activity` are left
/// out of both.
pub fn jacobian(module: &Module, request: JacobianRequest) -> Result<String> {
    let JacobianRequest { function, args, activity, mode, width } = request;
    let signature = module.signature(function)?;
    // A Jacobian is a matrix of real numbers: the derivative of a complex
    // function is not one number per pair of components.
    if signature.inputs.iter().chain(&signature.results).any(|ty| ty.scalar().is_complex()) {
        return Err(Error::Unsupported(format!(
            "zad jacobian takes real arguments and results, and @{function} {} has complex ones: use zad jvp (one \
             direction) or zad grad (the gradient of a real result)",
            signature.describe()
        )));
    }
    let args = zjson::read_args(args)?;
    let primal = zjson::JsonArgs::parse(&signature, &args)?;
    let written = module.written_arguments(function)?;
    let activity: Vec<Activity> = match activity {
        Some(given) => given.to_vec(),
        None => module.default_activity(function)?,
    };
    if activity.len() != signature.inputs.len() {
        return Err(Error::Signature(format!(
            "--activity has {} entries, but @{function} takes {} arguments",
            activity.len(),
            signature.inputs.len()
        )));
    }
    // Which arguments vary: the float ones not marked const.
    let varies: Vec<bool> =
        signature.inputs.iter().zip(&activity).map(|(ty, &kind)| kind != Activity::Const && ty.scalar().is_float()).collect();
    if let Some(index) = (0..varies.len()).find(|&i| activity[i] != Activity::Const && !varies[i]) {
        return Err(Error::Signature(format!(
            "--activity: {} has type {} and has no derivative: make it const",
            signature.naming.argument(index),
            signature.inputs[index]
        )));
    }
    let mut columns = Vec::new();
    let mut rows: Vec<Entry> = Vec::new();
    for (index, ty) in signature.inputs.iter().enumerate() {
        if !varies[index] {
            continue;
        }
        match ty {
            ParamType::Scalar(_) => columns.push(Entry::Scalar(index)),
            ParamType::MemRef(_) => columns.extend(elements(index, primal.shape(index))),
        }
    }
    rows.extend(
        signature
            .results
            .iter()
            .enumerate()
            .filter(|(_, ty)| matches!(ty, ParamType::Scalar(s) if s.is_float()))
            .map(|(result, _)| Entry::Result(result)),
    );
    for (index, ty) in signature.inputs.iter().enumerate() {
        if varies[index] && written[index] && matches!(ty, ParamType::MemRef(_)) {
            rows.extend(elements(index, primal.shape(index)));
        }
    }
    let mode = match mode {
        Some(mode) => mode,
        None if width.is_some() || columns.len() <= rows.len() => JacobianMode::Forward,
        None => JacobianMode::Reverse,
    };
    let (results, matrix, width) = match mode {
        JacobianMode::Forward => {
            let width = match width {
                Some(0) => return Err(Error::InvalidArgument("--width must be at least 1".into())),
                Some(width) => width,
                None => columns.len().clamp(1, DEFAULT_WIDTH),
            };
            let (results, matrix) = forward_jacobian(module, function, &signature, &primal, &varies, &columns, &rows, width)?;
            (results, matrix, Some(width))
        }
        JacobianMode::Reverse => {
            if width.is_some() {
                return Err(Error::InvalidArgument("--width is for --mode forward (reverse mode computes a row per call)".into()));
            }
            let (results, matrix) = reverse_jacobian(module, function, &signature, &args, &primal, &activity, &varies, &columns, &rows)?;
            (results, matrix, None)
        }
    };
    let matrix: Vec<Json> = matrix.into_iter().map(|row| Json::Array(row.into_iter().map(zjson::float).collect())).collect();
    let mut output = json!({
        "results": results,
        "mode": match mode { JacobianMode::Forward => "forward", JacobianMode::Reverse => "reverse" },
        "outputs": rows.iter().map(Entry::label).collect::<Vec<_>>(),
        "inputs": columns.iter().map(Entry::label).collect::<Vec<_>>(),
        "jacobian": matrix,
    });
    if let Some(width) = width {
        output["width"] = json!(width);
    }
    Ok(output.to_string())
}

/// Where component `k` of argument `index` sits among the float
/// components (`Entry::Scalar` is component 0).
fn component(entry: &Entry, shape: &[i64]) -> (usize, usize) {
    match entry {
        Entry::Result(_) => unreachable!("a result is not an argument"),
        Entry::Scalar(index) => (*index, 0),
        Entry::Element(index, position) => {
            let flat = position.iter().zip(shape).fold(0i64, |flat, (&i, &size)| flat * size + i);
            (*index, flat as usize)
        }
    }
}

/// The Jacobian by vector forward mode: the columns in chunks of `width`
/// directions (the last chunk padded with zero directions).
#[allow(clippy::too_many_arguments)]
fn forward_jacobian(
    module: &Module,
    function: &str,
    signature: &Signature,
    decoded: &zjson::JsonArgs,
    varies: &[bool],
    columns: &[Entry],
    rows: &[Entry],
    width: usize,
) -> Result<(Vec<Json>, Vec<Vec<f64>>)> {
    let activity: Vec<Activity> = varies.iter().map(|&v| if v { Activity::Dup } else { Activity::Const }).collect();
    let tangent = module.tangent(function, &activity, width)?;
    let mut matrix = vec![vec![0.0; columns.len()]; rows.len()];
    let mut results = Vec::new();
    // At least one call, for the results (a function of no float inputs).
    let chunks: Vec<&[Entry]> = if columns.is_empty() { vec![&[]] } else { columns.chunks(width).collect() };
    let mut zero = decoded.zeroed();
    zero.clear_floats();
    for (chunk_index, chunk) in chunks.into_iter().enumerate() {
        // The kernel may write its arrays: fresh arguments for each call.
        let mut primal = decoded.clone();
        let mut lanes = vec![zero.clone(); width];
        for (lane, column) in chunk.iter().enumerate() {
            let (index, k) = component(column, primal.shape(component_argument(column)));
            lanes[lane].set_component(index, k, 1.0);
        }
        let mut call = Args::new();
        zjson::JsonArgs::push_with_tangents(&mut primal, &mut lanes, varies, &mut call)?;
        tangent.call(&mut call)?;
        let values = call.results().to_vec();
        drop(call);
        let returned = signature.results.len();
        if chunk_index == 0 {
            results = values[..returned].iter().map(zjson::value_to_json).collect();
        }
        let start = chunk_index * width;
        for (row_index, row) in rows.iter().enumerate() {
            for lane in 0..chunk.len() {
                matrix[row_index][start + lane] = match row {
                    // The result rows come first, one per float result, as
                    // the tangents do: `width` per float result.
                    Entry::Result(_) => float_of(&values[returned + row_index * width + lane]),
                    entry => {
                        let (index, k) = component(entry, lanes[lane].shape(component_argument(entry)));
                        lanes[lane].component(index, k)
                    }
                };
            }
        }
    }
    Ok((results, matrix))
}

fn component_argument(entry: &Entry) -> usize {
    match entry {
        Entry::Scalar(index) | Entry::Element(index, _) => *index,
        Entry::Result(result) => *result,
    }
}

/// A real result as f64 (`Value::as_f64` is None for complex numbers and
/// arrays: NaN).
fn float_of(value: &zad::Value) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

/// The Jacobian by reverse mode: one gradient call per row, seeded with
/// that row's result (or with that element's cotangent in its array's
/// shadow).
#[allow(clippy::too_many_arguments)]
fn reverse_jacobian(
    module: &Module,
    function: &str,
    signature: &Signature,
    args: &str,
    decoded: &zjson::JsonArgs,
    activity: &[Activity],
    varies: &[bool],
    columns: &[Entry],
    rows: &[Entry],
) -> Result<(Vec<Json>, Vec<Vec<f64>>)> {
    let gradient = module.gradient(function, activity)?;
    let duplicated: Vec<bool> = activity.iter().map(|&a| a == Activity::Dup).collect();
    let float_results: Vec<(usize, Scalar)> = signature
        .results
        .iter()
        .enumerate()
        .filter_map(|(result, ty)| match ty {
            ParamType::Scalar(scalar) if scalar.is_float() => Some((result, *scalar)),
            _ => None,
        })
        .collect();
    let mut matrix = vec![vec![0.0; columns.len()]; rows.len()];
    let (_, results) = crate::run_function(module, function, args)?;
    let results: Vec<Json> = results.iter().map(zjson::value_to_json).collect();
    for (row_index, row) in rows.iter().enumerate() {
        // The kernel may write its arrays: fresh arguments for each call.
        let mut primal = decoded.clone();
        let mut shadows = primal.zeroed();
        if let Entry::Element(..) = row {
            let (index, k) = component(row, primal.shape(component_argument(row)));
            shadows.set_component(index, k, 1.0);
        }
        let mut call = Args::new();
        zjson::JsonArgs::push_with_shadows(&mut primal, &mut shadows, &duplicated, &mut call)?;
        for &(result, scalar) in &float_results {
            let seed = if matches!(row, Entry::Result(r) if *r == result) { 1.0 } else { 0.0 };
            call.push_real(scalar, seed)?;
        }
        gradient.call(&mut call)?;
        let values = call.results().to_vec();
        drop(call);
        let mut active = values[signature.results.len()..].iter();
        let mut gradients: Vec<Option<f64>> = vec![None; activity.len()];
        for (index, &kind) in activity.iter().enumerate() {
            if kind == Activity::Active {
                gradients[index] = active.next().map(float_of);
            }
        }
        for (column_index, column) in columns.iter().enumerate() {
            let (index, k) = component(column, shadows.shape(component_argument(column)));
            matrix[row_index][column_index] = match (column, gradients[index]) {
                (Entry::Scalar(_), Some(g)) => g,
                _ if varies[index] && duplicated[index] => shadows.component(index, k),
                _ => 0.0,
            };
        }
    }
    Ok((results, matrix))
}
