// sin, cos, log and tanh for f64 in plain arithmetic, for GPU code: zad
// compiles CUDA kernels without NVIDIA's libdevice, whose functions these
// replace on the CUDA target (src/lower/gpu_math.rs; f32 operands are
// widened to f64 and the result narrowed). Accuracy,
// checked against libm by the test suite: within 2 ulp of libm's result;
// sin and cos for |x| <= 2^50 (about 1.1e15), beyond which they return NaN
// rather than an inaccurate value.
//
// The polynomials are Taylor polynomials (exact rational coefficients,
// rounded once) of a degree at which the truncation error is below 1e-17
// relative over the reduced range.

// x = n pi/2 + r, |r| <= pi/4, r as an unevaluated sum r_hi + r_lo, and the
// quadrant n mod 4. pi/2 is split in three doubles (P1 + P2 + P3 agrees
// with it to 160 bits): x - n P1 is exact (it is a multiple of ulp(x) below
// 1, so fma computes it without rounding); n P2 is formed exactly with fma
// and subtracted with an error-free sum; n P3 is below r's last bit.
// Valid while n fits the rounding shifter (|x| < 2^51 pi/2).
func.func private @__zad_reduce_half_pi_f64(%x: f64) -> (f64, f64, i64) {
  %two_over_pi = arith.constant 0.6366197723675814 : f64
  %shifter = arith.constant 6755399441055744.0 : f64
  %p1 = arith.constant 1.5707963267948966 : f64
  %p2 = arith.constant 6.123233995736766e-17 : f64
  %p3 = arith.constant -1.4973849048591698e-33 : f64
  %three = arith.constant 3 : i64
  %shifted = math.fma %x, %two_over_pi, %shifter : f64
  %n = arith.subf %shifted, %shifter : f64
  %bits = arith.bitcast %shifted : f64 to i64
  %quadrant = arith.andi %bits, %three : i64
  %minus_n = arith.negf %n : f64
  %r1 = math.fma %minus_n, %p1, %x : f64
  // t_hi + t_lo = n P2 exactly.
  %t_hi = arith.mulf %n, %p2 : f64
  %minus_t_hi = arith.negf %t_hi : f64
  %t_lo = math.fma %n, %p2, %minus_t_hi : f64
  // s + e = r1 - t_hi exactly (two-sum).
  %s = arith.subf %r1, %t_hi : f64
  %s_b = arith.subf %s, %r1 : f64
  %s_a = arith.subf %s, %s_b : f64
  %e_a = arith.subf %r1, %s_a : f64
  %e_b = arith.subf %minus_t_hi, %s_b : f64
  %e = arith.addf %e_a, %e_b : f64
  %n_p3 = arith.mulf %n, %p3 : f64
  %e1 = arith.subf %e, %t_lo : f64
  %low = arith.subf %e1, %n_p3 : f64
  %r_hi = arith.addf %s, %low : f64
  %r_hi_back = arith.subf %r_hi, %s : f64
  %r_lo = arith.subf %low, %r_hi_back : f64
  return %r_hi, %r_lo, %quadrant : f64, f64, i64
}


// sin(r_hi + r_lo) for |r_hi| <= pi/4: r + r^3 S(r^2), degree 19; r_lo's
// share is r_lo cos(r_hi), to first order r_lo (1 - r^2/2).
func.func private @__zad_sin_kernel_f64(%r: f64, %r_lo: f64) -> f64 {
  %half = arith.constant 0.5 : f64
  %one = arith.constant 1.0 : f64
  %z = arith.mulf %r, %r : f64
  %s_c0 = arith.constant -0.16666666666666666 : f64
  %s_c1 = arith.constant 0.008333333333333333 : f64
  %s_c2 = arith.constant -0.0001984126984126984 : f64
  %s_c3 = arith.constant 2.7557319223985893e-06 : f64
  %s_c4 = arith.constant -2.505210838544172e-08 : f64
  %s_c5 = arith.constant 1.6059043836821613e-10 : f64
  %s_c6 = arith.constant -7.647163731819816e-13 : f64
  %s_c7 = arith.constant 2.8114572543455206e-15 : f64
  %s_c8 = arith.constant -8.22063524662433e-18 : f64
  %s_h7 = math.fma %s_c8, %z, %s_c7 : f64
  %s_h6 = math.fma %s_h7, %z, %s_c6 : f64
  %s_h5 = math.fma %s_h6, %z, %s_c5 : f64
  %s_h4 = math.fma %s_h5, %z, %s_c4 : f64
  %s_h3 = math.fma %s_h4, %z, %s_c3 : f64
  %s_h2 = math.fma %s_h3, %z, %s_c2 : f64
  %s_h1 = math.fma %s_h2, %z, %s_c1 : f64
  %s_h0 = math.fma %s_h1, %z, %s_c0 : f64
  %r3 = arith.mulf %r, %z : f64
  %odd = arith.mulf %r3, %s_h0 : f64
  %half_z = arith.mulf %half, %z : f64
  %cos_lo = arith.subf %one, %half_z : f64
  %low = math.fma %r_lo, %cos_lo, %odd : f64
  %result = arith.addf %r, %low : f64
  return %result : f64
}

// cos(r_hi + r_lo) for |r_hi| <= pi/4: 1 - r^2/2 + r^4 Q(r^2), degree 20,
// with 1 - r^2/2 summed so that its rounding error is kept; r_lo's share
// is -r_lo sin(r_hi), to first order -r_lo r.
func.func private @__zad_cos_kernel_f64(%r: f64, %r_lo: f64) -> f64 {
  %half = arith.constant 0.5 : f64
  %one = arith.constant 1.0 : f64
  %z = arith.mulf %r, %r : f64
  %q_c0 = arith.constant 0.041666666666666664 : f64
  %q_c1 = arith.constant -0.001388888888888889 : f64
  %q_c2 = arith.constant 2.48015873015873e-05 : f64
  %q_c3 = arith.constant -2.755731922398589e-07 : f64
  %q_c4 = arith.constant 2.08767569878681e-09 : f64
  %q_c5 = arith.constant -1.1470745597729725e-11 : f64
  %q_c6 = arith.constant 4.779477332387385e-14 : f64
  %q_c7 = arith.constant -1.5619206968586225e-16 : f64
  %q_c8 = arith.constant 4.110317623312165e-19 : f64
  %q_h7 = math.fma %q_c8, %z, %q_c7 : f64
  %q_h6 = math.fma %q_h7, %z, %q_c6 : f64
  %q_h5 = math.fma %q_h6, %z, %q_c5 : f64
  %q_h4 = math.fma %q_h5, %z, %q_c4 : f64
  %q_h3 = math.fma %q_h4, %z, %q_c3 : f64
  %q_h2 = math.fma %q_h3, %z, %q_c2 : f64
  %q_h1 = math.fma %q_h2, %z, %q_c1 : f64
  %q_h0 = math.fma %q_h1, %z, %q_c0 : f64
  %z2 = arith.mulf %z, %z : f64
  %even = arith.mulf %z2, %q_h0 : f64
  %half_z = arith.mulf %half, %z : f64
  %w = arith.subf %one, %half_z : f64
  %w_back = arith.subf %one, %w : f64
  %w_error = arith.subf %w_back, %half_z : f64
  %r_r_lo = arith.mulf %r, %r_lo : f64
  %tail = arith.subf %even, %r_r_lo : f64
  %correction = arith.addf %w_error, %tail : f64
  %result = arith.addf %w, %correction : f64
  return %result : f64
}

// sin(x): the kernel of the quadrant, signed.
func.func private @__zad_sin_f64(%x: f64) -> f64 {
  %one_i = arith.constant 1 : i64
  %zero_i = arith.constant 0 : i64
  %huge = arith.constant 1125899906842624.0 : f64
  %nan = arith.constant 0x7FF8000000000000 : f64
  %r, %r_lo, %quadrant = func.call @__zad_reduce_half_pi_f64(%x) : (f64) -> (f64, f64, i64)
  %sin_r = func.call @__zad_sin_kernel_f64(%r, %r_lo) : (f64, f64) -> f64
  %cos_r = func.call @__zad_cos_kernel_f64(%r, %r_lo) : (f64, f64) -> f64
  %odd_bit = arith.andi %quadrant, %one_i : i64
  %odd = arith.cmpi ne, %odd_bit, %zero_i : i64
  // n mod 4 = 0: sin r, 1: cos r, 2: -sin r, 3: -cos r.
  %two_i = arith.constant 2 : i64
  %value = arith.select %odd, %cos_r, %sin_r : f64
  %negative_bit = arith.andi %quadrant, %two_i : i64
  %negative = arith.cmpi ne, %negative_bit, %zero_i : i64
  %negated = arith.negf %value : f64
  %signed = arith.select %negative, %negated, %value : f64
  %magnitude = math.absf %x : f64
  %too_large = arith.cmpf ogt, %magnitude, %huge : f64
  %in_range = arith.select %too_large, %nan, %signed : f64
  // sin x = x to the last bit below 2^-28 (and keeps the sign of zero).
  %tiny = arith.constant 3.725290298461914e-09 : f64
  %small = arith.cmpf olt, %magnitude, %tiny : f64
  %result = arith.select %small, %x, %in_range : f64
  return %result : f64
}

// cos(x): the kernel of the quadrant, signed.
func.func private @__zad_cos_f64(%x: f64) -> f64 {
  %one_i = arith.constant 1 : i64
  %zero_i = arith.constant 0 : i64
  %huge = arith.constant 1125899906842624.0 : f64
  %nan = arith.constant 0x7FF8000000000000 : f64
  %r, %r_lo, %quadrant = func.call @__zad_reduce_half_pi_f64(%x) : (f64) -> (f64, f64, i64)
  %sin_r = func.call @__zad_sin_kernel_f64(%r, %r_lo) : (f64, f64) -> f64
  %cos_r = func.call @__zad_cos_kernel_f64(%r, %r_lo) : (f64, f64) -> f64
  %odd_bit = arith.andi %quadrant, %one_i : i64
  %odd = arith.cmpi ne, %odd_bit, %zero_i : i64
  // n mod 4 = 0: cos r, 1: -sin r, 2: -cos r, 3: sin r.
  %value = arith.select %odd, %sin_r, %cos_r : f64
  %next = arith.addi %quadrant, %one_i : i64
  %two_i = arith.constant 2 : i64
  %negative_bit = arith.andi %next, %two_i : i64
  %negative = arith.cmpi ne, %negative_bit, %zero_i : i64
  %negated = arith.negf %value : f64
  %signed = arith.select %negative, %negated, %value : f64
  %magnitude = math.absf %x : f64
  %too_large = arith.cmpf ogt, %magnitude, %huge : f64
  %in_range = arith.select %too_large, %nan, %signed : f64
  return %in_range : f64
}

// log(x): x = 2^k m with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact),
// s = f / (2 + f), log m = 2 atanh s = f - (f^2/2 - s (f^2/2 + R(s^2))),
// R(z) = sum 2 z^j / (2j + 1), degree 24 in s; then + k ln 2 (ln 2 in a
// high part exact for |k| < 2^11 and a low part). Subnormals are scaled by
// 2^54 first.
func.func private @__zad_log_f64(%x: f64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %half = arith.constant 0.5 : f64
  %one = arith.constant 1.0 : f64
  %two = arith.constant 2.0 : f64
  %smallest_normal = arith.constant 2.2250738585072014e-308 : f64
  %two_54 = arith.constant 18014398509481984.0 : f64
  %sqrt2 = arith.constant 1.4142135623730951 : f64
  %ln2_hi = arith.constant 6.93147180369123816490e-01 : f64
  %ln2_lo = arith.constant 1.90821492927058770002e-10 : f64
  %inf = arith.constant 0x7FF0000000000000 : f64
  %minus_inf = arith.constant 0xFFF0000000000000 : f64
  %nan = arith.constant 0x7FF8000000000000 : f64
  %c0_i = arith.constant 0 : i64
  %c1_i = arith.constant 1 : i64
  %minus_54 = arith.constant -54 : i64
  %bias = arith.constant 1023 : i64
  %c52 = arith.constant 52 : i64
  %exponent_mask = arith.constant 2047 : i64
  %mantissa_mask = arith.constant 4503599627370495 : i64
  %one_bits = arith.constant 4607182418800017408 : i64
  %subnormal = arith.cmpf olt, %x, %smallest_normal : f64
  %scaled = arith.mulf %x, %two_54 : f64
  %normal = arith.select %subnormal, %scaled, %x : f64
  %k_scale = arith.select %subnormal, %minus_54, %c0_i : i64
  %bits = arith.bitcast %normal : f64 to i64
  %shifted = arith.shrui %bits, %c52 : i64
  %biased = arith.andi %shifted, %exponent_mask : i64
  %mantissa = arith.andi %bits, %mantissa_mask : i64
  %m_bits = arith.ori %mantissa, %one_bits : i64
  %m_wide = arith.bitcast %m_bits : i64 to f64
  %above = arith.cmpf ogt, %m_wide, %sqrt2 : f64
  %m_half = arith.mulf %m_wide, %half : f64
  %m = arith.select %above, %m_half, %m_wide : f64
  %k_above = arith.select %above, %c1_i, %c0_i : i64
  %k0 = arith.subi %biased, %bias : i64
  %k1 = arith.addi %k0, %k_scale : i64
  %k = arith.addi %k1, %k_above : i64
  %dk = arith.sitofp %k : i64 to f64
  %f = arith.subf %m, %one : f64
  %two_f = arith.addf %two, %f : f64
  %s = arith.divf %f, %two_f : f64
  %z = arith.mulf %s, %s : f64
  %l_c0 = arith.constant 0.6666666666666666 : f64
  %l_c1 = arith.constant 0.4 : f64
  %l_c2 = arith.constant 0.2857142857142857 : f64
  %l_c3 = arith.constant 0.2222222222222222 : f64
  %l_c4 = arith.constant 0.18181818181818182 : f64
  %l_c5 = arith.constant 0.15384615384615385 : f64
  %l_c6 = arith.constant 0.13333333333333333 : f64
  %l_c7 = arith.constant 0.11764705882352941 : f64
  %l_c8 = arith.constant 0.10526315789473684 : f64
  %l_c9 = arith.constant 0.09523809523809523 : f64
  %l_c10 = arith.constant 0.08695652173913043 : f64
  %l_c11 = arith.constant 0.08 : f64
  %l_h10 = math.fma %l_c11, %z, %l_c10 : f64
  %l_h9 = math.fma %l_h10, %z, %l_c9 : f64
  %l_h8 = math.fma %l_h9, %z, %l_c8 : f64
  %l_h7 = math.fma %l_h8, %z, %l_c7 : f64
  %l_h6 = math.fma %l_h7, %z, %l_c6 : f64
  %l_h5 = math.fma %l_h6, %z, %l_c5 : f64
  %l_h4 = math.fma %l_h5, %z, %l_c4 : f64
  %l_h3 = math.fma %l_h4, %z, %l_c3 : f64
  %l_h2 = math.fma %l_h3, %z, %l_c2 : f64
  %l_h1 = math.fma %l_h2, %z, %l_c1 : f64
  %l_h0 = math.fma %l_h1, %z, %l_c0 : f64
  %big_r = arith.mulf %z, %l_h0 : f64
  %f_f = arith.mulf %f, %f : f64
  %hfsq = arith.mulf %half, %f_f : f64
  %hfsq_r = arith.addf %hfsq, %big_r : f64
  %s_part = arith.mulf %s, %hfsq_r : f64
  %k_lo = arith.mulf %dk, %ln2_lo : f64
  %low = arith.addf %s_part, %k_lo : f64
  %inner = arith.subf %hfsq, %low : f64
  %log_m = arith.subf %inner, %f : f64
  %k_hi = arith.mulf %dk, %ln2_hi : f64
  %finite = arith.subf %k_hi, %log_m : f64
  // log 0 = -inf, log +inf = +inf, log of a negative number or NaN = NaN.
  %is_zero = arith.cmpf oeq, %x, %zero : f64
  %with_zero = arith.select %is_zero, %minus_inf, %finite : f64
  %is_inf = arith.cmpf oeq, %x, %inf : f64
  %with_inf = arith.select %is_inf, %inf, %with_zero : f64
  %invalid = arith.cmpf ult, %x, %zero : f64
  %result = arith.select %invalid, %nan, %with_inf : f64
  return %result : f64
}

// tanh(x): below |x| = 0.55 its Taylor polynomial, x + x^3 T(x^2) (degree
// 39); above, 1 - 2 / (exp(2|x|) + 1) with the sign of x (no cancellation:
// tanh 0.55 = 0.5).
func.func private @__zad_tanh_f64(%x: f64) -> f64 {
  %one = arith.constant 1.0 : f64
  %two = arith.constant 2.0 : f64
  %switch = arith.constant 0.55 : f64
  %zero = arith.constant 0.0 : f64
  %z = arith.mulf %x, %x : f64
  %t_c0 = arith.constant -0.3333333333333333 : f64
  %t_c1 = arith.constant 0.13333333333333333 : f64
  %t_c2 = arith.constant -0.05396825396825397 : f64
  %t_c3 = arith.constant 0.021869488536155203 : f64
  %t_c4 = arith.constant -0.008863235529902197 : f64
  %t_c5 = arith.constant 0.003592128036572481 : f64
  %t_c6 = arith.constant -0.0014558343870513183 : f64
  %t_c7 = arith.constant 0.000590027440945586 : f64
  %t_c8 = arith.constant -0.00023912911424355248 : f64
  %t_c9 = arith.constant 9.691537956929451e-05 : f64
  %t_c10 = arith.constant -3.927832388331683e-05 : f64
  %t_c11 = arith.constant 1.5918905069328964e-05 : f64
  %t_c12 = arith.constant -6.451689215655431e-06 : f64
  %t_c13 = arith.constant 2.6147711512907546e-06 : f64
  %t_c14 = arith.constant -1.0597268320104654e-06 : f64
  %t_c15 = arith.constant 4.294911078273806e-07 : f64
  %t_c16 = arith.constant -1.7406618963571648e-07 : f64
  %t_c17 = arith.constant 7.054636946400968e-08 : f64
  %t_c18 = arith.constant -2.859136662305254e-08 : f64
  %t_h17 = math.fma %t_c18, %z, %t_c17 : f64
  %t_h16 = math.fma %t_h17, %z, %t_c16 : f64
  %t_h15 = math.fma %t_h16, %z, %t_c15 : f64
  %t_h14 = math.fma %t_h15, %z, %t_c14 : f64
  %t_h13 = math.fma %t_h14, %z, %t_c13 : f64
  %t_h12 = math.fma %t_h13, %z, %t_c12 : f64
  %t_h11 = math.fma %t_h12, %z, %t_c11 : f64
  %t_h10 = math.fma %t_h11, %z, %t_c10 : f64
  %t_h9 = math.fma %t_h10, %z, %t_c9 : f64
  %t_h8 = math.fma %t_h9, %z, %t_c8 : f64
  %t_h7 = math.fma %t_h8, %z, %t_c7 : f64
  %t_h6 = math.fma %t_h7, %z, %t_c6 : f64
  %t_h5 = math.fma %t_h6, %z, %t_c5 : f64
  %t_h4 = math.fma %t_h5, %z, %t_c4 : f64
  %t_h3 = math.fma %t_h4, %z, %t_c3 : f64
  %t_h2 = math.fma %t_h3, %z, %t_c2 : f64
  %t_h1 = math.fma %t_h2, %z, %t_c1 : f64
  %t_h0 = math.fma %t_h1, %z, %t_c0 : f64
  %x3 = arith.mulf %x, %z : f64
  %series = math.fma %x3, %t_h0, %x : f64
  %magnitude = math.absf %x : f64
  %twice = arith.mulf %two, %magnitude : f64
  %e = func.call @__zad_exp_f64(%twice) : (f64) -> f64
  %e_1 = arith.addf %e, %one : f64
  %ratio = arith.divf %two, %e_1 : f64
  %positive = arith.subf %one, %ratio : f64
  %negated = arith.negf %positive : f64
  %is_negative = arith.cmpf olt, %x, %zero : f64
  %signed = arith.select %is_negative, %negated, %positive : f64
  %small = arith.cmpf olt, %magnitude, %switch : f64
  %result = arith.select %small, %series, %signed : f64
  return %result : f64
}
