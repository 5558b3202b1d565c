// Scalars shared by every iteration of a parallel loop: a coefficient %k
// and an offset %c defined outside, used in each iteration that writes its
// own element in place (the loop overwrites what it reads: the reverse
// takes the old values from a tape indexed by iteration); the sum of the
// result also gets %k. The adjoints of %k and %c are summed privately per
// iteration and combined by the reverse loop's reduction.
// GRAD: shared_coefficient
// ARG: array 5x4
// ARG: scalar 0.5 1.5
// ARG: scalar
func.func @shared_coefficient(%x: memref<?x?xf64>, %k: f64, %c: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?x?xf64>
  %m = memref.dim %x, %c1 : memref<?x?xf64>
  %kk = arith.mulf %k, %k : f64
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %m) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<?x?xf64>
    %kv = arith.mulf %k, %v : f64
    %s = math.sin %kv : f64
    %vv = arith.mulf %v, %v : f64
    %t = arith.mulf %kk, %vv : f64
    %u = arith.addf %s, %t : f64
    %w = arith.addf %u, %c : f64
    memref.store %w, %x[%i, %j] : memref<?x?xf64>
    scf.reduce
  }
  %zero = arith.constant 0.0 : f64
  %total = scf.parallel (%i, %j) = (%c0, %c0) to (%n, %m) step (%c1, %c1) init (%zero) -> f64 {
    %v = memref.load %x[%i, %j] : memref<?x?xf64>
    %e = math.exp %v : f64
    %ke = arith.mulf %k, %e : f64
    scf.reduce(%ke : f64) {
    ^bb0(%a: f64, %b: f64):
      %ab = arith.addf %a, %b : f64
      scf.reduce.return %ab : f64
    }
  }
  return %total : f64
}
