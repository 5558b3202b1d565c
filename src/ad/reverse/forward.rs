//! The forward sweep: a copy of the primal at the start of the adjoint
//! function. Loops run by their trip count (the reverse sweep and the tapes
//! are sized by it), `scf.while` loops count their iterations, buffers the
//! primal frees at the top level are freed at the end instead (the reverse
//! sweep may read them). What the reverse sweep needs recorded is added to
//! this copy later, after the value's definition (see `tape`).

use super::{ForwardScope, Generator};
use crate::{
    ad::{
        ir::{Block, Op, ValueId, yielded},
        scopes::{ScopeId, TOP},
    },
    error::Result,
    mlir::{Builder, Val},
};

impl<'f> Generator<'f> {
    /// Copies the ops of `block` at `builder`, without its terminator.
    pub(crate) fn forward_block(&mut self, block: &'f Block, builder: &Builder) -> Result<()> {
        let count = block.ops.len().saturating_sub(1);
        for op in &block.ops[..count] {
            self.forward_op(op, &builder.at(op.location))?;
        }
        Ok(())
    }

    fn map(&self, values: &[ValueId]) -> Vec<Val> {
        values.iter().map(|&v| self.forward_value(v)).collect()
    }

    fn bind(&mut self, values: &[ValueId], copies: &[Val]) {
        for (&value, &copy) in values.iter().zip(copies) {
            self.forward_values[value] = Some(copy);
        }
    }

    /// Starts the forward copy of scope `scope` in `block`: an anchor ahead
    /// of which its iteration numbering goes.
    fn open_forward_scope(&mut self, scope: ScopeId, builder: &Builder, iteration: Option<(Val, Val)>) {
        let header = self.anchor(builder);
        self.forward_scopes.insert(scope, ForwardScope { header, iteration, index: None });
    }

    fn forward_op(&mut self, op: &'f Op, builder: &Builder) -> Result<()> {
        match op.name.as_str() {
            "scf.for" if super::checkpointed::scheme(op).is_some() => self.forward_checkpointed(op, builder),
            "scf.for" => self.forward_for(op, builder),
            "scf.if" => self.forward_if(op, builder),
            "scf.while" => self.forward_while(op, builder),
            "scf.parallel" => self.forward_parallel(op, builder),
            "func.call" if self.custom_forwards.contains_key(&(op as *const Op)) => {
                // The `zad.forward` of the callee: its results, then the
                // residuals the adjoint receives.
                let custom = &self.custom_forwards[&(op as *const Op)];
                let (forward, residuals) = (custom.function.clone(), custom.residuals.clone());
                let operands = self.map(&op.operands);
                let mut types: Vec<_> = op.results.iter().map(|&r| self.ty(r)).collect();
                types.extend(residuals.iter().map(|&r| self.ty(r)));
                let callee = melior::ir::attribute::FlatSymbolRefAttribute::new(self.context, &forward).into();
                let copy = builder.op("func.call", &operands, &types, &[("callee", callee)]);
                let results: Vec<Val> = (0..types.len()).map(|i| crate::mlir::result_of(copy, i)).collect();
                self.bind(&op.results, &results[..op.results.len()]);
                self.bind(&residuals, &results[op.results.len()..]);
                self.forward_ops.insert(op as *const Op, copy);
                Ok(())
            }
            "memref.dealloc" if self.scopes.containing(op) == TOP => {
                // Freed at the end of the adjoint: the reverse sweep may
                // still read the buffer, or rerun checkpointed steps on it.
                self.deferred_frees.push(self.forward_value(op.operands[0]));
                Ok(())
            }
            _ => {
                let operands = self.map(&op.operands);
                let copy = builder.clone_with_operands(op.handle, &operands);
                let results: Vec<Val> = (0..op.results.len()).map(|i| crate::mlir::result_of(copy, i)).collect();
                self.bind(&op.results, &results);
                self.forward_ops.insert(op as *const Op, copy);
                Ok(())
            }
        }
    }

    /// An `scf.for` run by its trip count: iteration k from 0, the
    /// induction variable computed as lb + k·step.
    fn forward_for(&mut self, op: &'f Op, builder: &Builder) -> Result<()> {
        let block = op.block(0);
        let iv_type = self.ty(block.args[0]);
        let [lb, ub, step] = [0, 1, 2].map(|i| builder.to_index(self.forward_value(op.operands[i])));
        let count = trip_count(builder, lb, ub, step);
        let (zero, one) = (builder.index(0), builder.index(1));
        let inits = self.map(&op.operands[3..]);
        let lp = builder.for_loop(zero, count, one, &inits);
        let inner = builder.inside(lp.body);
        let offset = inner.muli(lp.induction, step);
        let iv = inner.from_index(inner.addi(lb, offset), iv_type);
        self.forward_values[block.args[0]] = Some(iv);
        self.bind(&block.args[1..], &lp.arguments);
        let scope = self.scopes.of_region(op, 0);
        self.open_forward_scope(scope, &inner, Some((lp.induction, count)));
        self.forward_block(block, &inner)?;
        inner.yield_values(&self.map(yielded(&op.regions[0])));
        self.bind(&op.results, &lp.results);
        self.forward_ops.insert(op as *const Op, lp.op);
        Ok(())
    }

    /// An `scf.parallel` with the same bounds, its iterations numbered
    /// (row-major) for the tapes recorded in it: each iteration writes its
    /// own slot.
    fn forward_parallel(&mut self, op: &'f Op, builder: &Builder) -> Result<()> {
        let block = op.block(0);
        let dims = block.args.len();
        let bounds = LoopBounds::of(op, builder, |v| self.forward_value(v));
        let inits = self.map(&op.operands[3 * dims..]);
        let NormalizedParallel { lp, inductions, iteration, count } = bounds.parallel_loop(builder, &inits);
        self.bind(&block.args, &inductions);
        let inner = builder.inside(lp.body);
        let scope = self.scopes.of_region(op, 0);
        self.open_forward_scope(scope, &inner, Some((iteration, count)));
        self.forward_block(block, &inner)?;
        let reduce = block.ops.last().expect("scf.reduce");
        inner.at(reduce.location).clone_with_operands(reduce.handle, &self.map(&reduce.operands));
        self.bind(&op.results, &lp.results);
        self.forward_ops.insert(op as *const Op, lp.op);
        Ok(())
    }

    fn forward_if(&mut self, op: &'f Op, builder: &Builder) -> Result<()> {
        let types: Vec<_> = op.results.iter().map(|&r| self.ty(r)).collect();
        let branch = builder.if_op(self.forward_value(op.operands[0]), &types);
        for (region, block) in [branch.then_block, branch.else_block].into_iter().enumerate() {
            let inner = builder.inside(block);
            if let Some(primal) = op.regions.get(region).and_then(|r| r.first()) {
                let scope = self.scopes.of_region(op, region);
                self.open_forward_scope(scope, &inner, None);
                self.forward_block(primal, &inner)?;
                inner.yield_values(&self.map(yielded(&op.regions[region])));
            } else {
                inner.yield_values(&[]);
            }
        }
        self.bind(&op.results, &branch.results);
        self.forward_ops.insert(op as *const Op, branch.op);
        Ok(())
    }

    /// An `scf.while` that also counts its iterations: the trip count is a
    /// value of its own, which the reverse sweep runs its loop by.
    fn forward_while(&mut self, op: &'f Op, builder: &Builder) -> Result<()> {
        let online = super::checkpointed::scheme(op).is_some();
        if online {
            self.checkpoint_prelude(op, builder)?;
        }
        let (before, after) = (op.block(0), op.block(1));
        let zero = builder.index(0);
        let mut inits = self.map(&op.operands);
        inits.push(zero);
        let mut after_types: Vec<_> = after.args.iter().map(|&a| self.ty(a)).collect();
        after_types.push(builder.index_type());
        let lp = builder.while_loop(&inits, &after_types);

        let condition_builder = builder.inside(lp.before);
        let before_args: Vec<Val> = (0..=before.args.len()).map(|i| crate::mlir::block_argument(lp.before, i)).collect();
        self.bind(&before.args, &before_args);
        let counter_in = before_args[before.args.len()];
        self.open_forward_scope(self.scopes.of_region(op, 0), &condition_builder, None);
        if online {
            self.online_store_state(op, &condition_builder);
        }
        self.forward_block(before, &condition_builder)?;
        let condition = before.ops.last().expect("scf.condition");
        let mut forwarded = self.map(&condition.operands[1..]);
        forwarded.push(counter_in);
        condition_builder.condition(self.forward_value(condition.operands[0]), &forwarded);

        let body_builder = builder.inside(lp.after);
        let after_args: Vec<Val> = (0..=after.args.len()).map(|i| crate::mlir::block_argument(lp.after, i)).collect();
        self.bind(&after.args, &after_args);
        let counter = after_args[after.args.len()];
        self.open_forward_scope(self.scopes.of_region(op, 1), &body_builder, None);
        if online {
            self.online_step(op, &body_builder, counter);
        }
        self.forward_block(after, &body_builder)?;
        let mut next = self.map(yielded(&op.regions[1]));
        let one = body_builder.index(1);
        next.push(body_builder.addi(counter, one));
        body_builder.yield_values(&next);

        self.bind(&op.results, &lp.results);
        let count = self.while_counts[&(op as *const Op)];
        self.forward_values[count] = Some(lp.results[op.results.len()]);
        self.forward_ops.insert(op as *const Op, lp.op);
        if online {
            self.online_finish(op, builder, lp.results[op.results.len()]);
        }
        Ok(())
    }
}

/// The bounds of an `scf.for` or `scf.parallel` (one entry per dimension),
/// as index values.
pub(crate) struct LoopBounds {
    pub lbs: Vec<Val>,
    pub ubs: Vec<Val>,
    pub steps: Vec<Val>,
}

impl LoopBounds {
    /// The bounds of loop `op`, its operands given by `value`.
    pub(crate) fn of(op: &Op, builder: &Builder, value: impl FnMut(ValueId) -> Val) -> LoopBounds {
        let dims = if op.name == "scf.parallel" { op.regions[0][0].args.len() } else { 1 };
        let bounds: Vec<Val> = op.operands[..3 * dims].iter().copied().map(value).collect();
        LoopBounds::new(builder, &bounds)
    }

    /// The bounds given as the loop's bound operands are (all lower
    /// bounds, then all upper bounds, then all steps).
    pub(crate) fn new(builder: &Builder, bounds: &[Val]) -> LoopBounds {
        let dims = bounds.len() / 3;
        let index = |values: &[Val]| values.iter().map(|&v| builder.to_index(v)).collect();
        LoopBounds { lbs: index(&bounds[..dims]), ubs: index(&bounds[dims..2 * dims]), steps: index(&bounds[2 * dims..]) }
    }

    /// The trip count of each dimension.
    pub(crate) fn counts(&self, builder: &Builder) -> Vec<Val> {
        (0..self.lbs.len()).map(|d| trip_count(builder, self.lbs[d], self.ubs[d], self.steps[d])).collect()
    }

    /// The number of iterations of the whole loop.
    pub(crate) fn count(&self, builder: &Builder) -> Val {
        product(builder, &self.counts(builder))
    }

    /// An `scf.parallel` over the same iterations, normalised (from 0 by
    /// 1, to each dimension's trip count), with `inits`: its induction
    /// variables `lb + k·step` and its iteration number, row-major from 0
    /// to the loop's count. Each iteration of a parallel loop has its own
    /// number, whatever thread runs it, so tapes indexed by it are written
    /// without races; and the number needs no division, which would be a
    /// checked op and keep the loop on one thread.
    pub(crate) fn parallel_loop(&self, builder: &Builder, inits: &[Val]) -> NormalizedParallel {
        let counts = self.counts(builder);
        let count = product(builder, &counts);
        let zeros: Vec<Val> = counts.iter().map(|_| builder.index(0)).collect();
        let ones: Vec<Val> = counts.iter().map(|_| builder.index(1)).collect();
        let lp = builder.parallel_loop(&zeros, &counts, &ones, inits);
        let inner = builder.inside(lp.body);
        let mut inductions = Vec::new();
        let mut iteration = inner.index(0);
        for d in 0..counts.len() {
            let k = lp.inductions[d];
            inductions.push(inner.addi(self.lbs[d], inner.muli(k, self.steps[d])));
            iteration = inner.addi(inner.muli(iteration, counts[d]), k);
        }
        NormalizedParallel { lp, inductions, iteration, count }
    }
}

/// The product of trip counts `counts` (saturating; one count is itself).
fn product(builder: &Builder, counts: &[Val]) -> Val {
    let (&first, rest) = counts.split_first().expect("a loop has a dimension");
    rest.iter().fold(first, |size, &count| size_product(builder, size, count))
}

/// A normalised `scf.parallel` (see `LoopBounds::parallel_loop`).
pub(crate) struct NormalizedParallel {
    pub lp: crate::mlir::ParallelLoop,
    pub inductions: Vec<Val>,
    pub iteration: Val,
    pub count: Val,
}

/// The trip count of `for lb to ub step step` (index values), without
/// overflow for any bounds: 0 when `ub <= lb`, else `(ub - lb - 1) / step +
/// 1` in unsigned arithmetic (the span of a non-empty range fits in 64
/// unsigned bits). A step below 1 (which MLIR leaves undefined; the primal
/// loop never ends) counts as 1, so that the count never divides by zero.
pub(crate) fn trip_count(builder: &Builder, lb: Val, ub: Val, step: Val) -> Val {
    let (zero, one) = (builder.index(0), builder.index(1));
    let nonempty = builder.cmpi("slt", lb, ub);
    let last = builder.subi(builder.subi(ub, lb), one);
    let positive_step = builder.binary("arith.maxsi", step, one);
    let count = builder.addi(builder.binary("arith.divui", last, positive_step), one);
    builder.select(nonempty, count, zero)
}

/// `a * b` for buffer sizes, saturating at the largest index instead of
/// wrapping, so that an impossible size fails to allocate rather than
/// allocating a small buffer that is then overrun.
pub(crate) fn size_product(builder: &Builder, a: Val, b: Val) -> Val {
    let (zero, one) = (builder.index(0), builder.index(1));
    let largest = builder.index(i64::MAX);
    let product = builder.muli(a, b);
    let quotient = builder.binary("arith.divui", product, builder.binary("arith.maxsi", a, one));
    let exact = builder.binary("arith.ori", builder.cmpi("eq", quotient, b), builder.cmpi("eq", a, zero));
    let valid = builder.binary("arith.andi", exact, builder.cmpi("sge", product, zero));
    builder.select(valid, product, largest)
}
