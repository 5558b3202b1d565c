//! Loops and branches, with the promoted variables carried through them:
//! every variable live at a loop or branch is an iteration argument or a
//! result (canonicalisation then drops those a region does not change).

use super::{
    Result, Translator, fir_type, op_name, segments,
    values::{Abstract, Allocation, VarId, VarState},
};
use crate::fortran::{fir_type::{FirType, Scalar}, mlir};
use std::collections::HashSet;
use melior::ir::{
    Attribute, Block, BlockLike, BlockRef, Identifier, Location, OperationRef, Region, RegionLike, Type, Value,
    ValueLike,
    attribute::{DenseI64ArrayAttribute, IntegerAttribute},
    operation::{OperationBuilder, OperationLike, WalkOrder, WalkResult},
    r#type::IntegerType,
};

/// The variables carried through a region, and the shape of each one's
/// state (which a region must not change: an allocation in a loop body
/// that outlives an iteration is not supported).
pub(super) struct Carried {
    vars: Vec<(VarId, Tag)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tag {
    Scalar,
    Allocated(usize),
    Unallocated,
}

fn tag(state: &VarState) -> Tag {
    match state {
        VarState::Scalar(_) => Tag::Scalar,
        VarState::Allocated(allocation) => Tag::Allocated(allocation.extents.len()),
        VarState::Unallocated => Tag::Unallocated,
    }
}

/// One arm of a conditional: a FIR region, the rest of an index switch
/// (from its `case` onwards), or nothing.
#[derive(Clone, Copy)]
enum Arm<'c, 'f> {
    Region(melior::ir::RegionRef<'c, 'f>),
    Switch(OperationRef<'c, 'f>, usize),
}

/// Saved insertion point and environment, for leaving a region.
struct Saved<'c, 'm> {
    block: BlockRef<'c, 'm>,
    position: super::arrays::Position<'c, 'm>,
    env_len: usize,
}

impl<'c, 'm, 'f> Translator<'c, 'm, 'f> {
    /// The variables to carry through `op`'s regions: those they may write,
    /// or every live one when that cannot be told.
    pub(super) fn carried(&self, op: &OperationRef<'c, 'f>) -> Carried {
        let written = self.written_vars(op);
        Carried {
            vars: self
                .env
                .iter()
                .enumerate()
                .filter(|(id, _)| written.as_ref().is_none_or(|written| written.contains(id)))
                .filter_map(|(id, state)| state.as_ref().map(|s| (id, tag(s))))
                .collect(),
        }
    }

    /// The promoted variables the regions of `op` may assign (directly, or
    /// through the procedures they call), or None when some store's target
    /// is unknown.
    fn written_vars(&self, op: &OperationRef<'c, 'f>) -> Option<HashSet<VarId>> {
        let mut written = HashSet::new();
        let mut known = true;
        op.walk(WalkOrder::PreOrder, |inner| {
            let name = op_name(&inner);
            match name.as_str() {
                "fir.store" => match inner.operand(1).ok().and_then(|target| self.resolve(target)) {
                    Some(Abstract::Var(var) | Abstract::Allocatable(var)) => {
                        written.insert(var);
                    }
                    Some(_) => {}
                    None => known = false,
                },
                "fir.call" => {
                    let callee = inner.attribute("callee").map(|a| a.to_string()).unwrap_or_default();
                    let target = self.program.functions.get(callee.trim_start_matches('@').trim_matches('"'));
                    for (index, operand) in inner.operands().enumerate() {
                        match self.resolve(operand) {
                            Some(Abstract::Var(var) | Abstract::Allocatable(var)) => {
                                let writes = target.is_none_or(|function| {
                                    super::signature::writes_argument(self.program, function, index)
                                });
                                if writes {
                                    written.insert(var);
                                }
                            }
                            Some(Abstract::Tuple(tuple)) => {
                                for slot in self.tuples[tuple].iter().flatten() {
                                    if let Abstract::Var(var) | Abstract::Allocatable(var) = slot {
                                        written.insert(*var);
                                    }
                                }
                            }
                            Some(_) => {}
                            None => known = false,
                        }
                    }
                }
                _ => {}
            }
            if known { WalkResult::Advance } else { WalkResult::Interrupt }
        });
        known.then_some(written)
    }

    /// What a FIR value in a region not yet converted stands for, following
    /// the ops that pass an address through; `Nothing` for addresses of
    /// memory or of variables made inside the region.
    fn resolve(&self, value: Value<'c, 'f>) -> Option<Abstract<'c, 'm>> {
        if let Some(known) = self.get(value) {
            return Some(known.clone());
        }
        if !matches!(fir_type(value), FirType::Ref(_) | FirType::Box(_) | FirType::Heap(_) | FirType::LlvmPtr(_)) {
            return Some(Abstract::Nothing);
        }
        let definition = mlir::defining_op(value)?;
        match op_name(&definition).as_str() {
            "fir.declare" | "fir.convert" | "fir.rebox" | "fir.embox" | "fir.box_addr" => {
                self.resolve(definition.operand(0).ok()?)
            }
            "fir.alloca" | "fir.allocmem" | "fir.array_coor" | "fir.address_of" | "fir.coordinate_of" => {
                Some(Abstract::Nothing)
            }
            _ => None,
        }
    }

    pub(super) fn carried_values(&self, carried: &Carried) -> Vec<Value<'c, 'm>> {
        let mut values = Vec::new();
        for (id, _) in &carried.vars {
            match self.env[*id].as_ref().expect("carried variables are live") {
                VarState::Scalar(value) => values.push(*value),
                VarState::Allocated(allocation) => {
                    values.push(allocation.memref);
                    values.extend(&allocation.lower);
                    values.extend(&allocation.extents);
                }
                VarState::Unallocated => {}
            }
        }
        values
    }

    /// Sets the carried variables from `values` (as `carried_values` lists
    /// them), returning how many were used.
    pub(super) fn bind_carried(&mut self, carried: &Carried, values: &[Value<'c, 'm>]) -> usize {
        let mut at = 0;
        for (id, tag) in &carried.vars {
            let state = match tag {
                Tag::Scalar => {
                    at += 1;
                    VarState::Scalar(values[at - 1])
                }
                Tag::Allocated(rank) => {
                    let element = match &self.vars[*id].kind {
                        super::VarKind::Allocatable { element, .. } => *element,
                        super::VarKind::Scalar(scalar) => *scalar,
                    };
                    let allocation = Allocation {
                        memref: values[at],
                        element,
                        lower: values[at + 1..at + 1 + rank].to_vec(),
                        extents: values[at + 1 + rank..at + 1 + 2 * rank].to_vec(),
                    };
                    at += 1 + 2 * rank;
                    VarState::Allocated(allocation)
                }
                Tag::Unallocated => VarState::Unallocated,
            };
            self.env[*id] = Some(state);
        }
        at
    }

    /// Fails if a region changed whether a carried allocatable is allocated.
    fn check_carried(&self, carried: &Carried, location: Location<'c>) -> Result<()> {
        for (id, expected) in &carried.vars {
            let now = self.env[*id].as_ref().map(tag);
            if now != Some(*expected) {
                return Err(self.fail(
                    location,
                    format!(
                        "allocatable '{}' is allocated or deallocated inside a loop or a branch and used after it; \
                         allocate it before and deallocate it after the loop or branch",
                        self.vars[*id].name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Moves the insertion point to the end of `block`, opening a scope.
    fn enter(&mut self, block: BlockRef<'c, 'm>) -> Saved<'c, 'm> {
        let saved = Saved { block: self.block, position: self.position, env_len: self.env.len() };
        self.block = block;
        self.position = super::arrays::Position::End;
        self.scopes.push(Vec::new());
        saved
    }

    /// Closes the scope (freeing its buffers), emits `terminator` and goes
    /// back to the saved insertion point. Variables made in the region die.
    fn leave(&mut self, saved: Saved<'c, 'm>, terminator: &str, operands: &[Value<'c, 'm>], location: Location<'c>) {
        self.close_scope(location);
        self.op0(terminator, operands, location);
        self.block = saved.block;
        self.position = saved.position;
        for state in &mut self.env[saved.env_len..] {
            *state = None;
        }
    }

    /// Creates `name` with one single-block region per entry of `blocks`
    /// (its argument types), inserted at the insertion point.
    fn region_op(
        &mut self,
        name: &str,
        operands: &[Value<'c, 'm>],
        results: &[Type<'c>],
        blocks: &[Vec<Type<'c>>],
        attributes: &[(&str, Attribute<'c>)],
        location: Location<'c>,
    ) -> OperationRef<'c, 'm> {
        let regions: Vec<Region> = blocks
            .iter()
            .map(|types| {
                let region = Region::new();
                region.append_block(Block::new(&types.iter().map(|&ty| (ty, location)).collect::<Vec<_>>()));
                region
            })
            .collect();
        let attributes: Vec<_> = attributes.iter().map(|(name, value)| (Identifier::new(self.context, name), *value)).collect();
        let operation = OperationBuilder::new(name, location)
            .add_operands(operands)
            .add_results(results)
            .add_regions_vec(regions)
            .add_attributes(&attributes)
            .build()
            .unwrap_or_else(|error| panic!("building {name}: {error}"));
        self.append(operation)
    }

    fn block_of(operation: &OperationRef<'c, 'm>, region: usize) -> BlockRef<'c, 'm> {
        operation.region(region).expect("region").first_block().expect("block")
    }

    fn arguments(block: BlockRef<'c, 'm>) -> Vec<Value<'c, 'm>> {
        (0..block.argument_count()).map(|i| block.argument(i).expect("argument").into()).collect()
    }

    fn results(operation: &OperationRef<'c, 'm>) -> Vec<Value<'c, 'm>> {
        operation.results().map(Value::from).collect()
    }

    /// The scalars among abstract values (in order).
    fn scalars(&self, values: &[Abstract<'c, 'm>], location: Location<'c>) -> Result<Vec<Value<'c, 'm>>> {
        values.iter().map(|value| self.scalar(value, location)).collect()
    }

    /// The MLIR type of a FIR scalar-typed value.
    fn scalar_type(&self, value: Value<'c, 'f>, location: Location<'c>) -> Result<Type<'c>> {
        match fir_type(value) {
            FirType::Scalar(scalar) => Ok(self.ty(scalar)),
            other => Err(self.fail(location, format!("a loop or branch carrying a {other} is not supported"))),
        }
    }

    /// `fir.do_loop`: an `scf.for` over an index. The DO variable, which
    /// flang carries as an integer iteration argument, is computed from the
    /// index instead.
    pub(super) fn do_loop(&mut self, op: OperationRef<'c, 'f>) -> Result<()> {
        let location = op.location();
        let parts = segments(&op);
        if parts.get(3).is_some_and(|reduce| !reduce.is_empty()) {
            return Err(self.fail(location, "DO CONCURRENT with REDUCE is not supported"));
        }
        let fir_lower = parts[0][0];
        let lower = self.index_of(fir_lower, location)?;
        let upper = self.index_of(parts[1][0], location)?;
        let step = self.index_of(parts[2][0], location)?;
        let inits = parts.last().cloned().unwrap_or_default();
        let final_value = op.attribute("finalValue").is_ok();
        let do_variable = inits.iter().position(|&init| {
            mlir::defining_op(init).is_some_and(|d| op_name(&d) == "fir.convert" && d.operand(0).is_ok_and(|v| v == fir_lower))
                && matches!(fir_type(init), FirType::Scalar(Scalar::Int(_)))
        });
        let mut other_inits = Vec::new();
        for (k, &init) in inits.iter().enumerate() {
            if Some(k) != do_variable {
                let value = self.lookup(init, location)?;
                other_inits.push(self.scalar(&value, location)?);
            }
        }
        let carried = self.carried(&op);
        let carried_values = self.carried_values(&carried);
        let counted_by_index = Self::constant_of(step).is_some_and(|s| s > 0);
        // Fortran's trip count: max((upper - lower + step) / step, 0).
        let span = self.sub(upper, lower, location);
        let span = self.add(span, step, location);
        let trips = self.div(span, step, location);
        let zero = self.index_const(0, location);
        let trips = self.max(trips, zero, location);
        let one = self.index_const(1, location);
        let (start, end, increment) = if counted_by_index {
            let end = self.add(upper, one, location);
            (lower, end, step)
        } else {
            (zero, trips, one)
        };
        let attributes = self.checkpoint_attributes(self.directive_at(location));
        let checkpointed = !attributes.is_empty();
        let state: Vec<Value> = carried_values.iter().chain(&other_inits).copied().collect();
        let state_types: Vec<Type> = state.iter().map(|v| v.r#type()).collect();
        let mut operands = vec![start, end, increment];
        operands.extend(self.encode(&state, checkpointed, location));
        let result_types: Vec<Type> = operands[3..].iter().map(|v| v.r#type()).collect();
        let mut block_types = vec![self.index_type()];
        block_types.extend(&result_types);
        let for_op = self.region_op("scf.for", &operands, &result_types, &[block_types], &attributes, location);
        let body = Self::block_of(&for_op, 0);
        let mut arguments = Self::arguments(body);
        let saved = self.enter(body);
        let decoded = self.decode(&arguments[1..], &state_types, location);
        arguments.truncate(1);
        arguments.extend(decoded);
        let used = self.bind_carried(&carried, &arguments[1..]);
        let index = if counted_by_index {
            arguments[0]
        } else {
            let scaled = self.mul(arguments[0], step, location);
            self.add(lower, scaled, location)
        };
        let fir_body = op.region(0).expect("body").first_block().expect("block");
        self.set(fir_body.argument(0).expect("index").into(), Abstract::Scalar(index));
        let mut next_argument = 1 + used;
        for k in 0..inits.len() {
            let fir_argument: Value = fir_body.argument(1 + k).expect("argument").into();
            if Some(k) == do_variable {
                let value = self.narrow(index, fir_argument, location);
                self.set(fir_argument, Abstract::Scalar(value));
            } else {
                self.set(fir_argument, Abstract::Scalar(arguments[next_argument]));
                next_argument += 1;
            }
        }
        let terminator = self.block_ops(fir_body)?;
        let yielded = self.operands(&terminator)?;
        let mut yields = self.carried_values(&carried);
        for (k, value) in yielded.iter().enumerate() {
            if Some(k) != do_variable {
                yields.push(self.scalar(value, terminator.location())?);
            }
        }
        self.check_carried(&carried, location)?;
        let yields = self.encode(&yields, checkpointed, location);
        self.leave(saved, "scf.yield", &yields, location);
        let results = Self::results(&for_op);
        let results = self.decode(&results, &state_types, location);
        let used = self.bind_carried(&carried, &results);
        // The DO variable after the loop, and flang's final index value.
        let scaled = self.mul(trips, step, location);
        let final_index = self.add(lower, scaled, location);
        let fir_results: Vec<Value> = op.results().map(Value::from).collect();
        let mut fir_results = fir_results.into_iter();
        if final_value && let Some(result) = fir_results.next() {
            self.set(result, Abstract::Scalar(final_index));
        }
        let mut next_result = used;
        for (k, result) in fir_results.enumerate() {
            if Some(k) == do_variable {
                let value = self.narrow(final_index, result, location);
                self.set(result, Abstract::Scalar(value));
            } else {
                self.set(result, Abstract::Scalar(results[next_result]));
                next_result += 1;
            }
        }
        Ok(())
    }

    /// The `zad.checkpoint` attributes of a loop with a `!$zad` directive.
    fn checkpoint_attributes(&self, directive: Option<super::LoopDirective>) -> Vec<(&'static str, Attribute<'c>)> {
        let Some(directive) = directive else { return Vec::new() };
        let (scheme, parameter, value) = directive.checkpoint.attributes();
        let i64_type = IntegerType::new(self.context, 64).into();
        vec![
            ("zad.checkpoint", Attribute::parse(self.context, &format!("\"{scheme}\"")).expect("string")),
            (parameter, IntegerAttribute::new(i64_type, value as i64).into()),
        ]
    }

    /// A checkpointed loop carries integers as indices (zad's checkpointing
    /// keeps floats and indices in its snapshots): `values` so encoded when
    /// `checkpointed`, which `decode` undoes exactly.
    fn encode(&mut self, values: &[Value<'c, 'm>], checkpointed: bool, location: Location<'c>) -> Vec<Value<'c, 'm>> {
        values
            .iter()
            .map(|&value| match integer_bits(value.r#type()) {
                Some(1) if checkpointed => {
                    let index = self.index_type();
                    self.op1("arith.index_castui", &[value], index, &[], location)
                }
                Some(_) if checkpointed => {
                    let index = self.index_type();
                    self.op1("arith.index_cast", &[value], index, &[], location)
                }
                _ => value,
            })
            .collect()
    }

    fn decode(&mut self, values: &[Value<'c, 'm>], types: &[Type<'c>], location: Location<'c>) -> Vec<Value<'c, 'm>> {
        values
            .iter()
            .zip(types)
            .map(|(&value, &ty)| if value.r#type() == ty { value } else { self.op1("arith.index_cast", &[value], ty, &[], location) })
            .collect()
    }

    /// `fir.do_concurrent.loop` (DO CONCURRENT, FORALL, whose iterations
    /// flang has made independent): one `scf.parallel` over all its indices
    /// (the threads' or the GPU's) when its iterations define no variable
    /// of the procedure but the construct's own index variables (a scalar
    /// assigned in the body would be carried from iteration to
    /// iteration); else sequential loops, the last index outermost.
    pub(super) fn concurrent_loop(&mut self, op: OperationRef<'c, 'f>) -> Result<()> {
        let location = op.location();
        let parts = segments(&op);
        if parts.iter().skip(3).any(|part| !part.is_empty()) {
            return Err(self.fail(location, "DO CONCURRENT with REDUCE or LOCAL specifiers is not supported"));
        }
        let bounds: Vec<(Value, Value, Value)> = (0..parts[0].len())
            .map(|d| Ok((self.index_of(parts[0][d], location)?, self.index_of(parts[1][d], location)?, self.index_of(parts[2][d], location)?)))
            .collect::<Result<_>>()?;
        let body = op.region(0).expect("body").first_block().expect("block");
        let carried = self.carried(&op);
        // Each iteration's own: the construct's index variables, and the
        // scalars every iteration assigns before it reads them and nothing
        // outside the loop reads (temporaries: their value after a loop of
        // one iteration would be that iteration's).
        let private: Vec<VarId> = carried
            .vars
            .iter()
            .filter(|&&(var, tag)| {
                var >= self.concurrent_locals
                    || (tag == Tag::Scalar && self.assigned_before_use(body, var) && !self.used_outside(&op, var))
            })
            .map(|&(var, _)| var)
            .collect();
        if private.len() == carried.vars.len() {
            return self.concurrent_parallel(&bounds, body, &private, location);
        }
        self.concurrent_level(&carried, &bounds, body, bounds.len(), location)
    }

    /// The trip count of a DO CONCURRENT index, `max((upper - lower +
    /// step) / step, 0)`, iterated from 0.
    fn concurrent_trips(&mut self, (lower, upper, step): (Value<'c, 'm>, Value<'c, 'm>, Value<'c, 'm>), location: Location<'c>) -> Value<'c, 'm> {
        let span = self.sub(upper, lower, location);
        let span = self.add(span, step, location);
        let trips = self.div(span, step, location);
        let zero = self.index_const(0, location);
        self.max(trips, zero, location)
    }

    /// Whether the body of a DO CONCURRENT assigns scalar `var` at its top
    /// level before anything else in it uses `var` (a read, a call taking
    /// it, an assignment in a branch): then no iteration sees another's
    /// value.
    fn assigned_before_use(&self, body: BlockRef<'c, 'f>, var: VarId) -> bool {
        let is_var = |value: Value<'c, 'f>| matches!(self.resolve(value), Some(Abstract::Var(v) | Abstract::Allocatable(v)) if v == var);
        let mut next = body.first_operation();
        while let Some(operation) = next {
            next = operation.next_in_block();
            if op_name(&operation) == "fir.store" && operation.operand(1).is_ok_and(|target| is_var(target)) {
                return !operation.operand(0).is_ok_and(|value| is_var(value));
            }
            let mut uses = false;
            operation.walk(WalkOrder::PreOrder, |inner| {
                uses |= inner
                    .operands()
                    .any(|operand| matches!(self.resolve(operand), Some(Abstract::Var(v) | Abstract::Allocatable(v)) if v == var));
                if uses { WalkResult::Interrupt } else { WalkResult::Advance }
            });
            if uses {
                return false;
            }
        }
        false
    }

    /// Whether anything in the procedure outside `construct` uses `var`
    /// other than by assigning it.
    fn used_outside(&self, construct: &OperationRef<'c, 'f>, var: VarId) -> bool {
        let mut function = construct.parent_operation();
        while let Some(parent) = function {
            if op_name(&parent) == "func.func" {
                break;
            }
            function = parent.parent_operation();
        }
        let Some(function) = function else { return true };
        let construct = construct.to_raw().ptr;
        let mut used = false;
        function.walk(WalkOrder::PreOrder, |operation| {
            let assigns = op_name(&operation) == "fir.store" || op_name(&operation) == "fir.declare";
            let operands: Vec<Value> = operation.operands().collect();
            let touches = operands.iter().enumerate().any(|(position, &operand)| {
                !(assigns && position == 1 || op_name(&operation) == "fir.declare")
                    && matches!(self.resolve(operand), Some(Abstract::Var(v) | Abstract::Allocatable(v)) if v == var)
            });
            if touches {
                let mut parent = operation.parent_operation();
                let mut inside = false;
                while let Some(ancestor) = parent {
                    if ancestor.to_raw().ptr == construct {
                        inside = true;
                        break;
                    }
                    parent = ancestor.parent_operation();
                }
                if !inside {
                    used = true;
                    return WalkResult::Interrupt;
                }
            }
            WalkResult::Advance
        });
        used
    }

    /// The body of a DO CONCURRENT, converted where the insertion point is.
    fn concurrent_body(&mut self, body: BlockRef<'c, 'f>) -> Result<()> {
        // The body has no terminator (or an empty fir.result).
        let mut next = body.first_operation();
        while let Some(operation) = next {
            next = operation.next_in_block();
            if op_name(&operation) != "fir.result" {
                self.operation(operation)?;
            }
        }
        Ok(())
    }

    /// A DO CONCURRENT as one `scf.parallel`, its dimensions in the order
    /// of its indices (the lowering puts the one that walks memory
    /// contiguously last: `parallel::order_dimensions_for_memory`).
    fn concurrent_parallel(
        &mut self,
        bounds: &[(Value<'c, 'm>, Value<'c, 'm>, Value<'c, 'm>)],
        body: BlockRef<'c, 'f>,
        private: &[VarId],
        location: Location<'c>,
    ) -> Result<()> {
        let before: Vec<(VarId, Option<VarState<'c, 'm>>)> =
            private.iter().filter(|&&var| var < self.env.len()).map(|&var| (var, self.env[var].clone())).collect();
        let dims = bounds.len();
        let trips: Vec<Value> = bounds.iter().map(|&bound| self.concurrent_trips(bound, location)).collect();
        let zero = self.index_const(0, location);
        let one = self.index_const(1, location);
        let mut operands = vec![zero; dims];
        operands.extend(&trips);
        operands.extend(std::iter::repeat_n(one, dims));
        let segments = Attribute::parse(self.context, &format!("array<i32: {dims}, {dims}, {dims}, 0>")).expect("segments");
        let index = self.index_type();
        let parallel = self.region_op("scf.parallel", &operands, &[], &[vec![index; dims]], &[("operandSegmentSizes", segments)], location);
        let block = Self::block_of(&parallel, 0);
        let arguments = Self::arguments(block);
        let saved = self.enter(block);
        for d in 0..dims {
            let (lower, _, step) = bounds[d];
            let scaled = self.mul(arguments[d], step, location);
            let value = self.add(lower, scaled, location);
            self.set(body.argument(d).expect("an index").into(), Abstract::Scalar(value));
        }
        self.concurrent_body(body)?;
        self.leave(saved, "scf.reduce", &[], location);
        // What the iterations assigned to their own scalars stays inside.
        for (var, state) in before {
            if var < self.env.len() {
                self.env[var] = state;
            }
        }
        Ok(())
    }

    fn concurrent_level(
        &mut self,
        carried: &Carried,
        bounds: &[(Value<'c, 'm>, Value<'c, 'm>, Value<'c, 'm>)],
        body: BlockRef<'c, 'f>,
        level: usize,
        location: Location<'c>,
    ) -> Result<()> {
        if level == 0 {
            return self.concurrent_body(body);
        }
        let (lower, _, step) = bounds[level - 1];
        let trips = self.concurrent_trips(bounds[level - 1], location);
        let zero = self.index_const(0, location);
        let one = self.index_const(1, location);
        let state = self.carried_values(carried);
        let mut operands = vec![zero, trips, one];
        operands.extend(&state);
        let types: Vec<Type> = state.iter().map(|v| v.r#type()).collect();
        let mut block_types = vec![self.index_type()];
        block_types.extend(&types);
        let for_op = self.region_op("scf.for", &operands, &types, &[block_types], &[], location);
        let block = Self::block_of(&for_op, 0);
        let arguments = Self::arguments(block);
        let saved = self.enter(block);
        self.bind_carried(carried, &arguments[1..]);
        let scaled = self.mul(arguments[0], step, location);
        let index = self.add(lower, scaled, location);
        self.set(body.argument(level - 1).expect("an index").into(), Abstract::Scalar(index));
        self.concurrent_level(carried, bounds, body, level - 1, location)?;
        let yields = self.carried_values(carried);
        self.check_carried(carried, location)?;
        self.leave(saved, "scf.yield", &yields, location);
        let results = Self::results(&for_op);
        self.bind_carried(carried, &results);
        Ok(())
    }

    /// `index` as the integer type of FIR value `like` (see `widen` for how
    /// subscripts computed from it become index arithmetic again).
    fn narrow(&mut self, index: Value<'c, 'm>, like: Value<'c, 'f>, location: Location<'c>) -> Value<'c, 'm> {
        let scalar = fir_type(like).scalar().unwrap_or(Scalar::Int(32));
        self.cast(index, Scalar::Index, scalar, location)
    }

    /// `fir.if` and `scf.if`.
    pub(super) fn if_op(&mut self, op: OperationRef<'c, 'f>) -> Result<()> {
        let location = op.location();
        let condition = self.lookup(op.operand(0).expect("condition"), location)?;
        let condition = self.scalar(&condition, location)?;
        let result_types: Vec<Type> =
            op.results().map(|r| self.scalar_type(r.into(), location)).collect::<Result<_>>()?;
        let then = Arm::Region(op.region(0).expect("then"));
        let otherwise = Arm::Region(op.region(1).expect("else"));
        // A condition known here (whether an allocatable is allocated, say)
        // selects one arm: the other may not even make sense.
        let values = match Self::constant_of(condition) {
            Some(known) => self.arm(if known != 0 { then } else { otherwise }, &result_types, location)?,
            None => self.conditional(condition, &result_types, then, otherwise, &op, location)?,
        };
        for (result, value) in op.results().zip(values) {
            self.set(result.into(), Abstract::Scalar(value));
        }
        Ok(())
    }

    /// `scf.index_switch` (from SELECT CASE and multi-exit loops): a chain
    /// of `scf.if`.
    pub(super) fn index_switch(&mut self, op: OperationRef<'c, 'f>) -> Result<()> {
        let location = op.location();
        let result_types: Vec<Type> =
            op.results().map(|r| self.scalar_type(r.into(), location)).collect::<Result<_>>()?;
        let values = self.arm(Arm::Switch(op, 0), &result_types, location)?;
        for (result, value) in op.results().zip(values) {
            self.set(result.into(), Abstract::Scalar(value));
        }
        Ok(())
    }

    /// An `scf.if` on `condition` with the carried variables and
    /// `result_types` as results; returns the results' values after it.
    fn conditional(
        &mut self,
        condition: Value<'c, 'm>,
        result_types: &[Type<'c>],
        then: Arm<'c, 'f>,
        otherwise: Arm<'c, 'f>,
        scope: &OperationRef<'c, 'f>,
        location: Location<'c>,
    ) -> Result<Vec<Value<'c, 'm>>> {
        let carried = self.carried(scope);
        let entry_values = self.carried_values(&carried);
        let mut types: Vec<Type> = entry_values.iter().map(|v| v.r#type()).collect();
        types.extend(result_types);
        let if_op = self.region_op("scf.if", &[condition], &types, &[Vec::new(), Vec::new()], &[], location);
        for (index, arm) in [then, otherwise].into_iter().enumerate() {
            let block = Self::block_of(&if_op, index);
            let saved = self.enter(block);
            self.bind_carried(&carried, &entry_values);
            let values = self.arm(arm, result_types, location)?;
            let mut yields = self.carried_values(&carried);
            yields.extend(values);
            self.check_carried(&carried, location)?;
            self.leave(saved, "scf.yield", &yields, location);
        }
        let results = Self::results(&if_op);
        let used = self.bind_carried(&carried, &results);
        Ok(results[used..].to_vec())
    }

    /// Converts one arm of a conditional, returning the values it yields.
    fn arm(&mut self, arm: Arm<'c, 'f>, result_types: &[Type<'c>], location: Location<'c>) -> Result<Vec<Value<'c, 'm>>> {
        match arm {
            Arm::Region(region) => match region.first_block() {
                Some(block) => {
                    let terminator = self.block_ops(block)?;
                    let values = self.operands(&terminator)?;
                    self.scalars(&values, terminator.location())
                }
                None => Ok(Vec::new()),
            },
            Arm::Switch(op, case) => {
                let cases = op
                    .attribute("cases")
                    .ok()
                    .and_then(|a| DenseI64ArrayAttribute::try_from(a).ok())
                    .map(|a| (0..a.len()).filter_map(|i| a.element(i).ok()).collect::<Vec<i64>>())
                    .unwrap_or_default();
                // Region 0 is the default, region 1 + k the case cases[k].
                if case >= cases.len() {
                    return self.arm(Arm::Region(op.region(0).expect("default")), result_types, location);
                }
                let selector = self.index_of(op.operand(0).expect("selector"), location)?;
                let value = self.index_const(cases[case], location);
                let matches = self.cmpi("eq", selector, value, location);
                let then = Arm::Region(op.region(1 + case).expect("case"));
                self.conditional(matches, result_types, then, Arm::Switch(op, case + 1), &op, location)
            }
        }
    }

    /// `scf.while` (lifted DO WHILE, and DO loops with EXIT or CYCLE). When
    /// the condition region does more than compute the condition (a lifted
    /// loop often has its whole body there), it is rotated: run once before
    /// the loop and again at the end of each iteration, so that values pass
    /// through the condition region unchanged, as reverse mode wants.
    pub(super) fn while_op(&mut self, op: OperationRef<'c, 'f>) -> Result<()> {
        let location = op.location();
        let before = op.region(0).expect("before").first_block().expect("block");
        let after = op.region(1).expect("after").first_block().expect("block");
        let inits = self.operands(&op)?;
        let condition_op = crate::fortran::prepare::last_op(&before).expect("scf.condition");
        let forwarded_types: Vec<Type> = condition_op
            .operands()
            .skip(1)
            .map(|v| self.scalar_type(v, location))
            .collect::<Result<_>>()?;
        let attributes = self.checkpoint_attributes(self.while_directive(op));
        if let Some((condition, body)) = guarded_body(&op, &before, &after) {
            self.guarded_while(op, before, condition, body, &attributes, location)
        } else if has_effects(&before) {
            self.rotated_while(op, before, after, inits, &forwarded_types, &attributes, location)
        } else {
            self.plain_while(op, before, after, inits, &forwarded_types, &attributes, location)
        }
    }

    /// A loop lifted as `scf.while { P; scf.if %c { body } ; condition(%c) }`
    /// (how a DO WHILE comes out of `lift-cf-to-scf`): P, which only
    /// computes the condition, stays in the condition region and the body
    /// moves to the loop body.
    fn guarded_while(
        &mut self,
        op: OperationRef<'c, 'f>,
        before: BlockRef<'c, 'f>,
        condition: Value<'c, 'f>,
        body: BlockRef<'c, 'f>,
        attributes: &[(&str, Attribute<'c>)],
        location: Location<'c>,
    ) -> Result<()> {
        let checkpointed = !attributes.is_empty();
        let carried = self.carried(&op);
        let state = self.carried_values(&carried);
        let state_types: Vec<Type> = state.iter().map(|v| v.r#type()).collect();
        let operands = self.encode(&state, checkpointed, location);
        let types: Vec<Type> = operands.iter().map(|v| v.r#type()).collect();
        let while_op = self.region_op("scf.while", &operands, &types, &[types.clone(), types.clone()], attributes, location);
        let block = Self::block_of(&while_op, 0);
        let arguments = Self::arguments(block);
        let saved = self.enter(block);
        let decoded = self.decode(&arguments, &state_types, location);
        self.bind_carried(&carried, &decoded);
        let mut next = before.first_operation();
        while let Some(operation) = next {
            if op_name(&operation) == "scf.if" {
                break;
            }
            self.operation(operation)?;
            next = operation.next_in_block();
        }
        let condition = self.lookup(condition, location)?;
        let mut values = vec![self.scalar(&condition, location)?];
        let state = self.carried_values(&carried);
        values.extend(self.encode(&state, checkpointed, location));
        self.check_carried(&carried, location)?;
        self.leave(saved, "scf.condition", &values, location);
        let block = Self::block_of(&while_op, 1);
        let arguments = Self::arguments(block);
        let saved = self.enter(block);
        let decoded = self.decode(&arguments, &state_types, location);
        self.bind_carried(&carried, &decoded);
        self.block_ops(body)?;
        let state = self.carried_values(&carried);
        let yields = self.encode(&state, checkpointed, location);
        self.check_carried(&carried, location)?;
        self.leave(saved, "scf.yield", &yields, location);
        let results = Self::results(&while_op);
        let results = self.decode(&results, &state_types, location);
        self.bind_carried(&carried, &results);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn plain_while(
        &mut self,
        op: OperationRef<'c, 'f>,
        before: BlockRef<'c, 'f>,
        after: BlockRef<'c, 'f>,
        inits: Vec<Abstract<'c, 'm>>,
        forwarded_types: &[Type<'c>],
        attributes: &[(&str, Attribute<'c>)],
        location: Location<'c>,
    ) -> Result<()> {
        let carried = self.carried(&op);
        let mut operands = self.carried_values(&carried);
        operands.extend(self.scalars(&inits, location)?);
        let before_types: Vec<Type> = operands.iter().map(|v| v.r#type()).collect();
        let carried_count = operands.len() - inits.len();
        let mut after_types: Vec<Type> = before_types[..carried_count].to_vec();
        after_types.extend(forwarded_types);
        let while_op = self.region_op("scf.while", &operands, &after_types, &[before_types, after_types.clone()], attributes, location);
        // The condition region.
        let block = Self::block_of(&while_op, 0);
        let arguments = Self::arguments(block);
        let saved = self.enter(block);
        let used = self.bind_carried(&carried, &arguments);
        for (k, argument) in (0..before.argument_count()).map(|i| before.argument(i).expect("argument")).enumerate() {
            self.set(argument.into(), Abstract::Scalar(arguments[used + k]));
        }
        let terminator = self.block_ops(before)?;
        let values = self.operands(&terminator)?;
        let values = self.scalars(&values, terminator.location())?;
        let mut condition = vec![values[0]];
        condition.extend(self.carried_values(&carried));
        condition.extend(&values[1..]);
        self.check_carried(&carried, location)?;
        self.leave(saved, "scf.condition", &condition, location);
        // The body.
        let block = Self::block_of(&while_op, 1);
        let arguments = Self::arguments(block);
        let saved = self.enter(block);
        let used = self.bind_carried(&carried, &arguments);
        for (k, argument) in (0..after.argument_count()).map(|i| after.argument(i).expect("argument")).enumerate() {
            self.set(argument.into(), Abstract::Scalar(arguments[used + k]));
        }
        let terminator = self.block_ops(after)?;
        let values = self.operands(&terminator)?;
        let mut yields = self.carried_values(&carried);
        yields.extend(self.scalars(&values, terminator.location())?);
        self.check_carried(&carried, location)?;
        self.leave(saved, "scf.yield", &yields, location);
        let results = Self::results(&while_op);
        let used = self.bind_carried(&carried, &results);
        for (result, value) in op.results().zip(&results[used..]) {
            self.set(result.into(), Abstract::Scalar(*value));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn rotated_while(
        &mut self,
        op: OperationRef<'c, 'f>,
        before: BlockRef<'c, 'f>,
        after: BlockRef<'c, 'f>,
        inits: Vec<Abstract<'c, 'm>>,
        _forwarded_types: &[Type<'c>],
        attributes: &[(&str, Attribute<'c>)],
        location: Location<'c>,
    ) -> Result<()> {
        // The first evaluation of the condition region, before the loop.
        let (first_condition, first_forwarded) = self.condition_region(before, &inits)?;
        let carried = self.carried(&op);
        let mut operands = vec![first_condition];
        operands.extend(self.carried_values(&carried));
        operands.extend(&first_forwarded);
        let before_types: Vec<Type> = operands.iter().map(|v| v.r#type()).collect();
        let after_types: Vec<Type> = before_types[1..].to_vec();
        let while_op = self.region_op("scf.while", &operands, &after_types, &[before_types, after_types.clone()], attributes, location);
        // The condition region passes everything through.
        let block = Self::block_of(&while_op, 0);
        let arguments = Self::arguments(block);
        let saved = self.enter(block);
        self.leave(saved, "scf.condition", &arguments, location);
        // The body: the original body, then the condition region again.
        let block = Self::block_of(&while_op, 1);
        let arguments = Self::arguments(block);
        let saved = self.enter(block);
        let used = self.bind_carried(&carried, &arguments);
        for (k, argument) in (0..after.argument_count()).map(|i| after.argument(i).expect("argument")).enumerate() {
            self.set(argument.into(), Abstract::Scalar(arguments[used + k]));
        }
        let terminator = self.block_ops(after)?;
        let next = self.operands(&terminator)?;
        let (condition, forwarded) = self.condition_region(before, &next)?;
        let mut yields = vec![condition];
        yields.extend(self.carried_values(&carried));
        yields.extend(forwarded);
        self.check_carried(&carried, location)?;
        self.leave(saved, "scf.yield", &yields, location);
        let results = Self::results(&while_op);
        let used = self.bind_carried(&carried, &results);
        for (result, value) in op.results().zip(&results[used..]) {
            self.set(result.into(), Abstract::Scalar(*value));
        }
        Ok(())
    }

    /// Converts a while loop's condition region at the insertion point with
    /// `arguments` for its block arguments: the condition and the values it
    /// forwards.
    fn condition_region(
        &mut self,
        before: BlockRef<'c, 'f>,
        arguments: &[Abstract<'c, 'm>],
    ) -> Result<(Value<'c, 'm>, Vec<Value<'c, 'm>>)> {
        for (k, value) in arguments.iter().enumerate() {
            self.set(before.argument(k).expect("argument").into(), value.clone());
        }
        let terminator = self.block_ops(before)?;
        let values = self.operands(&terminator)?;
        let values = self.scalars(&values, terminator.location())?;
        Ok((values[0], values[1..].to_vec()))
    }

    /// The directive for a lifted DO WHILE: on the loop's line, which the
    /// ops of its condition carry.
    fn while_directive(&self, op: OperationRef<'c, 'f>) -> Option<super::LoopDirective> {
        if let Some(directive) = self.directive_at(op.location()) {
            return Some(directive);
        }
        let mut found = None;
        op.walk(WalkOrder::PreOrder, |inner| {
            if found.is_none()
                && let Some(directive) = self.directive_at(inner.location())
            {
                found = Some(directive);
            }
            WalkResult::Advance
        });
        found
    }
}

/// The width of an integer type.
fn integer_bits(ty: Type) -> Option<u32> {
    ty.to_string().strip_prefix('i')?.parse().ok()
}

/// For a lifted DO WHILE, `scf.while { P; %r = scf.if %c {B; yield 1} else
/// {yield 0}; condition(trunci %r) } do { yield }` with P pure: the
/// condition %c and the block of B.
fn guarded_body<'c, 'f>(
    op: &OperationRef<'c, 'f>,
    before: &BlockRef<'c, 'f>,
    after: &BlockRef<'c, 'f>,
) -> Option<(Value<'c, 'f>, BlockRef<'c, 'f>)> {
    if op.operand_count() != 0 || before.argument_count() != 0 || after.first_operation()?.next_in_block().is_some() {
        return None;
    }
    let mut ops = Vec::new();
    let mut next = before.first_operation();
    while let Some(operation) = next {
        ops.push(operation);
        next = operation.next_in_block();
    }
    let position = ops.iter().position(|o| op_name(o) == "scf.if")?;
    let guard = ops[position];
    let condition_op = *ops.last()?;
    if condition_op.operand_count() != 1 || ops[..position].iter().any(|o| has_effects_op(o)) {
        return None;
    }
    let guard_condition = guard.operand(0).ok()?;
    let mut tested = condition_op.operand(0).ok()?;
    // Between the branch and the condition: at most a truncation of one of
    // the branch's results to i1.
    match &ops[position + 1..ops.len() - 1] {
        [] => {}
        [truncation] if op_name(truncation) == "arith.trunci" && truncation.result(0).ok().map(Value::from) == Some(tested) => {
            tested = truncation.operand(0).ok()?;
        }
        _ => return None,
    }
    let then = guard.region(0).ok()?.first_block()?;
    let otherwise = guard.region(1).ok()?.first_block()?;
    let then_yield = crate::fortran::prepare::last_op(&then)?;
    let else_yield = crate::fortran::prepare::last_op(&otherwise)?;
    if otherwise.first_operation()?.next_in_block().is_some() {
        return None;
    }
    let index = if tested == guard_condition {
        None
    } else {
        Some(guard.results().position(|r| Value::from(r) == tested)?)
    };
    if let Some(index) = index {
        let constant = |value: Value| mlir::defining_op(value).and_then(|d| {
            IntegerAttribute::try_from(d.attribute("value").ok()?).ok().map(|a| a.value())
        });
        if constant(then_yield.operand(index).ok()?)? != 1 || constant(else_yield.operand(index).ok()?)? != 0 {
            return None;
        }
    }
    Some((guard_condition, then))
}

fn has_effects_op(operation: &OperationRef) -> bool {
    let name = op_name(operation);
    !(name.starts_with("arith.") || name.starts_with("math.") && name != "math.ipowi"
        || ["fir.load", "fir.convert", "fir.no_reassoc", "fir.array_coor", "fir.box_addr", "fir.box_dims", "fir.undefined"]
            .contains(&name.as_str()))
}

/// Whether a condition region does anything but compute (stores, calls,
/// nested control flow that may store).
fn has_effects(block: &BlockRef) -> bool {
    const PURE: &[&str] = &[
        "fir.load", "fir.convert", "fir.no_reassoc", "fir.array_coor", "fir.box_addr", "fir.box_dims", "fir.shape",
        "fir.shape_shift", "fir.shift", "fir.slice", "fir.embox", "fir.rebox", "fir.undefined", "fir.declare",
        "scf.condition", "scf.yield", "fir.result", "scf.if", "fir.if",
    ];
    let mut effects = false;
    let mut next = block.first_operation();
    while let Some(operation) = next {
        operation.walk(WalkOrder::PreOrder, |inner| {
            let name = op_name(&inner);
            let pure = PURE.contains(&name.as_str())
                || (name.starts_with("arith.") || name.starts_with("math.")) && name != "math.ipowi";
            if !pure {
                effects = true;
                return WalkResult::Interrupt;
            }
            WalkResult::Advance
        });
        next = operation.next_in_block();
    }
    effects
}
