// GradBench eval `particle`: a particle of unit mass and charge starts at
// (0, 8) with velocity (0.75, 0) in the field of unit charges at (10, 10 - w)
// and (10, 0); naive Euler steps of 0.1 (the force is minus the gradient of
// the potential p(x; w) = sum 1 / |x - charge|) until the next step would
// cross the x axis; the crossing x_0(t_f) by linear interpolation. w is
// found by gradient descent (descent.mlir) on x_0(t_f)^2 from the given w.
// Nested AD: the descent's gradient differentiates the Euler loop, which
// takes gradients of p. @particle_YX uses mode Y (r: zad.gradient, f:
// zad.tangent) for the descent over w, mode X for the gradient of p.
func.func private @potential(%w: f64, %x0: f64, %x1: f64) -> f64 {
  %ten = arith.constant 10.0 : f64
  %one = arith.constant 1.0 : f64
  %top = arith.subf %ten, %w : f64
  %d0 = arith.subf %x0, %ten : f64
  %d1 = arith.subf %x1, %top : f64
  %dd0 = arith.mulf %d0, %d0 : f64
  %dd1 = arith.mulf %d1, %d1 : f64
  %dd = arith.addf %dd0, %dd1 : f64
  %distance_top = math.sqrt %dd : f64
  %e1 = arith.mulf %x1, %x1 : f64
  %ee = arith.addf %dd0, %e1 : f64
  %distance_bottom = math.sqrt %ee : f64
  %p_top = arith.divf %one, %distance_top : f64
  %p_bottom = arith.divf %one, %distance_bottom : f64
  %p = arith.addf %p_top, %p_bottom : f64
  return %p : f64
}
func.func private @p_gradient_r(%w: f64, %x0: f64, %x1: f64) -> (f64, f64) {
  %v, %g0, %g1 = zad.gradient @potential(%w, %x0, %x1) {activity = ["const", "active", "active"]} : (f64, f64, f64) -> (f64, f64, f64)
  return %g0, %g1 : f64, f64
}
func.func private @p_gradient_f(%w: f64, %x0: f64, %x1: f64) -> (f64, f64) {
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %v0, %g0 = zad.tangent @potential(%w, %x0, %one, %x1, %zero) {activity = ["const", "dup", "dup"]} : (f64, f64, f64, f64, f64) -> (f64, f64)
  %v1, %g1 = zad.tangent @potential(%w, %x0, %zero, %x1, %one) {activity = ["const", "dup", "dup"]} : (f64, f64, f64, f64, f64) -> (f64, f64)
  return %g0, %g1 : f64, f64
}

// x_0(t_f)^2 for the charge at (10, 10 - w), the gradient of p in mode r;
// the signature of a descent objective (a0, a1 and u are not used).
func.func private @euler_r(%a0: f64, %a1: f64, %w: f64, %u: f64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %start1 = arith.constant 8.0 : f64
  %speed0 = arith.constant 0.75 : f64
  %dt = arith.constant 0.1 : f64
  %true = arith.constant true
  %false = arith.constant false
  %r:5 = scf.while (%x0 = %zero, %x1 = %start1, %v0 = %speed0, %v1 = %zero, %go = %true)
      : (f64, f64, f64, f64, i1) -> (f64, f64, f64, f64, i1) {
    scf.condition(%go) %x0, %x1, %v0, %v1, %go : f64, f64, f64, f64, i1
  } do {
  ^bb0(%x0: f64, %x1: f64, %v0: f64, %v1: f64, %go: i1):
    %g0, %g1 = func.call @p_gradient_r(%w, %x0, %x1) : (f64, f64, f64) -> (f64, f64)
    %s0 = arith.mulf %dt, %v0 : f64
    %s1 = arith.mulf %dt, %v1 : f64
    %n0 = arith.addf %x0, %s0 : f64
    %n1 = arith.addf %x1, %s1 : f64
    %above = arith.cmpf ogt, %n1, %zero : f64
    %next:5 = scf.if %above -> (f64, f64, f64, f64, i1) {
      // xddot = -grad p: v + dt xddot = v - dt g
      %k0 = arith.mulf %dt, %g0 : f64
      %k1 = arith.mulf %dt, %g1 : f64
      %u0 = arith.subf %v0, %k0 : f64
      %u1 = arith.subf %v1, %k1 : f64
      scf.yield %n0, %n1, %u0, %u1, %true : f64, f64, f64, f64, i1
    } else {
      scf.yield %x0, %x1, %v0, %v1, %false : f64, f64, f64, f64, i1
    }
    scf.yield %next#0, %next#1, %next#2, %next#3, %next#4 : f64, f64, f64, f64, i1
  }
  %neg = arith.negf %r#1 : f64
  %dtf = arith.divf %neg, %r#3 : f64
  %shift = arith.mulf %dtf, %r#2 : f64
  %xf = arith.addf %r#0, %shift : f64
  %sq = arith.mulf %xf, %xf : f64
  return %sq : f64
}

// x_0(t_f)^2 for the charge at (10, 10 - w), the gradient of p in mode f;
// the signature of a descent objective (a0, a1 and u are not used).
func.func private @euler_f(%a0: f64, %a1: f64, %w: f64, %u: f64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %start1 = arith.constant 8.0 : f64
  %speed0 = arith.constant 0.75 : f64
  %dt = arith.constant 0.1 : f64
  %true = arith.constant true
  %false = arith.constant false
  %r:5 = scf.while (%x0 = %zero, %x1 = %start1, %v0 = %speed0, %v1 = %zero, %go = %true)
      : (f64, f64, f64, f64, i1) -> (f64, f64, f64, f64, i1) {
    scf.condition(%go) %x0, %x1, %v0, %v1, %go : f64, f64, f64, f64, i1
  } do {
  ^bb0(%x0: f64, %x1: f64, %v0: f64, %v1: f64, %go: i1):
    %g0, %g1 = func.call @p_gradient_f(%w, %x0, %x1) : (f64, f64, f64) -> (f64, f64)
    %s0 = arith.mulf %dt, %v0 : f64
    %s1 = arith.mulf %dt, %v1 : f64
    %n0 = arith.addf %x0, %s0 : f64
    %n1 = arith.addf %x1, %s1 : f64
    %above = arith.cmpf ogt, %n1, %zero : f64
    %next:5 = scf.if %above -> (f64, f64, f64, f64, i1) {
      // xddot = -grad p: v + dt xddot = v - dt g
      %k0 = arith.mulf %dt, %g0 : f64
      %k1 = arith.mulf %dt, %g1 : f64
      %u0 = arith.subf %v0, %k0 : f64
      %u1 = arith.subf %v1, %k1 : f64
      scf.yield %n0, %n1, %u0, %u1, %true : f64, f64, f64, f64, i1
    } else {
      scf.yield %x0, %x1, %v0, %v1, %false : f64, f64, f64, f64, i1
    }
    scf.yield %next#0, %next#1, %next#2, %next#3, %next#4 : f64, f64, f64, f64, i1
  }
  %neg = arith.negf %r#1 : f64
  %dtf = arith.divf %neg, %r#3 : f64
  %shift = arith.mulf %dtf, %r#2 : f64
  %xf = arith.addf %r#0, %shift : f64
  %sq = arith.mulf %xf, %xf : f64
  return %sq : f64
}

// rr: d x_0(t_f)^2 / dw in mode r through the Euler loop's mode-r
// gradients of p; the descent's second coordinate stays put (gradient 0).
func.func private @w_gradient_rr(%a0: f64, %a1: f64, %w: f64, %u: f64) -> (f64, f64) {
  %zero = arith.constant 0.0 : f64
  %v, %g = zad.gradient @euler_r(%a0, %a1, %w, %u) {activity = ["const", "const", "active", "const"]} : (f64, f64, f64, f64) -> (f64, f64)
  return %g, %zero : f64, f64
}
func.func @particle_rr(%w0: f64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %w, %u = func.call @w_argmin_rr(%zero, %zero, %w0, %zero) : (f64, f64, f64, f64) -> (f64, f64)
  return %w : f64
}

// rf: d x_0(t_f)^2 / dw in mode r through the Euler loop's mode-f
// gradients of p; the descent's second coordinate stays put (gradient 0).
func.func private @w_gradient_rf(%a0: f64, %a1: f64, %w: f64, %u: f64) -> (f64, f64) {
  %zero = arith.constant 0.0 : f64
  %v, %g = zad.gradient @euler_f(%a0, %a1, %w, %u) {activity = ["const", "const", "active", "const"]} : (f64, f64, f64, f64) -> (f64, f64)
  return %g, %zero : f64, f64
}
func.func @particle_rf(%w0: f64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %w, %u = func.call @w_argmin_rf(%zero, %zero, %w0, %zero) : (f64, f64, f64, f64) -> (f64, f64)
  return %w : f64
}

// fr: d x_0(t_f)^2 / dw in mode f through the Euler loop's mode-r
// gradients of p; the descent's second coordinate stays put (gradient 0).
func.func private @w_gradient_fr(%a0: f64, %a1: f64, %w: f64, %u: f64) -> (f64, f64) {
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %v, %g = zad.tangent @euler_r(%a0, %a1, %w, %one, %u) {activity = ["const", "const", "dup", "const"]} : (f64, f64, f64, f64, f64) -> (f64, f64)
  return %g, %zero : f64, f64
}
func.func @particle_fr(%w0: f64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %w, %u = func.call @w_argmin_fr(%zero, %zero, %w0, %zero) : (f64, f64, f64, f64) -> (f64, f64)
  return %w : f64
}

// ff: d x_0(t_f)^2 / dw in mode f through the Euler loop's mode-f
// gradients of p; the descent's second coordinate stays put (gradient 0).
func.func private @w_gradient_ff(%a0: f64, %a1: f64, %w: f64, %u: f64) -> (f64, f64) {
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %v, %g = zad.tangent @euler_f(%a0, %a1, %w, %one, %u) {activity = ["const", "const", "dup", "const"]} : (f64, f64, f64, f64, f64) -> (f64, f64)
  return %g, %zero : f64, f64
}
func.func @particle_ff(%w0: f64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %w, %u = func.call @w_argmin_ff(%zero, %zero, %w0, %zero) : (f64, f64, f64, f64) -> (f64, f64)
  return %w : f64
}
