// math.sin, math.cos and math.tan of values depending on two active
// scalars: f = sin(x y) + cos(x - y) * tan(0.5 x) (tan away from its poles).
// GRAD: trig
// ARG: scalar -1.2 1.2
// ARG: scalar -1.0 1.0
func.func @trig(%x: f64, %y: f64) -> f64 {
  %half = arith.constant 0.5 : f64
  %xy = arith.mulf %x, %y : f64
  %s = math.sin %xy : f64
  %d = arith.subf %x, %y : f64
  %c = math.cos %d : f64
  %hx = arith.mulf %half, %x : f64
  %t = math.tan %hx : f64
  %ct = arith.mulf %c, %t : f64
  %r = arith.addf %s, %ct : f64
  return %r : f64
}
