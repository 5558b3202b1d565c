// Forward substitution in place: solve L z = b for a unit-diagonal-free
// lower-triangular L (diagonal shifted to 3 + L_ii^2 to stay away from 0),
// overwriting b with z (a triangular loop reading entries written earlier
// in the same sweep), then f = sum_i z_i^2 * c_i with c const.
// ACTIVITY: dup,dup,const
// GRAD: forward_substitution
// ARG: array 7x7
// ARG: array 7
// ARG: array 7 0.5 1.5
func.func @forward_substitution(%L: memref<?x?xf64>, %b: memref<?xf64>, %c: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %three = arith.constant 3.0 : f64
  %n = memref.dim %b, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %bi = memref.load %b[%i] : memref<?xf64>
    %r = scf.for %j = %c0 to %i step %c1 iter_args(%acc = %bi) -> (f64) {
      %lij = memref.load %L[%i, %j] : memref<?x?xf64>
      %zj = memref.load %b[%j] : memref<?xf64>
      %p = arith.mulf %lij, %zj : f64
      %acc2 = arith.subf %acc, %p : f64
      scf.yield %acc2 : f64
    }
    %lii = memref.load %L[%i, %i] : memref<?x?xf64>
    %sq = arith.mulf %lii, %lii : f64
    %diag = arith.addf %three, %sq : f64
    %zi = arith.divf %r, %diag : f64
    memref.store %zi, %b[%i] : memref<?xf64>
  }
  %f = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %zi = memref.load %b[%i] : memref<?xf64>
    %ci = memref.load %c[%i] : memref<?xf64>
    %zz = arith.mulf %zi, %zi : f64
    %p = arith.mulf %zz, %ci : f64
    %acc2 = arith.addf %acc, %p : f64
    scf.yield %acc2 : f64
  }
  return %f : f64
}
