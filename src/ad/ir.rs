//! A small, owned copy of a function's MLIR, made for the AD transforms:
//! ops with numbered values, printed types and attributes, and regions. The
//! transforms read it and write MLIR text (source-to-source, as Tapenade
//! does), which MLIR then parses and verifies again.

use crate::context::describe_location;
use melior::ir::{
    BlockLike, BlockRef, Location, OperationRef, RegionLike, Value, ValueLike,
    attribute::TypeAttribute,
    operation::OperationLike,
    r#type::FunctionType,
};
use std::collections::HashMap;

/// Index of a value in [`Func::values`].
pub type ValueId = usize;

/// What the transforms know of a value.
#[derive(Clone, Debug)]
pub struct ValueInfo {
    /// The MLIR type, printed (`f64`, `memref<?xf64>`, ...).
    pub ty: String,
    /// How deep in regions the value is defined (0: the function body).
    pub depth: usize,
    /// The op that defines it, or `None` for a block argument.
    pub def: Option<OpPath>,
}

/// The position of an op: indices through blocks and regions from the body.
pub type OpPath = Vec<usize>;

#[derive(Clone, Debug)]
pub struct Op {
    pub name: String,
    pub operands: Vec<ValueId>,
    pub results: Vec<ValueId>,
    /// Named attributes, printed.
    pub attribute_list: Vec<(String, String)>,
    pub regions: Vec<Vec<Block>>,
    /// The location as an MLIR `loc(...)`, kept on everything derived from the op.
    pub loc: String,
    /// `file:line:col`, for messages.
    pub place: String,
    pub successors: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub args: Vec<ValueId>,
    pub ops: Vec<Op>,
}

/// The functions of a module that can be differentiated, and what the
/// transforms need to know of its globals.
pub struct Program {
    pub functions: HashMap<String, Func>,
    /// Globals of float elements that are not `constant`: they can carry
    /// derivatives.
    pub mutable_float_globals: Vec<String>,
}

/// A function with a body.
#[derive(Clone, Debug)]
pub struct Func {
    pub name: String,
    pub args: Vec<ValueId>,
    pub result_types: Vec<String>,
    pub body: Vec<Block>,
    pub values: Vec<ValueInfo>,
    pub loc: String,
    pub place: String,
}

impl Func {
    /// The body of `scf.for` `op` as a function of its own: the step of a
    /// time loop. Arguments: the induction variable, the iteration
    /// arguments, then `free` (values from outside the loop the body uses);
    /// results: what the body yields.
    pub fn outline_loop_body(&self, op: &Op, name: &str, free: &[ValueId]) -> Func {
        let block = &op.regions[0][0];
        let mut ops = block.ops.clone();
        if let Some(terminator) = ops.last_mut() {
            terminator.name = "func.return".to_string();
        }
        let mut args = block.args.clone();
        args.extend_from_slice(free);
        Func {
            name: name.to_string(),
            args: args.clone(),
            result_types: op.results.iter().map(|&r| self.values[r].ty.clone()).collect(),
            body: vec![Block { args, ops }],
            values: self.values.clone(),
            loc: op.loc.clone(),
            place: op.place.clone(),
        }
    }

    /// One iteration of `scf.while` `op` as a function: from the values its
    /// condition region receives (arguments, then `free`) to those the body
    /// yields for the next iteration. The condition region's ops run first;
    /// the body sees the values `scf.condition` forwards.
    pub fn outline_while_step(&self, op: &Op, name: &str, free: &[ValueId]) -> Func {
        let (before, after) = (&op.regions[0][0], &op.regions[1][0]);
        let mut ops: Vec<Op> = before.ops[..before.ops.len() - 1].to_vec();
        let forwarded = &before.ops.last().expect("scf.condition").operands[1..];
        let renames: Vec<(ValueId, ValueId)> = after.args.iter().copied().zip(forwarded.iter().copied()).collect();
        let mut body: Vec<Op> = after.ops.clone();
        for op in &mut body {
            rename_operands(op, &renames);
        }
        if let Some(terminator) = body.last_mut() {
            terminator.name = "func.return".to_string();
        }
        ops.extend(body);
        let mut args = before.args.clone();
        args.extend_from_slice(free);
        Func {
            name: name.to_string(),
            args: args.clone(),
            result_types: before.args.iter().map(|&a| self.values[a].ty.clone()).collect(),
            body: vec![Block { args, ops }],
            values: self.values.clone(),
            loc: op.loc.clone(),
            place: op.place.clone(),
        }
    }

    pub fn ty(&self, value: ValueId) -> &str {
        &self.values[value].ty
    }

    /// Reads `function` (a `func.func` with a body).
    pub fn import(function: &OperationRef, name: &str) -> Func {
        let mut importer = Importer { ids: HashMap::new(), values: Vec::new() };
        let region = function.region(0).expect("func.func has a region");
        let body = importer.region(&region, 0, &mut Vec::new());
        let args = body.first().map(|block| block.args.clone()).unwrap_or_default();
        let result_types = function
            .attribute("function_type")
            .ok()
            .and_then(|attribute| TypeAttribute::try_from(attribute).ok())
            .and_then(|attribute| FunctionType::try_from(attribute.value()).ok())
            .map(|ty| (0..ty.result_count()).map(|i| ty.result(i).expect("in range").to_string()).collect())
            .unwrap_or_default();
        Func {
            name: name.to_string(),
            args,
            result_types,
            body,
            values: importer.values,
            loc: loc_text(function.location()),
            place: describe_location(function.location(), ""),
        }
    }
}

struct Importer {
    ids: HashMap<usize, ValueId>,
    values: Vec<ValueInfo>,
}

impl Importer {
    fn value(&mut self, value: Value, depth: usize, def: Option<OpPath>) -> ValueId {
        let id = self.values.len();
        self.values.push(ValueInfo { ty: value.r#type().to_string(), depth, def });
        self.ids.insert(value.to_raw().ptr as usize, id);
        id
    }

    fn lookup(&self, value: Value) -> ValueId {
        *self.ids.get(&(value.to_raw().ptr as usize)).expect("operands are defined before use in structured code")
    }

    fn region(&mut self, region: &melior::ir::RegionRef, depth: usize, path: &mut OpPath) -> Vec<Block> {
        let mut blocks = Vec::new();
        let mut next = region.first_block();
        while let Some(block) = next {
            path.push(blocks.len());
            blocks.push(self.block(&block, depth, path));
            path.pop();
            next = block.next_in_region();
        }
        blocks
    }

    fn block(&mut self, block: &BlockRef, depth: usize, path: &mut OpPath) -> Block {
        let args = (0..block.argument_count())
            .map(|i| self.value(block.argument(i).expect("index in range").into(), depth, None))
            .collect();
        let mut ops = Vec::new();
        let mut next = block.first_operation();
        while let Some(operation) = next {
            path.push(ops.len());
            ops.push(self.op(&operation, depth, path));
            path.pop();
            next = operation.next_in_block();
        }
        Block { args, ops }
    }

    fn op(&mut self, operation: &OperationRef, depth: usize, path: &mut OpPath) -> Op {
        let operands = operation.operands().map(|value| self.lookup(value)).collect();
        let mut regions = Vec::new();
        for (index, region) in operation.regions().enumerate() {
            path.push(index);
            regions.push(self.region(&region, depth + 1, path));
            path.pop();
        }
        let results = operation.results().map(|result| self.value(result.into(), depth, Some(path.clone()))).collect();
        let attribute_list: Vec<(String, String)> = operation
            .attributes()
            .map(|(name, value)| (name.as_string_ref().as_str().unwrap_or_default().to_string(), value.to_string()))
            .collect();
        Op {
            name: operation.name().as_string_ref().as_str().unwrap_or_default().to_string(),
            operands,
            results,
            attribute_list,
            regions,
            loc: loc_text(operation.location()),
            place: describe_location(operation.location(), ""),
            successors: operation.successor_count(),
        }
    }
}

/// Attribute names that are not bare identifiers must be quoted.
fn quote_name(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$') {
        name.to_string()
    } else {
        format!("\"{name}\"")
    }
}

/// A location as MLIR syntax, `loc("file":line:col)`, for generated ops.
pub fn loc_text(location: Location) -> String {
    let place = describe_location(location, "");
    let mut parts = place.rsplitn(3, ':');
    let (column, line, file) = (parts.next(), parts.next(), parts.next());
    match (file, line.and_then(|l| l.parse::<usize>().ok()), column.and_then(|c| c.parse::<usize>().ok())) {
        (Some(file), Some(line), Some(column)) => {
            format!("loc(\"{}\":{line}:{column})", file.replace('\\', "\\\\").replace('"', "\\\""))
        }
        _ => "loc(unknown)".to_string(),
    }
}

/// Replaces uses of values, in `op` and the ops nested in it.
fn rename_operands(op: &mut Op, renames: &[(ValueId, ValueId)]) {
    for operand in &mut op.operands {
        if let Some(&(_, to)) = renames.iter().find(|(from, _)| from == operand) {
            *operand = to;
        }
    }
    for region in &mut op.regions {
        for block in region {
            for inner in &mut block.ops {
                rename_operands(inner, renames);
            }
        }
    }
}

impl Op {
    /// The attribute dictionary in MLIR syntax (`{predicate = 1 : i64}`), or "".
    pub fn attribute_dict(&self) -> String {
        if self.attribute_list.is_empty() {
            return String::new();
        }
        let entries: Vec<String> =
            self.attribute_list.iter().map(|(name, value)| format!("{} = {value}", quote_name(name))).collect();
        format!("{{{}}}", entries.join(", "))
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attribute_list.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}
