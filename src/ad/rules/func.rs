//! Calls. Calls are inlined before differentiation; those that stay calls
//! (recursive callees, checkpointed calls) get derivatives of their own:
//! the reverse sweep calls the callee's adjoint, rerunning the callee on
//! copies of its buffer arguments as they were when it ran (Tapenade's call
//! checkpoint), and the forward mode calls the callee's tangent function.
//!
//! A callee with a custom derivative (`zad.adjoint`, `zad.tangent`, see
//! `ad::custom`) is never inlined; its adjoint or tangent is called as the
//! user wrote it, with every float scalar active and every float memref
//! dup: what the call site does not need is given zeros (seeds, tangents)
//! or zeroed scratch buffers (shadows), and its results are dropped. A
//! foreign function (no body) without one on the active path is an error.

use super::{Derivative, Recompute};
use crate::{
    ad::{
        Activity, Mode, Request, custom,
        ir::{Op, ValueId},
        reverse::Generator as Reverse,
        scopes::{Kind, TOP},
        tangent::Generator as Tangent,
    },
    error::Result,
    mlir::{Builder, Element, Val},
};
use melior::ir::TypeLike;

pub(super) fn lookup(name: &str) -> Option<&'static dyn Derivative> {
    match name {
        "func.call" => Some(&Call),
        _ => None,
    }
}

struct Call;

impl Derivative for Call {
    fn recompute(&self) -> Recompute {
        Recompute::Never
    }

    fn reverse<'f>(&self, op: &'f Op, g: &mut Reverse<'f>) -> Result<()> {
        let activity = call_activity(op, |v| g.active(v), |v| g.has_shadow(v), |v| g.ty(v));
        let needed = activity.iter().any(|&a| a != Activity::Const)
            && (op.results.iter().any(|&r| g.active(r)) || activity.contains(&Activity::Dup));
        if !needed {
            return Ok(());
        }
        let callee = op.callee();
        match custom::callee(g.module, &callee) {
            Some(custom) if custom.adjoint.is_some() => return reverse_custom(op, g, &custom, &activity),
            Some(custom) if custom.foreign => return Err(custom::no_derivative(&op.place, &callee, true)),
            _ => {}
        }
        let copies = buffers_at_call(g, op, None)?;
        let builder = g.builder(op);
        let mut arguments = Vec::new();
        for (&operand, &kind) in op.operands.iter().zip(&activity) {
            let primal = primal_at_call(g, &copies, operand)?;
            arguments.push(primal);
            if kind == Activity::Dup {
                arguments.push(g.shadow(operand, op)?);
            }
        }
        push_seeds(g, op, &builder, &mut arguments);
        let mut result_types: Vec<_> = op.results.iter().map(|&r| g.ty(r)).collect();
        let active_args: Vec<ValueId> =
            op.operands.iter().zip(&activity).filter(|(_, a)| **a == Activity::Active).map(|(&v, _)| v).collect();
        result_types.extend(active_args.iter().map(|&v| g.ty(v)));
        let request = Request { function: op.callee(), activity, mode: Mode::Reverse { seeded: true } };
        let outputs = builder.call(&request.name(), &arguments, &result_types);
        for (position, &value) in active_args.iter().enumerate() {
            g.add_adjoint(value, outputs[op.results.len() + position], op);
        }
        g.callees.push(request);
        Ok(())
    }

    fn tangent<'f>(&self, op: &'f Op, t: &mut Tangent<'f>) -> Result<()> {
        t.tangent_call(op)
    }
}

/// The reverse of a call of a function with a `zad.adjoint`: a call of the
/// adjoint, on copies of the buffer arguments as they were at the call,
/// with the residuals of its `zad.forward` read back from the tape.
fn reverse_custom<'f>(op: &'f Op, g: &mut Reverse<'f>, callee: &custom::Callee, activity: &[Activity]) -> Result<()> {
    let adjoint = callee.adjoint.as_deref().expect("a custom adjoint");
    // A BLAS routine may read one buffer through two arguments (ddot(x, x),
    // dgemm(A, A, C)): its adjoint accumulates into the shadow once per
    // argument, which is right as long as neither argument is written.
    let written = callee.adjoint.as_deref().and_then(crate::blas::of_adjoint).map(|routine| routine.writes);
    let copies = buffers_at_call(g, op, written)?;
    let builder = g.builder(op);
    let mut arguments = Vec::new();
    let mut scratch = Vec::new();
    for (&operand, &kind) in op.operands.iter().zip(activity) {
        let primal = primal_at_call(g, &copies, operand)?;
        arguments.push(primal);
        if custom::is_float_memref(g.ty(operand)) {
            if kind == Activity::Dup {
                arguments.push(g.shadow(operand, op)?);
            } else {
                // The adjoint accumulates into a shadow nobody reads.
                let buffer = crate::ad::reverse::zeroed_buffer_like(&builder, primal, g.ty(operand), g.parallel_kernel);
                scratch.push(buffer);
                arguments.push(buffer);
            }
        }
    }
    push_seeds(g, op, &builder, &mut arguments);
    let residuals = g.custom_forwards.get(&(op as *const Op)).map(|custom| custom.residuals.clone()).unwrap_or_default();
    for residual in residuals {
        arguments.push(g.primal(residual)?);
    }
    let float_scalars: Vec<usize> =
        (0..op.operands.len()).filter(|&i| Element::of(g.ty(op.operands[i])).is_some()).collect();
    let mut result_types: Vec<_> = op.results.iter().map(|&r| g.ty(r)).collect();
    result_types.extend(float_scalars.iter().map(|&i| g.ty(op.operands[i])));
    let outputs = builder.call(adjoint, &arguments, &result_types);
    for (position, &index) in float_scalars.iter().enumerate() {
        if activity[index] == Activity::Active {
            g.add_adjoint(op.operands[index], outputs[op.results.len() + position], op);
        }
    }
    let builder = g.builder(op);
    for buffer in scratch {
        builder.dealloc(buffer);
    }
    Ok(())
}

/// The buffer arguments of call `op`, checked (see `check_buffers`) and
/// copied as they were when it ran, for the adjoint call.
fn buffers_at_call(g: &mut Reverse, op: &Op, read_only_alias: Option<&[usize]>) -> Result<Vec<(ValueId, Val)>> {
    let memrefs: Vec<ValueId> = op.operands.iter().copied().filter(|&v| g.ty(v).is_mem_ref()).collect();
    check_buffers(g, op, &memrefs, read_only_alias)?;
    Ok(copy_buffers(g, op, &memrefs))
}

/// What the adjoint call gets for primal argument `operand`: its copy
/// from `buffers_at_call` for a buffer, else its primal value.
fn primal_at_call(g: &mut Reverse, copies: &[(ValueId, Val)], operand: ValueId) -> Result<Val> {
    match copies.iter().find(|(v, _)| *v == operand) {
        Some(&(_, copy)) => Ok(copy),
        None => g.primal(operand),
    }
}

/// The adjoint call's seeds: the adjoint (or zero) of each float result.
fn push_seeds(g: &mut Reverse, op: &Op, builder: &crate::mlir::Builder, arguments: &mut Vec<Val>) {
    for &result in &op.results {
        if Element::of(g.ty(result)).is_some() {
            arguments.push(g.adjoint_or_zero(result, builder));
        }
    }
}

/// The activity a call site gives its callee.
pub(crate) fn call_activity(
    op: &Op,
    active: impl Fn(ValueId) -> bool,
    has_shadow: impl Fn(ValueId) -> bool,
    ty: impl Fn(ValueId) -> crate::mlir::Type,
) -> Vec<Activity> {
    op.operands
        .iter()
        .map(|&v| {
            if Element::of(ty(v)).is_some() && active(v) {
                Activity::Active
            } else if ty(v).is_mem_ref() && has_shadow(v) {
                Activity::Dup
            } else {
                Activity::Const
            }
        })
        .collect()
}

/// A call that is not inlined reruns, in the reverse sweep, on copies of
/// its buffer arguments made when it ran. That needs one copy per call (not
/// inside a loop: there a checkpointed time loop does the job), a place to
/// keep it (buffers defined in the function body), and buffer arguments
/// that do not share memory (copied apart, they would not alias in the
/// rerun as they did in the call).
///
/// `read_only_alias`: the operands the callee writes, when it tolerates
/// aliases among the others (zad's BLAS routines).
fn check_buffers(g: &Reverse, op: &Op, memrefs: &[ValueId], read_only_alias: Option<&[usize]>) -> Result<()> {
    if memrefs.is_empty() {
        return Ok(());
    }
    let current = g.current_forward();
    let mut scope = current;
    while scope != TOP {
        if g.scopes.scopes[scope].kind != Kind::IfBranch {
            return Err(g.unsupported(
                op,
                "a call that is not inlined (recursive, checkpointed or with a custom adjoint) with buffer \
                 arguments inside a loop; put the loop in a checkpointed time loop instead",
            ));
        }
        scope = g.scopes.scopes[scope].parent.unwrap_or(TOP);
    }
    for (position, &memref) in memrefs.iter().enumerate() {
        if current != TOP && g.scopes.of_value[memref] != TOP {
            return Err(g.unsupported(
                op,
                "a call that is not inlined (recursive or checkpointed) inside a branch takes a buffer defined in \
                 that branch; define the buffer (or its view) before the branch",
            ));
        }
        let root = g.analysis.root[memref];
        if let Some(&other) = memrefs[..position].iter().find(|&&m| g.analysis.root[m] == root) {
            let first = op.operands.iter().position(|&v| v == other).unwrap_or(0) + 1;
            let second = op.operands.iter().rposition(|&v| v == memref).unwrap_or(0) + 1;
            if let Some(written) = read_only_alias {
                let operand_positions = |value: ValueId| {
                    op.operands.iter().enumerate().filter(move |&(_, &v)| g.analysis.root[v] == g.analysis.root[value]).map(|(i, _)| i)
                };
                if !operand_positions(memref).any(|i| written.contains(&i)) {
                    continue;
                }
                return Err(g.unsupported(
                    op,
                    &format!(
                        "arguments {first} and {second} of this call share one buffer, and {} writes it: BLAS and                          LAPACK routines need a buffer they write to be apart from their other arguments",
                        op.callee()
                    ),
                ));
            }
            return Err(g.unsupported(
                op,
                &format!(
                    "arguments {first} and {second} of this call share one buffer; a call that is not inlined \
                     (recursive or checkpointed) needs buffer arguments that do not alias (pass distinct buffers, \
                     or remove the checkpoint so that the call is inlined)"
                ),
            ));
        }
    }
    Ok(())
}

/// Copies of the call's buffer arguments, made by the forward sweep right
/// before the call: allocated before the top-level op holding the call (so
/// that the reverse sweep sees them), freed at the end of the adjoint.
fn copy_buffers(g: &mut Reverse, op: &Op, memrefs: &[ValueId]) -> Vec<(ValueId, Val)> {
    let location = op.location;
    let top_level = &g.func.body[0].ops[g.scopes.scopes[g.scopes.containing(op)].outermost];
    let top_level = if g.scopes.containing(op) == TOP { op } else { top_level };
    let allocate = Builder::before(g.context, g.forward_ops[&(top_level as *const Op)], location);
    let at_call = Builder::before(g.context, g.forward_ops[&(op as *const Op)], location);
    let mut copies = Vec::new();
    for &memref in memrefs {
        if copies.iter().any(|(m, _)| *m == memref) {
            continue;
        }
        let primal = g.forward_value(memref);
        let copy = crate::ad::reverse::buffer_like(&allocate, primal, g.ty(memref));
        at_call.copy(primal, copy);
        copies.push((memref, copy));
    }
    g.call_copies.insert(op as *const Op, copies.clone());
    copies
}

#[allow(unused)]
fn _value(_: Val) {}
