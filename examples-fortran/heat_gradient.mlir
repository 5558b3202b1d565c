// A data-misfit functional of the 1-D heat equation, for reverse-mode
// differentiation by zad (heat_gradient.f90 asks for its gradient with
// respect to the initial condition u0 and the diffusivity kappa).
//
//   u_t = kappa u_xx on [0, L],  u(0, t) and u(L, t) held at u0's end values,
//   explicit scheme (forward Euler, centred differences), r = kappa dt / dx^2:
//     u_new(i) = u(i) + r ((u(i-1) - 2 u(i)) + u(i+1)),  i = 1 .. n-2,
//   J(u0, kappa) = 1/2 sum_i (u(i, T) - u_obs(i))^2 dx,  T = steps dt,
//
// a discrete version of 1/2 int (u(x, T) - u_obs(x))^2 dx. Stable for
// r <= 1/2.
//
// The kernel leaves its inputs alone: it copies u0 into a work array u,
// and each step computes the new interior into a second array v and copies
// it back. Reverse mode records the values of the Laplacian that the
// derivative with respect to kappa needs (steps x (n-2) of them) on a tape.

func.func @heat_misfit(%u0: memref<?xf64>, %kappa: f64, %u_obs: memref<?xf64>,
                       %dt: f64, %dx: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %two = arith.constant 2.0 : f64
  %n = memref.dim %u0, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index

  %u = memref.alloc(%n) : memref<?xf64>
  %v = memref.alloc(%n) : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %value = memref.load %u0[%i] : memref<?xf64>
    memref.store %value, %u[%i] : memref<?xf64>
    memref.store %value, %v[%i] : memref<?xf64>
  }

  %dx2 = arith.mulf %dx, %dx : f64
  %kdt = arith.mulf %kappa, %dt : f64
  %r = arith.divf %kdt, %dx2 : f64

  // Interior points 1 .. n-2 (none when n < 3).
  scf.for %step = %c0 to %steps step %c1 {
    scf.for %i = %c1 to %last step %c1 {
      %im1 = arith.subi %i, %c1 : index
      %ip1 = arith.addi %i, %c1 : index
      %left = memref.load %u[%im1] : memref<?xf64>
      %centre = memref.load %u[%i] : memref<?xf64>
      %right = memref.load %u[%ip1] : memref<?xf64>
      %twice = arith.mulf %two, %centre : f64
      %a = arith.subf %left, %twice : f64
      %laplacian = arith.addf %a, %right : f64
      %increment = arith.mulf %r, %laplacian : f64
      %new = arith.addf %centre, %increment : f64
      memref.store %new, %v[%i] : memref<?xf64>
    }
    scf.for %i = %c1 to %last step %c1 {
      %new = memref.load %v[%i] : memref<?xf64>
      memref.store %new, %u[%i] : memref<?xf64>
    }
  }

  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %model = memref.load %u[%i] : memref<?xf64>
    %observed = memref.load %u_obs[%i] : memref<?xf64>
    %residual = arith.subf %model, %observed : f64
    %square = arith.mulf %residual, %residual : f64
    %next = arith.addf %acc, %square : f64
    scf.yield %next : f64
  }
  memref.dealloc %u : memref<?xf64>
  memref.dealloc %v : memref<?xf64>
  %weighted = arith.mulf %sum, %dx : f64
  %misfit = arith.mulf %half, %weighted : f64
  return %misfit : f64
}
