//! Inlining before differentiation: calls in the functions to be
//! differentiated are replaced by the callee's body, so that each callee is
//! differentiated with the activity of its call site and the optimiser sees
//! one body.
//!
//! Only the functions that will be differentiated are inlined into, and
//! each call copies the callee's original body (the calls in that copy are
//! then inlined in turn). The work is linear in the size of the result;
//! MLIR's `inline` pass, which works bottom-up over the whole module,
//! inlines every function into every caller and costs the square of the
//! depth of a call chain.
//!
//! Calls stay calls when they are marked `no_inline` (checkpointed calls),
//! when the callee has a custom derivative (`zad.adjoint`, `zad.tangent`,
//! `zad.forward`), when the callee is recursive (in a cycle of the call graph; such callees
//! get adjoints of their own), or when the callee has no body or several
//! blocks (reported by the transform if it matters).

use crate::error::{Error, Result};
use melior::ir::{
    BlockLike, BlockRef, Module, OperationRef, RegionLike, Value, ValueLike,
    operation::{OperationLike, OperationMutLike, WalkOrder, WalkResult},
};
use mlir_sys::{MlirOperation, MlirValue};
use std::collections::{HashMap, HashSet};

/// Inlines calls into `roots` (function names) and into every function
/// that stays called from them (recursive or checkpointed callees), which
/// the transform differentiates too.
pub(crate) fn inline_into(module: &mut Module<'static>, roots: &[String]) -> Result<()> {
    let functions = function_table(module);
    let recursive = recursive_functions(&functions);
    let mut done: HashSet<String> = HashSet::new();
    let mut pending: Vec<String> = roots.to_vec();
    while let Some(name) = pending.pop() {
        if !done.insert(name.clone()) {
            continue;
        }
        let Some(&function) = functions.get(&name) else { continue };
        for callee in inline_calls(function, &functions, &recursive, &|_| true)? {
            if !done.contains(&callee) {
                pending.push(callee);
            }
        }
    }
    Ok(())
}

/// Inlines into each of `functions` the calls of the derivatives zad
/// generated for it (an expanded `zad.gradient` or `zad.tangent` in a
/// function that is differentiated in turn), when they hold no zad op (no
/// tape: those are lowered in generated functions only). The outer
/// derivative then sees what the inner one depends on: a gradient that does
/// not depend on an argument does not make the outer derivative record the
/// loop around it, say.
pub(crate) fn inline_derivatives_into(module: &mut Module<'static>, functions: &[String]) -> Result<()> {
    let table = function_table(module);
    let recursive = recursive_functions(&table);
    let tape_free_derivative = |callee: &str| {
        callee.starts_with("__zad_") && table.get(callee).is_some_and(|&function| !holds_zad_ops(function))
    };
    for name in functions {
        if let Some(&function) = table.get(name) {
            inline_calls(function, &table, &recursive, &tape_free_derivative)?;
        }
    }
    Ok(())
}

fn holds_zad_ops(function: MlirOperation) -> bool {
    // SAFETY: `function` is a live op of the module being transformed.
    let function = unsafe { OperationRef::<'static, 'static>::from_raw(function) };
    let mut found = false;
    function.walk(WalkOrder::PreOrder, |op| {
        found |= op.name().as_string_ref().as_str().is_ok_and(|name| name.starts_with("zad."));
        WalkResult::Advance
    });
    found
}

/// Every `func.func` of the module by name (declarations included).
fn function_table(module: &Module<'static>) -> HashMap<String, MlirOperation> {
    crate::mlir::functions(module).into_iter().map(|(name, op)| (name, op.to_raw())).collect()
}

/// The callee of a `func.call` op.
fn callee_of(op: &OperationRef) -> Option<String> {
    let attribute = op.attribute("callee").ok()?;
    Some(attribute.to_string().trim_start_matches('@').trim_matches('"').to_string())
}

fn calls_in(function: MlirOperation) -> Vec<String> {
    // SAFETY: `function` is a live op of the module being transformed.
    let function = unsafe { OperationRef::from_raw(function) };
    let mut callees = Vec::new();
    function.walk(WalkOrder::PreOrder, |op| {
        if op.name().as_string_ref().as_str() == Ok("func.call")
            && let Some(callee) = callee_of(&op)
        {
            callees.push(callee);
        }
        WalkResult::Advance
    });
    callees
}

/// The functions that lie on a cycle of the call graph (call themselves,
/// directly or through others).
fn recursive_functions(functions: &HashMap<String, MlirOperation>) -> HashSet<String> {
    let edges: HashMap<&str, Vec<String>> =
        functions.iter().map(|(name, &op)| (name.as_str(), calls_in(op))).collect();
    let mut recursive = HashSet::new();
    for start in functions.keys() {
        // Depth-first search from `start`'s callees for `start` itself.
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack: Vec<&str> = edges[start.as_str()].iter().map(String::as_str).collect();
        while let Some(name) = stack.pop() {
            if name == start {
                recursive.insert(start.clone());
                break;
            }
            if seen.insert(name)
                && let Some(next) = edges.get(name)
            {
                stack.extend(next.iter().map(String::as_str));
            }
        }
    }
    recursive
}

/// The body of a function with exactly one block, if it has one.
fn single_block(function: MlirOperation) -> Option<BlockRef<'static, 'static>> {
    // SAFETY: `function` is a live op of the module being transformed.
    let function = unsafe { OperationRef::<'static, 'static>::from_raw(function) };
    let region = function.region(0).ok()?;
    let block = region.first_block()?;
    block.next_in_region().is_none().then_some(block)
}

/// Inlines the calls of `function`, and those of the bodies it copies in,
/// until none is left that may be inlined. Returns the callees that stay
/// called.
fn inline_calls(
    function: MlirOperation,
    functions: &HashMap<String, MlirOperation>,
    recursive: &HashSet<String>,
    may_inline: &dyn Fn(&str) -> bool,
) -> Result<Vec<String>> {
    // SAFETY: `function` is a live op of the module being transformed.
    let root = unsafe { OperationRef::<'static, 'static>::from_raw(function) };
    let mut pending: Vec<MlirOperation> = Vec::new();
    collect_calls(root, &mut pending);
    let mut kept = Vec::new();
    while let Some(call) = pending.pop() {
        // SAFETY: `call` is a live call op: calls are destroyed only here,
        // right after being taken off the list.
        let op = unsafe { OperationRef::<'static, 'static>::from_raw(call) };
        let Some(callee) = callee_of(&op) else { continue };
        // A function with a custom derivative stays a call: the derivative
        // rules call its adjoint or tangent instead of differentiating it.
        let custom = functions.get(&callee).is_some_and(|&function| {
            // SAFETY: `function` is a live op of the module being transformed.
            crate::ad::custom::has_custom_derivative(&unsafe { OperationRef::<'static, 'static>::from_raw(function) })
        });
        let body = functions
            .get(&callee)
            .copied()
            .filter(|_| !recursive.contains(&callee) && !custom)
            .and_then(single_block);
        let inlinable = body.is_some() && may_inline(&callee) && !op.has_attribute("no_inline") && !op.has_attribute("zad.checkpoint");
        match body {
            Some(body) if inlinable => inline_call(op, body, &mut pending)?,
            _ => {
                if !kept.contains(&callee) {
                    kept.push(callee);
                }
            }
        }
    }
    Ok(kept)
}

fn collect_calls(op: OperationRef<'static, 'static>, calls: &mut Vec<MlirOperation>) {
    op.walk(WalkOrder::PreOrder, |inner| {
        if inner.name().as_string_ref().as_str() == Ok("func.call") {
            calls.push(inner.to_raw());
        }
        WalkResult::Advance
    });
}

/// Replaces `call` by a copy of `body` (the callee's only block), adding
/// the calls of the copy to `calls`.
fn inline_call(
    call: OperationRef<'static, 'static>,
    body: BlockRef<'static, 'static>,
    calls: &mut Vec<MlirOperation>,
) -> Result<()> {
    let block = call.block().ok_or_else(|| Error::Internal("a call outside a block".into()))?;
    let mut mapping: HashMap<usize, MlirValue> = HashMap::new();
    for index in 0..body.argument_count() {
        let argument: Value = body.argument(index).map_err(|e| Error::Internal(e.to_string()))?.into();
        let operand = call.operand(index).map_err(|e| Error::Internal(e.to_string()))?;
        mapping.insert(argument.to_raw().ptr as usize, operand.to_raw());
    }
    let mut next = body.first_operation();
    let mut returned: Vec<MlirValue> = Vec::new();
    while let Some(op) = next {
        next = op.next_in_block();
        if op.name().as_string_ref().as_str() == Ok("func.return") {
            returned = op.operands().map(|value| remap(&mapping, value.to_raw())).collect();
            break;
        }
        // SAFETY: cloning a live op gives a new op we own; inserting it
        // before `call` hands it to `call`'s block.
        let copy = unsafe {
            let copy = mlir_sys::mlirOperationClone(op.to_raw());
            mlir_sys::mlirBlockInsertOwnedOperationBefore(block.to_raw(), call.to_raw(), copy);
            OperationRef::<'static, 'static>::from_raw(copy)
        };
        // Operands that name the callee's values (its arguments, and the
        // results of ops copied before) now name their copies, in the op
        // and in the ops nested in its regions.
        let mut copy_mut = unsafe {
            // SAFETY: `copy` is live and nothing else refers to it now.
            melior::ir::operation::OperationRefMut::<'static, 'static>::from_raw(copy.to_raw())
        };
        copy_mut.walk_mut(WalkOrder::PreOrder, |mut inner| {
            for index in 0..inner.operand_count() {
                if let Ok(operand) = inner.operand(index)
                    && let Some(&to) = mapping.get(&(operand.to_raw().ptr as usize))
                {
                    // SAFETY: `to` is a live value that dominates the copy.
                    inner.set_operand(index, unsafe { Value::from_raw(to) });
                }
            }
            WalkResult::Advance
        });
        for (original, copied) in op.results().zip(copy.results()) {
            mapping.insert(original.to_raw().ptr as usize, copied.to_raw());
        }
        collect_calls(copy, calls);
    }
    for (index, value) in returned.into_iter().enumerate() {
        let result = call.result(index).map_err(|e| Error::Internal(e.to_string()))?;
        // SAFETY: both values are live; every use of the call's result is
        // moved to the inlined value before the call is destroyed.
        unsafe { mlir_sys::mlirValueReplaceAllUsesOfWith(result.to_raw(), value) };
    }
    // SAFETY: the call has no uses left and is destroyed once.
    unsafe { mlir_sys::mlirOperationDestroy(call.to_raw()) };
    Ok(())
}

fn remap(mapping: &HashMap<usize, MlirValue>, value: MlirValue) -> MlirValue {
    mapping.get(&(value.ptr as usize)).copied().unwrap_or(value)
}
