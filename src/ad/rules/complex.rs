//! The `complex` dialect. The gradient of a real function f of z = x + iy
//! is ∂f/∂x + i ∂f/∂y (as in JAX and Zygote): the adjoint of a holomorphic
//! op is `dr` times the conjugate of its derivative, its tangent the
//! derivative times `da`. The non-holomorphic ops (conj, re, im, abs,
//! angle, create) are written out in real and imaginary parts.

use super::{Recompute::*, Rule, d};

macro_rules! holomorphic {
    ($op:literal, $derivative:literal, $recompute:expr) => {
        Rule {
            op: $op,
            operands: &[d!(concat!("dr * conj(", $derivative, ")"), concat!("da * (", $derivative, ")"))],
            recompute: $recompute,
        }
    };
}

pub const RULES: &[Rule] = &[
    Rule { op: "complex.add", operands: &[d!("dr", "da"), d!("dr", "db")], recompute: Cheap },
    Rule { op: "complex.sub", operands: &[d!("dr", "da"), d!("-dr", "-db")], recompute: Cheap },
    Rule { op: "complex.mul", operands: &[d!("dr * conj(b)", "da * b"), d!("dr * conj(a)", "a * db")], recompute: Cheap },
    Rule { op: "complex.div", operands: &[d!("dr / conj(b)", "da / b"), d!("-dr * conj(r / b)", "-db * r / b")], recompute: Cheap },
    Rule { op: "complex.neg", operands: &[d!("-dr", "-da")], recompute: Cheap },
    Rule { op: "complex.conj", operands: &[d!("conj(dr)", "conj(da)")], recompute: Cheap },
    holomorphic!("complex.exp", "r", Costly),
    holomorphic!("complex.expm1", "r + 1", Costly),
    holomorphic!("complex.log", "1 / a", Costly),
    holomorphic!("complex.log1p", "1 / (a + 1)", Costly),
    holomorphic!("complex.sqrt", "0.5 / r", Costly),
    holomorphic!("complex.rsqrt", "-0.5 * r / a", Costly),
    holomorphic!("complex.sin", "cos(a)", Costly),
    holomorphic!("complex.cos", "-sin(a)", Costly),
    holomorphic!("complex.tan", "1 + r * r", Costly),
    holomorphic!("complex.tanh", "1 - r * r", Costly),
    Rule {
        op: "complex.pow",
        operands: &[d!("dr * conj(b * powf(a, b - 1))", "da * b * powf(a, b - 1)"), d!("dr * conj(r * log(a))", "db * r * log(a)")],
        recompute: Costly,
    },
    // re(z) = x: gradient dr; im(z) = y: gradient i dr.
    Rule { op: "complex.re", operands: &[d!("dr", "re(da)")], recompute: Cheap },
    Rule { op: "complex.im", operands: &[d!("complex(0, dr)", "im(da)")], recompute: Cheap },
    // |z|: gradient dr z / |z|; tangent Re(conj(z) dz) / |z|.
    Rule { op: "complex.abs", operands: &[d!("dr * a / r", "re(conj(a) * da) / r")], recompute: Cheap },
    // arg z = atan2(y, x): gradient dr (-y + i x) / |z|^2; tangent Im(conj(z) dz) / |z|^2.
    Rule {
        op: "complex.angle",
        operands: &[d!(
            "dr * complex(-im(a), re(a)) / (re(a) * re(a) + im(a) * im(a))",
            "im(conj(a) * da) / (re(a) * re(a) + im(a) * im(a))"
        )],
        recompute: Costly,
    },
    // create(x, y) = x + iy.
    Rule { op: "complex.create", operands: &[d!("re(dr)", "complex(da, 0)"), d!("im(dr)", "complex(0, db)")], recompute: Cheap },
    Rule { op: "complex.constant", operands: &[], recompute: Cheap },
];
