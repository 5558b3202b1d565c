// A five-point stencil on a 4 x 300 grid with rows long enough that the
// reverse sweep's scattered accumulations along a row (and into the rows
// above and below) are rewritten: two explicit diffusion steps with a
// point-dependent coefficient, then a weighted misfit.
// GRAD: stencil_long_2d
// ARG: array 4x300 -1.0 1.0
// ARG: array 4x300 0.05 0.2
func.func @stencil_long_2d(%u0: memref<4x300xf64>, %k: memref<4x300xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c299 = arith.constant 299 : index
  %c300 = arith.constant 300 : index
  %four = arith.constant 4.0 : f64
  %zero = arith.constant 0.0 : f64
  %u = memref.alloc() : memref<4x300xf64>
  %next = memref.alloc() : memref<4x300xf64>
  memref.copy %u0, %u : memref<4x300xf64> to memref<4x300xf64>
  memref.copy %u0, %next : memref<4x300xf64> to memref<4x300xf64>
  scf.for %t = %c0 to %c2 step %c1 {
    scf.for %j = %c1 to %c3 step %c1 {
      scf.for %i = %c1 to %c299 step %c1 {
        %jm = arith.subi %j, %c1 : index
        %jp = arith.addi %j, %c1 : index
        %im = arith.subi %i, %c1 : index
        %ip = arith.addi %i, %c1 : index
        %w = memref.load %u[%j, %im] : memref<4x300xf64>
        %e = memref.load %u[%j, %ip] : memref<4x300xf64>
        %n = memref.load %u[%jm, %i] : memref<4x300xf64>
        %s = memref.load %u[%jp, %i] : memref<4x300xf64>
        %c = memref.load %u[%j, %i] : memref<4x300xf64>
        %kij = memref.load %k[%j, %i] : memref<4x300xf64>
        %we = arith.addf %w, %e : f64
        %ns = arith.addf %n, %s : f64
        %all = arith.addf %we, %ns : f64
        %c4x = arith.mulf %c, %four : f64
        %lap = arith.subf %all, %c4x : f64
        %flux = arith.mulf %kij, %lap : f64
        %flux2 = arith.mulf %flux, %c : f64
        %new = arith.addf %c, %flux2 : f64
        memref.store %new, %next[%j, %i] : memref<4x300xf64>
      }
    }
    memref.copy %next, %u : memref<4x300xf64> to memref<4x300xf64>
  }
  %sum = scf.for %j = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> f64 {
    %row = scf.for %i = %c0 to %c300 step %c1 iter_args(%racc = %zero) -> f64 {
      %x = memref.load %u[%j, %i] : memref<4x300xf64>
      %x2 = arith.mulf %x, %x : f64
      %more = arith.addf %racc, %x2 : f64
      scf.yield %more : f64
    }
    %total = arith.addf %acc, %row : f64
    scf.yield %total : f64
  }
  memref.dealloc %u : memref<4x300xf64>
  memref.dealloc %next : memref<4x300xf64>
  return %sum : f64
}
