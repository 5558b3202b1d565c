// dgetrf then dgetrs on OpenBLAS, both ways: A + 4 J (J the anti-diagonal,
// so that it pivots) is factored in place, B solved with A (X) and C with
// A^T (Y); f = sum of squares of X, Y and of the factors.
// GRAD: blas_getrf_getrs
// ARG: array 4x4
// ARG: array 4x3
// ARG: array 4x1
func.func private @dgetrf(memref<?x?xf64>, memref<?xi32>) -> i32
func.func private @dgetrs(i1, memref<?x?xf64>, memref<?xi32>, memref<?x?xf64>)
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
func.func @blas_getrf_getrs(%a: memref<?x?xf64>, %b: memref<?x?xf64>, %c: memref<?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %four = arith.constant 4.0 : f64
  %no = arith.constant false
  %yes = arith.constant true
  %n = memref.dim %a, %c0 : memref<?x?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %j = arith.subi %c3, %i : index
    %v = memref.load %a[%i, %j] : memref<?x?xf64>
    %w = arith.addf %v, %four : f64
    memref.store %w, %a[%i, %j] : memref<?x?xf64>
  }
  %p0 = memref.alloc() : memref<4xi32>
  %p = memref.cast %p0 : memref<4xi32> to memref<?xi32>
  %info = func.call @dgetrf(%a, %p) : (memref<?x?xf64>, memref<?xi32>) -> i32
  func.call @dgetrs(%no, %a, %p, %b) : (i1, memref<?x?xf64>, memref<?xi32>, memref<?x?xf64>) -> ()
  func.call @dgetrs(%yes, %a, %p, %c) : (i1, memref<?x?xf64>, memref<?xi32>, memref<?x?xf64>) -> ()
  %x = func.call @sum_of_squares(%b) : (memref<?x?xf64>) -> f64
  %y = func.call @sum_of_squares(%c) : (memref<?x?xf64>) -> f64
  %f = func.call @sum_of_squares(%a) : (memref<?x?xf64>) -> f64
  %xy = arith.addf %x, %y : f64
  %r = arith.addf %xy, %f : f64
  memref.dealloc %p0 : memref<4xi32>
  return %r : f64
}
