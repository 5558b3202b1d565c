//! Adjoints of the `arith` dialect's float ops. Integer and index ops are
//! never active and need no rule.

use super::{Adjoint::*, Rule};

pub const RULES: &[Rule] = &[
    Rule { op: "arith.addf", adjoints: &[Expr("dr"), Expr("dr")] },
    Rule { op: "arith.subf", adjoints: &[Expr("dr"), Expr("-dr")] },
    Rule { op: "arith.mulf", adjoints: &[Expr("dr * b"), Expr("dr * a")] },
    Rule { op: "arith.divf", adjoints: &[Expr("dr / b"), Expr("-dr * r / b")] },
    Rule { op: "arith.negf", adjoints: &[Expr("-dr")] },
    // remf(a, b) = a - b * trunc(a / b)
    Rule { op: "arith.remf", adjoints: &[Expr("dr"), Expr("-dr * trunc(a / b)")] },
    // Ties go to the first operand, as the ops return it.
    Rule { op: "arith.maximumf", adjoints: &[Expr("select(oge(a, b), dr, 0)"), Expr("select(oge(a, b), 0, dr)")] },
    Rule { op: "arith.maxnumf", adjoints: &[Expr("select(oge(a, b), dr, 0)"), Expr("select(oge(a, b), 0, dr)")] },
    Rule { op: "arith.minimumf", adjoints: &[Expr("select(ole(a, b), dr, 0)"), Expr("select(ole(a, b), 0, dr)")] },
    Rule { op: "arith.minnumf", adjoints: &[Expr("select(ole(a, b), dr, 0)"), Expr("select(ole(a, b), 0, dr)")] },
    Rule { op: "arith.select", adjoints: &[Inactive, Expr("select(a, dr, 0)"), Expr("select(a, 0, dr)")] },
    Rule { op: "arith.extf", adjoints: &[Expr("cast(dr)")] },
    Rule { op: "arith.truncf", adjoints: &[Expr("cast(dr)")] },
    // Integer to float: the integer operand is never active.
    Rule { op: "arith.sitofp", adjoints: &[Inactive] },
    Rule { op: "arith.uitofp", adjoints: &[Inactive] },
    // A float constant has no operands.
    Rule { op: "arith.constant", adjoints: &[] },
];
