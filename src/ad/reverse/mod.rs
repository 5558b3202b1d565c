//! Reverse mode: the adjoint of a function, built as one MLIR function that
//! runs the forward sweep (the primal, recording what the reverse sweep
//! needs) and then the reverse sweep.
//!
//! The generator builds the forward sweep first, as a copy of the primal
//! (`forward`), then the reverse sweep op by op in reverse order, each op's
//! rule (`rules`) adding to its operands' adjoints. When the reverse sweep
//! needs a primal value that is not at hand it recomputes it or records it
//! in the forward sweep after the fact (`tape`). Structured control flow is
//! reversed structurally (`rules/scf.rs`); checkpointed loops run under a
//! schedule (`checkpointed`).
//!
//! This file holds the generator's state and the bookkeeping of adjoints,
//! shadows and reverse scopes; `assemble` writes the function around them.

mod accumulate;
mod assemble;
mod checkpointed;
mod forward;
pub(crate) mod gather;
mod tape;

pub use checkpointed::validate as validate_checkpoint;

use crate::{
    ad::{
        Activity, Request,
        activity::Analysis,
        ir::{Func, Op, ValueId},
        scopes::{ScopeId, Scopes},
    },
    error::{Error, Result},
    mlir::{self, BlockRef, Builder, Element, OpRef, Type, Val, handle},
};
use melior::ir::{Module, TypeLike, ValueLike};
use std::collections::HashMap;

pub use assemble::generate;
pub(crate) use accumulate::privatize_accumulations;
pub(crate) use assemble::create_function;
pub(crate) use forward::{LoopBounds, NormalizedParallel, trip_count};

/// A call whose forward sweep calls the callee's `zad.forward` (see
/// `Generator::custom_forwards`).
pub(crate) struct CustomForward {
    /// The `zad.forward` function.
    pub function: String,
    /// Its residuals, as synthetic values defined by the call.
    pub residuals: Vec<ValueId>,
}

/// A scope of the reverse sweep being built: a block that receives the
/// adjoint code of one scope of the primal.
pub(crate) struct ReverseScope {
    /// The primal scope this reverses.
    pub forward: ScopeId,
    /// The block receiving the adjoint code (appended at its end).
    pub block: BlockRef,
    /// Recomputed and re-read values go before this anchor, at the start
    /// of the block, where they dominate the adjoint code.
    pub preamble: OpRef,
    /// Primal values available in this scope (recomputed, from tapes, the
    /// induction variable).
    pub available: HashMap<ValueId, Val>,
    /// Shadows of buffers of this scope.
    pub shadows: HashMap<ValueId, Val>,
    /// The iteration number indexing preallocated tapes in this scope.
    pub index: Option<Val>,
    /// Shadow buffers to free when the scope ends.
    pub cleanup: Vec<Val>,
}

/// Where a recorded value is kept.
pub(crate) struct Tape {
    /// A buffer indexed by iteration (`memref<?xT>`), or a `!zad.tape<T>`.
    pub value: Val,
    pub indexed: bool,
    /// Bytes of an indexed tape, for the run time's accounting.
    pub bytes: Option<Val>,
}

/// The forward sweep's view of a primal scope.
#[derive(Clone, Copy)]
pub(crate) struct ForwardScope {
    /// Code that numbers the scope's iterations goes before this anchor.
    pub header: OpRef,
    /// For a loop body: the iteration number and the loop's trip count.
    pub iteration: Option<(Val, Val)>,
    /// The index of preallocated tapes in this scope, once made.
    pub index: Option<Val>,
}

pub struct Generator<'f> {
    pub(crate) func: &'f Func,
    pub(crate) activity: Vec<Activity>,
    pub(crate) seeded: bool,
    pub(crate) analysis: Analysis,
    pub(crate) scopes: Scopes<'f>,
    pub(crate) context: &'static melior::Context,
    pub(crate) module: &'f Module<'static>,
    /// Types of the values, and of the synthetic values after them (the
    /// trip counts of `scf.while` loops).
    pub(crate) types: Vec<Type>,
    /// The trip count of each `scf.while`, as a synthetic value.
    pub(crate) while_counts: HashMap<*const Op, ValueId>,
    /// Each call of a function with a `zad.forward` and `zad.adjoint`: the
    /// forward sweep calls the `zad.forward` function instead, whose
    /// residuals are synthetic values defined by the call (the tape keeps
    /// them for the adjoint).
    pub(crate) custom_forwards: HashMap<*const Op, CustomForward>,
    /// The forward sweep: each primal value's copy, each primal op's copy,
    /// each scope's numbering.
    pub(crate) forward_values: Vec<Option<Val>>,
    pub(crate) forward_ops: HashMap<*const Op, OpRef>,
    pub(crate) forward_scopes: HashMap<ScopeId, ForwardScope>,
    /// The adjoint function's entry block and the shadows of its arguments.
    pub(crate) entry: Option<BlockRef>,
    pub(crate) argument_shadows: HashMap<ValueId, Val>,
    pub(crate) adjoints: HashMap<ValueId, Val>,
    pub(crate) reverse: Vec<ReverseScope>,
    pub(crate) tapes: HashMap<ValueId, Tape>,
    /// Copies of the buffer arguments of calls that are not inlined, made
    /// when the call runs and rerun on by the reverse sweep.
    pub(crate) call_copies: HashMap<*const Op, Vec<(ValueId, Val)>>,
    /// Buffers freed at the end of the adjoint (the forward sweep does not
    /// free what the reverse sweep may still read).
    pub(crate) deferred_frees: Vec<Val>,
    /// Gradients of the callees of calls that are not inlined.
    pub(crate) callees: Vec<Request>,
    /// Checkpointed loops: their run-time handles and state.
    pub(crate) checkpoints: HashMap<*const Op, checkpointed::Loop>,
    /// Anchor ops, erased when the function is complete.
    pub(crate) anchors: Vec<OpRef>,
    /// While the reverse of a parallel loop is built: the loads whose
    /// adjoint goes to a shadow element that belongs to the iteration (added
    /// with a plain read-modify-write); other loads' adjoints are added
    /// atomically, since other iterations may add to the same element.
    pub(crate) parallel_plain_loads: Option<std::collections::HashSet<*const Op>>,
    /// While the reverse of a parallel loop with gathers is built: how its
    /// loads' adjoints are added (`gather`).
    pub(crate) gathering: Option<gather::Gathering>,
    /// Whether the function has parallel loops (`scf.parallel`): then the
    /// sweeps over whole shadows (zeroing, a copy's adjoint) are parallel
    /// loops too, on the threads or the GPU the function's loops run on. A
    /// function without any keeps them sequential (a parallel region per
    /// call is overhead there).
    pub(crate) parallel_kernel: bool,
}

/// The fast-math flag of the additions that sum a value's adjoint from its
/// uses: sums of independent contributions, whose order is free. Letting
/// LLVM reorder them turns the adjoint of a value used in every iteration
/// of a loop (a reduction in the reverse loop) into a vectorised reduction.
/// Primal code never gets the flag.
const ADJOINT_SUM: &str = "#arith.fastmath<reassoc>";

impl<'f> Generator<'f> {
    pub(crate) fn new(
        func: &'f Func,
        activity: &[Activity],
        seeded: bool,
        module: &'f Module<'static>,
        context: &'static melior::Context,
    ) -> Generator<'f> {
        let analysis = Analysis::run(func, activity);
        let mut parallel_kernel = false;
        crate::ad::ir::walk_blocks(&func.body, &mut |op| parallel_kernel |= op.name == "scf.parallel");
        let mut types: Vec<Type> = func.values.iter().map(|v| v.ty).collect();
        let mut while_counts = HashMap::new();
        crate::ad::ir::walk_blocks(&func.body, &mut |op| {
            if op.name == "scf.while" {
                while_counts.insert(op as *const Op, types.len());
                types.push(melior::ir::Type::index(context));
            }
        });
        let mut custom_forwards: HashMap<*const Op, CustomForward> = HashMap::new();
        // Looked up once per callee: each lookup scans the module.
        let mut callees: HashMap<String, Option<crate::ad::custom::Callee>> = HashMap::new();
        crate::ad::ir::walk_blocks(&func.body, &mut |op| {
            if op.name != "func.call" {
                return;
            }
            let callee = callees.entry(op.callee()).or_insert_with_key(|name| crate::ad::custom::callee(module, name));
            let Some(callee) = callee else { return };
            if let (Some(forward), Some(_)) = (&callee.forward, &callee.adjoint) {
                let residuals = callee
                    .residuals
                    .iter()
                    .map(|&ty| {
                        types.push(ty);
                        types.len() - 1
                    })
                    .collect();
                custom_forwards.insert(op as *const Op, CustomForward { function: forward.clone(), residuals });
            }
        });
        let mut scopes = Scopes::build(func, types.len() - func.values.len());
        // A trip count lives where its loop is, defined by the loop; so do
        // residuals, defined by their call.
        let mut assign = Vec::new();
        crate::ad::ir::walk_blocks(&func.body, &mut |op| {
            if let Some(&count) = while_counts.get(&(op as *const Op)) {
                assign.push((count, scopes.containing(op), op));
            }
            for &residual in custom_forwards.get(&(op as *const Op)).into_iter().flat_map(|custom| &custom.residuals) {
                assign.push((residual, scopes.containing(op), op));
            }
        });
        for (count, scope, op) in assign {
            scopes.of_value[count] = scope;
            scopes.def[count] = Some(op);
        }
        let count = types.len();
        Generator {
            func,
            activity: activity.to_vec(),
            seeded,
            analysis,
            scopes,
            context,
            module,
            types,
            while_counts,
            custom_forwards,
            forward_values: vec![None; count],
            forward_ops: HashMap::new(),
            forward_scopes: HashMap::new(),
            entry: None,
            argument_shadows: HashMap::new(),
            adjoints: HashMap::new(),
            reverse: Vec::new(),
            tapes: HashMap::new(),
            call_copies: HashMap::new(),
            deferred_frees: Vec::new(),
            callees: Vec::new(),
            checkpoints: HashMap::new(),
            anchors: Vec::new(),
            parallel_plain_loads: None,
            gathering: None,
            parallel_kernel,
        }
    }

    pub fn ty(&self, value: ValueId) -> Type {
        self.types[value]
    }

    /// Whether `value` (a float or complex scalar) needs an adjoint.
    pub fn active(&self, value: ValueId) -> bool {
        value < self.func.values.len() && self.analysis.active(self.func, value)
    }

    /// Whether the memory of memref `value` needs a shadow.
    pub fn has_shadow(&self, value: ValueId) -> bool {
        value < self.func.values.len() && self.analysis.has_shadow(self.func, value)
    }

    pub fn unsupported(&self, op: &Op, why: &str) -> Error {
        Error::Unsupported(format!("{}: zad cannot differentiate '{}': {why}", op.place, op.name))
    }

    /// The forward sweep's copy of primal value `value`.
    pub(crate) fn forward_value(&self, value: ValueId) -> Val {
        self.forward_values[value].unwrap_or_else(|| panic!("value #{value} has no forward copy"))
    }

    fn current(&self) -> &ReverseScope {
        self.reverse.last().expect("inside a reverse scope")
    }

    fn current_mut(&mut self) -> &mut ReverseScope {
        self.reverse.last_mut().expect("inside a reverse scope")
    }

    /// A builder for the adjoint code of the current reverse scope, at
    /// `op`'s location.
    pub fn builder(&self, op: &Op) -> Builder {
        Builder::at_end(self.context, self.current().block, op.location)
    }

    /// A builder for the preamble of reverse scope `position`.
    pub(crate) fn preamble(&self, position: usize) -> Builder {
        Builder::before(self.context, self.reverse[position].preamble, self.func.location)
    }

    /// An anchor op at `builder`'s point (erased when the function is done).
    pub(crate) fn anchor(&mut self, builder: &Builder) -> OpRef {
        let anchor = builder.op("arith.constant", &[], &[builder.index_type()], &[("value", builder.parse_attribute("0 : index"))]);
        self.anchors.push(anchor);
        anchor
    }

    /// Opens a reverse scope for primal scope `forward` in `block`.
    pub(crate) fn push_scope(&mut self, forward: ScopeId, block: BlockRef, index: Option<Val>) {
        let builder = Builder::at_end(self.context, block, self.func.location);
        let preamble = self.anchor(&builder);
        self.reverse.push(ReverseScope {
            forward,
            block,
            preamble,
            available: HashMap::new(),
            shadows: HashMap::new(),
            index,
            cleanup: Vec::new(),
        });
    }

    /// Closes the current reverse scope, freeing its shadows at its end.
    pub(crate) fn pop_scope(&mut self) -> ReverseScope {
        let scope = self.reverse.pop().expect("a scope to close");
        let builder = Builder::at_end(self.context, scope.block, self.func.location);
        for &shadow in &scope.cleanup {
            builder.dealloc(shadow);
        }
        scope
    }

    /// The current reverse scope's primal scope.
    pub(crate) fn current_forward(&self) -> ScopeId {
        self.current().forward
    }

    /// The iteration number of preallocated tapes in the current scope.
    pub(crate) fn current_index(&self) -> Option<Val> {
        self.current().index
    }

    /// Float values from outside the scopes `scope_ids` (of `blocks`), used
    /// in them, whose adjoints the reverse of the scopes may change: active
    /// values with a use there that passes a derivative back (a value used
    /// inside only by comparisons or other inactive ops gets nothing from
    /// the scopes, and a loop that only compares it is not reversed).
    pub(crate) fn free_adjoints(
        &self,
        blocks: &[&crate::ad::ir::Block],
        scope_ids: &[ScopeId],
        parent: ScopeId,
    ) -> Vec<ValueId> {
        let mut free = Vec::new();
        for (block, &scope) in blocks.iter().zip(scope_ids) {
            for value in crate::ad::scopes::free_values(&self.scopes, block, scope) {
                if self.active(value)
                    && !free.contains(&value)
                    && self.scopes.within(parent, self.scopes.of_value[value])
                    && self.receives_adjoint_in(value, block)
                {
                    free.push(value);
                }
            }
        }
        free
    }

    /// Whether some use of `value` in `block` (or nested in it) may add to
    /// its adjoint. Conservative: terminators, ops with regions and zad's
    /// own ops count as such uses, as do ops with an active result and ops
    /// on memory that carries derivatives.
    fn receives_adjoint_in(&self, value: ValueId, block: &crate::ad::ir::Block) -> bool {
        let mut receives = false;
        crate::ad::ir::walk_blocks(std::slice::from_ref(block), &mut |op| {
            if receives || !op.operands.contains(&value) {
                return;
            }
            receives = !op.regions.is_empty()
                || matches!(op.name.as_str(), "scf.yield" | "scf.condition" | "scf.reduce" | "scf.reduce.return")
                || op.name.starts_with("zad.")
                || op.results.iter().any(|&result| self.active(result))
                || op.operands.iter().any(|&operand| self.has_shadow(operand));
        });
        receives
    }

    /// Makes `value` available as `copy` in the current reverse scope.
    pub(crate) fn make_available(&mut self, value: ValueId, copy: Val) {
        self.current_mut().available.insert(value, copy);
    }

    // --- adjoints ---

    /// The adjoint of `value` so far.
    pub fn adjoint(&self, value: ValueId) -> Option<Val> {
        self.adjoints.get(&value).copied()
    }

    /// `adjoint(value) += contribution`.
    pub fn add_adjoint(&mut self, value: ValueId, contribution: Val, op: &Op) {
        let sum = match self.adjoints.get(&value).copied() {
            None => contribution,
            Some(previous) => {
                let builder = self.builder(op);
                self.add(&builder, value, previous, contribution)
            }
        };
        self.adjoints.insert(value, sum);
    }

    /// `a + b` in `value`'s element type, reassociable.
    pub(crate) fn add(&self, builder: &Builder, value: ValueId, a: Val, b: Val) -> Val {
        let element = Element::of(self.ty(value)).expect("adjoints are of float or complex values");
        element.add(builder, a, b, Some(builder.parse_attribute(ADJOINT_SUM)))
    }

    /// Sets the adjoint of `value` (an iteration argument entering a scope).
    pub(crate) fn set_adjoint(&mut self, value: ValueId, adjoint: Val) {
        self.adjoints.insert(value, adjoint);
    }

    /// Forgets the adjoint of `value` (a value from outside a parallel loop,
    /// whose adjoint each iteration sums privately).
    pub(crate) fn clear_adjoint(&mut self, value: ValueId) {
        self.adjoints.remove(&value);
    }

    /// Whether the adjoint of load `op` must be added to its shadow
    /// atomically: inside the reverse of a parallel loop, unless the element
    /// belongs to the iteration.
    pub(crate) fn accumulates_atomically(&self, op: &Op) -> bool {
        self.parallel_plain_loads.as_ref().is_some_and(|plain| !plain.contains(&(op as *const Op)))
    }

    pub(crate) fn take_adjoints(&mut self) -> HashMap<ValueId, Val> {
        self.adjoints.clone()
    }

    pub(crate) fn restore_adjoints(&mut self, saved: HashMap<ValueId, Val>) {
        self.adjoints = saved;
    }

    /// The adjoint of `value` so far, or a zero.
    pub fn adjoint_or_zero(&mut self, value: ValueId, builder: &Builder) -> Val {
        match self.adjoints.get(&value) {
            Some(&adjoint) => adjoint,
            None => self.zero(value, builder),
        }
    }

    /// A zero of `value`'s type.
    pub(crate) fn zero(&self, value: ValueId, builder: &Builder) -> Val {
        zero_of(self.ty(value), builder)
    }

    // --- shadows ---

    /// The shadow of memref `value` in the current reverse scope.
    pub fn shadow(&mut self, value: ValueId, user: &Op) -> Result<Val> {
        if let Some(argument) = self.func.args.iter().position(|&a| a == value) {
            return match self.argument_shadows.get(&value) {
                Some(&shadow) => Ok(shadow),
                None => Err(self.unsupported(
                    user,
                    &format!("argument {} of @{} needs a shadow: declare it 'dup'", argument + 1, self.func.name),
                )),
            };
        }
        let scope = self.scopes.of_value[value];
        let position = self.reverse.iter().rposition(|r| r.forward == scope).unwrap_or(0);
        if let Some(&shadow) = self.reverse[position].shadows.get(&value) {
            return Ok(shadow);
        }
        let op = self.scopes.def[value]
            .ok_or_else(|| self.unsupported(user, "a buffer passed between loop iterations carries derivatives"))?;
        let shadow = if crate::ad::rules::is_view(&op.name) {
            let base = self.shadow(op.operands[0], user)?;
            let mut operands = vec![base];
            for &operand in &op.operands[1..] {
                operands.push(self.primal(operand)?);
            }
            let preamble = self.preamble(position);
            mlir::result_of(preamble.clone_with_operands(op.handle, &operands), 0)
        } else if matches!(op.name.as_str(), "memref.alloc" | "memref.alloca" | "memref.get_global") {
            // A buffer like the primal's, sized by the allocation's own sizes
            // (the primal buffer may not be at hand: defined in a loop).
            let mut sizes = Vec::new();
            for &size in &op.operands {
                sizes.push(self.primal(size)?);
            }
            let preamble = self.preamble(position).at(op.location);
            let shadow = preamble.alloc(self.ty(value), &sizes);
            fill_zero(&preamble, shadow, self.parallel_kernel);
            self.reverse[position].cleanup.push(shadow);
            shadow
        } else {
            return Err(self.unsupported(user, &format!("the buffer it uses comes from '{}', which zad cannot give a shadow", op.name)));
        };
        self.reverse[position].shadows.insert(value, shadow);
        Ok(shadow)
    }

    /// Whether `block` (or what is nested in it) reads or writes shadowed memory.
    pub(crate) fn touches_shadows(&self, blocks: &[&crate::ad::ir::Block]) -> bool {
        let mut touches = false;
        for block in blocks {
            crate::ad::ir::walk_blocks(std::slice::from_ref(*block), &mut |op| {
                if matches!(op.name.as_str(), "memref.store" | "memref.load" | "memref.copy" | "func.call")
                    && op.operands.iter().any(|&v| self.has_shadow(v))
                {
                    touches = true;
                }
            });
        }
        touches
    }
}

/// A zero of float or complex type `ty`.
pub(crate) fn zero_of(ty: Type, builder: &Builder) -> Val {
    match Element::of(ty) {
        Some(element) => element.zero(builder),
        None => builder.integer(ty, 0),
    }
}

/// A fresh buffer shaped like `like` (of memref type `ty`, its layout
/// dropped), every element zero.
pub(crate) fn zeroed_buffer_like(builder: &Builder, like: Val, ty: Type, parallel: bool) -> Val {
    let buffer = buffer_like(builder, like, ty);
    fill_zero(builder, buffer, parallel);
    buffer
}

/// A fresh buffer shaped like `like`, of memref type `ty` (allocated with
/// the identity layout and cast to `ty`).
pub(crate) fn buffer_like(builder: &Builder, like: Val, ty: Type) -> Val {
    let (plain, dynamic) = plain_memref(ty);
    let sizes: Vec<Val> = dynamic.iter().map(|&dim| builder.dim(like, dim as i64)).collect();
    let buffer = builder.alloc(plain, &sizes);
    if plain == ty { buffer } else { builder.cast(buffer, ty) }
}

/// Stores zero into every element of `buffer` (in a parallel loop when
/// `parallel`).
pub(crate) fn fill_zero(builder: &Builder, buffer: Val, parallel: bool) {
    let element = mlir::element_of(buffer.r#type());
    for_each_element(builder, buffer, parallel, |inner, indices| {
        let zero = zero_of(element, inner);
        inner.store(zero, buffer, indices);
    });
}

/// Builds loops over every element of `buffer`, calling `body` with a
/// builder inside the innermost loop and the indices: one `scf.parallel`
/// when `parallel` (each element visited by its own iteration), else an
/// `scf.for` nest.
pub(crate) fn for_each_element(builder: &Builder, buffer: Val, parallel: bool, body: impl FnOnce(&Builder, &[Val])) {
    let rank = memref_rank(buffer.r#type());
    let zero = builder.index(0);
    let one = builder.index(1);
    if parallel && rank > 0 {
        let sizes: Vec<Val> = (0..rank).map(|dim| builder.dim(buffer, dim as i64)).collect();
        let lp = builder.parallel_loop(&vec![zero; rank], &sizes, &vec![one; rank], &[]);
        let inner = builder.inside(lp.body);
        body(&inner, &lp.inductions);
        inner.reduce_sum(&[]);
        return;
    }
    let mut current = *builder;
    let mut indices = Vec::new();
    for dim in 0..rank {
        let size = current.dim(buffer, dim as i64);
        let lp = current.for_loop(zero, size, one, &[]);
        indices.push(lp.induction);
        let inner = current.inside(lp.body);
        // Each loop body ends with its yield; the next loop goes before it.
        inner.yield_values(&[]);
        current = Builder::before(builder.context(), handle::op(&lp.body.terminator().expect("the yield")), builder.location());
    }
    body(&current, &indices);
}

/// The rank of a memref type.
pub(crate) fn memref_rank(ty: Type) -> usize {
    // SAFETY: `ty` is a memref (shaped) type.
    unsafe { mlir_sys::mlirShapedTypeGetRank(ty.to_raw()) as usize }
}

/// The identity-layout version of memref type `ty`, and its dynamic
/// dimensions.
pub(crate) fn plain_memref(ty: Type) -> (Type, Vec<usize>) {
    let rank = memref_rank(ty);
    // SAFETY: `ty` is a memref type; dimensions are in range.
    let dims: Vec<i64> = (0..rank).map(|d| unsafe { mlir_sys::mlirShapedTypeGetDimSize(ty.to_raw(), d as isize) }).collect();
    let dynamic: Vec<usize> =
        // SAFETY: as above.
        (0..rank).filter(|&d| unsafe { mlir_sys::mlirShapedTypeIsDynamicDim(ty.to_raw(), d as isize) }).collect();
    let element = mlir::element_of(ty);
    let plain = melior::ir::r#type::MemRefType::new(element, &dims, None, None).into();
    (plain, dynamic)
}

use melior::ir::BlockLike;
