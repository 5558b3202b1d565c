// The kernel of hvp.c: E(u, k) = sum_i k * u_i^2 * sin(u_i) + u_i * u_{i+1} * k^2
// (a smooth energy with coupling between neighbours and a parameter).
func.func @energy(%u: memref<?xf64>, %k: f64, %scale: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %u, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %kk = arith.mulf %k, %k : f64
  %e = scf.for %i = %c0 to %last step %c1 iter_args(%acc = %zero) -> f64 {
    %ui = memref.load %u[%i] : memref<?xf64>
    %j = arith.addi %i, %c1 : index
    %uj = memref.load %u[%j] : memref<?xf64>
    %sq = arith.mulf %ui, %ui : f64
    %s = math.sin %ui : f64
    %a = arith.mulf %sq, %s : f64
    %ka = arith.mulf %k, %a : f64
    %p = arith.mulf %ui, %uj : f64
    %b = arith.mulf %p, %kk : f64
    %t = arith.addf %ka, %b : f64
    %next = arith.addf %acc, %t : f64
    scf.yield %next : f64
  }
  %r = arith.mulf %e, %scale : f64
  return %r : f64
}
