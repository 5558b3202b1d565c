// scf.for whose yield permutes its iter_args (a Fibonacci-like two-term
// recurrence, (p, q) <- (q, p + q sin(x a_i))): the adjoint of each yielded
// value flows to a different iter_arg; the second result is never used
// after the loop. f = p * 0.5 + x.
// GRAD: two_term
// ARG: array 13 -1.0 1.0
// ARG: scalar 0.2 1.0
// ARG: scalar 0.2 1.0
func.func @two_term(%a: memref<?xf64>, %x: f64, %q0: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %half = arith.constant 0.5 : f64
  %one = arith.constant 1.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %p, %q = scf.for %i = %c0 to %n step %c1 iter_args(%pi = %one, %qi = %q0) -> (f64, f64) {
    %v = memref.load %a[%i] : memref<?xf64>
    %xv = arith.mulf %x, %v : f64
    %s = math.sin %xv : f64
    %qs = arith.mulf %qi, %s : f64
    %next = arith.addf %pi, %qs : f64
    scf.yield %qi, %next : f64, f64
  }
  %ph = arith.mulf %p, %half : f64
  %f = arith.addf %ph, %x : f64
  return %f : f64
}
