// Time stepping with two buffers and memref.copy: u_new[i] = u[i] +
// dt * (u[i-1] - 2 u[i] + u[i+1]) + dt * sin(u[i]) (ends fixed), written
// into a scratch buffer, then copied back into the argument, 5 steps;
// f = sum u_i^2 at the end. Both buffers are overwritten every step.
// GRAD: stepped
// ARG: array 13
// ARG: scalar 0.05 0.2
func.func @stepped(%u: memref<?xf64>, %dt: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %two = arith.constant 2.0 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %tmp = memref.alloc(%n) : memref<?xf64>
  scf.for %t = %c0 to %c5 step %c1 {
    memref.copy %u, %tmp : memref<?xf64> to memref<?xf64>
    scf.for %i = %c1 to %last step %c1 {
      %im1 = arith.subi %i, %c1 : index
      %ip1 = arith.addi %i, %c1 : index
      %a = memref.load %u[%im1] : memref<?xf64>
      %b = memref.load %u[%i] : memref<?xf64>
      %c = memref.load %u[%ip1] : memref<?xf64>
      %b2 = arith.mulf %two, %b : f64
      %ac = arith.addf %a, %c : f64
      %lap = arith.subf %ac, %b2 : f64
      %sb = math.sin %b : f64
      %rhs = arith.addf %lap, %sb : f64
      %d = arith.mulf %dt, %rhs : f64
      %new = arith.addf %b, %d : f64
      memref.store %new, %tmp[%i] : memref<?xf64>
    }
    memref.copy %tmp, %u : memref<?xf64> to memref<?xf64>
  }
  memref.dealloc %tmp : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %u[%i] : memref<?xf64>
    %vv = arith.mulf %v, %v : f64
    %acc2 = arith.addf %acc, %vv : f64
    scf.yield %acc2 : f64
  }
  return %r : f64
}
