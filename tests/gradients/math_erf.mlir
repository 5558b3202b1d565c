// math.erf and math.erfc: the Gaussian tail probability and a smoothed
// step, f = erf(x / s) * erfc(y) + erfc(x y), s active too.
// GRAD: gaussian_tails
// ARG: scalar -2.0 2.0
// ARG: scalar -1.0 1.5
// ARG: scalar 0.5 2.0
func.func @gaussian_tails(%x: f64, %y: f64, %s: f64) -> f64 {
  %xs = arith.divf %x, %s : f64
  %e = math.erf %xs : f64
  %c = math.erfc %y : f64
  %p = arith.mulf %e, %c : f64
  %xy = arith.mulf %x, %y : f64
  %c2 = math.erfc %xy : f64
  %f = arith.addf %p, %c2 : f64
  return %f : f64
}
