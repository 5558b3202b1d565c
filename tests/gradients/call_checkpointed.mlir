// A checkpointed call (Tapenade's call checkpoint): the second call of
// @relax is marked {zad.checkpoint}, so it is not inlined; the forward
// sweep runs it untaped on the buffer it updates in place, keeping a copy,
// and the reverse sweep reruns it taped on the copy and reverses it.
// GRAD: f
// ARG: array 5
// ARG: scalar 0.3 0.9
func.func @relax(%u: memref<?xf64>, %w: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %u, %c0 : memref<?xf64>
  scf.for %i = %c1 to %n step %c1 {
    %im = arith.subi %i, %c1 : index
    %a = memref.load %u[%im] : memref<?xf64>
    %b = memref.load %u[%i] : memref<?xf64>
    %m = arith.mulf %a, %w : f64
    %s = arith.addf %b, %m : f64
    %t = math.tanh %s : f64
    memref.store %t, %u[%i] : memref<?xf64>
  }
  return
}
func.func @f(%u: memref<?xf64>, %w: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  func.call @relax(%u, %w) : (memref<?xf64>, f64) -> ()
  func.call @relax(%u, %w) {zad.checkpoint} : (memref<?xf64>, f64) -> ()
  %x = memref.load %u[%c2] : memref<?xf64>
  %y = memref.load %u[%c0] : memref<?xf64>
  %p = arith.mulf %x, %y : f64
  return %p : f64
}
