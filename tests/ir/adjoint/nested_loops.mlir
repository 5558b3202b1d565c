// Nested scf.for loops over a row-major matrix: the bilinear form
// y^T A x, differentiated with respect to A and x (both dup) with y const.
// Loads from A and x add to their shadows inside the reversed nest.
// ADJOINT: f dup,dup,const
// ARGS: [[[1.0, 2.0, -1.0], [0.5, -3.0, 4.0]], [0.3, -0.7, 1.1], [2.0, -1.5]]

func.func @f(%a: memref<?x?xf64>, %x: memref<?xf64>, %y: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %rows = memref.dim %a, %c0 : memref<?x?xf64>
  %cols = memref.dim %a, %c1 : memref<?x?xf64>
  %total = scf.for %i = %c0 to %rows step %c1 iter_args(%outer = %zero) -> (f64) {
    %y_i = memref.load %y[%i] : memref<?xf64>
    %row = scf.for %j = %c0 to %cols step %c1 iter_args(%inner = %zero) -> (f64) {
      %a_ij = memref.load %a[%i, %j] : memref<?x?xf64>
      %x_j = memref.load %x[%j] : memref<?xf64>
      %product = arith.mulf %a_ij, %x_j : f64
      %sum = arith.addf %inner, %product : f64
      scf.yield %sum : f64
    }
    %weighted = arith.mulf %y_i, %row : f64
    %next = arith.addf %outer, %weighted : f64
    scf.yield %next : f64
  }
  return %total : f64
}
