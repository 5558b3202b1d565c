// Half-precision values inside an f32 kernel (issue 9, class 15): f16
// iterates carried by an scf.while (so they are taped: a <- a/2 + sin(a)/4)
// and a bf16 exp (scaled down).
// The primal is computed in 16-bit floats, so the finite difference needs
// a large step and a loose tolerance.
// GRAD: f
// ARG: scalar 0.5 1.0
// ARG: index 3
// STEP: 2e-2
// TOLERANCE: 5e-2
func.func @f(%x32: f32, %n: index) -> f32 {
  %x = arith.truncf %x32 : f32 to f16
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r:2 = scf.while (%a = %x, %i = %c0) : (f16, index) -> (f16, index) {
    %go = arith.cmpi slt, %i, %n : index
    scf.condition(%go) %a, %i : f16, index
  } do {
  ^bb0(%a2: f16, %i2: index):
    %half = arith.constant 0.5 : f16
    %quarter = arith.constant 0.25 : f16
    %s = math.sin %a2 : f16
    %t = arith.mulf %s, %quarter : f16
    %h = arith.mulf %a2, %half : f16
    %u = arith.addf %t, %h : f16
    %j = arith.addi %i2, %c1 : index
    scf.yield %u, %j : f16, index
  }
  %b = arith.truncf %x32 : f32 to bf16
  %e = math.exp %b : bf16
  %e32 = arith.extf %e : bf16 to f32
  // bf16 has 8 significant bits: scaled down, its rounding does not swamp
  // the difference quotient.
  %small = arith.constant 0.05 : f32
  %es = arith.mulf %e32, %small : f32
  %o = arith.extf %r#0 : f16 to f32
  %y = arith.addf %o, %es : f32
  return %y : f32
}
