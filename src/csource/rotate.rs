//! Rotating the loops `lift-cf-to-scf` makes into the shape zad
//! differentiates.
//!
//! The lift turns a C loop whose exit is decided inside its body (`break`,
//! an early `return`, `while (k < n && fabs(dx) > tol)`) into an
//! `scf.while` whose condition region holds the whole body and whose body
//! region only passes values on: a do-while, `loop { (c, f) = B(s); if
//! (!c) break; s = A(f) }`. zad's reverse mode keeps derivatives out of
//! condition regions, so such a loop is rewritten, exactly, as
//!
//! ```text
//! (c, f) = B(init)
//! while (c) { s = A(f); (c, f) = B(s) }     // condition region: just c
//! ```
//!
//! with the body B peeled once before the loop. Loops whose condition
//! region computes nothing but integers are left as they are.

use melior::{
    Context,
    ir::{
        Block, BlockLike, BlockRef, Location, Module, OperationRef, Region, RegionLike, Type, Value, ValueLike,
        operation::{OperationBuilder, OperationLike, WalkOrder, WalkResult},
    },
};
use crate::mlir::op_name;
use mlir_sys::{MlirOperation, MlirValue};
use std::collections::HashMap;

/// Ops a condition region may hold without the loop being rotated: they
/// compute integers (loop counters and their comparisons) only.
const INTEGER_OPS: &[&str] = &[
    "arith.constant",
    "arith.cmpi",
    "arith.addi",
    "arith.subi",
    "arith.muli",
    "arith.andi",
    "arith.ori",
    "arith.xori",
    "arith.extui",
    "arith.extsi",
    "arith.trunci",
    "arith.index_cast",
    "scf.condition",
];

/// Rotates every `scf.while` of `module` whose condition region computes
/// more than integers, innermost first.
pub fn rotate_loops(context: &Context, module: &Module) -> Result<(), String> {
    let mut loops: Vec<MlirOperation> = Vec::new();
    module.as_operation().walk(WalkOrder::PostOrder, |op| {
        if op_name(&op) == "scf.while" {
            loops.push(op.to_raw());
        }
        WalkResult::Advance
    });
    for raw in loops {
        // SAFETY: a live `scf.while` of the module: rotating a loop only
        // erases that loop, and inner loops come before outer ones.
        let op = unsafe { OperationRef::from_raw(raw) };
        if needs_rotation(&op) {
            rotate(context, &op)?;
        }
    }
    Ok(())
}

fn block_of<'c, 'a>(op: &OperationRef<'c, 'a>, region: usize) -> BlockRef<'c, 'a> {
    op.region(region).ok().and_then(|r| r.first_block()).expect("an scf.while region has a block")
}

fn operations<'c, 'a>(block: &BlockRef<'c, 'a>) -> Vec<OperationRef<'c, 'a>> {
    let mut ops = Vec::new();
    let mut next = block.first_operation();
    while let Some(op) = next {
        ops.push(op);
        next = op.next_in_block();
    }
    ops
}

fn needs_rotation(op: &OperationRef) -> bool {
    operations(&block_of(op, 0)).iter().any(|inner| !INTEGER_OPS.contains(&op_name(inner).as_str()))
}

fn key(value: MlirValue) -> usize {
    value.ptr as usize
}

/// Clones the ops of `source` but its terminator before `anchor` in
/// `target` (or at its end), their operands from outside mapped through
/// `map` (which gains their results); returns the terminator's operands,
/// mapped.
fn clone_body<'c>(
    source: &BlockRef<'c, '_>,
    target: &BlockRef<'c, '_>,
    anchor: Option<&OperationRef<'c, '_>>,
    map: &mut HashMap<usize, MlirValue>,
) -> Vec<MlirValue> {
    let ops = operations(source);
    let (terminator, body) = ops.split_last().expect("a block has a terminator");
    for op in body {
        // SAFETY: `op` is a live op; the clone is a new op that we own until
        // it is inserted into `target` below.
        let clone = unsafe { mlir_sys::mlirOperationClone(op.to_raw()) };
        // SAFETY: the clone is live; its operands (and those of the ops
        // nested in it) that name values of `source` are replaced by their
        // mapped values of the same type.
        let clone_ref = unsafe { OperationRef::from_raw(clone) };
        clone_ref.walk(WalkOrder::PreOrder, |inner| {
            for index in 0..inner.operand_count() {
                let operand = inner.operand(index).expect("operand").to_raw();
                if let Some(&mapped) = map.get(&key(operand)) {
                    // SAFETY: see above.
                    unsafe { mlir_sys::mlirOperationSetOperand(inner.to_raw(), index as isize, mapped) };
                }
            }
            WalkResult::Advance
        });
        // SAFETY: the clone is detached; the block takes ownership.
        unsafe {
            match anchor {
                Some(anchor) => mlir_sys::mlirBlockInsertOwnedOperationBefore(target.to_raw(), anchor.to_raw(), clone),
                None => mlir_sys::mlirBlockAppendOwnedOperation(target.to_raw(), clone),
            }
        }
        for index in 0..op.result_count() {
            let original = op.result(index).expect("result").to_raw();
            let copied = clone_ref.result(index).expect("result").to_raw();
            map.insert(key(original), copied);
        }
    }
    (0..terminator.operand_count())
        .map(|index| {
            let operand = terminator.operand(index).expect("operand").to_raw();
            map.get(&key(operand)).copied().unwrap_or(operand)
        })
        .collect()
}

fn rotate<'c>(context: &'c Context, op: &OperationRef<'c, '_>) -> Result<(), String> {
    let location = op.location();
    let before = block_of(op, 0);
    let after = block_of(op, 1);
    let parent = op.block().ok_or("an scf.while outside a block")?;

    // (c, f) = B(init), before the loop.
    let mut map = HashMap::new();
    for index in 0..before.argument_count() {
        let argument = before.argument(index).expect("argument").to_raw();
        map.insert(key(argument), op.operand(index).expect("operand").to_raw());
    }
    let first = clone_body(&before, &parent, Some(op), &mut map);
    let forwarded_types: Vec<Type<'c>> = (0..after.argument_count()).map(|i| after.argument(i).expect("argument").r#type()).collect();
    let i1 = Type::parse(context, "i1").ok_or("cannot make i1")?;
    let mut carried_types = vec![i1];
    carried_types.extend(forwarded_types.iter().copied());

    let arguments: Vec<(Type<'c>, Location<'c>)> = carried_types.iter().map(|&ty| (ty, location)).collect();
    let condition_region = Region::new();
    condition_region.append_block(Block::new(&arguments));
    let body_region = Region::new();
    body_region.append_block(Block::new(&arguments));
    // SAFETY: the values in `first` are live results (or values from
    // outside the loop) that dominate the loop.
    let operands: Vec<Value<'c, '_>> = first.iter().map(|&raw| unsafe { Value::from_raw(raw) }).collect();
    let rotated = OperationBuilder::new("scf.while", location)
        .add_operands(&operands)
        .add_results(&carried_types)
        .add_regions([condition_region, body_region])
        .build()
        .map_err(|error| format!("cannot build the rotated loop: {error}"))?;
    let rotated = parent.insert_operation_before(*op, rotated);

    // Condition region: scf.condition(%c) %c, %f...
    let condition_block = block_of(&rotated, 0);
    // The condition, then the values forwarded: the condition itself and f.
    let mut carried: Vec<Value> = vec![condition_block.argument(0).expect("argument").into()];
    carried.extend((0..condition_block.argument_count()).map(|i| Value::from(condition_block.argument(i).expect("argument"))));
    condition_block.append_operation(
        OperationBuilder::new("scf.condition", location)
            .add_operands(&carried)
            .build()
            .map_err(|error| format!("cannot build scf.condition: {error}"))?,
    );

    // Body region: s = A(f); (c, f) = B(s); yield c, f.
    let body_block = block_of(&rotated, 1);
    let mut map = HashMap::new();
    for index in 0..after.argument_count() {
        let argument = after.argument(index).expect("argument").to_raw();
        map.insert(key(argument), body_block.argument(index + 1).expect("argument").to_raw());
    }
    let state = clone_body(&after, &body_block, None, &mut map);
    let mut map = HashMap::new();
    for (index, &value) in state.iter().enumerate().take(before.argument_count()) {
        map.insert(key(before.argument(index).expect("argument").to_raw()), value);
    }
    let next = clone_body(&before, &body_block, None, &mut map);
    // SAFETY: as for `operands`.
    let yielded: Vec<Value<'c, '_>> = next.iter().map(|&raw| unsafe { Value::from_raw(raw) }).collect();
    body_block.append_operation(
        OperationBuilder::new("scf.yield", location)
            .add_operands(&yielded)
            .build()
            .map_err(|error| format!("cannot build scf.yield: {error}"))?,
    );

    // The loop's results are the forwarded values at exit.
    for index in 0..op.result_count() {
        let old = op.result(index).expect("result").to_raw();
        let new = rotated.result(index + 1).expect("result").to_raw();
        // SAFETY: both values are live and of the same type.
        unsafe { mlir_sys::mlirValueReplaceAllUsesOfWith(old, new) };
    }
    // SAFETY: nothing uses the old loop any more; it is removed from its
    // block and destroyed once.
    unsafe {
        mlir_sys::mlirOperationRemoveFromParent(op.to_raw());
        mlir_sys::mlirOperationDestroy(op.to_raw());
    }
    Ok(())
}
