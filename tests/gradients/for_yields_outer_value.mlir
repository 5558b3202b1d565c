// A loop whose body yields values defined outside it (issue 9, class 1):
// r = x·y after n ≥ 1 iterations whatever the initial value, plus a carried
// sum that also uses x. The adjoint of the yielded outer values must reach
// x and y: d/dx = y + n, d/dy = x.
// GRAD: f
// ARG: scalar 0.5 2.0
// ARG: scalar -1.0 1.0
// ARG: index 4
func.func @f(%x: f64, %y: f64, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %xy = arith.mulf %x, %y : f64
  %r:3 = scf.for %i = %c0 to %n step %c1 iter_args(%a = %one, %s = %zero, %b = %one) -> (f64, f64, f64) {
    %s2 = arith.addf %s, %x : f64
    scf.yield %xy, %s2, %x : f64, f64, f64
  }
  %t = arith.addf %r#0, %r#1 : f64
  %u = arith.mulf %r#2, %zero : f64
  %v = arith.addf %t, %u : f64
  return %v : f64
}
