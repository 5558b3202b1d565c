// scf.while over an array with an index that stops at a data-dependent
// position: walk while the running sum of exp(a_i) stays below t (at most
// n elements), then f = sum^2 * t + (number of steps) — only the visited
// elements have a nonzero gradient.
// GRAD: prefix_until
// ARG: array 13 -1.0 1.0
// ARG: scalar 4.0 8.0
func.func @prefix_until(%a: memref<?xf64>, %t: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s, %k = scf.while (%s0 = %zero, %i0 = %c0) : (f64, index) -> (f64, index) {
    %below = arith.cmpf olt, %s0, %t : f64
    %inside = arith.cmpi slt, %i0, %n : index
    %go = arith.andi %below, %inside : i1
    scf.condition(%go) %s0, %i0 : f64, index
  } do {
  ^bb0(%s1: f64, %i1: index):
    %v = memref.load %a[%i1] : memref<?xf64>
    %e = math.exp %v : f64
    %s2 = arith.addf %s1, %e : f64
    %i2 = arith.addi %i1, %c1 : index
    scf.yield %s2, %i2 : f64, index
  }
  %ss = arith.mulf %s, %s : f64
  %sst = arith.mulf %ss, %t : f64
  %ki = arith.index_cast %k : index to i64
  %kf = arith.sitofp %ki : i64 to f64
  %f = arith.addf %sst, %kf : f64
  return %f : f64
}
