// Residuals in a checkpointed loop (binomial, 2 snapshots): the steps rerun
// by the schedule call the zad.forward again and tape its residuals.
// GRAD: custom_residuals
// ARG: scalar
// ARG: scalar 0.5 1.5
func.func private @step(%x: f64, %a: f64) -> f64 attributes {zad.forward = @step_fwd, zad.adjoint = @step_adjoint} {
  %t = math.tanh %x : f64
  %r = arith.mulf %a, %t : f64
  return %r : f64
}
// (x, a) -> (a tanh x, tanh x)
func.func private @step_fwd(%x: f64, %a: f64) -> (f64, f64) {
  %t = math.tanh %x : f64
  %r = arith.mulf %a, %t : f64
  return %r, %t : f64, f64
}
// (x, a, seed, t = tanh x) -> (a t, seed a (1 - t^2), seed t)
func.func private @step_adjoint(%x: f64, %a: f64, %seed: f64, %t: f64) -> (f64, f64, f64) {
  %one = arith.constant 1.0 : f64
  %tt = arith.mulf %t, %t : f64
  %d = arith.subf %one, %tt : f64
  %sa = arith.mulf %seed, %a : f64
  %dx = arith.mulf %sa, %d : f64
  %da = arith.mulf %seed, %t : f64
  %r = arith.mulf %a, %t : f64
  return %r, %dx, %da : f64, f64, f64
}
func.func @custom_residuals(%x: f64, %a: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %shift = arith.constant 0.3 : f64
  %y = scf.for %i = %c0 to %c6 step %c1 iter_args(%v = %x) -> (f64) {
    %s = func.call @step(%v, %a) : (f64, f64) -> f64
    %w = arith.addf %s, %shift : f64
    scf.yield %w : f64
  } {zad.checkpoint = "binomial", zad.snapshots = 2 : i64}
  %z = func.call @step(%y, %y) : (f64, f64) -> f64
  return %z : f64
}
