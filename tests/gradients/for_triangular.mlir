// A triangular loop nest (inner upper bound = outer induction variable):
// pairwise interactions f = sum_i sum_{j < i} exp(-(a_i - a_j)^2) * a_i a_j,
// the inner loop's trip count varies, so its tapes cannot be preallocated.
// GRAD: pairwise
// ARG: array 7
func.func @pairwise(%a: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %ai = memref.load %a[%i] : memref<?xf64>
    %inner = scf.for %j = %c0 to %i step %c1 iter_args(%r = %acc) -> (f64) {
      %aj = memref.load %a[%j] : memref<?xf64>
      %d = arith.subf %ai, %aj : f64
      %dd = arith.mulf %d, %d : f64
      %ndd = arith.negf %dd : f64
      %e = math.exp %ndd : f64
      %p = arith.mulf %ai, %aj : f64
      %ep = arith.mulf %e, %p : f64
      %r1 = arith.addf %r, %ep : f64
      scf.yield %r1 : f64
    }
    scf.yield %inner : f64
  }
  return %s : f64
}
