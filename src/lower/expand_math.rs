//! `math` ops that neither MLIR's lowerings nor zad's derivative rules take
//! as they are, rewritten into ops both handle. Run on every module before
//! differentiation and before lowering, so that a kernel behaves the same
//! in `run` and in `grad`.
//!
//! - `math.sincos x` -> `math.sin x`, `math.cos x` (LLVM fuses them back);
//! - `math.clampf x to [lo, hi]` -> `minimumf(maximumf(x, lo), hi)` (MLIR's
//!   own `math-expand-ops` writes `maximumf(minimumf(x, lo), hi)`, which is
//!   not a clamp);
//! - `math.isnormal x` -> `|x| >= smallest normal and |x| < inf` (ordered
//!   comparisons: false for NaN).
//!
//! (`math.ipowi` is integer-valued, never differentiated, and lowered by
//! MLIR's `convert-math-to-funcs`.)

use crate::error::{Error, Result};
use melior::{
    Context,
    ir::{
        Attribute, BlockLike, Identifier, Module, OperationRef, Type, Value, ValueLike,
        attribute::FloatAttribute,
        operation::{OperationBuilder, OperationLike, WalkOrder, WalkResult},
    },
};

const EXPANDED: [&str; 3] = ["math.sincos", "math.clampf", "math.isnormal"];

/// Rewrites every op of `EXPANDED` in `module`.
pub(crate) fn expand_math_ops(context: &Context, module: &mut Module) -> Result<()> {
    let mut found = Vec::new();
    module.as_operation().walk(WalkOrder::PostOrder, |op| {
        if EXPANDED.iter().any(|name| op.name().as_string_ref().as_str() == Ok(name)) {
            found.push(op.to_raw());
        }
        WalkResult::Advance
    });
    for raw in found {
        // SAFETY: `raw` is a live op of `module`, collected above; each is
        // erased once, below, after its uses are replaced.
        let op = unsafe { OperationRef::from_raw(raw) };
        let replacements = expand(context, op)?;
        let rewriter = melior::IrRewriter::new(context);
        rewriter.as_rewriter_base().replace_op_with_values(op, &replacements);
    }
    Ok(())
}

/// The values that replace `op`'s results, built before `op`.
fn expand<'c, 'a>(context: &'c Context, op: OperationRef<'c, 'a>) -> Result<Vec<Value<'c, 'a>>> {
    let internal = |e: melior::Error| Error::Internal(format!("expanding {}: {e}", op.name().as_string_ref().as_str().unwrap_or("?")));
    let block = op.block().ok_or_else(|| Error::Internal("a math op outside a block".into()))?;
    let location = op.location();
    let operand = |index: usize| op.operand(index).map_err(internal);
    let fastmath: Vec<(Identifier<'c>, Attribute<'c>)> =
        op.attribute("fastmath").ok().map(|a| (Identifier::new(context, "fastmath"), a)).into_iter().collect();
    let build = |name: &str, operands: &[Value<'c, 'a>], result: Type<'c>, attributes: &[(Identifier<'c>, Attribute<'c>)]| {
        let new = OperationBuilder::new(name, location)
            .add_operands(operands)
            .add_results(&[result])
            .add_attributes(attributes)
            .build()
            .map_err(internal)?;
        let inserted = block.insert_operation_before(op, new);
        inserted.result(0).map(Value::from).map_err(internal)
    };
    let name = op.name().as_string_ref().as_str().unwrap_or_default().to_string();
    match name.as_str() {
        "math.sincos" => {
            let x = operand(0)?;
            Ok(vec![build("math.sin", &[x], x.r#type(), &fastmath)?, build("math.cos", &[x], x.r#type(), &fastmath)?])
        }
        "math.clampf" => {
            let (x, lo, hi) = (operand(0)?, operand(1)?, operand(2)?);
            let raised = build("arith.maximumf", &[x, lo], x.r#type(), &fastmath)?;
            Ok(vec![build("arith.minimumf", &[raised, hi], x.r#type(), &fastmath)?])
        }
        "math.isnormal" => {
            use melior::dialect::arith::{self, CmpfPredicate};
            let x = operand(0)?;
            let ty = x.r#type();
            let smallest = smallest_normal(&ty.to_string())
                .ok_or_else(|| Error::Unsupported(format!("math.isnormal on {ty} is not supported")))?;
            let insert = |new| -> Result<Value<'c, 'a>> {
                block.insert_operation_before(op, new).result(0).map(Value::from).map_err(internal)
            };
            let constant = |value: f64| insert(arith::constant(context, FloatAttribute::new(context, ty, value).into(), location));
            let magnitude = build("math.absf", &[x], ty, &fastmath)?;
            let (small, infinite) = (constant(smallest)?, constant(f64::INFINITY)?);
            let normal_or_more = insert(arith::cmpf(context, CmpfPredicate::Oge, magnitude, small, location))?;
            let finite = insert(arith::cmpf(context, CmpfPredicate::Olt, magnitude, infinite, location))?;
            Ok(vec![insert(arith::andi(normal_or_more, finite, location))?])
        }
        _ => Err(Error::Internal(format!("no expansion for {name}"))),
    }
}

/// The smallest positive normal number of a float type.
fn smallest_normal(ty: &str) -> Option<f64> {
    Some(match ty {
        "f16" => 6.103515625e-5,
        "bf16" | "f32" => f32::MIN_POSITIVE as f64,
        "f64" => f64::MIN_POSITIVE,
        _ => return None,
    })
}
