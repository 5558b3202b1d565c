// Nested AD over loops and buffers (reverse over reverse): @inner sums
// sin(a_i x) a_i over an array in an scf.for; @outer takes its gradient
// with respect to the array (a shadow it allocates and zeroes) and x, and
// returns sum_i (d inner/d a_i)^2 + x * d inner/dx. The inner gradient's
// loop records values in a tape buffer that the outer gradient reverses.
// GRAD: outer
// ARG: array 5 -1.0 1.0
// ARG: scalar -1.0 1.0
func.func private @inner(%a: memref<?xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %ai = memref.load %a[%i] : memref<?xf64>
    %ax = arith.mulf %ai, %x : f64
    %sn = math.sin %ax : f64
    %t = arith.mulf %sn, %ai : f64
    %next = arith.addf %acc, %t : f64
    scf.yield %next : f64
  }
  return %s : f64
}
func.func @outer(%a: memref<?xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %da = memref.alloc(%n) : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    memref.store %zero, %da[%i] : memref<?xf64>
  }
  %v, %dx = zad.gradient @inner(%a, %da, %x) {activity = ["dup", "active"]} : (memref<?xf64>, memref<?xf64>, f64) -> (f64, f64)
  %sq = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %g = memref.load %da[%i] : memref<?xf64>
    %gg = arith.mulf %g, %g : f64
    %next = arith.addf %acc, %gg : f64
    scf.yield %next : f64
  }
  memref.dealloc %da : memref<?xf64>
  %xdx = arith.mulf %x, %dx : f64
  %r = arith.addf %sq, %xdx : f64
  return %r : f64
}
