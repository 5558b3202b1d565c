// func.call of scalar helpers (inlined by zad before differentiation),
// a helper calling another helper, and a helper with two results:
// f = softplus(x y) * g(x)_1 + g(x)_2 with g(x) = (sin x, x^2 / (1 + y^2)).
// GRAD: uses_helpers
// ARG: scalar -2.0 2.0
// ARG: scalar -1.0 1.0
func.func private @softplus(%x: f64) -> f64 {
  %one = arith.constant 1.0 : f64
  %e = math.exp %x : f64
  %s = arith.addf %one, %e : f64
  %l = math.log %s : f64
  return %l : f64
}
func.func private @two_results(%x: f64, %y: f64) -> (f64, f64) {
  %one = arith.constant 1.0 : f64
  %s = math.sin %x : f64
  %xx = arith.mulf %x, %x : f64
  %yy = arith.mulf %y, %y : f64
  %d = arith.addf %one, %yy : f64
  %q = arith.divf %xx, %d : f64
  return %s, %q : f64, f64
}
func.func private @outer(%x: f64, %y: f64) -> f64 {
  %xy = arith.mulf %x, %y : f64
  %sp = func.call @softplus(%xy) : (f64) -> f64
  return %sp : f64
}
func.func @uses_helpers(%x: f64, %y: f64) -> f64 {
  %a = func.call @outer(%x, %y) : (f64, f64) -> f64
  %s, %q = func.call @two_results(%x, %y) : (f64, f64) -> (f64, f64)
  %as = arith.mulf %a, %s : f64
  %f = arith.addf %as, %q : f64
  return %f : f64
}
