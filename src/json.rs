//! The JSON side of the CLI's contract: arguments in, results and buffers
//! out.
//!
//! Arguments: a JSON array with one entry per parameter: a number for a
//! float scalar (f16 and bf16 are rounded to their precision), a pair
//! `[re, im]` for a complex one, an integer for an integer or index scalar,
//! and a nested array for a memref, its shape taken from the nesting (the
//! elements of a complex memref are pairs, one level below its last
//! dimension). Arrays are nested
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
    exec::{Args, Array, ArrayData, Value, check_strided_len, row_major_strides},
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
#[derive(Clone)]
pub struct JsonArgs {
    values: Vec<Decoded>,
}

#[derive(Clone)]
enum Decoded {
    Scalar(Scalar, Json),
    Array { data: Floats, shape: Vec<i64>, strides: Vec<i64> },
}

/// An array's elements, laid out by its strides.
#[derive(Clone)]
enum Floats {
    F16(Vec<u16>),
    BF16(Vec<u16>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    C32(Vec<[f32; 2]>),
    C64(Vec<[f64; 2]>),
}

impl Floats {
    /// Elements given as (re, im) pairs, in layout order, as `element`.
    fn from_parts(element: Scalar, parts: Vec<[f64; 2]>) -> Floats {
        let reals = || parts.iter().map(|&[re, _]| re);
        match element {
            Scalar::F16 => Floats::F16(reals().map(|x| half::f16::from_f64(x).to_bits()).collect()),
            Scalar::BF16 => Floats::BF16(reals().map(|x| half::bf16::from_f64(x).to_bits()).collect()),
            Scalar::F32 => Floats::F32(reals().map(|x| x as f32).collect()),
            Scalar::C32 => Floats::C32(parts.iter().map(|&[re, im]| [re as f32, im as f32]).collect()),
            Scalar::C64 => Floats::C64(parts),
            _ => Floats::F64(reals().collect()),
        }
    }

    /// The elements as (re, im) pairs (im 0 for real types), in layout order.
    fn parts(&self) -> Vec<[f64; 2]> {
        match self {
            Floats::F16(data) => data.iter().map(|&x| [half::f16::from_bits(x).to_f64(), 0.0]).collect(),
            Floats::BF16(data) => data.iter().map(|&x| [half::bf16::from_bits(x).to_f64(), 0.0]).collect(),
            Floats::F32(data) => data.iter().map(|&x| [x as f64, 0.0]).collect(),
            Floats::F64(data) => data.iter().map(|&x| [x, 0.0]).collect(),
            Floats::C32(data) => data.iter().map(|&[re, im]| [re as f64, im as f64]).collect(),
            Floats::C64(data) => data.clone(),
        }
    }

    /// The number of elements.
    fn len(&self) -> usize {
        match self {
            Floats::F16(data) | Floats::BF16(data) => data.len(),
            Floats::F32(data) => data.len(),
            Floats::F64(data) => data.len(),
            Floats::C32(data) => data.len(),
            Floats::C64(data) => data.len(),
        }
    }

    /// Real numbers per element: 2 for complex numbers, else 1.
    fn element_parts(&self) -> usize {
        if self.element().is_complex() { 2 } else { 1 }
    }

    /// Part `part` (0: real, 1: imaginary) of the element at `offset`.
    fn get(&self, offset: usize, part: usize) -> f64 {
        match self {
            Floats::F16(data) => half::f16::from_bits(data[offset]).to_f64(),
            Floats::BF16(data) => half::bf16::from_bits(data[offset]).to_f64(),
            Floats::F32(data) => data[offset] as f64,
            Floats::F64(data) => data[offset],
            Floats::C32(data) => data[offset][part] as f64,
            Floats::C64(data) => data[offset][part],
        }
    }

    /// Sets part `part` of the element at `offset` (rounded to its type).
    fn set(&mut self, offset: usize, part: usize, x: f64) {
        match self {
            Floats::F16(data) => data[offset] = half::f16::from_f64(x).to_bits(),
            Floats::BF16(data) => data[offset] = half::bf16::from_f64(x).to_bits(),
            Floats::F32(data) => data[offset] = x as f32,
            Floats::F64(data) => data[offset] = x,
            Floats::C32(data) => data[offset][part] = x as f32,
            Floats::C64(data) => data[offset][part] = x,
        }
    }

    fn element(&self) -> Scalar {
        match self {
            Floats::F16(_) => Scalar::F16,
            Floats::BF16(_) => Scalar::BF16,
            Floats::F32(_) => Scalar::F32,
            Floats::F64(_) => Scalar::F64,
            Floats::C32(_) => Scalar::C32,
            Floats::C64(_) => Scalar::C64,
        }
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
                    data: Floats::from_parts(data.element(), vec![[0.0; 2]; data.len()]),
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
                let complex = data.element().is_complex();
                let parts = data.parts();
                let flat: Vec<Json> = index_order(&parts, shape, strides).map(|parts| element_json(parts, complex)).collect();
                nest(&flat, shape)
            }
        }
    }
}

/// The float components of a decoded argument: the elements of an array
/// in index order, a float scalar as one component; integers have none.
impl JsonArgs {
    /// How many float components argument `index` has.
    pub fn components(&self, index: usize) -> usize {
        match &self.values[index] {
            Decoded::Scalar(scalar, _) if scalar.is_complex() => 2,
            Decoded::Scalar(scalar, _) if scalar.is_float() => 1,
            Decoded::Scalar(..) => 0,
            Decoded::Array { data, .. } => data.len() * data.element_parts(),
        }
    }

    /// The shape of argument `index` (empty for a scalar).
    pub fn shape(&self, index: usize) -> &[i64] {
        match &self.values[index] {
            Decoded::Scalar(..) => &[],
            Decoded::Array { shape, .. } => shape,
        }
    }

    /// Component `k` (in index order) of argument `index`.
    pub fn component(&self, index: usize, k: usize) -> f64 {
        match &self.values[index] {
            Decoded::Scalar(scalar, json) if scalar.is_complex() => json_complex(json).unwrap_or_default()[k % 2],
            Decoded::Scalar(_, json) => json_float(json).unwrap_or_default(),
            Decoded::Array { data, shape, strides } => {
                let parts = data.element_parts();
                data.get(offset_of(shape, strides, k / parts), k % parts)
            }
        }
    }

    /// Sets component `k` (in index order) of float argument `index`.
    pub fn set_component(&mut self, index: usize, k: usize, x: f64) {
        match &mut self.values[index] {
            Decoded::Scalar(scalar, json) if scalar.is_complex() => {
                let mut parts = json_complex(json).unwrap_or_default();
                parts[k % 2] = x;
                *json = element_json(parts, true);
            }
            Decoded::Scalar(_, json) => *json = float(x),
            Decoded::Array { data, shape, strides } => {
                let parts = data.element_parts();
                data.set(offset_of(shape, strides, k / parts), k % parts, x);
            }
        }
    }

    /// Every float component set to zero (integers kept).
    pub fn clear_floats(&mut self) {
        for value in &mut self.values {
            match value {
                Decoded::Scalar(scalar, json) if scalar.is_complex() => *json = element_json([0.0; 2], true),
                Decoded::Scalar(scalar, json) if scalar.is_float() => *json = Json::from(0.0),
                Decoded::Scalar(..) => {}
                Decoded::Array { data, .. } => *data = Floats::from_parts(data.element(), vec![[0.0; 2]; data.len()]),
            }
        }
    }

    /// Pushes the arguments of a tangent call: each argument of `primal`,
    /// followed by its tangent in each of `lanes` where `duplicated` says
    /// so (the convention of `Module::tangent`).
    pub fn push_with_tangents<'a>(
        primal: &'a mut JsonArgs,
        lanes: &'a mut [JsonArgs],
        duplicated: &[bool],
        args: &mut Args<'a>,
    ) -> Result<()> {
        let mut lanes: Vec<_> = lanes.iter_mut().map(|lane| lane.values.iter_mut()).collect();
        for (value, &dup) in primal.values.iter_mut().zip(duplicated) {
            push_decoded(value, args)?;
            for lane in &mut lanes {
                let tangent = lane.next().ok_or_else(|| Error::Internal("a tangent per argument".into()))?;
                if dup {
                    push_decoded(tangent, args)?;
                }
            }
        }
        Ok(())
    }
}

/// Decodes `--tangents` (a JSON array, one entry per argument of
/// `signature`: a number for a float scalar, a nested array of the
/// argument's shape for a float memref, null for an argument without a
/// tangent) against the decoded arguments `primal`. Returns the tangents
/// (zero where null) and which arguments have one.
pub fn parse_tangents(signature: &Signature, text: &str, primal: &JsonArgs) -> Result<(JsonArgs, Vec<bool>)> {
    let naming = &signature.naming;
    let json: Json = serde_json::from_str(text)
        .map_err(|error| Error::InvalidArgument(format!("--tangents is not valid JSON: {error}")))?;
    let Json::Array(items) = json else {
        return Err(Error::InvalidArgument("--tangents must be a JSON array, one entry per argument".into()));
    };
    if items.len() != signature.inputs.len() {
        return Err(Error::Signature(format!(
            "--tangents has {} entries, but {} takes {} arguments {} (one entry per argument, null for those \
             without a tangent)",
            items.len(),
            naming.subject(),
            signature.inputs.len(),
            signature.describe()
        )));
    }
    let mut tangents = primal.zeroed();
    tangents.clear_floats();
    let mut present = Vec::new();
    for (index, (item, ty)) in items.into_iter().zip(&signature.inputs).enumerate() {
        if item.is_null() {
            present.push(false);
            continue;
        }
        if !ty.scalar().is_float() {
            return Err(Error::Signature(format!(
                "--tangents: {} has type {ty} and has no tangent: give null",
                naming.argument(index)
            )));
        }
        let decoded = decode(item, ty).map_err(|why| {
            Error::Signature(format!("--tangents: the tangent of {} must be {ty}: {why}", naming.argument(index)))
        })?;
        if let Decoded::Array { shape, .. } = &decoded
            && shape.as_slice() != primal.shape(index)
        {
            return Err(Error::Signature(format!(
                "--tangents: the tangent of {} has shape {shape:?}, but the argument has shape {:?}; a tangent has \
                 the shape of its argument",
                naming.argument(index),
                primal.shape(index)
            )));
        }
        tangents.values[index] = decoded;
        present.push(true);
    }
    Ok((tangents, present))
}

/// The offset of element `k` (in index order) of a compact array of
/// `shape` laid out by `strides`.
fn offset_of(shape: &[i64], strides: &[i64], mut k: usize) -> usize {
    let mut offset = 0i64;
    for dim in (0..shape.len()).rev() {
        let size = shape[dim].max(1) as usize;
        offset += (k % size) as i64 * strides[dim];
        k /= size;
    }
    offset as usize
}

fn push_decoded<'a>(value: &'a mut Decoded, args: &mut Args<'a>) -> Result<()> {
    match value {
        Decoded::Scalar(scalar, json) => push_scalar(args, *scalar, json),
        Decoded::Array { data, shape, strides } => {
            check_strided_len(data.len(), shape, strides)?;
            let element = data.element();
            let pointer: *mut std::ffi::c_void = match data {
                Floats::F16(data) | Floats::BF16(data) => data.as_mut_ptr().cast(),
                Floats::F32(data) => data.as_mut_ptr().cast(),
                Floats::F64(data) => data.as_mut_ptr().cast(),
                Floats::C32(data) => data.as_mut_ptr().cast(),
                Floats::C64(data) => data.as_mut_ptr().cast(),
            };
            // SAFETY: `data` holds a compact array of `shape` laid out by
            // `strides` (just checked) and is borrowed mutably for 'a.
            unsafe { args.push_array(element, pointer, shape, Some(strides)) }?;
        }
    }
    Ok(())
}

fn push_scalar(args: &mut Args, scalar: Scalar, json: &Json) {
    // `decode` checked that the JSON number fits the type.
    let [re, im] = json_complex(json).or_else(|| json_float(json).map(|x| [x, 0.0])).unwrap_or_default();
    match scalar {
        Scalar::F16 => args.push_f16(re as f32),
        Scalar::BF16 => args.push_bf16(re as f32),
        Scalar::C32 => args.push_c32(re as f32, im as f32),
        Scalar::C64 => args.push_c64(re, im),
        Scalar::F32 => args.push_f32(re as f32),
        Scalar::F64 => args.push_f64(re),
        Scalar::I32 => args.push_i32(json.as_i64().unwrap_or_default() as i32),
        Scalar::I64 => args.push_i64(json.as_i64().unwrap_or_default()),
        Scalar::Index => args.push_index(json.as_i64().unwrap_or_default()),
    };
}

fn decode(item: Json, ty: &ParamType) -> Result<Decoded, String> {
    match ty {
        ParamType::Scalar(scalar) if scalar.is_complex() => match json_complex(&item) {
            Some(_) => Ok(Decoded::Scalar(*scalar, item)),
            None => Err(format!("expected a complex number as [re, im], got {item}")),
        },
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
    flatten(item, 0, &mut seen, memref.element.is_complex(), &mut flat)?;
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
    let data = Floats::from_parts(memref.element, lay_out(flat, &shape, &strides));
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
/// shape and its elements in index order, as (re, im) pairs: a number each,
/// or a pair `[re, im]` each when `complex`.
fn flatten(item: &Json, depth: usize, shape: &mut [Option<i64>], complex: bool, flat: &mut Vec<[f64; 2]>) -> Result<(), String> {
    if depth == shape.len() {
        let element = if complex { json_complex(item) } else { json_float(item).map(|x| [x, 0.0]) };
        return match element {
            Some(parts) => {
                flat.push(parts);
                Ok(())
            }
            None if complex => Err(format!("expected a complex number as [re, im] at depth {depth}, got {item}")),
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
    items.iter().try_for_each(|item| flatten(item, depth + 1, shape, complex, flat))
}

/// A complex number from JSON: a pair `[re, im]` of floats.
fn json_complex(item: &Json) -> Option<[f64; 2]> {
    match item.as_array()?.as_slice() {
        [re, im] => Some([json_float(re)?, json_float(im)?]),
        _ => None,
    }
}

/// One element as JSON: a number, or `[re, im]` when `complex`.
fn element_json([re, im]: [f64; 2], complex: bool) -> Json {
    if complex { Json::Array(vec![float(re), float(im)]) } else { float(re) }
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
        Value::F16(x) | Value::BF16(x) | Value::F32(x) => float(*x as f64),
        Value::F64(x) => float(*x),
        Value::C32([re, im]) => element_json([*re as f64, *im as f64], true),
        Value::C64(parts) => element_json(*parts, true),
        Value::I32(x) => Json::from(*x),
        Value::I64(x) | Value::Index(x) => Json::from(*x),
        Value::Array(Array { shape, data }) => {
            let flat: Vec<Json> = match data {
                ArrayData::F16(data) => data.iter().map(|&x| float(half::f16::from_bits(x).to_f64())).collect(),
                ArrayData::BF16(data) => data.iter().map(|&x| float(half::bf16::from_bits(x).to_f64())).collect(),
                ArrayData::F32(data) => data.iter().map(|&x| float(x as f64)).collect(),
                ArrayData::F64(data) => data.iter().map(|&x| float(x)).collect(),
                ArrayData::C32(data) => data.iter().map(|&[re, im]| element_json([re as f64, im as f64], true)).collect(),
                ArrayData::C64(data) => data.iter().map(|&parts| element_json(parts, true)).collect(),
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
