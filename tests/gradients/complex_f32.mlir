// complex<f32>: the same rules at single precision (constants and
// promotions of f32 reals).
// GRAD: complex_f32
// ARG: scalar 0.5 1.0
// ARG: scalar -0.5 0.5
// TOLERANCE: 2e-2
// STEP: 1e-2
func.func @complex_f32(%a: f32, %b: f32) -> f32 {
  %z = complex.create %a, %b : complex<f32>
  %e = complex.exp %z : complex<f32>
  %q = complex.mul %e, %z : complex<f32>
  %s = complex.sqrt %q : complex<f32>
  %abs = complex.abs %s : complex<f32>
  %im = complex.im %q : complex<f32>
  %f = arith.addf %abs, %im : f32
  return %f : f32
}
