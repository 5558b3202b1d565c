// Stencils long enough (300 points) that the reverse sweep's scattered
// adjoint accumulations are rewritten (one buffer per shifted
// accumulation, added after the loop): a three-point diffusion step taken
// 4 times, then an asymmetric stencil (points i-2, i and i+1, weights
// depending on the point) accumulated into a second buffer, then a misfit.
// GRAD: stencil_long
// ARG: array 300 -1.0 1.0
// ARG: scalar 0.1 0.3
// ARG: array 300 -1.0 1.0
func.func @stencil_long(%u0: memref<300xf64>, %r: f64, %w: memref<300xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c299 = arith.constant 299 : index
  %c300 = arith.constant 300 : index
  %two = arith.constant 2.0 : f64
  %zero = arith.constant 0.0 : f64
  %u = memref.alloc() : memref<300xf64>
  %next = memref.alloc() : memref<300xf64>
  %v = memref.alloc() : memref<300xf64>
  memref.copy %u0, %u : memref<300xf64> to memref<300xf64>
  memref.copy %u0, %next : memref<300xf64> to memref<300xf64>
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %i = %c1 to %c299 step %c1 {
      %im = arith.subi %i, %c1 : index
      %ip = arith.addi %i, %c1 : index
      %a = memref.load %u[%im] : memref<300xf64>
      %b = memref.load %u[%i] : memref<300xf64>
      %c = memref.load %u[%ip] : memref<300xf64>
      %b2 = arith.mulf %b, %two : f64
      %d = arith.subf %a, %b2 : f64
      %lap = arith.addf %d, %c : f64
      %flux = arith.mulf %r, %lap : f64
      %new = arith.addf %b, %flux : f64
      memref.store %new, %next[%i] : memref<300xf64>
    }
    memref.copy %next, %u : memref<300xf64> to memref<300xf64>
  }
  // v[i] = w[i]·u[i-2]·u[i] + sin(u[i+1]), i from 2 to 298.
  scf.for %i = %c2 to %c299 step %c1 {
    %im2 = arith.subi %i, %c2 : index
    %ip = arith.addi %i, %c1 : index
    %a = memref.load %u[%im2] : memref<300xf64>
    %b = memref.load %u[%i] : memref<300xf64>
    %c = memref.load %u[%ip] : memref<300xf64>
    %wi = memref.load %w[%i] : memref<300xf64>
    %ab = arith.mulf %a, %b : f64
    %wab = arith.mulf %wi, %ab : f64
    %s = math.sin %c : f64
    %vi = arith.addf %wab, %s : f64
    memref.store %vi, %v[%i] : memref<300xf64>
  }
  %sum = scf.for %i = %c2 to %c299 step %c1 iter_args(%acc = %zero) -> f64 {
    %x = memref.load %v[%i] : memref<300xf64>
    %x2 = arith.mulf %x, %x : f64
    %more = arith.addf %acc, %x2 : f64
    scf.yield %more : f64
  }
  memref.dealloc %u : memref<300xf64>
  memref.dealloc %next : memref<300xf64>
  memref.dealloc %v : memref<300xf64>
  return %sum : f64
}
