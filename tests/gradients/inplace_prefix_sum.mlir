// An in-place prefix sum of an argument (u[i] += u[i-1]), followed by a
// nonlinear in-place map (u[i] = tanh(u[i])) and a reduction weighted by
// a second, read-only active array: f = sum_i w_i u_i.
// GRAD: prefix
// ARG: array 13
// ARG: array 13
func.func @prefix(%u: memref<?xf64>, %w: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  scf.for %i = %c1 to %n step %c1 {
    %im1 = arith.subi %i, %c1 : index
    %a = memref.load %u[%im1] : memref<?xf64>
    %b = memref.load %u[%i] : memref<?xf64>
    %s = arith.addf %a, %b : f64
    memref.store %s, %u[%i] : memref<?xf64>
  }
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %u[%i] : memref<?xf64>
    %t = math.tanh %v : f64
    memref.store %t, %u[%i] : memref<?xf64>
  }
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %u[%i] : memref<?xf64>
    %wi = memref.load %w[%i] : memref<?xf64>
    %p = arith.mulf %v, %wi : f64
    %acc2 = arith.addf %acc, %p : f64
    scf.yield %acc2 : f64
  }
  return %r : f64
}
