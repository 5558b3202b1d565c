// math.sincos, math.clampf and math.isnormal (issue 9, class 15): run and
// differentiated like their expansions.
// GRAD: f
// ARG: scalar -1.0 1.0
// ARG: scalar -0.5 -0.1
// ARG: scalar 0.2 0.6
func.func @f(%x: f64, %lo: f64, %hi: f64) -> f64 {
  %s, %c = math.sincos %x : f64
  %p = arith.mulf %s, %c : f64
  %k = math.clampf %x to [%lo, %hi] : f64
  %q = arith.mulf %k, %c : f64
  %zero = arith.constant 0.0 : f64
  %normal = math.isnormal %s : f64
  %t = arith.select %normal, %p, %zero : f64
  %r = arith.addf %t, %q : f64
  return %r : f64
}
