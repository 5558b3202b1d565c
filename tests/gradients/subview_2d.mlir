// A 2-D subview (an interior 3 x 5 block of a 5 x 7 matrix) and a
// rank-reducing subview (row 2 as a 1-D strided view), both of a dup
// argument: f = sum_block B_ij^2 * r_j + prod-like log terms of the row.
// GRAD: blocks
// ARG: array 5x7
func.func @blocks(%A: memref<5x7xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f64
  %two = arith.constant 2.0 : f64
  %B = memref.subview %A[1, 1] [3, 5] [1, 1] : memref<5x7xf64> to memref<3x5xf64, strided<[7, 1], offset: 8>>
  %r = memref.subview %A[2, 0] [1, 7] [1, 1] : memref<5x7xf64> to memref<7xf64, strided<[1], offset: 14>>
  %s = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %zero) -> (f64) {
    %row = scf.for %j = %c0 to %c5 step %c1 iter_args(%racc = %acc) -> (f64) {
      %b = memref.load %B[%i, %j] : memref<3x5xf64, strided<[7, 1], offset: 8>>
      %rj = memref.load %r[%j] : memref<7xf64, strided<[1], offset: 14>>
      %bb = arith.mulf %b, %b : f64
      %p = arith.mulf %bb, %rj : f64
      %r2 = arith.addf %racc, %p : f64
      scf.yield %r2 : f64
    }
    scf.yield %row : f64
  }
  %c7 = arith.constant 7 : index
  %t = scf.for %j = %c0 to %c7 step %c1 iter_args(%acc = %s) -> (f64) {
    %rj = memref.load %r[%j] : memref<7xf64, strided<[1], offset: 14>>
    %q = arith.mulf %rj, %rj : f64
    %q2 = arith.addf %q, %two : f64
    %l = math.log %q2 : f64
    %acc2 = arith.addf %acc, %l : f64
    scf.yield %acc2 : f64
  }
  return %t : f64
}
