// The 1-D heat equation misfit in f32 (f32 version of heat1d_misfit.mlir):
// 10 explicit steps through a scratch buffer and memref.copy, f = sum
// (u_i - 0.5)^2, gradient w.r.t. u (dup) and kappa (active).
// GRAD: heat32
// ARG: array 13
// ARG: scalar 0.1 0.4
func.func @heat32(%u: memref<?xf32>, %kappa: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %two = arith.constant 2.0 : f32
  %half = arith.constant 0.5 : f32
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %u, %c0 : memref<?xf32>
  %last = arith.subi %n, %c1 : index
  %next = memref.alloc(%n) : memref<?xf32>
  scf.for %t = %c0 to %c10 step %c1 {
    memref.copy %u, %next : memref<?xf32> to memref<?xf32>
    scf.for %i = %c1 to %last step %c1 {
      %im1 = arith.subi %i, %c1 : index
      %ip1 = arith.addi %i, %c1 : index
      %a = memref.load %u[%im1] : memref<?xf32>
      %b = memref.load %u[%i] : memref<?xf32>
      %c = memref.load %u[%ip1] : memref<?xf32>
      %b2 = arith.mulf %two, %b : f32
      %ac = arith.addf %a, %c : f32
      %lap = arith.subf %ac, %b2 : f32
      %d = arith.mulf %kappa, %lap : f32
      %nb = arith.addf %b, %d : f32
      memref.store %nb, %next[%i] : memref<?xf32>
    }
    memref.copy %next, %u : memref<?xf32> to memref<?xf32>
  }
  memref.dealloc %next : memref<?xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %v = memref.load %u[%i] : memref<?xf32>
    %d = arith.subf %v, %half : f32
    %dd = arith.mulf %d, %d : f32
    %acc2 = arith.addf %acc, %dd : f32
    scf.yield %acc2 : f32
  }
  return %r : f32
}
