// exp for f64 in plain arithmetic, so that LLVM inlines and vectorises it
// (libm's exp is a call per element). Accuracy: within 1 ulp of the
// correctly rounded result over the whole range (checked against libm by
// the test suite), subnormal results, overflow to inf and NaN included.
//
// exp(x) = 2^k exp(r), k = round(x / ln 2), r = x - k ln 2 (|r| <= ln2/2,
// Cody-Waite: ln 2 split in a high part exact for |k| < 2^11 and a low
// part), exp(r) by its Taylor polynomial of degree 13 (truncation error
// below 4e-18), 2^k built in the exponent bits in two halves so that
// subnormal and overflowing results come out of the last product.
func.func private @__zad_exp_f64(%x: f64) -> f64 {
  %upper = arith.constant 710.0 : f64
  %lower = arith.constant -746.0 : f64
  %log2e = arith.constant 1.4426950408889634 : f64
  // 1.5 * 2^52: adding it rounds to an integer held in the low bits.
  %shifter = arith.constant 6755399441055744.0 : f64
  %shifter_bits = arith.constant 4843621399236968448 : i64
  %minus_ln2_hi = arith.constant -6.93147180369123816490e-01 : f64
  %minus_ln2_lo = arith.constant -1.90821492927058770002e-10 : f64
  %c13 = arith.constant 1.6059043836821613e-10 : f64
  %c12 = arith.constant 2.08767569878681e-09 : f64
  %c11 = arith.constant 2.505210838544172e-08 : f64
  %c10 = arith.constant 2.755731922398589e-07 : f64
  %c9 = arith.constant 2.7557319223985893e-06 : f64
  %c8 = arith.constant 2.48015873015873e-05 : f64
  %c7 = arith.constant 1.984126984126984e-04 : f64
  %c6 = arith.constant 1.3888888888888889e-03 : f64
  %c5 = arith.constant 8.333333333333333e-03 : f64
  %c4 = arith.constant 4.1666666666666664e-02 : f64
  %c3 = arith.constant 1.6666666666666666e-01 : f64
  %c2 = arith.constant 0.5 : f64
  %one = arith.constant 1.0 : f64
  %bias = arith.constant 1023 : i64
  %c1_i64 = arith.constant 1 : i64
  %c52 = arith.constant 52 : i64

  %below = arith.minnumf %x, %upper : f64
  %clamped = arith.maxnumf %below, %lower : f64
  %shifted = math.fma %clamped, %log2e, %shifter : f64
  %k_f = arith.subf %shifted, %shifter : f64
  %r_hi = math.fma %k_f, %minus_ln2_hi, %clamped : f64
  %r = math.fma %k_f, %minus_ln2_lo, %r_hi : f64

  %p12 = math.fma %c13, %r, %c12 : f64
  %p11 = math.fma %p12, %r, %c11 : f64
  %p10 = math.fma %p11, %r, %c10 : f64
  %p9 = math.fma %p10, %r, %c9 : f64
  %p8 = math.fma %p9, %r, %c8 : f64
  %p7 = math.fma %p8, %r, %c7 : f64
  %p6 = math.fma %p7, %r, %c6 : f64
  %p5 = math.fma %p6, %r, %c5 : f64
  %p4 = math.fma %p5, %r, %c4 : f64
  %p3 = math.fma %p4, %r, %c3 : f64
  %p2 = math.fma %p3, %r, %c2 : f64
  %p1 = math.fma %p2, %r, %one : f64
  %p0 = math.fma %p1, %r, %one : f64

  %bits = arith.bitcast %shifted : f64 to i64
  %k = arith.subi %bits, %shifter_bits : i64
  %k_half = arith.shrsi %k, %c1_i64 : i64
  %k_rest = arith.subi %k, %k_half : i64
  %e_half = arith.addi %k_half, %bias : i64
  %e_rest = arith.addi %k_rest, %bias : i64
  %scale_half_bits = arith.shli %e_half, %c52 : i64
  %scale_rest_bits = arith.shli %e_rest, %c52 : i64
  %scale_half = arith.bitcast %scale_half_bits : i64 to f64
  %scale_rest = arith.bitcast %scale_rest_bits : i64 to f64
  %scaled = arith.mulf %p0, %scale_half : f64
  %y = arith.mulf %scaled, %scale_rest : f64
  %nan = arith.cmpf uno, %x, %x : f64
  %result = arith.select %nan, %x, %y : f64
  return %result : f64
}
