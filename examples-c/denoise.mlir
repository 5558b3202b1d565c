// The energy of a variational image-denoising model on an m x n grid
// (row-major, as C and C++ store 2-D arrays):
//
//   E(u, lambda) = 1/2 sum_ij (u_ij - f_ij)^2
//                + lambda sum_ij log(1 + (u_i+1,j - u_ij)^2 + (u_i,j+1 - u_ij)^2),
//
// a data term that keeps u near the noisy image f and a smoothness term
// that, unlike a quadratic one, penalises large jumps (edges) only
// logarithmically. Differences across the last row and column are zero
// (Neumann boundary). denoise_gradient.cpp asks zad for dE/du and
// dE/dlambda and descends along -dE/du.

func.func @denoise_energy(%u: memref<?x?xf64>, %f: memref<?x?xf64>, %lambda: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %one = arith.constant 1.0 : f64
  %m = memref.dim %u, %c0 : memref<?x?xf64>
  %n = memref.dim %u, %c1 : memref<?x?xf64>
  %last_row = arith.subi %m, %c1 : index
  %last_column = arith.subi %n, %c1 : index
  %data, %smooth = scf.for %i = %c0 to %m step %c1 iter_args(%data_i = %zero, %smooth_i = %zero) -> (f64, f64) {
    %data_row, %smooth_row = scf.for %j = %c0 to %n step %c1 iter_args(%data_j = %data_i, %smooth_j = %smooth_i) -> (f64, f64) {
      %u_ij = memref.load %u[%i, %j] : memref<?x?xf64>
      %f_ij = memref.load %f[%i, %j] : memref<?x?xf64>
      %residual = arith.subf %u_ij, %f_ij : f64
      %square = arith.mulf %residual, %residual : f64
      %data_next = arith.addf %data_j, %square : f64
      // Forward differences, zero across the far edges.
      %has_down = arith.cmpi ult, %i, %last_row : index
      %down = scf.if %has_down -> (f64) {
        %ip1 = arith.addi %i, %c1 : index
        %below = memref.load %u[%ip1, %j] : memref<?x?xf64>
        %difference = arith.subf %below, %u_ij : f64
        scf.yield %difference : f64
      } else {
        scf.yield %zero : f64
      }
      %has_right = arith.cmpi ult, %j, %last_column : index
      %right = scf.if %has_right -> (f64) {
        %jp1 = arith.addi %j, %c1 : index
        %beside = memref.load %u[%i, %jp1] : memref<?x?xf64>
        %difference = arith.subf %beside, %u_ij : f64
        scf.yield %difference : f64
      } else {
        scf.yield %zero : f64
      }
      %down2 = arith.mulf %down, %down : f64
      %right2 = arith.mulf %right, %right : f64
      %gradient2 = arith.addf %down2, %right2 : f64
      %shifted = arith.addf %one, %gradient2 : f64
      %penalty = math.log %shifted : f64
      %smooth_next = arith.addf %smooth_j, %penalty : f64
      scf.yield %data_next, %smooth_next : f64, f64
    }
    scf.yield %data_row, %smooth_row : f64, f64
  }
  %data_term = arith.mulf %half, %data : f64
  %smooth_term = arith.mulf %lambda, %smooth : f64
  %energy = arith.addf %data_term, %smooth_term : f64
  return %energy : f64
}
