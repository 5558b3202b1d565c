// scf.while in f32: Newton's iteration for the reciprocal 1/a,
// y <- y (2 - a y) from y = 0.1, until |1 - a y| < 1e-6 (data-dependent
// trip count), f = y * b (f32 version of a while_newton kernel).
// GRAD: reciprocal32
// ARG: scalar 0.5 4.0
// ARG: scalar -2.0 2.0
func.func @reciprocal32(%a: f32, %b: f32) -> f32 {
  %one = arith.constant 1.0 : f32
  %two = arith.constant 2.0 : f32
  %y0 = arith.constant 0.1 : f32
  %eps = arith.constant 1.0e-6 : f32
  %y = scf.while (%y1 = %y0) : (f32) -> f32 {
    %ay = arith.mulf %a, %y1 : f32
    %r = arith.subf %one, %ay : f32
    %ar = math.absf %r : f32
    %go = arith.cmpf oge, %ar, %eps : f32
    scf.condition(%go) %y1 : f32
  } do {
  ^bb0(%y2: f32):
    %ay = arith.mulf %a, %y2 : f32
    %t = arith.subf %two, %ay : f32
    %next = arith.mulf %y2, %t : f32
    scf.yield %next : f32
  }
  %f = arith.mulf %y, %b : f32
  return %f : f32
}
