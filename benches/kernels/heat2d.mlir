// The explicit 2-D heat equation u_t = kappa (u_xx + u_yy) on the unit
// square, u = u0 on the boundary, five-point stencil, then the misfit
//   J = 1/2 h^2 sum_ij (u_ij(T) - u_obs_ij)^2
// (the model of examples-fortran/heat2d_adjoint.f90, whose Fortran source
// heat2d_kernel.f90 zad converts; written here directly in MLIR for the
// checkpointing and GradBench benchmarks).
//
// u0 and u_obs come from Fortran: whole column-major arrays, hence
// strided<[1, ?]>, indexed [i, j] in Fortran order. The time loop works on
// a buffer of its own, u, allocated here with the same memory order
// (u[j, i] is u0[i, j]): the loop's checkpointed state is u alone, a plain
// contiguous buffer. Each step computes the new interior into a temporary
// v allocated inside the step (not part of the state) and copies it back.
func.func @heat2d(%u0: memref<?x?xf64, strided<[1, ?]>>, %kappa: f64,
                  %u_obs: memref<?x?xf64, strided<[1, ?]>>, %dt: f64, %h: f64,
                  %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n0 = memref.dim %u0, %c0 : memref<?x?xf64, strided<[1, ?]>>
  %n1 = memref.dim %u0, %c1 : memref<?x?xf64, strided<[1, ?]>>
  %last0 = arith.subi %n0, %c1 : index
  %last1 = arith.subi %n1, %c1 : index
  %u = memref.alloc(%n1, %n0) : memref<?x?xf64>
  scf.for %j = %c0 to %n1 step %c1 {
    scf.for %i = %c0 to %n0 step %c1 {
      %x = memref.load %u0[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
      memref.store %x, %u[%j, %i] : memref<?x?xf64>
    }
  }
  // r = kappa dt / h^2, the diffusion number (stable for r <= 1/4).
  %h2 = arith.mulf %h, %h : f64
  %kdt = arith.mulf %kappa, %dt : f64
  %r = arith.divf %kdt, %h2 : f64
  %four = arith.constant 4.0 : f64
  scf.for %t = %c0 to %steps step %c1 {  // time loop
    %v = memref.alloc(%n1, %n0) : memref<?x?xf64>
    scf.for %j = %c1 to %last1 step %c1 {
      %jm = arith.subi %j, %c1 : index
      %jp = arith.addi %j, %c1 : index
      scf.for %i = %c1 to %last0 step %c1 {
        %im = arith.subi %i, %c1 : index
        %ip = arith.addi %i, %c1 : index
        %south = memref.load %u[%jm, %i] : memref<?x?xf64>
        %north = memref.load %u[%jp, %i] : memref<?x?xf64>
        %west = memref.load %u[%j, %im] : memref<?x?xf64>
        %east = memref.load %u[%j, %ip] : memref<?x?xf64>
        %centre = memref.load %u[%j, %i] : memref<?x?xf64>
        %sn = arith.addf %south, %north : f64
        %we = arith.addf %west, %east : f64
        %around = arith.addf %sn, %we : f64
        %c4 = arith.mulf %four, %centre : f64
        %lap = arith.subf %around, %c4 : f64
        %flux = arith.mulf %r, %lap : f64
        %new = arith.addf %centre, %flux : f64
        memref.store %new, %v[%j, %i] : memref<?x?xf64>
      }
    }
    scf.for %j = %c1 to %last1 step %c1 {
      scf.for %i = %c1 to %last0 step %c1 {
        %new = memref.load %v[%j, %i] : memref<?x?xf64>
        memref.store %new, %u[%j, %i] : memref<?x?xf64>
      }
    }
    memref.dealloc %v : memref<?x?xf64>
  }
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %sum = scf.for %j = %c0 to %n1 step %c1 iter_args(%acc = %zero) -> (f64) {
    %row = scf.for %i = %c0 to %n0 step %c1 iter_args(%racc = %acc) -> (f64) {
      %x = memref.load %u[%j, %i] : memref<?x?xf64>
      %o = memref.load %u_obs[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
      %e = arith.subf %x, %o : f64
      %e2 = arith.mulf %e, %e : f64
      %more = arith.addf %racc, %e2 : f64
      scf.yield %more : f64
    }
    scf.yield %row : f64
  }
  memref.dealloc %u : memref<?x?xf64>
  %hh = arith.mulf %half, %h2 : f64
  %misfit = arith.mulf %hh, %sum : f64
  return %misfit : f64
}
