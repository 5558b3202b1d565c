// A column-major (Fortran-order) rank-2 argument, strided<[1, ?]>, with its
// shadow of the same layout: sum_j w_j log(1 + sum_i a_ij^2), a weight on
// each column.
// ADJOINT: f dup,const
// ARGS: [[[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]], [0.5, 2.0, -1.0]]

func.func @f(%a: memref<?x?xf64, strided<[1, ?]>>, %w: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %rows = memref.dim %a, %c0 : memref<?x?xf64, strided<[1, ?]>>
  %cols = memref.dim %a, %c1 : memref<?x?xf64, strided<[1, ?]>>
  %total = scf.for %j = %c0 to %cols step %c1 iter_args(%outer = %zero) -> (f64) {
    %w_j = memref.load %w[%j] : memref<?xf64>
    %column = scf.for %i = %c0 to %rows step %c1 iter_args(%inner = %zero) -> (f64) {
      %a_ij = memref.load %a[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
      %square = arith.mulf %a_ij, %a_ij : f64
      %sum = arith.addf %inner, %square : f64
      scf.yield %sum : f64
    }
    %one = arith.constant 1.0 : f64
    %shifted = arith.addf %column, %one : f64
    %root = math.log %shifted : f64
    %weighted = arith.mulf %w_j, %root : f64
    %next = arith.addf %outer, %weighted : f64
    scf.yield %next : f64
  }
  return %total : f64
}
