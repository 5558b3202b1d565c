//! Structured control flow, reversed structurally: the reverse of an
//! `scf.for` is an `scf.for` running its iterations backwards, an
//! `scf.while` (whose trip count the forward sweep records) is reversed as
//! an `scf.for`, an `scf.if` tests its condition again. Adjoints of
//! loop-carried values, and of the values from outside a region that the
//! region uses, travel as iteration arguments (or results) of the reverse
//! op. In forward mode the tangents of carried values are carried next to
//! them.

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
        _ => None,
    }
}

struct For;
struct If;
struct While;

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
