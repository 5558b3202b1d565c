//! The nesting of a function's blocks ("scopes") as the transforms see it:
//! which op owns each block, where each value is defined, and which scopes
//! can keep their tapes in preallocated buffers indexed by the iteration.

use crate::ad::ir::{Block, Func, Op, ValueId};
use std::collections::HashMap;

pub type ScopeId = usize;
pub const TOP: ScopeId = 0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Top,
    /// The body of an `scf.for`.
    ForBody,
    /// The body of an `scf.parallel`.
    ParallelBody,
    /// A branch of an `scf.if`.
    IfBranch,
    /// The condition region of an `scf.while`.
    WhileBefore,
    /// The body of an `scf.while`.
    WhileAfter,
    /// Any other region (rejected by the transforms).
    Other,
}

pub struct Scope<'f> {
    pub parent: Option<ScopeId>,
    pub kind: Kind,
    /// The op owning the region of this scope.
    pub owner: Option<&'f Op>,
    /// Index, in the function body, of the top-level op containing the scope.
    pub outermost: usize,
    /// Whether every enclosing loop is an `scf.for` whose bounds are defined
    /// in the function body, so that iterations can be numbered before the
    /// loops run and tapes preallocated.
    pub indexable: bool,
    /// The scopes nested in this one (itself included) are numbered
    /// `[id, last]`: nesting is a range check.
    pub last: ScopeId,
}

pub struct Scopes<'f> {
    pub scopes: Vec<Scope<'f>>,
    /// The scope each value is defined in.
    pub of_value: Vec<ScopeId>,
    /// The op defining each value (None for block arguments).
    pub def: Vec<Option<&'f Op>>,
    /// The scope of each block, by address.
    of_block: HashMap<*const Block, ScopeId>,
    /// The scope whose block holds each op, by address.
    of_op: HashMap<*const Op, ScopeId>,
}

impl<'f> Scopes<'f> {
    pub fn build(func: &'f Func, extra_values: usize) -> Scopes<'f> {
        let count = func.values.len() + extra_values;
        let mut scopes = Scopes {
            scopes: Vec::new(),
            of_value: vec![TOP; count],
            def: vec![None; count],
            of_block: HashMap::new(),
            of_op: HashMap::new(),
        };
        let body = &func.body[0];
        scopes.scopes.push(Scope {
            parent: None,
            kind: Kind::Top,
            owner: None,
            outermost: 0,
            indexable: true,
            last: TOP,
        });
        scopes.of_block.insert(body as *const Block, TOP);
        scopes.visit_block(TOP, body, None);
        scopes.scopes[TOP].last = scopes.scopes.len() - 1;
        scopes
    }

    fn visit_block(&mut self, scope: ScopeId, block: &'f Block, outermost: Option<usize>) {
        for &arg in &block.args {
            self.of_value[arg] = scope;
        }
        for (index, op) in block.ops.iter().enumerate() {
            let outermost = outermost.unwrap_or(index);
            self.of_op.insert(op as *const Op, scope);
            for &result in &op.results {
                self.of_value[result] = scope;
                self.def[result] = Some(op);
            }
            for (region_index, region) in op.regions.iter().enumerate() {
                for block in region {
                    let kind = match (op.name.as_str(), region_index) {
                        ("scf.for", _) => Kind::ForBody,
                        ("scf.parallel", 0) => Kind::ParallelBody,
                        ("scf.if", _) => Kind::IfBranch,
                        ("scf.while", 0) => Kind::WhileBefore,
                        ("scf.while", _) => Kind::WhileAfter,
                        _ => Kind::Other,
                    };
                    let parent_indexable = self.scopes[scope].indexable;
                    let indexable = parent_indexable
                        && match kind {
                            Kind::ForBody => op.operands[..3].iter().all(|&bound| self.of_value[bound] == TOP),
                            Kind::ParallelBody => {
                                let dims = op.regions[0][0].args.len();
                                op.operands[..3 * dims].iter().all(|&bound| self.of_value[bound] == TOP)
                            }
                            Kind::IfBranch => true,
                            _ => false,
                        };
                    let id = self.scopes.len();
                    self.scopes.push(Scope { parent: Some(scope), kind, owner: Some(op), outermost, indexable, last: id });
                    self.of_block.insert(block as *const Block, id);
                    self.visit_block(id, block, Some(outermost));
                    self.scopes[id].last = self.scopes.len() - 1;
                }
            }
        }
    }

    /// The scope whose block holds `op`.
    pub fn containing(&self, op: &Op) -> ScopeId {
        self.of_op.get(&(op as *const Op)).copied().unwrap_or(TOP)
    }

    /// Whether `inner` is `outer` or nested in it.
    pub fn within(&self, inner: ScopeId, outer: ScopeId) -> bool {
        // Scopes outside the function (a branch with no block) are nested
        // in nothing.
        outer < self.scopes.len() && (outer..=self.scopes[outer].last).contains(&inner)
    }

    /// The `scf.for` and `scf.parallel` loops enclosing `scope`, outermost
    /// first.
    pub fn loops(&self, mut scope: ScopeId) -> Vec<&'f Op> {
        let mut loops = Vec::new();
        while let Some(parent) = self.scopes[scope].parent {
            if matches!(self.scopes[scope].kind, Kind::ForBody | Kind::ParallelBody) {
                loops.push(self.scopes[scope].owner.expect("a loop body has an owner"));
            }
            scope = parent;
        }
        loops.reverse();
        loops
    }

    /// The scope of the first block of region `region` of `op`.
    pub fn of_region(&self, op: &Op, region: usize) -> ScopeId {
        self.of_block[&(&op.regions[region][0] as *const Block)]
    }
}

/// Values used inside `block` (and its nested regions) but defined outside
/// the scope `scope`, in order of first use.
pub fn free_values(scopes: &Scopes, block: &Block, scope: ScopeId) -> Vec<ValueId> {
    let mut free = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut visit = |op: &Op| {
        for &operand in &op.operands {
            if !scopes.within(scopes.of_value[operand], scope) && seen.insert(operand) {
                free.push(operand);
            }
        }
    };
    fn walk(block: &Block, visit: &mut impl FnMut(&Op)) {
        for op in &block.ops {
            visit(op);
            for region in &op.regions {
                for block in region {
                    walk(block, visit);
                }
            }
        }
    }
    walk(block, &mut visit);
    free
}
