// A helper called in a loop computes a value from outer values only: after
// inlining, zad's loop-invariant code motion hoists it out of the loop, so
// the loop yields a value defined outside it (issue 9, class 1).
// GRAD: f
// ARG: scalar 0.2 1.5
// ARG: array 5
func.func @scale(%x: f64) -> f64 {
  %s = math.sinh %x : f64
  %t = arith.mulf %s, %x : f64
  return %t : f64
}
func.func @f(%x: f64, %u: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%k = %zero, %acc = %zero) -> (f64, f64) {
    %k2 = func.call @scale(%x) : (f64) -> f64
    %v = memref.load %u[%i] : memref<?xf64>
    %p = arith.mulf %v, %k : f64
    %acc2 = arith.addf %acc, %p : f64
    scf.yield %k2, %acc2 : f64, f64
  }
  %y = arith.addf %r#0, %r#1 : f64
  return %y : f64
}
