// A long scf.while (1500 to 3000 iterations, so the recorded tapes must
// grow far beyond any small initial capacity): Euler integration of
// y' = -k y + sin(t) y^2 / 4 with dt = 1e-3 until t >= T; f = y(T) + k.
// T is active but only decides the trip count, so its derivative is 0 (as
// the central difference agrees unless T +- h crosses a step boundary).
// GRAD: integrate
// ARG: scalar 0.5 1.5
// ARG: scalar 0.5 1.0
// ARG: scalar 1.5 3.0
func.func @integrate(%k: f64, %y0: f64, %T: f64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %dt = arith.constant 1.0e-3 : f64
  %quarter = arith.constant 0.25 : f64
  %t, %y = scf.while (%t1 = %zero, %y1 = %y0) : (f64, f64) -> (f64, f64) {
    %go = arith.cmpf olt, %t1, %T : f64
    scf.condition(%go) %t1, %y1 : f64, f64
  } do {
  ^bb0(%t2: f64, %y2: f64):
    %ky = arith.mulf %k, %y2 : f64
    %s = math.sin %t2 : f64
    %yy = arith.mulf %y2, %y2 : f64
    %syy = arith.mulf %s, %yy : f64
    %q = arith.mulf %syy, %quarter : f64
    %rhs = arith.subf %q, %ky : f64
    %d = arith.mulf %dt, %rhs : f64
    %y3 = arith.addf %y2, %d : f64
    %t3 = arith.addf %t2, %dt : f64
    scf.yield %t3, %y3 : f64, f64
  }
  %f = arith.addf %y, %k : f64
  return %f : f64
}
