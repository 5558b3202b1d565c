// math.sqrt, math.rsqrt (positive arguments) and math.cbrt (either sign,
// away from 0): f = sqrt(x) + rsqrt(x + y^2) * cbrt(y).
// GRAD: roots
// ARG: scalar 0.2 4.0
// ARG: scalar 0.3 3.0
func.func @roots(%x: f64, %y: f64) -> f64 {
  %s = math.sqrt %x : f64
  %yy = arith.mulf %y, %y : f64
  %u = arith.addf %x, %yy : f64
  %r = math.rsqrt %u : f64
  %ny = arith.negf %y : f64
  %c = math.cbrt %ny : f64
  %p = arith.mulf %r, %c : f64
  %f = arith.addf %s, %p : f64
  return %f : f64
}
