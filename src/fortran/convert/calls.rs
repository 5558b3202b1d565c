//! Calls: procedures of the file are inlined; calls into the Fortran
//! runtime and to LLVM intrinsics that flang emits for intrinsic
//! procedures and statements get a rule each; anything else is an error
//! that names the routine.

use super::{
    Frame, Result, Translator, fir_type,
    values::{Abstract, Allocation, ArrayView, Order, Storage, VarState},
};
use crate::fortran::{fir_type::Scalar, names};
use melior::ir::{
    Attribute, BlockLike, Location, OperationRef, RegionLike, Type, Value, ValueLike,
    operation::OperationLike,
};
use std::collections::HashMap;

/// The body of a loop nest `nest` builds: given the indices and the
/// carried values, it returns the carried values' next values.
type LoopBody<'c, 'm, 'f, 'b> =
    dyn FnMut(&mut Translator<'c, 'm, 'f>, &[Value<'c, 'm>], &[Value<'c, 'm>]) -> Vec<Value<'c, 'm>> + 'b;

impl<'c, 'm, 'f> Translator<'c, 'm, 'f> {
    pub(super) fn call(&mut self, op: OperationRef<'c, 'f>) -> Result<()> {
        let location = op.location();
        let callee = op.attribute("callee").map(|a| a.to_string()).unwrap_or_default();
        let callee = callee.trim_start_matches('@').trim_matches('"').to_string();
        if callee.is_empty() {
            return Err(self.fail(location, "calls through procedure pointers or dummy procedures are not supported"));
        }
        if let Some(failure) = self.program.skipped.get(&callee) {
            let name = names::procedure(&callee).map(|n| n.qualified()).unwrap_or(callee.clone());
            return Err(self.fail(location, format!("calls {name}, which zad cannot convert: {failure}")));
        }
        if let Some(&function) = self.program.functions.get(&callee) {
            return self.inline(op, function, &callee);
        }
        self.runtime(op, &callee)
    }

    /// Converts `function`'s body in place of the call `op`, its dummy
    /// arguments standing for the actual ones.
    fn inline(&mut self, op: OperationRef<'c, 'f>, function: OperationRef<'c, 'f>, callee: &str) -> Result<()> {
        let location = op.location();
        if self.frames.iter().any(|frame| frame.symbol == callee) {
            let name = names::procedure(callee).map(|n| n.qualified()).unwrap_or(callee.to_string());
            return Err(self.fail(location, format!("recursive calls (of {name}) are not supported")));
        }
        let actuals = self.operands(&op)?;
        let entry = function.region(0).expect("body").first_block().expect("entry");
        if entry.argument_count() != actuals.len() {
            return Err(self.fail(location, format!("the call passes {} arguments to a procedure with {}", actuals.len(), entry.argument_count())));
        }
        let mut values = HashMap::new();
        for (index, actual) in actuals.into_iter().enumerate() {
            let dummy: Value = entry.argument(index).expect("argument").into();
            values.insert(crate::fortran::mlir::key(dummy), actual);
        }
        self.frames.push(Frame { symbol: callee.to_string(), values, vars: Vec::new() });
        let outcome = self.block_ops(entry).and_then(|terminator| self.operands(&terminator));
        let frame = self.frames.pop().expect("the callee's frame");
        let returned = outcome?;
        for var in frame.vars {
            self.env[var] = None;
        }
        for (result, value) in op.results().zip(returned) {
            self.set(result.into(), value);
        }
        Ok(())
    }

    /// Calls to routines that are not in the file.
    fn runtime(&mut self, op: OperationRef<'c, 'f>, callee: &str) -> Result<()> {
        let location = op.location();
        let arguments: Vec<Value<'c, 'f>> = op.operands().collect();
        let scalar_argument = |this: &mut Self, index: usize| -> Result<Value<'c, 'm>> {
            let value = this.lookup(arguments[index], location)?;
            this.scalar(&value, location)
        };
        let result = op.result(0).ok().map(Value::from);
        let result_scalar = result.and_then(|r| fir_type(r).scalar());
        let unary = |this: &mut Self, name: &str| -> Result<Abstract<'c, 'm>> {
            let x = scalar_argument(this, 0)?;
            let ty = x.r#type();
            Ok(Abstract::Scalar(this.op1(name, &[x], ty, &[], location)))
        };
        let value = match callee {
            // NINT: round half away from zero, then to integer.
            _ if callee.starts_with("llvm.lround.") || callee.starts_with("llvm.llround.") => {
                let x = scalar_argument(self, 0)?;
                let ty = x.r#type();
                let rounded = self.op1("math.round", &[x], ty, &[], location);
                let from = fir_type(arguments[0]).scalar().unwrap_or(Scalar::F64);
                Abstract::Scalar(self.cast(rounded, from, result_scalar.unwrap_or(Scalar::Int(32)), location))
            }
            _ if callee.starts_with("llvm.round.") => unary(self, "math.round")?,
            _ if callee.starts_with("llvm.trunc.") => unary(self, "math.trunc")?,
            _ if callee.starts_with("llvm.floor.") => unary(self, "math.floor")?,
            _ if callee.starts_with("llvm.ceil.") => unary(self, "math.ceil")?,
            _ if callee.starts_with("llvm.fabs.") => unary(self, "math.absf")?,
            _ if callee.starts_with("llvm.sqrt.") => unary(self, "math.sqrt")?,
            // MOD(a, p) for reals: a - int(a/p) p, what remf computes.
            "_FortranAModReal4" | "_FortranAModReal8" => {
                let (a, p) = (scalar_argument(self, 0)?, scalar_argument(self, 1)?);
                let ty = a.r#type();
                Abstract::Scalar(self.op1("arith.remf", &[a, p], ty, &[], location))
            }
            // MODULO(a, p) for reals: a - floor(a/p) p.
            "_FortranAModuloReal4" | "_FortranAModuloReal8" => {
                let (a, p) = (scalar_argument(self, 0)?, scalar_argument(self, 1)?);
                let ty = a.r#type();
                let quotient = self.op1("arith.divf", &[a, p], ty, &[], location);
                let floor = self.op1("math.floor", &[quotient], ty, &[], location);
                let product = self.op1("arith.mulf", &[floor, p], ty, &[], location);
                Abstract::Scalar(self.op1("arith.subf", &[a, product], ty, &[], location))
            }
            "_FortranANorm2_4" | "_FortranANorm2_8" => {
                let view = self.view_argument(arguments[0], location)?;
                let element = view.storage.element;
                let zero = self.zero(element, location);
                let ty = self.ty(element);
                let sum = self.reduce(&view, zero, location, |this, total, x| {
                    let square = this.op1("arith.mulf", &[x, x], ty, &[], location);
                    this.op1("arith.addf", &[total, square], ty, &[], location)
                });
                Abstract::Scalar(self.op1("math.sqrt", &[sum], ty, &[], location))
            }
            "_FortranAAssign" | "_FortranAAssignTemporary" => {
                self.assign(arguments[0], arguments[1], location)?;
                return Ok(());
            }
            _ if callee.starts_with("_FortranAio") => {
                return Err(self.fail(
                    location,
                    "input/output (PRINT, WRITE, READ, OPEN, ...) is not supported in a routine zad converts: move it \
                     out of the routine",
                ));
            }
            _ if callee.starts_with("_FortranA") => {
                let routine = callee.trim_start_matches("_FortranA");
                return Err(self.fail(
                    location,
                    format!(
                        "this intrinsic or statement is implemented by the Fortran runtime routine {routine}, for \
                         which zad has no rule; write it as a loop"
                    ),
                ));
            }
            _ => {
                let name = names::procedure(callee).map(|n| n.qualified()).unwrap_or_else(|| callee.to_string());
                return Err(self.fail(
                    location,
                    format!(
                        "calls '{name}', which is not defined in this file: zad converts the procedures of one \
                         source file, so put the routines it calls in the same file"
                    ),
                ));
            }
        };
        if let Some(result) = result {
            self.set(result, value);
        }
        Ok(())
    }

    /// The array an argument of a runtime call describes.
    fn view_argument(&mut self, value: Value<'c, 'f>, location: Location<'c>) -> Result<ArrayView<'c, 'm>> {
        match self.lookup(value, location)? {
            Abstract::View(view) => Ok(view),
            Abstract::Unsupported(why) => Err(self.fail(location, why)),
            _ => Err(self.fail(location, "internal error: a runtime call on something that is not an array")),
        }
    }

    /// Folds `combine` over the elements of `view` in array element order.
    pub(super) fn reduce(
        &mut self,
        view: &ArrayView<'c, 'm>,
        initial: Value<'c, 'm>,
        location: Location<'c>,
        mut combine: impl FnMut(&mut Self, Value<'c, 'm>, Value<'c, 'm>) -> Value<'c, 'm>,
    ) -> Value<'c, 'm> {
        self.nest(view.extents.clone(), vec![initial], location, &mut |this, indices, carried| {
            let place = this.element(view, &[], indices, location).expect("indices of the view's rank");
            let x = this.load(&place, location);
            vec![combine(this, carried[0], x)]
        })[0]
    }

    /// Loops over 1-based indices within `extents` (the first dimension
    /// innermost), carrying `initial`; `body` gets the indices (Fortran
    /// order) and the carried values, and returns their next values.
    fn nest(
        &mut self,
        extents: Vec<Value<'c, 'm>>,
        initial: Vec<Value<'c, 'm>>,
        location: Location<'c>,
        body: &mut LoopBody<'c, 'm, 'f, '_>,
    ) -> Vec<Value<'c, 'm>> {
        self.nest_from(&extents, extents.len(), Vec::new(), initial, location, body)
    }

    fn nest_from(
        &mut self,
        extents: &[Value<'c, 'm>],
        dimension: usize,
        outer: Vec<Value<'c, 'm>>,
        carried: Vec<Value<'c, 'm>>,
        location: Location<'c>,
        body: &mut LoopBody<'c, 'm, 'f, '_>,
    ) -> Vec<Value<'c, 'm>> {
        if dimension == 0 {
            // `outer` lists the indices from the last dimension down.
            let indices: Vec<Value> = outer.iter().rev().copied().collect();
            return body(self, &indices, &carried);
        }
        let one = self.index_const(1, location);
        let end = self.add(extents[dimension - 1], one, location);
        let mut operands = vec![one, end, one];
        operands.extend(&carried);
        let types: Vec<Type> = carried.iter().map(|v| v.r#type()).collect();
        let mut block_types = vec![self.index_type()];
        block_types.extend(&types);
        let operation = self.simple_for(&operands, &types, block_types, location);
        let block = operation.region(0).expect("body").first_block().expect("block");
        let (saved_block, saved_position) = (self.block, self.position);
        self.block = block;
        self.position = super::arrays::Position::End;
        let index: Value = block.argument(0).expect("index").into();
        let inner_carried: Vec<Value> = (1..block.argument_count()).map(|i| block.argument(i).expect("argument").into()).collect();
        let mut indices = outer;
        indices.push(index);
        let next = self.nest_from(extents, dimension - 1, indices, inner_carried, location, body);
        self.op0("scf.yield", &next, location);
        (self.block, self.position) = (saved_block, saved_position);
        operation.results().map(Value::from).collect()
    }

    fn simple_for(
        &mut self,
        operands: &[Value<'c, 'm>],
        results: &[Type<'c>],
        block_types: Vec<Type<'c>>,
        location: Location<'c>,
    ) -> OperationRef<'c, 'm> {
        let region = melior::ir::Region::new();
        region.append_block(melior::ir::Block::new(&block_types.iter().map(|&t| (t, location)).collect::<Vec<_>>()));
        let operation = melior::ir::operation::OperationBuilder::new("scf.for", location)
            .add_operands(operands)
            .add_results(results)
            .add_regions([region])
            .build()
            .expect("scf.for");
        self.append(operation)
    }

    /// `_FortranAAssign(to, from)`: array assignment through descriptors;
    /// to an allocatable, with (re)allocation to the shape of `from`.
    fn assign(&mut self, to: Value<'c, 'f>, from: Value<'c, 'f>, location: Location<'c>) -> Result<()> {
        let source = self.view_argument(from, location)?;
        let target = match self.lookup(to, location)? {
            Abstract::Allocatable(var) => {
                let allocation = self.reallocate(var, &source, location)?;
                allocation.view()
            }
            Abstract::Tuple(slot) => match self.tuples[slot].first().cloned().flatten() {
                Some(Abstract::View(view)) => view,
                _ => return Err(self.fail(location, "internal error: an assignment to an empty descriptor")),
            },
            _ => return Err(self.fail(location, "this array assignment is not supported")),
        };
        if target.rank() != source.rank() {
            return Err(self.fail(location, "internal error: an assignment between arrays of different ranks"));
        }
        // The right-hand side is evaluated before anything is assigned: go
        // through a copy when both are the same buffer.
        let source = if source.storage.memref == target.storage.memref { self.copy_of(&source, location) } else { source };
        self.copy(&source, &target, location);
        Ok(())
    }

    /// Copies the elements of `source` into `target` (same shape).
    pub(super) fn copy(&mut self, source: &ArrayView<'c, 'm>, target: &ArrayView<'c, 'm>, location: Location<'c>) {
        self.nest(target.extents.clone(), Vec::new(), location, &mut |this, indices, _| {
            let from = this.element(source, &[], indices, location).expect("indices");
            let value = this.load(&from, location);
            let to = this.element(target, &[], indices, location).expect("indices");
            this.store(value, &to, location);
            Vec::new()
        });
    }

    /// A fresh buffer holding the elements of `view`, freed at the end of
    /// the current scope.
    fn copy_of(&mut self, view: &ArrayView<'c, 'm>, location: Location<'c>) -> ArrayView<'c, 'm> {
        let element = view.storage.element;
        let memref = self.alloc(element, &view.extents, location);
        self.scopes.last_mut().expect("a scope").push(memref);
        let storage = Storage { memref, order: Order::Reversed, element, rank: view.rank() };
        let copy = ArrayView::whole(storage, view.extents.clone(), vec![None; view.rank()]);
        self.copy(view, &copy, location);
        copy
    }

    /// A new buffer (reversed order) with Fortran `extents`.
    fn alloc(&mut self, element: Scalar, extents: &[Value<'c, 'm>], location: Location<'c>) -> Value<'c, 'm> {
        let ty = self.memref_type(element, &vec![None; extents.len()], Order::Reversed);
        let sizes: Vec<Value> = extents.iter().rev().copied().collect();
        let segments = Attribute::parse(self.context, &format!("array<i32: {}, 0>", sizes.len())).expect("segments");
        self.op1("memref.alloc", &sizes, ty, &[("operandSegmentSizes", segments)], location)
    }

    /// Makes allocatable `var` the shape of `source` (allocating it, or
    /// reallocating it when its shape differs), as assignment to an
    /// allocatable does.
    fn reallocate(&mut self, var: usize, source: &ArrayView<'c, 'm>, location: Location<'c>) -> Result<Allocation<'c, 'm>> {
        let element = source.storage.element;
        let one = self.index_const(1, location);
        let source_lower: Vec<Value> = source.lower.iter().map(|lb| lb.unwrap_or(one)).collect();
        let allocation = match self.env[var].clone() {
            Some(VarState::Unallocated) => {
                let memref = self.alloc(element, &source.extents, location);
                Allocation { memref, element, lower: source_lower, extents: source.extents.clone() }
            }
            Some(VarState::Allocated(current)) if current.extents == source.extents => current,
            Some(VarState::Allocated(current)) => {
                // Same shape: keep the buffer; otherwise free it and
                // allocate one of the new shape.
                let mut same = self.int_const(Scalar::Int(1), 1, location);
                for (a, b) in current.extents.iter().zip(&source.extents) {
                    let equal = self.cmpi("eq", *a, *b, location);
                    let i1 = self.ty(Scalar::Int(1));
                    same = self.op1("arith.andi", &[same, equal], i1, &[], location);
                }
                let dynamic = self.memref_type(element, &vec![None; source.rank()], Order::Reversed);
                let current_memref = if current.memref.r#type() == dynamic {
                    current.memref
                } else {
                    self.op1("memref.cast", &[current.memref], dynamic, &[], location)
                };
                let if_op = self.branch_op(same, &[dynamic], location);
                let then = if_op.region(0).expect("then").first_block().expect("block");
                let otherwise = if_op.region(1).expect("else").first_block().expect("block");
                let (saved_block, saved_position) = (self.block, self.position);
                (self.block, self.position) = (then, super::arrays::Position::End);
                self.op0("scf.yield", &[current_memref], location);
                (self.block, self.position) = (otherwise, super::arrays::Position::End);
                self.op0("memref.dealloc", &[current.memref], location);
                let fresh = self.alloc(element, &source.extents, location);
                self.op0("scf.yield", &[fresh], location);
                (self.block, self.position) = (saved_block, saved_position);
                let memref: Value = if_op.result(0).expect("result").into();
                let lower = current
                    .lower
                    .iter()
                    .zip(&source_lower)
                    .map(|(&a, &b)| self.select(same, a, b, location))
                    .collect();
                Allocation { memref, element, lower, extents: source.extents.clone() }
            }
            _ => return Err(self.fail(location, "internal error: assignment to an unknown allocatable")),
        };
        self.env[var] = Some(VarState::Allocated(allocation.clone()));
        Ok(allocation)
    }

    fn branch_op(&mut self, condition: Value<'c, 'm>, results: &[Type<'c>], location: Location<'c>) -> OperationRef<'c, 'm> {
        let regions = [melior::ir::Region::new(), melior::ir::Region::new()];
        for region in &regions {
            region.append_block(melior::ir::Block::new(&[]));
        }
        let operation = melior::ir::operation::OperationBuilder::new("scf.if", location)
            .add_operands(&[condition])
            .add_results(results)
            .add_regions(regions)
            .build()
            .expect("scf.if");
        self.append(operation)
    }
}
