//! The transforms' view of a function: its values numbered densely (so that
//! analyses are vectors indexed by value), its ops and blocks as a tree, each
//! holding a handle on the MLIR it stands for. The function itself stays in
//! the module; derivatives are built next to it from these handles.

use crate::{
    error::{Error, Result},
    mlir::{self, Attribute, BlockRef, Location, OpRef, Type, Val, handle},
};
use melior::ir::{BlockLike, RegionLike, ValueLike, operation::OperationLike};
use std::collections::HashMap;

/// Index of a value in [`Func::values`].
pub type ValueId = usize;

/// What the transforms know of a value.
#[derive(Clone, Copy, Debug)]
pub struct ValueInfo {
    pub ty: Type,
    /// The value in the module.
    pub value: Val,
}

#[derive(Clone, Debug)]
pub struct Op {
    pub name: String,
    pub operands: Vec<ValueId>,
    pub results: Vec<ValueId>,
    pub regions: Vec<Vec<Block>>,
    /// The op in the module (its attributes, and what clones copy).
    pub handle: OpRef,
    pub location: Location,
    /// `file:line:col`, for messages.
    pub place: String,
    pub successors: usize,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub args: Vec<ValueId>,
    pub ops: Vec<Op>,
    pub handle: BlockRef,
}

/// A function with a body.
#[derive(Clone, Debug)]
pub struct Func {
    pub name: String,
    pub args: Vec<ValueId>,
    pub result_types: Vec<Type>,
    pub body: Vec<Block>,
    pub values: Vec<ValueInfo>,
    pub handle: OpRef,
    pub location: Location,
    pub place: String,
}

/// The functions of a module the transforms may differentiate, and what
/// they need to know of its globals.
pub struct Program {
    pub functions: HashMap<String, Func>,
    /// Globals of float elements that are not `constant`: they can carry
    /// derivatives.
    pub mutable_float_globals: Vec<String>,
}

impl Func {
    pub fn ty(&self, value: ValueId) -> Type {
        self.values[value].ty
    }

    /// Reads `function` (a `func.func` with a body).
    pub fn import(function: OpRef, name: &str) -> Result<Func> {
        let mut importer = Importer { ids: HashMap::new(), values: Vec::new() };
        let region = function.region(0).map_err(|e| Error::Internal(e.to_string()))?;
        let body = importer.region(&region);
        let args = body.first().map(|block| block.args.clone()).unwrap_or_default();
        let ty = mlir::function_type(&function).ok_or_else(|| Error::Internal(format!("@{name} has no type")))?;
        let result_types = (0..ty.result_count()).map(|i| ty.result(i).expect("in range")).collect();
        Ok(Func {
            name: name.to_string(),
            args,
            result_types,
            body,
            values: importer.values,
            handle: function,
            location: function.location(),
            place: mlir::describe_location(function.location(), ""),
        })
    }
}

struct Importer {
    ids: HashMap<usize, ValueId>,
    values: Vec<ValueInfo>,
}

impl Importer {
    fn value(&mut self, value: Val) -> ValueId {
        let id = self.values.len();
        self.values.push(ValueInfo { ty: value.r#type(), value });
        self.ids.insert(value.to_raw().ptr as usize, id);
        id
    }

    fn lookup(&self, value: Val) -> ValueId {
        *self.ids.get(&(value.to_raw().ptr as usize)).expect("operands are defined before use in structured code")
    }

    fn region(&mut self, region: &melior::ir::RegionRef) -> Vec<Block> {
        let mut blocks = Vec::new();
        let mut next = region.first_block();
        while let Some(block) = next {
            blocks.push(self.block(handle::block(&block)));
            next = block.next_in_region();
        }
        blocks
    }

    fn block(&mut self, block: BlockRef) -> Block {
        let args = (0..block.argument_count())
            .map(|i| self.value(handle::value(block.argument(i).expect("index in range"))))
            .collect();
        let mut ops = Vec::new();
        let mut next = block.first_operation();
        while let Some(operation) = next {
            ops.push(self.op(handle::op(&operation)));
            next = operation.next_in_block();
        }
        Block { args, ops, handle: block }
    }

    fn op(&mut self, operation: OpRef) -> Op {
        // Values from outside the function (there are none in a verified
        // function) would not be found: structured code defines before use.
        let operands = operation.operands().map(|value| self.lookup(handle::value(value))).collect();
        let regions = operation.regions().map(|region| self.region(&region)).collect();
        let results = operation.results().map(|result| self.value(handle::value(result))).collect();
        Op {
            name: mlir::op_name(&operation),
            operands,
            results,
            regions,
            handle: operation,
            location: operation.location(),
            place: mlir::describe_location(operation.location(), ""),
            successors: operation.successor_count(),
        }
    }
}

impl Op {
    pub fn attribute(&self, name: &str) -> Option<Attribute> {
        self.handle.attribute(name).ok()
    }

    /// An attribute's text (`"binomial"`, `20 : i64`), for settings.
    pub fn attribute_text(&self, name: &str) -> Option<String> {
        self.attribute(name).map(|a| a.to_string())
    }

    /// The names of the op's attributes.
    pub fn attribute_names(&self) -> Vec<String> {
        self.handle.attributes().map(|(name, _)| name.as_string_ref().as_str().unwrap_or_default().to_string()).collect()
    }

    /// The callee of a `func.call`.
    pub fn callee(&self) -> String {
        self.attribute_text("callee").unwrap_or_default().trim_start_matches('@').trim_matches('"').to_string()
    }

    /// The first block of region `index`.
    pub fn block(&self, index: usize) -> &Block {
        &self.regions[index][0]
    }
}

/// Operands of the terminator of a region's first block.
pub fn yielded(region: &[Block]) -> &[ValueId] {
    region.first().and_then(|b| b.ops.last()).map(|op| op.operands.as_slice()).unwrap_or(&[])
}

/// Calls `visit` on every op of `blocks` and of the regions nested in them.
pub fn walk_blocks<'f>(blocks: &'f [Block], visit: &mut impl FnMut(&'f Op)) {
    for block in blocks {
        for op in &block.ops {
            visit(op);
            for region in &op.regions {
                walk_blocks(region, visit);
            }
        }
    }
}
