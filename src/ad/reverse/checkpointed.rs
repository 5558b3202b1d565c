//! Checkpointed time loops: an `scf.for` marked `zad.checkpoint` is not
//! taped as a whole. Its body becomes a step function of the module; the
//! forward sweep runs the steps under a checkpointing schedule kept by zad's
//! run time (binomial, "revolve", by default), storing only snapshots of the
//! loop's state; the reverse sweep follows the schedule: restore a snapshot,
//! advance with plain steps, and reverse one step at a time with the step
//! function's own adjoint. An `scf.while` marked `zad.checkpoint = "online"`
//! places its snapshots while it runs.
//!
//! The state is what the body changes: its iteration arguments (kept in
//! one-element buffers that the run time copies) and the buffers from outside
//! the loop that the function writes.
//!
//! Attributes on the loop: `zad.checkpoint = "binomial"` with
//! `zad.snapshots = S : i64` or `zad.budget = BYTES : i64` (the snapshot
//! count follows from the state's size), `zad.checkpoint = "periodic"` with
//! `zad.interval = K : i64`, `zad.checkpoint = "online"` on `scf.while`.

use super::Generator;
use crate::{
    ad::{
        Activity, Mode, Request,
        ir::{Block, Func, Op, ValueId, walk_blocks, yielded},
        scopes::{TOP, free_values},
    },
    checkpoint::codes,
    error::{Error, Result},
    mlir::{self, Builder, Element, Type, Val, handle},
};
use melior::ir::{
    Block as MlirBlock, BlockLike, operation::OperationLike, Identifier, Region, RegionLike, TypeLike, ValueLike,
    attribute::{StringAttribute, TypeAttribute},
    operation::OperationBuilder,
    r#type::FunctionType,
};
use std::collections::HashMap;

/// How a loop is checkpointed, as the run time's `zad_ckpt_new` takes it.
pub(crate) struct Scheme {
    code: i64,
    snapshots: i64,
    budget: i64,
}

/// The integer value of attribute `name` of `op` (0 when absent).
fn number(op: &Op, name: &str) -> i64 {
    op.attribute_text(name)
        .and_then(|text| text.split(':').next().map(|n| n.trim().to_string()))
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(0)
}

/// The checkpointing scheme asked for on `op`, if any (validated first).
pub(crate) fn scheme(op: &Op) -> Option<Scheme> {
    let kind = op.attribute_text("zad.checkpoint")?;
    if !matches!(op.name.as_str(), "scf.for" | "scf.while") {
        return None;
    }
    Some(match (op.name.as_str(), kind.trim_matches('"')) {
        // A while loop's trip count is known only at its end: online.
        ("scf.while", _) => Scheme { code: codes::ONLINE, snapshots: number(op, "zad.snapshots"), budget: number(op, "zad.budget") },
        (_, "periodic") => Scheme { code: codes::PERIODIC, snapshots: number(op, "zad.interval"), budget: 0 },
        _ => Scheme { code: codes::BINOMIAL, snapshots: number(op, "zad.snapshots"), budget: number(op, "zad.budget") },
    })
}

/// Rejects a malformed checkpoint request on loop `op`: an unknown scheme,
/// a count that is not a positive integer, or settings of another scheme.
pub fn validate(op: &Op) -> Result<()> {
    let Some(kind) = op.attribute_text("zad.checkpoint") else { return Ok(()) };
    let fail = |why: String| Err(Error::Unsupported(format!("{}: invalid checkpoint request on '{}': {why}", op.place, op.name)));
    match op.name.as_str() {
        "scf.for" | "scf.while" => {}
        "func.call" => return Ok(()),
        _ => return fail("zad.checkpoint applies to scf.for and scf.while loops and to func.call".into()),
    }
    let kind = kind.trim_matches('"');
    let allowed: &[&str] = match (op.name.as_str(), kind) {
        ("scf.for", "binomial") => &["zad.snapshots", "zad.budget"],
        ("scf.for", "periodic") => &["zad.interval"],
        ("scf.while", "online") => &["zad.snapshots", "zad.budget"],
        ("scf.for", _) => return fail(format!("zad.checkpoint is {kind}; an scf.for takes \"binomial\" or \"periodic\"")),
        _ => return fail(format!("zad.checkpoint is {kind}; an scf.while takes \"online\"")),
    };
    let mut given = Vec::new();
    for name in op.attribute_names() {
        if !name.starts_with("zad.") || name == "zad.checkpoint" {
            continue;
        }
        if !allowed.contains(&name.as_str()) {
            return fail(format!("{name} does not apply to the {kind} scheme (it takes {})", allowed.join(" or ")));
        }
        let value = op.attribute_text(&name).unwrap_or_default();
        let text = value.split_once(" : i").map(|(n, _)| n.trim()).unwrap_or(value.trim());
        match text.parse::<i64>() {
            Ok(n) if n > 0 => given.push(name),
            _ => return fail(format!("{name} = {value} must be a positive integer (e.g. {name} = 20 : i64)")),
        }
    }
    if given.len() > 1 {
        return fail(format!("give one of {}, not both", allowed.join(" and ")));
    }
    if kind == "periodic" && given.is_empty() {
        return fail("the periodic scheme needs zad.interval = K : i64 (a snapshot every K steps)".into());
    }
    Ok(())
}

/// What the two sweeps share about a checkpointed loop.
#[derive(Clone)]
pub(crate) struct Loop {
    /// The run-time handle (made by the prelude).
    handle: Option<Val>,
    /// One-element buffers holding the iteration arguments.
    cells: Vec<Val>,
    /// Values from outside the body that it uses.
    free: Vec<ValueId>,
    /// The step function, and its primal form.
    step: String,
    step_func: std::rc::Rc<Func>,
    /// The values that make up the loop-carried state (the `scf.for`
    /// body's iteration arguments, the `scf.while` condition region's).
    state: Vec<ValueId>,
    /// Whether the step takes an induction variable (`scf.for`).
    counted: bool,
}

const RUNTIME: &[(&str, usize, usize)] = &[
    ("zad_ckpt_new", 3, 1),
    ("zad_ckpt_add", 3, 0),
    ("zad_ckpt_set_steps", 2, 0),
    ("zad_ckpt_online_step", 2, 0),
    ("zad_ckpt_online_finish", 2, 0),
    ("zad_ckpt_forward", 1, 1),
    ("zad_ckpt_position", 1, 1),
    ("zad_ckpt_next", 1, 1),
    ("zad_ckpt_from", 1, 1),
    ("zad_ckpt_to", 1, 1),
    ("zad_ckpt_free", 1, 0),
];

impl<'f> Generator<'f> {
    fn call_runtime(&self, builder: &Builder, name: &str, arguments: &[Val]) -> Option<Val> {
        let (_, _, results) = RUNTIME.iter().find(|(n, _, _)| *n == name).expect("a run-time function");
        let index = builder.index_type();
        let types = vec![index; *results];
        builder.call(name, arguments, &types).first().copied()
    }

    /// The step function and state of checkpointed loop `op`: its body
    /// outlined into a function of the module. The handle and cells are
    /// left empty for the prelude to make.
    fn checkpoint_loop(&mut self, op: &'f Op) -> Result<Loop> {
        if self.scopes.containing(op) != TOP {
            return Err(self.unsupported(op, "a checkpointed loop must be at the top level of the function"));
        }
        let mut nested = None;
        let blocks = op.regions.concat();
        walk_blocks(&blocks, &mut |inner| {
            if nested.is_none() && matches!(inner.name.as_str(), "scf.for" | "scf.while") && scheme(inner).is_some() {
                nested = Some(inner.clone());
            }
        });
        if let Some(inner) = nested {
            return Err(self.unsupported(
                &inner,
                &format!(
                    "a checkpointed loop must be at the top level of the function, and this one is inside the \
                     checkpointed loop at {}",
                    op.place
                ),
            ));
        }
        let block = op.block(0);
        let counted = op.name == "scf.for";
        if counted && !self.ty(block.args[0]).is_index() {
            return Err(self.unsupported(op, "a checkpointed loop needs an `index` induction variable"));
        }
        let state = if counted { block.args[1..].to_vec() } else { block.args.clone() };
        if let Some(&arg) = state.iter().find(|&&a| Element::of(self.ty(a)).is_none() && !self.ty(a).is_index()) {
            return Err(self.unsupported(op, &format!("a checkpointed loop may carry floats and indices, not {}", self.ty(arg))));
        }
        let mut free = Vec::new();
        for region in 0..op.regions.len() {
            let scope = self.scopes.of_region(op, region);
            for value in free_values(&self.scopes, op.block(region), scope) {
                if !free.contains(&value) && !op.block(0).args.contains(&value) {
                    free.push(value);
                }
            }
        }
        let id = self.checkpoints.len();
        let step = format!("__zad_step_{}_{id}", self.func.name);
        let step_func = std::rc::Rc::new(self.outline(op, &step, &free)?);
        Ok(Loop { handle: None, cells: Vec::new(), free, step, step_func, state, counted })
    }

    /// The body of checkpointed loop `op` as a function of the module: the
    /// step. Arguments: the induction variable (`scf.for`), the state, then
    /// `free`; results: the next state. For an `scf.while`, one iteration:
    /// the condition region's ops, then the body on what the condition
    /// forwards.
    fn outline(&self, op: &'f Op, name: &str, free: &[ValueId]) -> Result<Func> {
        let location = op.location;
        let counted = op.name == "scf.for";
        let first = op.block(0);
        let mut inputs: Vec<Type> = first.args.iter().map(|&a| self.ty(a)).collect();
        inputs.extend(free.iter().map(|&v| self.ty(v)));
        let outputs: Vec<Type> = if counted {
            op.results.iter().map(|&r| self.ty(r)).collect()
        } else {
            first.args.iter().map(|&a| self.ty(a)).collect()
        };
        let ty = FunctionType::new(self.context, &inputs, &outputs);
        let region = Region::new();
        let arguments: Vec<(Type, mlir::Location)> = inputs.iter().map(|&t| (t, location)).collect();
        region.append_block(MlirBlock::new(&arguments));
        let function = OperationBuilder::new("func.func", location)
            .add_attributes(&[
                (Identifier::new(self.context, "sym_name"), StringAttribute::new(self.context, name).into()),
                (Identifier::new(self.context, "function_type"), TypeAttribute::new(ty.into()).into()),
                (Identifier::new(self.context, "sym_visibility"), StringAttribute::new(self.context, "private").into()),
            ])
            .add_regions([region])
            .build()
            .map_err(|e| Error::Internal(e.to_string()))?;
        let function = handle::op(&self.module.body().append_operation(function));
        let entry = handle::block(&function.region(0).expect("a body").first_block().expect("a block"));
        let builder = Builder::at_end(self.context, entry, location);
        let mut mapping: HashMap<usize, Val> = HashMap::new();
        let key = |value: ValueId| self.func.values[value].value.to_raw().ptr as usize;
        for (index, &arg) in first.args.iter().chain(free).enumerate() {
            mapping.insert(key(arg), mlir::block_argument(entry, index));
        }
        let clone_ops = |ops: &[Op], mapping: &mut HashMap<usize, Val>| {
            for inner in ops {
                let copy = builder.clone_remapped(inner.handle, mapping);
                for (index, &result) in inner.results.iter().enumerate() {
                    mapping.insert(key(result), mlir::result_of(copy, index));
                }
            }
        };
        let returned: Vec<ValueId> = if counted {
            let body = &first.ops;
            clone_ops(&body[..body.len() - 1], &mut mapping);
            yielded(&op.regions[0]).to_vec()
        } else {
            let (before, after) = (op.block(0), op.block(1));
            clone_ops(&before.ops[..before.ops.len() - 1], &mut mapping);
            let condition = before.ops.last().expect("scf.condition");
            for (&arg, &forwarded) in after.args.iter().zip(&condition.operands[1..]) {
                let value = mapping.get(&key(forwarded)).copied().unwrap_or(self.func.values[forwarded].value);
                mapping.insert(key(arg), value);
            }
            clone_ops(&after.ops[..after.ops.len() - 1], &mut mapping);
            yielded(&op.regions[1]).to_vec()
        };
        let values: Vec<Val> =
            returned.iter().map(|&v| mapping.get(&key(v)).copied().unwrap_or(self.func.values[v].value)).collect();
        builder.ret(&values);
        Func::import(function, name)
    }

    /// Buffers from outside the loop that are part of its state: those the
    /// loop writes, and those it reads that the function writes after it (a
    /// rerun step must see them as they were).
    fn state_buffers(&self, op: &'f Op, free: &[ValueId]) -> Result<Vec<ValueId>> {
        let body = &self.func.body[0];
        let position = body.ops.iter().position(|candidate| std::ptr::eq(candidate, op)).unwrap_or(0);
        let loop_blocks: Vec<Block> = op.regions.iter().flat_map(|region| region.iter().cloned()).collect();
        let written_in_loop = self.analysis.written_by(self.func, &loop_blocks);
        let later = Block { args: Vec::new(), ops: body.ops[position + 1..].to_vec(), handle: body.handle };
        let written_later = self.analysis.written_by(self.func, std::slice::from_ref(&later));
        let mut roots = Vec::new();
        for &value in free {
            if !self.ty(value).is_mem_ref() {
                continue;
            }
            let root = self.analysis.root[value];
            if !written_in_loop[root] && !written_later[root] {
                continue;
            }
            if self.scopes.of_value[root] != TOP {
                return Err(self.unsupported(op, "a checkpointed loop uses a buffer defined inside another region"));
            }
            if self.ty(root).to_string().contains("strided") {
                return Err(self.unsupported(
                    op,
                    &format!("the checkpointed state includes a buffer of type {}, which is not contiguous", self.ty(root)),
                ));
            }
            if !roots.contains(&root) {
                roots.push(root);
            }
        }
        Ok(roots)
    }

    /// Before a checkpointed loop: the run-time handle and the state
    /// registered with it (cells holding the initial values).
    pub(crate) fn checkpoint_prelude(&mut self, op: &'f Op, builder: &Builder) -> Result<()> {
        for (name, arguments, results) in RUNTIME {
            let index = builder.index_type();
            mlir::declare_function(self.context, self.module, name, &vec![index; *arguments], &vec![index; *results], op.location);
        }
        let mut lp = self.checkpoint_loop(op)?;
        let (state, free) = (lp.state.clone(), lp.free.clone());
        let scheme = scheme(op).expect("checkpointed");
        let inits: Vec<ValueId> = if op.name == "scf.for" { op.operands[3..].to_vec() } else { op.operands.clone() };
        let [snapshots, budget, code] = [scheme.snapshots, scheme.budget, scheme.code].map(|n| builder.index(n));
        let handle = self.call_runtime(builder, "zad_ckpt_new", &[snapshots, budget, code]).expect("a handle");
        let zero = builder.index(0);
        let mut cells = Vec::new();
        for (j, &value) in state.iter().enumerate() {
            let ty = self.ty(value);
            let cell_type = melior::ir::r#type::MemRefType::new(ty, &[1], None, None).into();
            let cell = builder.alloca(cell_type, &[]);
            builder.store(self.forward_value(inits[j]), cell, &[zero]);
            let bytes = builder.index(element_bytes(ty) as i64);
            self.register(builder, handle, cell, bytes);
            cells.push(cell);
        }
        for root in self.state_buffers(op, &free)? {
            let buffer = self.forward_value(root);
            let mut bytes = builder.index(element_bytes(mlir::element_of(self.ty(root))) as i64);
            for dim in 0..super::memref_rank(self.ty(root)) {
                bytes = builder.muli(bytes, builder.dim(buffer, dim as i64));
            }
            self.register(builder, handle, buffer, bytes);
        }
        lp.handle = Some(handle);
        lp.cells = cells;
        self.checkpoints.insert(op as *const Op, lp);
        Ok(())
    }

    fn register(&self, builder: &Builder, handle: Val, memref: Val, bytes: Val) {
        let pointer = builder.value("memref.extract_aligned_pointer_as_index", &[memref], builder.index_type(), &[]);
        self.call_runtime(builder, "zad_ckpt_add", &[handle, pointer, bytes]);
    }

    /// Forward sweep of a checkpointed `scf.for`: the loop runs under the
    /// schedule's forward phase, storing snapshots, then finishes with
    /// plain steps.
    pub(crate) fn forward_checkpointed(&mut self, op: &'f Op, builder: &Builder) -> Result<()> {
        self.checkpoint_prelude(op, builder)?;
        let lp = self.checkpoints[&(op as *const Op)].clone();
        let [lb, ub, step] = [0, 1, 2].map(|i| self.forward_value(op.operands[i]));
        let count = super::trip_count(builder, lb, ub, step);
        self.call_runtime(builder, "zad_ckpt_set_steps", &[lp.handle(), count]);
        // The schedule's forward phase, then plain steps to the end.
        let driver = self.drive(builder, &lp, op, true, |_, _| Ok(()))?;
        let position = self.call_runtime(builder, "zad_ckpt_position", &[lp.handle()]).expect("a position");
        self.steps(builder, op, &lp, position, count);
        let zero = builder.index(0);
        for (j, &cell) in lp.cells.iter().enumerate() {
            self.forward_values[op.results[j]] = Some(builder.load(cell, &[zero]));
        }
        self.forward_ops.insert(op as *const Op, driver);
        Ok(())
    }

    /// A loop asking the run time what to do until it says to stop:
    /// advance (plain steps over the range it names) or, outside the forward
    /// phase, turn (`on_turn`).
    fn drive(
        &mut self,
        builder: &Builder,
        lp: &Loop,
        op: &'f Op,
        forward_phase: bool,
        mut on_turn: impl FnMut(&mut Self, &Builder) -> Result<()>,
    ) -> Result<mlir::OpRef> {
        let lp_while = builder.while_loop(&[], &[]);
        let inner = builder.inside(lp_while.before);
        let ask = if forward_phase { "zad_ckpt_forward" } else { "zad_ckpt_next" };
        let action = self.call_runtime(&inner, ask, &[lp.handle()]).expect("an action");
        let advance = inner.if_op(inner.cmpi("eq", action, inner.index(codes::ADVANCE)), &[]);
        let advance_builder = inner.inside(advance.then_block);
        let from = self.call_runtime(&advance_builder, "zad_ckpt_from", &[lp.handle()]).expect("from");
        let to = self.call_runtime(&advance_builder, "zad_ckpt_to", &[lp.handle()]).expect("to");
        self.steps(&advance_builder, op, lp, from, to);
        advance_builder.yield_values(&[]);
        inner.inside(advance.else_block).yield_values(&[]);
        if !forward_phase {
            let turn = inner.if_op(inner.cmpi("eq", action, inner.index(codes::TURN)), &[]);
            let turn_builder = inner.inside(turn.then_block);
            on_turn(self, &turn_builder)?;
            turn_builder.yield_values(&[]);
            inner.inside(turn.else_block).yield_values(&[]);
        }
        let more = inner.cmpi("ne", action, inner.index(codes::TERMINATE));
        inner.condition(more, &[]);
        builder.inside(lp_while.after).yield_values(&[]);
        Ok(lp_while.op)
    }

    /// Steps `from..to` of the loop (numbered from 0), on the state cells.
    fn steps(&self, builder: &Builder, op: &Op, lp: &Loop, from: Val, to: Val) {
        let zero = builder.index(0);
        let one = builder.index(1);
        let state: Vec<Val> = lp.cells.iter().map(|&cell| builder.load(cell, &[zero])).collect();
        let steps = builder.for_loop(from, to, one, &state);
        let body = builder.inside(steps.body);
        let mut arguments = Vec::new();
        if lp.counted {
            arguments.push(self.induction(&body, op, steps.induction));
        }
        arguments.extend(steps.arguments.iter().copied());
        arguments.extend(lp.free.iter().map(|&v| self.forward_value(v)));
        let types: Vec<Type> = lp.state.iter().map(|&v| self.ty(v)).collect();
        let next = body.call(&lp.step, &arguments, &types);
        body.yield_values(&next);
        for (&cell, &value) in lp.cells.iter().zip(&steps.results) {
            builder.store(value, cell, &[zero]);
        }
    }

    /// The induction variable of step `k`: lb + k · step.
    fn induction(&self, builder: &Builder, op: &Op, k: Val) -> Val {
        let [lb, step] = [0, 2].map(|i| self.forward_value(op.operands[i]));
        builder.addi(lb, builder.muli(k, step))
    }

    /// Inside a checkpointed `scf.while`'s condition region: the state into
    /// the cells, where the run time snapshots it.
    pub(crate) fn online_store_state(&mut self, op: &'f Op, builder: &Builder) {
        let lp = &self.checkpoints[&(op as *const Op)];
        let zero = builder.index(0);
        for (&cell, &value) in lp.cells.iter().zip(&lp.state) {
            builder.store(self.forward_value(value), cell, &[zero]);
        }
    }

    /// At the start of a checkpointed `scf.while`'s body: the online
    /// schedule decides whether iteration `counter` starts from a snapshot.
    pub(crate) fn online_step(&mut self, op: &'f Op, builder: &Builder, counter: Val) {
        let handle = self.checkpoints[&(op as *const Op)].handle();
        self.call_runtime(builder, "zad_ckpt_online_step", &[handle, counter]);
    }

    /// After a checkpointed `scf.while`: its trip count to the run time.
    pub(crate) fn online_finish(&mut self, op: &'f Op, builder: &Builder, count: Val) {
        let handle = self.checkpoints[&(op as *const Op)].handle();
        self.call_runtime(builder, "zad_ckpt_online_finish", &[handle, count]);
    }

    /// Reverse sweep: follow the schedule, reversing one step at a time with
    /// the step function's adjoint.
    pub(crate) fn reverse_checkpointed(&mut self, op: &'f Op) -> Result<()> {
        let lp = self.checkpoints[&(op as *const Op)].clone();
        // The step's adjoint: float state values and active outer scalars
        // are active, outer buffers with shadows duplicated.
        let mut activity = if lp.counted { vec![Activity::Const] } else { Vec::new() };
        activity.extend(lp.state.iter().map(|&a| if Element::of(self.ty(a)).is_some() { Activity::Active } else { Activity::Const }));
        for &value in &lp.free {
            activity.push(if Element::of(self.ty(value)).is_some() && self.active(value) {
                Activity::Active
            } else if self.ty(value).is_mem_ref() && self.has_shadow(value) {
                Activity::Dup
            } else {
                Activity::Const
            });
        }
        let request = Request { function: lp.step.clone(), activity: activity.clone(), mode: Mode::Reverse { seeded: true } };
        {
            let step_func: &Func = &lp.step_func;
            let mut generator = Generator::new(step_func, &activity, true, self.module, self.context);
            generator.function(&request.name())?;
            self.callees.append(&mut generator.callees);
        }

        let builder = self.builder(op);
        let types: Vec<Type> = lp.state.iter().map(|&a| self.ty(a)).collect();
        let initial = self.state_result_adjoints(op, &lp)?;
        let zero = builder.index(0);
        // Adjoints of the state and of active outer scalars live in cells
        // across the schedule's actions.
        let mut adjoint_cells = Vec::new();
        for (j, &ty) in types.iter().enumerate() {
            if Element::of(ty).is_none() {
                adjoint_cells.push(None);
                continue;
            }
            let cell = builder.alloca(melior::ir::r#type::MemRefType::new(ty, &[1], None, None).into(), &[]);
            let start = initial[j].unwrap_or_else(|| super::zero_of(ty, &builder));
            builder.store(start, cell, &[zero]);
            adjoint_cells.push(Some(cell));
        }
        let active_free: Vec<ValueId> =
            lp.free.iter().copied().filter(|&v| Element::of(self.ty(v)).is_some() && self.active(v)).collect();
        let mut free_cells = Vec::new();
        for &value in &active_free {
            let ty = self.ty(value);
            let cell = builder.alloca(melior::ir::r#type::MemRefType::new(ty, &[1], None, None).into(), &[]);
            let start = self.adjoint_or_zero(value, &builder);
            builder.store(start, cell, &[zero]);
            free_cells.push(cell);
        }
        let mut shadows = HashMap::new();
        for &value in &lp.free {
            if self.ty(value).is_mem_ref() && self.has_shadow(value) {
                shadows.insert(value, self.shadow(value, op)?);
            }
        }
        let step_gradient = request.name();
        self.drive(&builder, &lp, op, false, |g, turn| {
            // A turn: the adjoint of one step, from the state it starts from.
            let zero = turn.index(0);
            let mut arguments = Vec::new();
            if lp.counted {
                let k = g.call_runtime(turn, "zad_ckpt_from", &[lp.handle()]).expect("from");
                arguments.push(g.induction(turn, op, k));
            }
            for &cell in &lp.cells {
                arguments.push(turn.load(cell, &[zero]));
            }
            for &value in &lp.free {
                arguments.push(g.forward_value(value));
                if let Some(&shadow) = shadows.get(&value) {
                    arguments.push(shadow);
                }
            }
            for &cell in adjoint_cells.iter().flatten() {
                arguments.push(turn.load(cell, &[zero]));
            }
            let mut result_types = types.clone();
            result_types.extend(types.iter().copied().filter(|&ty| Element::of(ty).is_some()));
            result_types.extend(active_free.iter().map(|&v| g.ty(v)));
            let results = turn.call(&step_gradient, &arguments, &result_types);
            let mut gradients = results[types.len()..].iter();
            for &cell in adjoint_cells.iter().flatten() {
                turn.store(*gradients.next().expect("one gradient per float state value"), cell, &[zero]);
            }
            for (&value, &cell) in active_free.iter().zip(&free_cells) {
                let gradient = *gradients.next().expect("one gradient per active outer scalar");
                let old = turn.load(cell, &[zero]);
                let sum = g.add(turn, value, old, gradient);
                turn.store(sum, cell, &[zero]);
            }
            Ok(())
        })?;
        self.call_runtime(&builder, "zad_ckpt_free", &[lp.handle()]);

        let inits: Vec<ValueId> = if lp.counted { op.operands[3..].to_vec() } else { op.operands.clone() };
        for (j, cell) in adjoint_cells.iter().enumerate() {
            if let Some(cell) = cell {
                let init = inits[j];
                if self.active(init) {
                    let gradient = builder.load(*cell, &[zero]);
                    self.add_adjoint(init, gradient, op);
                }
            }
        }
        for (&value, &cell) in active_free.iter().zip(&free_cells) {
            let total = builder.load(cell, &[zero]);
            self.set_adjoint(value, total);
        }
        Ok(())
    }

    /// The adjoints of the loop's results, as adjoints of its state values:
    /// an `scf.for` yields its state; an `scf.while` returns what its
    /// condition forwards, which must be its state unchanged where it
    /// carries derivatives.
    fn state_result_adjoints(&mut self, op: &'f Op, lp: &Loop) -> Result<Vec<Option<Val>>> {
        let mut adjoints: Vec<Option<Val>> = vec![None; lp.state.len()];
        let forwarded: Vec<ValueId> = if lp.counted {
            lp.state.clone()
        } else {
            op.block(0).ops.last().expect("scf.condition").operands[1..].to_vec()
        };
        let builder = self.builder(op);
        for (r, &result) in op.results.iter().enumerate() {
            let Some(adjoint) = self.adjoint(result).filter(|_| self.active(result)) else { continue };
            let Some(j) = lp.state.iter().position(|&s| s == forwarded[r]) else {
                return Err(self.unsupported(op, "a result carrying derivatives is computed in the condition region"));
            };
            adjoints[j] = Some(match adjoints[j].take() {
                Some(previous) => self.add(&builder, result, previous, adjoint),
                None => adjoint,
            });
        }
        Ok(adjoints)
    }
}

impl Loop {
    fn handle(&self) -> Val {
        self.handle.expect("the prelude made the handle")
    }
}

/// Bytes of one element of type `ty` in a snapshot.
fn element_bytes(ty: Type) -> usize {
    match Element::of(ty) {
        Some(element) => element.bytes(),
        None => 8,
    }
}
