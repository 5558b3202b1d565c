// An scf.for inside an scf.if inside an scf.for, the inner loop storing
// into a dup buffer only on some outer iterations (data-dependent), and an
// scf.while inside an scf.if: rows of A with positive first entry are
// replaced by their running products with x; f = sum of all entries^2 plus
// a while-refined value on the positive branch.
// GRAD: conditional_rows
// ARG: array 5x7
// ARG: scalar 0.5 1.2
func.func @conditional_rows(%A: memref<?x?xf64>, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %two = arith.constant 2.0 : f64
  %m = memref.dim %A, %c0 : memref<?x?xf64>
  %n = memref.dim %A, %c1 : memref<?x?xf64>
  %extra = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> (f64) {
    %a0 = memref.load %A[%i, %c0] : memref<?x?xf64>
    %pos = arith.cmpf ogt, %a0, %zero : f64
    %r = scf.if %pos -> (f64) {
      %p = scf.for %j = %c1 to %n step %c1 iter_args(%prod = %a0) -> (f64) {
        %v = memref.load %A[%i, %j] : memref<?x?xf64>
        %vx = arith.mulf %v, %x : f64
        %np = arith.mulf %prod, %vx : f64
        %s = math.sin %np : f64
        memref.store %s, %A[%i, %j] : memref<?x?xf64>
        scf.yield %s : f64
      }
      %w = scf.while (%y = %p) : (f64) -> f64 {
        %ay = math.absf %y : f64
        %go = arith.cmpf olt, %ay, %one : f64
        scf.condition(%go) %y : f64
      } do {
      ^bb0(%y1: f64):
        %y2 = arith.mulf %y1, %two : f64
        %y3 = arith.addf %y2, %x : f64
        scf.yield %y3 : f64
      }
      scf.yield %w : f64
    } else {
      %t = arith.mulf %a0, %x : f64
      scf.yield %t : f64
    }
    %acc2 = arith.addf %acc, %r : f64
    scf.yield %acc2 : f64
  }
  %sq = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %extra) -> (f64) {
    %row = scf.for %j = %c0 to %n step %c1 iter_args(%racc = %acc) -> (f64) {
      %v = memref.load %A[%i, %j] : memref<?x?xf64>
      %vv = arith.mulf %v, %v : f64
      %r2 = arith.addf %racc, %vv : f64
      scf.yield %r2 : f64
    }
    scf.yield %row : f64
  }
  return %sq : f64
}
