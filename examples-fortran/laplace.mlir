// Jacobi sweeps for Laplace's equation u_xx + u_yy = 0 on a grid, with the
// boundary values held fixed: each sweep replaces every interior value by
// the mean of its four neighbours (the five-point stencil),
//
//   new[i, j] = 0.25 * ((u[i-1, j] + u[i+1, j]) + (u[i, j-1] + u[i, j+1])).
//
// The arrays are Fortran arrays u(nx, ny) in their natural index order:
// u[i, j] is u(i+1, j+1), consecutive in memory along i. The memref type
// says so, strided<[1, ?]> (column-major, any leading dimension); zad
// rejects a call whose arrays have another layout rather than read them
// transposed. For the same reason the loops run j outer, i inner, the
// cache-friendly order for column-major data.
//
// %work is scratch of the same shape (its boundary is not used). Returns
// the largest |change| of any value in the last sweep (0 for no sweep), the
// usual convergence measure.

func.func @jacobi_sweeps(%u: memref<?x?xf64, strided<[1, ?]>>,
                         %work: memref<?x?xf64, strided<[1, ?]>>,
                         %sweeps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %quarter = arith.constant 0.25 : f64
  %zero = arith.constant 0.0 : f64
  %nx = memref.dim %u, %c0 : memref<?x?xf64, strided<[1, ?]>>
  %ny = memref.dim %u, %c1 : memref<?x?xf64, strided<[1, ?]>>
  %last_i = arith.subi %nx, %c1 : index
  %last_j = arith.subi %ny, %c1 : index

  %final_change = scf.for %sweep = %c0 to %sweeps step %c1
      iter_args(%previous_change = %zero) -> (f64) {
    // The stencil, from u into work.
    scf.for %j = %c1 to %last_j step %c1 {
      %jm1 = arith.subi %j, %c1 : index
      %jp1 = arith.addi %j, %c1 : index
      scf.for %i = %c1 to %last_i step %c1 {
        %im1 = arith.subi %i, %c1 : index
        %ip1 = arith.addi %i, %c1 : index
        %west = memref.load %u[%im1, %j] : memref<?x?xf64, strided<[1, ?]>>
        %east = memref.load %u[%ip1, %j] : memref<?x?xf64, strided<[1, ?]>>
        %south = memref.load %u[%i, %jm1] : memref<?x?xf64, strided<[1, ?]>>
        %north = memref.load %u[%i, %jp1] : memref<?x?xf64, strided<[1, ?]>>
        %along_x = arith.addf %west, %east : f64
        %along_y = arith.addf %south, %north : f64
        %sum = arith.addf %along_x, %along_y : f64
        %mean = arith.mulf %quarter, %sum : f64
        memref.store %mean, %work[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
      }
    }
    // Back into u, measuring the largest change.
    %change = scf.for %j = %c1 to %last_j step %c1 iter_args(%max_j = %zero) -> (f64) {
      %max_i = scf.for %i = %c1 to %last_i step %c1 iter_args(%max = %max_j) -> (f64) {
        %old = memref.load %u[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
        %new = memref.load %work[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
        memref.store %new, %u[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
        %delta = arith.subf %new, %old : f64
        %size = math.absf %delta : f64
        %larger = arith.maximumf %max, %size : f64
        scf.yield %larger : f64
      }
      scf.yield %max_i : f64
    }
    scf.yield %change : f64
  }
  return %final_change : f64
}
