//! Activity analysis: which values carry derivatives.
//!
//! A value is *varied* when it depends on an active input and *useful* when
//! an output depends on it; only values that are both get adjoints. Memory
//! is tracked per allocation (a memref argument or `memref.alloc[a]`),
//! views sharing their source's allocation. The analysis is
//! flow-insensitive over a dependence graph, so it errs on the side of
//! activity, never the other way.

use crate::{
    ad::{
        ir::{Block, Func, Op, ValueId, walk_blocks, yielded},
        rules,
    },
    mlir::Element,
};
use melior::ir::TypeLike;

fn is_float(ty: crate::mlir::Type) -> bool {
    Element::of(ty).is_some()
}

fn is_memref(ty: crate::mlir::Type) -> bool {
    ty.is_mem_ref()
}

/// Per-argument activity, as in Enzyme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activity {
    /// No derivative.
    Const,
    /// A float scalar whose gradient is returned.
    Active,
    /// A buffer with a shadow into which the gradient is accumulated.
    Dup,
}

impl Activity {
    pub fn code(self) -> char {
        match self {
            Activity::Const => 'c',
            Activity::Active => 'a',
            Activity::Dup => 'd',
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Activity::Const => "const",
            Activity::Active => "active",
            Activity::Dup => "dup",
        }
    }

    pub fn parse(name: &str) -> Option<Activity> {
        [Activity::Const, Activity::Active, Activity::Dup].into_iter().find(|a| a.name() == name)
    }
}


pub struct Analysis {
    /// The allocation each memref value belongs to (itself for roots).
    pub root: Vec<ValueId>,
    varied: Vec<bool>,
    useful: Vec<bool>,
    /// Allocations something may write to (stores, copies, calls, unknown ops).
    written: Vec<bool>,
}

impl Analysis {
    pub fn run(func: &Func, activity: &[Activity]) -> Analysis {
        let count = func.values.len();
        let mut root: Vec<ValueId> = (0..count).collect();
        let mut edges: Vec<(ValueId, ValueId)> = Vec::new();
        walk_blocks(&func.body, &mut |op| collect(op, func, &mut root, &mut edges));
        // Views resolve to their allocation (definitions come before uses).
        for value in 0..count {
            let mut r = root[value];
            while root[r] != r {
                r = root[r];
            }
            root[value] = r;
        }
        let node = |v: ValueId| if is_memref(func.values[v].ty) { root[v] } else { v };
        let edges: Vec<(ValueId, ValueId)> = edges.into_iter().map(|(a, b)| (node(a), node(b))).collect();

        let mut varied = vec![false; count];
        let mut useful = vec![false; count];
        for (&arg, &kind) in func.args.iter().zip(activity) {
            match kind {
                Activity::Active => varied[arg] = true,
                Activity::Dup => {
                    varied[arg] = true;
                    // The final contents of a duplicated buffer are an output.
                    useful[arg] = true;
                }
                Activity::Const => {}
            }
        }
        if let Some(ret) = func.body.first().and_then(|b| b.ops.last()).filter(|op| op.name == "func.return") {
            for &value in &ret.operands {
                if is_float(func.ty(value)) {
                    useful[value] = true;
                }
            }
        }
        propagate(&edges, &mut varied, false);
        propagate(&edges, &mut useful, true);
        let mut analysis = Analysis { root, varied, useful, written: vec![false; count] };
        analysis.written = analysis.written_by(func, &func.body);
        analysis
    }

    /// The allocations that `blocks` (and everything nested in them) may
    /// write to, by root.
    pub fn written_by(&self, func: &Func, blocks: &[Block]) -> Vec<bool> {
        let mut written = vec![false; self.root.len()];
        walk_blocks(blocks, &mut |op| {
            let reads_only = matches!(op.name.as_str(), "memref.load" | "memref.dim" | "memref.rank" | "memref.dealloc")
                || rules::is_view(&op.name);
            let every_memref = || op.operands.iter().copied().filter(|&v| is_memref(func.values[v].ty)).collect();
            let writes: Vec<ValueId> = match op.name.as_str() {
                "memref.store" => vec![op.operands[1]],
                "memref.copy" => vec![op.operands[1]],
                "func.call" => match crate::blas::call_writes(op) {
                    Some(written) => written.iter().filter_map(|&i| op.operands.get(i).copied()).collect(),
                    None => every_memref(),
                },
                _ if reads_only => Vec::new(),
                _ => every_memref(),
            };
            for memref in writes {
                written[self.root[memref]] = true;
            }
        });
        written
    }

    /// Whether nothing in the function writes to the memory of memref
    /// `value`, so that loading from it again gives the same value.
    pub fn read_only(&self, value: ValueId) -> bool {
        !self.written[self.root[value]]
    }

    /// Whether `value` (a float scalar) needs an adjoint.
    pub fn active(&self, func: &Func, value: ValueId) -> bool {
        is_float(func.ty(value)) && self.varied[value] && self.useful[value]
    }

    /// Whether the memory of memref `value` needs a shadow.
    pub fn has_shadow(&self, func: &Func, value: ValueId) -> bool {
        let root = self.root[value];
        is_memref(func.ty(value)) && self.varied[root] && self.useful[root]
    }
}

/// Marks everything reachable from a marked node along `edges` (against
/// them when `backwards`), in time linear in the edges.
fn propagate(edges: &[(ValueId, ValueId)], marks: &mut [bool], backwards: bool) {
    let mut next: Vec<Vec<ValueId>> = vec![Vec::new(); marks.len()];
    for &(from, to) in edges {
        let (from, to) = if backwards { (to, from) } else { (from, to) };
        next[from].push(to);
    }
    let mut pending: Vec<ValueId> = (0..marks.len()).filter(|&v| marks[v]).collect();
    while let Some(value) = pending.pop() {
        for &to in &next[value] {
            if !marks[to] {
                marks[to] = true;
                pending.push(to);
            }
        }
    }
}

fn collect(op: &Op, func: &Func, root: &mut [ValueId], edges: &mut Vec<(ValueId, ValueId)>) {
    let name = op.name.as_str();
    match name {
        _ if rules::is_view(name) => root[op.results[0]] = op.operands[0],
        "memref.load" => edges.push((op.operands[0], op.results[0])),
        "memref.store" => edges.push((op.operands[0], op.operands[1])),
        "memref.copy" => edges.push((op.operands[0], op.operands[1])),
        // A tape is memory too: what is pushed reaches what is popped (a
        // generated adjoint being differentiated, nested derivatives).
        "zad.push" => edges.push((op.operands[1], op.operands[0])),
        "scf.for" => {
            let body = &op.regions[0][0];
            let inits = &op.operands[3..];
            let yields = yielded(&op.regions[0]);
            for (j, &result) in op.results.iter().enumerate() {
                let arg = body.args[j + 1];
                edges.extend([(inits[j], arg), (yields[j], arg), (arg, result), (yields[j], result)]);
            }
        }
        "scf.parallel" => {
            // Result j is init j combined with every iteration's reduced value j.
            let body = &op.regions[0][0];
            let inits = &op.operands[3 * body.args.len()..];
            let reduced = body.ops.last().map(|reduce| reduce.operands.as_slice()).unwrap_or(&[]);
            for (j, &result) in op.results.iter().enumerate() {
                edges.extend([(inits[j], result), (reduced[j], result)]);
            }
        }
        "scf.if" => {
            for region in &op.regions {
                for (j, &value) in yielded(region).iter().enumerate() {
                    edges.push((value, op.results[j]));
                }
            }
        }
        "scf.while" => {
            let (before, after) = (&op.regions[0][0], &op.regions[1][0]);
            let forwarded = &yielded(&op.regions[0]).get(1..).unwrap_or(&[]);
            for (j, &init) in op.operands.iter().enumerate() {
                edges.push((init, before.args[j]));
                if let Some(&next) = yielded(&op.regions[1]).get(j) {
                    edges.push((next, before.args[j]));
                }
            }
            for (j, &value) in forwarded.iter().enumerate() {
                edges.push((value, after.args[j]));
                edges.push((value, op.results[j]));
            }
        }
        "func.call" => {
            // A BLAS routine writes the buffers it is known to write; any
            // other call, every buffer it is given.
            let written = crate::blas::call_writes(op);
            let memrefs: Vec<ValueId> = op
                .operands
                .iter()
                .enumerate()
                .filter(|&(i, &v)| is_memref(func.ty(v)) && written.is_none_or(|w| w.contains(&i)))
                .map(|(_, &v)| v)
                .collect();
            for &from in &op.operands {
                for &to in op.results.iter().chain(&memrefs) {
                    edges.push((from, to));
                }
            }
        }
        _ if rules::results_never_active(name) => {}
        _ => {
            for &from in &op.operands {
                for &to in &op.results {
                    edges.push((from, to));
                }
            }
        }
    }
}
