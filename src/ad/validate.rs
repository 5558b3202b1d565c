//! What the transforms refuse, checked before anything is built: each
//! refusal names the construct, its `file:line:col` and what to do.

use crate::{
    ad::{
        Activity,
        ir::{Block, Func, Op, Program, walk_blocks},
        reverse::{Generator, validate_checkpoint},
    },
    error::{Error, Result},
    mlir::Element,
};
use melior::ir::TypeLike;

fn unsupported(op: &Op, why: &str) -> Error {
    Error::Unsupported(format!("{}: zad cannot differentiate '{}': {why}", op.place, op.name))
}

/// The activity fits the function: one entry per argument, 'active' for
/// float scalars, 'dup' for float buffers.
pub fn activity(func: &Func, activity: &[Activity]) -> Result<()> {
    if activity.len() != func.args.len() {
        return Err(Error::Signature(format!(
            "@{} takes {} arguments but {} activities were given",
            func.name,
            func.args.len(),
            activity.len()
        )));
    }
    for (index, (&arg, &kind)) in func.args.iter().zip(activity).enumerate() {
        let ty = func.ty(arg);
        let fits = match kind {
            Activity::Const => true,
            Activity::Active => Element::of(ty).is_some(),
            Activity::Dup => ty.is_mem_ref() && Element::of_scalar_or_element(ty).is_some(),
        };
        if !fits {
            return Err(Error::Signature(format!(
                "@{}: argument {} has type {ty} and cannot be '{}' ('active' is for float scalars, 'dup' for float \
                 memrefs)",
                func.name,
                index + 1,
                kind.name()
            )));
        }
    }
    Ok(())
}

/// The activity of a tangent (forward mode): 'dup' (with a tangent) for
/// float scalars and float buffers, 'const' otherwise.
pub fn tangent_activity(func: &Func, activity: &[Activity]) -> Result<()> {
    if activity.len() != func.args.len() {
        return Err(Error::Signature(format!(
            "@{} takes {} arguments but {} activities were given",
            func.name,
            func.args.len(),
            activity.len()
        )));
    }
    for (index, (&arg, &kind)) in func.args.iter().zip(activity).enumerate() {
        let ty = func.ty(arg);
        let fits = match kind {
            Activity::Const => true,
            Activity::Active => false,
            Activity::Dup => Element::of_scalar_or_element(ty).is_some(),
        };
        if !fits {
            return Err(Error::Signature(format!(
                "@{}: argument {} has type {ty} and cannot be '{}' in forward mode ('dup' gives a float scalar or \
                 float buffer a tangent; 'const' gives none)",
                func.name,
                index + 1,
                kind.name()
            )));
        }
    }
    Ok(())
}

/// Structured control flow only, with regions of one block; checkpoint
/// requests well formed.
pub fn structure(func: &Func) -> Result<()> {
    if func.body.len() != 1 {
        let branch = func.body.iter().flat_map(|block| &block.ops).find(|op| op.successors > 0);
        let (place, name) = branch.map_or((func.place.as_str(), "a branch"), |op| (op.place.as_str(), op.name.as_str()));
        return Err(Error::Unsupported(format!(
            "{place}: zad cannot differentiate '{name}' in @{}: reverse mode differentiates structured control flow \
             (scf.for, scf.while, scf.if), not branches between blocks (cf.br, cf.cond_br)",
            func.name
        )));
    }
    block_structure(&func.body[0])
}

fn block_structure(block: &Block) -> Result<()> {
    for op in &block.ops {
        if op.successors > 0 {
            return Err(unsupported(
                op,
                "branches between blocks are not supported by reverse mode; use scf.if, scf.for or scf.while",
            ));
        }
        validate_checkpoint(op)?;
        let structured = matches!(op.name.as_str(), "scf.for" | "scf.if" | "scf.while" | "scf.parallel" | "scf.reduce");
        if !op.regions.is_empty() && !structured {
            return Err(unsupported(op, "ops with regions other than scf.for, scf.if and scf.while"));
        }
        for region in &op.regions {
            if region.len() > 1 {
                return Err(unsupported(op, "regions with several blocks"));
            }
            for block in region {
                block_structure(block)?;
            }
        }
    }
    Ok(())
}

/// A 'const' buffer that receives active values would need a shadow the
/// caller did not pass.
pub fn const_memory(generator: &Generator) -> Result<()> {
    let func = generator.func;
    for (index, (&arg, &kind)) in func.args.iter().zip(&generator.activity).enumerate() {
        if kind == Activity::Const && generator.has_shadow(arg) {
            return Err(Error::Unsupported(format!(
                "{}: argument {} of @{} is 'const' but holds values that depend on the active inputs and are used \
                 later: declare it 'dup' (with a shadow buffer)",
                func.place,
                index + 1,
                func.name
            )));
        }
    }
    Ok(())
}

/// A call that is not inlined (recursive or checkpointed) hides what its
/// callee does to a global from the caller's analysis, and the callee's
/// adjoint would give the global a shadow of its own: the dependence
/// through the global would be lost. Such calls are refused when the
/// callee (or anything it calls) uses a global that can carry derivatives.
pub fn globals_across_calls(program: &Program, func: &Func) -> Result<()> {
    let mut failure = None;
    walk_blocks(&func.body, &mut |op| {
        if failure.is_some() || op.name != "func.call" {
            return;
        }
        let callee = op.callee();
        if let Some(global) = global_used_through(program, &callee) {
            failure = Some(Error::Unsupported(format!(
                "{}: zad cannot differentiate the call of @{callee} in @{}: the call is not inlined (it is \
                 recursive or checkpointed) and @{callee} uses the global @{global}, whose derivatives zad does not \
                 track across such calls; pass the buffer as an argument instead (or declare the global `constant` \
                 if nothing writes it)",
                op.place, func.name
            )));
        }
    });
    failure.map_or(Ok(()), Err)
}

/// A mutable float global that `function`, or a function it calls, reads
/// or writes through `memref.get_global`.
fn global_used_through(program: &Program, function: &str) -> Option<String> {
    let mut seen = vec![function.to_string()];
    let mut pending = vec![function.to_string()];
    while let Some(name) = pending.pop() {
        let Some(func) = program.functions.get(&name) else { continue };
        let mut found = None;
        walk_blocks(&func.body, &mut |op| match op.name.as_str() {
            "memref.get_global" => {
                let global = op.attribute_text("name").unwrap_or_default().trim_start_matches('@').to_string();
                if program.mutable_float_globals.contains(&global) {
                    found.get_or_insert(global);
                }
            }
            "func.call" => {
                let callee = op.callee();
                if !seen.contains(&callee) {
                    seen.push(callee.clone());
                    pending.push(callee);
                }
            }
            _ => {}
        });
        if found.is_some() {
            return found;
        }
    }
    None
}

/// A generated adjoint that records values on a tape (a function holding
/// `zad.gradient` of a function with loops) cannot be reversed again.
pub fn no_tapes(func: &Func) -> Result<()> {
    let mut tape_op = None;
    crate::ad::ir::walk_blocks(&func.body, &mut |op| {
        // zad's tape ops; zad.stop_gradient and zad.hook have rules of their own.
        let own_rule = op.name == crate::dialect::op::STOP_GRADIENT || op.name == crate::dialect::op::HOOK;
        if tape_op.is_none() && op.name.starts_with("zad.") && !own_rule {
            tape_op = Some(crate::ad::rules::tape_in_reverse(op));
        }
    });
    tape_op.map_or(Ok(()), Err)
}

/// A generated gradient whose time loop is checkpointed runs the loop under
/// a schedule in zad's run time (`zad_ckpt_*` calls with buffer
/// addresses), which forward mode cannot see through.
pub fn no_checkpoint_schedule(func: &Func) -> Result<()> {
    let mut found = None;
    crate::ad::ir::walk_blocks(&func.body, &mut |op| {
        if found.is_none() && op.name == "func.call" && op.callee().starts_with("zad_ckpt_") {
            found = Some(Error::Unsupported(format!(
                "{}: zad cannot differentiate @{} in forward mode: it is a gradient whose time loop is \
                 checkpointed (zad.checkpoint), and the schedule runs in zad's run time; forward over reverse \
                 (Hessian-vector products, zad.tangent of a function holding zad.gradient) needs the loop \
                 taped: leave out its checkpointing",
                op.place, func.name
            )));
        }
    });
    found.map_or(Ok(()), Err)
}
