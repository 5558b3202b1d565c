// The math dialect in f64: transcendental functions (sin, cos, tan, exp,
// exp2, log, log2, log10, tanh, erf, erfc, atan, asin, acos, sinh, cosh),
// algebraic ones (sqrt, rsqrt, cbrt, absf, floor, ceil, round, roundeven,
// trunc, copysign), binary ones (powf, atan2, fpowi) and fma. Some go
// through LLVM intrinsics, others through libm (math-to-libm): both paths
// are checked, including NaN for out-of-domain arguments. Expected values
// from mpmath at 50 digits.
//
// RUN: transcendental [0.6]
// EXPECT: [0.5646424733950354, 0.8253356149096783, 0.6841368083416923, 1.8221188003905089,
// ... 1.515716566510398, -0.5108256237659907, -0.7369655941662062, -0.2218487496163564,
// ... 0.5370495669980353, 0.6038560908479259, 0.3961439091520741, 0.5404195002705842,
// ... 0.6435011087932844, 0.9272952180016123, 0.6366535821482412, 1.1854652182422676]
// RUN: transcendental [-0.35]
// EXPECT: [-0.34289780745545134, 0.9393727128473789, -0.36502849483042454, 0.7046880897187134,
// ... 0.7845840978967508, "nan", "nan", "nan", -0.3363755443363322, -0.3793820535623103,
// ... 1.3793820535623103, -0.33667481938672716, -0.35757110364551026, 1.9283674304404068,
// ... -0.3571897294372719, 1.0618778191559852]
// RUN: transcendental [2.75]
// EXPECT: [0.38166099205233167, -0.9243023786324636, -0.4129178944849325, 15.642631884188171,
// ... 6.727171322029716, 1.0116009116784799, 1.4594316186372973, 0.43933269383026263,
// ... 0.9918597245682077, 0.9998993780778803, 0.00010062192211963683, 1.2220253232109897, "nan",
// ... "nan", 7.789352011490732, 7.853279872697439]
// RUN: algebraic [-2.5]
// EXPECT: ["nan", "nan", -1.3572088082974534, 2.5, -3.0, -2.0, -3.0, -2.0, -2.0, -1.0]
// RUN: algebraic [6.25]
// EXPECT: [2.5, 0.4, 1.8420157493201934, 6.25, 6.0, 7.0, 6.0, 6.0, 6.0, 1.0]
// RUN: algebraic [0.5]
// EXPECT: [0.7071067811865476, 1.4142135623730951, 0.7937005259840998, 0.5, 0.0, 1.0, 1.0, 0.0,
// ... 0.0, 1.0]
// RUN: binary [1.7, -0.9, 5]
// EXPECT: [0.6202917010910389, -0.48689923181126904, 14.198569999999998]
// RUN: binary [2.0, 0.5, -3]
// EXPECT: [1.4142135623730951, 0.24497866312686414, 0.125]
// RUN: binary [-2.0, 3.0, 0]
// EXPECT: [-8.0, 2.158798930342464, 1.0]
// RUN: fused [1.0000000009313226, 0.9999999990686774, -1.0]
// EXPECT: [-8.673617379884035e-19, 0.0]
// TOLERANCE: 0
// RUN: fused [2.5, -1.5, 0.75]
// EXPECT: [-3.0, -3.0]
// TOLERANCE: 0

func.func @transcendental(%x: f64) -> (f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64) {
  %sin = math.sin %x : f64
  %cos = math.cos %x : f64
  %tan = math.tan %x : f64
  %exp = math.exp %x : f64
  %exp2 = math.exp2 %x : f64
  %log = math.log %x : f64
  %log2 = math.log2 %x : f64
  %log10 = math.log10 %x : f64
  %tanh = math.tanh %x : f64
  %erf = math.erf %x : f64
  %erfc = math.erfc %x : f64
  %atan = math.atan %x : f64
  %asin = math.asin %x : f64
  %acos = math.acos %x : f64
  %sinh = math.sinh %x : f64
  %cosh = math.cosh %x : f64
  return %sin, %cos, %tan, %exp, %exp2, %log, %log2, %log10, %tanh, %erf, %erfc, %atan, %asin, %acos, %sinh, %cosh
      : f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64
}

func.func @algebraic(%x: f64) -> (f64, f64, f64, f64, f64, f64, f64, f64, f64, f64) {
  %sqrt = math.sqrt %x : f64
  %rsqrt = math.rsqrt %x : f64
  %cbrt = math.cbrt %x : f64
  %abs = math.absf %x : f64
  %floor = math.floor %x : f64
  %ceil = math.ceil %x : f64
  %round = math.round %x : f64
  %roundeven = math.roundeven %x : f64
  %trunc = math.trunc %x : f64
  %minus = arith.constant -1.0 : f64
  %copysign = math.copysign %minus, %x : f64
  return %sqrt, %rsqrt, %cbrt, %abs, %floor, %ceil, %round, %roundeven, %trunc, %copysign
      : f64, f64, f64, f64, f64, f64, f64, f64, f64, f64
}

func.func @binary(%x: f64, %y: f64, %n: i32) -> (f64, f64, f64) {
  %pow = math.powf %x, %y : f64
  %atan2 = math.atan2 %y, %x : f64
  %powi = math.fpowi %x, %n : f64, i32
  return %pow, %atan2, %powi : f64, f64, f64
}

// fma(x, y, z) rounds once: with x = 1 + 2^-30, y = 1 - 2^-30, z = -1 the
// exact result is -2^-60, while a separate multiply and add gives 0.
func.func @fused(%x: f64, %y: f64, %z: f64) -> (f64, f64) {
  %fma = math.fma %x, %y, %z : f64
  %mul = arith.mulf %x, %y : f64
  %add = arith.addf %mul, %z : f64
  return %fma, %add : f64, f64
}
