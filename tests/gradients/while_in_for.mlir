// An scf.while nested in an scf.for: for each element, Newton's iteration
// for the cube root of (1 + a_i^2) with its own data-dependent trip count,
// then f = sum_i w_i * cbrt_i (the trip counts differ between elements).
// GRAD: cube_roots
// ARG: array 7 -3.0 3.0
// ARG: array 7
func.func @cube_roots(%a: memref<?xf64>, %w: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %two = arith.constant 2.0 : f64
  %three = arith.constant 3.0 : f64
  %eps = arith.constant 1.0e-13 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %a[%i] : memref<?xf64>
    %vv = arith.mulf %v, %v : f64
    %t = arith.addf %one, %vv : f64
    %tol = arith.mulf %eps, %t : f64
    %r = scf.while (%y = %t) : (f64) -> f64 {
      %yy = arith.mulf %y, %y : f64
      %yyy = arith.mulf %yy, %y : f64
      %res = arith.subf %yyy, %t : f64
      %ares = math.absf %res : f64
      %go = arith.cmpf oge, %ares, %tol : f64
      scf.condition(%go) %y : f64
    } do {
    ^bb0(%y1: f64):
      %yy = arith.mulf %y1, %y1 : f64
      %q = arith.divf %t, %yy : f64
      %y2 = arith.mulf %two, %y1 : f64
      %s1 = arith.addf %y2, %q : f64
      %next = arith.divf %s1, %three : f64
      scf.yield %next : f64
    }
    %wi = memref.load %w[%i] : memref<?xf64>
    %p = arith.mulf %wi, %r : f64
    %acc2 = arith.addf %acc, %p : f64
    scf.yield %acc2 : f64
  }
  return %s : f64
}
