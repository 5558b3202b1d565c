// scf.while whose trip count depends on the data: accumulate
// s <- s + x^2 + sin(k x) until s >= 10 (k counts the iterations, carried as
// an index), then f = s * x - k (the last step's overshoot depends smoothly
// on x; the count is constant near each sample point).
// GRAD: until_threshold
// ARG: scalar 0.6 1.6
func.func @until_threshold(%x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %lim = arith.constant 10.0 : f64
  %s, %k = scf.while (%s0 = %zero, %k0 = %c0) : (f64, index) -> (f64, index) {
    %go = arith.cmpf olt, %s0, %lim : f64
    scf.condition(%go) %s0, %k0 : f64, index
  } do {
  ^bb0(%s1: f64, %k1: index):
    %xx = arith.mulf %x, %x : f64
    %ki = arith.index_cast %k1 : index to i64
    %kf = arith.sitofp %ki : i64 to f64
    %kx = arith.mulf %kf, %x : f64
    %sn = math.sin %kx : f64
    %t = arith.addf %xx, %sn : f64
    %s2 = arith.addf %s1, %t : f64
    %k2 = arith.addi %k1, %c1 : index
    scf.yield %s2, %k2 : f64, index
  }
  %ki = arith.index_cast %k : index to i64
  %kf = arith.sitofp %ki : i64 to f64
  %sx = arith.mulf %s, %x : f64
  %f = arith.subf %sx, %kf : f64
  return %f : f64
}
