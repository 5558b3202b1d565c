//! The `math` dialect's float ops. Library calls (transcendental
//! functions) are `Costly`: the reverse sweep records their results rather
//! than calling them again.

use super::{Partial::*, Recompute::*, Rule, d};

macro_rules! unary {
    ($op:literal, $adjoint:literal, $tangent:literal, $recompute:expr) => {
        Rule { op: $op, operands: &[d!($adjoint, $tangent)], recompute: $recompute }
    };
}

pub const RULES: &[Rule] = &[
    unary!("math.sin", "dr * cos(a)", "da * cos(a)", Costly),
    unary!("math.cos", "-dr * sin(a)", "-da * sin(a)", Costly),
    unary!("math.tan", "dr * (1 + r * r)", "da * (1 + r * r)", Costly),
    unary!("math.asin", "dr / sqrt(1 - a * a)", "da / sqrt(1 - a * a)", Costly),
    unary!("math.acos", "-dr / sqrt(1 - a * a)", "-da / sqrt(1 - a * a)", Costly),
    unary!("math.atan", "dr / (1 + a * a)", "da / (1 + a * a)", Costly),
    // atan2(a, b) = angle of the point (b, a)
    Rule {
        op: "math.atan2",
        operands: &[d!("dr * b / (a * a + b * b)", "da * b / (a * a + b * b)"), d!("-dr * a / (a * a + b * b)", "-db * a / (a * a + b * b)")],
        recompute: Costly,
    },
    unary!("math.sinh", "dr * cosh(a)", "da * cosh(a)", Costly),
    unary!("math.cosh", "dr * sinh(a)", "da * sinh(a)", Costly),
    unary!("math.tanh", "dr * (1 - r * r)", "da * (1 - r * r)", Costly),
    unary!("math.asinh", "dr / sqrt(a * a + 1)", "da / sqrt(a * a + 1)", Costly),
    unary!("math.acosh", "dr / sqrt(a * a - 1)", "da / sqrt(a * a - 1)", Costly),
    unary!("math.atanh", "dr / (1 - a * a)", "da / (1 - a * a)", Costly),
    unary!("math.exp", "dr * r", "da * r", Costly),
    // ln 2 = 0.6931471805599453, ln 10 = 2.302585092994046
    unary!("math.exp2", "dr * r * 0.6931471805599453", "da * r * 0.6931471805599453", Costly),
    unary!("math.expm1", "dr * (r + 1)", "da * (r + 1)", Costly),
    unary!("math.log", "dr / a", "da / a", Costly),
    unary!("math.log2", "dr / (a * 0.6931471805599453)", "da / (a * 0.6931471805599453)", Costly),
    unary!("math.log10", "dr / (a * 2.302585092994046)", "da / (a * 2.302585092994046)", Costly),
    unary!("math.log1p", "dr / (a + 1)", "da / (a + 1)", Costly),
    unary!("math.sqrt", "dr * 0.5 / r", "da * 0.5 / r", Cheap),
    unary!("math.rsqrt", "-0.5 * dr * r / a", "-0.5 * da * r / a", Cheap),
    unary!("math.cbrt", "dr / (3 * r * r)", "da / (3 * r * r)", Costly),
    Rule {
        op: "math.powf",
        operands: &[d!("dr * b * powf(a, b - 1)", "da * b * powf(a, b - 1)"), d!("dr * r * log(a)", "db * r * log(a)")],
        recompute: Costly,
    },
    Rule {
        op: "math.fpowi",
        operands: &[d!("dr * sitofp(b) * powf(a, sitofp(b) - 1)", "da * sitofp(b) * powf(a, sitofp(b) - 1)"), Inactive],
        recompute: Costly,
    },
    unary!("math.absf", "dr * copysign(1, a)", "da * copysign(1, a)", Cheap),
    // copysign(a, b) = |a| sign(b): d/da = sign(a) sign(b); d/db = 0 a.e.
    Rule {
        op: "math.copysign",
        operands: &[d!("dr * copysign(1, a) * copysign(1, b)", "da * copysign(1, a) * copysign(1, b)"), Zero],
        recompute: Cheap,
    },
    // 2 / sqrt(pi) = 1.1283791670955126
    unary!("math.erf", "dr * 1.1283791670955126 * exp(-(a * a))", "da * 1.1283791670955126 * exp(-(a * a))", Costly),
    unary!("math.erfc", "-dr * 1.1283791670955126 * exp(-(a * a))", "-da * 1.1283791670955126 * exp(-(a * a))", Costly),
    Rule { op: "math.fma", operands: &[d!("dr * b", "da * b"), d!("dr * a", "a * db"), d!("dr", "dc")], recompute: Cheap },
    Rule { op: "math.floor", operands: &[Zero], recompute: Cheap },
    Rule { op: "math.ceil", operands: &[Zero], recompute: Cheap },
    Rule { op: "math.round", operands: &[Zero], recompute: Cheap },
    Rule { op: "math.roundeven", operands: &[Zero], recompute: Cheap },
    Rule { op: "math.trunc", operands: &[Zero], recompute: Cheap },
];
