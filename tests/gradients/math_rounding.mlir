// math.floor, math.ceil, math.round, math.roundeven and math.trunc: zero
// derivative almost everywhere, used here as piecewise-constant weights
// and in fractional parts (derivative 1). The ranges keep each rounding
// away from its jumps: x in (1.1, 1.2), y in (-2.4, -2.2), x y in
// (-2.88, -2.42).
// f = (x - floor(x)) * ceil(y) + round(x) * y^2 + roundeven(y) * x
//     + trunc(x * y) * sin(x)
// GRAD: rounding
// ARG: scalar 1.1 1.2
// ARG: scalar -2.4 -2.2
func.func @rounding(%x: f64, %y: f64) -> f64 {
  %fl = math.floor %x : f64
  %frac = arith.subf %x, %fl : f64
  %ce = math.ceil %y : f64
  %a = arith.mulf %frac, %ce : f64
  %rx = math.round %x : f64
  %yy = arith.mulf %y, %y : f64
  %b = arith.mulf %rx, %yy : f64
  %re = math.roundeven %y : f64
  %c = arith.mulf %re, %x : f64
  %xy = arith.mulf %x, %y : f64
  %t = math.trunc %xy : f64
  %sx = math.sin %x : f64
  %d = arith.mulf %t, %sx : f64
  %ab = arith.addf %a, %b : f64
  %cd = arith.addf %c, %d : f64
  %f = arith.addf %ab, %cd : f64
  return %f : f64
}
