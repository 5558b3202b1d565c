//! Hessian-vector products by forward over reverse: the tangent of the
//! (unit-seeded) gradient, in direction V, is H·V. The function zad compiles
//! is a thin wrapper around that tangent, with arguments in the order users
//! see (`Module::hvp`):
//!
//! - per argument of the function: the primal value; for an 'active'
//!   scalar, then its direction `v`; for a 'dup' buffer, then its shadow
//!   (the gradient is accumulated into it, as for `Module::gradient`), its
//!   direction `V` (read) and its Hessian-vector buffer (H·V is
//!   accumulated into it);
//! - results: the function's results, one gradient per 'active' argument,
//!   then one H·V component per 'active' argument.
//!
//! The gradient is that of the sum of the float results (unit seeds).

use super::{Activity, GradientOptions, Mode, Request, build, lower, verify};
use crate::{
    context::Shared,
    error::{Error, Result},
    mlir::{self, Builder, Type},
};
use melior::ir::{Module, operation::OperationLike};

/// The gradient an HVP differentiates, and the tangent of it.
fn requests(function: &str, activity: &[Activity]) -> (Request, Request) {
    let gradient = Request { function: function.to_string(), activity: activity.to_vec(), mode: Mode::Reverse { seeded: false } };
    let mut tangent_activity = Vec::new();
    for &kind in activity {
        match kind {
            Activity::Const => tangent_activity.push(Activity::Const),
            // The scalar gets a direction.
            Activity::Active => tangent_activity.push(Activity::Dup),
            // The buffer gets a direction, its shadow (the gradient) a
            // tangent: H·V.
            Activity::Dup => tangent_activity.extend([Activity::Dup, Activity::Dup]),
        }
    }
    let tangent = Request::tangent(&gradient.name(), &tangent_activity, 1);
    (gradient, tangent)
}

/// The name of the compiled HVP function of `function` with `activity`.
pub(crate) fn name(function: &str, activity: &[Activity]) -> String {
    let code: String = activity.iter().map(|a| a.code()).collect();
    format!("__zad_hvp_{function}_{code}")
}

/// A copy of `ir` holding the HVP function of `function` (see the module
/// documentation), ready to compile; returns it and the function's name.
pub(crate) fn expand(shared: &Shared, ir: &Module<'static>, function: &str, activity: &[Activity]) -> Result<(Module<'static>, String)> {
    let (gradient, tangent) = requests(function, activity);
    let module = build(shared, ir, &[gradient, tangent.clone()], &GradientOptions::default())?;
    let wrapper = name(function, activity);
    let primal = mlir::find_function(&module, function)?;
    let primal_results = mlir::function_type(&primal).map_or(0, |ty| ty.result_count());
    wrap(shared.mlir(), &module, &tangent.name(), activity, primal_results, &wrapper)?;
    if std::env::var_os("ZAD_DUMP_HVP").is_some() {
        eprintln!("{}", module.as_operation());
    }
    lower::lower_zad_ops(shared.mlir(), &module)?;
    verify(shared, &module)?;
    Ok((module, wrapper))
}

/// Builds `@wrapper`, which calls the tangent of the gradient with its
/// arguments reordered and returns the primal results, the gradients and
/// H·V (leaving out the tangents of the primal results).
fn wrap(
    context: &'static melior::Context,
    module: &Module<'static>,
    tangent: &str,
    activity: &[Activity],
    primal_results: usize,
    wrapper: &str,
) -> Result<()> {
    let function = mlir::find_function(module, tangent)?;
    let ty = mlir::function_type(&function).ok_or_else(|| Error::Internal(format!("@{tangent} has no type")))?;
    let tangent_inputs: Vec<Type> = (0..ty.input_count()).map(|i| ty.input(i).expect("an input")).collect();
    let tangent_results: Vec<Type> = (0..ty.result_count()).map(|i| ty.result(i).expect("a result")).collect();
    let actives = activity.iter().filter(|&&a| a == Activity::Active).count();
    // The tangent's inputs per argument: x | x, v | x, V, dx, hV. The
    // wrapper's: x | x, v | x, dx, V, hV.
    let mut order = Vec::new();
    let mut position = 0;
    for &kind in activity {
        match kind {
            Activity::Const => order.push(position),
            Activity::Active => order.extend([position, position + 1]),
            Activity::Dup => order.extend([position, position + 2, position + 1, position + 3]),
        }
        position += match kind {
            Activity::Const => 1,
            Activity::Active => 2,
            Activity::Dup => 4,
        };
    }
    if position != tangent_inputs.len() {
        return Err(Error::Internal(format!("@{tangent} takes {} arguments, where its activity implies {position}", tangent_inputs.len())));
    }
    let inputs: Vec<Type> = order.iter().map(|&i| tangent_inputs[i]).collect();
    // Results: the primal's results and the gradients, then a tangent per
    // float one of them, the last `actives` being the gradients' (H·V).
    let total = tangent_results.len();
    let gradient_results = primal_results + actives;
    if gradient_results + actives > total {
        return Err(Error::Internal(format!("@{tangent} returns {total} results, too few for an HVP")));
    }
    let mut results: Vec<Type> = tangent_results[..gradient_results].to_vec();
    results.extend_from_slice(&tangent_results[total - actives..]);
    let location = function.location();
    let entry = crate::ad::reverse::create_function(context, module, wrapper, &inputs, &results, location);
    let builder = Builder::at_end(context, entry, location);
    let mut arguments = vec![None; inputs.len()];
    for (wrapper_position, &tangent_position) in order.iter().enumerate() {
        arguments[tangent_position] = Some(mlir::block_argument(entry, wrapper_position));
    }
    let arguments: Vec<_> = arguments.into_iter().map(|a| a.expect("every argument placed")).collect();
    let outputs = builder.call(tangent, &arguments, &tangent_results);
    let mut returned = outputs[..gradient_results].to_vec();
    returned.extend_from_slice(&outputs[total - actives..]);
    builder.ret(&returned);
    Ok(())
}
