// arith.maximumf, arith.minimumf, arith.maxnumf and arith.minnumf on
// active values (kinks where operands tie, which random points miss):
// a clipped, leaky activation summed over an array,
// f = sum max(a_i, 0.1 a_i) * min(b_i, 0.5) + maxnum(a_i b_i, -0.2) + minnum(a_i, b_i)^2.
// GRAD: clipped
// ARG: array 13 -2.0 2.0
// ARG: array 13 -2.0 2.0
func.func @clipped(%a: memref<?xf64>, %b: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %leak = arith.constant 0.1 : f64
  %cap = arith.constant 0.5 : f64
  %floor = arith.constant -0.2 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %y = memref.load %b[%i] : memref<?xf64>
    %lx = arith.mulf %leak, %x : f64
    %m = arith.maximumf %x, %lx : f64
    %c = arith.minimumf %y, %cap : f64
    %p = arith.mulf %m, %c : f64
    %xy = arith.mulf %x, %y : f64
    %mn = arith.maxnumf %xy, %floor : f64
    %lo = arith.minnumf %x, %y : f64
    %lo2 = arith.mulf %lo, %lo : f64
    %q = arith.addf %p, %mn : f64
    %r = arith.addf %q, %lo2 : f64
    %next = arith.addf %acc, %r : f64
    scf.yield %next : f64
  }
  return %s : f64
}
