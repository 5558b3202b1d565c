//! Argument lists for compiled functions: checked against the MLIR
//! signature, then marshalled into MLIR's C interface without copying
//! array data.
//!
//! The C interface (`_mlir_ciface_<name>`) takes scalars by value and each
//! memref as a pointer to a descriptor `{allocated, aligned, offset,
//! sizes[rank], strides[rank]}`. One real or integer scalar result is returned by value;
//! several results, or a memref or complex result, come back through a pointer to a
//! struct passed first. The packed wrapper takes a pointer to each of these.

use crate::{
    error::{Error, Result},
    naming::Input,
    signature::{MemRef, ParamType, Scalar, Signature},
};
use std::{ffi::c_void, marker::PhantomData};

#[cfg(not(target_endian = "little"))]
compile_error!("zad marshals scalars assuming a little-endian target");

/// A value returned by a kernel. Memref results are copied out (row-major)
/// and the kernel's allocation is freed.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// An f16, widened to f32 (exactly).
    F16(f32),
    /// A bf16, widened to f32 (exactly).
    BF16(f32),
    F32(f32),
    F64(f64),
    /// A complex<f32>: real part, imaginary part.
    C32([f32; 2]),
    /// A complex<f64>: real part, imaginary part.
    C64([f64; 2]),
    I32(i32),
    I64(i64),
    Index(i64),
    Array(Array),
}

/// An owned, row-major array.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    pub shape: Vec<i64>,
    pub data: ArrayData,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ArrayData {
    /// The bits of each f16 element.
    F16(Vec<u16>),
    /// The bits of each bf16 element.
    BF16(Vec<u16>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    /// Real part, imaginary part of each element.
    C32(Vec<[f32; 2]>),
    C64(Vec<[f64; 2]>),
}

impl Value {
    /// The value as an f64, for real scalars of any type.
    pub fn as_f64(&self) -> Option<f64> {
        Some(match *self {
            Value::F16(x) | Value::BF16(x) | Value::F32(x) => x as f64,
            Value::F64(x) => x,
            Value::I32(x) => x as f64,
            Value::I64(x) | Value::Index(x) => x as f64,
            Value::C32(_) | Value::C64(_) | Value::Array(_) => return None,
        })
    }

    /// The value as (real, imaginary) parts, for real and complex scalars.
    pub fn as_complex(&self) -> Option<[f64; 2]> {
        match *self {
            Value::C32([re, im]) => Some([re as f64, im as f64]),
            Value::C64(parts) => Some(parts),
            _ => self.as_f64().map(|re| [re, 0.0]),
        }
    }
}

/// One argument as pushed by the caller.
enum Slot {
    /// The value's bytes, little-endian, in as many words as it needs.
    Scalar(Scalar, [u64; 2]),
    Array { element: Scalar, data: *mut c_void, shape: Vec<i64>, strides: Vec<i64> },
}

/// A typed argument list, reusable across calls (its buffers are kept, so a
/// call in a loop allocates nothing for scalar kernels). Not shareable
/// between threads: use one per thread.
///
/// The lifetime ties pushed arrays to the list: the data must stay valid,
/// and unaliased by anything else the kernel is given, while the list is
/// used.
#[derive(Default)]
pub struct Args<'a> {
    slots: Vec<Slot>,
    results: Vec<Value>,
    descriptor_words: Vec<i64>,
    descriptor_pointers: Vec<*mut c_void>,
    pointers: Vec<*mut c_void>,
    result_words: Vec<u64>,
    result_struct: *mut c_void,
    _data: PhantomData<&'a mut [u8]>,
}

impl<'a> Args<'a> {
    pub fn new() -> Self {
        Args {
            slots: Vec::new(),
            results: Vec::new(),
            descriptor_words: Vec::new(),
            descriptor_pointers: Vec::new(),
            pointers: Vec::new(),
            result_words: Vec::new(),
            result_struct: std::ptr::null_mut(),
            _data: PhantomData,
        }
    }

    /// Forgets the arguments and results, keeping the buffers.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.results.clear();
    }

    /// Drops the arguments after the first `len`.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.slots.truncate(len);
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// The bytes argument `index` spans, `[first, end)`, if it is a
    /// non-empty array.
    pub(crate) fn array_extent(&self, index: usize) -> Option<(usize, usize)> {
        let Some(Slot::Array { element, data, shape, strides }) = self.slots.get(index) else { return None };
        if shape.iter().any(|&extent| extent <= 0) {
            return None;
        }
        let (mut low, mut high) = (0i64, 0i64);
        for (&extent, &stride) in shape.iter().zip(strides) {
            let reach = (extent - 1).saturating_mul(stride);
            if reach < 0 { low = low.saturating_add(reach) } else { high = high.saturating_add(reach) }
        }
        let size = element.size() as i64;
        let base = *data as i64;
        Some(((base + low * size) as usize, (base + (high + 1) * size) as usize))
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn push_f32(&mut self, value: f32) -> &mut Self {
        self.slots.push(Slot::Scalar(Scalar::F32, [value.to_bits() as u64, 0]));
        self
    }
    pub fn push_f64(&mut self, value: f64) -> &mut Self {
        self.slots.push(Slot::Scalar(Scalar::F64, [value.to_bits(), 0]));
        self
    }
    pub fn push_i32(&mut self, value: i32) -> &mut Self {
        self.slots.push(Slot::Scalar(Scalar::I32, [value as u32 as u64, 0]));
        self
    }
    pub fn push_i64(&mut self, value: i64) -> &mut Self {
        self.slots.push(Slot::Scalar(Scalar::I64, [value as u64, 0]));
        self
    }
    pub fn push_index(&mut self, value: i64) -> &mut Self {
        self.slots.push(Slot::Scalar(Scalar::Index, [value as u64, 0]));
        self
    }

    /// A real number as an argument of float type `scalar` (a complex one
    /// gets imaginary part 0): how seeds are given whatever the result type.
    pub fn push_real(&mut self, scalar: Scalar, value: f64) -> Result<&mut Self> {
        Ok(match scalar {
            Scalar::F16 => self.push_f16(value as f32),
            Scalar::BF16 => self.push_bf16(value as f32),
            Scalar::F32 => self.push_f32(value as f32),
            Scalar::F64 => self.push_f64(value),
            Scalar::C32 => self.push_c32(value as f32, 0.0),
            Scalar::C64 => self.push_c64(value, 0.0),
            Scalar::I32 | Scalar::I64 | Scalar::Index => {
                return Err(Error::InvalidArgument(format!("a real number cannot be passed as {}", scalar.mlir_name())));
            }
        })
    }

    /// An f16 argument, rounded to the nearest f16.
    pub fn push_f16(&mut self, value: f32) -> &mut Self {
        self.slots.push(Slot::Scalar(Scalar::F16, [half::f16::from_f32(value).to_bits() as u64, 0]));
        self
    }

    /// A bf16 argument, rounded to the nearest bf16.
    pub fn push_bf16(&mut self, value: f32) -> &mut Self {
        self.slots.push(Slot::Scalar(Scalar::BF16, [half::bf16::from_f32(value).to_bits() as u64, 0]));
        self
    }

    /// A complex<f32> argument.
    pub fn push_c32(&mut self, re: f32, im: f32) -> &mut Self {
        let bits = re.to_bits() as u64 | (im.to_bits() as u64) << 32;
        self.slots.push(Slot::Scalar(Scalar::C32, [bits, 0]));
        self
    }

    /// A complex<f64> argument.
    pub fn push_c64(&mut self, re: f64, im: f64) -> &mut Self {
        self.slots.push(Slot::Scalar(Scalar::C64, [re.to_bits(), im.to_bits()]));
        self
    }

    /// A contiguous row-major array of complex<f64>, each element (re, im).
    pub fn push_slice_c64(&mut self, data: &'a mut [[f64; 2]], shape: &[i64]) -> Result<&mut Self> {
        check_slice_len(data.len(), shape)?;
        // SAFETY: `data` holds exactly the elements of `shape` and is
        // borrowed mutably for 'a.
        unsafe { self.push_array(Scalar::C64, data.as_mut_ptr().cast(), shape, None) }
    }

    /// A contiguous row-major array of complex<f32>, each element (re, im).
    pub fn push_slice_c32(&mut self, data: &'a mut [[f32; 2]], shape: &[i64]) -> Result<&mut Self> {
        check_slice_len(data.len(), shape)?;
        // SAFETY: as for `push_slice_c64`.
        unsafe { self.push_array(Scalar::C32, data.as_mut_ptr().cast(), shape, None) }
    }

    /// A contiguous row-major array of f16, given as the elements' bits.
    pub fn push_slice_f16(&mut self, data: &'a mut [u16], shape: &[i64]) -> Result<&mut Self> {
        check_slice_len(data.len(), shape)?;
        // SAFETY: as for `push_slice_c64`.
        unsafe { self.push_array(Scalar::F16, data.as_mut_ptr().cast(), shape, None) }
    }

    /// A contiguous row-major array of bf16, given as the elements' bits.
    pub fn push_slice_bf16(&mut self, data: &'a mut [u16], shape: &[i64]) -> Result<&mut Self> {
        check_slice_len(data.len(), shape)?;
        // SAFETY: as for `push_slice_c64`.
        unsafe { self.push_array(Scalar::BF16, data.as_mut_ptr().cast(), shape, None) }
    }

    /// A row-major f64 array of `shape` over `data`.
    pub fn push_slice_f64(&mut self, data: &'a mut [f64], shape: &[i64]) -> Result<&mut Self> {
        check_slice_len(data.len(), shape)?;
        // SAFETY: the slice is valid, row-major of `shape`, and borrowed for 'a.
        unsafe { self.push_array(Scalar::F64, data.as_mut_ptr().cast(), shape, None) }
    }

    /// A row-major f32 array of `shape` over `data`.
    pub fn push_slice_f32(&mut self, data: &'a mut [f32], shape: &[i64]) -> Result<&mut Self> {
        check_slice_len(data.len(), shape)?;
        // SAFETY: the slice is valid, row-major of `shape`, and borrowed for 'a.
        unsafe { self.push_array(Scalar::F32, data.as_mut_ptr().cast(), shape, None) }
    }

    /// An f64 array of `shape` and `strides` (in elements, e.g. `[1, n]`
    /// for an n-row column-major matrix) whose element (0, ..., 0) is
    /// `data[0]`. Every element it addresses must lie in `data`.
    pub fn push_strided_f64(&mut self, data: &'a mut [f64], shape: &[i64], strides: &[i64]) -> Result<&mut Self> {
        check_strided_len(data.len(), shape, strides)?;
        // SAFETY: every element `shape` and `strides` address lies in the
        // slice, which is borrowed for 'a.
        unsafe { self.push_array(Scalar::F64, data.as_mut_ptr().cast(), shape, Some(strides)) }
    }

    /// As [`Args::push_strided_f64`], for f32.
    pub fn push_strided_f32(&mut self, data: &'a mut [f32], shape: &[i64], strides: &[i64]) -> Result<&mut Self> {
        check_strided_len(data.len(), shape, strides)?;
        // SAFETY: as for `push_strided_f64`.
        unsafe { self.push_array(Scalar::F32, data.as_mut_ptr().cast(), shape, Some(strides)) }
    }

    /// A column-major (Fortran order) f64 array of `shape` over `data`: the
    /// element at indices (i, j, ...) is `data[i + shape[0] * (j + ...)]`.
    pub fn push_fortran_slice_f64(&mut self, data: &'a mut [f64], shape: &[i64]) -> Result<&mut Self> {
        check_slice_len(data.len(), shape)?;
        let strides = column_major_strides(shape);
        // SAFETY: the slice is valid, column-major of `shape`, and borrowed for 'a.
        unsafe { self.push_array(Scalar::F64, data.as_mut_ptr().cast(), shape, Some(&strides)) }
    }

    /// A column-major (Fortran order) f32 array of `shape` over `data`.
    pub fn push_fortran_slice_f32(&mut self, data: &'a mut [f32], shape: &[i64]) -> Result<&mut Self> {
        check_slice_len(data.len(), shape)?;
        let strides = column_major_strides(shape);
        // SAFETY: the slice is valid, column-major of `shape`, and borrowed for 'a.
        unsafe { self.push_array(Scalar::F32, data.as_mut_ptr().cast(), shape, Some(&strides)) }
    }

    /// An array given as data pointer, shape and strides in elements
    /// (`None`: contiguous row-major).
    ///
    /// # Safety
    /// Every element addressed by `shape` and `strides` from `data` must be
    /// valid for reads and writes of `element` while the list is used.
    pub unsafe fn push_array(
        &mut self,
        element: Scalar,
        data: *mut c_void,
        shape: &[i64],
        strides: Option<&[i64]>,
    ) -> Result<&mut Self> {
        if !element.is_float() {
            return Err(Error::InvalidArgument(format!(
                "arrays of {} are not supported (arrays of floating-point and complex numbers are)",
                element.mlir_name()
            )));
        }
        if let Some(&size) = shape.iter().find(|&&size| size < 0) {
            return Err(Error::InvalidArgument(format!("array shape {shape:?} has a negative size {size}")));
        }
        let strides = match strides {
            Some(strides) if strides.len() != shape.len() => {
                return Err(Error::InvalidArgument(format!(
                    "array has {} dimensions but {} strides",
                    shape.len(),
                    strides.len()
                )));
            }
            Some(strides) => strides.to_vec(),
            None => row_major_strides(shape).ok_or_else(|| {
                Error::InvalidArgument(format!("array shape {shape:?} is too large: its strides overflow 64 bits"))
            })?,
        };
        let elements = element_count(shape).ok_or_else(|| {
            Error::InvalidArgument(format!("array shape {shape:?} is too large: its element count overflows 64 bits"))
        })?;
        if elements > 0 && extent_bytes(shape, &strides, element.size()).is_none() {
            return Err(Error::InvalidArgument(format!(
                "array of shape {shape:?} and strides {strides:?} spans more memory than can be addressed"
            )));
        }
        if data.is_null() && elements > 0 {
            return Err(Error::InvalidArgument("array data pointer is NULL".into()));
        }
        self.slots.push(Slot::Array { element, data, shape: shape.to_vec(), strides });
        Ok(self)
    }

    /// The array arguments, for copying them to a GPU and back.
    pub(crate) fn host_arrays(&self) -> Vec<super::cuda::HostArray> {
        self.slots
            .iter()
            .filter_map(|slot| match slot {
                Slot::Array { element, data, shape, strides } => Some(super::cuda::HostArray {
                    data: *data,
                    element_size: element.size(),
                    shape: shape.clone(),
                    strides: strides.clone(),
                }),
                Slot::Scalar(..) => None,
            })
            .collect()
    }

    /// The results of the last successful call, in order.
    pub fn results(&self) -> &[Value] {
        &self.results
    }

    /// Checks the arguments against `signature`, calls `packed` and decodes
    /// the results.
    pub(crate) fn invoke(
        &mut self,
        signature: &Signature,
        default_seeds: usize,
        layout: &ResultLayout,
        packed: super::PackedFn,
        relocate: &dyn Fn(*mut c_void) -> *mut c_void,
    ) -> Result<()> {
        self.check(signature, default_seeds)?;
        self.results.clear();

        self.descriptor_words.clear();
        let mut passed = Vec::new();
        for slot in &self.slots {
            if let Slot::Array { data, shape, strides, .. } = slot {
                let data = relocate(*data);
                passed.push(data as usize);
                self.descriptor_words.extend([data as i64, data as i64, 0]);
                self.descriptor_words.extend_from_slice(shape);
                self.descriptor_words.extend_from_slice(strides);
            }
        }
        self.result_words.clear();
        self.result_words.resize(layout.size.div_ceil(8).max(1), 0);
        self.result_struct = self.result_words.as_mut_ptr().cast();

        // No buffer is resized below this point, so the pointers stay valid.
        self.descriptor_pointers.clear();
        let mut word = 0;
        for slot in &self.slots {
            if let Slot::Array { shape, .. } = slot {
                self.descriptor_pointers.push(self.descriptor_words[word..].as_mut_ptr().cast());
                word += 3 + 2 * shape.len();
            }
        }
        self.pointers.clear();
        if layout.by_pointer {
            self.pointers.push((&mut self.result_struct as *mut *mut c_void).cast());
        }
        let mut array = 0;
        for slot in &mut self.slots {
            match slot {
                Slot::Scalar(_, bits) => self.pointers.push(bits.as_mut_ptr().cast()),
                Slot::Array { .. } => {
                    self.pointers.push((&mut self.descriptor_pointers[array] as *mut *mut c_void).cast());
                    array += 1;
                }
            }
        }
        if !layout.by_pointer && !signature.results.is_empty() {
            self.pointers.push(self.result_struct);
        }

        // SAFETY: the pointer list matches the packed wrapper of the C
        // interface of a function whose signature was just checked: one
        // pointer per argument (descriptors for memrefs, which point at
        // caller data valid for 'a), plus the result slot sized by `layout`.
        unsafe { super::trap::call(packed, self.pointers.as_mut_ptr()) }
            .map_err(Error::Runtime)?;

        // Copy every result out before freeing anything: two results may
        // share one allocation (a buffer and a view of it).
        let mut to_free = Vec::new();
        for (ty, offset) in signature.results.iter().zip(&layout.offsets) {
            // SAFETY: the kernel wrote a value of type `ty` at `offset` in
            // the result struct, which is `layout.size` bytes long.
            let value =
                unsafe { decode_result(ty, self.result_struct.cast::<u8>().add(*offset), &passed, &mut to_free) };
            self.results.push(value);
        }
        for allocation in to_free {
            // SAFETY: the kernel allocated this (through `memory`); it is
            // listed once, and nobody refers to it now that every result
            // has been copied.
            unsafe { super::memory::release(allocation as *mut c_void) };
        }
        Ok(())
    }

    fn check(&self, signature: &Signature, default_seeds: usize) -> Result<()> {
        let naming = &signature.naming;
        let subject = naming.subject();
        if self.slots.len() != signature.inputs.len() {
            let optional = match default_seeds {
                0 => String::new(),
                1 => " (the last, a seed, may be left out: it defaults to 1.0)".to_string(),
                n => format!(" (the last {n}, seeds, may be left out: they default to 1.0)"),
            };
            return Err(Error::Signature(format!(
                "{subject} takes {} {} {}{optional}, but was given {}",
                signature.inputs.len(),
                plural(signature.inputs.len(), "argument", "arguments"),
                signature.describe(),
                self.slots.len()
            )));
        }
        for (index, (slot, expected)) in self.slots.iter().zip(&signature.inputs).enumerate() {
            let mismatch = |(given, detail): (String, String)| {
                Error::Signature(format!(
                    "{subject}: {} must be {expected}, but {given} was given{detail}",
                    naming.input(index)
                ))
            };
            match (slot, expected) {
                (Slot::Scalar(given, _), ParamType::Scalar(wanted)) if given == wanted => {}
                (Slot::Scalar(given, _), _) => return Err(mismatch((given.mlir_name().to_string(), String::new()))),
                (Slot::Array { element, shape, .. }, ParamType::Scalar(_)) => {
                    return Err(mismatch((format!("an array of {} with shape {shape:?}", element.mlir_name()), String::new())));
                }
                (Slot::Array { element, shape, strides, .. }, ParamType::MemRef(memref)) => {
                    check_array(*element, shape, strides, memref).map_err(mismatch)?;
                }
            }
        }
        self.check_shadows(signature)
    }

    /// A shadow (and an HVP's direction and product buffer) has the shape
    /// of its argument: the derivative indexes both alike (zad made the
    /// signature, so it knows the pairs).
    fn check_shadows(&self, signature: &Signature) -> Result<()> {
        let naming = &signature.naming;
        let shape_of = |index: usize| match &self.slots[index] {
            Slot::Array { shape, .. } => Some(shape),
            Slot::Scalar(..) => None,
        };
        for (index, input) in naming.inputs.iter().enumerate() {
            let (position, what) = match *input {
                Input::Shadow(position) => (position, "shadow"),
                Input::Tangent(position, _) => (position, "tangent"),
                Input::Direction(position) => (position, "direction"),
                Input::HvpBuffer(position) => (position, "Hessian-vector product buffer"),
                Input::Argument(_) | Input::Seed(_) => continue,
            };
            let Some(primal) = naming.input_of_argument(position) else { continue };
            if let (Some(primal_shape), Some(shadow_shape)) = (shape_of(primal), shape_of(index))
                && primal_shape != shadow_shape
            {
                return Err(Error::Signature(format!(
                    "{}: {} has shape {shadow_shape:?}, but {} has shape {primal_shape:?}; a {what} has the \
                     shape of its argument",
                    naming.subject(),
                    naming.input(index),
                    naming.argument(position)
                )));
            }
        }
        Ok(())
    }
}

fn plural<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}

/// Why an array does not fit a memref type: what was given, and a detail
/// (starting with "; ") saying what is wrong and how to fix it.
fn check_array(element: Scalar, shape: &[i64], strides: &[i64], memref: &MemRef) -> Result<(), (String, String)> {
    let given = format!("an array of {} with shape {shape:?} and strides {strides:?}", element.mlir_name());
    let fail = |detail: String| Err((given.clone(), detail));
    if element != memref.element {
        return fail(String::new());
    }
    if shape.len() != memref.rank() {
        return fail(format!("; its rank is {} instead of {}", shape.len(), memref.rank()));
    }
    for (dim, (&size, expected)) in shape.iter().zip(&memref.shape).enumerate() {
        if let Some(expected) = expected
            && size != *expected
        {
            return fail(format!("; dimension {dim} is {size}, the type says {expected}"));
        }
    }
    if let Some(offset) = memref.offset
        && offset != 0
    {
        return fail(format!("; zad passes arrays at offset 0 but the type fixes offset {offset}"));
    }
    // An empty array is never indexed: its strides do not matter.
    if shape.contains(&0) {
        return Ok(());
    }
    let any_strides = memref.with_any_strides();
    if memref.identity_layout {
        // C order: each stride is the product of the sizes after it
        // (`push_array` checked that these products fit).
        let c_order = row_major_strides(shape).unwrap_or_default();
        if let Some(dim) = (0..shape.len()).find(|&dim| shape[dim] > 1 && strides[dim] != c_order[dim]) {
            return fail(format!(
                "; the stride of dimension {dim} is {}, but {} is C order (row-major), which for this shape \
                 means strides {c_order:?}. To take other strides, declare the argument as {any_strides} (any \
                 strides) or with strided<[1, ?, ...]> (Fortran order)",
                strides[dim], memref.spelling
            ));
        }
    }
    for (dim, ((&stride, expected), &size)) in strides.iter().zip(&memref.strides).zip(shape).enumerate() {
        // A stride is never used to step along a dimension of size 1.
        if let Some(expected) = expected
            && stride != *expected
            && size > 1
        {
            return fail(format!(
                "; the stride of dimension {dim} is {stride}, the type needs {expected}. The memref type fixes \
                 the layout (row-major unless it says otherwise): declare the argument as {any_strides} to \
                 accept any strides, or strided<[1, ?, ...]> for column-major (Fortran) arrays"
            ));
        }
    }
    if memref.contiguous {
        let needed = column_major_strides(shape);
        if strides.iter().zip(&needed).zip(shape).any(|((given, needed), &size)| size > 1 && given != needed) {
            return fail(format!(
                "; the kernel reads this array as one sequence of elements (Fortran sequence association), so it \
                 must be contiguous in column-major order (strides {needed:?})"
            ));
        }
    }
    Ok(())
}

fn check_slice_len(len: usize, shape: &[i64]) -> Result<()> {
    let elements = shape.iter().try_fold(1i64, |acc, &size| if size < 0 { None } else { acc.checked_mul(size) });
    if elements != Some(len as i64) {
        return Err(Error::InvalidArgument(format!(
            "a slice of {len} elements cannot have shape {shape:?}"
        )));
    }
    Ok(())
}

/// Whether a strided array of `shape` from element 0 of a slice of `len`
/// elements stays inside it.
pub(crate) fn check_strided_len(len: usize, shape: &[i64], strides: &[i64]) -> Result<()> {
    let outside = || Error::InvalidArgument(format!(
        "an array of shape {shape:?} and strides {strides:?} does not lie within a slice of {len} elements"
    ));
    if strides.len() != shape.len() || shape.iter().any(|&size| size < 0) {
        return Err(outside());
    }
    if shape.contains(&0) {
        return Ok(());
    }
    // The farthest element reached forwards from element 0, and backwards.
    let (mut forward, mut backward) = (0i64, 0i64);
    for (&size, &stride) in shape.iter().zip(strides) {
        let reach = (size - 1).checked_mul(stride).ok_or_else(outside)?;
        if reach >= 0 {
            forward = forward.checked_add(reach).ok_or_else(outside)?;
        } else {
            backward = backward.checked_add(reach).ok_or_else(outside)?;
        }
    }
    if backward < 0 || forward >= len as i64 {
        return Err(outside());
    }
    Ok(())
}

/// The strides of a contiguous row-major (C order) array of `shape`, or
/// `None` when they overflow.
pub(crate) fn row_major_strides(shape: &[i64]) -> Option<Vec<i64>> {
    let mut strides = vec![1i64; shape.len()];
    for dim in (0..shape.len().saturating_sub(1)).rev() {
        strides[dim] = strides[dim + 1].checked_mul(shape[dim + 1].max(1))?;
    }
    Some(strides)
}

/// The number of elements of an array of `shape` (sizes not negative), or
/// `None` when it overflows.
pub(crate) fn element_count(shape: &[i64]) -> Option<i64> {
    if shape.contains(&0) {
        return Some(0);
    }
    shape.iter().try_fold(1i64, |count, &size| count.checked_mul(size))
}

/// The bytes from the lowest to the highest element of a non-empty array,
/// that element included, or `None` when that does not fit an `isize` (no
/// allocation is that large, and the kernel's address arithmetic would
/// wrap).
fn extent_bytes(shape: &[i64], strides: &[i64], element_size: usize) -> Option<isize> {
    let span = shape.iter().zip(strides).try_fold(0i64, |span, (&size, &stride)| {
        span.checked_add((size - 1).checked_mul(stride.checked_abs()?)?)
    })?;
    let bytes = span.checked_add(1)?.checked_mul(element_size as i64)?;
    isize::try_from(bytes).ok()
}

pub(crate) fn column_major_strides(shape: &[i64]) -> Vec<i64> {
    let mut strides = vec![1; shape.len()];
    for dim in 1..shape.len() {
        strides[dim] = strides[dim - 1] * shape[dim - 1].max(1);
    }
    strides
}

/// Where each result lies in the result struct, and whether the C
/// interface returns through a pointer (several results or a memref) or by
/// value (a single scalar).
pub(crate) struct ResultLayout {
    offsets: Vec<usize>,
    size: usize,
    by_pointer: bool,
}

impl ResultLayout {
    pub(crate) fn of(results: &[ParamType]) -> ResultLayout {
        let mut offsets = Vec::with_capacity(results.len());
        let mut size = 0usize;
        for ty in results {
            let (field_size, align) = match ty {
                ParamType::Scalar(scalar) => (scalar.size(), scalar.align()),
                ParamType::MemRef(memref) => (8 * (3 + 2 * memref.rank()), 8),
            };
            size = size.next_multiple_of(align);
            offsets.push(size);
            size += field_size;
        }
        // MLIR's C interface returns a struct (several results, a memref
        // descriptor, a complex number) through a pointer passed first.
        let by_pointer = results.len() > 1
            || results.iter().any(|ty| match ty {
                ParamType::MemRef(_) => true,
                ParamType::Scalar(scalar) => scalar.is_complex(),
            });
        ResultLayout { offsets, size, by_pointer }
    }
}

/// The address MLIR gives the `allocated` pointer of memrefs of globals.
const GLOBAL_MEMREF_SENTINEL: usize = 0xdeadbeef;

/// Reads one result at `at`. Memref results are copied into a row-major
/// array and their allocation added to `to_free`, unless it belongs to an
/// input, a global, or is listed already.
///
/// # Safety
/// `at` points to a value of type `ty` as the kernel's C interface wrote it.
unsafe fn decode_result(ty: &ParamType, at: *const u8, passed: &[usize], to_free: &mut Vec<usize>) -> Value {
    // SAFETY (all reads): `at` is valid for the size of `ty` (caller).
    unsafe {
        match ty {
            ParamType::Scalar(Scalar::F16) => Value::F16(half::f16::from_bits(at.cast::<u16>().read_unaligned()).to_f32()),
            ParamType::Scalar(Scalar::BF16) => Value::BF16(half::bf16::from_bits(at.cast::<u16>().read_unaligned()).to_f32()),
            ParamType::Scalar(Scalar::C32) => Value::C32(at.cast::<[f32; 2]>().read_unaligned()),
            ParamType::Scalar(Scalar::C64) => Value::C64(at.cast::<[f64; 2]>().read_unaligned()),
            ParamType::Scalar(Scalar::F32) => Value::F32(at.cast::<f32>().read_unaligned()),
            ParamType::Scalar(Scalar::F64) => Value::F64(at.cast::<f64>().read_unaligned()),
            ParamType::Scalar(Scalar::I32) => Value::I32(at.cast::<i32>().read_unaligned()),
            ParamType::Scalar(Scalar::I64) => Value::I64(at.cast::<i64>().read_unaligned()),
            ParamType::Scalar(Scalar::Index) => Value::Index(at.cast::<i64>().read_unaligned()),
            ParamType::MemRef(memref) => {
                let words = at.cast::<i64>();
                let word = |i: usize| words.add(i).read_unaligned();
                let rank = memref.rank();
                let allocated = word(0) as usize;
                let aligned = word(1) as *const u8;
                let offset = word(2);
                let shape: Vec<i64> = (0..rank).map(|d| word(3 + d)).collect();
                let strides: Vec<i64> = (0..rank).map(|d| word(3 + rank + d)).collect();
                let size = memref.element.size();
                let base = aligned.offset(offset as isize * size as isize);
                let data = match memref.element {
                    Scalar::F16 => ArrayData::F16(gather(base.cast::<u16>(), &shape, &strides)),
                    Scalar::BF16 => ArrayData::BF16(gather(base.cast::<u16>(), &shape, &strides)),
                    Scalar::F32 => ArrayData::F32(gather(base.cast::<f32>(), &shape, &strides)),
                    Scalar::C32 => ArrayData::C32(gather(base.cast::<[f32; 2]>(), &shape, &strides)),
                    Scalar::C64 => ArrayData::C64(gather(base.cast::<[f64; 2]>(), &shape, &strides)),
                    _ => ArrayData::F64(gather(base.cast::<f64>(), &shape, &strides)),
                };
                let owned_by_caller = passed.contains(&allocated);
                if allocated != 0
                    && allocated != GLOBAL_MEMREF_SENTINEL
                    && !owned_by_caller
                    && !to_free.contains(&allocated)
                {
                    to_free.push(allocated);
                }
                Value::Array(Array { shape, data })
            }
        }
    }
}

/// Copies a strided array into a row-major vector.
///
/// # Safety
/// Every element addressed by `shape` and `strides` from `base` is readable.
unsafe fn gather<T: Copy>(base: *const T, shape: &[i64], strides: &[i64]) -> Vec<T> {
    // The kernel allocated the array, so its element count fits.
    let total = if shape.iter().any(|&size| size <= 0) { 0 } else { element_count(shape).unwrap_or(0) };
    let mut out = Vec::with_capacity(total as usize);
    if total == 0 {
        return out;
    }
    let mut index = vec![0i64; shape.len()];
    loop {
        let offset: i64 = index.iter().zip(strides).map(|(i, s)| i * s).sum();
        // SAFETY: `index` is within `shape` (caller's guarantee).
        out.push(unsafe { base.offset(offset as isize).read() });
        let mut dim = shape.len();
        loop {
            if dim == 0 {
                return out;
            }
            dim -= 1;
            index[dim] += 1;
            if index[dim] < shape[dim] {
                break;
            }
            index[dim] = 0;
        }
    }
}
