// A custom adjoint (zad.adjoint) of a scalar helper, used inside a loop and
// at the top level, once with a constant argument (its gradient dropped)
// and once with an unused result; the helper is never inlined.
// GRAD: custom_scalar
// ARG: scalar
// ARG: scalar
func.func private @f(%x: f64, %y: f64) -> f64 attributes {zad.adjoint = @f_adjoint} {
  %s = math.sin %y : f64
  %r = arith.mulf %x, %s : f64
  return %r : f64
}
// (x, y, seed) -> (f, seed * df/dx, seed * df/dy)
func.func private @f_adjoint(%x: f64, %y: f64, %seed: f64) -> (f64, f64, f64) {
  %s = math.sin %y : f64
  %c = math.cos %y : f64
  %r = arith.mulf %x, %s : f64
  %dx = arith.mulf %seed, %s : f64
  %xc = arith.mulf %x, %c : f64
  %dy = arith.mulf %seed, %xc : f64
  return %r, %dx, %dy : f64, f64, f64
}
func.func @custom_scalar(%x: f64, %y: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %half = arith.constant 0.5 : f64
  %acc = scf.for %i = %c0 to %c4 step %c1 iter_args(%a = %x) -> (f64) {
    %v = func.call @f(%a, %y) : (f64, f64) -> f64
    %w = arith.addf %v, %half : f64
    scf.yield %w : f64
  }
  %k = func.call @f(%acc, %half) : (f64, f64) -> f64
  %unused = func.call @f(%y, %x) : (f64, f64) -> f64
  %r = arith.mulf %k, %acc : f64
  return %r : f64
}
