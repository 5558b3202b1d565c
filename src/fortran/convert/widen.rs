//! Index arithmetic for subscripts computed from DO variables.
//!
//! A Fortran DO variable is an `integer` (i32); the converter computes it
//! from its loop's index (`arith.index_cast %i : index to i32`), and
//! subscripts such as `u(i+1)` then come back to index through a sign
//! extension: `index_cast(addi(index_cast(%i), 1))`. LLVM cannot see that
//! this is `%i + 1` (the truncation might lose bits), which hides the
//! induction variables its loop optimisations look for. Fortran rules out
//! the lost bits (an integer variable's values fit its kind, and flang marks
//! the arithmetic `nsw`), so the extensions are rewritten into index
//! arithmetic on the loop index.

use super::op_name;
use crate::fortran::mlir;
use melior::{
    Context, IrRewriter,
    ir::{
        Attribute, BlockLike, Identifier, Module, OperationRef, Type, Value, ValueLike,
        attribute::IntegerAttribute,
        operation::{OperationBuilder, OperationLike},
    },
};
use std::collections::HashMap;

/// Rewrites sign extensions (to index or i64) of narrow integers computed
/// from truncated indices into index arithmetic.
pub fn widen_indices(context: &Context, module: &Module) {
    let mut casts = Vec::new();
    collect_casts(&module.as_operation(), &mut casts);
    let rewriter = IrRewriter::new(context);
    let base = rewriter.as_rewriter_base();
    let mut memo = HashMap::new();
    for cast in casts {
        let Ok(narrow) = cast.operand(0) else { continue };
        let Some(wide) = widen(context, narrow, &mut memo) else { continue };
        let result: Value = cast.result(0).expect("a result").into();
        let replacement = if result.r#type() == wide.r#type() {
            wide
        } else {
            let operation = OperationBuilder::new("arith.index_cast", cast.location())
                .add_operands(&[wide])
                .add_results(&[result.r#type()])
                .build()
                .expect("arith.index_cast");
            cast.block().expect("in a block").insert_operation_before(cast, operation).result(0).expect("result").into()
        };
        base.replace_all_uses_with(result, replacement);
    }
}

/// `arith.index_cast` from a narrow integer to index and `arith.extsi` from
/// a narrow integer to i64.
fn collect_casts<'c, 'a>(operation: &OperationRef<'c, 'a>, found: &mut Vec<OperationRef<'c, 'a>>) {
    for index in 0..operation.region_count() {
        let mut block = operation.region(index).ok().and_then(|region| melior::ir::RegionLike::first_block(&region));
        while let Some(current) = block {
            let mut next = current.first_operation();
            while let Some(inner) = next {
                let name = op_name(&inner);
                let narrow_source = inner.operand(0).is_ok_and(|v| narrow_bits(v.r#type()).is_some());
                let wide_target = inner.result(0).is_ok_and(|r| {
                    let text = Value::from(r).r#type().to_string();
                    text == "index" || text == "i64"
                });
                if (name == "arith.index_cast" || name == "arith.extsi") && narrow_source && wide_target {
                    found.push(inner);
                }
                collect_casts(&inner, found);
                next = inner.next_in_block();
            }
            block = current.next_in_region();
        }
    }
}

/// The width of an integer type narrower than 64 bits.
fn narrow_bits(ty: Type) -> Option<u32> {
    let text = ty.to_string();
    let bits: u32 = text.strip_prefix('i')?.parse().ok()?;
    (bits > 1 && bits < 64).then_some(bits)
}

/// `value` (a narrow integer) as an index, if it is a truncated index, a
/// constant, or `nsw` arithmetic on such values. New ops go right after the
/// op defining the narrow value, so that they dominate all its uses.
fn widen<'c: 'a, 'a>(context: &'c Context, value: Value<'c, 'a>, memo: &mut HashMap<usize, Value<'c, 'a>>) -> Option<Value<'c, 'a>> {
    if let Some(wide) = memo.get(&mlir::key(value)) {
        return Some(*wide);
    }
    let op = mlir::defining_op(value)?;
    let index = Type::index(context);
    let insert_after = |operation: melior::ir::Operation<'c>| -> Value<'c, 'a> {
        op.block().expect("in a block").insert_operation_after(op, operation).result(0).expect("result").into()
    };
    let wide = match op_name(&op).as_str() {
        "arith.index_cast" => {
            let source = op.operand(0).ok()?;
            (source.r#type() == index).then_some(source)?
        }
        "arith.constant" => {
            let constant = IntegerAttribute::try_from(op.attribute("value").ok()?).ok()?.value();
            let operation = OperationBuilder::new("arith.constant", op.location())
                .add_results(&[index])
                .add_attributes(&[(Identifier::new(context, "value"), IntegerAttribute::new(index, constant).into())])
                .build()
                .expect("arith.constant");
            insert_after(operation)
        }
        name @ ("arith.addi" | "arith.subi" | "arith.muli") => {
            let nsw = op.attribute("overflowFlags").is_ok_and(|flags| flags.to_string().contains("nsw"));
            if !nsw {
                return None;
            }
            let a = widen(context, op.operand(0).ok()?, memo)?;
            let b = widen(context, op.operand(1).ok()?, memo)?;
            let flags: Attribute = Attribute::parse(context, "#arith.overflow<nsw>")?;
            let operation = OperationBuilder::new(name, op.location())
                .add_operands(&[a, b])
                .add_results(&[index])
                .add_attributes(&[(Identifier::new(context, "overflowFlags"), flags)])
                .build()
                .expect("index arithmetic");
            insert_after(operation)
        }
        _ => return None,
    };
    memo.insert(mlir::key(value), wide);
    Some(wide)
}
