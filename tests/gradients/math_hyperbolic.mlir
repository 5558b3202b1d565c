// math.sinh, math.cosh and math.tanh: f = sinh(x) cosh(y) + tanh(x y - 0.3).
// GRAD: hyperbolic
// ARG: scalar -2.0 2.0
// ARG: scalar -1.5 1.5
func.func @hyperbolic(%x: f64, %y: f64) -> f64 {
  %c = arith.constant 0.3 : f64
  %sx = math.sinh %x : f64
  %cy = math.cosh %y : f64
  %p = arith.mulf %sx, %cy : f64
  %xy = arith.mulf %x, %y : f64
  %u = arith.subf %xy, %c : f64
  %t = math.tanh %u : f64
  %f = arith.addf %p, %t : f64
  return %f : f64
}
