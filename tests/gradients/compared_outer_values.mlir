// Values from outside a loop or branch that the loop or branch only
// compares (no derivative flows back through a comparison) next to values
// it both compares and computes with, which must keep their adjoints:
// a search loop (scf.while) that halves a step while x^2 - t is above a
// level s (s only compared), then s·steps and x·step used after it; an
// scf.for that counts the elements above s·x (s and x compared) and
// accumulates x·a[i] where a[i] > s (x computed with); an scf.if on s
// whose branches use s in a comparison only, or x actively.
// GRAD: compared_outer
// ARG: scalar 0.5 1.5
// ARG: scalar 0.2 0.8
// ARG: array 9 -1.0 1.0
func.func @compared_outer(%x: f64, %s: f64, %a: memref<9xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c9 = arith.constant 9 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %half = arith.constant 0.5 : f64
  %t = arith.constant 0.01 : f64
  %xx = arith.mulf %x, %x : f64
  // Halve %step while step·x^2 - t > s·step (s compared only).
  %r:2 = scf.while (%step = %one, %n = %zero) : (f64, f64) -> (f64, f64) {
    %e = arith.mulf %step, %xx : f64
    %d = arith.subf %e, %t : f64
    %level = arith.mulf %s, %step : f64
    %above = arith.cmpf ogt, %d, %level : f64
    %small = arith.cmpf olt, %step, %t : f64
    %notsmall = arith.xori %small, %above : i1
    %go = arith.andi %above, %notsmall : i1
    scf.condition(%go) %step, %n : f64, f64
  } do {
  ^bb0(%step: f64, %n: f64):
    %next = arith.mulf %step, %half : f64
    %m = arith.addf %n, %one : f64
    scf.yield %next, %m : f64, f64
  }
  %after = arith.mulf %s, %r#1 : f64
  %scaled = arith.mulf %x, %r#0 : f64
  // Counts elements above s·x; sums x·a[i] over those above s.
  %sx = arith.mulf %s, %x : f64
  %acc:2 = scf.for %i = %c0 to %c9 step %c1 iter_args(%count = %zero, %sum = %zero) -> (f64, f64) {
    %ai = memref.load %a[%i] : memref<9xf64>
    %over = arith.cmpf ogt, %ai, %sx : f64
    %inc = arith.select %over, %one, %zero : f64
    %count2 = arith.addf %count, %inc : f64
    %big = arith.cmpf ogt, %ai, %s : f64
    %term = arith.mulf %x, %ai : f64
    %add = arith.select %big, %term, %zero : f64
    %sum2 = arith.addf %sum, %add : f64
    scf.yield %count2, %sum2 : f64, f64
  }
  %pos = arith.cmpf ogt, %s, %half : f64
  %branch = scf.if %pos -> (f64) {
    %tiny = arith.cmpf olt, %s, %t : f64
    %v = arith.select %tiny, %one, %half : f64
    scf.yield %v : f64
  } else {
    %v = arith.mulf %x, %xx : f64
    scf.yield %v : f64
  }
  %p1 = arith.addf %after, %scaled : f64
  %p2 = arith.addf %acc#0, %acc#1 : f64
  %p3 = arith.mulf %p2, %s : f64
  %p4 = arith.addf %p1, %p3 : f64
  %p5 = arith.addf %p4, %branch : f64
  %p6 = arith.mulf %p5, %x : f64
  return %p6 : f64
}
