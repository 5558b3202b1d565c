// A heat equation time loop whose step is a parallel stencil writing a
// second buffer, copied back in a second parallel loop; the misfit of the
// final state: parallel loops inside a sequential loop, reading and
// writing buffers that carry derivatives.
// GRAD: heat_parallel
// ARG: array 9
// ARG: scalar 0.1 0.3
// ARG: index 5
func.func @heat_parallel(%u: memref<?xf64>, %r: f64, %steps: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %u, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %v = memref.alloc(%n) : memref<?xf64>
  %two = arith.constant 2.0 : f64
  memref.copy %u, %v : memref<?xf64> to memref<?xf64>
  scf.for %t = %c0 to %steps step %c1 {
    scf.parallel (%i) = (%c1) to (%last) step (%c1) {
      %im = arith.subi %i, %c1 : index
      %ip = arith.addi %i, %c1 : index
      %a = memref.load %u[%im] : memref<?xf64>
      %b = memref.load %u[%i] : memref<?xf64>
      %c = memref.load %u[%ip] : memref<?xf64>
      %ac = arith.addf %a, %c : f64
      %b2 = arith.mulf %two, %b : f64
      %lap = arith.subf %ac, %b2 : f64
      %d = arith.mulf %r, %lap : f64
      %bs = arith.mulf %b, %b : f64
      %src = math.tanh %bs : f64
      %dd = arith.addf %d, %src : f64
      %new = arith.addf %b, %dd : f64
      memref.store %new, %v[%i] : memref<?xf64>
      scf.reduce
    }
    scf.parallel (%i) = (%c1) to (%last) step (%c1) {
      %x = memref.load %v[%i] : memref<?xf64>
      memref.store %x, %u[%i] : memref<?xf64>
      scf.reduce
    }
  }
  memref.dealloc %v : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %u[%i] : memref<?xf64>
    %xx = arith.mulf %x, %x : f64
    %acc2 = arith.addf %acc, %xx : f64
    scf.yield %acc2 : f64
  }
  return %s : f64
}
