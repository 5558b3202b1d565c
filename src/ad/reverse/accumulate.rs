//! Stencil adjoints made vectorisable. The reverse of a stencil loop adds
//! each iteration's contributions to neighbouring elements of a shadow
//! buffer (`ū[i+1] += a; ū[i] += b; ū[i-1] += a`): iteration i writes what
//! the next iteration reads back, a dependence through memory that keeps
//! the loop scalar and serial. Here each such accumulation instead writes
//! its contribution to a buffer of its own, indexed by iteration (nothing
//! carried from one iteration to the next: the loop vectorises), and after
//! the loop one sweep per accumulation adds that buffer into the shadow at
//! the accumulation's indices (contiguous, no dependence between
//! iterations either). Every element gets the same contributions as
//! before, summed in another order (adjoint sums are reassociable).
//!
//! Applied to the innermost `scf.for` loops from 0 by 1 of the functions
//! reverse mode generated, to the accumulations `B[idx] = B[idx] + e` (all
//! but one, which stays in place) into a float buffer B that the function
//! allocated itself and never takes a view of (so nothing else aliases it),
//! that the loop reads and writes only through such accumulations, and
//! whose indices are computed from the induction variable and values fixed
//! in the loop, one of them as the induction variable (or its negation)
//! plus such values, so that no two iterations of one accumulation hit the
//! same element. Loops
//! of fewer than 256 iterations run as they were (chosen at run time).

use crate::{
    ad::ir::{Block, Func, Op, ValueId, walk_blocks},
    error::Result,
    mlir::{self, Builder, Element, Val, handle},
};
use melior::ir::{BlockLike, Module, ValueLike, attribute::IntegerAttribute, operation::OperationLike};
use std::collections::{HashMap, HashSet};

/// Rewrites the accumulations of the generated reverse-mode functions of
/// `module` (and of their tangents, for Hessian-vector products).
pub(crate) fn privatize_accumulations(context: &'static melior::Context, module: &Module<'static>) -> Result<()> {
    for (name, function) in mlir::defined_functions(module) {
        if !name.contains("__zad_grad") {
            continue;
        }
        let func = Func::import(function, &name)?;
        let uses = Uses::of(&func);
        let mut plans = Vec::new();
        walk_blocks(&func.body, &mut |op| {
            if op.name == "scf.for"
                && let Some(plan) = plan(&func, &uses, op)
            {
                plans.push(plan);
            }
        });
        for plan in plans {
            rewrite(context, &func, &uses, &plan);
        }
    }
    Ok(())
}

/// `B[indices] = load B[indices] + contribution`, as its three ops.
struct Accumulation<'f> {
    buffer: ValueId,
    indices: Vec<ValueId>,
    contribution: ValueId,
    load: &'f Op,
    add: &'f Op,
    store: &'f Op,
}

struct Plan<'f> {
    lp: &'f Op,
    /// The values defined in the loop body (its arguments and results).
    inside: HashSet<ValueId>,
    accumulations: Vec<Accumulation<'f>>,
}

/// Each value's defining op (none for block arguments) and users.
struct Uses<'f> {
    definition: Vec<Option<&'f Op>>,
    users: Vec<Vec<&'f Op>>,
}

impl<'f> Uses<'f> {
    fn of(func: &'f Func) -> Uses<'f> {
        let mut uses = Uses { definition: vec![None; func.values.len()], users: vec![Vec::new(); func.values.len()] };
        walk_blocks(&func.body, &mut |op| {
            for &result in &op.results {
                uses.definition[result] = Some(op);
            }
            for &operand in &op.operands {
                uses.users[operand].push(op);
            }
        });
        uses
    }

    fn only_user(&self, value: ValueId) -> Option<&'f Op> {
        match self.users[value].as_slice() {
            [user] => Some(user),
            _ => None,
        }
    }

    fn integer_constant(&self, value: ValueId) -> Option<i64> {
        let op = self.definition[value].filter(|op| op.name == "arith.constant")?;
        let attribute = op.handle.attribute("value").ok()?;
        IntegerAttribute::try_from(attribute).ok().map(|integer| integer.value())
    }
}

fn plan<'f>(func: &'f Func, uses: &Uses<'f>, lp: &'f Op) -> Option<Plan<'f>> {
    let [body] = lp.regions[0].as_slice() else { return None };
    if body.ops.iter().any(|op| !op.regions.is_empty())
        || uses.integer_constant(lp.operands[0]) != Some(0)
        || uses.integer_constant(lp.operands[2]) != Some(1)
    {
        return None;
    }
    let inside: HashSet<ValueId> =
        body.args.iter().copied().chain(body.ops.iter().flat_map(|op| op.results.iter().copied())).collect();
    let induction = body.args[0];
    let mut found: Vec<Accumulation> =
        body.ops.iter().filter_map(|store| accumulation(func, uses, &inside, store)).collect();
    // Every access of the buffer in the loop is one of its accumulations,
    // each indexed by ±iv plus loop invariants.
    let found_buffers: Vec<ValueId> = found.iter().map(|a| a.buffer).collect();
    let buffers: HashSet<ValueId> = found_buffers.iter().copied().collect();
    let eligible: HashSet<ValueId> = buffers
        .into_iter()
        .filter(|&buffer| {
            let ours: Vec<&Accumulation> = found.iter().filter(|a| a.buffer == buffer).collect();
            let accesses = uses.users[buffer].iter().filter(|op| inside_block(body, op)).count();
            accesses == 2 * ours.len()
                && ours.iter().all(|a| distinct_per_iteration(uses, &inside, induction, &a.indices))
                && private_buffer(uses, buffer)
        })
        .collect();
    // One accumulation of a buffer is no dependence between iterations:
    // only buffers accumulated into at two places or more are rewritten,
    // and of those, the first accumulation stays as it is (alone, it is no
    // dependence either).
    let mut kept_in_place: HashSet<ValueId> = HashSet::new();
    found.retain(|a| {
        eligible.contains(&a.buffer)
            && found_count(&found_buffers, a.buffer) >= 2
            && !kept_in_place.insert(a.buffer)
    });
    (!found.is_empty()).then_some(Plan { lp, inside, accumulations: found })
}

fn found_count(buffers: &[ValueId], buffer: ValueId) -> usize {
    buffers.iter().filter(|&&b| b == buffer).count()
}

/// `store (load B[i..] + e), B[i..]` with B from outside the loop, float,
/// the load and the sum used by nothing else.
fn accumulation<'f>(func: &Func, uses: &Uses<'f>, inside: &HashSet<ValueId>, store: &'f Op) -> Option<Accumulation<'f>> {
    if store.name != "memref.store" || store.operands.len() < 3 {
        return None;
    }
    let (sum, buffer, indices) = (store.operands[0], store.operands[1], &store.operands[2..]);
    if inside.contains(&buffer) {
        return None;
    }
    let element = Element::of(mlir::element_of(func.ty(buffer)))?;
    if element.is_complex() {
        return None;
    }
    let add = uses.definition[sum].filter(|op| op.name == "arith.addf" && inside.contains(&op.results[0]))?;
    if uses.only_user(sum).map(|user| std::ptr::eq(user, store)) != Some(true) {
        return None;
    }
    let loaded = add.operands.iter().position(|&operand| {
        uses.definition[operand]
            .is_some_and(|load| load.name == "memref.load" && load.operands[0] == buffer && load.operands[1..] == *indices)
    })?;
    let value = add.operands[loaded];
    let load = uses.definition[value]?;
    if uses.only_user(value).map(|user| std::ptr::eq(user, add)) != Some(true) {
        return None;
    }
    Some(Accumulation { buffer, indices: indices.to_vec(), contribution: add.operands[1 - loaded], load, add, store })
}

/// Whether `op` is an op of `block` (not nested: the loops planned here
/// have no regions in their bodies).
fn inside_block(block: &Block, op: &Op) -> bool {
    block.ops.iter().any(|candidate| std::ptr::eq(candidate, op))
}

/// B is a `memref.alloc` of the function that is only loaded from, stored
/// to, copied, measured and freed: no view or call can reach it under
/// another name.
fn private_buffer(uses: &Uses, buffer: ValueId) -> bool {
    uses.definition[buffer].is_some_and(|op| op.name == "memref.alloc")
        && uses.users[buffer].iter().all(|op| {
            matches!(op.name.as_str(), "memref.load" | "memref.store" | "memref.copy" | "memref.dim" | "memref.dealloc")
        })
}

/// Whether no two iterations address the same element: every index is
/// computed from the induction variable and loop invariants (see `slope`),
/// one of them as ±iv plus invariants.
fn distinct_per_iteration(uses: &Uses, inside: &HashSet<ValueId>, induction: ValueId, indices: &[ValueId]) -> bool {
    let slopes: Option<Vec<i64>> = indices.iter().map(|&index| slope(uses, inside, induction, index)).collect();
    slopes.is_some_and(|slopes| slopes.iter().any(|&k| k == 1 || k == -1))
}

/// k when `value` is k·iv plus values fixed in the loop, computed by
/// additions, subtractions and multiplications by constants (which the
/// sweep after the loop recomputes); None otherwise.
fn slope(uses: &Uses, inside: &HashSet<ValueId>, induction: ValueId, value: ValueId) -> Option<i64> {
    if value == induction {
        return Some(1);
    }
    if !inside.contains(&value) {
        return Some(0);
    }
    let op = uses.definition[value]?;
    let operand = |i: usize| slope(uses, inside, induction, op.operands[i]);
    match op.name.as_str() {
        "arith.constant" => Some(0),
        "arith.addi" => operand(0)?.checked_add(operand(1)?),
        "arith.subi" => operand(0)?.checked_sub(operand(1)?),
        "arith.muli" => {
            let (a, b) = (operand(0)?, operand(1)?);
            let constant = |i: usize| uses.integer_constant(op.operands[i]);
            match (a, b) {
                (0, 0) => Some(0),
                (_, 0) => a.checked_mul(constant(1)?),
                (0, _) => b.checked_mul(constant(0)?),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The ops of the loop body that compute `values` from the induction
/// variable and loop invariants, in body order.
fn index_computation<'f>(body: &'f Block, uses: &Uses<'f>, inside: &HashSet<ValueId>, values: &[ValueId]) -> Vec<&'f Op> {
    let mut needed: HashSet<ValueId> = HashSet::new();
    let mut pending = values.to_vec();
    while let Some(value) = pending.pop() {
        if inside.contains(&value)
            && needed.insert(value)
            && let Some(op) = uses.definition[value]
        {
            pending.extend(op.operands.iter().copied());
        }
    }
    body.ops.iter().filter(|op| op.results.iter().any(|result| needed.contains(result))).collect()
}

/// Below this trip count the loop is left as it was: the buffers' allocation
/// and the sweeps after the loop cost more than a short loop's dependence.
const SHORTEST_REWRITTEN: i64 = 256;

/// `if count >= SHORTEST_REWRITTEN { rewritten loop } else { loop }`: the
/// loop moves into the first branch and is rewritten there; a copy of it
/// stays in the second.
fn rewrite<'f>(context: &'static melior::Context, func: &'f Func, uses: &Uses<'f>, plan: &Plan<'f>) {
    let lp = plan.lp;
    let value = |id: ValueId| func.values[id].value;
    let at_loop = Builder::before(context, lp.handle, lp.location);
    let long = at_loop.cmpi("sge", value(lp.operands[1]), at_loop.index(SHORTEST_REWRITTEN));
    let result_types: Vec<_> = lp.results.iter().map(|&result| func.ty(result)).collect();
    let branches = at_loop.if_op(long, &result_types);
    for (&result, &chosen) in lp.results.iter().zip(&branches.results) {
        handle::replace_uses(value(result), chosen);
    }
    let short = at_loop.inside(branches.else_block);
    let copy = short.clone_op(lp.handle);
    short.yield_values(&(0..lp.results.len()).map(|i| mlir::result_of(copy, i)).collect::<Vec<_>>());
    let long = at_loop.inside(branches.then_block);
    let results: Vec<Val> = lp.results.iter().map(|&result| value(result)).collect();
    long.yield_values(&results);
    let end = branches.then_block.terminator().map(|op| handle::op(&op)).expect("the scf.yield just built");
    handle::move_before(lp.handle, end);
    privatize(context, func, uses, plan);
}

/// `uses` is of the function as imported, before any rewrite: rewrites
/// move and erase ops but leave the imported `Func` (and so its uses) as
/// it was, and the index computations cloned here are never erased.
fn privatize<'f>(context: &'static melior::Context, func: &'f Func, uses: &Uses<'f>, plan: &Plan<'f>) {
    let lp = plan.lp;
    let body = &lp.regions[0][0];
    let inside = &plan.inside;
    let value = |id: ValueId| func.values[id].value;
    let induction = value(body.args[0]);
    let before = Builder::before(context, lp.handle, lp.location);
    // The trip count (the loop runs from 0 by 1), never negative.
    let count = before.binary("arith.maxsi", value(lp.operands[1]), before.index(0));
    let after = Builder::after(context, lp.handle, lp.location);
    for accumulation in &plan.accumulations {
        let element = mlir::element_of(func.ty(accumulation.buffer));
        let contributions_type = before
            .parse_type(&format!("memref<?x{element}>"))
            .expect("a memref of a float type parses");
        let contributions: Val = before.alloc(contributions_type, &[count]);
        // In the loop: the contribution goes to this iteration's slot.
        Builder::before(context, accumulation.store.handle, accumulation.store.location).store(
            value(accumulation.contribution),
            contributions,
            &[induction],
        );
        for op in [accumulation.store, accumulation.add, accumulation.load] {
            handle::erase(op.handle);
        }
        // After it: added into the buffer at the iteration's index.
        let (zero, one) = (after.index(0), after.index(1));
        let sweep = after.for_loop(zero, count, one, &[]);
        let inner = after.inside(sweep.body);
        let mut mapping: HashMap<usize, Val> = HashMap::new();
        mapping.insert(induction.to_raw().ptr as usize, sweep.induction);
        for op in index_computation(body, uses, inside, &accumulation.indices) {
            let copy = inner.clone_remapped(op.handle, &mapping);
            for (i, &result) in op.results.iter().enumerate() {
                mapping.insert(value(result).to_raw().ptr as usize, mlir::result_of(copy, i));
            }
        }
        let indices: Vec<Val> = accumulation
            .indices
            .iter()
            .map(|&index| mapping.get(&(value(index).to_raw().ptr as usize)).copied().unwrap_or(value(index)))
            .collect();
        let buffer = value(accumulation.buffer);
        let old = inner.load(buffer, &indices);
        let contribution = inner.load(contributions, &[sweep.induction]);
        let sum = inner.binary_fast("arith.addf", old, contribution, inner.parse_attribute(super::ADJOINT_SUM));
        inner.store(sum, buffer, &indices);
        inner.yield_values(&[]);
        after.dealloc(contributions);
    }
}
