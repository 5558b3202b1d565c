// math.log, math.log2, math.log10 (positive arguments) and math.log1p
// (arguments > -1): f = log(x) log2(x y) + log10(y) + log1p(x - 1.5).
// GRAD: log_family
// ARG: scalar 0.6 3.0
// ARG: scalar 0.3 5.0
func.func @log_family(%x: f64, %y: f64) -> f64 {
  %c = arith.constant 1.5 : f64
  %lx = math.log %x : f64
  %xy = arith.mulf %x, %y : f64
  %l2 = math.log2 %xy : f64
  %p = arith.mulf %lx, %l2 : f64
  %l10 = math.log10 %y : f64
  %xm = arith.subf %x, %c : f64
  %l1p = math.log1p %xm : f64
  %q = arith.addf %p, %l10 : f64
  %f = arith.addf %q, %l1p : f64
  return %f : f64
}
