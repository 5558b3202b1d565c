// scf.while loops that run zero times for some inputs: the first stops at
// once because y0 = 2 + x^2 > 1 already (the body never runs, so the
// gradient flows straight through the loop), the second runs a
// data-dependent number of halvings of z until z < 0.1.
// f = y * x + z * 7.
// GRAD: maybe_never
// ARG: scalar -1.0 1.0
// ARG: scalar 0.3 3.0
func.func @maybe_never(%x: f64, %z0: f64) -> f64 {
  %one = arith.constant 1.0 : f64
  %two = arith.constant 2.0 : f64
  %half = arith.constant 0.5 : f64
  %tenth = arith.constant 0.1 : f64
  %seven = arith.constant 7.0 : f64
  %xx = arith.mulf %x, %x : f64
  %y0 = arith.addf %two, %xx : f64
  %y = scf.while (%y1 = %y0) : (f64) -> f64 {
    %go = arith.cmpf olt, %y1, %one : f64
    scf.condition(%go) %y1 : f64
  } do {
  ^bb0(%y2: f64):
    %e = math.exp %y2 : f64
    scf.yield %e : f64
  }
  %z = scf.while (%z1 = %z0) : (f64) -> f64 {
    %go = arith.cmpf oge, %z1, %tenth : f64
    scf.condition(%go) %z1 : f64
  } do {
  ^bb0(%z2: f64):
    %h = arith.mulf %z2, %half : f64
    %s = math.sin %h : f64
    scf.yield %s : f64
  }
  %yx = arith.mulf %y, %x : f64
  %z7 = arith.mulf %z, %seven : f64
  %f = arith.addf %yx, %z7 : f64
  return %f : f64
}
