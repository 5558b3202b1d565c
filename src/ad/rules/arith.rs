//! The `arith` dialect's float ops. Integer and index ops never carry
//! derivatives and need no rule.

use super::{Partial::*, Recompute::Cheap, Rule, d};

pub const RULES: &[Rule] = &[
    Rule { op: "arith.addf", operands: &[d!("dr", "da"), d!("dr", "db")], recompute: Cheap },
    Rule { op: "arith.subf", operands: &[d!("dr", "da"), d!("-dr", "-db")], recompute: Cheap },
    Rule { op: "arith.mulf", operands: &[d!("dr * b", "da * b"), d!("dr * a", "a * db")], recompute: Cheap },
    Rule { op: "arith.divf", operands: &[d!("dr / b", "da / b"), d!("-dr * r / b", "-db * r / b")], recompute: Cheap },
    Rule { op: "arith.negf", operands: &[d!("-dr", "-da")], recompute: Cheap },
    // remf(a, b) = a - b * trunc(a / b)
    Rule { op: "arith.remf", operands: &[d!("dr", "da"), d!("-dr * trunc(a / b)", "-db * trunc(a / b)")], recompute: Cheap },
    // Ties go to the first operand, as the ops return it.
    Rule {
        op: "arith.maximumf",
        operands: &[d!("select(oge(a, b), dr, 0)", "select(oge(a, b), da, 0)"), d!("select(oge(a, b), 0, dr)", "select(oge(a, b), 0, db)")],
        recompute: Cheap,
    },
    Rule {
        op: "arith.maxnumf",
        operands: &[d!("select(oge(a, b), dr, 0)", "select(oge(a, b), da, 0)"), d!("select(oge(a, b), 0, dr)", "select(oge(a, b), 0, db)")],
        recompute: Cheap,
    },
    Rule {
        op: "arith.minimumf",
        operands: &[d!("select(ole(a, b), dr, 0)", "select(ole(a, b), da, 0)"), d!("select(ole(a, b), 0, dr)", "select(ole(a, b), 0, db)")],
        recompute: Cheap,
    },
    Rule {
        op: "arith.minnumf",
        operands: &[d!("select(ole(a, b), dr, 0)", "select(ole(a, b), da, 0)"), d!("select(ole(a, b), 0, dr)", "select(ole(a, b), 0, db)")],
        recompute: Cheap,
    },
    Rule {
        op: "arith.select",
        operands: &[Inactive, d!("select(a, dr, 0)", "select(a, db, 0)"), d!("select(a, 0, dr)", "select(a, 0, dc)")],
        recompute: Cheap,
    },
    Rule { op: "arith.extf", operands: &[d!("cast(dr)", "cast(da)")], recompute: Cheap },
    Rule { op: "arith.truncf", operands: &[d!("cast(dr)", "cast(da)")], recompute: Cheap },
    // Integer to float: the integer operand never carries derivatives.
    Rule { op: "arith.sitofp", operands: &[Inactive], recompute: Cheap },
    Rule { op: "arith.uitofp", operands: &[Inactive], recompute: Cheap },
    // A constant has no operands.
    Rule { op: "arith.constant", operands: &[], recompute: Cheap },
];
