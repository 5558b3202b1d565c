// A helper called inside a loop with the loop's values (a Gaussian
// kernel of the distance between a_i and a center c with width s):
// f = sum_i w_i * kernel(a_i, c, s).
// GRAD: kernel_sum
// ARG: array 13 -2.0 2.0
// ARG: array 13
// ARG: scalar -0.5 0.5
// ARG: scalar 0.5 1.5
func.func private @kernel(%x: f64, %c: f64, %s: f64) -> f64 {
  %d = arith.subf %x, %c : f64
  %q = arith.divf %d, %s : f64
  %qq = arith.mulf %q, %q : f64
  %n = arith.negf %qq : f64
  %e = math.exp %n : f64
  return %e : f64
}
func.func @kernel_sum(%a: memref<?xf64>, %w: memref<?xf64>, %c: f64, %s: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %k = func.call @kernel(%x, %c, %s) : (f64, f64, f64) -> f64
    %wi = memref.load %w[%i] : memref<?xf64>
    %p = arith.mulf %wi, %k : f64
    %next = arith.addf %acc, %p : f64
    scf.yield %next : f64
  }
  return %r : f64
}
