//! What each op does under differentiation: one [`Derivative`] per op kind,
//! implemented per dialect in its own file (the shape of Enzyme-MLIR's
//! `AutoDiffOpInterface`).
//!
//! - `arith`, `math`, `complex`: tables of data, one [`Rule`] per op with,
//!   for each operand, its adjoint (reverse mode) and tangent (forward
//!   mode) as expressions, and whether recomputing the op is cheap;
//! - `scf`, `memref`, `func`: control flow, memory and calls, written by hand
//!   against the generators' primitives;
//! - `zad`: zad's own ops (`zad.stop_gradient`, `zad.hook`).
//! - `tape`: zad's tape ops, met when a generated adjoint is differentiated
//!   (nested derivatives).
//!
//! The expression language (see `expr`): operands `a`, `b`, `c`, the
//! result `r`, the result's adjoint `dr` (reverse), the operands' tangents
//! `da`, `db`, `dc` (forward); `+ - * /`, unary `-`, numbers, and the calls
//! of `expr::FUNCTIONS`. An adjoint is linear in `dr`, a tangent in its
//! operand's tangent. Complex ops follow the convention that the gradient of
//! a real function of z = x + iy is ∂f/∂x + i ∂f/∂y: the adjoint of a
//! holomorphic op multiplies `dr` by the *conjugate* of its derivative.

mod arith;
mod complex;
pub mod expr;
pub(crate) mod func;
mod math;
mod memref;
pub(crate) mod scf;
pub(crate) use scf::parallel_form_problem;
mod zad;
mod tape;

pub(crate) use tape::tape_in_reverse;

use crate::{
    ad::{ir::Op, reverse::Generator as Reverse, tangent::Generator as Tangent},
    error::Result,
};
pub use expr::{Env, Expr};

/// What the reverse sweep does when it needs an op's result again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recompute {
    /// Pure and cheap: compute it again from its operands.
    Cheap,
    /// Pure but costly (a library call): record it.
    Costly,
    /// Pure if the memory it reads does not change: recompute then.
    IfMemoryUnchanged,
    /// Not a function of its operands alone (effects, regions): record it.
    Never,
}

/// The derivative of one op kind.
pub trait Derivative: Sync {
    /// Whether the op's results can carry derivatives (not so for
    /// comparisons, conversions to integers, classifications).
    fn results_can_be_active(&self) -> bool {
        true
    }

    /// What the reverse sweep does when it needs the op's results again.
    fn recompute(&self) -> Recompute;

    /// The reverse sweep of `op`: adds to its operands' adjoints (and
    /// shadows) what its results' adjoints imply.
    fn reverse<'f>(&self, op: &'f Op, generator: &mut Reverse<'f>) -> Result<()>;

    /// The tangents of `op`'s results from its operands' tangents.
    fn tangent<'f>(&self, op: &'f Op, generator: &mut Tangent<'f>) -> Result<()>;
}

/// How the derivative of one operand of a table op is obtained.
#[derive(Clone, Copy, Debug)]
pub enum Partial {
    /// `adjoint(operand) += adjoint`; `tangent(result) += tangent`.
    D { adjoint: &'static str, tangent: &'static str },
    /// The derivative is zero almost everywhere (floor, sign, ...).
    Zero,
    /// The operand never carries derivatives (a condition, an integer).
    Inactive,
}

/// The rule of one op of a table.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub op: &'static str,
    pub operands: &'static [Partial],
    pub recompute: Recompute,
}

/// `Partial::D` with its two expressions.
macro_rules! d {
    ($adjoint:expr, $tangent:expr) => {
        $crate::ad::rules::Partial::D { adjoint: $adjoint, tangent: $tangent }
    };
}
pub(crate) use d;

/// Ops whose results never carry derivatives.
const INACTIVE_RESULTS: &[&str] = &[
    "arith.cmpf",
    "arith.fptosi",
    "arith.fptoui",
    "math.isnan",
    "math.isinf",
    "math.isfinite",
    "math.isnormal",
    "complex.eq",
    "complex.neq",
];

struct InactiveResults;

impl Derivative for InactiveResults {
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

/// Every table rule.
pub fn table_rules() -> impl Iterator<Item = &'static Rule> {
    arith::RULES.iter().chain(math::RULES.iter()).chain(complex::RULES.iter())
}

/// The derivative of op `name`, if zad has one.
pub fn lookup(name: &str) -> Option<&'static dyn Derivative> {
    if let Some(rule) = table_rules().find(|rule| rule.op == name) {
        return Some(rule);
    }
    if INACTIVE_RESULTS.contains(&name) {
        return Some(&InactiveResults);
    }
    scf::lookup(name)
        .or_else(|| memref::lookup(name))
        .or_else(|| func::lookup(name))
        .or_else(|| zad::lookup(name))
        .or_else(|| tape::lookup(name))
}

/// Whether op `name` makes a view of its first operand's memory.
pub fn is_view(name: &str) -> bool {
    memref::VIEWS.contains(&name)
}

/// Whether op `name`'s results never carry derivatives.
pub fn results_never_active(name: &str) -> bool {
    lookup(name).is_some_and(|rule| !rule.results_can_be_active())
}

/// The parsed expression of a rule (parsed once, cached).
pub fn parsed(text: &'static str) -> &'static Expr {
    use std::{collections::HashMap, sync::OnceLock};
    static CACHE: OnceLock<parking_lot::Mutex<HashMap<&'static str, &'static Expr>>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock();
    cache.entry(text).or_insert_with(|| {
        Box::leak(Box::new(Expr::parse(text).unwrap_or_else(|error| panic!("bad rule expression '{text}': {error}"))))
    })
}

impl Derivative for Rule {
    fn recompute(&self) -> Recompute {
        self.recompute
    }

    fn reverse<'f>(&self, op: &'f Op, generator: &mut Reverse<'f>) -> Result<()> {
        let Some(&result) = op.results.first() else { return Ok(()) };
        if !generator.active(result) {
            return Ok(());
        }
        let Some(dr) = generator.adjoint(result) else { return Ok(()) };
        for (index, &operand) in op.operands.iter().enumerate() {
            let Some(Partial::D { adjoint, .. }) = self.operands.get(index).copied() else { continue };
            if !generator.active(operand) {
                continue;
            }
            let expr = parsed(adjoint);
            let mut bound = vec![("dr", dr)];
            for variable in expr_variables(expr) {
                if let Some(value) = operand_variable(op, &variable) {
                    let name = static_name(&variable);
                    bound.push((name, generator.primal(value)?));
                }
            }
            let builder = generator.builder(op);
            let env = Env { vars: &bound, target: generator.ty(operand) };
            let contribution = expr::emit(expr, &env, &builder);
            generator.add_adjoint(operand, contribution, op);
        }
        Ok(())
    }

    fn tangent<'f>(&self, op: &'f Op, generator: &mut Tangent<'f>) -> Result<()> {
        let Some(&result) = op.results.first() else { return Ok(()) };
        if !generator.active(result) {
            return Ok(());
        }
        let mut sum = None;
        for (index, &operand) in op.operands.iter().enumerate() {
            let Some(Partial::D { tangent, .. }) = self.operands.get(index).copied() else { continue };
            let Some(d) = generator.tangent(operand) else { continue };
            let expr = parsed(tangent);
            let own = ["da", "db", "dc"][index.min(2)];
            let mut bound = vec![(own, d)];
            for variable in expr_variables(expr) {
                if variable == "r" {
                    bound.push(("r", generator.forward(result)));
                } else if let Some(value) = operand_variable(op, &variable) {
                    bound.push((static_name(&variable), generator.forward(value)));
                }
            }
            let builder = generator.builder(op);
            let env = Env { vars: &bound, target: generator.tangent_type(result) };
            let term = expr::emit(expr, &env, &builder);
            sum = Some(match sum {
                None => term,
                Some(previous) => generator.add_for(op, previous, term, &builder),
            });
        }
        if let Some(sum) = sum {
            generator.set_tangent(result, sum);
        }
        Ok(())
    }
}

/// The distinct variables of `expr`.
pub fn expr_variables(expr: &Expr) -> Vec<String> {
    let mut variables = Vec::new();
    expr.variables(&mut variables);
    variables.sort();
    variables.dedup();
    variables
}

/// The value a primal variable (`a`, `b`, `c`: operands; `r`: the result)
/// names in `op`.
fn operand_variable(op: &Op, variable: &str) -> Option<usize> {
    match variable {
        "a" => op.operands.first().copied(),
        "b" => op.operands.get(1).copied(),
        "c" => op.operands.get(2).copied(),
        "r" => op.results.first().copied(),
        _ => None,
    }
}

fn static_name(variable: &str) -> &'static str {
    match variable {
        "a" => "a",
        "b" => "b",
        "c" => "c",
        _ => "r",
    }
}
