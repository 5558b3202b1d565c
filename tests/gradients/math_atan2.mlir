// math.atan2 with both operands active (a point in the right half plane,
// away from the branch cut): f = atan2(y, x) * (x^2 + y^2) + atan2(x y, 1 + x).
// GRAD: polar
// ARG: scalar 0.2 2.0
// ARG: scalar -2.0 2.0
func.func @polar(%x: f64, %y: f64) -> f64 {
  %one = arith.constant 1.0 : f64
  %theta = math.atan2 %y, %x : f64
  %xx = arith.mulf %x, %x : f64
  %yy = arith.mulf %y, %y : f64
  %rr = arith.addf %xx, %yy : f64
  %tr = arith.mulf %theta, %rr : f64
  %xy = arith.mulf %x, %y : f64
  %x1 = arith.addf %one, %x : f64
  %phi = math.atan2 %xy, %x1 : f64
  %f = arith.addf %tr, %phi : f64
  return %f : f64
}
