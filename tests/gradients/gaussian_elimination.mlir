// The log-determinant of a diagonally dominant 5 x 5 matrix by Gaussian
// elimination without pivoting, in place on a working copy (memref.alloc +
// memref.copy of the dup argument): a triply nested triangular loop nest
// whose inner bounds depend on the pivot index, rows overwritten n - 1
// times; f = sum_k log(|U_kk|).
// GRAD: log_det
// ARG: array 5x5 -0.5 0.5
func.func @log_det(%A0: memref<?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %four = arith.constant 4.0 : f64
  %n = memref.dim %A0, %c0 : memref<?x?xf64>
  %A = memref.alloc(%n, %n) : memref<?x?xf64>
  memref.copy %A0, %A : memref<?x?xf64> to memref<?x?xf64>
  scf.for %k = %c0 to %n step %c1 {
    %d = memref.load %A[%k, %k] : memref<?x?xf64>
    %d4 = arith.addf %d, %four : f64
    memref.store %d4, %A[%k, %k] : memref<?x?xf64>
  }
  scf.for %k = %c0 to %n step %c1 {
    %k1 = arith.addi %k, %c1 : index
    %piv = memref.load %A[%k, %k] : memref<?x?xf64>
    scf.for %i = %k1 to %n step %c1 {
      %aik = memref.load %A[%i, %k] : memref<?x?xf64>
      %m = arith.divf %aik, %piv : f64
      scf.for %j = %k to %n step %c1 {
        %aij = memref.load %A[%i, %j] : memref<?x?xf64>
        %akj = memref.load %A[%k, %j] : memref<?x?xf64>
        %p = arith.mulf %m, %akj : f64
        %new = arith.subf %aij, %p : f64
        memref.store %new, %A[%i, %j] : memref<?x?xf64>
      }
    }
  }
  %ld = scf.for %k = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %u = memref.load %A[%k, %k] : memref<?x?xf64>
    %au = math.absf %u : f64
    %l = math.log %au : f64
    %acc2 = arith.addf %acc, %l : f64
    scf.yield %acc2 : f64
  }
  memref.dealloc %A : memref<?x?xf64>
  return %ld : f64
}
