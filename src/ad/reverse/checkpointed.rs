//! Checkpointed time loops: an `scf.for` marked `zad.checkpoint` is not
//! taped as a whole. Its body becomes a step function; the forward sweep
//! runs the steps under a checkpointing schedule kept by zad's run time
//! (binomial, "revolve", by default), storing only snapshots of the loop's
//! state; the reverse sweep follows the schedule: restore a snapshot,
//! advance with plain steps, and reverse one step at a time with the step's
//! own (taped) adjoint.
//!
//! The state is what the body changes: its iteration arguments (kept in
//! one-element buffers so that the run time can copy them) and the buffers
//! from outside the loop that are written anywhere in the function.
//!
//! Attributes on the loop: `zad.checkpoint = "binomial"` with
//! `zad.snapshots = S : i64` or `zad.budget = BYTES : i64` (the snapshot
//! count follows from the state's size), or `zad.checkpoint = "periodic"`
//! with `zad.interval = K : i64`.

use super::*;
use crate::ad::emit::memref_shape;

/// How a loop is checkpointed, as the run time's `zad_ckpt_new` takes it.
pub(super) struct Scheme {
    code: i64,
    snapshots: i64,
    budget: i64,
}

/// The checkpointing scheme asked for on `op`, if any.
pub(super) fn scheme(op: &Op) -> Option<Scheme> {
    let kind = op.attribute("zad.checkpoint")?.trim_matches('"').to_string();
    let number = |name: &str| {
        op.attribute(name)
            .and_then(|text| text.split(':').next())
            .and_then(|n| n.trim().parse::<i64>().ok())
            .unwrap_or(0)
    };
    Some(match (op.name.as_str(), kind.as_str()) {
        // A while loop's trip count is known only at its end: online.
        ("scf.while", _) => Scheme { code: 2, snapshots: number("zad.snapshots"), budget: number("zad.budget") },
        (_, "periodic") => Scheme { code: 1, snapshots: number("zad.interval"), budget: 0 },
        _ => Scheme { code: 0, snapshots: number("zad.snapshots"), budget: number("zad.budget") },
    })
}

/// Rejects a malformed checkpoint request on loop `op`: an unknown scheme,
/// a count that is not a positive integer, or settings of another scheme.
/// `scheme` can then read the attributes without second-guessing them.
pub(super) fn validate(op: &Op) -> Result<()> {
    let Some(kind) = op.attribute("zad.checkpoint") else { return Ok(()) };
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
    for (name, value) in &op.attribute_list {
        if !name.starts_with("zad.") || name == "zad.checkpoint" {
            continue;
        }
        if !allowed.contains(&name.as_str()) {
            return fail(format!("{name} does not apply to the {kind} scheme (it takes {})", allowed.join(" or ")));
        }
        let number = value.split_once(" : i").map(|(n, _)| n.trim()).unwrap_or(value.trim());
        match number.parse::<i64>() {
            Ok(n) if n > 0 => given.push(name.as_str()),
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

/// The names a checkpointed loop's code shares between the two sweeps.
#[derive(Clone)]
pub(super) struct Loop {
    handle: String,
    /// One-element buffers holding the iteration arguments.
    cells: Vec<String>,
    /// Values from outside the body that it uses.
    free: Vec<ValueId>,
    step: String,
    /// The values that make up the loop-carried state (the `scf.for` body's
    /// iteration arguments, the `scf.while` condition region's arguments).
    state: Vec<ValueId>,
    /// Their initial values (operands of the loop).
    inits: Vec<ValueId>,
    /// Whether the step takes an induction variable (`scf.for`).
    counted: bool,
}

impl Loop {
    pub(super) fn free_values(&self) -> &[ValueId] {
        &self.free
    }

    pub(super) fn handle(&self) -> &str {
        &self.handle
    }
}

impl<'f> Generator<'f> {
    /// The shared names of checkpointed loop `op` (made on first use).
    fn checkpoint_loop(&mut self, op: &'f Op) -> Result<Loop> {
        if let Some(existing) = self.checkpoints.get(&(op as *const Op)) {
            return Ok(existing.clone());
        }
        if self.scopes.containing(op) != TOP {
            return Err(self.unsupported(op, "a checkpointed loop must be at the top level of the function"));
        }
        let mut nested = None;
        walk_blocks(&op.regions.concat(), &mut |inner| {
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
        let block = &op.regions[0][0];
        let counted = op.name == "scf.for";
        if counted && self.ty(block.args[0]) != "index" {
            return Err(self.unsupported(op, "a checkpointed loop needs an `index` induction variable"));
        }
        let (state, inits) = if counted {
            (block.args[1..].to_vec(), op.operands[3..].to_vec())
        } else {
            (block.args.clone(), op.operands.clone())
        };
        if let Some(&arg) = state.iter().find(|&&a| !is_float(self.ty(a)) && self.ty(a) != "index") {
            return Err(self.unsupported(op, &format!(
                "a checkpointed loop may carry floats and indices, not {}", self.ty(arg)
            )));
        }
        let id = op.results.first().copied().unwrap_or(block.args.first().copied().unwrap_or(0));
        let mut free = Vec::new();
        for region in 0..op.regions.len() {
            let scope = self.scopes.of_region(op, region);
            for value in free_values(&self.scopes, &op.regions[region][0], scope) {
                if !free.contains(&value) && !op.regions[0][0].args.contains(&value) {
                    free.push(value);
                }
            }
        }
        let lp = Loop {
            handle: format!("%ckpt{id}"),
            cells: (0..state.len()).map(|j| format!("%cell{id}_{j}")).collect(),
            free,
            step: format!("__zad_step_{}_{id}", self.func.name),
            state,
            inits,
            counted,
        };
        self.checkpoints.insert(op as *const Op, lp.clone());
        Ok(lp)
    }

    /// Buffers from outside the loop that are part of its state: those the
    /// loop writes, and those it reads that the function writes after it
    /// (a rerun step must see them as they were).
    fn state_buffers(&self, op: &Op, lp: &Loop) -> Result<Vec<ValueId>> {
        let body = &self.func.body[0];
        let position = body.ops.iter().position(|candidate| std::ptr::eq(candidate, op)).unwrap_or(0);
        let loop_blocks: Vec<Block> = op.regions.iter().flat_map(|region| region.iter().cloned()).collect();
        let written_in_loop = self.analysis.written_by(self.func, &loop_blocks);
        let later = Block { args: Vec::new(), ops: body.ops[position + 1..].to_vec() };
        let written_later = self.analysis.written_by(self.func, std::slice::from_ref(&later));
        let mut roots = Vec::new();
        for &value in &lp.free {
            if !is_memref(self.ty(value)) {
                continue;
            }
            let root = self.analysis.root[value];
            if !written_in_loop[root] && !written_later[root] {
                continue;
            }
            if self.scopes.of_value[root] != TOP {
                return Err(self.unsupported(op, "a checkpointed loop uses a buffer defined inside another region"));
            }
            if self.ty(root).contains("strided") {
                return Err(self.unsupported(op, &format!(
                    "the checkpointed state includes a buffer of type {}, which is not contiguous", self.ty(root)
                )));
            }
            if !roots.contains(&root) {
                roots.push(root);
            }
        }
        Ok(roots)
    }

    /// Forward sweep of a checkpointed `scf.for`: the loop runs under the
    /// schedule's forward phase, storing snapshots, then finishes with
    /// plain steps.
    pub(super) fn forward_checkpointed(&mut self, op: &'f Op, out: &mut Body, top: bool) -> Result<()> {
        let lp = self.checkpoint_prelude(op, out, top)?;
        let loc = op.loc.clone();
        let [lb, ub, step] = [op.operands[0], op.operands[1], op.operands[2]].map(|v| format!("%v{v}"));
        let count = Self::trip_count(out, &mut self.names, &lb, &ub, &step, &loc);
        out.line(&format!("func.call @zad_ckpt_set_steps({}, {count}) : (index, index) -> () {loc}", lp.handle));
        let zero = out.constant_index(&mut self.names, 0, &loc);
        // The schedule's forward phase, then plain steps to the end.
        let action = self.names.fresh();
        let mut inner = Body { indent: out.indent + 1, ..Body::default() };
        inner.line(&format!("{action} = func.call @zad_ckpt_forward({}) : (index) -> index {loc}", lp.handle));
        let one = inner.constant_index(&mut self.names, 1, &loc);
        let is_advance = inner.op1(&mut self.names, &format!("arith.cmpi eq, {action}, {one} : index"), &loc);
        let mut advance = Body { indent: inner.indent + 1, ..Body::default() };
        self.advance(&mut advance, op, &lp, &loc);
        inner.line(&format!("scf.if {is_advance} {{\n{}{}}} {loc}", advance.text, "  ".repeat(inner.indent)));
        let more = inner.op1(&mut self.names, &format!("arith.cmpi ne, {action}, {zero} : index"), &loc);
        inner.line(&format!("scf.condition({more}) {loc}"));
        let pad = "  ".repeat(out.indent);
        out.line(&format!("scf.while : () -> () {{\n{}{pad}}} do {{\n{pad}  scf.yield {loc}\n{pad}}} {loc}", inner.text));
        let position = out.op1(&mut self.names, &format!("func.call @zad_ckpt_position({}) : (index) -> index", lp.handle), &loc);
        self.steps(out, op, &lp, &position, &count, &loc);
        for (j, cell) in lp.cells.iter().enumerate() {
            let ty = self.ty(lp.state[j]).to_string();
            out.line(&format!("%v{} = memref.load {cell}[{zero}] : memref<1x{ty}> {loc}", op.results[j]));
        }
        Ok(())
    }

    /// Before a checkpointed loop: the step function, the run-time handle,
    /// and the state registered with it (cells holding the initial values).
    pub(super) fn checkpoint_prelude(&mut self, op: &'f Op, out: &mut Body, top: bool) -> Result<Loop> {
        if !top {
            return Err(self.unsupported(op, "a checkpointed loop must be at the top level of the function"));
        }
        let lp = self.checkpoint_loop(op)?;
        let scheme = scheme(op).expect("checkpointed");
        let loc = op.loc.clone();
        let outlined = if lp.counted {
            self.func.outline_loop_body(op, &lp.step, &lp.free)
        } else {
            self.func.outline_while_step(op, &lp.step, &lp.free)
        };
        self.extra_functions.push_str(&primal_function_text(&outlined)?);
        let constants: Vec<String> = [scheme.snapshots, scheme.budget, scheme.code]
            .iter()
            .map(|&n| out.constant_index(&mut self.names, n, &loc))
            .collect();
        out.line(&format!(
            "{} = func.call @zad_ckpt_new({}, {}, {}) : (index, index, index) -> index {loc}",
            lp.handle, constants[0], constants[1], constants[2]
        ));
        let zero = out.constant_index(&mut self.names, 0, &loc);
        for (j, cell) in lp.cells.iter().enumerate() {
            let ty = self.ty(lp.state[j]).to_string();
            out.line(&format!("{cell} = memref.alloca() : memref<1x{ty}> {loc}"));
            out.line(&format!("memref.store %v{}, {cell}[{zero}] : memref<1x{ty}> {loc}", lp.inits[j]));
            let bytes = out.constant_index(&mut self.names, element_bytes(&ty), &loc);
            self.register(out, &lp.handle, cell, &format!("memref<1x{ty}>"), &bytes, &loc);
        }
        for root in self.state_buffers(op, &lp)? {
            let ty = self.ty(root).to_string();
            let (dims, element) = memref_shape(&ty).unwrap_or_default();
            let mut bytes = out.constant_index(&mut self.names, element_bytes(&element), &loc);
            for dim in 0..dims.len() {
                let d = out.constant_index(&mut self.names, dim as i64, &loc);
                let size = out.op1(&mut self.names, &format!("memref.dim %v{root}, {d} : {ty}"), &loc);
                bytes = out.binary(&mut self.names, "arith.muli", &bytes, &size, "index", &loc);
            }
            self.register(out, &lp.handle, &format!("%v{root}"), &ty, &bytes, &loc);
        }
        Ok(lp)
    }

    /// Lines opening the condition region of a checkpointed `scf.while`
    /// (its arguments into the state cells) and its body (the online
    /// schedule's decision for iteration `counter`).
    pub(super) fn online_hooks(&self, op: &Op, counter: &str) -> (String, String) {
        let lp = &self.checkpoints[&(op as *const Op)];
        let loc = &op.loc;
        let mut before = String::new();
        before.push_str(&format!("%ckzero{} = arith.constant 0 : index {loc}\n", lp.handle.trim_start_matches('%')));
        for (j, cell) in lp.cells.iter().enumerate() {
            let ty = self.ty(lp.state[j]);
            before.push_str(&format!(
                "memref.store %v{}, {cell}[%ckzero{}] : memref<1x{ty}> {loc}\n",
                lp.state[j],
                lp.handle.trim_start_matches('%')
            ));
        }
        let after = format!("func.call @zad_ckpt_online_step({}, {counter}) : (index, index) -> () {loc}\n", lp.handle);
        (before, after)
    }

    fn register(&mut self, out: &mut Body, handle: &str, memref: &str, ty: &str, bytes: &str, loc: &str) {
        let pointer = out.op1(&mut self.names, &format!("memref.extract_aligned_pointer_as_index {memref} : {ty} -> index"), loc);
        out.line(&format!("func.call @zad_ckpt_add({handle}, {pointer}, {bytes}) : (index, index, index) -> () {loc}"));
    }

    /// Plain steps over the range the run time names (`zad_ckpt_from/to`).
    fn advance(&mut self, out: &mut Body, op: &Op, lp: &Loop, loc: &str) {
        let from = out.op1(&mut self.names, &format!("func.call @zad_ckpt_from({}) : (index) -> index", lp.handle), loc);
        let to = out.op1(&mut self.names, &format!("func.call @zad_ckpt_to({}) : (index) -> index", lp.handle), loc);
        self.steps(out, op, lp, &from, &to, loc);
    }

    /// Steps `from..to` of the loop (numbered from 0), on the state cells.
    fn steps(&mut self, out: &mut Body, op: &Op, lp: &Loop, from: &str, to: &str, loc: &str) {
        let zero = out.constant_index(&mut self.names, 0, loc);
        let one = out.constant_index(&mut self.names, 1, loc);
        let types: Vec<String> = lp.state.iter().map(|&a| self.ty(a).to_string()).collect();
        let state: Vec<String> = lp
            .cells
            .iter()
            .zip(&types)
            .map(|(cell, ty)| out.op1(&mut self.names, &format!("memref.load {cell}[{zero}] : memref<1x{ty}>"), loc))
            .collect();
        let k = self.names.fresh();
        let carried: Vec<String> = types.iter().map(|_| self.names.fresh()).collect();
        let outs: Vec<String> = types.iter().map(|_| self.names.fresh()).collect();
        let mut body = Body { indent: out.indent + 1, ..Body::default() };
        let (mut args, mut arg_types) = (Vec::new(), Vec::new());
        if lp.counted {
            args.push(self.induction(&mut body, op, &k, loc));
            arg_types.push("index".to_string());
        }
        args.extend(carried.iter().cloned());
        args.extend(lp.free.iter().map(|v| format!("%v{v}")));
        arg_types.extend(types.iter().cloned());
        arg_types.extend(lp.free.iter().map(|&v| self.ty(v).to_string()));
        let next: Vec<String> = types.iter().map(|_| self.names.fresh()).collect();
        let lhs = if next.is_empty() { String::new() } else { format!("{} = ", next.join(", ")) };
        body.line(&format!(
            "{lhs}func.call @{}({}) : ({}) -> ({}) {loc}",
            lp.step,
            args.join(", "),
            arg_types.join(", "),
            types.join(", ")
        ));
        let pad = "  ".repeat(out.indent);
        if types.is_empty() {
            out.line(&format!("scf.for {k} = {from} to {to} step {one} {{\n{}{pad}}} {loc}", body.text));
        } else {
            body.line(&format!("scf.yield {} : {} {loc}", next.join(", "), types.join(", ")));
            let pairs: Vec<String> = carried.iter().zip(&state).map(|(c, s)| format!("{c} = {s}")).collect();
            out.line(&format!(
                "{} = scf.for {k} = {from} to {to} step {one} iter_args({}) -> ({}) {{\n{}{pad}}} {loc}",
                outs.join(", "),
                pairs.join(", "),
                types.join(", "),
                body.text
            ));
            for ((cell, value), ty) in lp.cells.iter().zip(&outs).zip(&types) {
                out.line(&format!("memref.store {value}, {cell}[{zero}] : memref<1x{ty}> {loc}"));
            }
        }
    }

    /// The induction variable of step `k`: lb + k * step.
    fn induction(&mut self, out: &mut Body, op: &Op, k: &str, loc: &str) -> String {
        let scaled = out.binary(&mut self.names, "arith.muli", k, &format!("%v{}", op.operands[2]), "index", loc);
        out.binary(&mut self.names, "arith.addi", &format!("%v{}", op.operands[0]), &scaled, "index", loc)
    }

    /// Reverse sweep: follow the schedule, reversing one step at a time
    /// with the step's adjoint.
    pub(super) fn reverse_checkpointed(&mut self, op: &'f Op) -> Result<()> {
        let lp = self.checkpoint_loop(op)?;
        let loc = op.loc.clone();
        // The step's adjoint: float state values and active outer scalars
        // are active, outer buffers with shadows duplicated.
        let mut activity = if lp.counted { vec![Activity::Const] } else { Vec::new() };
        activity.extend(lp.state.iter().map(|&a| if is_float(self.ty(a)) { Activity::Active } else { Activity::Const }));
        for &value in &lp.free {
            activity.push(if is_float(self.ty(value)) && self.active(value) {
                Activity::Active
            } else if is_memref(self.ty(value)) && self.has_shadow(value) {
                Activity::Dup
            } else {
                Activity::Const
            });
        }
        let request = Request { function: lp.step.clone(), activity: activity.clone(), seeded: true };
        let outlined = if lp.counted {
            self.func.outline_loop_body(op, &lp.step, &lp.free)
        } else {
            self.func.outline_while_step(op, &lp.step, &lp.free)
        };
        {
            let mut generator = Generator::new(&outlined, &activity, true);
            let text = generator.function(&request.gradient_name())?;
            self.extra_functions.push_str(&text);
            self.extra_functions.push_str(&generator.extra_functions);
            self.callees.extend(generator.callees);
        }

        let types: Vec<String> = lp.state.iter().map(|&a| self.ty(a).to_string()).collect();
        let initial_adjoints = self.state_result_adjoints(op, &lp)?;
        let zero = self.emit("arith.constant 0 : index", &loc);
        // Adjoints of the state and of active outer scalars live in cells
        // across the schedule's actions.
        let mut adjoint_cells = Vec::new();
        for (j, ty) in types.iter().enumerate() {
            if !is_float(ty) {
                adjoint_cells.push(None);
                continue;
            }
            let cell = self.emit(&format!("memref.alloca() : memref<1x{ty}>"), &loc);
            let initial = match &initial_adjoints[j] {
                Some(name) => name.clone(),
                None => self.zero(ty, &loc),
            };
            self.line(&format!("memref.store {initial}, {cell}[{zero}] : memref<1x{ty}> {loc}"));
            adjoint_cells.push(Some(cell));
        }
        let active_free: Vec<ValueId> =
            lp.free.iter().copied().filter(|&v| is_float(self.ty(v)) && self.active(v)).collect();
        let mut free_cells = Vec::new();
        for &value in &active_free {
            let ty = self.ty(value).to_string();
            let cell = self.emit(&format!("memref.alloca() : memref<1x{ty}>"), &loc);
            let initial = self.adjoint_or_zero(value, &loc);
            self.line(&format!("memref.store {initial}, {cell}[{zero}] : memref<1x{ty}> {loc}"));
            free_cells.push(cell);
        }
        let mut shadows = HashMap::new();
        for &value in &lp.free {
            if is_memref(self.ty(value)) && self.has_shadow(value) {
                shadows.insert(value, self.shadow(value, op)?);
            }
        }

        let indent = self.current().body.indent;
        let mut inner = Body { indent: indent + 1, ..Body::default() };
        let action = inner.op1(&mut self.names, &format!("func.call @zad_ckpt_next({}) : (index) -> index", lp.handle), &loc);
        let one = inner.constant_index(&mut self.names, 1, &loc);
        let two = inner.constant_index(&mut self.names, 2, &loc);
        let is_advance = inner.op1(&mut self.names, &format!("arith.cmpi eq, {action}, {one} : index"), &loc);
        let mut advance = Body { indent: inner.indent + 1, ..Body::default() };
        self.advance(&mut advance, op, &lp, &loc);
        inner.line(&format!("scf.if {is_advance} {{\n{}{}}} {loc}", advance.text, "  ".repeat(inner.indent)));
        let is_turn = inner.op1(&mut self.names, &format!("arith.cmpi eq, {action}, {two} : index"), &loc);

        // A turn: the adjoint of one step, from the state it starts from.
        let mut turn = Body { indent: inner.indent + 1, ..Body::default() };
        let (mut args, mut arg_types) = (Vec::new(), Vec::new());
        if lp.counted {
            let k = turn.op1(&mut self.names, &format!("func.call @zad_ckpt_from({}) : (index) -> index", lp.handle), &loc);
            args.push(self.induction(&mut turn, op, &k, &loc));
            arg_types.push("index".to_string());
        }
        for (cell, ty) in lp.cells.iter().zip(&types) {
            args.push(turn.op1(&mut self.names, &format!("memref.load {cell}[{zero}] : memref<1x{ty}>"), &loc));
            arg_types.push(ty.clone());
        }
        for &value in &lp.free {
            args.push(format!("%v{value}"));
            arg_types.push(self.ty(value).to_string());
            if let Some(shadow) = shadows.get(&value) {
                args.push(shadow.clone());
                arg_types.push(self.ty(value).to_string());
            }
        }
        for (cell, ty) in adjoint_cells.iter().zip(&types) {
            if let Some(cell) = cell {
                args.push(turn.op1(&mut self.names, &format!("memref.load {cell}[{zero}] : memref<1x{ty}>"), &loc));
                arg_types.push(ty.clone());
            }
        }
        let mut result_types = types.clone();
        result_types.extend(types.iter().filter(|ty| is_float(ty)).cloned());
        result_types.extend(active_free.iter().map(|&v| self.ty(v).to_string()));
        let results: Vec<String> = result_types.iter().map(|_| self.names.fresh()).collect();
        let lhs = if results.is_empty() { String::new() } else { format!("{} = ", results.join(", ")) };
        turn.line(&format!(
            "{lhs}func.call @{}({}) : ({}) -> ({}) {loc}",
            request.gradient_name(),
            args.join(", "),
            arg_types.join(", "),
            result_types.join(", ")
        ));
        let mut gradients = results[types.len()..].iter();
        for (cell, ty) in adjoint_cells.iter().zip(&types) {
            if let Some(cell) = cell {
                let gradient = gradients.next().expect("one gradient per float state value");
                turn.line(&format!("memref.store {gradient}, {cell}[{zero}] : memref<1x{ty}> {loc}"));
            }
        }
        for (&value, cell) in active_free.iter().zip(&free_cells) {
            let ty = self.ty(value).to_string();
            let gradient = gradients.next().expect("one gradient per active outer scalar");
            let old = turn.op1(&mut self.names, &format!("memref.load {cell}[{zero}] : memref<1x{ty}>"), &loc);
            let new = turn.binary(&mut self.names, "arith.addf", &old, gradient, &ty, &loc);
            turn.line(&format!("memref.store {new}, {cell}[{zero}] : memref<1x{ty}> {loc}"));
        }
        inner.line(&format!("scf.if {is_turn} {{\n{}{}}} {loc}", turn.text, "  ".repeat(inner.indent)));
        let more = inner.op1(&mut self.names, &format!("arith.cmpi ne, {action}, {zero} : index"), &loc);
        inner.line(&format!("scf.condition({more}) {loc}"));
        let pad = "  ".repeat(indent);
        self.line(&format!("scf.while : () -> () {{\n{}{pad}}} do {{\n{pad}  scf.yield {loc}\n{pad}}} {loc}", inner.text));
        self.line(&format!("func.call @zad_ckpt_free({}) : (index) -> () {loc}", lp.handle));

        for (j, cell) in adjoint_cells.iter().enumerate() {
            if let Some(cell) = cell {
                let init = lp.inits[j];
                if self.active(init) {
                    let ty = types[j].clone();
                    let gradient = self.emit(&format!("memref.load {cell}[{zero}] : memref<1x{ty}>"), &loc);
                    self.add_adjoint(init, &gradient, &loc);
                }
            }
        }
        for (&value, cell) in active_free.iter().zip(&free_cells) {
            let ty = self.ty(value).to_string();
            let total = self.emit(&format!("memref.load {cell}[{zero}] : memref<1x{ty}>"), &loc);
            self.adjoints.insert(value, total);
        }
        Ok(())
    }
}

impl<'f> Generator<'f> {
    /// The adjoints of the loop's results, as adjoints of its state values:
    /// an `scf.for` yields its state; an `scf.while` returns what its
    /// condition forwards, which must be its state unchanged where it
    /// carries derivatives.
    fn state_result_adjoints(&mut self, op: &'f Op, lp: &Loop) -> Result<Vec<Option<String>>> {
        let mut adjoints: Vec<Option<String>> = vec![None; lp.state.len()];
        let forwarded: Vec<ValueId> = if lp.counted {
            lp.state.clone()
        } else {
            op.regions[0][0].ops.last().expect("scf.condition").operands[1..].to_vec()
        };
        for (r, &result) in op.results.iter().enumerate() {
            let Some(adjoint) = self.adjoints.get(&result).cloned().filter(|_| self.active(result)) else { continue };
            let Some(j) = lp.state.iter().position(|&s| s == forwarded[r]) else {
                return Err(self.unsupported(op, "a result carrying derivatives is computed in the condition region"));
            };
            let sum = match adjoints[j].take() {
                Some(previous) => {
                    let ty = self.ty(result).to_string();
                    self.emit(&format!("arith.addf {previous}, {adjoint} : {ty}"), &op.loc)
                }
                None => adjoint,
            };
            adjoints[j] = Some(sum);
        }
        Ok(adjoints)
    }
}

/// A function running `func`'s body as it is (no taping): the plain step
/// of a checkpointed loop.
fn primal_function_text(func: &Func) -> Result<String> {
    let activity = vec![Activity::Const; func.args.len()];
    let mut generator = Generator::new(func, &activity, true);
    let mut body = Body { indent: 1, ..Body::default() };
    generator.forward_block(&func.body[0], &mut body, None, true)?;
    let ret = func.body[0].ops.last().expect("a terminator");
    let params: Vec<String> = func.args.iter().map(|&a| format!("%v{a}: {}", func.ty(a))).collect();
    let values: Vec<String> = ret.operands.iter().map(|v| format!("%v{v}")).collect();
    let types: Vec<String> = ret.operands.iter().map(|&v| func.ty(v).to_string()).collect();
    let ret_line = if values.is_empty() {
        format!("  func.return {}\n", ret.loc)
    } else {
        format!("  func.return {} : {} {}\n", values.join(", "), types.join(", "), ret.loc)
    };
    Ok(format!(
        "func.func private @{}({}) -> ({}) {{\n{}{}}} {}\n{}",
        func.name,
        params.join(", "),
        types.join(", "),
        body.text,
        ret_line,
        func.loc,
        generator.extra_functions
    ))
}
