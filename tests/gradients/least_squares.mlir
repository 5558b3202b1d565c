// Least squares with a Tikhonov term: f = |A x - b|^2 + lambda |x|^2 for a
// 7 x 5 matrix. A and b const, x dup, lambda active.
// ACTIVITY: const,dup,const,active
// GRAD: ridge
// ARG: array 7x5
// ARG: array 5
// ARG: array 7
// ARG: scalar 0.01 1.0
func.func @ridge(%A: memref<?x?xf64>, %x: memref<?xf64>, %b: memref<?xf64>, %lambda: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %m = memref.dim %A, %c0 : memref<?x?xf64>
  %n = memref.dim %A, %c1 : memref<?x?xf64>
  %r = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> (f64) {
    %ax = scf.for %j = %c0 to %n step %c1 iter_args(%s = %zero) -> (f64) {
      %a = memref.load %A[%i, %j] : memref<?x?xf64>
      %xj = memref.load %x[%j] : memref<?xf64>
      %p = arith.mulf %a, %xj : f64
      %s2 = arith.addf %s, %p : f64
      scf.yield %s2 : f64
    }
    %bi = memref.load %b[%i] : memref<?xf64>
    %d = arith.subf %ax, %bi : f64
    %dd = arith.mulf %d, %d : f64
    %acc2 = arith.addf %acc, %dd : f64
    scf.yield %acc2 : f64
  }
  %xx = scf.for %j = %c0 to %n step %c1 iter_args(%s = %zero) -> (f64) {
    %xj = memref.load %x[%j] : memref<?xf64>
    %q = arith.mulf %xj, %xj : f64
    %s2 = arith.addf %s, %q : f64
    scf.yield %s2 : f64
  }
  %reg = arith.mulf %lambda, %xx : f64
  %f = arith.addf %r, %reg : f64
  return %f : f64
}
