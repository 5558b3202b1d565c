// Nested AD three deep, mixing modes: @level2 holds the gradient of @level1
// (reverse), @level3 the tangent of @level2 (forward over reverse), and the
// harness differentiates @level3 in reverse (reverse over forward over
// reverse). level1 = sin(x y) + x^2 y; level2 = y * d level1/dx;
// level3 = x * (d level2/dx) + level2 * y.
// GRAD: level3
// ARG: scalar -1.5 1.5
// ARG: scalar -1.5 1.5
func.func private @level1(%x: f64, %y: f64) -> f64 {
  %xy = arith.mulf %x, %y : f64
  %s = math.sin %xy : f64
  %xx = arith.mulf %x, %x : f64
  %xxy = arith.mulf %xx, %y : f64
  %r = arith.addf %s, %xxy : f64
  return %r : f64
}
func.func private @level2(%x: f64, %y: f64) -> f64 {
  %v, %dx = zad.gradient @level1(%x, %y) {activity = ["active", "const"]} : (f64, f64) -> (f64, f64)
  %r = arith.mulf %y, %dx : f64
  return %r : f64
}
func.func @level3(%x: f64, %y: f64) -> f64 {
  %one = arith.constant 1.0 : f64
  %v, %dv = zad.tangent @level2(%x, %one, %y) {activity = ["dup", "const"]} : (f64, f64, f64) -> (f64, f64)
  %a = arith.mulf %x, %dv : f64
  %b = arith.mulf %v, %y : f64
  %r = arith.addf %a, %b : f64
  return %r : f64
}
