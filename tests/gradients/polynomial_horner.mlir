// Polynomial evaluation by Horner's rule (a backwards loop via index
// arithmetic): p(x) = sum_k c_k x^k for 7 coefficients, and its derivative
// p'(x) computed alongside in the same loop; f = p(x) + 0.5 p'(x)^2.
// Gradient w.r.t. the coefficients (dup) and x (active).
// GRAD: horner
// ARG: array 7
// ARG: scalar -1.5 1.5
func.func @horner(%c: memref<?xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %n = memref.dim %c, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %p, %dp = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero, %dacc = %zero) -> (f64, f64) {
    %k = arith.subi %last, %i : index
    %ck = memref.load %c[%k] : memref<?xf64>
    %dx = arith.mulf %dacc, %x : f64
    %d2 = arith.addf %dx, %acc : f64
    %ax = arith.mulf %acc, %x : f64
    %a2 = arith.addf %ax, %ck : f64
    scf.yield %a2, %d2 : f64, f64
  }
  %dd = arith.mulf %dp, %dp : f64
  %h = arith.mulf %half, %dd : f64
  %f = arith.addf %p, %h : f64
  return %f : f64
}
