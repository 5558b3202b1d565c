// The extended Rosenbrock function with a const scalar parameter b (the
// curvature, not differentiated) and an active shift a:
// f = sum_i b (x_{i+1} - x_i^2)^2 + (a - x_i)^2.
// ACTIVITY: dup,active,const
// GRAD: rosenbrock
// ARG: array 7 -1.5 1.5
// ARG: scalar 0.5 1.5
// ARG: fixed 100.0
func.func @rosenbrock(%x: memref<?xf64>, %a: f64, %b: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %x, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %s = scf.for %i = %c0 to %last step %c1 iter_args(%acc = %zero) -> (f64) {
    %ip = arith.addi %i, %c1 : index
    %xi = memref.load %x[%i] : memref<?xf64>
    %xn = memref.load %x[%ip] : memref<?xf64>
    %xx = arith.mulf %xi, %xi : f64
    %d = arith.subf %xn, %xx : f64
    %dd = arith.mulf %d, %d : f64
    %t1 = arith.mulf %b, %dd : f64
    %e = arith.subf %a, %xi : f64
    %ee = arith.mulf %e, %e : f64
    %t = arith.addf %t1, %ee : f64
    %acc2 = arith.addf %acc, %t : f64
    scf.yield %acc2 : f64
  }
  return %s : f64
}
