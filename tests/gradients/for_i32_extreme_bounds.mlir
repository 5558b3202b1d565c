// An i32 induction variable near the top of its range: 3 iterations,
// the last at 2147483400; the trip count must not overflow in 32 bits.
// (With ub = INT32_MAX the primal's induction variable would wrap past it
// and the loop never end: undefined in MLIR, so not tested here; the
// gradient's forward sweep runs by the trip count and stays in bounds.)
// GRAD: f
// ARG: scalar -1.0 1.0
func.func @f(%x: f64) -> f64 {
  %lb = arith.constant 2147483000 : i32
  %ub = arith.constant 2147483547 : i32
  %st = arith.constant 200 : i32
  %r = scf.for %i = %lb to %ub step %st iter_args(%a = %x) -> (f64) : i32 {
    %s = math.sin %a : f64
    %t = arith.addf %s, %x : f64
    scf.yield %t : f64
  }
  return %r : f64
}
