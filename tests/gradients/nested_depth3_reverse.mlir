// Nested AD three deep in reverse mode only: @second holds the gradient of
// @first, @third the gradient of @second, and the harness differentiates
// @third (reverse over reverse over reverse). first = exp(x y) + x^3 / y;
// second = (d first/dx) * (d first/dy); third = d second/dx + x d second/dy.
// GRAD: third
// ARG: scalar -1.0 1.0
// ARG: scalar 0.5 1.5
func.func private @first(%x: f64, %y: f64) -> f64 {
  %xy = arith.mulf %x, %y : f64
  %e = math.exp %xy : f64
  %xx = arith.mulf %x, %x : f64
  %xxx = arith.mulf %xx, %x : f64
  %q = arith.divf %xxx, %y : f64
  %r = arith.addf %e, %q : f64
  return %r : f64
}
func.func private @second(%x: f64, %y: f64) -> f64 {
  %v, %dx, %dy = zad.gradient @first(%x, %y) {activity = ["active", "active"]} : (f64, f64) -> (f64, f64, f64)
  %r = arith.mulf %dx, %dy : f64
  return %r : f64
}
func.func @third(%x: f64, %y: f64) -> f64 {
  %v, %dx, %dy = zad.gradient @second(%x, %y) {activity = ["active", "active"]} : (f64, f64) -> (f64, f64, f64)
  %xdy = arith.mulf %x, %dy : f64
  %r = arith.addf %dx, %xdy : f64
  return %r : f64
}
