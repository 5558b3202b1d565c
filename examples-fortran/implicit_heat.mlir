// A data misfit of the 1-D heat equation stepped implicitly (backward
// Euler): each step solves the tridiagonal system
//   (1 + 2r) v(i) - r v(i-1) - r v(i+1) = u(i),  r = kappa dt / dx^2,
// for the interior with u = 0 at both ends. The solve is a Fortran routine
// (@implicit_step in implicit_heat.f90), a foreign function the program
// registers with zad together with its adjoint, written in Fortran too:
// zad differentiates everything here and calls that adjoint for the steps.
//   J(u0, kappa) = 1/2 sum_i (u(i, T) - u_obs(i))^2 dx,  T = steps dt.
// The time loop is checkpointed (a call with buffer arguments and a custom
// adjoint is reversed one step at a time, from snapshots of u).

func.func private @implicit_step(memref<?xf64>, f64)

func.func @implicit_misfit(%u0: memref<?xf64>, %kappa: f64, %u_obs: memref<?xf64>,
                           %dt: f64, %dx: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %n = memref.dim %u0, %c0 : memref<?xf64>
  %u = memref.alloc(%n) : memref<?xf64>
  memref.copy %u0, %u : memref<?xf64> to memref<?xf64>
  %dx2 = arith.mulf %dx, %dx : f64
  %kdt = arith.mulf %kappa, %dt : f64
  %r = arith.divf %kdt, %dx2 : f64
  scf.for %step = %c0 to %steps step %c1 {
    func.call @implicit_step(%u, %r) : (memref<?xf64>, f64) -> ()
  } {zad.checkpoint = "binomial", zad.snapshots = 8 : i64}
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %a = memref.load %u[%i] : memref<?xf64>
    %b = memref.load %u_obs[%i] : memref<?xf64>
    %d = arith.subf %a, %b : f64
    %dd = arith.mulf %d, %d : f64
    %next = arith.addf %acc, %dd : f64
    scf.yield %next : f64
  }
  %hdx = arith.mulf %half, %dx : f64
  %j = arith.mulf %sum, %hdx : f64
  memref.dealloc %u : memref<?xf64>
  return %j : f64
}
