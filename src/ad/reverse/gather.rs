//! Stencil adjoints of parallel loops as gathers (the idea of PerforAD,
//! Hückelheim et al. 2019, on loops instead of stencil expressions). A
//! parallel stencil reads its input at constant offsets from its own
//! element (`u[i-1]`, `u[i]`, `u[i+1]`), so the straightforward reverse
//! loop adds each iteration's contributions to neighbouring shadow
//! elements that other iterations add to as well: atomically, which is
//! slow on threads and on GPUs, and sums in whatever order threads run.
//!
//! Instead, before the reverse loop, a gather loop runs over the shadow's
//! elements j: for each offset c, it evaluates the reverse of the iteration
//! that read element j at offset c (i = j - c, if there was one: its tape
//! slots and output adjoints are all still there) and keeps only that
//! load's adjoint; their sum is added to the shadow element. Each element
//! is written by one iteration of the gather, in a fixed order, with no
//! atomic and no buffer of contributions. The reverse loop that follows
//! does everything else (output adjoints read and cleared, other inputs,
//! sums of outer values) and adds the adjoints of one offset per buffer
//! (its own element when it reads it) in place: no two iterations share
//! those elements, and no other iteration adds to them any more.
//!
//! Applies to the buffers a parallel loop with unit steps only loads, each
//! load at indices `iv + c` (one induction variable per index, each used
//! once, in the same order for every load of the buffer; c a constant),
//! when no buffer of the loop is a view (whose shadow could alias
//! another's). A buffer read at one offset only (as a loop over the
//! interior reads `u[i+1]` where the primal wrote `v[i+1]`) needs no
//! gather: its adjoint is added in place.

use super::{ADJOINT_SUM, Generator, LoopBounds};
use crate::{
    ad::{
        ir::{Op, ValueId},
        scopes::ScopeId,
    },
    error::Result,
    mlir::Val,
};
use melior::ir::{attribute::IntegerAttribute, operation::OperationLike};
use std::collections::{HashMap, HashSet};

/// A buffer whose adjoint is gathered: which induction variable each of its
/// indices follows, and the offsets of its loads.
struct Gathered {
    buffer: ValueId,
    /// `order[d]`: the loop dimension whose induction variable index `d`
    /// of the buffer follows.
    order: Vec<usize>,
    /// Each nonzero offset, and the loads at it.
    offsets: Vec<(Vec<i64>, HashSet<*const Op>)>,
}

/// The gathers of one parallel loop's reverse.
pub(crate) struct Plan {
    buffers: Vec<Gathered>,
    /// The loads whose adjoint the reverse loop adds in place: one offset
    /// per buffer (the zero offset if there is one), whose elements no two
    /// iterations share.
    in_place: HashSet<*const Op>,
}

/// How the reverse of a load treats its adjoint while a parallel loop with
/// gathers is reversed.
pub(crate) enum Role {
    /// In the reverse loop: a load whose adjoint the gather added already.
    Gathered,
    /// In the reverse loop: a load at its buffer's in-place offset.
    Own,
    /// In a gather pass: the load whose adjoint the pass collects.
    Collected,
    /// In a gather pass: any other load (its adjoint is not this pass's).
    Ignored,
}

/// While a parallel loop with gathers is reversed: the loads of its
/// gathered buffers, and, during a gather pass, the loads it collects and
/// their adjoints' sum so far.
pub(crate) struct Gathering {
    gathered: HashSet<*const Op>,
    own: HashSet<*const Op>,
    pass: Option<(HashSet<*const Op>, Option<Val>)>,
}

impl Gathering {
    pub(crate) fn role(&self, load: &Op) -> Option<Role> {
        let key = load as *const Op;
        Some(match &self.pass {
            Some((collected, _)) if collected.contains(&key) => Role::Collected,
            Some(_) => Role::Ignored,
            None if self.gathered.contains(&key) => Role::Gathered,
            None if self.own.contains(&key) => Role::Own,
            None => return None,
        })
    }

    /// Whether a gather pass is being built (its reverse ops must leave
    /// memory as it is: output adjoints are read, not cleared).
    pub(crate) fn in_pass(&self) -> bool {
        self.pass.is_some()
    }

    /// The collected loads' adjoints so far, in a gather pass.
    pub(crate) fn collected(&self) -> Option<Val> {
        self.pass.as_ref().and_then(|(_, sum)| *sum)
    }

    pub(crate) fn set_collected(&mut self, sum: Val) {
        if let Some((_, collected)) = &mut self.pass {
            *collected = Some(sum);
        }
    }
}

/// The gathers for parallel loop `op` (None when no buffer qualifies).
pub(crate) fn plan(g: &Generator, op: &Op) -> Option<Plan> {
    let block = op.block(0);
    let dims = block.args.len();
    let integer = |value: ValueId| -> Option<i64> {
        let def = g.scopes.def[value].filter(|def| def.name == "arith.constant")?;
        IntegerAttribute::try_from(def.handle.attribute("value").ok()?).ok().map(|integer| integer.value())
    };
    if (0..dims).any(|d| integer(op.operands[2 * dims + d]) != Some(1)) {
        return None;
    }
    // `iv + c`, `c + iv`, `iv - c` or `iv`: (loop dimension, c).
    let offset_of = |index: ValueId| -> Option<(usize, i64)> {
        let dimension = |value| block.args.iter().position(|&iv| iv == value);
        if let Some(d) = dimension(index) {
            return Some((d, 0));
        }
        let def = g.scopes.def[index]?;
        let [a, b] = def.operands[..] else { return None };
        match def.name.as_str() {
            "arith.addi" => match (dimension(a), dimension(b)) {
                (Some(d), None) => Some((d, integer(b)?)),
                (None, Some(d)) => Some((d, integer(a)?)),
                _ => None,
            },
            "arith.subi" => Some((dimension(a)?, integer(b)?.checked_neg()?)),
            _ => None,
        }
    };
    // Per buffer, its accesses: a load's (order, offset), or None for a
    // store or a load at other indices.
    let mut accesses: HashMap<ValueId, Vec<(&Op, Option<(Vec<usize>, Vec<i64>)>)>> = HashMap::new();
    for inner in &block.ops {
        let (buffer, indices) = match inner.name.as_str() {
            "memref.load" => (inner.operands[0], &inner.operands[1..]),
            "memref.store" => (inner.operands[1], &inner.operands[2..]),
            _ => continue,
        };
        if g.scopes.def[buffer].is_some_and(|def| crate::ad::rules::is_view(&def.name)) {
            return None;
        }
        let pattern = (inner.name == "memref.load" && indices.len() == dims)
            .then(|| indices.iter().map(|&index| offset_of(index)).collect::<Option<Vec<_>>>())
            .flatten()
            .map(|pairs| pairs.into_iter().unzip::<usize, i64, Vec<usize>, Vec<i64>>())
            .filter(|(order, _)| (0..dims).all(|d| order.contains(&d)));
        accesses.entry(buffer).or_default().push((inner, pattern));
    }
    let mut buffers: Vec<_> = accesses.into_iter().collect();
    buffers.sort_by_key(|(buffer, _)| *buffer);
    let mut plan = Plan { buffers: Vec::new(), in_place: HashSet::new() };
    for (buffer, loads) in buffers {
        if !g.has_shadow(buffer) || !crate::ad::rules::scf::atomic_element(crate::mlir::element_of(g.ty(buffer))) {
            continue;
        }
        let Some(patterns) = loads.iter().map(|(_, pattern)| pattern.clone()).collect::<Option<Vec<_>>>() else { continue };
        let order = patterns[0].0.clone();
        if patterns.iter().any(|(other, _)| *other != order) {
            continue;
        }
        let mut offsets: Vec<(Vec<i64>, HashSet<*const Op>)> = Vec::new();
        for ((load, _), (_, offset)) in loads.iter().zip(patterns) {
            match offsets.iter_mut().find(|(known, _)| *known == offset) {
                Some((_, loads)) => {
                    loads.insert(*load as *const Op);
                }
                None => offsets.push((offset, HashSet::from([*load as *const Op]))),
            }
        }
        // One offset is added in place; the zero offset if there is one (a
        // loop over the interior, iv + 1 everywhere, has none).
        let in_place = offsets.iter().position(|(offset, _)| offset.iter().all(|&c| c == 0)).unwrap_or(0);
        plan.in_place.extend(offsets.remove(in_place).1);
        if !offsets.is_empty() {
            plan.buffers.push(Gathered { buffer, order, offsets });
        }
    }
    (!plan.in_place.is_empty()).then_some(plan)
}

/// What the gather passes of a parallel loop need of its reverse.
pub(crate) struct Loop<'f, 'a> {
    pub(crate) op: &'f Op,
    pub(crate) body_scope: ScopeId,
    pub(crate) bounds: &'a LoopBounds,
    /// The adjoints of the loop's reduced results: (result, adjoint).
    pub(crate) reduced: &'a [(usize, Val)],
}

impl Plan {
    /// The roles of the loads, for the reverse loop.
    pub(crate) fn gathering(&self) -> Gathering {
        let gathered: HashSet<*const Op> =
            self.buffers.iter().flat_map(|buffer| buffer.offsets.iter().flat_map(|(_, loads)| loads.iter().copied())).collect();
        Gathering { gathered, own: self.in_place.clone(), pass: None }
    }

    /// The gather loops, built at the end of the current reverse scope
    /// (before the reverse loop): each gathered shadow element gets, for
    /// each offset, the adjoint of the load of the iteration that read it
    /// there, if that iteration ran.
    pub(crate) fn gather<'f>(&self, g: &mut Generator<'f>, looped: &Loop<'f, '_>) -> Result<()> {
        if self.buffers.is_empty() {
            return Ok(());
        }
        let op = looped.op;
        let block = op.block(0);
        let reduce = block.ops.last().expect("scf.reduce");
        let builder = g.builder(op);
        let bounds = looped.bounds;
        let counts = bounds.counts(&builder);
        let count = bounds.count(&builder);
        let zero = builder.index(0);
        // An empty loop read nothing (and its bounds give no box).
        let nonempty = builder.cmpi("sgt", count, zero);
        let branch = builder.if_op(nonempty, &[]);
        let then = builder.inside(branch.then_block);
        let parent_index = g.current_index();
        for gathered in &self.buffers {
            let shadow = g.shadow(gathered.buffer, op)?;
            let element = crate::mlir::element_of(g.ty(gathered.buffer));
            // The shadow elements the loop's loads reached: per index, the
            // loop's range shifted by the smallest and largest offsets.
            let rank = gathered.order.len();
            let (mut lows, mut highs) = (Vec::new(), Vec::new());
            for d in 0..rank {
                let dimension = gathered.order[d];
                let offsets = gathered.offsets.iter().map(|(offset, _)| offset[d]);
                let (smallest, largest) = (offsets.clone().min().unwrap_or(0), offsets.max().unwrap_or(0));
                lows.push(then.addi(bounds.lbs[dimension], then.index(smallest)));
                highs.push(then.addi(bounds.ubs[dimension], then.index(largest)));
            }
            let ones: Vec<Val> = (0..rank).map(|_| then.index(1)).collect();
            let lp = then.parallel_loop(&lows, &highs, &ones, &[]);
            let body = then.inside(lp.body);
            let mut sum = super::zero_of(element, &body);
            for (offset, loads) in &gathered.offsets {
                // The iteration that read this element at `offset`: its
                // induction variables (clamped into the loop's range, so
                // that its reverse reads memory in bounds when it did not
                // run; its value is then not used), its number (row-major,
                // as the reverse loop numbers iterations), whether it ran.
                let here = g.builder(op).inside(lp.body);
                let mut ran = here.cmpi("sgt", count, here.index(0));
                let mut steps = vec![here.index(0); rank];
                for d in 0..rank {
                    let dimension = gathered.order[d];
                    let step = here.subi(here.subi(lp.inductions[d], here.index(offset[d])), bounds.lbs[dimension]);
                    let first = here.cmpi("sge", step, here.index(0));
                    let last = here.cmpi("slt", step, counts[dimension]);
                    ran = here.binary("arith.andi", ran, here.binary("arith.andi", first, last));
                    let top = here.subi(counts[dimension], here.index(1));
                    steps[dimension] = here.binary("arith.minsi", here.binary("arith.maxsi", step, here.index(0)), top);
                }
                let mut number = here.index(0);
                for (dimension, &step) in steps.iter().enumerate() {
                    number = here.addi(here.muli(number, counts[dimension]), step);
                }
                let index = match parent_index {
                    Some(parent) => here.addi(here.muli(parent, count), number),
                    None => number,
                };
                let inductions: Vec<Val> = (0..rank).map(|d| here.addi(bounds.lbs[d], steps[d])).collect();
                // That iteration's reverse, collecting the loads' adjoint
                // (its recomputations go before the scope's anchor, made
                // now: after everything above).
                let saved = g.take_adjoints();
                g.push_scope(looped.body_scope, lp.body, Some(index));
                for (&iv, &induction) in block.args.iter().zip(&inductions) {
                    g.make_available(iv, induction);
                }
                for &(j, adjoint) in looped.reduced {
                    if g.active(reduce.operands[j]) {
                        g.add_adjoint(reduce.operands[j], adjoint, op);
                    }
                }
                let gathering = g.gathering.as_mut().expect("gathers are built while their loop is reversed");
                gathering.pass = Some((loads.clone(), None));
                let reversed = g.reverse_ops(&block.ops);
                let collected = g.gathering.as_mut().and_then(|gathering| gathering.pass.take());
                g.pop_scope();
                g.restore_adjoints(saved);
                reversed?;
                if let Some((_, Some(adjoint))) = collected {
                    let after = g.builder(op).inside(lp.body);
                    let received = after.select(ran, adjoint, super::zero_of(element, &after));
                    sum = after.binary_fast("arith.addf", sum, received, after.parse_attribute(ADJOINT_SUM));
                }
            }
            let end = g.builder(op).inside(lp.body);
            let old = end.load(shadow, &lp.inductions);
            let new = end.binary_fast("arith.addf", old, sum, end.parse_attribute(ADJOINT_SUM));
            end.store(new, shadow, &lp.inductions);
            end.reduce_sum(&[]);
        }
        then.yield_values(&[]);
        builder.inside(branch.else_block).yield_values(&[]);
        Ok(())
    }
}
