// blas_dgemm.mlir with constant arguments (beta, A and D): zad gives the
// built-in adjoints zeroed scratch shadows for the constant buffers and
// drops the gradient of the constant scalar.
// GRAD: blas_dgemm_activity
// ACTIVITY: active,const,const,dup,dup,const,dup
// ARG: scalar 0.5 1.5
// ARG: scalar -1 1
// ARG: array 3x4
// ARG: array 5x4
// ARG: array 3x5
// ARG: array 2x3
// ARG: array 5x3
func.func private @dgemm(i1, i1, f64, memref<?x?xf64>, memref<?x?xf64>, f64, memref<?x?xf64>)
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
func.func @blas_dgemm_activity(%alpha: f64, %beta: f64, %a: memref<?x?xf64>, %b: memref<?x?xf64>, %c: memref<?x?xf64>,
                      %d: memref<?x?xf64>, %f: memref<?x?xf64>) -> f64 {
  %no = arith.constant false
  %yes = arith.constant true
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  func.call @dgemm(%no, %yes, %alpha, %a, %b, %beta, %c)
      : (i1, i1, f64, memref<?x?xf64>, memref<?x?xf64>, f64, memref<?x?xf64>) -> ()
  %e0 = memref.alloc() : memref<5x2xf64>
  %e = memref.cast %e0 : memref<5x2xf64> to memref<?x?xf64>
  func.call @dgemm(%yes, %yes, %one, %c, %d, %zero, %e)
      : (i1, i1, f64, memref<?x?xf64>, memref<?x?xf64>, f64, memref<?x?xf64>) -> ()
  %g0 = memref.alloc() : memref<2x3xf64>
  %g = memref.cast %g0 : memref<2x3xf64> to memref<?x?xf64>
  func.call @dgemm(%yes, %no, %alpha, %e, %f, %zero, %g)
      : (i1, i1, f64, memref<?x?xf64>, memref<?x?xf64>, f64, memref<?x?xf64>) -> ()
  %s = func.call @sum_of_squares(%g) : (memref<?x?xf64>) -> f64
  %ab = arith.mulf %alpha, %beta : f64
  %r = arith.addf %s, %ab : f64
  memref.dealloc %e0 : memref<5x2xf64>
  memref.dealloc %g0 : memref<2x3xf64>
  return %r : f64
}
