//! The JSON side of the CLI's contract: arguments in, results out.
//!
//! Arguments: a JSON array with one entry per parameter: a number for a
//! float scalar, an integer for an integer or index scalar, and a nested
//! array for a memref (its shape taken from the nesting; `a[i][j]` is the
//! element at indices (i, j) whatever the memref's layout, so a Fortran
//! array `a(n, m)` is n arrays of m numbers). Results: numbers, or nested
//! arrays for memref results; non-finite floats are written as the strings
//! "nan", "inf" and "-inf", which JSON cannot express as numbers.

use crate::{
    error::{Error, Result},
    exec::{Args, Array, ArrayData, Value},
    signature::{MemRef, ParamType, Scalar, Signature},
};
use serde_json::Value as Json;

/// Arguments decoded from JSON, owning the array data the kernel works on.
pub struct JsonArgs {
    values: Vec<Decoded>,
}

enum Decoded {
    Scalar(Scalar, Json),
    F32(Vec<f32>, Layout),
    F64(Vec<f64>, Layout),
}

/// An array's shape and how its elements are stored.
#[derive(Clone)]
struct Layout {
    shape: Vec<i64>,
    /// Column-major (Fortran order) rather than row-major.
    column_major: bool,
}

impl Layout {
    /// The position in storage of each element in row-major order.
    fn storage_order(&self) -> Vec<usize> {
        let count: i64 = self.shape.iter().product();
        if !self.column_major {
            return (0..count.max(0) as usize).collect();
        }
        let strides = crate::exec::column_major_strides(&self.shape);
        let mut positions = Vec::with_capacity(count.max(0) as usize);
        let mut index = vec![0i64; self.shape.len()];
        for _ in 0..count.max(0) {
            positions.push(index.iter().zip(&strides).map(|(i, s)| i * s).sum::<i64>() as usize);
            for dim in (0..self.shape.len()).rev() {
                index[dim] += 1;
                if index[dim] < self.shape[dim] {
                    break;
                }
                index[dim] = 0;
            }
        }
        positions
    }

    /// `row_major` rearranged into this layout's storage order.
    fn store<T: Copy + Default>(&self, row_major: &[T]) -> Vec<T> {
        let mut stored = vec![T::default(); row_major.len()];
        for (value, position) in row_major.iter().zip(self.storage_order()) {
            stored[position] = *value;
        }
        stored
    }

    /// The stored elements in row-major order.
    fn row_major<T: Copy>(&self, stored: &[T]) -> Vec<T> {
        self.storage_order().into_iter().map(|position| stored[position]).collect()
    }
}

impl JsonArgs {
    /// Decodes `text` (a JSON array) for `signature`.
    pub fn parse(signature: &Signature, text: &str) -> Result<JsonArgs> {
        let json: Json = serde_json::from_str(text)
            .map_err(|error| Error::InvalidArgument(format!("--args is not valid JSON: {error}")))?;
        let Json::Array(items) = json else {
            return Err(Error::InvalidArgument("--args must be a JSON array, one entry per argument".into()));
        };
        if items.len() != signature.inputs.len() {
            return Err(Error::Signature(format!(
                "@{} takes {} arguments {} but --args has {}",
                signature.name,
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
                    Error::Signature(format!("@{}: argument #{index} ({ty}): {why}", signature.name))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(JsonArgs { values })
    }

    /// Pushes the decoded arguments onto `args`, borrowing the array data.
    pub fn push_onto<'a>(&'a mut self, args: &mut Args<'a>) -> Result<()> {
        self.values.iter_mut().try_for_each(|value| push_decoded(value, args))
    }

    /// A copy with every array zeroed: shadow buffers for a gradient call.
    pub fn zeroed(&self) -> JsonArgs {
        let values = self
            .values
            .iter()
            .map(|value| match value {
                Decoded::Scalar(scalar, json) => Decoded::Scalar(*scalar, json.clone()),
                Decoded::F32(data, layout) => Decoded::F32(vec![0.0; data.len()], layout.clone()),
                Decoded::F64(data, layout) => Decoded::F64(vec![0.0; data.len()], layout.clone()),
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

    /// The current contents of argument `index` as JSON (arrays after a
    /// kernel wrote to them; scalars as given).
    pub fn to_json(&self, index: usize) -> Json {
        match &self.values[index] {
            Decoded::Scalar(_, json) => json.clone(),
            Decoded::F32(data, layout) => {
                nest(&layout.row_major(data).iter().map(|&x| float(x as f64)).collect::<Vec<_>>(), &layout.shape)
            }
            Decoded::F64(data, layout) => nest(&layout.row_major(data).iter().map(|&x| float(x)).collect::<Vec<_>>(), &layout.shape),
        }
    }

    /// Whether argument `index` is an array.
    pub fn is_array(&self, index: usize) -> bool {
        !matches!(self.values[index], Decoded::Scalar(..))
    }
}

fn push_decoded<'a>(value: &'a mut Decoded, args: &mut Args<'a>) -> Result<()> {
    match value {
        Decoded::Scalar(scalar, json) => push_scalar(args, *scalar, json),
        Decoded::F32(data, Layout { shape, column_major: true }) => {
            args.push_fortran_slice_f32(data, shape)?;
        }
        Decoded::F64(data, Layout { shape, column_major: true }) => {
            args.push_fortran_slice_f64(data, shape)?;
        }
        Decoded::F32(data, Layout { shape, column_major: false }) => {
            args.push_slice_f32(data, shape)?;
        }
        Decoded::F64(data, Layout { shape, column_major: false }) => {
            args.push_slice_f64(data, shape)?;
        }
    }
    Ok(())
}

fn push_scalar(args: &mut Args, scalar: Scalar, json: &Json) {
    // `decode` checked that the JSON number fits the type.
    match scalar {
        Scalar::F32 => args.push_f32(json.as_f64().unwrap_or_default() as f32),
        Scalar::F64 => args.push_f64(json.as_f64().unwrap_or_default()),
        Scalar::I32 => args.push_i32(json.as_i64().unwrap_or_default() as i32),
        Scalar::I64 => args.push_i64(json.as_i64().unwrap_or_default()),
        Scalar::Index => args.push_index(json.as_i64().unwrap_or_default()),
    };
}

fn decode(item: Json, ty: &ParamType) -> Result<Decoded, String> {
    match ty {
        ParamType::Scalar(scalar) if scalar.is_float() => match item.as_f64() {
            Some(_) => Ok(Decoded::Scalar(*scalar, item)),
            None => Err(format!("expected a number, got {item}")),
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
    let layout = Layout { shape, column_major: memref.is_column_major() };
    let flat = layout.store(&flat);
    Ok(match memref.element {
        Scalar::F32 => Decoded::F32(flat.into_iter().map(|x| x as f32).collect(), layout),
        _ => Decoded::F64(flat, layout),
    })
}

/// Walks a nested array of depth `shape.len()`, recording its (rectangular)
/// shape and its numbers in row-major order.
fn flatten(item: &Json, depth: usize, shape: &mut [Option<i64>], flat: &mut Vec<f64>) -> Result<(), String> {
    if depth == shape.len() {
        return match item.as_f64() {
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

/// `text` (a JSON array with one entry per argument of `signature`) with
/// each null replaced by the corresponding entry of `args`, arrays zeroed:
/// cotangents, which only arrays have, default to zero.
pub fn fill_nulls(signature: &Signature, text: &str, args: &str) -> Result<String> {
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
    let given = parse(text, "--cotangents")?;
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

/// Nests row-major `flat` values according to `shape`.
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
