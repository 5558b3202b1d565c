//! Structured control flow, reversed structurally: the reverse of an
//! `scf.for` is an `scf.for` running its iterations backwards, an
//! `scf.while` (whose trip count the forward sweep records) is reversed as
//! an `scf.for`, an `scf.if` tests its condition again. Adjoints of
//! loop-carried values, and of the values from outside a region that the
//! region uses, travel as iteration arguments (or results) of the reverse
//! op. In forward mode the tangents of carried values are carried next to
//! them.
//!
//! The reverse of an `scf.parallel` is an `scf.parallel` over the same
//! iterations (their order is free), built without races: the adjoints of
//! a stencil's reads at constant offsets are gathered before it
//! (`reverse::gather`); the adjoint of another load goes to its shadow
//! element atomically unless that element belongs to the iteration (every
//! load of the buffer in the loop reads it at the same indices, among which
//! every induction variable); a store's adjoint
//! is read and cleared by the iteration that stored (two iterations
//! touching one element would be a race in the primal already); adjoints of
//! values from outside the loop are summed by each iteration privately and
//! combined by the reverse loop's `scf.reduce`; tapes are indexed by the
//! iteration's number, one slot each. Sum reductions (`addf`) are
//! differentiated in parallel, forward mode keeps the loop parallel.
//! `ad::prepare` rewrites as `scf.for` nests the parallel loops outside
//! this form (`parallel_form`), which are then differentiated in sequence.

use super::{Derivative, Recompute};
use crate::{
    ad::{
        ir::{Block, Op, ValueId, yielded},
        reverse::Generator as Reverse,
        scopes::ScopeId,
        tangent::Generator as Tangent,
    },
    error::Result,
    mlir::Val,
};
use std::collections::HashMap;

pub(super) fn lookup(name: &str) -> Option<&'static dyn Derivative> {
    match name {
        "scf.for" => Some(&For),
        "scf.if" => Some(&If),
        "scf.while" => Some(&While),
        "scf.parallel" => Some(&Parallel),
        _ => None,
    }
}

struct For;
struct If;
struct While;
struct Parallel;

impl Derivative for For {
    fn recompute(&self) -> Recompute {
        Recompute::Never
    }

    fn reverse<'f>(&self, op: &'f Op, g: &mut Reverse<'f>) -> Result<()> {
        let block = op.block(0);
        let body_scope = g.scopes.of_region(op, 0);
        let outer = g.current_forward();
        let carried: Vec<usize> =
            (0..op.results.len()).filter(|&j| g.active(op.results[j]) || g.active(block.args[j + 1])).collect();
        let free = g.free_adjoints(&[block], &[body_scope], outer);
        if carried.is_empty() && free.is_empty() && !g.touches_shadows(&[block]) {
            return Ok(());
        }
        let builder = g.builder(op);
        let mut bounds = Vec::new();
        for &bound in &op.operands[..3] {
            bounds.push(builder.to_index(g.primal(bound)?));
        }
        let (lb, ub, step) = (bounds[0], bounds[1], bounds[2]);
        let count = crate::ad::reverse::trip_count(&builder, lb, ub, step);
        let mut inits = Vec::new();
        for &j in &carried {
            inits.push(g.adjoint_or_zero(op.results[j], &builder));
        }
        for &value in &free {
            inits.push(g.adjoint_or_zero(value, &builder));
        }
        let (zero, one) = (builder.index(0), builder.index(1));
        let lp = builder.for_loop(zero, count, one, &inits);

        // The iteration this reverse iteration undoes, and its induction
        // variable.
        let header = builder.inside(lp.body);
        let last = header.subi(count, one);
        let iteration = header.subi(last, lp.induction);
        let iv = header.from_index(header.addi(lb, header.muli(iteration, step)), g.ty(block.args[0]));
        let index = g.scopes.scopes[body_scope].indexable.then(|| match g.current_index() {
            Some(parent) => header.addi(header.muli(parent, count), iteration),
            None => iteration,
        });
        let saved = g.take_adjoints();
        g.push_scope(body_scope, lp.body, index);
        g.make_available(block.args[0], iv);
        // Outer values first: a yielded value may be one of them (a body
        // that yields a value defined outside the loop), and its adjoint from
        // the next iteration adds to what it carries.
        for (position, &value) in free.iter().enumerate() {
            g.set_adjoint(value, lp.arguments[carried.len() + position]);
        }
        let yields = yielded(&op.regions[0]);
        for (position, &j) in carried.iter().enumerate() {
            if g.active(yields[j]) {
                g.add_adjoint(yields[j], lp.arguments[position], op);
            }
        }
        g.reverse_ops(&block.ops)?;
        let inner = g.builder(op);
        let mut results = Vec::new();
        for &j in &carried {
            results.push(g.adjoint_or_zero(block.args[j + 1], &inner));
        }
        for &value in &free {
            results.push(g.adjoint_or_zero(value, &inner));
        }
        g.pop_scope();
        inner.yield_values(&results);
        g.restore_adjoints(saved);
        for (position, &value) in free.iter().enumerate() {
            g.set_adjoint(value, lp.results[carried.len() + position]);
        }
        for (position, &j) in carried.iter().enumerate() {
            let init = op.operands[3 + j];
            if g.active(init) {
                g.add_adjoint(init, lp.results[position], op);
            }
        }
        Ok(())
    }

    fn tangent<'f>(&self, op: &'f Op, t: &mut Tangent<'f>) -> Result<()> {
        t.tangent_for(op)
    }
}

impl Derivative for If {
    fn recompute(&self) -> Recompute {
        Recompute::Never
    }

    fn reverse<'f>(&self, op: &'f Op, g: &mut Reverse<'f>) -> Result<()> {
        let outer = g.current_forward();
        let branches: Vec<&Block> = op.regions.iter().filter_map(|r| r.first()).collect();
        let branch_scopes: Vec<ScopeId> = (0..branches.len()).map(|i| g.scopes.of_region(op, i)).collect();
        let free = g.free_adjoints(&branches, &branch_scopes, outer);
        let result_adjoints: Vec<Option<Val>> =
            op.results.iter().map(|&r| if g.active(r) { g.adjoint(r) } else { None }).collect();
        if free.is_empty() && result_adjoints.iter().all(Option::is_none) && !g.touches_shadows(&branches) {
            return Ok(());
        }
        let builder = g.builder(op);
        let condition = g.primal(op.operands[0])?;
        // What a branch yields for an outer value it gives no adjoint to:
        // the current adjoint, or one zero made before the branches.
        let mut unchanged = Vec::new();
        for &value in &free {
            unchanged.push(g.adjoint_or_zero(value, &builder));
        }
        let types: Vec<_> = free.iter().map(|&v| g.ty(v)).collect();
        let branch = builder.if_op(condition, &types);
        let parent_index = g.current_index();
        for (region, block) in [branch.then_block, branch.else_block].into_iter().enumerate() {
            let saved = g.take_adjoints();
            let scope = branch_scopes.get(region).copied();
            let header = builder.inside(block);
            let index = match (parent_index, scope) {
                (Some(parent), _) => Some(parent),
                (None, Some(scope)) if g.scopes.scopes[scope].indexable => Some(header.index(0)),
                _ => None,
            };
            g.push_scope(scope.unwrap_or(usize::MAX), block, index);
            if let Some(primal) = op.regions.get(region).and_then(|r| r.first()) {
                let yields = yielded(&op.regions[region]);
                for (j, adjoint) in result_adjoints.iter().enumerate() {
                    if let Some(adjoint) = adjoint
                        && g.active(yields[j])
                    {
                        g.add_adjoint(yields[j], *adjoint, op);
                    }
                }
                g.reverse_ops(&primal.ops)?;
            }
            let results: Vec<Val> =
                free.iter().zip(&unchanged).map(|(&v, &outer)| g.adjoint(v).unwrap_or(outer)).collect();
            g.pop_scope();
            builder.inside(block).yield_values(&results);
            g.restore_adjoints(saved);
        }
        for (position, &value) in free.iter().enumerate() {
            g.set_adjoint(value, branch.results[position]);
        }
        Ok(())
    }

    fn tangent<'f>(&self, op: &'f Op, t: &mut Tangent<'f>) -> Result<()> {
        t.tangent_if(op)
    }
}

impl Derivative for While {
    fn recompute(&self) -> Recompute {
        Recompute::Never
    }

    fn reverse<'f>(&self, op: &'f Op, g: &mut Reverse<'f>) -> Result<()> {
        let (before, after) = (op.block(0), op.block(1));
        let condition = before.ops.last().expect("scf.condition");
        let forwarded = &condition.operands[1..];
        // The condition region may compute the condition, but values that
        // carry derivatives must pass through it unchanged.
        for inner in &before.ops {
            let writes_shadowed = matches!(inner.name.as_str(), "memref.store" | "memref.copy" | "func.call")
                && inner.operands.iter().any(|&v| g.has_shadow(v));
            if inner.results.iter().any(|&r| g.active(r)) || writes_shadowed {
                return Err(g.unsupported(
                    op,
                    &format!(
                        "its condition region computes values that carry derivatives (at {}); compute them in the \
                         loop body",
                        inner.place
                    ),
                ));
            }
        }
        let mut passed_from = Vec::new();
        for (j, &value) in forwarded.iter().enumerate() {
            let source = before.args.iter().position(|&arg| arg == value);
            if source.is_none() && (g.active(value) || g.active(after.args[j]) || g.active(op.results[j])) {
                return Err(g.unsupported(
                    op,
                    "a value carrying derivatives is forwarded by scf.condition without being an argument of the \
                     condition region",
                ));
            }
            passed_from.push(source);
        }
        let outer = g.current_forward();
        let (before_scope, after_scope) = (g.scopes.of_region(op, 0), g.scopes.of_region(op, 1));
        let carried: Vec<usize> = (0..before.args.len()).filter(|&j| g.active(before.args[j])).collect();
        let free = g.free_adjoints(&[before, after], &[before_scope, after_scope], outer);
        if carried.is_empty() && free.is_empty() && !g.touches_shadows(&[after]) {
            return Ok(());
        }
        let builder = g.builder(op);
        // Adjoints of the loop's results flow to the arguments they came from.
        let mut initial: HashMap<usize, Val> = HashMap::new();
        for (j, &result) in op.results.iter().enumerate() {
            if let (Some(source), Some(adjoint)) = (passed_from[j], g.adjoint(result))
                && g.active(result)
            {
                accumulate(g, &mut initial, source, before.args[source], adjoint, &builder);
            }
        }
        let count = g.primal(g.while_counts[&(op as *const Op)])?;
        let inits = carried_then_free(g, &initial, &carried, &before.args, &free, &builder);
        let (zero, one) = (builder.index(0), builder.index(1));
        let lp = builder.for_loop(zero, count, one, &inits);
        let saved = g.take_adjoints();
        g.push_scope(after_scope, lp.body, None);
        for (position, &value) in free.iter().enumerate() {
            g.set_adjoint(value, lp.arguments[carried.len() + position]);
        }
        let next = yielded(&op.regions[1]);
        for (position, &j) in carried.iter().enumerate() {
            if g.active(next[j]) {
                g.add_adjoint(next[j], lp.arguments[position], op);
            }
        }
        g.reverse_ops(&after.ops)?;
        // after.args[k] was before.args[passed_from[k]] in this iteration.
        let inner = g.builder(op);
        let mut back: HashMap<usize, Val> = HashMap::new();
        for (k, &arg) in after.args.iter().enumerate() {
            if let (Some(source), Some(adjoint)) = (passed_from[k], g.adjoint(arg)) {
                accumulate(g, &mut back, source, before.args[source], adjoint, &inner);
            }
        }
        let results = carried_then_free(g, &back, &carried, &before.args, &free, &inner);
        g.pop_scope();
        inner.yield_values(&results);
        g.restore_adjoints(saved);
        for (position, &value) in free.iter().enumerate() {
            g.set_adjoint(value, lp.results[carried.len() + position]);
        }
        for (position, &j) in carried.iter().enumerate() {
            let init = op.operands[j];
            if g.active(init) {
                g.add_adjoint(init, lp.results[position], op);
            }
        }
        Ok(())
    }

    fn tangent<'f>(&self, op: &'f Op, t: &mut Tangent<'f>) -> Result<()> {
        t.tangent_while(op)
    }
}

/// Whether values of type `ty` can be summed by `scf.reduce` and
/// `memref.atomic_rmw addf` in zad's derivatives (f32 and f64).
pub(crate) fn atomic_element(ty: crate::mlir::Type) -> bool {
    matches!(crate::mlir::Element::of(ty), Some(crate::mlir::Element::F32 | crate::mlir::Element::F64))
}

/// Why the AD core cannot differentiate parallel loop `op` as a parallel
/// loop (None: it can): its body must hold no op with regions but the
/// terminating `scf.reduce`, whose reductions are `addf` sums of f32 or
/// f64, and its iterations must be numbered before it runs (the loops
/// around it are `scf.for` loops with known bounds), for tapes indexed by
/// iteration.
pub(crate) fn parallel_form_problem(op: &Op, indexable: bool) -> Option<&'static str> {
    let block = op.block(0);
    let Some((reduce, body)) = block.ops.split_last() else { return Some("an empty body") };
    if body.iter().any(|inner| !inner.regions.is_empty() || inner.name == "func.call") {
        return Some("its body holds loops, branches or calls");
    }
    for region in &reduce.regions {
        let Some(combiner) = region.first() else { return Some("a reduction without a body") };
        let [sum, ret] = combiner.ops.as_slice() else { return Some("a reduction other than a sum") };
        let is_sum = sum.name == "arith.addf"
            && ret.name == "scf.reduce.return"
            && ret.operands == sum.results
            && (sum.operands == combiner.args || sum.operands.iter().rev().copied().eq(combiner.args.iter().copied()));
        if !is_sum {
            return Some("a reduction other than a sum");
        }
    }
    if !indexable {
        return Some("it is nested in a loop whose iterations are not numbered before it runs");
    }
    None
}

/// The loads of parallel loop `op` whose adjoint goes to a shadow element
/// that belongs to the iteration: every load and store of the buffer in
/// the loop uses the same indices, and every induction variable is one of
/// them, so no two iterations touch the element. None at all when the loop
/// accesses a view (whose shadow may alias another buffer's).
fn own_element_loads(g: &Reverse, op: &Op) -> std::collections::HashSet<*const Op> {
    let block = op.block(0);
    let accesses: Vec<(&Op, ValueId, &[ValueId])> = block
        .ops
        .iter()
        .filter_map(|inner| match inner.name.as_str() {
            "memref.load" => Some((inner, inner.operands[0], &inner.operands[1..])),
            "memref.store" => Some((inner, inner.operands[1], &inner.operands[2..])),
            _ => None,
        })
        .collect();
    let through_view =
        accesses.iter().any(|&(_, memref, _)| g.scopes.def[memref].is_some_and(|def| crate::ad::rules::is_view(&def.name)));
    if through_view {
        return Default::default();
    }
    let mut plain = std::collections::HashSet::new();
    for &(access, memref, indices) in &accesses {
        let owned = block.args.iter().all(|iv| indices.contains(iv));
        let uniform = accesses.iter().all(|&(_, other, other_indices)| other != memref || other_indices == indices);
        if access.name == "memref.load" && owned && uniform {
            plain.insert(access as *const Op);
        }
    }
    plain
}

impl Derivative for Parallel {
    fn recompute(&self) -> Recompute {
        Recompute::Never
    }

    fn reverse<'f>(&self, op: &'f Op, g: &mut Reverse<'f>) -> Result<()> {
        let block = op.block(0);
        let dims = block.args.len();
        let body_scope = g.scopes.of_region(op, 0);
        if let Some(problem) = parallel_form_problem(op, g.scopes.scopes[body_scope].indexable) {
            return Err(g.unsupported(op, &format!("as a parallel loop: {problem}")));
        }
        let reduce = block.ops.last().expect("scf.reduce");
        let outer = g.current_forward();
        let reduced: Vec<(usize, Val)> = (0..op.results.len())
            .filter(|&j| g.active(op.results[j]))
            .filter_map(|j| g.adjoint(op.results[j]).map(|adjoint| (j, adjoint)))
            .collect();
        let free = g.free_adjoints(&[block], &[body_scope], outer);
        if reduced.is_empty() && free.is_empty() && !g.touches_shadows(&[block]) {
            return Ok(());
        }
        if let Some(&value) = free.iter().find(|&&v| !atomic_element(g.ty(v))) {
            return Err(g.unsupported(op, &format!("as a parallel loop: it uses a value of type {} from outside", g.ty(value))));
        }
        let builder = g.builder(op);
        let primal_bounds: Vec<Val> = op.operands[..3 * dims].iter().map(|&bound| g.primal(bound)).collect::<Result<_>>()?;
        let bounds = crate::ad::reverse::LoopBounds::new(&builder, &primal_bounds);
        // Stencil reads: their adjoints are gathered, before the reverse
        // loop (which clears the output adjoints the gathers read).
        let gather = crate::ad::reverse::gather::plan(g, op);
        let enclosing_gathering = std::mem::replace(&mut g.gathering, gather.as_ref().map(|plan| plan.gathering()));
        if let Some(plan) = &gather {
            let looped = crate::ad::reverse::gather::Loop { op, body_scope, bounds: &bounds, reduced: &reduced };
            plan.gather(g, &looped)?;
        }
        // Each iteration sums its contributions to the adjoints of outer
        // values from zero; the reduction adds them up.
        let mut inits = Vec::new();
        for &value in &free {
            inits.push(g.zero(value, &builder));
        }
        let crate::ad::reverse::NormalizedParallel { lp, inductions, iteration, count } = bounds.parallel_loop(&builder, &inits);
        let header = builder.inside(lp.body);
        let index = match g.current_index() {
            Some(parent) => header.addi(header.muli(parent, count), iteration),
            None => iteration,
        };
        let saved = g.take_adjoints();
        for &value in &free {
            g.clear_adjoint(value);
        }
        g.push_scope(body_scope, lp.body, Some(index));
        for (d, &iv) in block.args.iter().enumerate() {
            g.make_available(iv, inductions[d]);
        }
        // Every iteration's reduced value has the adjoint of the sum.
        for &(j, adjoint) in &reduced {
            if g.active(reduce.operands[j]) {
                g.add_adjoint(reduce.operands[j], adjoint, op);
            }
        }
        let plain = own_element_loads(g, op);
        let enclosing = g.parallel_plain_loads.replace(plain);
        let reversed = g.reverse_ops(&block.ops);
        g.parallel_plain_loads = enclosing;
        g.gathering = enclosing_gathering;
        reversed?;
        let inner = g.builder(op);
        let mut contributions = Vec::new();
        for &value in &free {
            contributions.push(g.adjoint_or_zero(value, &inner));
        }
        g.pop_scope();
        inner.reduce_sum(&contributions);
        g.restore_adjoints(saved);
        for (position, &value) in free.iter().enumerate() {
            g.add_adjoint(value, lp.results[position], op);
        }
        for &(j, adjoint) in &reduced {
            let init = op.operands[3 * dims + j];
            if g.active(init) {
                g.add_adjoint(init, adjoint, op);
            }
        }
        Ok(())
    }

    fn tangent<'f>(&self, op: &'f Op, t: &mut Tangent<'f>) -> Result<()> {
        t.tangent_parallel(op)
    }
}

/// `sums[key] += value`, summing in the type of `like`.
fn accumulate(
    g: &Reverse,
    sums: &mut HashMap<usize, Val>,
    key: usize,
    like: ValueId,
    value: Val,
    builder: &crate::mlir::Builder,
) {
    let sum = match sums.remove(&key) {
        Some(previous) => g.add(builder, like, previous, value),
        None => value,
    };
    sums.insert(key, sum);
}

/// The adjoints of the `carried` arguments (from `sums`, zero when
/// absent), then those of the `free` values: a reverse loop's iteration
/// arguments.
fn carried_then_free(
    g: &mut Reverse,
    sums: &HashMap<usize, Val>,
    carried: &[usize],
    args: &[ValueId],
    free: &[ValueId],
    builder: &crate::mlir::Builder,
) -> Vec<Val> {
    let mut values = Vec::new();
    for &j in carried {
        values.push(match sums.get(&j) {
            Some(&sum) => sum,
            None => g.zero(args[j], builder),
        });
    }
    for &value in free {
        values.push(g.adjoint_or_zero(value, builder));
    }
    values
}
