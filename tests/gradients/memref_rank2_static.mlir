// A static 2-D argument, dims from memref.dim of static shapes, a
// transposed read through memref.transpose, and a collapse_shape view to
// 1-D: f = sum_ij A_ij A_ji x_j + sum_k flat_k^3 / 10.
// GRAD: static_views
// ARG: array 5x5
// ARG: array 5
func.func @static_views(%A: memref<5x5xf64>, %x: memref<5xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c25 = arith.constant 25 : index
  %zero = arith.constant 0.0 : f64
  %tenth = arith.constant 0.1 : f64
  %n = memref.dim %A, %c0 : memref<5x5xf64>
  %T = memref.transpose %A (i, j) -> (j, i) : memref<5x5xf64> to memref<5x5xf64, strided<[1, 5]>>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %row = scf.for %j = %c0 to %n step %c1 iter_args(%r = %acc) -> (f64) {
      %a = memref.load %A[%i, %j] : memref<5x5xf64>
      %t = memref.load %T[%i, %j] : memref<5x5xf64, strided<[1, 5]>>
      %xj = memref.load %x[%j] : memref<5xf64>
      %at = arith.mulf %a, %t : f64
      %p = arith.mulf %at, %xj : f64
      %r2 = arith.addf %r, %p : f64
      scf.yield %r2 : f64
    }
    scf.yield %row : f64
  }
  %flat = memref.collapse_shape %A [[0, 1]] : memref<5x5xf64> into memref<25xf64>
  %t = scf.for %k = %c0 to %c25 step %c1 iter_args(%acc = %s) -> (f64) {
    %v = memref.load %flat[%k] : memref<25xf64>
    %vv = arith.mulf %v, %v : f64
    %vvv = arith.mulf %vv, %v : f64
    %q = arith.mulf %vvv, %tenth : f64
    %acc2 = arith.addf %acc, %q : f64
    scf.yield %acc2 : f64
  }
  return %t : f64
}
