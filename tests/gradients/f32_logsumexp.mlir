// Stable log-sum-exp in f32 with arith.maximumf (the f32 version of
// logsumexp.mlir): f = max + log(sum exp(a_i - max)).
// GRAD: lse32
// ARG: array 13 -3.0 3.0
func.func @lse32(%a: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant -1.0e30 : f32
  %n = memref.dim %a, %c0 : memref<?xf32>
  %m = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %ninf) -> (f32) {
    %v = memref.load %a[%i] : memref<?xf32>
    %mx = arith.maximumf %acc, %v : f32
    scf.yield %mx : f32
  }
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %v = memref.load %a[%i] : memref<?xf32>
    %d = arith.subf %v, %m : f32
    %e = math.exp %d : f32
    %acc2 = arith.addf %acc, %e : f32
    scf.yield %acc2 : f32
  }
  %l = math.log %s : f32
  %f = arith.addf %m, %l : f32
  return %f : f32
}
