//! Adjoints of the `math` dialect's float ops.

use super::{Adjoint::*, Rule};

macro_rules! unary {
    ($op:literal, $adjoint:expr) => {
        Rule { op: $op, adjoints: &[Expr($adjoint)] }
    };
}

pub const RULES: &[Rule] = &[
    unary!("math.sin", "dr * cos(a)"),
    unary!("math.cos", "-dr * sin(a)"),
    unary!("math.tan", "dr * (1 + r * r)"),
    unary!("math.asin", "dr / sqrt(1 - a * a)"),
    unary!("math.acos", "-dr / sqrt(1 - a * a)"),
    unary!("math.atan", "dr / (1 + a * a)"),
    // atan2(a, b) = angle of the point (b, a)
    Rule { op: "math.atan2", adjoints: &[Expr("dr * b / (a * a + b * b)"), Expr("-dr * a / (a * a + b * b)")] },
    unary!("math.sinh", "dr * cosh(a)"),
    unary!("math.cosh", "dr * sinh(a)"),
    unary!("math.tanh", "dr * (1 - r * r)"),
    unary!("math.asinh", "dr / sqrt(a * a + 1)"),
    unary!("math.acosh", "dr / sqrt(a * a - 1)"),
    unary!("math.atanh", "dr / (1 - a * a)"),
    unary!("math.exp", "dr * r"),
    // ln 2 = 0.6931471805599453, ln 10 = 2.302585092994046
    unary!("math.exp2", "dr * r * 0.6931471805599453"),
    unary!("math.expm1", "dr * (r + 1)"),
    unary!("math.log", "dr / a"),
    unary!("math.log2", "dr / (a * 0.6931471805599453)"),
    unary!("math.log10", "dr / (a * 2.302585092994046)"),
    unary!("math.log1p", "dr / (a + 1)"),
    unary!("math.sqrt", "dr * 0.5 / r"),
    unary!("math.rsqrt", "-0.5 * dr * r / a"),
    unary!("math.cbrt", "dr / (3 * r * r)"),
    Rule { op: "math.powf", adjoints: &[Expr("dr * b * powf(a, b - 1)"), Expr("dr * r * log(a)")] },
    Rule { op: "math.fpowi", adjoints: &[Expr("dr * sitofp(b) * powf(a, sitofp(b) - 1)"), Inactive] },
    unary!("math.absf", "dr * copysign(1, a)"),
    // copysign(a, b) = |a| sign(b): d/da = sign(a) sign(b); d/db = 0 a.e.
    Rule { op: "math.copysign", adjoints: &[Expr("dr * copysign(1, a) * copysign(1, b)"), Zero] },
    unary!("math.erf", "dr * 1.1283791670955126 * exp(-(a * a))"),
    unary!("math.erfc", "-dr * 1.1283791670955126 * exp(-(a * a))"),
    Rule { op: "math.fma", adjoints: &[Expr("dr * b"), Expr("dr * a"), Expr("dr")] },
    Rule { op: "math.floor", adjoints: &[Zero] },
    Rule { op: "math.ceil", adjoints: &[Zero] },
    Rule { op: "math.round", adjoints: &[Zero] },
    Rule { op: "math.roundeven", adjoints: &[Zero] },
    Rule { op: "math.trunc", adjoints: &[Zero] },
];

