// Read-after-write of the same element inside one iteration, and a store
// of a value read from another argument buffer: b[i] = a[i] * x;
// b[i] = b[i] * b[i] + a[i]; then f = sum_i b[i] * a[i], with a and b
// both dup (b's initial contents do not matter: its gradient is 0).
// GRAD: overwrite_then_read
// ARG: array 7
// ARG: array 7
// ARG: scalar -1.0 1.0
func.func @overwrite_then_read(%a: memref<?xf64>, %b: memref<?xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %a[%i] : memref<?xf64>
    %vx = arith.mulf %v, %x : f64
    memref.store %vx, %b[%i] : memref<?xf64>
    %w = memref.load %b[%i] : memref<?xf64>
    %ww = arith.mulf %w, %w : f64
    %w2 = arith.addf %ww, %v : f64
    memref.store %w2, %b[%i] : memref<?xf64>
    %w3 = memref.load %b[%i] : memref<?xf64>
    %p = arith.mulf %w3, %v : f64
    %acc2 = arith.addf %acc, %p : f64
    scf.yield %acc2 : f64
  }
  return %r : f64
}
