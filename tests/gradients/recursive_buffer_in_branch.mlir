// Recursion with a buffer argument inside scf.if, as every terminating
// recursion over an array is written (issue 9, class 14): a weighted sum
// s(n) = s(n-1)·w + sin(u[n-1]) over the first n elements.
// GRAD: f
// ARG: array 6
// ARG: scalar 0.5 1.5
// ARG: index 6
func.func @f(%u: memref<?xf64>, %w: f64, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %more = arith.cmpi sgt, %n, %c0 : index
  %r = scf.if %more -> (f64) {
    %m = arith.subi %n, %c1 : index
    %rest = func.call @f(%u, %w, %m) : (memref<?xf64>, f64, index) -> f64
    %v = memref.load %u[%m] : memref<?xf64>
    %s = math.sin %v : f64
    %p = arith.mulf %rest, %w : f64
    %q = arith.addf %p, %s : f64
    scf.yield %q : f64
  } else {
    scf.yield %zero : f64
  }
  return %r : f64
}
