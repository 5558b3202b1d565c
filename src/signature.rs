//! The types a kernel's arguments and results may have at the ABI, read from
//! a `func.func`'s MLIR type, and how they print in messages.

use crate::error::{Error, Result};
use melior::ir::{
    Type, TypeLike,
    r#type::{FunctionType, MemRefType, ShapedTypeLike},
};
use std::fmt;

/// A scalar type that crosses the ABI by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scalar {
    F32,
    F64,
    I32,
    I64,
    Index,
}

impl Scalar {
    /// Size in bytes at the ABI (index is 64-bit on every target zad runs on).
    pub fn size(self) -> usize {
        match self {
            Scalar::F32 | Scalar::I32 => 4,
            Scalar::F64 | Scalar::I64 | Scalar::Index => 8,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, Scalar::F32 | Scalar::F64)
    }

    /// The MLIR spelling.
    pub fn mlir_name(self) -> &'static str {
        match self {
            Scalar::F32 => "f32",
            Scalar::F64 => "f64",
            Scalar::I32 => "i32",
            Scalar::I64 => "i64",
            Scalar::Index => "index",
        }
    }

    fn from_mlir(ty: Type) -> Option<Scalar> {
        let spelling = ty.to_string();
        [Scalar::F32, Scalar::F64, Scalar::I32, Scalar::I64, Scalar::Index]
            .into_iter()
            .find(|scalar| scalar.mlir_name() == spelling)
    }
}

/// A memref parameter or result: element type, shape and layout, each
/// dimension and stride either static (`Some`) or dynamic (`None`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemRef {
    pub element: Scalar,
    pub shape: Vec<Option<i64>>,
    pub strides: Vec<Option<i64>>,
    pub offset: Option<i64>,
    /// The kernel reads the array as one sequence of elements (a Fortran
    /// routine that passes it on with sequence association): it must be
    /// contiguous, column-major. From the argument attribute `zad.contiguous`.
    pub contiguous: bool,
    /// The MLIR spelling, kept for messages.
    pub spelling: String,
}

impl MemRef {
    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    /// Whether the type lays arrays out column-major (Fortran order): its
    /// first dimension has unit stride and there are several.
    pub fn is_column_major(&self) -> bool {
        self.rank() >= 2 && self.strides.first() == Some(&Some(1))
    }
}

/// The type of one parameter or result.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ParamType {
    Scalar(Scalar),
    MemRef(MemRef),
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamType::Scalar(scalar) => f.write_str(scalar.mlir_name()),
            ParamType::MemRef(memref) => f.write_str(&memref.spelling),
        }
    }
}

/// The ABI view of a function: what it takes and what it returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    pub name: String,
    pub inputs: Vec<ParamType>,
    pub results: Vec<ParamType>,
}

impl Signature {
    /// Reads the signature of function `name` from its MLIR function type.
    /// Types zad cannot pass across the ABI are an `Unsupported` error that
    /// names them.
    pub(crate) fn from_function_type(name: &str, ty: FunctionType) -> Result<Signature> {
        let convert = |ty: Type, what: &str, index: usize| {
            param_type(ty).ok_or_else(|| {
                Error::Unsupported(format!(
                    "function @{name}: {what} #{index} has type {ty}, which zad cannot pass \
                     across the ABI (supported: f32, f64, i32, i64, index and memrefs of f32 or f64)"
                ))
            })
        };
        let inputs = (0..ty.input_count())
            .map(|i| convert(ty.input(i).expect("index in range"), "argument", i))
            .collect::<Result<_>>()?;
        let results = (0..ty.result_count())
            .map(|i| convert(ty.result(i).expect("index in range"), "result", i))
            .collect::<Result<_>>()?;
        Ok(Signature { name: name.to_string(), inputs, results })
    }

    /// Marks the memref arguments at `indices` as needing contiguous arrays.
    pub(crate) fn require_contiguous(&mut self, indices: impl IntoIterator<Item = usize>) {
        for index in indices {
            if let Some(ParamType::MemRef(memref)) = self.inputs.get_mut(index) {
                memref.contiguous = true;
            }
        }
    }

    /// `(f64, memref<?xf64>) -> f64`, for messages.
    pub fn describe(&self) -> String {
        let list = |types: &[ParamType]| {
            types.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        };
        format!("({}) -> ({})", list(&self.inputs), list(&self.results))
    }
}

fn param_type(ty: Type) -> Option<ParamType> {
    if let Some(scalar) = Scalar::from_mlir(ty) {
        return Some(ParamType::Scalar(scalar));
    }
    let memref = MemRefType::try_from(ty).ok()?;
    if memref.memory_space().is_some() {
        return None;
    }
    let element = Scalar::from_mlir(memref.element()).filter(|scalar| scalar.is_float())?;
    let rank = memref.rank();
    let shape = (0..rank)
        .map(|i| {
            let size = mlir_dim_size(&memref, i);
            (size >= 0).then_some(size)
        })
        .collect();
    let (strides, offset) = memref.strides_and_offset();
    let is_static = |value: i64| value != i64::MIN;
    Some(ParamType::MemRef(MemRef {
        element,
        shape,
        strides: strides.into_iter().map(|s| is_static(s).then_some(s)).collect(),
        offset: is_static(offset).then_some(offset),
        contiguous: false,
        spelling: ty.to_string(),
    }))
}

/// A dimension's static size, or a negative number when it is dynamic.
fn mlir_dim_size(memref: &MemRefType, index: usize) -> i64 {
    // SAFETY: `memref` is a valid shaped type and `index` < its rank.
    unsafe { mlir_sys::mlirShapedTypeGetDimSize(memref.to_raw(), index as isize) }
}
