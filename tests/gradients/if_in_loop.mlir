// scf.if with a result inside an scf.for, the condition depending on the
// data: f = sum_i (a_i > 0 ? a_i^2 x : sin(a_i) / x), plus a second if
// yielding two results (one of them an unchanged loop-carried value).
// GRAD: branchy_sum
// ARG: array 13 -1.0 1.0
// ARG: scalar 0.5 2.0
func.func @branchy_sum(%a: memref<?xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s, %m = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero, %mx = %zero) -> (f64, f64) {
    %v = memref.load %a[%i] : memref<?xf64>
    %pos = arith.cmpf ogt, %v, %zero : f64
    %t = scf.if %pos -> (f64) {
      %vv = arith.mulf %v, %v : f64
      %r = arith.mulf %vv, %x : f64
      scf.yield %r : f64
    } else {
      %sv = math.sin %v : f64
      %r = arith.divf %sv, %x : f64
      scf.yield %r : f64
    }
    %acc2 = arith.addf %acc, %t : f64
    %big = arith.cmpf ogt, %v, %half : f64
    %mx2, %acc3 = scf.if %big -> (f64, f64) {
      %vx = arith.mulf %v, %x : f64
      %mm = arith.addf %mx, %vx : f64
      scf.yield %mm, %acc2 : f64, f64
    } else {
      %q = arith.mulf %acc2, %half : f64
      %a3 = arith.addf %acc2, %q : f64
      scf.yield %mx, %a3 : f64, f64
    }
    scf.yield %acc3, %mx2 : f64, f64
  }
  %f = arith.addf %s, %m : f64
  return %f : f64
}
