// The scf.while version: the loop's initial value x is also used in the
// body. y0 = x; while y < 10: y <- y (1 + 0.1 x^2) + x. The trip count
// depends on x (about 5 to 9 iterations over the range) but is constant
// near each sample point.
// GRAD: grow_until
// ARG: scalar 0.5 1.5
func.func @grow_until(%x: f64) -> f64 {
  %lim = arith.constant 10.0 : f64
  %one = arith.constant 1.0 : f64
  %tenth = arith.constant 0.1 : f64
  %y = scf.while (%acc = %x) : (f64) -> f64 {
    %c = arith.cmpf olt, %acc, %lim : f64
    scf.condition(%c) %acc : f64
  } do {
  ^bb0(%a: f64):
    %xx = arith.mulf %x, %x : f64
    %t = arith.mulf %tenth, %xx : f64
    %g = arith.addf %one, %t : f64
    %ag = arith.mulf %a, %g : f64
    %n = arith.addf %ag, %x : f64
    scf.yield %n : f64
  }
  return %y : f64
}
