// memref.subview of an argument: a strided window (offset 1, size 5,
// stride 2) and a dynamic-offset window; reads through both views and a
// write through one of them (u[1 + 2k] *= exp(-k/4) via the view), then
// f = sum over the window of sin(v_k) w_k + sum_i u_i^2.
// GRAD: windows
// ARG: array 13
// ARG: index 3
func.func @windows(%u: memref<?xf64>, %off: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f64
  %mq = arith.constant -0.25 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %v = memref.subview %u[1] [5] [2] : memref<?xf64> to memref<5xf64, strided<[2], offset: 1>>
  %w = memref.subview %u[%off] [%c4] [1] : memref<?xf64> to memref<?xf64, strided<[1], offset: ?>>
  %s = scf.for %k = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f64) {
    %a = memref.load %v[%k] : memref<5xf64, strided<[2], offset: 1>>
    %b = memref.load %w[%k] : memref<?xf64, strided<[1], offset: ?>>
    %sa = math.sin %a : f64
    %p = arith.mulf %sa, %b : f64
    %acc2 = arith.addf %acc, %p : f64
    scf.yield %acc2 : f64
  }
  scf.for %k = %c0 to %c5 step %c1 {
    %a = memref.load %v[%k] : memref<5xf64, strided<[2], offset: 1>>
    %ki = arith.index_cast %k : index to i64
    %kf = arith.sitofp %ki : i64 to f64
    %e = arith.mulf %kf, %mq : f64
    %g = math.exp %e : f64
    %ag = arith.mulf %a, %g : f64
    memref.store %ag, %v[%k] : memref<5xf64, strided<[2], offset: 1>>
  }
  %t = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %s) -> (f64) {
    %a = memref.load %u[%i] : memref<?xf64>
    %aa = arith.mulf %a, %a : f64
    %acc2 = arith.addf %acc, %aa : f64
    scf.yield %acc2 : f64
  }
  return %t : f64
}
