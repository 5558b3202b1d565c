// scf.while with a data-dependent trip count: Newton's iteration for
// sqrt(a), y <- (y + a / y) / 2 from y = 1 + a / 2, until |y^2 - a| < 1e-13 a
// (4 to 7 iterations over the range). The derivative of the iterate is
// differentiated through the iterations; f = y * b with b active too.
// GRAD: newton_sqrt
// ARG: scalar 0.5 40.0
// ARG: scalar 0.5 2.0
func.func @newton_sqrt(%a: f64, %b: f64) -> f64 {
  %one = arith.constant 1.0 : f64
  %half = arith.constant 0.5 : f64
  %eps = arith.constant 1.0e-13 : f64
  %ha = arith.mulf %half, %a : f64
  %y0 = arith.addf %one, %ha : f64
  %tol = arith.mulf %eps, %a : f64
  %y = scf.while (%y1 = %y0) : (f64) -> f64 {
    %yy = arith.mulf %y1, %y1 : f64
    %r = arith.subf %yy, %a : f64
    %ar = math.absf %r : f64
    %go = arith.cmpf oge, %ar, %tol : f64
    scf.condition(%go) %y1 : f64
  } do {
  ^bb0(%y2: f64):
    %q = arith.divf %a, %y2 : f64
    %s = arith.addf %y2, %q : f64
    %next = arith.mulf %half, %s : f64
    scf.yield %next : f64
  }
  %f = arith.mulf %y, %b : f64
  return %f : f64
}
