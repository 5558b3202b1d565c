// Loop bounds at the extremes (issue 9, class 4): lb = 5, ub = 3,
// step = 0 describe an empty range, so the loop runs no iteration and the
// result is x·sin(x)... from the initial value only: trip counts must be
// computed without overflow (and never divide by a step below 1).
// GRAD: f
// ARG: scalar -1.0 1.0
// ARG: index 5
// ARG: index 3
// ARG: index 0
func.func @f(%x: f64, %lb: index, %ub: index, %st: index) -> f64 {
  %s0 = math.sin %x : f64
  %r = scf.for %i = %lb to %ub step %st iter_args(%a = %s0) -> (f64) {
    %e = math.exp %a : f64
    scf.yield %e : f64
  }
  %y = arith.mulf %r, %x : f64
  return %y : f64
}
