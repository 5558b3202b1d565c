// Nested AD with the derivative op inside a loop (reverse over forward):
// @outer sums, over 4 points x + i y, the directional derivative of
// @inner(p, q) = p^2 sin(q) + q along (1, y), times q; each a zad.tangent
// in the body of an scf.for.
// GRAD: outer
// ARG: scalar -1.0 1.0
// ARG: scalar -1.0 1.0
func.func private @inner(%p: f64, %q: f64) -> f64 {
  %pp = arith.mulf %p, %p : f64
  %s = math.sin %q : f64
  %a = arith.mulf %pp, %s : f64
  %r = arith.addf %a, %q : f64
  return %r : f64
}
func.func @outer(%x: f64, %y: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %sum = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> f64 {
    %ii = arith.index_cast %i : index to i64
    %fi = arith.sitofp %ii : i64 to f64
    %iy = arith.mulf %fi, %y : f64
    %p = arith.addf %x, %iy : f64
    %q = arith.mulf %p, %y : f64
    %v, %dv = zad.tangent @inner(%p, %one, %q, %y) {activity = ["dup", "dup"]} : (f64, f64, f64, f64) -> (f64, f64)
    %t = arith.mulf %dv, %q : f64
    %next = arith.addf %acc, %t : f64
    scf.yield %next : f64
  }
  return %sum : f64
}
