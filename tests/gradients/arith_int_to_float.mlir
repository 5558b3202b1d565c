// arith.sitofp and arith.uitofp turn loop indices into float weights
// (never active themselves), arith.constant everywhere: a weighted moment
// f = sum_i (i + 1) a_i^2 / (u + 2) with u = uitofp(i), and x scaling it.
// GRAD: moments
// ARG: array 13
// ARG: scalar 0.5 2.0
func.func @moments(%a: memref<?xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = memref.load %a[%i] : memref<?xf64>
    %i1 = arith.addi %i, %c1 : index
    %k = arith.index_cast %i1 : index to i64
    %w = arith.sitofp %k : i64 to f64
    %j = arith.index_cast %i : index to i32
    %u = arith.uitofp %j : i32 to f64
    %u2 = arith.addf %u, %two : f64
    %vv = arith.mulf %v, %v : f64
    %wv = arith.mulf %w, %vv : f64
    %q = arith.divf %wv, %u2 : f64
    %next = arith.addf %acc, %q : f64
    scf.yield %next : f64
  }
  %f = arith.mulf %s, %x : f64
  return %f : f64
}
