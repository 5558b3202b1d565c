// Two nested scf.for loops over a 5 x 7 matrix: a bilinear form with a
// nonlinearity, f = sum_i u_i * sum_j tanh(A_ij v_j), all three active.
// GRAD: bilinear
// ARG: array 5x7
// ARG: array 5
// ARG: array 7
func.func @bilinear(%A: memref<?x?xf64>, %u: memref<?xf64>, %v: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %m = memref.dim %A, %c0 : memref<?x?xf64>
  %n = memref.dim %A, %c1 : memref<?x?xf64>
  %s = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> (f64) {
    %row = scf.for %j = %c0 to %n step %c1 iter_args(%r = %zero) -> (f64) {
      %a = memref.load %A[%i, %j] : memref<?x?xf64>
      %vj = memref.load %v[%j] : memref<?xf64>
      %p = arith.mulf %a, %vj : f64
      %t = math.tanh %p : f64
      %r1 = arith.addf %r, %t : f64
      scf.yield %r1 : f64
    }
    %ui = memref.load %u[%i] : memref<?xf64>
    %w = arith.mulf %ui, %row : f64
    %next = arith.addf %acc, %w : f64
    scf.yield %next : f64
  }
  return %s : f64
}
