// Nested scf.for loops with non-zero lower bounds and non-unit steps at
// both levels (outer 1..7 step 2, inner 2..9 step 3, constants), values
// recorded per iteration at both levels, and a top-level active scalar x
// used in the innermost body of a third nested level (its adjoint
// accumulates through three loops):
// f = sum_i sum_j sum_k cos(A_ij x + k/5) * exp(A_i0 / 4).
// GRAD: strided_nest
// ARG: array 7x9
// ARG: scalar -1.0 1.0
func.func @strided_nest(%A: memref<7x9xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c7 = arith.constant 7 : index
  %c9 = arith.constant 9 : index
  %zero = arith.constant 0.0 : f64
  %fifth = arith.constant 0.2 : f64
  %quarter = arith.constant 0.25 : f64
  %s = scf.for %i = %c1 to %c7 step %c2 iter_args(%acc = %zero) -> (f64) {
    %a0 = memref.load %A[%i, %c0] : memref<7x9xf64>
    %q = arith.mulf %a0, %quarter : f64
    %e = math.exp %q : f64
    %row = scf.for %j = %c2 to %c9 step %c3 iter_args(%racc = %acc) -> (f64) {
      %a = memref.load %A[%i, %j] : memref<7x9xf64>
      %ax = arith.mulf %a, %x : f64
      %inner = scf.for %k = %c0 to %c3 step %c1 iter_args(%kacc = %racc) -> (f64) {
        %ki = arith.index_cast %k : index to i64
        %kf = arith.sitofp %ki : i64 to f64
        %k5 = arith.mulf %kf, %fifth : f64
        %arg = arith.addf %ax, %k5 : f64
        %c = math.cos %arg : f64
        %ce = arith.mulf %c, %e : f64
        %cex = arith.mulf %ce, %x : f64
        %k2 = arith.addf %kacc, %cex : f64
        scf.yield %k2 : f64
      }
      scf.yield %inner : f64
    }
    scf.yield %row : f64
  }
  return %s : f64
}
