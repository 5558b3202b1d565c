// scf.for with dynamic bounds where one loop is empty (lb = ub = 4) and a
// second has a step larger than the range (one iteration): the gradient
// must still flow around the empty loop. f = y(empty loop) * x + z.
// GRAD: empty_ranges
// ARG: array 7
// ARG: scalar 0.5 1.5
// ARG: index 4
// ARG: index 4
// ARG: index 5
func.func @empty_ranges(%a: memref<?xf64>, %x: f64, %lo: index, %hi: index, %big: index) -> f64 {
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %y = scf.for %i = %lo to %hi step %c1 iter_args(%acc = %x) -> (f64) {
    %v = memref.load %a[%i] : memref<?xf64>
    %p = arith.mulf %acc, %v : f64
    scf.yield %p : f64
  }
  %xy = arith.mulf %y, %x : f64
  %z = scf.for %i = %lo to %c7 step %big iter_args(%acc = %xy) -> (f64) {
    %v = memref.load %a[%i] : memref<?xf64>
    %e = math.exp %v : f64
    %p = arith.mulf %acc, %e : f64
    scf.yield %p : f64
  }
  return %z : f64
}
