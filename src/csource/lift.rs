//! Structuring the converted functions: MLIR's `lift-cf-to-scf` turns
//! their branches (C's for, while, do-while, if/else, break, continue and
//! early returns) into `scf.while` and `scf.if`. The values it makes up for
//! paths that never read them (`ub.poison`) become zeros, which zad
//! differentiates; a multi-way switch it would need (`scf.index_switch`)
//! is refused. Loops whose exit is decided inside their body are rotated
//! (`rotate`).

use crate::mlir::{describe_location, op_name, symbol_name};
use melior::{
    Context,
    dialect::arith,
    ir::{
        Attribute, BlockLike, Module, OperationRef, TypeLike, ValueLike,
        operation::{OperationLike, OperationPrintingFlags, WalkOrder, WalkResult},
    },
    pass::PassManager,
    utility::parse_pass_pipeline,
};

/// Lifts `text` (a module of func/cf functions): the result as text, or
/// the functions that cannot be structured (name, message). An error is
/// a failure of the whole module; `diagnostics` gives what MLIR said.
pub fn lift(
    context: &Context,
    text: &str,
    file: &str,
    diagnostics: impl Fn() -> String,
) -> Result<Result<String, Vec<(String, String)>>, String> {
    let mut module = Module::parse(context, text)
        .ok_or_else(|| format!("internal error: the MLIR zad generated for {file} does not parse: {}", diagnostics()))?;
    let manager = PassManager::new(context);
    parse_pass_pipeline(manager.as_operation_pass_manager(), "builtin.module(lift-cf-to-scf,canonicalize,cse)")
        .map_err(|error| format!("bad pass pipeline: {error}"))?;
    manager.run(&mut module).map_err(|_| {
        format!("{file}: the control flow of a function cannot be structured into loops and branches: {}", diagnostics())
    })?;
    super::rotate::rotate_loops(context, &module)?;
    if !module.as_operation().verify() {
        return Err(format!("internal error: the rotated loops of {file} do not verify: {}", diagnostics()));
    }
    let manager = PassManager::new(context);
    parse_pass_pipeline(manager.as_operation_pass_manager(), "builtin.module(canonicalize,cse)")
        .map_err(|error| format!("bad pass pipeline: {error}"))?;
    manager.run(&mut module).map_err(|_| format!("{file}: cannot simplify the structured loops: {}", diagnostics()))?;
    // Functions whose lifted form needs a multi-way switch, by name.
    let mut refused: Vec<(String, String)> = Vec::new();
    module.as_operation().walk(WalkOrder::PreOrder, |op| {
        if op_name(&op) == "scf.index_switch" {
            let function = std::iter::successors(op.parent_operation(), |parent| parent.parent_operation())
                .find(|parent| op_name(parent) == "func.func");
            let name = function.and_then(|f| symbol_name(&f)).unwrap_or_default();
            if !refused.iter().any(|(known, _)| *known == name) {
                refused.push((
                    name,
                    format!(
                        "{}: error: control flow that leaves a loop in several different ways that cannot be merged \
                         (a goto into or out of a loop, or break and return from the same loop) is not supported: \
                         let the loop end, then branch",
                        describe_location(op.location(), file)
                    ),
                ));
            }
        }
        WalkResult::Advance
    });
    if !refused.is_empty() {
        return Ok(Err(refused));
    }
    replace_poison(context, &module)?;
    let printed = module
        .as_operation()
        .to_string_with_flags(OperationPrintingFlags::new().enable_debug_info(true, false))
        .map_err(|error| format!("cannot print the lifted module: {error}"))?;
    Ok(Ok(printed))
}

/// Each `ub.poison` (`%x = ub.poison : f64`) becomes a zero of its type
/// (`arith.constant 0.0 : f64`): a value on a path that never reads it,
/// which zad must still differentiate.
fn replace_poison(context: &Context, module: &Module) -> Result<(), String> {
    let mut poisons = Vec::new();
    module.as_operation().walk(WalkOrder::PreOrder, |op| {
        if op_name(&op) == "ub.poison" {
            poisons.push(op.to_raw());
        }
        WalkResult::Advance
    });
    for raw in poisons {
        // SAFETY: a live op of the module; each is replaced (and
        // destroyed) once, after the walk.
        let op = unsafe { OperationRef::from_raw(raw) };
        let result = op.result(0).map_err(|error| format!("internal error: ub.poison without a result: {error}"))?;
        let ty = result.r#type();
        let zero = if ty.is_f64() || ty.is_f32() || ty.is_f16() { "0.0" } else { "0" };
        let zero = Attribute::parse(context, &format!("{zero} : {ty}"))
            .ok_or_else(|| format!("internal error: no zero of type {ty} to replace ub.poison with"))?;
        let block = op.block().expect("a ub.poison op is in a block");
        let constant = block.insert_operation_before(op, arith::constant(context, zero, op.location()));
        let constant = constant.result(0).expect("arith.constant has a result");
        // SAFETY: both values are live; the poison op has no uses left
        // once they are replaced, and is destroyed exactly once, here.
        unsafe {
            mlir_sys::mlirValueReplaceAllUsesOfWith(result.to_raw(), constant.to_raw());
            mlir_sys::mlirOperationRemoveFromParent(raw);
            mlir_sys::mlirOperationDestroy(raw);
        }
    }
    Ok(())
}
