//! zad's own ops replaced by what the JIT runs: `zad.gradient` and
//! `zad.tangent` by calls of the derivatives zad built, `zad.stop_gradient`
//! and `zad.hook` by their operand, the tape ops
//! (`zad.tape_new`, `zad.push`, `zad.pop`, `zad.tape_free`) by calls of the
//! run time's stacks (`exec/runtime.rs`), a `!zad.tape<T>` becoming the
//! stack's handle (an `index`). Values the run time has no stack for (f16,
//! bf16, complex, narrow integers) travel as their bits in 64-bit slots.

use super::{Activity, Mode, Request};
use crate::{
    dialect,
    error::{Error, Result},
    mlir::{self, Builder, Element, OpRef, Type, Val, handle},
};
use melior::ir::{
    Module, TypeLike, ValueLike,
    attribute::{ArrayAttribute, IntegerAttribute, StringAttribute},
    operation::{OperationLike, WalkOrder, WalkResult},
};
use std::collections::HashMap;

/// Element types the run time has push and pop functions for.
const NATIVE: [&str; 6] = ["f64", "f32", "i64", "i32", "i1", "index"];

/// The derivative a `zad.gradient` or `zad.tangent` op asks for.
fn request_of(op: &OpRef) -> Result<Option<Request>> {
    let name = mlir::op_name(op);
    let mode = if name == dialect::op::GRADIENT {
        Mode::Reverse { seeded: false }
    } else if name == dialect::op::TANGENT {
        let width = op
            .attribute("width")
            .ok()
            .and_then(|a| IntegerAttribute::try_from(a).ok())
            .map_or(1, |a| a.value().max(1) as usize);
        Mode::Forward { width }
    } else {
        return Ok(None);
    };
    let function = op.attribute("fn").map(|a| a.to_string()).unwrap_or_default();
    let function = function.trim_start_matches('@').trim_matches('"').to_string();
    let list = op
        .attribute("activity")
        .ok()
        .and_then(|a| ArrayAttribute::try_from(a).ok())
        .ok_or_else(|| Error::Internal(format!("{name} without activity")))?;
    let mut activity = Vec::new();
    for index in 0..list.len() {
        let entry = list.element(index).map_err(|e| Error::Internal(e.to_string()))?;
        let entry = StringAttribute::try_from(entry).map_err(|e| Error::Internal(e.to_string()))?;
        activity.push(Activity::parse(entry.value()).ok_or_else(|| Error::Internal(format!("activity '{}'", entry.value())))?);
    }
    Ok(Some(Request { function, activity, mode }))
}

/// A call of the derivative `request` names, inserted by `builder` (before
/// `op`), in place of derivative op `op`'s results (`op` is left, unused,
/// for the caller to erase).
fn call_instead(builder: &Builder, op: OpRef, request: &Request) {
    let operands: Vec<Val> = op.operands().map(handle::value).collect();
    let types: Vec<Type> = op.results().map(|r| r.r#type()).collect();
    let results = builder.call(&request.name(), &operands, &types);
    for (index, result) in op.results().enumerate() {
        handle::replace_uses(handle::value(result), results[index]);
    }
}

/// A derivative op of the module, the function it is in, and what it asks for.
pub(crate) struct DerivativeOp {
    pub op: OpRef,
    pub enclosing: String,
    pub request: Request,
}

/// Every `zad.gradient` and `zad.tangent` op of the module's functions.
pub(crate) fn derivative_ops(module: &Module<'static>) -> Result<Vec<DerivativeOp>> {
    let mut found = Vec::new();
    for (name, function) in mlir::defined_functions(module) {
        let mut ops = Vec::new();
        function.walk(WalkOrder::PreOrder, |op| {
            let op_name = op.name().as_string_ref().as_str().unwrap_or_default().to_string();
            if op_name == dialect::op::GRADIENT || op_name == dialect::op::TANGENT {
                ops.push(handle::op(&op));
            }
            WalkResult::Advance
        });
        for op in ops {
            let request = request_of(&op)?.expect("a derivative op");
            found.push(DerivativeOp { op, enclosing: name.clone(), request });
        }
    }
    Ok(found)
}

/// Replaces derivative op `op` by a call of the derivative it asks for
/// (which the caller has generated), so that the function holding it is
/// ordinary IR that can itself be differentiated.
pub(crate) fn replace_derivative_op(context: &'static melior::Context, op: &DerivativeOp) {
    let builder = Builder::before(context, op.op, op.op.location());
    call_instead(&builder, op.op, &op.request);
    handle::erase(op.op);
}

/// Replaces the derivative ops of `module`, and the tape ops of the
/// functions zad generated. Tape ops written by hand in a kernel are left
/// for the lowering to refuse: they are zad's output, not an input.
pub(crate) fn lower_zad_ops(context: &'static melior::Context, module: &Module<'static>) -> Result<()> {
    let mut ops = Vec::new();
    for (name, function) in mlir::defined_functions(module) {
        let generated = name.starts_with("__zad_");
        function.walk(WalkOrder::PreOrder, |op| {
            let op_name = op.name().as_string_ref().as_str().unwrap_or_default().to_string();
            let derivative = op_name == dialect::op::GRADIENT || op_name == dialect::op::TANGENT;
            let stop = op_name == dialect::op::STOP_GRADIENT || op_name == dialect::op::HOOK;
            if derivative || stop || (generated && op_name.starts_with("zad.")) {
                ops.push(handle::op(&op));
            }
            WalkResult::Advance
        });
    }
    let index = Type::index(context);
    let i64_type: Type = melior::ir::r#type::IntegerType::new(context, 64).into();
    let declare = |name: &str, inputs: &[Type], results: &[Type]| {
        mlir::declare_function(context, module, name, inputs, results, melior::ir::Location::unknown(context));
    };
    // Tape handles, by the raw tape value they replace.
    let mut handles: HashMap<usize, Val> = HashMap::new();
    let mut erased = Vec::new();
    for op in ops {
        let builder = Builder::before(context, op, op.location());
        let name = mlir::op_name(&op);
        let operand = |i: usize| handle::value(op.operand(i).expect("an operand"));
        match name.as_str() {
            _ if name == dialect::op::GRADIENT || name == dialect::op::TANGENT => {
                let request = request_of(&op)?.expect("a derivative op");
                call_instead(&builder, op, &request);
            }
            _ if name == dialect::op::STOP_GRADIENT || name == dialect::op::HOOK => {
                handle::replace_uses(handle::value(op.result(0).expect("a result")), operand(0));
            }
            "zad.tape_new" => {
                declare("zad_tape_new", &[], &[index]);
                let tape = builder.call("zad_tape_new", &[], &[index])[0];
                handles.insert(op.result(0).expect("a tape").to_raw().ptr as usize, tape);
            }
            "zad.push" => {
                let tape = handles[&(operand(0).to_raw().ptr as usize)];
                let value = operand(1);
                let ty = value.r#type();
                if NATIVE.contains(&ty.to_string().as_str()) {
                    let function = format!("zad_tape_push_{ty}");
                    declare(&function, &[index, ty], &[]);
                    builder.call(&function, &[tape, value], &[]);
                } else {
                    declare("zad_tape_push_i64", &[index, i64_type], &[]);
                    for slot in slots_of(&builder, value)? {
                        builder.call("zad_tape_push_i64", &[tape, slot], &[]);
                    }
                }
            }
            "zad.pop" => {
                let tape = handles[&(operand(0).to_raw().ptr as usize)];
                let result = op.result(0).expect("a value");
                let ty = result.r#type();
                let value = if NATIVE.contains(&ty.to_string().as_str()) {
                    let function = format!("zad_tape_pop_{ty}");
                    declare(&function, &[index], &[ty]);
                    builder.call(&function, &[tape], &[ty])[0]
                } else {
                    declare("zad_tape_pop_i64", &[index], &[i64_type]);
                    let count = slot_count(ty)?;
                    // Last pushed, first popped.
                    let mut slots: Vec<Val> =
                        (0..count).map(|_| builder.call("zad_tape_pop_i64", &[tape], &[i64_type])[0]).collect();
                    slots.reverse();
                    from_slots(&builder, ty, &slots)?
                };
                handle::replace_uses(handle::value(result), value);
            }
            "zad.tape_free" => {
                declare("zad_tape_free", &[index], &[]);
                let tape = handles[&(operand(0).to_raw().ptr as usize)];
                builder.call("zad_tape_free", &[tape], &[]);
            }
            _ => {
                return Err(Error::Unsupported(format!(
                    "{}: {name}: this op cannot be compiled (it is zad's output, not written in kernels)",
                    mlir::describe_location(op.location(), "")
                )));
            }
        }
        erased.push(op);
    }
    // Users before the tapes they use.
    for op in erased.into_iter().rev() {
        handle::erase(op);
    }
    Ok(())
}

fn slot_count(ty: Type) -> Result<usize> {
    Ok(match Element::of(ty) {
        Some(element) => element.tape_slots(),
        None if ty.is_integer() => 1,
        None => return Err(Error::Internal(format!("no tape slots for {ty}"))),
    })
}

/// `value` in 64-bit slots.
fn slots_of(builder: &Builder, value: Val) -> Result<Vec<Val>> {
    let ty = value.r#type();
    Ok(match Element::of(ty) {
        Some(element) => element.to_slots(builder, value),
        None if ty.is_integer() => vec![builder.convert("arith.extui", value, builder.integer_type(64))],
        None => return Err(Error::Internal(format!("no tape slots for {ty}"))),
    })
}

fn from_slots(builder: &Builder, ty: Type, slots: &[Val]) -> Result<Val> {
    Ok(match Element::of(ty) {
        Some(element) => element.from_slots(builder, slots),
        None if ty.is_integer() => builder.convert("arith.trunci", slots[0], ty),
        None => return Err(Error::Internal(format!("no tape slots for {ty}"))),
    })
}
