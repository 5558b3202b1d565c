// Classical RK4 for the scalar ODE y' = -k y + sin(y) (k active) over 20
// steps of dt = 0.05, with the right-hand side in a helper function called
// four times per step (inlined into the loop): f = y(1)^2.
// GRAD: rk4
// ARG: scalar 0.5 1.5
// ARG: scalar 0.2 2.0
func.func private @rhs(%y: f64, %k: f64) -> f64 {
  %ky = arith.mulf %k, %y : f64
  %s = math.sin %y : f64
  %r = arith.subf %s, %ky : f64
  return %r : f64
}
func.func @rk4(%k: f64, %y0: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c20 = arith.constant 20 : index
  %dt = arith.constant 0.05 : f64
  %half = arith.constant 0.5 : f64
  %two = arith.constant 2.0 : f64
  %sixth = arith.constant 0.16666666666666666 : f64
  %hdt = arith.mulf %half, %dt : f64
  %y = scf.for %s = %c0 to %c20 step %c1 iter_args(%y1 = %y0) -> (f64) {
    %k1 = func.call @rhs(%y1, %k) : (f64, f64) -> f64
    %d1 = arith.mulf %hdt, %k1 : f64
    %y2 = arith.addf %y1, %d1 : f64
    %k2 = func.call @rhs(%y2, %k) : (f64, f64) -> f64
    %d2 = arith.mulf %hdt, %k2 : f64
    %y3 = arith.addf %y1, %d2 : f64
    %k3 = func.call @rhs(%y3, %k) : (f64, f64) -> f64
    %d3 = arith.mulf %dt, %k3 : f64
    %y4 = arith.addf %y1, %d3 : f64
    %k4 = func.call @rhs(%y4, %k) : (f64, f64) -> f64
    %k2x = arith.mulf %two, %k2 : f64
    %k3x = arith.mulf %two, %k3 : f64
    %s12 = arith.addf %k1, %k2x : f64
    %s123 = arith.addf %s12, %k3x : f64
    %s1234 = arith.addf %s123, %k4 : f64
    %inc = arith.mulf %s1234, %sixth : f64
    %step = arith.mulf %inc, %dt : f64
    %ynext = arith.addf %y1, %step : f64
    scf.yield %ynext : f64
  }
  %f = arith.mulf %y, %y : f64
  return %f : f64
}
