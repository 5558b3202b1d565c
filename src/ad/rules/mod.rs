//! Derivative rules as data: one table per upstream dialect, one adjoint
//! expression per operand, in the spirit of Enzyme's
//! `MLIRDerivative<"math", "SinOp", (Op $x), [(mul (DiffeRet), (cos $x))]>`.
//!
//! An expression is written in a small language over the operands `a`, `b`,
//! `c` (operands 0, 1, 2), the result `r` and the result's adjoint `dr`:
//! `+ - * /`, unary `-`, float literals, and calls: the math functions
//! (`sin`, `cos`, `exp`, `log`, `sqrt`, `sinh`, `cosh`, `powf`, `copysign`,
//! `trunc`), `select(cond, x, y)`, comparisons `oge(x, y)` and `ole(x, y)`,
//! `sitofp(x)` (integer to the float type) and `cast(x)` (to the operand's
//! float type). Every adjoint is linear in `dr`, so forward mode reuses the
//! same expressions with `dr` bound to an operand's tangent.

mod arith;
mod expr;
mod math;

pub use expr::{Env, Expr, emit};

/// How the adjoint of one operand is obtained.
#[derive(Clone, Copy, Debug)]
pub enum Adjoint {
    /// `adjoint(operand) += expression`.
    Expr(&'static str),
    /// The derivative is zero almost everywhere (floor, sign, ...).
    Zero,
    /// The operand is never active (a condition, an integer).
    Inactive,
}

/// The rule of one op: an adjoint per operand.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub op: &'static str,
    pub adjoints: &'static [Adjoint],
}

/// Ops whose results are never active (integer, index or boolean valued
/// from float operands, or conversions to integers).
pub const INACTIVE_RESULT_OPS: &[&str] =
    &["arith.cmpf", "arith.fptosi", "arith.fptoui", "math.isnan", "math.isinf", "math.isfinite", "math.isnormal"];

/// Every rule of every table.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    arith::RULES.iter().chain(math::RULES.iter())
}

/// The rule for `op`, if there is one.
pub fn lookup(op: &str) -> Option<&'static Rule> {
    all().find(|rule| rule.op == op)
}

/// The parsed expression of a rule's adjoint (parsed once, cached).
pub fn parsed(text: &'static str) -> &'static Expr {
    use std::{collections::HashMap, sync::OnceLock};
    static CACHE: OnceLock<parking_lot::Mutex<HashMap<&'static str, &'static Expr>>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock();
    cache.entry(text).or_insert_with(|| {
        Box::leak(Box::new(Expr::parse(text).unwrap_or_else(|error| panic!("bad rule expression '{text}': {error}"))))
    })
}
