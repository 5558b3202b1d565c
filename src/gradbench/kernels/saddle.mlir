// GradBench eval `saddle`: min over p1 of max over p2 of
//   f(p1, p2) = (p1_0^2 + p1_1^2) - (p2_0^2 + p2_1^2),
// both by the gradient descent of descent.mlir from the start point s, then
// the max over p2 at the p1 found. Nested AD: the argmin's gradient
// differentiates through the argmax's descent, which itself takes
// gradients. @saddle_YX uses mode Y (r: zad.gradient, f: zad.tangent per
// coordinate) for the argmin and the final argmax, mode X for the argmax
// nested in the argmin; the descents are instances of descent.mlir.
func.func private @f(%x1: f64, %y1: f64, %x2: f64, %y2: f64) -> f64 {
  %xx = arith.mulf %x1, %x1 : f64
  %yy = arith.mulf %y1, %y1 : f64
  %first = arith.addf %xx, %yy : f64
  %uu = arith.mulf %x2, %x2 : f64
  %vv = arith.mulf %y2, %y2 : f64
  %second = arith.addf %uu, %vv : f64
  %r = arith.subf %first, %second : f64
  return %r : f64
}

// The argmax over p2 is the argmin of -f(p1, p2), p1 held.
func.func private @r2_negated(%a0: f64, %a1: f64, %b0: f64, %b1: f64) -> f64 {
  %v = func.call @f(%a0, %a1, %b0, %b1) : (f64, f64, f64, f64) -> f64
  %r = arith.negf %v : f64
  return %r : f64
}
func.func private @r2_gradient_r(%a0: f64, %a1: f64, %b0: f64, %b1: f64) -> (f64, f64) {
  %v, %g0, %g1 = zad.gradient @r2_negated(%a0, %a1, %b0, %b1) {activity = ["const", "const", "active", "active"]} : (f64, f64, f64, f64) -> (f64, f64, f64)
  return %g0, %g1 : f64, f64
}
func.func private @r2_gradient_f(%a0: f64, %a1: f64, %b0: f64, %b1: f64) -> (f64, f64) {
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %v0, %g0 = zad.tangent @r2_negated(%a0, %a1, %b0, %one, %b1, %zero) {activity = ["const", "const", "dup", "dup"]} : (f64, f64, f64, f64, f64, f64) -> (f64, f64)
  %v1, %g1 = zad.tangent @r2_negated(%a0, %a1, %b0, %zero, %b1, %one) {activity = ["const", "const", "dup", "dup"]} : (f64, f64, f64, f64, f64, f64) -> (f64, f64)
  return %g0, %g1 : f64, f64
}

// max over p2 of f(p1, p2), p2 from s: the objective of the argmin over p1
// (its parameters are s, its point p1).
func.func private @r1_cost_r(%s0: f64, %s1: f64, %p0: f64, %p1: f64) -> f64 {
  %b0, %b1 = func.call @r2_argmax_r(%p0, %p1, %s0, %s1) : (f64, f64, f64, f64) -> (f64, f64)
  %v = func.call @f(%p0, %p1, %b0, %b1) : (f64, f64, f64, f64) -> f64
  return %v : f64
}
func.func private @r1_cost_f(%s0: f64, %s1: f64, %p0: f64, %p1: f64) -> f64 {
  %b0, %b1 = func.call @r2_argmax_f(%p0, %p1, %s0, %s1) : (f64, f64, f64, f64) -> (f64, f64)
  %v = func.call @f(%p0, %p1, %b0, %b1) : (f64, f64, f64, f64) -> f64
  return %v : f64
}

// rr: the gradient of the argmin's objective in mode r, through the
// mode-r argmax nested in it.
func.func private @r1_gradient_rr(%s0: f64, %s1: f64, %p0: f64, %p1: f64) -> (f64, f64) {
  %v, %g0, %g1 = zad.gradient @r1_cost_r(%s0, %s1, %p0, %p1) {activity = ["const", "const", "active", "active"]} : (f64, f64, f64, f64) -> (f64, f64, f64)
  return %g0, %g1 : f64, f64
}
func.func @saddle_rr(%s0: f64, %s1: f64) -> (f64, f64, f64, f64) {
  %p0, %p1 = func.call @r1_argmin_rr(%s0, %s1, %s0, %s1) : (f64, f64, f64, f64) -> (f64, f64)
  %q0, %q1 = func.call @r2_argmax_r(%p0, %p1, %s0, %s1) : (f64, f64, f64, f64) -> (f64, f64)
  return %p0, %p1, %q0, %q1 : f64, f64, f64, f64
}

// rf: the gradient of the argmin's objective in mode r, through the
// mode-f argmax nested in it.
func.func private @r1_gradient_rf(%s0: f64, %s1: f64, %p0: f64, %p1: f64) -> (f64, f64) {
  %v, %g0, %g1 = zad.gradient @r1_cost_f(%s0, %s1, %p0, %p1) {activity = ["const", "const", "active", "active"]} : (f64, f64, f64, f64) -> (f64, f64, f64)
  return %g0, %g1 : f64, f64
}
func.func @saddle_rf(%s0: f64, %s1: f64) -> (f64, f64, f64, f64) {
  %p0, %p1 = func.call @r1_argmin_rf(%s0, %s1, %s0, %s1) : (f64, f64, f64, f64) -> (f64, f64)
  %q0, %q1 = func.call @r2_argmax_r(%p0, %p1, %s0, %s1) : (f64, f64, f64, f64) -> (f64, f64)
  return %p0, %p1, %q0, %q1 : f64, f64, f64, f64
}

// fr: the gradient of the argmin's objective in mode f, through the
// mode-r argmax nested in it.
func.func private @r1_gradient_fr(%s0: f64, %s1: f64, %p0: f64, %p1: f64) -> (f64, f64) {
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %v0, %g0 = zad.tangent @r1_cost_r(%s0, %s1, %p0, %one, %p1, %zero) {activity = ["const", "const", "dup", "dup"]} : (f64, f64, f64, f64, f64, f64) -> (f64, f64)
  %v1, %g1 = zad.tangent @r1_cost_r(%s0, %s1, %p0, %zero, %p1, %one) {activity = ["const", "const", "dup", "dup"]} : (f64, f64, f64, f64, f64, f64) -> (f64, f64)
  return %g0, %g1 : f64, f64
}
func.func @saddle_fr(%s0: f64, %s1: f64) -> (f64, f64, f64, f64) {
  %p0, %p1 = func.call @r1_argmin_fr(%s0, %s1, %s0, %s1) : (f64, f64, f64, f64) -> (f64, f64)
  %q0, %q1 = func.call @r2_argmax_f(%p0, %p1, %s0, %s1) : (f64, f64, f64, f64) -> (f64, f64)
  return %p0, %p1, %q0, %q1 : f64, f64, f64, f64
}

// ff: the gradient of the argmin's objective in mode f, through the
// mode-f argmax nested in it.
func.func private @r1_gradient_ff(%s0: f64, %s1: f64, %p0: f64, %p1: f64) -> (f64, f64) {
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %v0, %g0 = zad.tangent @r1_cost_f(%s0, %s1, %p0, %one, %p1, %zero) {activity = ["const", "const", "dup", "dup"]} : (f64, f64, f64, f64, f64, f64) -> (f64, f64)
  %v1, %g1 = zad.tangent @r1_cost_f(%s0, %s1, %p0, %zero, %p1, %one) {activity = ["const", "const", "dup", "dup"]} : (f64, f64, f64, f64, f64, f64) -> (f64, f64)
  return %g0, %g1 : f64, f64
}
func.func @saddle_ff(%s0: f64, %s1: f64) -> (f64, f64, f64, f64) {
  %p0, %p1 = func.call @r1_argmin_ff(%s0, %s1, %s0, %s1) : (f64, f64, f64, f64) -> (f64, f64)
  %q0, %q1 = func.call @r2_argmax_f(%p0, %p1, %s0, %s1) : (f64, f64, f64, f64) -> (f64, f64)
  return %p0, %p1, %q0, %q1 : f64, f64, f64, f64
}
