//! From a verified module to the LLVM dialect, through MLIR's own passes.

mod checks;
pub mod hazards;

use crate::{
    context::{Shared, describe_location},
    error::{Error, Result},
    exec::is_runtime_symbol,
};
use melior::{
    ir::{
        Attribute, BlockLike, Module, ValueLike,
        operation::{OperationLike, OperationMutLike, WalkOrder, WalkResult},
    },
    pass::PassManager,
    utility::parse_pass_pipeline,
};
use std::{fmt, str::FromStr};

mod expand_math;
pub(crate) use expand_math::expand_math_ops;

/// A point in the pipeline whose IR `zad emit` can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// As parsed and verified.
    Parsed,
    /// The adjoint functions reverse mode generates for one function.
    Adjoint,
    /// Lowered to the LLVM dialect, as handed to the JIT.
    Llvm,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::Parsed, Stage::Adjoint, Stage::Llvm];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Parsed => "parsed",
            Stage::Adjoint => "adjoint",
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
    convert-math-to-funcs{min-width-of-fpowi-exponent=65},\
    convert-math-to-llvm{approximate-log1p=false},\
    convert-math-to-libm,\
    expand-strided-metadata,\
    lower-affine,\
    finalize-memref-to-llvm{use-generic-functions=true},\
    convert-arith-to-llvm,\
    convert-index-to-llvm,\
    convert-cf-to-llvm,\
    convert-func-to-llvm,\
    reconcile-unrealized-casts)";

/// Removes from `module` every function that `keep` does not reach through
/// calls: a gradient's module holds the user's whole module, and compiling
/// functions nothing calls costs LLVM time for nothing.
pub(crate) fn keep_only_reachable(shared: &Shared, module: &mut Module<'static>, keep: &str) -> Result<()> {
    let context = shared.mlir();
    let private = Attribute::parse(context, "\"private\"").ok_or_else(|| Error::Internal("a visibility attribute".into()))?;
    let mut next = module.body().first_operation_mut();
    while let Some(mut operation) = next {
        let is_other_function = operation.name().as_string_ref().as_str() == Ok("func.func")
            && crate::module::symbol_name(&operation).is_some_and(|name| name != keep);
        if is_other_function {
            operation.set_inherent_attribute("sym_visibility", private);
        }
        next = operation.next_in_block_mut();
    }
    shared.take_diagnostics();
    let manager = PassManager::new(context);
    parse_pass_pipeline(manager.as_operation_pass_manager(), "builtin.module(symbol-dce)")
        .map_err(|error| Error::Internal(format!("bad pruning pipeline: {error}")))?;
    manager.run(module).map_err(|_| Error::Internal(shared.diagnostic_message("removing unused functions failed")))
}

/// A deep copy of `ir`, so that lowering leaves the user's module intact.
pub(crate) fn clone_module(ir: &Module<'static>) -> Module<'static> {
    // SAFETY: cloning a valid operation yields a new operation owned by us.
    let operation =
        unsafe { melior::ir::Operation::from_raw(mlir_sys::mlirOperationClone(ir.as_operation().to_raw())) };
    Module::from_operation(operation).expect("a clone of a module is a module")
}

/// Lowers a copy of `ir` to the LLVM dialect, every defined function given a
/// C interface (`_mlir_ciface_<name>`) for the ABI.
pub(crate) fn to_llvm(shared: &Shared, ir: &Module<'static>, check_bounds: bool) -> Result<Module<'static>> {
    reject_unlowered_zad_ops(ir)?;
    hazards::reject(ir)?;
    let context = shared.mlir();
    let mut lowered = clone_module(ir);
    checks::insert(context, &mut lowered, check_bounds)?;
    // Every function gets MLIR's C interface: those with a body for the ABI,
    // the foreign ones (declarations) because that is how zad calls them
    // (see `foreign`). zad's run-time functions, and the libm functions
    // declared below, keep the plain C convention.
    let mut next = lowered.body().first_operation_mut();
    while let Some(mut operation) = next {
        let name = operation
            .attribute("sym_name")
            .ok()
            .and_then(|name| melior::ir::attribute::StringAttribute::try_from(name).ok())
            .map(|name| name.value().to_string());
        if operation.name().as_string_ref().as_str() == Ok("func.func")
            && name.is_some_and(|name| !is_runtime_symbol(&name))
        {
            operation.set_discardable_attribute("llvm.emit_c_interface", Attribute::unit(context));
        }
        next = operation.next_in_block_mut();
    }
    expand_math_ops(context, &mut lowered)?;
    replace_math_ops(context, &mut lowered)?;
    shared.take_diagnostics();
    let manager = PassManager::new(context);
    parse_pass_pipeline(manager.as_operation_pass_manager(), TO_LLVM_PIPELINE)
        .map_err(|error| Error::Internal(format!("bad lowering pipeline: {error}")))?;
    manager.run(&mut lowered).map_err(|_| {
        Error::Compile(shared.diagnostic_message("lowering to the LLVM dialect failed"))
    })?;
    mark_allocations_noalias(context, &mut lowered)?;
    mark_trap_cold(context, &mut lowered)?;
    Ok(lowered)
}

/// The allocation functions `memref.alloc` calls (zad's, see
/// `exec::memory`), declared to return memory nothing else points to, as
/// LLVM knows of malloc: without this, every pair of buffers a kernel
/// allocates may alias for LLVM, and loops touching several of them (an
/// adjoint's shadows and tapes) are not vectorised.
const ALLOCATION_FUNCTIONS: [&str; 2] = ["_mlir_memref_to_llvm_alloc", "_mlir_memref_to_llvm_aligned_alloc"];

fn mark_allocations_noalias(context: &'static melior::Context, module: &mut Module<'static>) -> Result<()> {
    let noalias = Attribute::parse(context, "[{llvm.noalias}]")
        .ok_or_else(|| Error::Internal("cannot parse the noalias result attribute".into()))?;
    let mut next = module.body().first_operation_mut();
    while let Some(mut operation) = next {
        let is_allocation = operation.name().as_string_ref().as_str() == Ok("llvm.func")
            && operation
                .attribute("sym_name")
                .ok()
                .and_then(|name| melior::ir::attribute::StringAttribute::try_from(name).ok())
                .is_some_and(|name| ALLOCATION_FUNCTIONS.contains(&name.value()));
        if is_allocation {
            operation.set_inherent_attribute("res_attrs", noalias);
        }
        next = operation.next_in_block_mut();
    }
    Ok(())
}

/// `zad_trap` never returns and is called only when a check fails: telling
/// LLVM so keeps the checks' branches out of the way of the hot code.
fn mark_trap_cold(context: &'static melior::Context, module: &mut Module<'static>) -> Result<()> {
    let attributes = Attribute::parse(context, r#"["noreturn", "cold", "nounwind"]"#)
        .ok_or_else(|| Error::Internal("cannot parse the passthrough attribute".into()))?;
    let mut next = module.body().first_operation_mut();
    while let Some(mut operation) = next {
        if operation.name().as_string_ref().as_str() == Ok("llvm.func")
            && operation
                .attribute("sym_name")
                .ok()
                .and_then(|name| melior::ir::attribute::StringAttribute::try_from(name).ok())
                .is_some_and(|name| name.value() == "zad_trap")
        {
            operation.set_inherent_attribute("passthrough", attributes);
        }
        next = operation.next_in_block_mut();
    }
    Ok(())
}

/// Math ops replaced by calls before lowering, with the function to call
/// per element type (none: that type is left to MLIR's lowering):
/// - expm1, which MLIR's math-to-llvm expands into `exp(x) - 1` (inaccurate
///   near zero): libm's instead (log1p is handled by the pass's option);
/// - exp on f64, which LLVM can only call libm for, one element at a time:
///   zad's own in plain arithmetic (`exp_f64.mlir`), which LLVM inlines and
///   vectorises, as accurate as libm's.
const REPLACED_MATH_OPS: &[Replacement] = &[
    Replacement { op: "math.expm1", f64_callee: Some("expm1"), f32_callee: Some("expm1f") },
    Replacement { op: "math.exp", f64_callee: Some(ZAD_EXP_F64), f32_callee: None },
];

struct Replacement {
    op: &'static str,
    f64_callee: Option<&'static str>,
    f32_callee: Option<&'static str>,
}

impl Replacement {
    fn callees(&self) -> impl Iterator<Item = &'static str> {
        self.f64_callee.into_iter().chain(self.f32_callee)
    }
}

const ZAD_EXP_F64: &str = "__zad_exp_f64";

/// The function `callee` (of type `ty` -> `ty`) to add to a module: zad's
/// own definition, or the declaration of a libm function.
fn callee_text(callee: &str, ty: &str) -> String {
    match callee {
        ZAD_EXP_F64 => include_str!("exp_f64.mlir").to_string(),
        _ => format!("func.func private @{callee}({ty}) -> {ty}"),
    }
}

/// Replaces the ops of `REPLACED_MATH_OPS` with calls, adding the functions
/// called.
fn replace_math_ops(context: &'static melior::Context, module: &mut Module<'static>) -> Result<()> {
    let mut found: Vec<(mlir_sys::MlirOperation, &'static str)> = Vec::new();
    module.as_operation().walk(WalkOrder::PreOrder, |operation| {
        let name = operation.name().as_string_ref().as_str().unwrap_or_default().to_string();
        if let Some(replacement) = REPLACED_MATH_OPS.iter().find(|replacement| replacement.op == name) {
            let ty = operation.result(0).map(|r| r.r#type().to_string()).unwrap_or_default();
            let callee = match ty.as_str() {
                "f64" => replacement.f64_callee,
                "f32" => replacement.f32_callee,
                _ => None,
            };
            if let Some(callee) = callee {
                found.push((operation.to_raw(), callee));
            }
        }
        WalkResult::Advance
    });
    // Functions the module itself already declares or defines.
    let mut declared: Vec<&str> = REPLACED_MATH_OPS
        .iter()
        .flat_map(Replacement::callees)
        .filter(|name| crate::module::find_symbol(module, name))
        .collect();
    for (raw, callee) in found {
        // SAFETY: `raw` is a live op of `module` (collected above, and each
        // is erased only once, below); the values and types come from it.
        unsafe {
            let operation = melior::ir::OperationRef::from_raw(raw);
            let operand = operation.operand(0).map_err(|e| Error::Internal(e.to_string()))?;
            let result = operation.result(0).map_err(|e| Error::Internal(e.to_string()))?;
            let ty = result.r#type();
            let call = melior::ir::operation::OperationBuilder::new("func.call", operation.location())
                .add_attributes(&[(
                    melior::ir::Identifier::new(context, "callee"),
                    melior::ir::attribute::FlatSymbolRefAttribute::new(context, callee).into(),
                )])
                .add_operands(&[operand])
                .add_results(&[ty])
                .build()
                .map_err(|e| Error::Internal(e.to_string()))?;
            let call = call.into_raw();
            mlir_sys::mlirBlockInsertOwnedOperationBefore(mlir_sys::mlirOperationGetBlock(raw), raw, call);
            mlir_sys::mlirValueReplaceAllUsesOfWith(result.to_raw(), mlir_sys::mlirOperationGetResult(call, 0));
            mlir_sys::mlirOperationDestroy(raw);
            if !declared.contains(&callee) {
                declared.push(callee);
                let ty = ty.to_string();
                let parsed = Module::parse(context, &callee_text(callee, &ty))
                    .ok_or_else(|| Error::Internal(format!("cannot declare {callee}")))?;
                let function = parsed.body().first_operation().ok_or_else(|| Error::Internal("empty declaration".into()))?;
                let copy = mlir_sys::mlirOperationClone(function.to_raw());
                mlir_sys::mlirBlockAppendOwnedOperation(module.body().to_raw(), copy);
            }
        }
    }
    Ok(())
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
pub(crate) fn emit(shared: &Shared, ir: &Module<'static>, stage: Stage, check_bounds: bool) -> Result<String> {
    Ok(match stage {
        Stage::Parsed => ir.as_operation().to_string(),
        Stage::Llvm => to_llvm(shared, ir, check_bounds)?.as_operation().to_string(),
        Stage::Adjoint => {
            return Err(Error::InvalidArgument("the adjoint stage is per function: use Module::adjoint_text".into()));
        }
    })
}
