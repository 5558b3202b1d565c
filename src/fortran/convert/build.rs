//! Creating ops in the generated function: constants, index arithmetic with
//! a little folding, casts between scalar types, memory access.

use super::{
    Failure, Translator,
    arrays::Position,
    values::{Order, Place, Storage},
};
use crate::fortran::{fir_type::Scalar, mlir};
use melior::ir::{
    Attribute, BlockLike, Identifier, Location, Operation, OperationRef, Type, Value, ValueLike,
    attribute::{FloatAttribute, IntegerAttribute},
    operation::{OperationBuilder, OperationLike},
    r#type::IntegerType,
};

impl<'c, 'm, 'f> Translator<'c, 'm, 'f> {
    /// Inserts `operation` at the insertion point (see `Position`).
    pub(super) fn append(&mut self, operation: Operation<'c>) -> OperationRef<'c, 'm> {
        let inserted = match self.position {
            Position::End => self.block.append_operation(operation),
            Position::Start => self.block.insert_operation(0, operation),
            Position::After(anchor) => self.block.insert_operation_after(anchor, operation),
        };
        if !matches!(self.position, Position::End) {
            self.position = Position::After(inserted);
        }
        inserted
    }

    /// Builds and appends an op with one result.
    pub(super) fn op1(
        &mut self,
        name: &str,
        operands: &[Value<'c, 'm>],
        result: Type<'c>,
        attributes: &[(&str, Attribute<'c>)],
        location: Location<'c>,
    ) -> Value<'c, 'm> {
        let attributes: Vec<_> =
            attributes.iter().map(|(name, value)| (Identifier::new(self.context, name), *value)).collect();
        let operation = OperationBuilder::new(name, location)
            .add_operands(operands)
            .add_results(&[result])
            .add_attributes(&attributes)
            .build()
            .unwrap_or_else(|error| panic!("building {name}: {error}"));
        self.append(operation).result(0).expect("one result").into()
    }

    /// Builds and appends an op without results.
    pub(super) fn op0(&mut self, name: &str, operands: &[Value<'c, 'm>], location: Location<'c>) {
        let operation = OperationBuilder::new(name, location)
            .add_operands(operands)
            .build()
            .unwrap_or_else(|error| panic!("building {name}: {error}"));
        self.append(operation);
    }

    pub(super) fn ty(&self, scalar: Scalar) -> Type<'c> {
        match scalar {
            Scalar::F32 => Type::float32(self.context),
            Scalar::F64 => Type::float64(self.context),
            Scalar::Index => Type::index(self.context),
            Scalar::Int(bits) => IntegerType::new(self.context, bits).into(),
            Scalar::Logical(kind) => IntegerType::new(self.context, kind * 8).into(),
        }
    }

    pub(super) fn index_type(&self) -> Type<'c> {
        Type::index(self.context)
    }

    /// An integer (or index) constant.
    pub(super) fn int_const(&mut self, scalar: Scalar, value: i64, location: Location<'c>) -> Value<'c, 'm> {
        let ty = self.ty(scalar);
        let attribute = IntegerAttribute::new(ty, value).into();
        self.op1("arith.constant", &[], ty, &[("value", attribute)], location)
    }

    pub(super) fn index_const(&mut self, value: i64, location: Location<'c>) -> Value<'c, 'm> {
        self.int_const(Scalar::Index, value, location)
    }

    pub(super) fn float_const(&mut self, scalar: Scalar, value: f64, location: Location<'c>) -> Value<'c, 'm> {
        let ty = self.ty(scalar);
        let attribute = FloatAttribute::new(self.context, ty, value).into();
        self.op1("arith.constant", &[], ty, &[("value", attribute)], location)
    }

    /// A zero of `scalar`'s type.
    pub(super) fn zero(&mut self, scalar: Scalar, location: Location<'c>) -> Value<'c, 'm> {
        if scalar.is_float() { self.float_const(scalar, 0.0, location) } else { self.int_const(scalar, 0, location) }
    }

    /// The value of an integer constant, if `value` is one.
    pub(super) fn constant_of(value: Value<'c, 'm>) -> Option<i64> {
        let op = mlir::defining_op(value)?;
        if op.name().as_string_ref().as_str() != Ok("arith.constant") {
            return None;
        }
        IntegerAttribute::try_from(op.attribute("value").ok()?).ok().map(|a| a.value())
    }

    fn index_binary(&mut self, name: &str, a: Value<'c, 'm>, b: Value<'c, 'm>, location: Location<'c>) -> Value<'c, 'm> {
        let ty = self.index_type();
        self.op1(name, &[a, b], ty, &[], location)
    }

    /// `a + b` on indices, folding zeros.
    pub(super) fn add(&mut self, a: Value<'c, 'm>, b: Value<'c, 'm>, location: Location<'c>) -> Value<'c, 'm> {
        match (Self::constant_of(a), Self::constant_of(b)) {
            (Some(0), _) => b,
            (_, Some(0)) => a,
            (Some(x), Some(y)) => self.index_const(x + y, location),
            _ => self.index_binary("arith.addi", a, b, location),
        }
    }

    /// `a - b` on indices, folding zeros.
    pub(super) fn sub(&mut self, a: Value<'c, 'm>, b: Value<'c, 'm>, location: Location<'c>) -> Value<'c, 'm> {
        match (Self::constant_of(a), Self::constant_of(b)) {
            (_, Some(0)) => a,
            (Some(x), Some(y)) => self.index_const(x - y, location),
            _ if a == b => self.index_const(0, location),
            _ => self.index_binary("arith.subi", a, b, location),
        }
    }

    /// `a * b` on indices, folding ones and zeros.
    pub(super) fn mul(&mut self, a: Value<'c, 'm>, b: Value<'c, 'm>, location: Location<'c>) -> Value<'c, 'm> {
        match (Self::constant_of(a), Self::constant_of(b)) {
            (Some(1), _) => b,
            (_, Some(1)) => a,
            (Some(0), _) | (_, Some(0)) => self.index_const(0, location),
            (Some(x), Some(y)) => self.index_const(x * y, location),
            _ => self.index_binary("arith.muli", a, b, location),
        }
    }

    pub(super) fn max(&mut self, a: Value<'c, 'm>, b: Value<'c, 'm>, location: Location<'c>) -> Value<'c, 'm> {
        self.index_binary("arith.maxsi", a, b, location)
    }

    pub(super) fn div(&mut self, a: Value<'c, 'm>, b: Value<'c, 'm>, location: Location<'c>) -> Value<'c, 'm> {
        match Self::constant_of(b) {
            Some(1) => a,
            _ => self.index_binary("arith.divsi", a, b, location),
        }
    }

    /// An `arith.cmpi` with a predicate by name (eq, ne, slt, sle, sgt, sge).
    pub(super) fn cmpi(&mut self, predicate: &str, a: Value<'c, 'm>, b: Value<'c, 'm>, location: Location<'c>) -> Value<'c, 'm> {
        let code = ["eq", "ne", "slt", "sle", "sgt", "sge"].iter().position(|p| *p == predicate).expect("predicate");
        let i64_type = IntegerType::new(self.context, 64).into();
        let attribute = IntegerAttribute::new(i64_type, code as i64).into();
        let i1 = self.ty(Scalar::Int(1));
        self.op1("arith.cmpi", &[a, b], i1, &[("predicate", attribute)], location)
    }

    pub(super) fn select(&mut self, condition: Value<'c, 'm>, a: Value<'c, 'm>, b: Value<'c, 'm>, location: Location<'c>) -> Value<'c, 'm> {
        let ty = a.r#type();
        self.op1("arith.select", &[condition, a, b], ty, &[], location)
    }

    /// Converts `value` from `from` to `to` as Fortran does (integers sign
    /// extended or truncated, reals to integers truncated toward zero,
    /// logicals to i1 by testing for non-zero).
    pub(super) fn cast(&mut self, value: Value<'c, 'm>, from: Scalar, to: Scalar, location: Location<'c>) -> Value<'c, 'm> {
        use Scalar::*;
        let from = if let Logical(kind) = from { if to == Int(1) { return self.logical_to_i1(value, kind, location) } else { Int(kind * 8) } } else { from };
        let to_ty = self.ty(to);
        let to = if let Logical(kind) = to { Int(kind * 8) } else { to };
        match (from, to) {
            (a, b) if a == b => value,
            (Int(1), Int(_)) => self.op1("arith.extui", &[value], to_ty, &[], location),
            (Int(a), Int(b)) if a < b => self.op1("arith.extsi", &[value], to_ty, &[], location),
            (Int(_), Int(_)) => self.op1("arith.trunci", &[value], to_ty, &[], location),
            (Int(1), Index) => {
                let i64_value = self.cast(value, Int(1), Int(64), location);
                self.op1("arith.index_cast", &[i64_value], to_ty, &[], location)
            }
            (Int(_), Index) => self.op1("arith.index_cast", &[value], to_ty, &[], location),
            (Index, Int(_)) => self.op1("arith.index_cast", &[value], to_ty, &[], location),
            (F32, F64) => self.op1("arith.extf", &[value], to_ty, &[], location),
            (F64, F32) => self.op1("arith.truncf", &[value], to_ty, &[], location),
            (Int(1), F32 | F64) => self.op1("arith.uitofp", &[value], to_ty, &[], location),
            (Int(_), F32 | F64) => self.op1("arith.sitofp", &[value], to_ty, &[], location),
            (Index, F32 | F64) => {
                let i64_value = self.cast(value, Index, Int(64), location);
                self.op1("arith.sitofp", &[i64_value], to_ty, &[], location)
            }
            (F32 | F64, Int(_)) => self.op1("arith.fptosi", &[value], to_ty, &[], location),
            (F32 | F64, Index) => {
                let i64_value = self.cast(value, from, Int(64), location);
                self.op1("arith.index_cast", &[i64_value], to_ty, &[], location)
            }
            (from, to) => unreachable!("cast from {from:?} to {to:?}"),
        }
    }

    fn logical_to_i1(&mut self, value: Value<'c, 'm>, kind: u32, location: Location<'c>) -> Value<'c, 'm> {
        let zero = self.int_const(Scalar::Int(kind * 8), 0, location);
        self.cmpi("ne", value, zero, location)
    }

    /// The MLIR type of a buffer of `element` with `extents` (Fortran
    /// order, None where dynamic) laid out as `order` says.
    pub(super) fn memref_type(&self, element: Scalar, extents: &[Option<i64>], order: Order) -> Type<'c> {
        let dims: Vec<String> = extents.iter().map(|e| e.map_or_else(|| "?".to_string(), |e| e.to_string())).collect();
        let text = match order {
            Order::Reversed => {
                let reversed: Vec<String> = dims.iter().rev().cloned().collect();
                format!("memref<{}{}>", reversed.iter().map(|d| format!("{d}x")).collect::<String>(), element.mlir())
            }
            Order::Fortran if extents.len() <= 1 => {
                format!("memref<{}{}>", dims.iter().map(|d| format!("{d}x")).collect::<String>(), element.mlir())
            }
            Order::Fortran => {
                let strides: Vec<&str> = (0..extents.len()).map(|k| if k == 0 { "1" } else { "?" }).collect();
                format!(
                    "memref<{}{}, strided<[{}]>>",
                    dims.iter().map(|d| format!("{d}x")).collect::<String>(),
                    element.mlir(),
                    strides.join(", ")
                )
            }
        };
        Type::parse(self.context, &text).unwrap_or_else(|| panic!("memref type {text}"))
    }

    /// The memref indices of a place, in the memref's dimension order.
    fn memref_indices(place: &Place<'c, 'm>) -> Vec<Value<'c, 'm>> {
        match place.storage.order {
            Order::Fortran => place.indices.clone(),
            Order::Reversed => place.indices.iter().rev().copied().collect(),
        }
    }

    pub(super) fn load(&mut self, place: &Place<'c, 'm>, location: Location<'c>) -> Value<'c, 'm> {
        let mut operands = vec![place.storage.memref];
        operands.extend(Self::memref_indices(place));
        let ty = self.ty(place.storage.element);
        self.op1("memref.load", &operands, ty, &[], location)
    }

    pub(super) fn store(&mut self, value: Value<'c, 'm>, place: &Place<'c, 'm>, location: Location<'c>) {
        let mut operands = vec![value, place.storage.memref];
        operands.extend(Self::memref_indices(place));
        self.op0("memref.store", &operands, location);
    }

    /// The extent of Fortran dimension `dimension` of a buffer.
    pub(super) fn storage_extent(&mut self, storage: &Storage<'c, 'm>, dimension: usize, location: Location<'c>) -> Value<'c, 'm> {
        let memref_dim = match storage.order {
            Order::Fortran => dimension,
            Order::Reversed => storage.rank - 1 - dimension,
        };
        let index = self.index_const(memref_dim as i64, location);
        let ty = self.index_type();
        self.op1("memref.dim", &[storage.memref, index], ty, &[], location)
    }

    /// An error at `location`.
    pub(super) fn fail(&self, location: Location<'c>, message: impl Into<String>) -> Failure {
        Failure::new(location, message)
    }
}
