// arith.remf with both operands active, away from the jumps of
// trunc(a / b): a in (2.2, 2.6), b in (1.0, 1.05), so a / b in (2.09, 2.6)
// and remf(a, b) = a - 2 b; a / 0.7 in (3.14, 3.72), so remf(a, 0.7) =
// a - 2.1. f = remf(a, b)^2 + remf(a, 0.7) * a.
// GRAD: remainder
// ARG: scalar 2.2 2.6
// ARG: scalar 1.0 1.05
func.func @remainder(%a: f64, %b: f64) -> f64 {
  %k = arith.constant 0.7 : f64
  %r = arith.remf %a, %b : f64
  %rr = arith.mulf %r, %r : f64
  %s = arith.remf %a, %k : f64
  %sa = arith.mulf %s, %a : f64
  %f = arith.addf %rr, %sa : f64
  return %f : f64
}
