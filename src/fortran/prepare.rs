//! Structuring flang's FIR before conversion: SELECT CASE branches become
//! `cf` branches, and MLIR's `lift-cf-to-scf` turns the unstructured
//! control flow flang emits (DO WHILE, EXIT, CYCLE, RETURN, SELECT CASE,
//! GOTO that forms loops and conditionals) into `scf.while`, `scf.if` and
//! `scf.index_switch`. Procedures with control flow that cannot be
//! structured (STOP, computed GOTO, ...) are set aside with the reason.

use super::{
    convert::{Failure, op_name, segment_sizes},
    mlir,
};
use melior::{
    Context,
    dialect::cf,
    ir::{
        Attribute, Block, BlockLike, Module, OperationRef, RegionLike, Type, Value, ValueLike,
        attribute::{ArrayAttribute, DenseI32ArrayAttribute},
        operation::{OperationBuilder, OperationLike, WalkOrder, WalkResult},
    },
    pass::PassManager,
    utility::parse_pass_pipeline,
};
use std::collections::HashMap;

/// Rewrites SELECT CASE into branches and lifts every procedure's control
/// flow into `scf`. Returns the procedures (by symbol) that cannot be
/// converted, with why; they are removed from `fir`. `lift_failure` turns
/// the diagnostics of a failed lift into a message.
pub fn structure<'c>(
    context: &'c Context,
    fir: &mut Module<'c>,
    lift_failure: impl Fn() -> String,
) -> Result<HashMap<String, Failure>, String> {
    let mut failures = HashMap::new();
    let mut erase = Vec::new();
    for function in functions(fir) {
        let symbol = symbol_of(&function);
        match check_structurable(&function).and_then(|()| rewrite_select_cases(context, &function)) {
            Ok(()) => {}
            Err(failure) => {
                failures.insert(symbol, failure);
                erase.push(function);
            }
        }
    }
    for function in erase {
        mlir::erase(function);
    }
    let manager = PassManager::new(context);
    parse_pass_pipeline(manager.as_operation_pass_manager(), "builtin.module(lift-cf-to-scf)")
        .map_err(|error| format!("bad pass pipeline: {error}"))?;
    manager.run(fir).map_err(|_| lift_failure())?;
    Ok(failures)
}

/// The `func.func` operations with a body.
pub fn functions<'c, 'a>(fir: &'a Module<'c>) -> Vec<OperationRef<'c, 'a>> {
    let mut functions = Vec::new();
    let mut next = fir.body().first_operation();
    while let Some(operation) = next {
        if op_name(&operation) == "func.func" && operation.region(0).is_ok_and(|r| r.first_block().is_some()) {
            functions.push(operation);
        }
        next = operation.next_in_block();
    }
    functions
}

pub fn symbol_of(operation: &OperationRef) -> String {
    operation
        .attribute("sym_name")
        .ok()
        .and_then(|a| melior::ir::attribute::StringAttribute::try_from(a).ok())
        .map(|a| a.value().to_string())
        .unwrap_or_default()
}

/// Fails on terminators `lift-cf-to-scf` cannot structure.
fn check_structurable(function: &OperationRef) -> Result<(), Failure> {
    let mut failure = None;
    function.walk(WalkOrder::PreOrder, |op| {
        let why = match op_name(&op).as_str() {
            "fir.unreachable" => Some(
                "STOP, ERROR STOP or another statement that ends the program: a routine zad converts must return \
                 to its caller (report errors through an argument instead)",
            ),
            "fir.select" => Some("a computed GOTO (use SELECT CASE)"),
            "fir.select_rank" => Some("SELECT RANK"),
            "fir.select_type" => Some("SELECT TYPE"),
            _ => None,
        };
        if let Some(why) = why {
            failure = Some(Failure::new(op.location(), format!("{why} is not supported")));
            return WalkResult::Interrupt;
        }
        WalkResult::Advance
    });
    failure.map_or(Ok(()), Err)
}

fn rewrite_select_cases(context: &Context, function: &OperationRef) -> Result<(), Failure> {
    let mut selects = Vec::new();
    nested_ops(function, "fir.select_case", &mut selects);
    selects.into_iter().try_for_each(|op| rewrite_select_case(context, op))
}

/// The ops named `name` nested in `operation`.
fn nested_ops<'c, 'a>(operation: &OperationRef<'c, 'a>, name: &str, found: &mut Vec<OperationRef<'c, 'a>>) {
    for index in 0..operation.region_count() {
        let mut block = operation.region(index).ok().and_then(|region| region.first_block());
        while let Some(current) = block {
            let mut next = current.first_operation();
            while let Some(inner) = next {
                if op_name(&inner) == name {
                    found.push(inner);
                }
                nested_ops(&inner, name, found);
                next = inner.next_in_block();
            }
            block = current.next_in_region();
        }
    }
}

/// The last op of a block (FIR's terminators are unknown to MLIR here, so
/// `terminator()` does not find them).
pub fn last_op<'c, 'a>(block: &melior::ir::BlockRef<'c, 'a>) -> Option<OperationRef<'c, 'a>> {
    let mut last = block.first_operation()?;
    while let Some(next) = last.next_in_block() {
        last = next;
    }
    Some(last)
}

/// One case of a SELECT CASE: what it compares with, where it goes.
struct Case<'c, 'a> {
    tag: String,
    compare: Vec<Value<'c, 'a>>,
    target: usize,
    arguments: Vec<Value<'c, 'a>>,
}

/// `fir.select_case %x [#fir.point, %a, ^b1, #fir.interval, %lo, %hi, ^b2,
/// unit, ^b3]` becomes a chain of `cf.cond_br`, the default last.
fn rewrite_select_case<'c>(context: &'c Context, op: OperationRef<'c, '_>) -> Result<(), Failure> {
    let location = op.location();
    let unsupported = |why: &str| Failure::new(location, format!("SELECT CASE {why} is not supported"));
    let selector = op.operand(0).map_err(|_| unsupported("without a selector"))?;
    let selector_type = selector.r#type().to_string();
    if !(selector_type.starts_with('i') || selector_type == "index") {
        return Err(unsupported(&format!("on a selector of type {selector_type} (only integer selectors are)")));
    }
    let sizes = segment_sizes(&op);
    let (compare_count, operands): (usize, Vec<Value>) = (sizes.get(1).copied().unwrap_or(0), op.operands().collect());
    let array = |name: &str| -> Vec<usize> {
        op.attribute(name)
            .ok()
            .and_then(|a| DenseI32ArrayAttribute::try_from(a).ok())
            .map(|a| (0..a.len()).filter_map(|i| a.element(i).ok()).map(|n| n as usize).collect())
            .unwrap_or_default()
    };
    let compare_sizes = array("compare_operand_offsets");
    let target_sizes = array("target_operand_offsets");
    let tags: Vec<String> = op
        .attribute("case_tags")
        .ok()
        .and_then(|a| ArrayAttribute::try_from(a).ok())
        .map(|a| (0..a.len()).filter_map(|i| a.element(i).ok()).map(|t| t.to_string()).collect())
        .unwrap_or_default();
    if tags.len() != op.successor_count() || compare_sizes.len() != tags.len() {
        return Err(unsupported("in this form"));
    }
    let mut compare_at = 1;
    let mut target_at = 1 + compare_count;
    let mut cases = Vec::new();
    for (index, tag) in tags.iter().enumerate() {
        let compare = operands[compare_at..compare_at + compare_sizes[index]].to_vec();
        compare_at += compare_sizes[index];
        let count = target_sizes.get(index).copied().unwrap_or(0);
        let arguments = operands[target_at..target_at + count].to_vec();
        target_at += count;
        cases.push(Case { tag: tag.clone(), compare, target: index, arguments });
    }
    let default = cases.iter().position(|case| case.tag == "unit").ok_or_else(|| unsupported("without a default"))?;
    let default = cases.remove(default);
    let block = op.block().expect("a terminator is in a block");
    let region = block.parent_region().expect("a block is in a region");
    let successors: Vec<_> = (0..op.successor_count()).map(|i| op.successor(i).expect("successor")).collect();
    let i1 = Type::parse(context, "i1").expect("i1");
    let mut current = block;
    let mut first = true;
    for (index, case) in cases.iter().enumerate() {
        let append = |operation| {
            if first { current.insert_operation_before(op, operation) } else { current.append_operation(operation) }
        };
        let compare = |predicate: &str, lhs: Value<'c, '_>, rhs: Value<'c, '_>| {
            OperationBuilder::new("arith.cmpi", location)
                .add_operands(&[lhs, rhs])
                .add_results(&[i1])
                .add_attributes(&[(
                    melior::ir::Identifier::new(context, "predicate"),
                    Attribute::parse(context, &format!("{} : i64", predicate_code(predicate))).expect("predicate"),
                )])
                .build()
                .expect("arith.cmpi")
        };
        let condition: Value = match (case.tag.as_str(), case.compare.as_slice()) {
            ("#fir.point", [value]) => append(compare("eq", selector, *value)).result(0).expect("result").into(),
            ("#fir.lower", [low]) => append(compare("sge", selector, *low)).result(0).expect("result").into(),
            ("#fir.upper", [high]) => append(compare("sle", selector, *high)).result(0).expect("result").into(),
            ("#fir.interval", [low, high]) => {
                let above: Value = append(compare("sge", selector, *low)).result(0).expect("result").into();
                let below: Value = append(compare("sle", selector, *high)).result(0).expect("result").into();
                let both = OperationBuilder::new("arith.andi", location)
                    .add_operands(&[above, below])
                    .add_results(&[i1])
                    .build()
                    .expect("arith.andi");
                append(both).result(0).expect("result").into()
            }
            (tag, _) => return Err(unsupported(&format!("with a case of kind {tag}"))),
        };
        let last = index + 1 == cases.len();
        let next = if last { None } else { Some(region.insert_block_after(current, Block::new(&[]))) };
        let (false_block, false_arguments) = match next {
            Some(next) => (next, Vec::new()),
            None => (successors[default.target], default.arguments.clone()),
        };
        let mut operands = vec![condition];
        operands.extend(&case.arguments);
        operands.extend(&false_arguments);
        let sizes = format!("array<i32: 1, {}, {}>", case.arguments.len(), false_arguments.len());
        let branch = OperationBuilder::new("cf.cond_br", location)
            .add_operands(&operands)
            .add_successors(&[&successors[case.target], &false_block])
            .add_attributes(&[(
                melior::ir::Identifier::new(context, "operandSegmentSizes"),
                Attribute::parse(context, &sizes).expect("segment sizes"),
            )])
            .build()
            .expect("cf.cond_br");
        append(branch);
        if let Some(next) = next {
            current = next;
        }
        first = false;
    }
    if cases.is_empty() {
        block.insert_operation_before(op, cf::br(&successors[default.target], &default.arguments, location));
    }
    mlir::erase(op);
    Ok(())
}

/// `arith.cmpi` predicate numbers.
fn predicate_code(name: &str) -> i64 {
    match name {
        "eq" => 0,
        "sle" => 3,
        "sge" => 5,
        _ => unreachable!("predicate {name}"),
    }
}
