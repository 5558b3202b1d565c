// An in-place forward sweep over an argument buffer that is read after it
// is written: u[i] = u[i] + 0.5 sin(u[i-1]) u[i] for i = 1..n-1 (each step
// reads the value the previous step wrote), then f = sum_i u[i]^2. The
// shadow of u on exit is d f / d (initial u).
// GRAD: sweep
// ARG: array 13
func.func @sweep(%u: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %half = arith.constant 0.5 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  scf.for %i = %c1 to %n step %c1 {
    %im1 = arith.subi %i, %c1 : index
    %prev = memref.load %u[%im1] : memref<?xf64>
    %cur = memref.load %u[%i] : memref<?xf64>
    %s = math.sin %prev : f64
    %hs = arith.mulf %half, %s : f64
    %d = arith.mulf %hs, %cur : f64
    %next = arith.addf %cur, %d : f64
    memref.store %next, %u[%i] : memref<?xf64>
  }
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %u[%i] : memref<?xf64>
    %vv = arith.mulf %v, %v : f64
    %acc2 = arith.addf %acc, %vv : f64
    scf.yield %acc2 : f64
  }
  return %r : f64
}
