//! The JSON side of the CLI's contract: arguments in, results and buffers
//! out.
//!
//! Arguments: a JSON array with one entry per parameter: a number for a
//! float scalar, an integer for an integer or index scalar, and a nested
//! array for a memref, its shape taken from the nesting. Arrays are nested
//! in the memref's own index order (`a[i][j]` is element (i, j)) whatever
//! its layout: zad lays the numbers out as the memref type requires, in C
//! order for the identity layout and in Fortran order for
//! `strided<[1, ?]>`. Results and buffers come back nested the same way;
//! non-finite floats are written as the strings "nan", "inf" and "-inf",
//! which JSON cannot express as numbers (and which float arguments accept
//! too).

use crate::{
    ad::Activity,
    error::{Error, Result},
    exec::{Args, Array, ArrayData, Value, row_major_strides},
    signature::{MemRef, ParamType, Scalar, Signature},
};
use serde_json::Value as Json;
use std::io::Read;

/// The text of an `--args` option: the JSON itself, `@FILE` for the
/// contents of a file, or `-` for standard input (for arguments too large
/// for a command line).
pub fn read_args(option: &str) -> Result<String> {
    if option == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| Error::Io(format!("--args -: cannot read standard input: {error}")))?;
        return Ok(text);
    }
    match option.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|error| Error::Io(format!("--args @{path}: cannot read {path}: {error}"))),
        None => Ok(option.to_string()),
    }
}

/// Arguments decoded from JSON, owning the array data the kernel works on.
pub struct JsonArgs {
    values: Vec<Decoded>,
}

enum Decoded {
    Scalar(Scalar, Json),
    Array { data: Floats, shape: Vec<i64>, strides: Vec<i64> },
}

/// An array's elements, laid out by its strides.
enum Floats {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

impl JsonArgs {
    /// Decodes `text` (a JSON array) for `signature`.
    pub fn parse(signature: &Signature, text: &str) -> Result<JsonArgs> {
        let json: Json = serde_json::from_str(text)
            .map_err(|error| Error::InvalidArgument(format!("--args is not valid JSON: {error}")))?;
        let Json::Array(items) = json else {
            return Err(Error::InvalidArgument("--args must be a JSON array, one entry per argument".into()));
        };
        let naming = &signature.naming;
        if items.len() != signature.inputs.len() {
            return Err(Error::Signature(format!(
                "{} takes {} arguments {}, but --args has {}",
                naming.subject(),
                signature.inputs.len(),
                signature.describe(),
                items.len()
            )));
        }
        let values = items
            .into_iter()
            .zip(&signature.inputs)
            .enumerate()
            .map(|(index, (item, ty))| {
                decode(item, ty).map_err(|why| {
                    Error::Signature(format!("{}: {} must be {ty}: {why}", naming.subject(), naming.input(index)))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(JsonArgs { values })
    }

    /// Pushes the decoded arguments onto `args`, borrowing the array data.
    pub fn push_onto<'a>(&'a mut self, args: &mut Args<'a>) -> Result<()> {
        self.values.iter_mut().try_for_each(|value| push_decoded(value, args))
    }

    /// A copy with every array zeroed (same shape and layout): shadow
    /// buffers for a gradient call.
    pub fn zeroed(&self) -> JsonArgs {
        let values = self
            .values
            .iter()
            .map(|value| match value {
                Decoded::Scalar(scalar, json) => Decoded::Scalar(*scalar, json.clone()),
                Decoded::Array { data, shape, strides } => Decoded::Array {
                    data: match data {
                        Floats::F32(data) => Floats::F32(vec![0.0; data.len()]),
                        Floats::F64(data) => Floats::F64(vec![0.0; data.len()]),
                    },
                    shape: shape.clone(),
                    strides: strides.clone(),
                },
            })
            .collect();
        JsonArgs { values }
    }

    /// Pushes the arguments of a gradient call: each argument of `primal`,
    /// followed by its shadow from `shadows` where `duplicated` says so.
    pub fn push_with_shadows<'a>(
        primal: &'a mut JsonArgs,
        shadows: &'a mut JsonArgs,
        duplicated: &[bool],
        args: &mut Args<'a>,
    ) -> Result<()> {
        for ((value, shadow), &dup) in primal.values.iter_mut().zip(shadows.values.iter_mut()).zip(duplicated) {
            push_decoded(value, args)?;
            if dup {
                push_decoded(shadow, args)?;
            }
        }
        Ok(())
    }

    /// Pushes the arguments of a Hessian-vector product call
    /// (`Module::hvp`): each argument of `primal`; for an 'active' one, then
    /// its direction; for a 'dup' one, then its shadow, its direction and
    /// its H·V buffer.
    pub fn push_hvp<'a>(
        primal: &'a mut JsonArgs,
        shadows: &'a mut JsonArgs,
        directions: &'a mut JsonArgs,
        products: &'a mut JsonArgs,
        activity: &[Activity],
        args: &mut Args<'a>,
    ) -> Result<()> {
        let each = primal.values.iter_mut().zip(shadows.values.iter_mut()).zip(directions.values.iter_mut()).zip(products.values.iter_mut());
        for ((((value, shadow), direction), product), kind) in each.zip(activity) {
            push_decoded(value, args)?;
            match kind {
                Activity::Const => {}
                Activity::Active => push_decoded(direction, args)?,
                Activity::Dup => {
                    push_decoded(shadow, args)?;
                    push_decoded(direction, args)?;
                    push_decoded(product, args)?;
                }
            }
        }
        Ok(())
    }

    /// The current contents of argument `index` as JSON (arrays after a
    /// kernel wrote to them, in their index order; scalars as given).
    pub fn to_json(&self, index: usize) -> Json {
        match &self.values[index] {
            Decoded::Scalar(_, json) => json.clone(),
            Decoded::Array { data, shape, strides } => {
                let flat: Vec<Json> = match data {
                    Floats::F32(data) => index_order(data, shape, strides).map(|x| float(x as f64)).collect(),
                    Floats::F64(data) => index_order(data, shape, strides).map(float).collect(),
                };
                nest(&flat, shape)
            }
        }
    }
}

fn push_decoded<'a>(value: &'a mut Decoded, args: &mut Args<'a>) -> Result<()> {
    match value {
        Decoded::Scalar(scalar, json) => push_scalar(args, *scalar, json),
        Decoded::Array { data: Floats::F32(data), shape, strides } => {
            args.push_strided_f32(data, shape, strides)?;
        }
        Decoded::Array { data: Floats::F64(data), shape, strides } => {
            args.push_strided_f64(data, shape, strides)?;
        }
    }
    Ok(())
}

fn push_scalar(args: &mut Args, scalar: Scalar, json: &Json) {
    // `decode` checked that the JSON number fits the type.
    match scalar {
        Scalar::F32 => args.push_f32(json_float(json).unwrap_or_default() as f32),
        Scalar::F64 => args.push_f64(json_float(json).unwrap_or_default()),
        Scalar::I32 => args.push_i32(json.as_i64().unwrap_or_default() as i32),
        Scalar::I64 => args.push_i64(json.as_i64().unwrap_or_default()),
        Scalar::Index => args.push_index(json.as_i64().unwrap_or_default()),
    };
}

fn decode(item: Json, ty: &ParamType) -> Result<Decoded, String> {
    match ty {
        ParamType::Scalar(scalar) if scalar.is_float() => match json_float(&item) {
            Some(_) => Ok(Decoded::Scalar(*scalar, item)),
            None => Err(format!("expected a number (or \"nan\", \"inf\", \"-inf\"), got {item}")),
        },
        ParamType::Scalar(scalar) => {
            let value = item.as_i64().ok_or_else(|| format!("expected an integer, got {item}"))?;
            if *scalar == Scalar::I32 && i32::try_from(value).is_err() {
                return Err(format!("{value} does not fit in i32"));
            }
            Ok(Decoded::Scalar(*scalar, item))
        }
        ParamType::MemRef(memref) => decode_array(&item, memref),
    }
}

fn decode_array(item: &Json, memref: &MemRef) -> Result<Decoded, String> {
    let mut seen = vec![None; memref.rank()];
    let mut flat = Vec::new();
    flatten(item, 0, &mut seen, &mut flat)?;
    // An empty array leaves the dimensions below it unseen: they are empty.
    let shape: Vec<i64> = seen.into_iter().map(|size| size.unwrap_or(0)).collect();
    for (dim, (size, expected)) in shape.iter().zip(&memref.shape).enumerate() {
        if let Some(expected) = expected
            && size != expected
        {
            return Err(format!("dimension {dim} has {size} elements, the type says {expected}"));
        }
    }
    let strides = layout_strides(memref, &shape)?;
    let data = match memref.element {
        Scalar::F32 => Floats::F32(lay_out(flat.into_iter().map(|x| x as f32).collect(), &shape, &strides)),
        _ => Floats::F64(lay_out(flat, &shape, &strides)),
    };
    Ok(Decoded::Array { data, shape, strides })
}

/// The strides of a compact array of `shape` that the memref type takes:
/// C order, or else Fortran order.
fn layout_strides(memref: &MemRef, shape: &[i64]) -> Result<Vec<i64>, String> {
    let too_large = || format!("an array of shape {shape:?} is too large");
    let c_order = row_major_strides(shape).ok_or_else(too_large)?;
    let mut fortran_order = vec![1i64; shape.len()];
    for dim in 1..shape.len() {
        fortran_order[dim] = fortran_order[dim - 1].checked_mul(shape[dim - 1].max(1)).ok_or_else(too_large)?;
    }
    // A type that fixes a stride takes only that stride (along dimensions
    // of more than one element: the others are never stepped along).
    let fits = |strides: &[i64]| {
        memref.strides.iter().zip(strides).zip(shape).all(|((fixed, &stride), &size)| size <= 1 || fixed.is_none_or(|fixed| fixed == stride))
    };
    if memref.identity_layout || fits(&c_order) {
        Ok(c_order)
    } else if fits(&fortran_order) {
        Ok(fortran_order)
    } else {
        Err(format!(
            "the CLI lays arrays out in C order or in Fortran order, and {} takes neither for shape {shape:?}",
            memref.spelling
        ))
    }
}

/// The elements of `flat` (in index order: row-major) placed by `strides`,
/// which describe a compact layout of `shape`.
fn lay_out<T: Copy + Default>(flat: Vec<T>, shape: &[i64], strides: &[i64]) -> Vec<T> {
    if row_major_strides(shape).as_deref() == Some(strides) {
        return flat;
    }
    let mut data = vec![T::default(); flat.len()];
    for (value, offset) in flat.into_iter().zip(offsets(shape, strides)) {
        data[offset] = value;
    }
    data
}

/// The elements of `data`, laid out by `strides`, in index order.
fn index_order<'a, T: Copy>(data: &'a [T], shape: &[i64], strides: &[i64]) -> impl Iterator<Item = T> + use<'a, T> {
    offsets(shape, strides).map(move |offset| data[offset])
}

/// The offset of each element of a compact array of `shape` laid out by
/// `strides`, in index order (the last index fastest).
fn offsets(shape: &[i64], strides: &[i64]) -> impl Iterator<Item = usize> + use<> {
    let count = if shape.contains(&0) { 0 } else { shape.iter().product::<i64>() as usize };
    let (shape, strides) = (shape.to_vec(), strides.to_vec());
    let mut index = vec![0i64; shape.len()];
    let mut offset = 0i64;
    (0..count).map(move |_| {
        let current = offset as usize;
        for dim in (0..shape.len()).rev() {
            index[dim] += 1;
            offset += strides[dim];
            if index[dim] < shape[dim] {
                break;
            }
            offset -= strides[dim] * shape[dim];
            index[dim] = 0;
        }
        current
    })
}

/// Walks a nested array of depth `shape.len()`, recording its (rectangular)
/// shape and its numbers in index order.
fn flatten(item: &Json, depth: usize, shape: &mut [Option<i64>], flat: &mut Vec<f64>) -> Result<(), String> {
    if depth == shape.len() {
        return match json_float(item) {
            Some(x) => {
                flat.push(x);
                Ok(())
            }
            None => Err(format!("expected a number at depth {depth}, got {item}")),
        };
    }
    let Json::Array(items) = item else {
        return Err(format!("expected a nested array of depth {} (one level per dimension), got {item}", shape.len()));
    };
    let len = items.len() as i64;
    match shape[depth] {
        None => shape[depth] = Some(len),
        Some(size) if size != len => {
            return Err(format!("ragged array: dimension {depth} has {len} elements here but {size} elsewhere"));
        }
        Some(_) => {}
    }
    items.iter().try_for_each(|item| flatten(item, depth + 1, shape, flat))
}

/// A float from JSON: a number, or one of the strings "nan", "inf" and
/// "-inf" that [`float`] writes for what JSON numbers cannot express.
fn json_float(item: &Json) -> Option<f64> {
    match item.as_str() {
        Some("nan") => Some(f64::NAN),
        Some("inf") => Some(f64::INFINITY),
        Some("-inf") => Some(f64::NEG_INFINITY),
        Some(_) => None,
        None => item.as_f64(),
    }
}

/// A float as JSON: a number when finite, else "nan", "inf" or "-inf".
pub fn float(x: f64) -> Json {
    if x.is_finite() {
        Json::from(x)
    } else if x.is_nan() {
        Json::from("nan")
    } else if x > 0.0 {
        Json::from("inf")
    } else {
        Json::from("-inf")
    }
}

/// Nests `flat` values, in index order, according to `shape`.
fn nest(flat: &[Json], shape: &[i64]) -> Json {
    match shape.split_first() {
        None => flat.first().cloned().unwrap_or(Json::Null),
        Some((&outer, inner)) => {
            let chunk = inner.iter().product::<i64>().max(0) as usize;
            Json::Array(
                (0..outer.max(0) as usize)
                    .map(|i| nest(&flat[(i * chunk).min(flat.len())..((i + 1) * chunk).min(flat.len())], inner))
                    .collect(),
            )
        }
    }
}

/// A kernel's result as JSON.
pub fn value_to_json(value: &Value) -> Json {
    match value {
        Value::F32(x) => float(*x as f64),
        Value::F64(x) => float(*x),
        Value::I32(x) => Json::from(*x),
        Value::I64(x) | Value::Index(x) => Json::from(*x),
        Value::Array(Array { shape, data }) => {
            let flat: Vec<Json> = match data {
                ArrayData::F32(data) => data.iter().map(|&x| float(x as f64)).collect(),
                ArrayData::F64(data) => data.iter().map(|&x| float(x)).collect(),
            };
            nest(&flat, shape)
        }
    }
}

/// `text` (a JSON array with one entry per argument of `signature`) with
/// each null replaced by the corresponding entry of `args`, arrays zeroed:
/// cotangents, which only arrays have, default to zero.
pub fn fill_nulls(signature: &Signature, text: &str, args: &str) -> Result<String> {
    fill_nulls_of(signature, text, args, "--cotangents")
}

/// As [`fill_nulls`], for the command-line option `option`.
pub fn fill_nulls_of(signature: &Signature, text: &str, args: &str, option: &str) -> Result<String> {
    let parse = |text: &str, what: &str| -> Result<Vec<Json>> {
        match serde_json::from_str(text) {
            Ok(Json::Array(items)) if items.len() == signature.inputs.len() => Ok(items),
            _ => Err(Error::InvalidArgument(format!(
                "{what} must be a JSON array with one entry per argument of @{} {}",
                signature.name,
                signature.describe()
            ))),
        }
    };
    let given = parse(text, option)?;
    let args = parse(args, "--args")?;
    fn zeroed(item: Json) -> Json {
        match item {
            Json::Array(items) => Json::Array(items.into_iter().map(zeroed).collect()),
            Json::Number(_) => Json::from(0.0),
            other => other,
        }
    }
    let filled: Vec<Json> = given
        .into_iter()
        .zip(args)
        .map(|(item, arg)| match (item, arg) {
            (Json::Null, Json::Array(items)) => zeroed(Json::Array(items)),
            (Json::Null, arg) => arg,
            (item, _) => item,
        })
        .collect();
    Ok(Json::Array(filled).to_string())
}
