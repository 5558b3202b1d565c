//! Upstream hazards: input known to crash MLIR's own passes in the pipeline
//! zad runs (MLIR 22). A crash there would kill the host process, so such
//! input is rejected before lowering with an error naming the op, its
//! location and why.
//!
//! One entry per hazard in [`HAZARDS`]; each has a test in
//! `tests/integration/host.rs` (`every_upstream_hazard_is_a_clean_error`)
//! that feeds zad the crashing input, and says how to reproduce the crash
//! with MLIR's own tools.

use crate::{
    context::describe_location,
    error::{Error, Result},
};
use melior::ir::{
    Module, OperationRef, ValueLike,
    operation::{OperationLike, WalkOrder, WalkResult},
    r#type::{DimSize, MemRefType, ShapedTypeLike},
};

/// An input that crashes an upstream pass.
pub struct Hazard {
    /// The op it concerns.
    pub op: &'static str,
    /// The pass that crashes, and on what; how to write the kernel instead.
    pub why: &'static str,
    /// Whether `operation` (named `op`) is such an input.
    detect: fn(&OperationRef) -> bool,
}

pub const HAZARDS: &[Hazard] = &[Hazard {
    op: "memref.expand_shape",
    why: "MLIR 22's expand-strided-metadata pass crashes on an expand_shape that gives one source dimension \
          two or more dynamic output sizes (reproduce: mlir-opt --expand-strided-metadata); give all but one \
          of them static sizes, or index the source directly",
    detect: expand_shape_with_two_dynamic_sizes_in_a_group,
}];

/// Rejects `ir` if any op in it is a known hazard.
pub(crate) fn reject(ir: &Module<'static>) -> Result<()> {
    let mut found = None;
    ir.as_operation().walk(WalkOrder::PreOrder, |operation| {
        let name = operation.name().as_string_ref().as_str().unwrap_or_default().to_string();
        if let Some(hazard) = HAZARDS.iter().find(|hazard| hazard.op == name && (hazard.detect)(&operation)) {
            found = Some(format!("{}: {}: {}", describe_location(operation.location(), ""), hazard.op, hazard.why));
            return WalkResult::Interrupt;
        }
        WalkResult::Advance
    });
    found.map_or(Ok(()), |message| Err(Error::Unsupported(message)))
}

fn expand_shape_with_two_dynamic_sizes_in_a_group(operation: &OperationRef) -> bool {
    let Some(result) = operation.result(0).ok().and_then(|result| MemRefType::try_from(result.r#type()).ok()) else {
        return false;
    };
    let Ok(reassociation) = operation.attribute("reassociation") else { return false };
    let text = reassociation.to_string();
    super::checks::reassociation_groups(&text).iter().any(|group| {
        group.iter().filter(|&&dimension| matches!(result.dim_size(dimension), Ok(DimSize::Dynamic))).count() >= 2
    })
}
