//! zad's own ops under differentiation: `zad.stop_gradient` passes its
//! value on as a constant (its result never carries derivatives, so no
//! adjoint reaches its operand and no tangent leaves it).

use super::{Derivative, Recompute};
use crate::{
    ad::{ir::Op, reverse::Generator as Reverse, tangent::Generator as Tangent},
    error::Result,
};

pub(super) fn lookup(name: &str) -> Option<&'static dyn Derivative> {
    match name {
        crate::dialect::op::STOP_GRADIENT => Some(&StopGradient),
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
