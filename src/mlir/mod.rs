//! General MLIR helpers that the rest of zad builds on: handles on IR that
//! lives as long as its module, a builder with insertion points, symbol
//! lookup, locations, and the element types zad computes with. This module
//! depends on nothing else of zad (but `error`), so that `module`, `ad`,
//! `lower` and `exec` can all use it without importing each other.
//!
//! Handles: zad transforms a module it owns for the whole transform, so IR
//! handles here carry `'static` lifetimes ([`Val`], [`OpRef`], [`BlockRef`]):
//! they are valid while that module is alive and the IR they name is not
//! erased. The few conversions that establish this are in [`handle`].

mod build;
mod element;
mod symbols;

pub use build::{Builder, ForLoop, IfOp, ParallelLoop, WhileLoop, block_argument, result_of};
pub use element::{Element, element_of, is_memref, with_element};
pub use symbols::{
    clone_module, declare_function, defined_functions, defining_op, describe_location, file_line_col, find_function,
    function, function_type, functions, has_symbol, op_name, symbol_name, UNKNOWN_LOCATION, UNNAMED_BUFFER,
};

/// A value of IR owned by a module being transformed.
pub type Val = melior::ir::Value<'static, 'static>;
/// An operation of a module being transformed.
pub type OpRef = melior::ir::OperationRef<'static, 'static>;
/// A block of a module being transformed.
pub type BlockRef = melior::ir::BlockRef<'static, 'static>;
/// A type, attribute and location of the context.
pub type Type = melior::ir::Type<'static>;
pub type Attribute = melior::ir::Attribute<'static>;
pub type Location = melior::ir::Location<'static>;
pub type Context = melior::Context;

/// Lifetime erasure for IR handles: the one place zad turns borrowed
/// melior handles into `'static` ones.
pub mod handle {
    use super::{BlockRef, OpRef, Val};
    use melior::ir::{BlockLike, ValueLike, operation::OperationLike};

    /// The value as a handle valid while its module lives.
    pub fn value<'c, 'a>(value: impl ValueLike<'c>) -> Val {
        // SAFETY: callers only keep values of a module they own while
        // transforming it; the raw value stays valid until its op is erased.
        unsafe { Val::from_raw(value.to_raw()) }
    }

    /// The op as a handle valid while its module lives.
    pub fn op<'c: 'a, 'a>(op: &impl OperationLike<'c, 'a>) -> OpRef {
        // SAFETY: as for `value`.
        unsafe { OpRef::from_raw(op.to_raw()) }
    }

    /// A mutable handle on `op` (to set operands, attributes, location).
    pub fn op_mut(op: OpRef) -> melior::ir::operation::OperationRefMut<'static, 'static> {
        // SAFETY: as for `value`; zad's transforms are single-threaded and
        // hold no other reference into the op while they change it.
        unsafe { melior::ir::operation::OperationRefMut::from_raw(op.to_raw()) }
    }

    /// Erases `op`, which has no uses left and is not used again.
    pub fn erase(op: OpRef) {
        // SAFETY: the caller no longer uses `op` or its results; destroying
        // an op unlinks it from its block.
        unsafe { mlir_sys::mlirOperationDestroy(op.to_raw()) }
    }

    /// Makes every use of `old` a use of `new` (of the same type).
    pub fn replace_uses(old: Val, new: Val) {
        // SAFETY: both values are live values of one module being
        // transformed; MLIR rewrites the use lists.
        unsafe { mlir_sys::mlirValueReplaceAllUsesOfWith(old.to_raw(), new.to_raw()) }
    }

    /// Moves `op` (with its regions) right before `before`, possibly into
    /// another block.
    pub fn move_before(op: OpRef, before: OpRef) {
        // SAFETY: both ops are live ops of one module; MLIR unlinks `op`
        // from its block and links it before `before`.
        unsafe { mlir_sys::mlirOperationMoveBefore(op.to_raw(), before.to_raw()) }
    }

    /// The block as a handle valid while its module lives.
    pub fn block<'c: 'a, 'a>(block: &impl BlockLike<'c, 'a>) -> BlockRef {
        // SAFETY: as for `value`.
        unsafe { BlockRef::from_raw(block.to_raw()) }
    }
}
