//! The element types zad differentiates, in one place: what their zero is,
//! how two adjoints add, how a cotangent is conjugated, how many bytes they
//! take and how they travel through a 64-bit tape slot.

use super::{Builder, Type, Val};
use melior::ir::TypeLike;

/// A float or complex scalar type that can carry derivatives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Element {
    F16,
    BF16,
    F32,
    F64,
    /// `complex<f32>`
    Complex32,
    /// `complex<f64>`
    Complex64,
}

impl Element {
    pub const ALL: [Element; 6] =
        [Element::F16, Element::BF16, Element::F32, Element::F64, Element::Complex32, Element::Complex64];

    /// The element type `ty` is, if it is one.
    pub fn of(ty: Type) -> Option<Element> {
        let raw = ty.to_raw();
        // SAFETY: type queries on a valid type.
        unsafe {
            if mlir_sys::mlirTypeIsAComplex(raw) {
                return match Element::of(Type::from_raw(mlir_sys::mlirComplexTypeGetElementType(raw)))? {
                    Element::F32 => Some(Element::Complex32),
                    Element::F64 => Some(Element::Complex64),
                    _ => None,
                };
            }
            if mlir_sys::mlirTypeIsAF64(raw) {
                Some(Element::F64)
            } else if mlir_sys::mlirTypeIsAF32(raw) {
                Some(Element::F32)
            } else if mlir_sys::mlirTypeIsAF16(raw) {
                Some(Element::F16)
            } else if mlir_sys::mlirTypeIsABF16(raw) {
                Some(Element::BF16)
            } else {
                None
            }
        }
    }

    /// The element type of a shaped type (memref, vector), or `ty` itself.
    pub fn of_scalar_or_element(ty: Type) -> Option<Element> {
        if let Ok(memref) = melior::ir::r#type::MemRefType::try_from(ty) {
            return Element::of(melior::ir::r#type::ShapedTypeLike::element(&memref));
        }
        Element::of(ty)
    }

    pub fn mlir_name(self) -> &'static str {
        match self {
            Element::F16 => "f16",
            Element::BF16 => "bf16",
            Element::F32 => "f32",
            Element::F64 => "f64",
            Element::Complex32 => "complex<f32>",
            Element::Complex64 => "complex<f64>",
        }
    }

    pub fn mlir_type(self, builder: &Builder) -> Type {
        builder.parse_type(self.mlir_name()).expect("an element type parses")
    }

    pub fn is_complex(self) -> bool {
        matches!(self, Element::Complex32 | Element::Complex64)
    }

    /// The real type of the components (the type itself for real types).
    pub fn real(self) -> Element {
        match self {
            Element::Complex32 => Element::F32,
            Element::Complex64 => Element::F64,
            real => real,
        }
    }

    pub fn bytes(self) -> usize {
        match self {
            Element::F16 | Element::BF16 => 2,
            Element::F32 => 4,
            Element::F64 | Element::Complex32 => 8,
            Element::Complex64 => 16,
        }
    }

    /// The additive zero.
    pub fn zero(self, builder: &Builder) -> Val {
        let ty = self.mlir_type(builder);
        if self.is_complex() {
            let component = self.real().mlir_name();
            let value = builder.parse_attribute(&format!("[0.0 : {component}, 0.0 : {component}]"));
            builder.value("complex.constant", &[], ty, &[("value", value)])
        } else {
            builder.float(ty, 0.0)
        }
    }

    /// `a + b`, with the fast-math flags given (adjoint sums may reassociate).
    pub fn add(self, builder: &Builder, a: Val, b: Val, fastmath: Option<super::Attribute>) -> Val {
        let name = if self.is_complex() { "complex.add" } else { "arith.addf" };
        match fastmath {
            Some(flags) if !self.is_complex() => builder.binary_fast(name, a, b, flags),
            _ => builder.binary(name, a, b),
        }
    }

    /// The complex conjugate (the value itself for real types): reverse
    /// mode conjugates the derivative of a holomorphic op.
    pub fn conj(self, builder: &Builder, value: Val) -> Val {
        if self.is_complex() { builder.unary("complex.conj", value) } else { value }
    }

    /// How many 64-bit slots a value takes on a tape stack.
    pub fn tape_slots(self) -> usize {
        if self.is_complex() { 2 } else { 1 }
    }

    /// The value's bits in `tape_slots` i64 values.
    pub fn to_slots(self, builder: &Builder, value: Val) -> Vec<Val> {
        if self.is_complex() {
            let real = self.real();
            let ty = real.mlir_type(builder);
            let re = builder.value("complex.re", &[value], ty, &[]);
            let im = builder.value("complex.im", &[value], ty, &[]);
            return vec![real.to_slots(builder, re)[0], real.to_slots(builder, im)[0]];
        }
        let i64_type = builder.integer_type(64);
        let bits = builder.integer_type(8 * self.bytes() as u32);
        let raw = builder.convert("arith.bitcast", value, bits);
        vec![if self == Element::F64 { raw } else { builder.convert("arith.extui", raw, i64_type) }]
    }

    /// The inverse of `to_slots`.
    pub fn from_slots(self, builder: &Builder, slots: &[Val]) -> Val {
        let ty = self.mlir_type(builder);
        if self.is_complex() {
            let real = self.real();
            let re = real.from_slots(builder, &slots[..1]);
            let im = real.from_slots(builder, &slots[1..2]);
            return builder.value("complex.create", &[re, im], ty, &[]);
        }
        let bits = builder.integer_type(8 * self.bytes() as u32);
        let raw = if self == Element::F64 { slots[0] } else { builder.convert("arith.trunci", slots[0], bits) };
        builder.convert("arith.bitcast", raw, ty)
    }
}

/// The element type of a vector or memref type, or `ty` itself.
pub fn element_of(ty: Type) -> Type {
    if ty.is_vector() || ty.is_mem_ref() {
        // SAFETY: vector and memref types are shaped types.
        unsafe { Type::from_raw(mlir_sys::mlirShapedTypeGetElementType(ty.to_raw())) }
    } else {
        ty
    }
}

/// `ty` with its element type replaced by `element`: a vector keeps its
/// shape, any other type becomes `element`.
pub fn with_element(ty: Type, element: Type) -> Type {
    if !ty.is_vector() {
        return element;
    }
    // SAFETY: `ty` is a (shaped) vector type; dimensions are in range.
    let dims: Vec<u64> = unsafe {
        let rank = mlir_sys::mlirShapedTypeGetRank(ty.to_raw());
        (0..rank).map(|d| mlir_sys::mlirShapedTypeGetDimSize(ty.to_raw(), d as isize) as u64).collect()
    };
    Type::vector(&dims, element)
}

/// Whether `ty` is a memref type.
pub fn is_memref(ty: Type) -> bool {
    ty.is_mem_ref()
}

