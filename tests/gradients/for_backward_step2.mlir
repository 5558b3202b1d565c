// A loop walking an array backwards with step 2 (the index is computed as
// n - 1 - i), inside an outer loop that starts it at its own induction
// variable r (so the inner trip count varies and the tapes are stacks) and
// weights it by 1 / (r + 1):
// h <- h * x + a_{n-1-i}; f = sum_r h_r / (r + 1).
// GRAD: backwards
// ARG: array 13
// ARG: scalar -0.9 0.9
func.func @backwards(%a: memref<?xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %last = arith.subi %n, %c1 : index
  %total = scf.for %r = %c0 to %c3 step %c1 iter_args(%t = %zero) -> (f64) {
    %h = scf.for %i = %r to %n step %c2 iter_args(%acc = %zero) -> (f64) {
      %k = arith.subi %last, %i : index
      %v = memref.load %a[%k] : memref<?xf64>
      %hx = arith.mulf %acc, %x : f64
      %next = arith.addf %hx, %v : f64
      scf.yield %next : f64
    }
    %r1 = arith.addi %r, %c1 : index
    %ri = arith.index_cast %r1 : index to i64
    %rf = arith.sitofp %ri : i64 to f64
    %w = arith.divf %h, %rf : f64
    %t1 = arith.addf %t, %w : f64
    scf.yield %t1 : f64
  }
  return %total : f64
}
