// math.asinh (any x), math.acosh (x > 1) and math.atanh (|x| < 1), each on
// its own active scalar: f = asinh(a) * acosh(b) + atanh(c) * a.
// GRAD: inverse_hyperbolic
// ARG: scalar -3.0 3.0
// ARG: scalar 1.2 4.0
// ARG: scalar -0.8 0.8
func.func @inverse_hyperbolic(%a: f64, %b: f64, %c: f64) -> f64 {
  %sa = math.asinh %a : f64
  %cb = math.acosh %b : f64
  %tc = math.atanh %c : f64
  %p = arith.mulf %sa, %cb : f64
  %q = arith.mulf %tc, %a : f64
  %f = arith.addf %p, %q : f64
  return %f : f64
}
