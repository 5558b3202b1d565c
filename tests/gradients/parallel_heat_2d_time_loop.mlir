// A 2-D heat equation time loop: each step a 2-D parallel stencil over the
// interior (five neighbours read, its own point written into a second
// buffer, a nonlinear source, a diffusion coefficient shared by every
// iteration), then a 2-D parallel copy back; the misfit of the final state.
// The reverse sweep runs both loops in parallel (neighbour adjoints
// gathered, the coefficient's adjoint summed by a reduction).
// GRAD: heat_2d
// ARG: array 6x7
// ARG: scalar 0.05 0.2
// ARG: index 4
func.func @heat_2d(%u: memref<?x?xf64>, %r: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %u, %c0 : memref<?x?xf64>
  %m = memref.dim %u, %c1 : memref<?x?xf64>
  %n1 = arith.subi %n, %c1 : index
  %m1 = arith.subi %m, %c1 : index
  %four = arith.constant 4.0 : f64
  %v = memref.alloc(%n, %m) : memref<?x?xf64>
  memref.copy %u, %v : memref<?x?xf64> to memref<?x?xf64>
  scf.for %t = %c0 to %steps step %c1 {
    scf.parallel (%i, %j) = (%c1, %c1) to (%n1, %m1) step (%c1, %c1) {
      %im = arith.subi %i, %c1 : index
      %ip = arith.addi %i, %c1 : index
      %jm = arith.subi %j, %c1 : index
      %jp = arith.addi %j, %c1 : index
      %c = memref.load %u[%i, %j] : memref<?x?xf64>
      %w = memref.load %u[%im, %j] : memref<?x?xf64>
      %e = memref.load %u[%ip, %j] : memref<?x?xf64>
      %s = memref.load %u[%i, %jm] : memref<?x?xf64>
      %nn = memref.load %u[%i, %jp] : memref<?x?xf64>
      %we = arith.addf %w, %e : f64
      %sn = arith.addf %s, %nn : f64
      %sum = arith.addf %we, %sn : f64
      %c4 = arith.mulf %four, %c : f64
      %lap = arith.subf %sum, %c4 : f64
      %d = arith.mulf %r, %lap : f64
      %src = math.sin %c : f64
      %src2 = arith.mulf %src, %r : f64
      %dd = arith.addf %d, %src2 : f64
      %new = arith.addf %c, %dd : f64
      memref.store %new, %v[%i, %j] : memref<?x?xf64>
      scf.reduce
    }
    scf.parallel (%i, %j) = (%c1, %c1) to (%n1, %m1) step (%c1, %c1) {
      %x = memref.load %v[%i, %j] : memref<?x?xf64>
      memref.store %x, %u[%i, %j] : memref<?x?xf64>
      scf.reduce
    }
  }
  memref.dealloc %v : memref<?x?xf64>
  %zero = arith.constant 0.0 : f64
  %total = scf.parallel (%i, %j) = (%c0, %c0) to (%n, %m) step (%c1, %c1) init (%zero) -> f64 {
    %x = memref.load %u[%i, %j] : memref<?x?xf64>
    %xx = arith.mulf %x, %x : f64
    scf.reduce(%xx : f64) {
    ^bb0(%a: f64, %b: f64):
      %ab = arith.addf %a, %b : f64
      scf.reduce.return %ab : f64
    }
  }
  return %total : f64
}
