//! The types a kernel's arguments and results may have at the ABI, read from
//! a `func.func`'s MLIR type, and how they print in messages.

use crate::{
    error::{Error, Result},
    naming::{Input, Naming},
};
use melior::ir::{
    Type, TypeLike,
    r#type::{FunctionType, MemRefType, ShapedTypeLike},
};
use std::fmt;

/// A scalar type that crosses the ABI by value.
///
/// Half precision (`f16`, `bf16`) crosses as its 16 bits; complex numbers
/// as two floats, real part first (C99's `_Complex`, Fortran's `complex`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scalar {
    F16,
    BF16,
    F32,
    F64,
    C32,
    C64,
    I32,
    I64,
    Index,
}

impl Scalar {
    const ALL: [Scalar; 9] =
        [Scalar::F16, Scalar::BF16, Scalar::F32, Scalar::F64, Scalar::C32, Scalar::C64, Scalar::I32, Scalar::I64, Scalar::Index];

    /// Size in bytes at the ABI (index is 64-bit on every target zad runs on).
    pub fn size(self) -> usize {
        match self {
            Scalar::F16 | Scalar::BF16 => 2,
            Scalar::F32 | Scalar::I32 => 4,
            Scalar::F64 | Scalar::C32 | Scalar::I64 | Scalar::Index => 8,
            Scalar::C64 => 16,
        }
    }

    /// Alignment in bytes at the ABI (a complex number aligns as its parts).
    pub fn align(self) -> usize {
        match self {
            Scalar::C32 => 4,
            Scalar::C64 => 8,
            other => other.size(),
        }
    }

    /// Whether values of this type carry derivatives (real or complex
    /// floating point).
    pub fn is_float(self) -> bool {
        !matches!(self, Scalar::I32 | Scalar::I64 | Scalar::Index)
    }

    pub fn is_complex(self) -> bool {
        matches!(self, Scalar::C32 | Scalar::C64)
    }

    /// The MLIR spelling.
    pub fn mlir_name(self) -> &'static str {
        match self {
            Scalar::F16 => "f16",
            Scalar::BF16 => "bf16",
            Scalar::F32 => "f32",
            Scalar::F64 => "f64",
            Scalar::C32 => "complex<f32>",
            Scalar::C64 => "complex<f64>",
            Scalar::I32 => "i32",
            Scalar::I64 => "i64",
            Scalar::Index => "index",
        }
    }

    fn from_mlir(ty: Type) -> Option<Scalar> {
        let spelling = ty.to_string();
        Scalar::ALL.into_iter().find(|scalar| scalar.mlir_name() == spelling)
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
    /// Whether the type has the identity layout (no layout, or the
    /// identity map): the array is C order, so its dynamic strides are not
    /// free but follow from its sizes. With a `strided<[...]>` layout each
    /// `?` stride may be anything.
    pub identity_layout: bool,
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

    /// The same memref with a `strided<[?, ...]>` layout (any strides), as
    /// written in MLIR: what to declare to take arrays of any layout.
    pub fn with_any_strides(&self) -> String {
        let dims: String = self.shape.iter().map(|size| size.map_or("?".to_string(), |size| size.to_string()) + "x").collect();
        let strides = vec!["?"; self.rank()].join(", ");
        format!("memref<{dims}{}, strided<[{strides}]>>", self.element.mlir_name())
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

impl ParamType {
    /// The scalar type of its values: itself, or a memref's element type.
    pub fn scalar(&self) -> Scalar {
        match self {
            ParamType::Scalar(scalar) => *scalar,
            ParamType::MemRef(memref) => memref.element,
        }
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamType::Scalar(scalar) => f.write_str(scalar.mlir_name()),
            ParamType::MemRef(memref) => f.write_str(&memref.spelling),
        }
    }
}

/// The ABI view of a function: what it takes and what it returns, and how
/// messages name it and its parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    /// The symbol of the compiled function (for a gradient, one zad made up).
    pub name: String,
    pub inputs: Vec<ParamType>,
    pub results: Vec<ParamType>,
    /// What the function and each input and result are to the user.
    pub naming: Naming,
}

impl Signature {
    /// Reads the signature of function `name` from its MLIR function type.
    /// Types zad cannot pass across the ABI are an `Unsupported` error that
    /// names them.
    pub(crate) fn from_function_type(name: &str, ty: FunctionType) -> Result<Signature> {
        let convert = |ty: Type, what: &str, index: usize| {
            param_type(ty).map_err(|why| {
                Error::Unsupported(format!("function @{name}: {what} {} has type {ty}, {why}", index + 1))
            })
        };
        let inputs: Vec<ParamType> = (0..ty.input_count())
            .map(|i| convert(ty.input(i).expect("index in range"), "argument", i))
            .collect::<Result<_>>()?;
        let results: Vec<ParamType> = (0..ty.result_count())
            .map(|i| convert(ty.result(i).expect("index in range"), "result", i))
            .collect::<Result<_>>()?;
        let naming = Naming::plain(name, inputs.len(), results.len());
        Ok(Signature { name: name.to_string(), inputs, results, naming })
    }

    /// Marks the memref arguments at `indices` as needing contiguous arrays.
    pub(crate) fn require_contiguous(&mut self, indices: impl IntoIterator<Item = usize>) {
        for index in indices {
            if let Some(ParamType::MemRef(memref)) = self.inputs.get_mut(index) {
                memref.contiguous = true;
            }
        }
    }

    /// `(f64, memref<?xf64>) -> (f64)`, for messages; with the argument
    /// names where known: `(%x: f64, the shadow of %x: ...)`.
    pub fn describe(&self) -> String {
        let inputs = self
            .inputs
            .iter()
            .enumerate()
            .map(|(index, ty)| {
                let name = |position: usize| self.naming.arguments.get(position).cloned().flatten();
                let of = |position: usize| name(position).unwrap_or_else(|| format!("argument {}", position + 1));
                match self.naming.inputs.get(index) {
                    Some(Input::Argument(position)) => match name(*position) {
                        Some(name) => format!("{name}: {ty}"),
                        None => ty.to_string(),
                    },
                    Some(Input::Shadow(position)) => format!("shadow of {}: {ty}", of(*position)),
                    Some(Input::Seed(result)) => format!("seed of result {}: {ty}", result + 1),
                    Some(Input::Tangent(position, lane)) => match self.naming.derivative {
                        crate::naming::Derivative::Tangent { width } if width > 1 => {
                            format!("tangent {} of {}: {ty}", lane + 1, of(*position))
                        }
                        _ => format!("tangent of {}: {ty}", of(*position)),
                    },
                    Some(Input::Direction(position)) => format!("direction for {}: {ty}", of(*position)),
                    Some(Input::HvpBuffer(position)) => {
                        format!("Hessian-vector product buffer of {}: {ty}", of(*position))
                    }
                    None => ty.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let results = self.results.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        format!("({inputs}) -> ({results})")
    }
}

/// What zad can pass of `ty`, or why not (a phrase following "has type T, ").
fn param_type(ty: Type) -> Result<ParamType, String> {
    const SUPPORTED: &str =
        "which zad cannot pass across the ABI (supported: f16, bf16, f32, f64, complex<f32>, complex<f64>, i32, i64, \
         index and memrefs of the floating-point and complex ones)";
    if let Some(scalar) = Scalar::from_mlir(ty) {
        return Ok(ParamType::Scalar(scalar));
    }
    let memref = MemRefType::try_from(ty).map_err(|_| SUPPORTED.to_string())?;
    if memref.memory_space().is_some() {
        return Err(SUPPORTED.to_string());
    }
    let element = Scalar::from_mlir(memref.element()).filter(|scalar| scalar.is_float()).ok_or(SUPPORTED)?;
    let rank = memref.rank();
    let shape: Vec<Option<i64>> = (0..rank)
        .map(|i| {
            let size = mlir_dim_size(&memref, i);
            (size >= 0).then_some(size)
        })
        .collect();
    let mut strides = vec![0i64; rank];
    let mut offset = 0i64;
    // SAFETY: `memref` is a valid memref type and `strides` has room for
    // its rank.
    let strided = unsafe {
        mlir_sys::mlirMemRefTypeGetStridesAndOffset(memref.to_raw(), strides.as_mut_ptr(), &mut offset).value != 0
    };
    let is_static = |value: i64| value != i64::MIN;
    // SAFETY: `memref` is a valid memref type.
    let (strided_layout, identity_layout) = unsafe {
        (
            mlir_sys::mlirAttributeIsAStridedLayout(mlir_sys::mlirMemRefTypeGetLayout(memref.to_raw())),
            mlir_sys::mlirAffineMapIsIdentity(mlir_sys::mlirMemRefTypeGetAffineMap(memref.to_raw())),
        )
    };
    // Other layouts (affine maps) make the array's strides a function of
    // its sizes that zad does not evaluate: take them only when that
    // function is constant.
    let fixed = strides.iter().all(|&stride| is_static(stride)) && is_static(offset);
    if !strided || !(strided_layout || identity_layout || fixed) {
        let any = MemRef {
            element,
            shape: shape.clone(),
            strides: vec![None; rank],
            offset: None,
            identity_layout: false,
            contiguous: false,
            spelling: String::new(),
        };
        return Err(format!(
            "whose layout zad cannot check arrays against; declare the layout as strides, e.g. {}",
            any.with_any_strides()
        ));
    }
    Ok(ParamType::MemRef(MemRef {
        element,
        shape,
        strides: strides.into_iter().map(|s| is_static(s).then_some(s)).collect(),
        offset: is_static(offset).then_some(offset),
        identity_layout: identity_layout && !strided_layout,
        contiguous: false,
        spelling: ty.to_string(),
    }))
}

/// A dimension's static size, or a negative number when it is dynamic.
fn mlir_dim_size(memref: &MemRefType, index: usize) -> i64 {
    // SAFETY: `memref` is a valid shaped type and `index` < its rank.
    unsafe { mlir_sys::mlirShapedTypeGetDimSize(memref.to_raw(), index as isize) }
}
