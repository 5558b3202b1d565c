//! Math functions in GPU code. zad compiles CUDA kernels without NVIDIA's
//! libdevice (which Debian does not ship), so `convert-gpu-to-nvvm` must
//! meet no math op that it would turn into a libdevice call: those with
//! one PTX instruction become that instruction (`parallel::PTX_MATH`),
//! and exp, log, sin, cos and tanh become calls of zad's own definitions
//! in plain arithmetic (`exp_f64.mlir`, `gpu_math_f64.mlir`), which kernel
//! outlining copies into the GPU module with the kernel. They replace the
//! ops in host code too, so that a function called both from a parallel
//! loop and from the host is one function. f32 operands are widened to f64
//! and the result narrowed (correctly rounded to within the f64 result's
//! error).

use crate::error::{Error, Result};
use melior::ir::{
    BlockLike, Identifier, Module, OperationRef, Type, ValueLike,
    attribute::FlatSymbolRefAttribute,
    operation::{OperationBuilder, OperationLike, WalkOrder, WalkResult},
};

/// Each math op GPU code gets from zad's definitions, and its f64 function.
const GPU_MATH_FUNCTIONS: [(&str, &str); 5] = [
    ("math.exp", super::ZAD_EXP_F64),
    ("math.log", "__zad_log_f64"),
    ("math.sin", "__zad_sin_f64"),
    ("math.cos", "__zad_cos_f64"),
    ("math.tanh", "__zad_tanh_f64"),
];

/// The f32 and f64 ops of `GPU_MATH_FUNCTIONS` in `module` replaced by
/// calls of zad's definitions, which are added to the module.
pub(crate) fn replace(context: &'static melior::Context, module: &mut Module<'static>) -> Result<()> {
    let mut found = Vec::new();
    module.as_operation().walk(WalkOrder::PreOrder, |operation| {
        let name = operation.name().as_string_ref().as_str().unwrap_or_default().to_string();
        if let Some((_, callee)) = GPU_MATH_FUNCTIONS.iter().find(|(op, _)| *op == name) {
            found.push((operation.to_raw(), *callee));
        }
        WalkResult::Advance
    });
    if found.is_empty() {
        return Ok(());
    }
    let f64_type = Type::float64(context);
    for (raw, callee) in found {
        // SAFETY: `raw` is a live op of `module`, collected above and
        // erased once, below, after its uses are replaced.
        let operation = unsafe { OperationRef::from_raw(raw) };
        let internal = |e: melior::Error| Error::Internal(format!("calling {callee} in GPU code: {e}"));
        let location = operation.location();
        let block = operation.block().ok_or_else(|| Error::Internal("a math op outside a block".into()))?;
        let operand = operation.operand(0).map_err(internal)?;
        let result_type = operation.result(0).map_err(internal)?.r#type();
        let wide = result_type == f64_type;
        if !wide && result_type != Type::float32(context) {
            // Vectors and other widths: check_gpu_code names them.
            continue;
        }
        let insert = |new: melior::ir::Operation<'static>| block.insert_operation_before(operation, new);
        let argument = if wide {
            operand
        } else {
            insert(OperationBuilder::new("arith.extf", location).add_operands(&[operand]).add_results(&[f64_type]).build().map_err(internal)?)
                .result(0)
                .map_err(internal)?
                .into()
        };
        let call = insert(
            OperationBuilder::new("func.call", location)
                .add_attributes(&[(Identifier::new(context, "callee"), FlatSymbolRefAttribute::new(context, callee).into())])
                .add_operands(&[argument])
                .add_results(&[f64_type])
                .build()
                .map_err(internal)?,
        );
        let mut value = call.result(0).map_err(internal)?.into();
        if !wide {
            value = insert(OperationBuilder::new("arith.truncf", location).add_operands(&[value]).add_results(&[result_type]).build().map_err(internal)?)
                .result(0)
                .map_err(internal)?
                .into();
        }
        crate::mlir::handle::replace_uses(operation.result(0).map_err(internal)?.into(), value);
        // SAFETY: the op's only result has no uses left.
        unsafe { mlir_sys::mlirOperationDestroy(raw) };
    }
    add_definitions(context, module)
}

/// Adds zad's definitions (those the module lacks) to the end of `module`.
fn add_definitions(context: &'static melior::Context, module: &mut Module<'static>) -> Result<()> {
    // One text: tanh calls exp.
    let source = [include_str!("exp_f64.mlir"), include_str!("gpu_math_f64.mlir")].concat();
    let parsed = Module::parse(context, &source).ok_or_else(|| Error::Internal("cannot parse zad's GPU math functions".into()))?;
    for (name, function) in crate::mlir::defined_functions(&parsed) {
        if crate::mlir::has_symbol(module, &name) {
            continue;
        }
        // SAFETY: the clone is a new op, handed to the module's body.
        unsafe {
            let copy = mlir_sys::mlirOperationClone(function.to_raw());
            mlir_sys::mlirBlockAppendOwnedOperation(module.body().to_raw(), copy);
        }
    }
    Ok(())
}
