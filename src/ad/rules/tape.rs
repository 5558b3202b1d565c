//! zad's own tape ops (`zad.tape_new`, `zad.push`, `zad.pop`,
//! `zad.tape_free`), as they appear in a generated adjoint that is itself
//! differentiated (nested derivatives: a function holding `zad.gradient`).
//!
//! Forward mode carries them through: a tape of float values gets a tangent
//! tape per tangent lane, every push pushes the value's tangent (zero when
//! it has none) and every pop pops one, so that the tangent tapes stay in
//! step with the primal one. Reverse mode over a tape would need the pops'
//! adjoints pushed back in reverse order; it is refused with a message
//! pointing to forward over reverse.

use super::{Derivative, Recompute};
use crate::{
    ad::{ir::Op, reverse::Generator as Reverse, tangent::Generator as Tangent},
    error::{Error, Result},
};

pub(super) fn lookup(name: &str) -> Option<&'static dyn Derivative> {
    match name {
        "zad.tape_new" | "zad.push" | "zad.pop" | "zad.tape_free" => Some(&TapeOp),
        _ => None,
    }
}

struct TapeOp;

impl Derivative for TapeOp {
    fn recompute(&self) -> Recompute {
        Recompute::Never
    }

    fn reverse<'f>(&self, op: &'f Op, _: &mut Reverse<'f>) -> Result<()> {
        Err(tape_in_reverse(op))
    }

    fn tangent<'f>(&self, op: &'f Op, generator: &mut Tangent<'f>) -> Result<()> {
        match op.name.as_str() {
            "zad.tape_new" => generator.tangent_tape_new(op),
            "zad.push" => generator.tangent_push(op),
            "zad.pop" => generator.tangent_pop(op),
            _ => generator.tangent_tape_free(op),
        }
    }
}

/// Why a generated adjoint that records values on a tape cannot be
/// differentiated in reverse mode, and what to do instead.
pub(crate) fn tape_in_reverse(op: &Op) -> Error {
    Error::Unsupported(format!(
        "{}: zad cannot differentiate '{}' in reverse mode: reverse over reverse is supported only for gradients \
         that record nothing on a tape, and this gradient (of a function with loops or branches whose values its \
         reverse sweep needs) records values on one; differentiate the function holding the zad.gradient op in \
         forward mode instead (zad.tangent, or Module::hvp / zad_module_hvp / `zad hvp` for Hessian-vector products)",
        op.place, op.name
    ))
}
