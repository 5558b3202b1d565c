//! zad's own ops under differentiation: `zad.stop_gradient` passes its
//! value on as a constant (its result never carries derivatives, so no
//! adjoint reaches its operand and no tangent leaves it); `zad.hook @h`
//! passes its value on and, in reverse mode, its adjoint through `@h`.

use super::{Derivative, Recompute};
use crate::{
    ad::{ir::Op, reverse::Generator as Reverse, tangent::Generator as Tangent},
    error::{Error, Result},
    mlir,
};
use melior::ir::ValueLike;

pub(super) fn lookup(name: &str) -> Option<&'static dyn Derivative> {
    match name {
        crate::dialect::op::STOP_GRADIENT => Some(&StopGradient),
        crate::dialect::op::HOOK => Some(&Hook),
        _ => None,
    }
}

struct StopGradient;

impl Derivative for StopGradient {
    fn results_can_be_active(&self) -> bool {
        false
    }

    fn recompute(&self) -> Recompute {
        Recompute::Cheap
    }

    fn reverse<'f>(&self, _: &'f Op, _: &mut Reverse<'f>) -> Result<()> {
        Ok(())
    }

    fn tangent<'f>(&self, _: &'f Op, _: &mut Tangent<'f>) -> Result<()> {
        Ok(())
    }
}

struct Hook;

impl Hook {
    /// The hook's name, checked to be a function from the value's type to
    /// itself.
    fn function(op: &Op, generator: &Reverse) -> Result<String> {
        let name = op.attribute_text("hook").unwrap_or_default().trim_start_matches('@').trim_matches('"').to_string();
        let ty = generator.ty(op.operands[0]);
        let function = mlir::function(generator.module, &name)
            .ok_or_else(|| Error::NotFound(format!("{}: zad.hook names @{name}, which the module does not define or declare", op.place)))?;
        let fits = mlir::function_type(&function).is_some_and(|signature| {
            signature.input_count() == 1
                && signature.result_count() == 1
                && signature.input(0).ok() == Some(ty)
                && signature.result(0).ok() == Some(ty)
        });
        if !fits {
            return Err(Error::Signature(format!(
                "{}: zad.hook @{name} must be a function ({ty}) -> {ty}, which the adjoint of the value passes through",
                op.place
            )));
        }
        Ok(name)
    }
}

impl Derivative for Hook {
    fn recompute(&self) -> Recompute {
        Recompute::Cheap
    }

    fn reverse<'f>(&self, op: &'f Op, generator: &mut Reverse<'f>) -> Result<()> {
        let name = Hook::function(op, generator)?;
        let Some(adjoint) = generator.adjoint(op.results[0]) else { return Ok(()) };
        let builder = generator.builder(op);
        let transformed = builder.call(&name, &[adjoint], &[adjoint.r#type()])[0];
        generator.add_adjoint(op.operands[0], transformed, op);
        Ok(())
    }

    fn tangent<'f>(&self, op: &'f Op, generator: &mut Tangent<'f>) -> Result<()> {
        if let Some(tangent) = generator.tangent(op.operands[0]) {
            generator.set_tangent(op.results[0], tangent);
        }
        Ok(())
    }
}
