// scf.while whose condition forwards its arguments in a different order
// (a rotation of a 2-vector carried as (a, b) and forwarded as (b, a)),
// so the after region's arguments map to permuted before arguments:
// (a, b) -> body(p = b, q = a) yields (p cos t - q sin t, q cos t + p sin t)
// ... for 5 iterations; f = a^2 * 2 + b * 3.
// GRAD: rotate
// ARG: scalar -1.0 1.0
// ARG: scalar -1.0 1.0
// ARG: scalar 0.1 0.5
func.func @rotate(%a0: f64, %b0: f64, %t: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %two = arith.constant 2.0 : f64
  %three = arith.constant 3.0 : f64
  %a, %b, %k = scf.while (%a1 = %a0, %b1 = %b0, %k1 = %c0) : (f64, f64, index) -> (f64, f64, index) {
    %go = arith.cmpi slt, %k1, %c5 : index
    scf.condition(%go) %b1, %a1, %k1 : f64, f64, index
  } do {
  ^bb0(%p: f64, %q: f64, %k2: index):
    %c = math.cos %t : f64
    %s = math.sin %t : f64
    %pc = arith.mulf %p, %c : f64
    %qs = arith.mulf %q, %s : f64
    %na = arith.subf %pc, %qs : f64
    %qc = arith.mulf %q, %c : f64
    %ps = arith.mulf %p, %s : f64
    %nb = arith.addf %qc, %ps : f64
    %sq = arith.mulf %na, %nb : f64
    %nb2 = arith.addf %nb, %sq : f64
    %k3 = arith.addi %k2, %c1 : index
    scf.yield %na, %nb2, %k3 : f64, f64, index
  }
  %aa = arith.mulf %a, %a : f64
  %a2 = arith.mulf %aa, %two : f64
  %b3 = arith.mulf %b, %three : f64
  %f = arith.addf %a2, %b3 : f64
  return %f : f64
}
