// Stable log-sum-exp: m = max_i a_i (arith.maximumf in a loop), then
// f = m + log(sum_i exp(a_i - m)) * t with t active. The max's kink (two
// equal maxima) is missed by random points; the result does not depend on m
// mathematically when t = 1, but its adjoint paths must cancel correctly.
// GRAD: lse
// ARG: array 13 -3.0 3.0
// ARG: scalar 0.5 1.5
func.func @lse(%a: memref<?xf64>, %t: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %ninf = arith.constant -1.0e300 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %m = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %ninf) -> (f64) {
    %v = memref.load %a[%i] : memref<?xf64>
    %mx = arith.maximumf %acc, %v : f64
    scf.yield %mx : f64
  }
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %a[%i] : memref<?xf64>
    %d = arith.subf %v, %m : f64
    %e = math.exp %d : f64
    %acc2 = arith.addf %acc, %e : f64
    scf.yield %acc2 : f64
  }
  %l = math.log %s : f64
  %lt = arith.mulf %l, %t : f64
  %f = arith.addf %m, %lt : f64
  return %f : f64
}
