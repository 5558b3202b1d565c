// Nested AD, the classic perturbation-confusion case (Siskind and
// Pearlmutter): outer(x) = x * d/dy [x * (x + y)] = x * x, so
// d outer/dx = 2x; an AD that confuses the inner and outer perturbations
// of x gives 3x. The inner derivative is a zad.gradient op; zad expands it
// first and then differentiates outer (reverse over reverse).
// GRAD: outer
// ARG: scalar -2.0 2.0
func.func private @inner(%x: f64, %y: f64) -> f64 {
  %s = arith.addf %x, %y : f64
  %p = arith.mulf %x, %s : f64
  return %p : f64
}
func.func @outer(%x: f64) -> f64 {
  %y = arith.constant 0.25 : f64
  %v, %dy = zad.gradient @inner(%x, %y) {activity = ["const", "active"]} : (f64, f64) -> (f64, f64)
  %r = arith.mulf %x, %dy : f64
  return %r : f64
}
