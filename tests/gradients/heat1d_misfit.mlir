// 1-D heat equation misfit: explicit Euler steps of u_t = kappa u_xx on 13
// points with fixed ends, 20 steps in place through a scratch buffer, then
// f = sum_i (u_i - target_i)^2. Gradient w.r.t. the initial condition u
// (dup) and the diffusivity kappa (active); the target is const.
// ACTIVITY: dup,active,const
// GRAD: heat_misfit
// ARG: array 13
// ARG: scalar 0.1 0.4
// ARG: array 13
func.func @heat_misfit(%u: memref<?xf64>, %kappa: f64, %target: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c20 = arith.constant 20 : index
  %two = arith.constant 2.0 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %next = memref.alloc(%n) : memref<?xf64>
  scf.for %t = %c0 to %c20 step %c1 {
    scf.for %i = %c1 to %last step %c1 {
      %im1 = arith.subi %i, %c1 : index
      %ip1 = arith.addi %i, %c1 : index
      %a = memref.load %u[%im1] : memref<?xf64>
      %b = memref.load %u[%i] : memref<?xf64>
      %c = memref.load %u[%ip1] : memref<?xf64>
      %b2 = arith.mulf %two, %b : f64
      %ac = arith.addf %a, %c : f64
      %lap = arith.subf %ac, %b2 : f64
      %d = arith.mulf %kappa, %lap : f64
      %nb = arith.addf %b, %d : f64
      memref.store %nb, %next[%i] : memref<?xf64>
    }
    scf.for %i = %c1 to %last step %c1 {
      %v = memref.load %next[%i] : memref<?xf64>
      memref.store %v, %u[%i] : memref<?xf64>
    }
  }
  memref.dealloc %next : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %u[%i] : memref<?xf64>
    %w = memref.load %target[%i] : memref<?xf64>
    %d = arith.subf %v, %w : f64
    %dd = arith.mulf %d, %d : f64
    %acc2 = arith.addf %acc, %dd : f64
    scf.yield %acc2 : f64
  }
  return %r : f64
}
