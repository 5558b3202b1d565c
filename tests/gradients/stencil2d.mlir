// A 2-D five-point stencil on a 7 x 9 grid: two Jacobi-like smoothing
// sweeps v = u + c (N + S + E + W - 4 u) on the interior into a second
// grid and back, then the energy f = sum v_ij^2 + sum c * |grad|^2-ish
// (a nonlinear exp term on the interior). c active, grid dup.
// GRAD: smooth_energy
// ARG: array 7x9
// ARG: scalar 0.05 0.2
func.func @smooth_energy(%u: memref<?x?xf64>, %c: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %four = arith.constant 4.0 : f64
  %zero = arith.constant 0.0 : f64
  %tenth = arith.constant 0.1 : f64
  %m = memref.dim %u, %c0 : memref<?x?xf64>
  %n = memref.dim %u, %c1 : memref<?x?xf64>
  %mi = arith.subi %m, %c1 : index
  %ni = arith.subi %n, %c1 : index
  %v = memref.alloc(%m, %n) : memref<?x?xf64>
  memref.copy %u, %v : memref<?x?xf64> to memref<?x?xf64>
  scf.for %sweep = %c0 to %c2 step %c1 {
    scf.for %i = %c1 to %mi step %c1 {
      scf.for %j = %c1 to %ni step %c1 {
        %im = arith.subi %i, %c1 : index
        %ip = arith.addi %i, %c1 : index
        %jm = arith.subi %j, %c1 : index
        %jp = arith.addi %j, %c1 : index
        %n0 = memref.load %u[%im, %j] : memref<?x?xf64>
        %s0 = memref.load %u[%ip, %j] : memref<?x?xf64>
        %w0 = memref.load %u[%i, %jm] : memref<?x?xf64>
        %e0 = memref.load %u[%i, %jp] : memref<?x?xf64>
        %x0 = memref.load %u[%i, %j] : memref<?x?xf64>
        %ns = arith.addf %n0, %s0 : f64
        %we = arith.addf %w0, %e0 : f64
        %sum = arith.addf %ns, %we : f64
        %x4 = arith.mulf %four, %x0 : f64
        %lap = arith.subf %sum, %x4 : f64
        %d = arith.mulf %c, %lap : f64
        %new = arith.addf %x0, %d : f64
        memref.store %new, %v[%i, %j] : memref<?x?xf64>
      }
    }
    memref.copy %v, %u : memref<?x?xf64> to memref<?x?xf64>
  }
  %r = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> (f64) {
    %row = scf.for %j = %c0 to %n step %c1 iter_args(%racc = %acc) -> (f64) {
      %x = memref.load %u[%i, %j] : memref<?x?xf64>
      %xx = arith.mulf %x, %x : f64
      %tx = arith.mulf %tenth, %x : f64
      %e = math.exp %tx : f64
      %p = arith.addf %xx, %e : f64
      %r2 = arith.addf %racc, %p : f64
      scf.yield %r2 : f64
    }
    scf.yield %row : f64
  }
  memref.dealloc %v : memref<?x?xf64>
  return %r : f64
}
