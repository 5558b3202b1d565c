// Triangular loops with the inner lower bound = outer induction variable,
// over the upper triangle of a 7 x 7 matrix: f = sum_i log(1 + sum_{j >= i}
// U_ij^2 x_j^2), the inner loop's trip count shrinking with i.
// GRAD: upper_norms
// ARG: array 7x7
// ARG: array 7
func.func @upper_norms(%U: memref<?x?xf64>, %x: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %n = memref.dim %U, %c0 : memref<?x?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %row = scf.for %j = %i to %n step %c1 iter_args(%r = %zero) -> (f64) {
      %u = memref.load %U[%i, %j] : memref<?x?xf64>
      %xj = memref.load %x[%j] : memref<?xf64>
      %p = arith.mulf %u, %xj : f64
      %pp = arith.mulf %p, %p : f64
      %r1 = arith.addf %r, %pp : f64
      scf.yield %r1 : f64
    }
    %l = arith.addf %one, %row : f64
    %lg = math.log %l : f64
    %next = arith.addf %acc, %lg : f64
    scf.yield %next : f64
  }
  return %s : f64
}
