// The kernel of the forward-mode ABI tests (tangent.c, tangent.f90):
// returns f = sum_i sin(a x_i)^2 and writes y_i = exp(a x_i), so that a
// tangent has a scalar result, a scalar and an array input, and an array
// the kernel overwrites. With t_i = a x_i and dt_i = da x_i + a dx_i:
// df = sum_i 2 sin(t_i) cos(t_i) dt_i and dy_i = exp(t_i) dt_i.
func.func @wave(%x: memref<?xf64>, %a: f64, %y: memref<?xf64>, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %xi = memref.load %x[%i] : memref<?xf64>
    %t = arith.mulf %a, %xi : f64
    %sn = math.sin %t : f64
    %sq = arith.mulf %sn, %sn : f64
    %e = math.exp %t : f64
    memref.store %e, %y[%i] : memref<?xf64>
    %next = arith.addf %acc, %sq : f64
    scf.yield %next : f64
  }
  return %s : f64
}
