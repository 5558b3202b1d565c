// A small 1-D Gaussian-mixture negative log-likelihood: 7 points, 3
// components with log-weights alpha, means mu and log-precisions q:
// f = -sum_i log sum_k exp(alpha_k - lse(alpha) + q_k - 0.5 e^{2 q_k}
// (x_i - mu_k)^2) (constant terms dropped), stabilised per point by the max.
// x is const; alpha, mu and q are dup.
// ACTIVITY: const,dup,dup,dup
// GRAD: gmm
// ARG: array 7 -2.0 2.0
// ARG: array 3
// ARG: array 3 -1.5 1.5
// ARG: array 3 -0.5 0.5
func.func @gmm(%x: memref<?xf64>, %alpha: memref<?xf64>, %mu: memref<?xf64>, %q: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %two = arith.constant 2.0 : f64
  %ninf = arith.constant -1.0e300 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %k = memref.dim %alpha, %c0 : memref<?xf64>
  %as = scf.for %j = %c0 to %k step %c1 iter_args(%acc = %zero) -> (f64) {
    %a = memref.load %alpha[%j] : memref<?xf64>
    %e = math.exp %a : f64
    %acc2 = arith.addf %acc, %e : f64
    scf.yield %acc2 : f64
  }
  %lse_alpha = math.log %as : f64
  %terms = memref.alloc(%k) : memref<?xf64>
  %total = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %xi = memref.load %x[%i] : memref<?xf64>
    %mx = scf.for %j = %c0 to %k step %c1 iter_args(%m = %ninf) -> (f64) {
      %a = memref.load %alpha[%j] : memref<?xf64>
      %mj = memref.load %mu[%j] : memref<?xf64>
      %qj = memref.load %q[%j] : memref<?xf64>
      %d = arith.subf %xi, %mj : f64
      %dd = arith.mulf %d, %d : f64
      %q2 = arith.mulf %two, %qj : f64
      %prec = math.exp %q2 : f64
      %pd = arith.mulf %prec, %dd : f64
      %hp = arith.mulf %half, %pd : f64
      %t1 = arith.addf %a, %qj : f64
      %t = arith.subf %t1, %hp : f64
      memref.store %t, %terms[%j] : memref<?xf64>
      %m2 = arith.maximumf %m, %t : f64
      scf.yield %m2 : f64
    }
    %s = scf.for %j = %c0 to %k step %c1 iter_args(%sacc = %zero) -> (f64) {
      %t = memref.load %terms[%j] : memref<?xf64>
      %d = arith.subf %t, %mx : f64
      %e = math.exp %d : f64
      %s2 = arith.addf %sacc, %e : f64
      scf.yield %s2 : f64
    }
    %l = math.log %s : f64
    %li = arith.addf %l, %mx : f64
    %lin = arith.subf %li, %lse_alpha : f64
    %acc2 = arith.subf %acc, %lin : f64
    scf.yield %acc2 : f64
  }
  memref.dealloc %terms : memref<?xf64>
  return %total : f64
}
