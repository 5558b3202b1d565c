// GradBench eval `llsq` (cmpad's llsq_obj): the linear least-squares
// objective of fitting sum_j x_j t^j to s = sign(t) at n points
//   t_i = -1 + 2 i / (n - 1),
//   y(x) = 1/2 sum_i (s_i - sum_j x_j t_i^j)^2.
func.func @llsq(%x: memref<?xf64>, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %minus_one = arith.constant -1.0 : f64
  %two = arith.constant 2.0 : f64
  %half = arith.constant 0.5 : f64
  %m = memref.dim %x, %c0 : memref<?xf64>
  %n_i64 = arith.index_cast %n : index to i64
  %n_f = arith.sitofp %n_i64 : i64 to f64
  %intervals = arith.subf %n_f, %one : f64
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %i_i64 = arith.index_cast %i : index to i64
    %i_f = arith.sitofp %i_i64 : i64 to f64
    %twice = arith.mulf %i_f, %two : f64
    %offset = arith.divf %twice, %intervals : f64
    %t = arith.addf %minus_one, %offset : f64
    %positive = arith.cmpf ogt, %t, %zero : f64
    %negative = arith.cmpf olt, %t, %zero : f64
    %sign_or_zero = arith.select %negative, %minus_one, %zero : f64
    %s = arith.select %positive, %one, %sign_or_zero : f64
    %residual, %power = scf.for %j = %c0 to %m step %c1
        iter_args(%r = %s, %tj = %one) -> (f64, f64) {
      %xj = memref.load %x[%j] : memref<?xf64>
      %term = arith.mulf %xj, %tj : f64
      %r_next = arith.subf %r, %term : f64
      %tj_next = arith.mulf %tj, %t : f64
      scf.yield %r_next, %tj_next : f64, f64
    }
    %square = arith.mulf %residual, %residual : f64
    %more = arith.addf %acc, %square : f64
    scf.yield %more : f64
  }
  %y = arith.mulf %sum, %half : f64
  return %y : f64
}
