// Explicit (forward-Euler, centred-space) time stepping of the 1-D heat
// equation u_t = alpha u_xx with fixed (Dirichlet) boundary values:
//
//   u_new(i) = u(i) + r * (u(i-1) - 2 u(i) + u(i+1)),   r = alpha dt / dx^2,
//
// for the interior points i = 1 .. n-2; u(0) and u(n-1) never change.
// Stable for r <= 1/2.
//
// The kernel updates the caller's array in place, with no scratch array:
// sweeping left to right, the old value of the left neighbour has already
// been overwritten when point i is updated, so it is carried along in a
// register (the loop's iter_arg %left). The arithmetic is written in the
// same order as the reference loop in heat.f90, so the two agree to the
// last bit unless the compilers contract a*b+c into fused multiply-adds.
//
// Returns the heat content sum(u) after the last step, a cheap scalar
// checksum for the caller.

func.func @heat_steps(%u: memref<?xf64>, %r: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  // Arrays of fewer than 3 points have no interior and (for n = 0) no u(0)
  // to read.
  %c3 = arith.constant 3 : index
  %has_interior = arith.cmpi sge, %n, %c3 : index

  scf.if %has_interior {
    scf.for %step = %c0 to %steps step %c1 {
      %first = memref.load %u[%c0] : memref<?xf64>
      // %left: the value of u(i-1) before this step.
      %unused = scf.for %i = %c1 to %last step %c1 iter_args(%left = %first) -> (f64) {
        %ip1 = arith.addi %i, %c1 : index
        %centre = memref.load %u[%i] : memref<?xf64>
        %right = memref.load %u[%ip1] : memref<?xf64>
        %twice = arith.mulf %two, %centre : f64
        %a = arith.subf %left, %twice : f64
        %laplacian = arith.addf %a, %right : f64
        %increment = arith.mulf %r, %laplacian : f64
        %new = arith.addf %centre, %increment : f64
        memref.store %new, %u[%i] : memref<?xf64>
        scf.yield %centre : f64
      }
    }
  }

  %total = scf.for %i = %c0 to %n step %c1 iter_args(%sum = %zero) -> (f64) {
    %value = memref.load %u[%i] : memref<?xf64>
    %next = arith.addf %sum, %value : f64
    scf.yield %next : f64
  }
  return %total : f64
}
