// memref.cast from a static to a dynamic shape (and back), memref.dim of
// the cast for the loop bounds, loads through the cast and stores through
// the original: a static 7-element argument is normalised in place by its
// log-sum-exp and then reduced, f = sum_i x_i exp(x_i - lse) (x = input).
// GRAD: cast_views
// ARG: array 7
func.func @cast_views(%a: memref<7xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %d = memref.cast %a : memref<7xf64> to memref<?xf64>
  %n = memref.dim %d, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %d[%i] : memref<?xf64>
    %e = math.exp %v : f64
    %acc2 = arith.addf %acc, %e : f64
    scf.yield %acc2 : f64
  }
  %lse = math.log %s : f64
  %back = memref.cast %d : memref<?xf64> to memref<7xf64>
  %x = memref.alloc(%n) : memref<?xf64>
  memref.copy %d, %x : memref<?xf64> to memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %back[%i] : memref<7xf64>
    %sh = arith.subf %v, %lse : f64
    memref.store %sh, %a[%i] : memref<7xf64>
  }
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %d[%i] : memref<?xf64>
    %xi = memref.load %x[%i] : memref<?xf64>
    %e = math.exp %v : f64
    %p = arith.mulf %xi, %e : f64
    %acc2 = arith.addf %acc, %p : f64
    scf.yield %acc2 : f64
  }
  memref.dealloc %x : memref<?xf64>
  return %r : f64
}
