// stencil2d.mlir with parallel loops: each step is a parallel stencil
// (scf.parallel over the interior) and a parallel copy back, so that the
// checkpointed loop's step function differentiates both as parallel loops
// (their reverses parallel too, on threads or a GPU). Same function, same
// state (u and v, 2 m n doubles), same gradient as stencil2d.mlir.
func.func @diffuse2d_parallel(%u0: memref<?x?xf64>, %kappa: f64, %obs: memref<?x?xf64>, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %four = arith.constant 4.0 : f64
  %one = arith.constant 1.0 : f64
  %rate = arith.constant 0.05 : f64
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %m = memref.dim %u0, %c0 : memref<?x?xf64>
  %n = memref.dim %u0, %c1 : memref<?x?xf64>
  %mi = arith.subi %m, %c1 : index
  %ni = arith.subi %n, %c1 : index
  %u = memref.alloc(%m, %n) : memref<?x?xf64>
  %v = memref.alloc(%m, %n) : memref<?x?xf64>
  memref.copy %u0, %u : memref<?x?xf64> to memref<?x?xf64>
  memref.copy %u0, %v : memref<?x?xf64> to memref<?x?xf64>
  scf.for %t = %c0 to %steps step %c1 {  // time loop
    scf.parallel (%i, %j) = (%c1, %c1) to (%mi, %ni) step (%c1, %c1) {
      %im = arith.subi %i, %c1 : index
      %ip = arith.addi %i, %c1 : index
      %jm = arith.subi %j, %c1 : index
      %jp = arith.addi %j, %c1 : index
      %north = memref.load %u[%im, %j] : memref<?x?xf64>
      %south = memref.load %u[%ip, %j] : memref<?x?xf64>
      %west = memref.load %u[%i, %jm] : memref<?x?xf64>
      %east = memref.load %u[%i, %jp] : memref<?x?xf64>
      %centre = memref.load %u[%i, %j] : memref<?x?xf64>
      %ns = arith.addf %north, %south : f64
      %we = arith.addf %west, %east : f64
      %around = arith.addf %ns, %we : f64
      %c4 = arith.mulf %four, %centre : f64
      %lap = arith.subf %around, %c4 : f64
      %diffusion = arith.mulf %kappa, %lap : f64
      %rest = arith.subf %one, %centre : f64
      %logistic = arith.mulf %centre, %rest : f64
      %source = arith.mulf %rate, %logistic : f64
      %change = arith.addf %diffusion, %source : f64
      %new = arith.addf %centre, %change : f64
      memref.store %new, %v[%i, %j] : memref<?x?xf64>
      scf.reduce
    }
    scf.parallel (%i, %j) = (%c0, %c0) to (%m, %n) step (%c1, %c1) {
      %x = memref.load %v[%i, %j] : memref<?x?xf64>
      memref.store %x, %u[%i, %j] : memref<?x?xf64>
      scf.reduce
    }
  }
  %sum = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> f64 {
    %row = scf.for %j = %c0 to %n step %c1 iter_args(%racc = %acc) -> f64 {
      %x = memref.load %u[%i, %j] : memref<?x?xf64>
      %o = memref.load %obs[%i, %j] : memref<?x?xf64>
      %e = arith.subf %x, %o : f64
      %e2 = arith.mulf %e, %e : f64
      %more = arith.addf %racc, %e2 : f64
      scf.yield %more : f64
    }
    scf.yield %row : f64
  }
  memref.dealloc %u : memref<?x?xf64>
  memref.dealloc %v : memref<?x?xf64>
  %misfit = arith.mulf %half, %sum : f64
  return %misfit : f64
}
