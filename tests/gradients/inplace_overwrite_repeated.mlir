// A buffer overwritten several times: 6 passes over an argument array,
// each replacing u[i] by cos(u[i]) * s + u[(i+1) mod n] * 0.3 in place
// (reading neighbours already overwritten in this pass for all but the
// last element), with s active; f = sum u_i^3.
// GRAD: repeated_passes
// ARG: array 7
// ARG: scalar 0.5 1.0
func.func @repeated_passes(%u: memref<?xf64>, %s: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %k = arith.constant 0.3 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  scf.for %pass = %c0 to %c6 step %c1 {
    scf.for %i = %c0 to %n step %c1 {
      %i1 = arith.addi %i, %c1 : index
      %j = arith.remui %i1, %n : index
      %v = memref.load %u[%i] : memref<?xf64>
      %w = memref.load %u[%j] : memref<?xf64>
      %c = math.cos %v : f64
      %cs = arith.mulf %c, %s : f64
      %kw = arith.mulf %w, %k : f64
      %new = arith.addf %cs, %kw : f64
      memref.store %new, %u[%i] : memref<?xf64>
    }
  }
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %u[%i] : memref<?xf64>
    %vv = arith.mulf %v, %v : f64
    %vvv = arith.mulf %vv, %v : f64
    %acc2 = arith.addf %acc, %vvv : f64
    scf.yield %acc2 : f64
  }
  return %r : f64
}
