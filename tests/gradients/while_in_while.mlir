// An scf.while nested in an scf.while, both with data-dependent trip
// counts: the outer loop halves a step size h until h < 0.05 (a count that
// depends on h0); for each h, the inner loop advances y <- y + h sin(y) + h x
// until the inner time passes 1. f = sum over outer steps of y(end).
// GRAD: nested_whiles
// ARG: scalar 0.3 0.9
// ARG: scalar 0.2 0.8
// ARG: scalar -0.5 0.5
func.func @nested_whiles(%h0: f64, %y0: f64, %x: f64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %half = arith.constant 0.5 : f64
  %small = arith.constant 0.05 : f64
  %h, %total = scf.while (%h1 = %h0, %acc = %zero) : (f64, f64) -> (f64, f64) {
    %go = arith.cmpf oge, %h1, %small : f64
    scf.condition(%go) %h1, %acc : f64, f64
  } do {
  ^bb0(%h2: f64, %acc2: f64):
    %t, %y = scf.while (%t1 = %zero, %y1 = %y0) : (f64, f64) -> (f64, f64) {
      %go = arith.cmpf olt, %t1, %one : f64
      scf.condition(%go) %t1, %y1 : f64, f64
    } do {
    ^bb0(%t2: f64, %y2: f64):
      %s = math.sin %y2 : f64
      %sx = arith.addf %s, %x : f64
      %d = arith.mulf %h2, %sx : f64
      %y3 = arith.addf %y2, %d : f64
      %t3 = arith.addf %t2, %h2 : f64
      scf.yield %t3, %y3 : f64, f64
    }
    %acc3 = arith.addf %acc2, %y : f64
    %h3 = arith.mulf %h2, %half : f64
    scf.yield %h3, %acc3 : f64, f64
  }
  return %total : f64
}
