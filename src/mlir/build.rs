//! Building IR: a [`Builder`] inserts ops at a point of a block (its end, or
//! before an op), every op with the builder's location. Typed helpers cover
//! the ops zad's transforms write; structured ops (`scf.for`, `scf.if`,
//! `scf.while`) are created with empty bodies whose blocks the caller fills
//! (and terminates) with builders of their own.

use super::{Attribute, BlockRef, Location, OpRef, Type, Val, handle};
use crate::error::{Error, Result};
use melior::{
    Context,
    ir::{
        Block, BlockLike, Identifier, Region, RegionLike, ValueLike,
        attribute::{FlatSymbolRefAttribute, FloatAttribute, IntegerAttribute},
        operation::{OperationBuilder, OperationLike, OperationMutLike},
        r#type::IntegerType,
    },
};

/// Where and with what location new ops go.
#[derive(Clone, Copy)]
pub struct Builder {
    context: &'static Context,
    block: BlockRef,
    /// Insert before this op; at the end of `block` when `None`.
    before: Option<OpRef>,
    location: Location,
}

/// An `scf.for` just created: its body block (to fill and end with
/// `scf.yield`), induction variable, iteration arguments and results.
pub struct ForLoop {
    pub op: OpRef,
    pub body: BlockRef,
    pub induction: Val,
    pub arguments: Vec<Val>,
    pub results: Vec<Val>,
}

/// An `scf.parallel` just created: its body block (to fill and end with
/// `scf.reduce`), induction variables and results.
pub struct ParallelLoop {
    pub op: OpRef,
    pub body: BlockRef,
    pub inductions: Vec<Val>,
    pub results: Vec<Val>,
}

/// An `scf.if` just created: its two blocks (to fill and end with
/// `scf.yield`) and results.
pub struct IfOp {
    pub op: OpRef,
    pub then_block: BlockRef,
    pub else_block: BlockRef,
    pub results: Vec<Val>,
}

/// An `scf.while` just created: its condition block (ending with
/// `scf.condition`), body block (ending with `scf.yield`) and results.
pub struct WhileLoop {
    pub op: OpRef,
    pub before: BlockRef,
    pub after: BlockRef,
    pub results: Vec<Val>,
}

impl Builder {
    /// Inserts at the end of `block`.
    pub fn at_end(context: &'static Context, block: BlockRef, location: Location) -> Builder {
        Builder { context, block, before: None, location }
    }

    /// Inserts before `op`.
    pub fn before(context: &'static Context, op: OpRef, location: Location) -> Builder {
        let block = op.block().map(|b| handle::block(&b)).expect("an op inside a block");
        Builder { context, block, before: Some(op), location }
    }

    /// Inserts right after `op`.
    pub fn after(context: &'static Context, op: OpRef, location: Location) -> Builder {
        let block = op.block().map(|b| handle::block(&b)).expect("an op inside a block");
        let before = op.next_in_block().map(|next| handle::op(&next));
        Builder { context, block, before, location }
    }

    /// Inserts at the start of `block`.
    pub fn at_start(context: &'static Context, block: BlockRef, location: Location) -> Builder {
        let before = block.first_operation().map(|first| handle::op(&first));
        Builder { context, block, before, location }
    }

    /// The same point with another location.
    pub fn at(&self, location: Location) -> Builder {
        Builder { location, ..*self }
    }

    pub fn context(&self) -> &'static Context {
        self.context
    }

    pub fn location(&self) -> Location {
        self.location
    }

    pub fn block(&self) -> BlockRef {
        self.block
    }

    /// Inserts an op built elsewhere.
    pub fn insert(&self, op: melior::ir::Operation<'static>) -> OpRef {
        let inserted = match self.before {
            Some(before) => self.block.insert_operation_before(before, op),
            None => self.block.append_operation(op),
        };
        handle::op(&inserted)
    }

    /// A generic op: `name(operands) {attributes} : results`.
    pub fn op(&self, name: &str, operands: &[Val], results: &[Type], attributes: &[(&str, Attribute)]) -> OpRef {
        self.op_with_regions(name, operands, results, attributes, 0)
    }

    /// A generic op with `regions` empty regions.
    pub fn op_with_regions(
        &self,
        name: &str,
        operands: &[Val],
        results: &[Type],
        attributes: &[(&str, Attribute)],
        regions: usize,
    ) -> OpRef {
        let attributes: Vec<(Identifier, Attribute)> =
            attributes.iter().map(|(name, value)| (Identifier::new(self.context, name), *value)).collect();
        let builder = OperationBuilder::new(name, self.location)
            .add_operands(operands)
            .add_results(results)
            .add_attributes(&attributes);
        let builder = (0..regions).fold(builder, |builder, _| builder.add_regions([Region::new()]));
        let op = builder.build().unwrap_or_else(|error| panic!("zad builds a valid {name}: {error}"));
        self.insert(op)
    }

    /// A one-result op; its result.
    pub fn value(&self, name: &str, operands: &[Val], result: Type, attributes: &[(&str, Attribute)]) -> Val {
        result_of(self.op(name, operands, &[result], attributes), 0)
    }

    // --- types and attributes ---

    pub fn index_type(&self) -> Type {
        Type::index(self.context)
    }

    pub fn integer_type(&self, bits: u32) -> Type {
        IntegerType::new(self.context, bits).into()
    }

    pub fn parse_attribute(&self, text: &str) -> Attribute {
        Attribute::parse(self.context, text).unwrap_or_else(|| panic!("zad writes a valid attribute: {text}"))
    }

    pub fn parse_type(&self, text: &str) -> Result<Type> {
        Type::parse(self.context, text).ok_or_else(|| Error::Internal(format!("not a type: {text}")))
    }

    // --- arith ---

    pub fn constant(&self, value: Attribute, ty: Type) -> Val {
        self.value("arith.constant", &[], ty, &[("value", value)])
    }

    /// A float constant of float type `ty`.
    pub fn float(&self, ty: Type, value: f64) -> Val {
        self.constant(FloatAttribute::new(self.context, ty, value).into(), ty)
    }

    /// An integer constant of integer or index type `ty`.
    pub fn integer(&self, ty: Type, value: i64) -> Val {
        self.constant(IntegerAttribute::new(ty, value).into(), ty)
    }

    pub fn index(&self, value: i64) -> Val {
        self.integer(self.index_type(), value)
    }

    /// A binary op whose result has the type of its first operand.
    pub fn binary(&self, name: &str, a: Val, b: Val) -> Val {
        self.value(name, &[a, b], a.r#type(), &[])
    }

    /// A binary op with fast-math flags (`#arith.fastmath<...>`).
    pub fn binary_fast(&self, name: &str, a: Val, b: Val, fastmath: Attribute) -> Val {
        self.value(name, &[a, b], a.r#type(), &[("fastmath", fastmath)])
    }

    pub fn unary(&self, name: &str, a: Val) -> Val {
        self.value(name, &[a], a.r#type(), &[])
    }

    pub fn addi(&self, a: Val, b: Val) -> Val {
        self.binary("arith.addi", a, b)
    }

    pub fn subi(&self, a: Val, b: Val) -> Val {
        self.binary("arith.subi", a, b)
    }

    pub fn muli(&self, a: Val, b: Val) -> Val {
        self.binary("arith.muli", a, b)
    }

    /// `arith.cmpi` with its predicate by name (`eq`, `slt`, ...).
    pub fn cmpi(&self, predicate: &str, a: Val, b: Val) -> Val {
        let code = ["eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"]
            .iter()
            .position(|p| *p == predicate)
            .unwrap_or_else(|| panic!("unknown cmpi predicate {predicate}"));
        let i64_type = self.integer_type(64);
        let i1 = self.integer_type(1);
        self.value("arith.cmpi", &[a, b], i1, &[("predicate", IntegerAttribute::new(i64_type, code as i64).into())])
    }

    /// `arith.cmpf` with its predicate by name (`oge`, `olt`, ...).
    pub fn cmpf(&self, predicate: &str, a: Val, b: Val) -> Val {
        let code = [
            "false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq", "ugt", "uge", "ult", "ule", "une", "uno",
            "true",
        ]
        .iter()
        .position(|p| *p == predicate)
        .unwrap_or_else(|| panic!("unknown cmpf predicate {predicate}"));
        let i64_type = self.integer_type(64);
        let i1 = self.integer_type(1);
        self.value("arith.cmpf", &[a, b], i1, &[("predicate", IntegerAttribute::new(i64_type, code as i64).into())])
    }

    pub fn select(&self, condition: Val, a: Val, b: Val) -> Val {
        self.value("arith.select", &[condition, a, b], a.r#type(), &[])
    }

    /// A conversion op (`arith.index_cast`, `arith.extf`, ...) to `ty`.
    pub fn convert(&self, name: &str, value: Val, ty: Type) -> Val {
        self.value(name, &[value], ty, &[])
    }

    /// `value` (of integer or index type) as an `index`.
    pub fn to_index(&self, value: Val) -> Val {
        if value.r#type() == self.index_type() { value } else { self.convert("arith.index_cast", value, self.index_type()) }
    }

    /// `value` (an `index`) as integer or index type `ty`.
    pub fn from_index(&self, value: Val, ty: Type) -> Val {
        if ty == self.index_type() { value } else { self.convert("arith.index_cast", value, ty) }
    }

    // --- memref ---

    /// A fresh buffer of memref type `ty`, its dynamic sizes given.
    pub fn alloc(&self, ty: Type, dynamic_sizes: &[Val]) -> Val {
        self.value("memref.alloc", dynamic_sizes, ty, &[("operandSegmentSizes", self.segments(&[dynamic_sizes.len(), 0]))])
    }

    pub fn alloca(&self, ty: Type, dynamic_sizes: &[Val]) -> Val {
        self.value("memref.alloca", dynamic_sizes, ty, &[("operandSegmentSizes", self.segments(&[dynamic_sizes.len(), 0]))])
    }

    pub fn dealloc(&self, memref: Val) {
        self.op("memref.dealloc", &[memref], &[], &[]);
    }

    pub fn load(&self, memref: Val, indices: &[Val]) -> Val {
        let element = melior::ir::r#type::MemRefType::try_from(memref.r#type())
            .map(|ty| melior::ir::r#type::ShapedTypeLike::element(&ty))
            .expect("a memref");
        let mut operands = vec![memref];
        operands.extend_from_slice(indices);
        self.value("memref.load", &operands, element, &[])
    }

    pub fn store(&self, value: Val, memref: Val, indices: &[Val]) {
        let mut operands = vec![value, memref];
        operands.extend_from_slice(indices);
        self.op("memref.store", &operands, &[], &[]);
    }

    pub fn dim(&self, memref: Val, dimension: i64) -> Val {
        let d = self.index(dimension);
        self.value("memref.dim", &[memref, d], self.index_type(), &[])
    }

    pub fn copy(&self, source: Val, target: Val) {
        self.op("memref.copy", &[source, target], &[], &[]);
    }

    pub fn cast(&self, memref: Val, ty: Type) -> Val {
        self.value("memref.cast", &[memref], ty, &[])
    }

    // --- func ---

    pub fn call(&self, callee: &str, arguments: &[Val], results: &[Type]) -> Vec<Val> {
        let callee = FlatSymbolRefAttribute::new(self.context, callee).into();
        let op = self.op("func.call", arguments, results, &[("callee", callee)]);
        (0..results.len()).map(|i| result_of(op, i)).collect()
    }

    pub fn ret(&self, values: &[Val]) {
        self.op("func.return", values, &[], &[]);
    }

    // --- scf ---

    /// `scf.for %iv = lb to ub step step iter_args(inits)`, body empty.
    pub fn for_loop(&self, lb: Val, ub: Val, step: Val, inits: &[Val]) -> ForLoop {
        let mut operands = vec![lb, ub, step];
        operands.extend_from_slice(inits);
        let types: Vec<Type> = inits.iter().map(|v| v.r#type()).collect();
        let op = self.op_with_regions("scf.for", &operands, &types, &[], 1);
        let mut arguments = vec![(lb.r#type(), self.location)];
        arguments.extend(types.iter().map(|&ty| (ty, self.location)));
        let body = append_block(op, 0, &arguments);
        ForLoop {
            op,
            body,
            induction: block_argument(body, 0),
            arguments: (1..arguments.len()).map(|i| block_argument(body, i)).collect(),
            results: (0..types.len()).map(|i| result_of(op, i)).collect(),
        }
    }

    /// `scf.parallel (ivs) = (lbs) to (ubs) step (steps) init (inits)`, body
    /// empty (it must end with an `scf.reduce` of one value per init).
    pub fn parallel_loop(&self, lbs: &[Val], ubs: &[Val], steps: &[Val], inits: &[Val]) -> ParallelLoop {
        let mut operands = lbs.to_vec();
        operands.extend_from_slice(ubs);
        operands.extend_from_slice(steps);
        operands.extend_from_slice(inits);
        let types: Vec<Type> = inits.iter().map(|v| v.r#type()).collect();
        let segments = self.segments(&[lbs.len(), ubs.len(), steps.len(), inits.len()]);
        let op = self.op_with_regions("scf.parallel", &operands, &types, &[("operandSegmentSizes", segments)], 1);
        let arguments: Vec<(Type, Location)> = lbs.iter().map(|_| (self.index_type(), self.location)).collect();
        let body = append_block(op, 0, &arguments);
        ParallelLoop {
            op,
            body,
            inductions: (0..lbs.len()).map(|i| block_argument(body, i)).collect(),
            results: (0..types.len()).map(|i| result_of(op, i)).collect(),
        }
    }

    /// The terminator of an `scf.parallel` body: `scf.reduce` of `values`,
    /// each combined by `arith.addf` (the only reduction the derivatives of
    /// parallel loops build).
    pub fn reduce_sum(&self, values: &[Val]) {
        let op = self.op_with_regions("scf.reduce", values, &[], &[], values.len());
        for (region, value) in values.iter().enumerate() {
            let ty = value.r#type();
            let block = append_block(op, region, &[(ty, self.location), (ty, self.location)]);
            let inner = self.inside(block);
            let sum = inner.binary("arith.addf", block_argument(block, 0), block_argument(block, 1));
            inner.op("scf.reduce.return", &[sum], &[], &[]);
        }
    }

    /// `memref.atomic_rmw addf value, memref[indices]`: an addition into
    /// memory that other threads may add to at the same time.
    pub fn atomic_add(&self, value: Val, memref: Val, indices: &[Val]) {
        let mut operands = vec![value, memref];
        operands.extend_from_slice(indices);
        // AtomicRMWKind::addf is 0.
        let kind = self.parse_attribute("0 : i64");
        self.op("memref.atomic_rmw", &operands, &[value.r#type()], &[("kind", kind)]);
    }

    /// `scf.if %condition -> (results)` with both blocks empty.
    pub fn if_op(&self, condition: Val, results: &[Type]) -> IfOp {
        let op = self.op_with_regions("scf.if", &[condition], results, &[], 2);
        IfOp {
            op,
            then_block: append_block(op, 0, &[]),
            else_block: append_block(op, 1, &[]),
            results: (0..results.len()).map(|i| result_of(op, i)).collect(),
        }
    }

    /// `scf.while (inits)`: the condition block takes the inits' types, the
    /// body block and the results `after` types.
    pub fn while_loop(&self, inits: &[Val], after: &[Type]) -> WhileLoop {
        let op = self.op_with_regions("scf.while", inits, after, &[], 2);
        let before_types: Vec<(Type, Location)> = inits.iter().map(|v| (v.r#type(), self.location)).collect();
        let after_types: Vec<(Type, Location)> = after.iter().map(|&ty| (ty, self.location)).collect();
        WhileLoop {
            op,
            before: append_block(op, 0, &before_types),
            after: append_block(op, 1, &after_types),
            results: (0..after.len()).map(|i| result_of(op, i)).collect(),
        }
    }

    pub fn yield_values(&self, values: &[Val]) {
        self.op("scf.yield", values, &[], &[]);
    }

    pub fn condition(&self, condition: Val, forwarded: &[Val]) {
        let mut operands = vec![condition];
        operands.extend_from_slice(forwarded);
        self.op("scf.condition", &operands, &[], &[]);
    }

    /// A copy of `op` (with its regions) whose operands are `operands`.
    pub fn clone_with_operands(&self, op: OpRef, operands: &[Val]) -> OpRef {
        let copy = self.clone_op(op);
        let mut copy_mut = handle::op_mut(copy);
        for (index, &operand) in operands.iter().enumerate() {
            copy_mut.set_operand(index, operand);
        }
        copy
    }

    /// A copy of `op` (with its regions) in which every use of a value of
    /// `mapping` (by its raw pointer), in the op or nested in it, is
    /// replaced by the value it maps to.
    pub fn clone_remapped(&self, op: OpRef, mapping: &std::collections::HashMap<usize, Val>) -> OpRef {
        let copy = self.clone_op(op);
        let mut copy_mut = handle::op_mut(copy);
        copy_mut.walk_mut(melior::ir::operation::WalkOrder::PreOrder, |mut inner| {
            for index in 0..inner.operand_count() {
                if let Ok(operand) = inner.operand(index)
                    && let Some(&to) = mapping.get(&(operand.to_raw().ptr as usize))
                {
                    inner.set_operand(index, to);
                }
            }
            melior::ir::operation::WalkResult::Advance
        });
        copy
    }

    /// A copy of `op` (with its regions), operands unchanged.
    pub fn clone_op(&self, op: OpRef) -> OpRef {
        // SAFETY: cloning a live op gives an op we own, handed to the block
        // at once by `insert`.
        let copy = unsafe { melior::ir::Operation::from_raw(mlir_sys::mlirOperationClone(op.to_raw())) };
        self.insert(copy)
    }

    /// A builder at the end of `block`, with this one's location.
    pub fn inside(&self, block: BlockRef) -> Builder {
        Builder::at_end(self.context, block, self.location)
    }

    fn segments(&self, sizes: &[usize]) -> Attribute {
        let list: Vec<String> = sizes.iter().map(|s| s.to_string()).collect();
        self.parse_attribute(&format!("array<i32: {}>", list.join(", ")))
    }
}

/// Result `index` of `op`.
pub fn result_of(op: OpRef, index: usize) -> Val {
    handle::value(op.result(index).expect("the op has this result"))
}

/// Argument `index` of `block`.
pub fn block_argument(block: BlockRef, index: usize) -> Val {
    handle::value(block.argument(index).expect("the block has this argument"))
}

/// Appends a block with `arguments` to region `region` of `op`.
fn append_block(op: OpRef, region: usize, arguments: &[(Type, Location)]) -> BlockRef {
    let region = op.region(region).expect("the op has this region");
    handle::block(&region.append_block(Block::new(arguments)))
}
