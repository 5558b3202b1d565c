//! Forward mode: the tangent of a function, built as one MLIR function that
//! runs the primal and, next to each value that carries a derivative, its
//! tangent. One sweep, no tape.
//!
//! Signature: the primal's arguments, each 'dup' one followed by its
//! tangent (a float scalar's tangent, or a buffer of the same shape whose
//! contents are the tangent of the buffer's contents, updated in place to
//! the tangent of its final contents); results: the primal's results, then
//! one tangent per float result.
//!
//! Vector (batched) mode, width W > 1: each 'dup' argument is followed by W
//! tangents, each float result by W tangents; inside, the W tangents of a
//! scalar travel as one `vector<W x T>` so that their arithmetic is vector
//! arithmetic, and buffer shadows are W buffers.

use crate::{
    ad::{
        Activity, Mode, Request,
        activity::Analysis,
        ir::{Block, Func, Op, Program, ValueId, yielded},
        rules::{self, func::call_activity},
        validate,
    },
    error::{Error, Result},
    mlir::{self, Builder, Element, Type, Val},
};
use melior::ir::{Module, TypeLike, ValueLike, operation::OperationLike};
use std::collections::HashMap;

/// Builds, in `module`, the tangent function of `root` and of every
/// function it calls without inlining.
pub fn generate(program: &Program, root: &Request, module: &Module<'static>, context: &'static melior::Context) -> Result<()> {
    let mut done: Vec<Request> = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(request) = pending.pop() {
        // Built already, here or for an earlier request of the module
        // (nested derivatives generate in rounds).
        if done.contains(&request) || crate::mlir::has_symbol(module, &request.name()) {
            continue;
        }
        // A function with a custom tangent is differentiated as a call of it.
        let through = crate::ad::custom::through_call(context, module, &request.function, false)?;
        let func = match &through {
            Some(func) => func,
            None => program.functions.get(&request.function).ok_or_else(|| {
                Error::NotFound(format!("no function @{} with a body to differentiate", request.function))
            })?,
        };
        validate::tangent_activity(func, &request.activity)?;
        validate::structure(func)?;
        validate::no_checkpoint_schedule(func)?;
        let Mode::Forward { width } = request.mode else { unreachable!("a forward request") };
        let mut generator = Generator::new(func, &request.activity, width, module, context);
        generator.function(&request.name())?;
        pending.append(&mut generator.callees);
        done.push(request);
    }
    Ok(())
}

pub struct Generator<'f> {
    func: &'f Func,
    activity: Vec<Activity>,
    width: usize,
    analysis: Analysis,
    context: &'static melior::Context,
    module: &'f Module<'static>,
    /// Each primal value's copy in the tangent function.
    values: Vec<Option<Val>>,
    /// Tangents of float values (`T`, or `vector<W x T>` in vector mode).
    tangents: HashMap<ValueId, Val>,
    /// Shadows of buffers: W tangent buffers each.
    shadows: HashMap<ValueId, Vec<Val>>,
    /// Where the ops of the current block go.
    point: Option<Builder>,
    callees: Vec<Request>,
}

impl<'f> Generator<'f> {
    fn new(
        func: &'f Func,
        activity: &[Activity],
        width: usize,
        module: &'f Module<'static>,
        context: &'static melior::Context,
    ) -> Generator<'f> {
        // A scalar with a tangent starts derivatives as an active one does.
        let analysed: Vec<Activity> = activity
            .iter()
            .zip(&func.args)
            .map(|(&a, &arg)| if a == Activity::Dup && !func.ty(arg).is_mem_ref() { Activity::Active } else { a })
            .collect();
        let analysis = Analysis::run(func, &analysed);
        Generator {
            func,
            activity: activity.to_vec(),
            width,
            analysis,
            context,
            module,
            values: vec![None; func.values.len()],
            tangents: HashMap::new(),
            shadows: HashMap::new(),
            point: None,
            callees: Vec::new(),
        }
    }

    pub fn ty(&self, value: ValueId) -> Type {
        self.func.ty(value)
    }

    /// Whether `value` (a float or complex scalar) carries a tangent.
    pub fn active(&self, value: ValueId) -> bool {
        self.analysis.active(self.func, value)
    }

    fn has_shadow(&self, value: ValueId) -> bool {
        self.analysis.has_shadow(self.func, value)
    }

    fn unsupported(&self, op: &Op, why: &str) -> Error {
        Error::Unsupported(format!("{}: zad cannot differentiate '{}' in forward mode: {why}", op.place, op.name))
    }

    /// The primal value's copy.
    pub fn forward(&self, value: ValueId) -> Val {
        self.values[value].unwrap_or_else(|| panic!("value #{value} has no copy"))
    }

    /// The tangent of `value`, if it has a nonzero one.
    pub fn tangent(&self, value: ValueId) -> Option<Val> {
        self.tangents.get(&value).copied()
    }

    pub fn set_tangent(&mut self, value: ValueId, tangent: Val) {
        self.tangents.insert(value, tangent);
    }

    /// The type of the tangent of a value of type `ty`.
    fn tangent_type_of(&self, ty: Type) -> Type {
        if self.width == 1 { ty } else { Type::vector(&[self.width as u64], ty) }
    }

    /// The type of `value`'s tangent.
    pub fn tangent_type(&self, value: ValueId) -> Type {
        self.tangent_type_of(self.ty(value))
    }

    /// A builder at the current point, with `op`'s location.
    pub fn builder(&self, op: &Op) -> Builder {
        self.point.expect("inside a block").at(op.location)
    }

    /// `a + b` for tangents.
    pub fn add(&self, a: Val, b: Val, builder: &Builder) -> Val {
        let complex = Element::of(mlir::element_of(a.r#type())).is_some_and(Element::is_complex);
        builder.binary(if complex { "complex.add" } else { "arith.addf" }, a, b)
    }

    /// `a + b` for the tangent of `op`'s result, with `op`'s fast-math flags:
    /// the tangent of a reassociable sum (the adjoint sums of a gradient
    /// being differentiated) is reassociable too, so that its reductions
    /// vectorise as the sum's do.
    pub fn add_for(&self, op: &Op, a: Val, b: Val, builder: &Builder) -> Val {
        let complex = Element::of(mlir::element_of(a.r#type())).is_some_and(Element::is_complex);
        match op.handle.attribute("fastmath") {
            Ok(fastmath) if !complex => builder.binary_fast("arith.addf", a, b, fastmath),
            _ => self.add(a, b, builder),
        }
    }

    /// A zero tangent for `value`.
    fn zero_tangent(&self, value: ValueId, builder: &Builder) -> Val {
        let ty = self.ty(value);
        if self.width == 1 {
            return crate::ad::reverse::zero_of(ty, builder);
        }
        let tangent_type = self.tangent_type_of(ty);
        builder.constant(builder.parse_attribute(&format!("dense<0.0> : {tangent_type}")), tangent_type)
    }

    /// The tangent of `value`, a zero when it has none.
    fn tangent_or_zero(&self, value: ValueId, builder: &Builder) -> Val {
        self.tangent(value).unwrap_or_else(|| self.zero_tangent(value, builder))
    }

    /// The W scalars of a tangent.
    fn lanes(&self, tangent: Val, builder: &Builder) -> Vec<Val> {
        if self.width == 1 {
            return vec![tangent];
        }
        let element = mlir::element_of(tangent.r#type());
        (0..self.width)
            .map(|lane| {
                let position = builder.parse_attribute(&format!("array<i64: {lane}>"));
                builder.value("vector.extract", &[tangent], element, &[("static_position", position)])
            })
            .collect()
    }

    /// One tangent from W scalars.
    fn gather(&self, lanes: &[Val], builder: &Builder) -> Val {
        if self.width == 1 {
            return lanes[0];
        }
        let ty = self.tangent_type_of(lanes[0].r#type());
        builder.value("vector.from_elements", lanes, ty, &[])
    }

    // --- the function ---

    fn function(&mut self, name: &str) -> Result<()> {
        let func = self.func;
        if self.width > 1
            && func.values.iter().any(|v| Element::of_scalar_or_element(v.ty).is_some_and(Element::is_complex))
        {
            return Err(Error::Unsupported(format!(
                "{}: vector mode does not support complex numbers in @{} (use width 1)",
                func.place, func.name
            )));
        }
        let block = &func.body[0];
        let ret = block.ops.last().filter(|op| op.name == "func.return").ok_or_else(|| {
            Error::Unsupported(format!("{}: @{} does not end with func.return", func.place, func.name))
        })?;
        let mut inputs = Vec::new();
        for (&arg, &kind) in func.args.iter().zip(&self.activity) {
            inputs.push(self.ty(arg));
            if kind == Activity::Dup {
                inputs.extend(std::iter::repeat_n(self.ty(arg), self.width));
            }
        }
        let float_results: Vec<ValueId> =
            ret.operands.iter().copied().filter(|&v| Element::of_scalar_or_element(self.ty(v)).is_some()).collect();
        let mut results: Vec<Type> = func.result_types.clone();
        for &value in &float_results {
            results.extend(std::iter::repeat_n(self.ty(value), self.width));
        }
        let entry = crate::ad::reverse::create_function(self.context, self.module, name, &inputs, &results, func.location);
        let builder = Builder::at_end(self.context, entry, func.location);
        let mut parameter = 0;
        for (&arg, &kind) in func.args.iter().zip(&self.activity) {
            self.values[arg] = Some(mlir::block_argument(entry, parameter));
            parameter += 1;
            if kind == Activity::Dup {
                let lanes: Vec<Val> = (0..self.width).map(|w| mlir::block_argument(entry, parameter + w)).collect();
                parameter += self.width;
                if self.ty(arg).is_mem_ref() {
                    self.shadows.insert(arg, lanes);
                } else {
                    let tangent = self.gather(&lanes, &builder);
                    self.tangents.insert(arg, tangent);
                }
            }
        }
        self.point = Some(builder);
        self.block(block)?;
        let mut returned: Vec<Val> = ret.operands.iter().map(|&v| self.forward(v)).collect();
        for &value in &float_results {
            if self.ty(value).is_mem_ref() {
                return Err(self.unsupported(ret, "a returned buffer's tangent is not supported; write it into an argument"));
            }
            let tangent = self.tangent_or_zero(value, &builder);
            returned.extend(self.lanes(tangent, &builder));
        }
        builder.at(ret.location).ret(&returned);
        Ok(())
    }

    /// The ops of `block` (without its terminator) at the current point.
    fn block(&mut self, block: &'f Block) -> Result<()> {
        let count = block.ops.len().saturating_sub(1);
        for op in &block.ops[..count] {
            self.op(op)?;
        }
        Ok(())
    }

    /// Runs `body` with the current point at the end of `block`.
    fn inside<T>(&mut self, block: mlir::BlockRef, body: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let saved = self.point;
        self.point = Some(self.point.expect("a point").inside(block));
        let result = body(self);
        self.point = saved;
        result
    }

    fn op(&mut self, op: &'f Op) -> Result<()> {
        let rule = rules::lookup(&op.name);
        // Region ops and calls copy the primal op themselves.
        if !op.regions.is_empty() || op.name == "func.call" {
            return match rule {
                Some(rule) => rule.tangent(op, self),
                None => Err(self.unsupported(op, "ops with regions other than scf.for, scf.if and scf.while")),
            };
        }
        let builder = self.builder(op);
        let operands: Vec<Val> = op.operands.iter().map(|&v| self.forward(v)).collect();
        let copy = builder.clone_with_operands(op.handle, &operands);
        for (index, &result) in op.results.iter().enumerate() {
            self.values[result] = Some(mlir::result_of(copy, index));
        }
        let carries = op.results.iter().any(|&r| self.active(r) || self.has_shadow(r))
            || op.operands.iter().any(|&v| self.has_shadow(v));
        match rule {
            // Tape ops keep their tangent tapes in step whatever they carry.
            Some(rule) if carries || op.name.starts_with("zad.") => rule.tangent(op, self),
            Some(_) => Ok(()),
            None if op.results.iter().any(|&r| self.active(r)) && op.operands.iter().any(|&v| self.tangent(v).is_some()) => {
                Err(self.unsupported(op, "no derivative rule for this op (see src/ad/rules for the ops that have one)"))
            }
            None if op.operands.iter().any(|&v| self.has_shadow(v)) => {
                Err(self.unsupported(op, "it reads or writes memory that carries derivatives, and zad has no rule for it"))
            }
            None => Ok(()),
        }
    }

    // --- control flow ---

    /// An `scf.for` carrying the tangents of its active iteration
    /// arguments after its own.
    pub fn tangent_for(&mut self, op: &'f Op) -> Result<()> {
        let builder = self.builder(op);
        let block = op.block(0);
        let carried: Vec<usize> =
            (0..op.results.len()).filter(|&j| self.active(op.results[j]) || self.active(block.args[j + 1])).collect();
        let mut inits: Vec<Val> = op.operands[3..].iter().map(|&v| self.forward(v)).collect();
        for &j in &carried {
            inits.push(self.tangent_or_zero(op.operands[3 + j], &builder));
        }
        let [lb, ub, step] = [0, 1, 2].map(|i| self.forward(op.operands[i]));
        let lp = builder.for_loop(lb, ub, step, &inits);
        let primal_count = op.results.len();
        self.values[block.args[0]] = Some(lp.induction);
        for (j, &arg) in block.args[1..].iter().enumerate() {
            self.values[arg] = Some(lp.arguments[j]);
        }
        for (position, &j) in carried.iter().enumerate() {
            self.tangents.insert(block.args[j + 1], lp.arguments[primal_count + position]);
        }
        self.inside(lp.body, |t| {
            t.block(block)?;
            let inner = t.builder(op);
            let yields = yielded(&op.regions[0]);
            let mut next: Vec<Val> = yields.iter().map(|&v| t.forward(v)).collect();
            for &j in &carried {
                next.push(t.tangent_or_zero(yields[j], &inner));
            }
            inner.yield_values(&next);
            Ok(())
        })?;
        for (j, &result) in op.results.iter().enumerate() {
            self.values[result] = Some(lp.results[j]);
        }
        for (position, &j) in carried.iter().enumerate() {
            self.tangents.insert(op.results[j], lp.results[primal_count + position]);
        }
        Ok(())
    }

    /// An `scf.parallel` over the same iterations, whose sum reductions
    /// also sum the tangents of the reduced values; tangents of stored
    /// values go to the elements the iteration stores (no races the primal
    /// does not have).
    pub fn tangent_parallel(&mut self, op: &'f Op) -> Result<()> {
        let block = op.block(0);
        let dims = block.args.len();
        if let Some(problem) = crate::ad::rules::parallel_form_problem(op, true) {
            return Err(self.unsupported(op, &format!("as a parallel loop: {problem}")));
        }
        let reduce = block.ops.last().expect("scf.reduce");
        let active: Vec<usize> = (0..op.results.len()).filter(|&j| self.active(op.results[j])).collect();
        if !active.is_empty() && self.width > 1 {
            return Err(self.unsupported(op, "as a parallel loop: vector tangents of a reduction"));
        }
        let builder = self.builder(op);
        let bounds = crate::ad::reverse::LoopBounds::of(op, &builder, |v| self.forward(v));
        let mut inits: Vec<Val> = op.operands[3 * dims..].iter().map(|&v| self.forward(v)).collect();
        for &j in &active {
            inits.push(self.tangent_or_zero(op.operands[3 * dims + j], &builder));
        }
        let lp = builder.parallel_loop(&bounds.lbs, &bounds.ubs, &bounds.steps, &inits);
        for (d, &iv) in block.args.iter().enumerate() {
            self.values[iv] = Some(lp.inductions[d]);
        }
        self.inside(lp.body, |t| {
            t.block(block)?;
            let inner = t.builder(reduce);
            let mut reduced: Vec<Val> = reduce.operands.iter().map(|&v| t.forward(v)).collect();
            for &j in &active {
                reduced.push(t.tangent_or_zero(reduce.operands[j], &inner));
            }
            inner.reduce_sum(&reduced);
            Ok(())
        })?;
        let primal_count = op.results.len();
        for (j, &result) in op.results.iter().enumerate() {
            self.values[result] = Some(lp.results[j]);
        }
        for (position, &j) in active.iter().enumerate() {
            self.tangents.insert(op.results[j], lp.results[primal_count + position]);
        }
        Ok(())
    }

    /// An `scf.if` yielding the tangents of its active results after them.
    pub fn tangent_if(&mut self, op: &'f Op) -> Result<()> {
        let builder = self.builder(op);
        let active: Vec<usize> = (0..op.results.len()).filter(|&j| self.active(op.results[j])).collect();
        let mut types: Vec<Type> = op.results.iter().map(|&r| self.ty(r)).collect();
        types.extend(active.iter().map(|&j| self.tangent_type(op.results[j])));
        let branch = builder.if_op(self.forward(op.operands[0]), &types);
        for (region, block) in [branch.then_block, branch.else_block].into_iter().enumerate() {
            let primal = op.regions.get(region).and_then(|r| r.first());
            self.inside(block, |t| {
                let inner = t.builder(op);
                let Some(primal) = primal else {
                    inner.yield_values(&[]);
                    return Ok(());
                };
                t.block(primal)?;
                let inner = t.builder(op);
                let yields = yielded(&op.regions[region]);
                let mut values: Vec<Val> = yields.iter().map(|&v| t.forward(v)).collect();
                for &j in &active {
                    values.push(t.tangent_or_zero(yields[j], &inner));
                }
                inner.yield_values(&values);
                Ok(())
            })?;
        }
        for (j, &result) in op.results.iter().enumerate() {
            self.values[result] = Some(branch.results[j]);
        }
        for (position, &j) in active.iter().enumerate() {
            self.tangents.insert(op.results[j], branch.results[op.results.len() + position]);
        }
        Ok(())
    }

    /// An `scf.while` carrying the tangents of its active values.
    pub fn tangent_while(&mut self, op: &'f Op) -> Result<()> {
        let builder = self.builder(op);
        let (before, after) = (op.block(0), op.block(1));
        let carried: Vec<usize> = (0..before.args.len()).filter(|&j| self.active(before.args[j])).collect();
        let forwarded: Vec<usize> = (0..after.args.len())
            .filter(|&j| self.active(after.args[j]) || self.active(op.results[j]))
            .collect();
        let mut inits: Vec<Val> = op.operands.iter().map(|&v| self.forward(v)).collect();
        for &j in &carried {
            inits.push(self.tangent_or_zero(op.operands[j], &builder));
        }
        let mut after_types: Vec<Type> = after.args.iter().map(|&a| self.ty(a)).collect();
        after_types.extend(forwarded.iter().map(|&j| self.tangent_type(after.args[j])));
        let lp = builder.while_loop(&inits, &after_types);
        for (j, &arg) in before.args.iter().enumerate() {
            self.values[arg] = Some(mlir::block_argument(lp.before, j));
        }
        for (position, &j) in carried.iter().enumerate() {
            self.tangents.insert(before.args[j], mlir::block_argument(lp.before, before.args.len() + position));
        }
        self.inside(lp.before, |t| {
            t.block(before)?;
            let inner = t.builder(op);
            let condition = before.ops.last().expect("scf.condition");
            let mut values: Vec<Val> = condition.operands[1..].iter().map(|&v| t.forward(v)).collect();
            for &j in &forwarded {
                values.push(t.tangent_or_zero(condition.operands[1 + j], &inner));
            }
            inner.condition(t.forward(condition.operands[0]), &values);
            Ok(())
        })?;
        for (j, &arg) in after.args.iter().enumerate() {
            self.values[arg] = Some(mlir::block_argument(lp.after, j));
        }
        for (position, &j) in forwarded.iter().enumerate() {
            self.tangents.insert(after.args[j], mlir::block_argument(lp.after, after.args.len() + position));
        }
        self.inside(lp.after, |t| {
            t.block(after)?;
            let inner = t.builder(op);
            let yields = yielded(&op.regions[1]);
            let mut values: Vec<Val> = yields.iter().map(|&v| t.forward(v)).collect();
            for &j in &carried {
                values.push(t.tangent_or_zero(yields[j], &inner));
            }
            inner.yield_values(&values);
            Ok(())
        })?;
        for (j, &result) in op.results.iter().enumerate() {
            self.values[result] = Some(lp.results[j]);
        }
        for (position, &j) in forwarded.iter().enumerate() {
            self.tangents.insert(op.results[j], lp.results[op.results.len() + position]);
        }
        Ok(())
    }

    // --- memory ---

    /// The W tangent buffers of memref `value` (none for a buffer that
    /// carries no derivatives).
    fn shadow(&self, value: ValueId) -> Option<Vec<Val>> {
        self.shadows.get(&value).cloned()
    }

    pub fn tangent_load(&mut self, op: &'f Op) -> Result<()> {
        let (memref, result) = (op.operands[0], op.results[0]);
        let Some(shadows) = self.shadow(memref).filter(|_| self.active(result)) else { return Ok(()) };
        let builder = self.builder(op);
        let indices: Vec<Val> = op.operands[1..].iter().map(|&v| self.forward(v)).collect();
        let lanes: Vec<Val> = shadows.iter().map(|&shadow| builder.load(shadow, &indices)).collect();
        let tangent = self.gather(&lanes, &builder);
        self.tangents.insert(result, tangent);
        Ok(())
    }

    pub fn tangent_store(&mut self, op: &'f Op) -> Result<()> {
        let (value, memref) = (op.operands[0], op.operands[1]);
        let Some(shadows) = self.shadow(memref) else {
            if self.tangent(value).is_some() && self.has_shadow(memref) {
                return Err(self.unsupported(op, "the buffer it stores into has no shadow"));
            }
            return Ok(());
        };
        let builder = self.builder(op);
        let indices: Vec<Val> = op.operands[2..].iter().map(|&v| self.forward(v)).collect();
        let tangent = self.tangent_or_zero(value, &builder);
        for (lane, shadow) in self.lanes(tangent, &builder).into_iter().zip(shadows) {
            builder.store(lane, shadow, &indices);
        }
        Ok(())
    }

    pub fn tangent_copy(&mut self, op: &'f Op) -> Result<()> {
        let (source, target) = (op.operands[0], op.operands[1]);
        let Some(targets) = self.shadow(target) else { return Ok(()) };
        let builder = self.builder(op);
        match self.shadow(source) {
            Some(sources) => {
                for (from, to) in sources.into_iter().zip(targets) {
                    builder.copy(from, to);
                }
            }
            None => {
                for to in targets {
                    crate::ad::reverse::fill_zero(&builder, to, false);
                }
            }
        }
        Ok(())
    }

    /// A buffer that carries derivatives gets W zeroed tangent buffers.
    pub fn tangent_allocation(&mut self, op: &'f Op) -> Result<()> {
        let result = op.results[0];
        if !self.has_shadow(result) {
            return Ok(());
        }
        let builder = self.builder(op);
        let primal = self.forward(result);
        let shadows = (0..self.width)
            .map(|_| crate::ad::reverse::zeroed_buffer_like(&builder, primal, self.ty(result), false))
            .collect();
        self.shadows.insert(result, shadows);
        Ok(())
    }

    pub fn tangent_dealloc(&mut self, op: &'f Op) -> Result<()> {
        if let Some(shadows) = self.shadow(op.operands[0]) {
            let builder = self.builder(op);
            for shadow in shadows {
                builder.dealloc(shadow);
            }
        }
        Ok(())
    }

    pub fn tangent_view(&mut self, op: &'f Op) -> Result<()> {
        let Some(bases) = self.shadow(op.operands[0]) else { return Ok(()) };
        let builder = self.builder(op);
        let mut views = Vec::new();
        for base in bases {
            let mut operands = vec![base];
            operands.extend(op.operands[1..].iter().map(|&v| self.forward(v)));
            views.push(mlir::result_of(builder.clone_with_operands(op.handle, &operands), 0));
        }
        self.shadows.insert(op.results[0], views);
        Ok(())
    }

    // --- tapes (a generated adjoint being differentiated) ---

    /// A tape of float values gets one tangent tape per lane.
    pub fn tangent_tape_new(&mut self, op: &'f Op) -> Result<()> {
        let tape = op.results[0];
        let tape_type = self.ty(tape);
        let text = tape_type.to_string();
        let element = text.strip_prefix("!zad.tape<").and_then(|t| t.strip_suffix('>')).ok_or_else(|| {
            Error::Internal(format!("{}: a tape of type {text}", op.place))
        })?;
        let builder = self.builder(op);
        if Element::of(builder.parse_type(element)?).is_none() {
            return Ok(());
        }
        let tapes = (0..self.width).map(|_| builder.value("zad.tape_new", &[], tape_type, &[])).collect();
        self.shadows.insert(tape, tapes);
        Ok(())
    }

    /// Pushes the value's tangent lanes (zeros when it has none) onto the
    /// tangent tapes.
    pub fn tangent_push(&mut self, op: &'f Op) -> Result<()> {
        let (tape, value) = (op.operands[0], op.operands[1]);
        let Some(tapes) = self.shadow(tape) else { return Ok(()) };
        let builder = self.builder(op);
        let tangent = self.tangent_or_zero(value, &builder);
        for (lane, tangent_tape) in self.lanes(tangent, &builder).into_iter().zip(tapes) {
            builder.op("zad.push", &[tangent_tape, lane], &[], &[]);
        }
        Ok(())
    }

    /// Pops the tangent lanes pushed with the value popped.
    pub fn tangent_pop(&mut self, op: &'f Op) -> Result<()> {
        let (tape, result) = (op.operands[0], op.results[0]);
        let Some(tapes) = self.shadow(tape) else { return Ok(()) };
        let builder = self.builder(op);
        let ty = self.ty(result);
        let lanes: Vec<Val> = tapes.iter().map(|&tangent_tape| builder.value("zad.pop", &[tangent_tape], ty, &[])).collect();
        if self.active(result) {
            let tangent = self.gather(&lanes, &builder);
            self.tangents.insert(result, tangent);
        }
        Ok(())
    }

    pub fn tangent_tape_free(&mut self, op: &'f Op) -> Result<()> {
        let Some(tapes) = self.shadow(op.operands[0]) else { return Ok(()) };
        let builder = self.builder(op);
        for tangent_tape in tapes {
            builder.op("zad.tape_free", &[tangent_tape], &[], &[]);
        }
        Ok(())
    }

    // --- calls ---

    /// A call that is not inlined calls the callee's tangent function (or
    /// the callee itself when no argument carries a tangent).
    pub fn tangent_call(&mut self, op: &'f Op) -> Result<()> {
        let activity: Vec<Activity> =
            call_activity(op, |v| self.tangent(v).is_some(), |v| self.shadows.contains_key(&v), |v| self.ty(v))
                .into_iter()
                .map(|a| if a == Activity::Active { Activity::Dup } else { a })
                .collect();
        let builder = self.builder(op);
        if activity.contains(&Activity::Dup) {
            let callee = op.callee();
            match crate::ad::custom::callee(self.module, &callee) {
                Some(custom) if custom.tangent.is_some() => {
                    return self.tangent_custom_call(op, custom.tangent.as_deref().expect("a tangent"));
                }
                Some(custom) if custom.foreign => return Err(crate::ad::custom::no_derivative(&op.place, &callee, false)),
                _ => {}
            }
        }
        if !activity.contains(&Activity::Dup) {
            let operands: Vec<Val> = op.operands.iter().map(|&v| self.forward(v)).collect();
            let copy = builder.clone_with_operands(op.handle, &operands);
            for (index, &result) in op.results.iter().enumerate() {
                self.values[result] = Some(mlir::result_of(copy, index));
            }
            return Ok(());
        }
        let mut arguments = Vec::new();
        for (&operand, &kind) in op.operands.iter().zip(&activity) {
            arguments.push(self.forward(operand));
            if kind == Activity::Dup {
                match self.shadow(operand) {
                    Some(shadows) => arguments.extend(shadows),
                    None => {
                        let tangent = self.tangent(operand).expect("a tangent");
                        arguments.extend(self.lanes(tangent, &builder));
                    }
                }
            }
        }
        let mut types: Vec<Type> = op.results.iter().map(|&r| self.ty(r)).collect();
        let float_results: Vec<ValueId> =
            op.results.iter().copied().filter(|&r| Element::of_scalar_or_element(self.ty(r)).is_some()).collect();
        for &result in &float_results {
            types.extend(std::iter::repeat_n(self.ty(result), self.width));
        }
        let request = Request { function: op.callee(), activity, mode: Mode::Forward { width: self.width } };
        let outputs = builder.call(&request.name(), &arguments, &types);
        for (index, &result) in op.results.iter().enumerate() {
            self.values[result] = Some(outputs[index]);
        }
        for (position, &result) in float_results.iter().enumerate() {
            let start = op.results.len() + position * self.width;
            let lanes = &outputs[start..start + self.width];
            let tangent = self.gather(lanes, &builder);
            self.tangents.insert(result, tangent);
        }
        self.callees.push(request);
        Ok(())
    }

    /// A call of a function with a `zad.tangent`: the tangent function
    /// takes one tangent per float argument (zero where the call site has
    /// none; a zeroed scratch buffer for a buffer without tangents). In
    /// vector mode it is called once per lane, lanes after the first on
    /// copies of the buffer arguments as they were before the call (the
    /// function may update them in place); the primal results are the
    /// first call's.
    fn tangent_custom_call(&mut self, op: &'f Op, tangent: &str) -> Result<()> {
        let builder = self.builder(op);
        let memrefs: Vec<usize> = (0..op.operands.len()).filter(|&i| self.ty(op.operands[i]).is_mem_ref()).collect();
        let mut snapshots: Vec<(usize, Val)> = Vec::new();
        if self.width > 1 {
            for &index in &memrefs {
                let primal = self.forward(op.operands[index]);
                let snapshot = crate::ad::reverse::buffer_like(&builder, primal, self.ty(op.operands[index]));
                builder.copy(primal, snapshot);
                snapshots.push((index, snapshot));
            }
        }
        let scalar_lanes: HashMap<usize, Vec<Val>> = (0..op.operands.len())
            .filter(|&i| Element::of(self.ty(op.operands[i])).is_some())
            .map(|i| {
                let tangent = self.tangent_or_zero(op.operands[i], &builder);
                (i, self.lanes(tangent, &builder))
            })
            .collect();
        let float_results: Vec<ValueId> =
            op.results.iter().copied().filter(|&r| Element::of(self.ty(r)).is_some()).collect();
        let mut types: Vec<Type> = op.results.iter().map(|&r| self.ty(r)).collect();
        types.extend(float_results.iter().map(|&r| self.ty(r)));
        let mut result_lanes: Vec<Vec<Val>> = vec![Vec::new(); float_results.len()];
        let mut primal_results = Vec::new();
        for lane in 0..self.width {
            let mut arguments = Vec::new();
            let mut temporaries = Vec::new();
            for (index, &operand) in op.operands.iter().enumerate() {
                let ty = self.ty(operand);
                let primal = match snapshots.iter().find(|(i, _)| *i == index) {
                    Some(&(_, snapshot)) if lane > 0 => {
                        let copy = crate::ad::reverse::buffer_like(&builder, snapshot, ty);
                        builder.copy(snapshot, copy);
                        temporaries.push(copy);
                        copy
                    }
                    _ => self.forward(operand),
                };
                arguments.push(primal);
                if let Some(lanes) = scalar_lanes.get(&index) {
                    arguments.push(lanes[lane]);
                } else if crate::ad::custom::is_float_memref(ty) {
                    match self.shadow(operand) {
                        Some(shadows) => arguments.push(shadows[lane]),
                        None => {
                            let scratch = crate::ad::reverse::zeroed_buffer_like(&builder, primal, ty, false);
                            temporaries.push(scratch);
                            arguments.push(scratch);
                        }
                    }
                }
            }
            let outputs = builder.call(tangent, &arguments, &types);
            if lane == 0 {
                primal_results = outputs[..op.results.len()].to_vec();
            }
            for (position, lanes) in result_lanes.iter_mut().enumerate() {
                lanes.push(outputs[op.results.len() + position]);
            }
            for temporary in temporaries {
                builder.dealloc(temporary);
            }
        }
        for (_, snapshot) in snapshots {
            builder.dealloc(snapshot);
        }
        for (index, &result) in op.results.iter().enumerate() {
            self.values[result] = Some(primal_results[index]);
        }
        for (position, &result) in float_results.iter().enumerate() {
            let tangent = self.gather(&result_lanes[position], &builder);
            self.tangents.insert(result, tangent);
        }
        Ok(())
    }
}
