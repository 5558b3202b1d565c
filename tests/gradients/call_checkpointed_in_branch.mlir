// A checkpointed call inside a top-level scf.if (issue 9, class 14): the
// call's buffer is copied where the call runs and the copy kept for the
// reverse sweep; the other branch runs a different update.
// GRAD: f
// ARG: array 5
// ARG: scalar 0.3 0.9
// ARG: scalar -1.0 1.0
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
func.func @f(%u: memref<?xf64>, %w: f64, %sel: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %pos = arith.cmpf ogt, %sel, %zero : f64
  scf.if %pos {
    func.call @relax(%u, %w) {zad.checkpoint} : (memref<?xf64>, f64) -> ()
    func.call @relax(%u, %w) {zad.checkpoint} : (memref<?xf64>, f64) -> ()
  } else {
    %v = memref.load %u[%c0] : memref<?xf64>
    %s = arith.mulf %v, %w : f64
    memref.store %s, %u[%c0] : memref<?xf64>
  }
  %n = memref.dim %u, %c0 : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %zero) -> (f64) {
    %v = memref.load %u[%i] : memref<?xf64>
    %q = arith.mulf %v, %v : f64
    %b = arith.addf %a, %q : f64
    scf.yield %b : f64
  }
  return %r : f64
}
