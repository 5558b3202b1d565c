// dpotrf and dpotrs on OpenBLAS, lower and upper: S = M M^T + 4 I (dgemm,
// then the diagonal), copied to T; S factored as L L^T, T as U^T U; B
// solved with L, C with U. f = sum of squares of both solutions and of
// both factored matrices (each keeps its other triangle as it was).
// GRAD: blas_cholesky
// ARG: array 4x4
// ARG: array 4x2
// ARG: array 4x3
func.func private @dgemm(i1, i1, f64, memref<?x?xf64>, memref<?x?xf64>, f64, memref<?x?xf64>)
func.func private @dpotrf(i1, memref<?x?xf64>) -> i32
func.func private @dpotrs(i1, memref<?x?xf64>, memref<?x?xf64>)
func.func private @sum_of_squares(%m: memref<?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %rows = memref.dim %m, %c0 : memref<?x?xf64>
  %cols = memref.dim %m, %c1 : memref<?x?xf64>
  %s = scf.for %i = %c0 to %rows step %c1 iter_args(%acc = %zero) -> (f64) {
    %t = scf.for %j = %c0 to %cols step %c1 iter_args(%inner = %acc) -> (f64) {
      %v = memref.load %m[%i, %j] : memref<?x?xf64>
      %vv = arith.mulf %v, %v : f64
      %next = arith.addf %inner, %vv : f64
      scf.yield %next : f64
    }
    scf.yield %t : f64
  }
  return %s : f64
}
func.func @blas_cholesky(%m: memref<?x?xf64>, %b: memref<?x?xf64>, %c: memref<?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %four = arith.constant 4.0 : f64
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %no = arith.constant false
  %yes = arith.constant true
  %s0 = memref.alloc() : memref<4x4xf64>
  %s = memref.cast %s0 : memref<4x4xf64> to memref<?x?xf64>
  func.call @dgemm(%no, %yes, %one, %m, %m, %zero, %s)
      : (i1, i1, f64, memref<?x?xf64>, memref<?x?xf64>, f64, memref<?x?xf64>) -> ()
  %t0 = memref.alloc() : memref<4x4xf64>
  %t = memref.cast %t0 : memref<4x4xf64> to memref<?x?xf64>
  %n = memref.dim %s, %c0 : memref<?x?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %s[%i, %i] : memref<?x?xf64>
    %w = arith.addf %v, %four : f64
    memref.store %w, %s[%i, %i] : memref<?x?xf64>
  }
  memref.copy %s, %t : memref<?x?xf64> to memref<?x?xf64>
  %i1 = func.call @dpotrf(%no, %s) : (i1, memref<?x?xf64>) -> i32
  %i2 = func.call @dpotrf(%yes, %t) : (i1, memref<?x?xf64>) -> i32
  func.call @dpotrs(%no, %s, %b) : (i1, memref<?x?xf64>, memref<?x?xf64>) -> ()
  func.call @dpotrs(%yes, %t, %c) : (i1, memref<?x?xf64>, memref<?x?xf64>) -> ()
  %x = func.call @sum_of_squares(%b) : (memref<?x?xf64>) -> f64
  %y = func.call @sum_of_squares(%c) : (memref<?x?xf64>) -> f64
  %fs = func.call @sum_of_squares(%s) : (memref<?x?xf64>) -> f64
  %ft = func.call @sum_of_squares(%t) : (memref<?x?xf64>) -> f64
  %xy = arith.addf %x, %y : f64
  %f = arith.addf %fs, %ft : f64
  %r = arith.addf %xy, %f : f64
  memref.dealloc %s0 : memref<4x4xf64>
  memref.dealloc %t0 : memref<4x4xf64>
  return %r : f64
}
