// Holomorphic complex functions (exp, expm1, log, log1p, sqrt, rsqrt, sin,
// cos, tan, tanh, pow) of z = a + ib with a > 0, summed, and the real
// result the real part plus twice the imaginary part of the sum.
// GRAD: complex_math
// ARG: scalar 0.4 0.9
// ARG: scalar -0.5 0.5
func.func @complex_math(%a: f64, %b: f64) -> f64 {
  %z = complex.create %a, %b : complex<f64>
  %e = complex.exp %z : complex<f64>
  %em = complex.expm1 %z : complex<f64>
  %l = complex.log %z : complex<f64>
  %lp = complex.log1p %z : complex<f64>
  %s = complex.sqrt %z : complex<f64>
  %rs = complex.rsqrt %z : complex<f64>
  %sn = complex.sin %z : complex<f64>
  %cs = complex.cos %z : complex<f64>
  %tn = complex.tan %z : complex<f64>
  %th = complex.tanh %z : complex<f64>
  %pw = complex.pow %z, %s : complex<f64>
  %u1 = complex.add %e, %em : complex<f64>
  %u2 = complex.add %u1, %l : complex<f64>
  %u3 = complex.add %u2, %lp : complex<f64>
  %u4 = complex.add %u3, %s : complex<f64>
  %u5 = complex.add %u4, %rs : complex<f64>
  %u6 = complex.add %u5, %sn : complex<f64>
  %u7 = complex.add %u6, %cs : complex<f64>
  %u8 = complex.add %u7, %tn : complex<f64>
  %u9 = complex.add %u8, %th : complex<f64>
  %u = complex.add %u9, %pw : complex<f64>
  %re = complex.re %u : complex<f64>
  %im = complex.im %u : complex<f64>
  %two = arith.constant 2.0 : f64
  %im2 = arith.mulf %two, %im : f64
  %f = arith.addf %re, %im2 : f64
  return %f : f64
}
