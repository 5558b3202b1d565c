//! From a verified module to the LLVM dialect, through MLIR's own passes.

use crate::{
    context::{Shared, describe_location},
    error::{Error, Result},
};
use melior::{
    ir::{
        Attribute, BlockLike, Module,
        operation::{OperationLike, OperationMutLike, WalkOrder, WalkResult},
    },
    pass::PassManager,
    utility::parse_pass_pipeline,
};
use std::{fmt, str::FromStr};

/// A point in the pipeline whose IR `zad emit` can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// As parsed and verified.
    Parsed,
    /// Lowered to the LLVM dialect, as handed to the JIT.
    Llvm,
}

impl Stage {
    pub const ALL: [Stage; 2] = [Stage::Parsed, Stage::Llvm];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Parsed => "parsed",
            Stage::Llvm => "llvm",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Stage {
    type Err = Error;
    fn from_str(name: &str) -> Result<Stage> {
        Stage::ALL.into_iter().find(|stage| stage.name() == name).ok_or_else(|| {
            let names = Stage::ALL.map(Stage::name).join(", ");
            Error::InvalidArgument(format!("unknown stage '{name}' (known stages: {names})"))
        })
    }
}

/// MLIR's passes from func/arith/math/scf/memref/cf to the LLVM dialect.
/// math-to-llvm first (LLVM intrinsics vectorise), math-to-libm for what
/// has no intrinsic (erf, cbrt, atan2, ...).
const TO_LLVM_PIPELINE: &str = "builtin.module(\
    convert-scf-to-cf,\
    convert-math-to-llvm,\
    convert-math-to-libm,\
    expand-strided-metadata,\
    lower-affine,\
    finalize-memref-to-llvm,\
    convert-arith-to-llvm,\
    convert-index-to-llvm,\
    convert-cf-to-llvm,\
    convert-func-to-llvm,\
    reconcile-unrealized-casts)";

/// A deep copy of `ir`, so that lowering leaves the user's module intact.
pub(crate) fn clone_module(ir: &Module<'static>) -> Module<'static> {
    // SAFETY: cloning a valid operation yields a new operation owned by us.
    let operation =
        unsafe { melior::ir::Operation::from_raw(mlir_sys::mlirOperationClone(ir.as_operation().to_raw())) };
    Module::from_operation(operation).expect("a clone of a module is a module")
}

/// Lowers a copy of `ir` to the LLVM dialect, every defined function given a
/// C interface (`_mlir_ciface_<name>`) for the ABI.
pub(crate) fn to_llvm(shared: &Shared, ir: &Module<'static>) -> Result<Module<'static>> {
    reject_unlowered_zad_ops(ir)?;
    let context = shared.mlir();
    let mut lowered = clone_module(ir);
    let mut next = lowered.body().first_operation_mut();
    while let Some(mut operation) = next {
        if operation.name().as_string_ref().as_str() == Ok("func.func") {
            operation.set_discardable_attribute("llvm.emit_c_interface", Attribute::unit(context));
        }
        next = operation.next_in_block_mut();
    }
    shared.take_diagnostics();
    let manager = PassManager::new(context);
    parse_pass_pipeline(manager.as_operation_pass_manager(), TO_LLVM_PIPELINE)
        .map_err(|error| Error::Internal(format!("bad lowering pipeline: {error}")))?;
    manager.run(&mut lowered).map_err(|_| {
        Error::Compile(shared.diagnostic_message("lowering to the LLVM dialect failed"))
    })?;
    Ok(lowered)
}

/// zad ops that no transform of this version lowers are an error naming the
/// op and its location, rather than MLIR's generic legalisation failure.
fn reject_unlowered_zad_ops(ir: &Module<'static>) -> Result<()> {
    let mut found = None;
    ir.as_operation().walk(WalkOrder::PreOrder, |operation| {
        let name = operation.name().as_string_ref().as_str().unwrap_or_default().to_string();
        if name.starts_with("zad.") {
            found = Some(format!("{}: {name}", describe_location(operation.location(), "")));
            return WalkResult::Interrupt;
        }
        WalkResult::Advance
    });
    match found {
        None => Ok(()),
        Some(what) => Err(Error::Unsupported(format!(
            "{what}: this op cannot be compiled yet (the zad transforms that lower it are not part of this build)"
        ))),
    }
}

/// The IR of `ir` at `stage`.
pub(crate) fn emit(shared: &Shared, ir: &Module<'static>, stage: Stage) -> Result<String> {
    Ok(match stage {
        Stage::Parsed => ir.as_operation().to_string(),
        Stage::Llvm => to_llvm(shared, ir)?.as_operation().to_string(),
    })
}
