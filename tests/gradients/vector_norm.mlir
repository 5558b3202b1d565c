// A realistic use of math.sqrt: the Euclidean norm of A x - b (a residual
// norm) plus the norm of x itself, f = |A x - b| + |x| / 2 (all entries dup).
// GRAD: residual_norm
// ARG: array 5x7
// ARG: array 7
// ARG: array 5
func.func @residual_norm(%A: memref<?x?xf64>, %x: memref<?xf64>, %b: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %m = memref.dim %A, %c0 : memref<?x?xf64>
  %n = memref.dim %A, %c1 : memref<?x?xf64>
  %rr = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> (f64) {
    %bi = memref.load %b[%i] : memref<?xf64>
    %nbi = arith.negf %bi : f64
    %ax = scf.for %j = %c0 to %n step %c1 iter_args(%s = %nbi) -> (f64) {
      %a = memref.load %A[%i, %j] : memref<?x?xf64>
      %xj = memref.load %x[%j] : memref<?xf64>
      %p = arith.mulf %a, %xj : f64
      %s2 = arith.addf %s, %p : f64
      scf.yield %s2 : f64
    }
    %q = arith.mulf %ax, %ax : f64
    %acc2 = arith.addf %acc, %q : f64
    scf.yield %acc2 : f64
  }
  %xx = scf.for %j = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %xj = memref.load %x[%j] : memref<?xf64>
    %q = arith.mulf %xj, %xj : f64
    %acc2 = arith.addf %acc, %q : f64
    scf.yield %acc2 : f64
  }
  %r = math.sqrt %rr : f64
  %nx = math.sqrt %xx : f64
  %hx = arith.mulf %nx, %half : f64
  %f = arith.addf %r, %hx : f64
  return %f : f64
}
