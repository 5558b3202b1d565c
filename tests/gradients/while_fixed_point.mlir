// A fixed-point iteration with a data-dependent trip count:
// y <- cos(p y) + q until |y_new - y| < 1e-14 (a contraction for the
// ranges used), carried with the previous iterate; f = y^2 + p q. The
// iteration is differentiated as run, which converges to the implicit
// derivative as the iterates do.
// GRAD: fixed_point
// ARG: scalar 0.3 0.8
// ARG: scalar -0.5 0.5
func.func @fixed_point(%p: f64, %q: f64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %big = arith.constant 1.0 : f64
  %eps = arith.constant 1.0e-14 : f64
  %y, %d = scf.while (%y0 = %zero, %d0 = %big) : (f64, f64) -> (f64, f64) {
    %ad = math.absf %d0 : f64
    %go = arith.cmpf oge, %ad, %eps : f64
    scf.condition(%go) %y0, %d0 : f64, f64
  } do {
  ^bb0(%y1: f64, %d1: f64):
    %py = arith.mulf %p, %y1 : f64
    %c = math.cos %py : f64
    %y2 = arith.addf %c, %q : f64
    %d2 = arith.subf %y2, %y1 : f64
    scf.yield %y2, %d2 : f64, f64
  }
  %yy = arith.mulf %y, %y : f64
  %pq = arith.mulf %p, %q : f64
  %f = arith.addf %yy, %pq : f64
  return %f : f64
}
