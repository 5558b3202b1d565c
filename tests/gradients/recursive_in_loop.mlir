// A recursive scalar function called inside a loop (its arguments and
// results vary per iteration, so they are recorded for the reverse sweep):
// chain(n, x) = n == 0 ? x : sin(chain(n - 1, x)) + 0.5 x, and
// f = sum_i w_i chain(i mod 4, a_i).
// GRAD: chains
// ARG: array 7
// ARG: array 7
func.func @chain(%n: index, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %half = arith.constant 0.5 : f64
  %done = arith.cmpi eq, %n, %c0 : index
  %r = scf.if %done -> (f64) {
    scf.yield %x : f64
  } else {
    %m = arith.subi %n, %c1 : index
    %p = func.call @chain(%m, %x) : (index, f64) -> f64
    %s = math.sin %p : f64
    %hx = arith.mulf %half, %x : f64
    %q = arith.addf %s, %hx : f64
    scf.yield %q : f64
  }
  return %r : f64
}
func.func @chains(%a: memref<?xf64>, %w: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %a[%i] : memref<?xf64>
    %k = arith.remui %i, %c4 : index
    %c = func.call @chain(%k, %v) : (index, f64) -> f64
    %wi = memref.load %w[%i] : memref<?xf64>
    %p = arith.mulf %wi, %c : f64
    %acc2 = arith.addf %acc, %p : f64
    scf.yield %acc2 : f64
  }
  return %s : f64
}
