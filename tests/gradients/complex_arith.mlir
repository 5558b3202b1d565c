// Complex arithmetic on numbers built from real arguments: z = a + ib,
// w = c + id; f = re(u) + im(u) + |u| + arg(u) with
// u = z*w + z/w - (-z) - conj(w) + (1.5 - 0.5i). The gradient of a real
// result with respect to the real and imaginary parts.
// GRAD: complex_arith
// ARG: scalar 0.5 1.5
// ARG: scalar -1 1
// ARG: scalar 0.5 1.5
// ARG: scalar -1 1
func.func @complex_arith(%a: f64, %b: f64, %c: f64, %d: f64) -> f64 {
  %z = complex.create %a, %b : complex<f64>
  %w = complex.create %c, %d : complex<f64>
  %k = complex.constant [1.5 : f64, -0.5 : f64] : complex<f64>
  %p = complex.mul %z, %w : complex<f64>
  %q = complex.div %z, %w : complex<f64>
  %nz = complex.neg %z : complex<f64>
  %cw = complex.conj %w : complex<f64>
  %s1 = complex.add %p, %q : complex<f64>
  %s2 = complex.sub %s1, %nz : complex<f64>
  %s3 = complex.sub %s2, %cw : complex<f64>
  %u = complex.add %s3, %k : complex<f64>
  %re = complex.re %u : complex<f64>
  %im = complex.im %u : complex<f64>
  %abs = complex.abs %u : complex<f64>
  %ang = complex.angle %u : complex<f64>
  %t1 = arith.addf %re, %im : f64
  %t2 = arith.addf %t1, %abs : f64
  %f = arith.addf %t2, %ang : f64
  return %f : f64
}
