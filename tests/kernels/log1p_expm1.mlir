// Relative accuracy of math.log1p and math.expm1 for small arguments,
// where log(1 + x) and exp(x) - 1 lose most of their digits to
// cancellation. The kernel returns log1p(x) / x and expm1(x) / x, so that
// the (absolute-below-1) tolerance measures relative error.
//
// RUN: relative_log1p_expm1 [1e-10]
// EXPECT: [0.99999999995, 1.00000000005]
// RUN: relative_log1p_expm1 [1e-07]
// EXPECT: [0.9999999500000033, 1.0000000500000017]
// RUN: relative_log1p_expm1 [0.75]
// EXPECT: [0.7461543839138969, 1.4893333554835662]

func.func @relative_log1p_expm1(%x: f64) -> (f64, f64) {
  %l = math.log1p %x : f64
  %e = math.expm1 %x : f64
  %rl = arith.divf %l, %x : f64
  %re = arith.divf %e, %x : f64
  return %rl, %re : f64, f64
}
