// scf.for with lower bound, upper bound and step given as index arguments
// (lb = 2, ub = 13, step = 3: iterations 2, 5, 8, 11), a non-unit step,
// and scalars carried through a nonlinear recurrence:
// y <- y * cos(a_i) + x a_i^2 from y = z; f = y^2.
// GRAD: strided_recurrence
// ARG: array 13
// ARG: scalar 0.2 1.2
// ARG: scalar -1.0 1.0
// ARG: index 2
// ARG: index 13
// ARG: index 3
func.func @strided_recurrence(%a: memref<?xf64>, %x: f64, %z: f64, %lb: index, %ub: index, %step: index) -> f64 {
  %s = scf.for %i = %lb to %ub step %step iter_args(%y = %z) -> (f64) {
    %v = memref.load %a[%i] : memref<?xf64>
    %c = math.cos %v : f64
    %yc = arith.mulf %y, %c : f64
    %vv = arith.mulf %v, %v : f64
    %xv = arith.mulf %x, %vv : f64
    %next = arith.addf %yc, %xv : f64
    scf.yield %next : f64
  }
  %f = arith.mulf %s, %s : f64
  return %f : f64
}
