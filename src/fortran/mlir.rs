//! Thin wrappers over MLIR's C API for what melior does not offer: cloning
//! and erasing operations, and identities of values usable as map keys.

use melior::ir::{Operation, OperationRef, Value, ValueLike, operation::OperationLike};

/// A key identifying an SSA value (its address in MLIR) for maps.
pub fn key(value: Value) -> usize {
    value.to_raw().ptr as usize
}

/// A detached copy of `operation` (with its regions), owned by the caller.
pub fn clone_operation<'c>(operation: &OperationRef<'c, '_>) -> Operation<'c> {
    // SAFETY: cloning a valid operation yields a new, detached operation
    // that the returned value owns.
    unsafe { Operation::from_raw(mlir_sys::mlirOperationClone(operation.to_raw())) }
}

/// Removes `operation` from its block and destroys it. Nothing may use its
/// results any more.
pub fn erase(operation: OperationRef) {
    let raw = operation.to_raw();
    // SAFETY: the operation is valid and in a block; once removed from it,
    // it is owned by us and destroyed exactly once, here. The caller
    // guarantees that no use of its results remains.
    unsafe {
        mlir_sys::mlirOperationRemoveFromParent(raw);
        mlir_sys::mlirOperationDestroy(raw);
    }
}

pub use crate::mlir::defining_op;
