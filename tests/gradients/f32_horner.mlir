// Horner's rule in f32 (the f32 version of polynomial_horner.mlir):
// p(x) = sum_k c_k x^k over 7 coefficients, f = p(x) * x.
// GRAD: horner32
// ARG: array 7
// ARG: scalar -1.2 1.2
func.func @horner32(%c: memref<?xf32>, %x: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %c, %c0 : memref<?xf32>
  %last = arith.subi %n, %c1 : index
  %p = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %k = arith.subi %last, %i : index
    %ck = memref.load %c[%k] : memref<?xf32>
    %ax = arith.mulf %acc, %x : f32
    %a2 = arith.addf %ax, %ck : f32
    scf.yield %a2 : f32
  }
  %f = arith.mulf %p, %x : f32
  return %f : f32
}
