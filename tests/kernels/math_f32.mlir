// The math dialect in f32: the f32 variants go to different LLVM intrinsics
// and libm entry points (sinf, erff, cbrtf, atan2f, powf, ...) than f64.
// Expected values from mpmath on the f32-rounded inputs.
//
// RUN: unary_f32 [2.75]
// EXPECT: [0.38166099205233167, -0.9243023786324636, 15.642631884188171, 1.0116009116784799,
// ... 1.6583123951777, 0.9918597245682077, 0.9998993780778803, 1.4010196653276936, 2.75, 2.0,
// ... 1.2220253232109897]
// RUN: unary_f32 [0.3]
// EXPECT: [0.29552021804983797, 0.9553364856027305, 1.3498588236675741, -1.2039727645895069,
// ... 0.5477225683874355, 0.2913126233608736, 0.32862677175271543, 0.6694329589491279, 0.3, 0.0,
// ... 0.29145680541449914]
// RUN: unary_f32 [-1.5]
// EXPECT: [-0.9974949866040544, 0.0707372016677029, 0.22313016014842982, "nan", "nan",
// ... -0.9051482536448664, -0.9661051464753108, -1.1447142425533319, 1.5, -2.0, -0.982793723247329]
// RUN: binary_f32 [1.7, -0.9, 0.25]
// EXPECT: [0.620291693279609, -0.48689920925816055, -1.2800000023841847]
// RUN: binary_f32 [0.5, 3.0, -2.0]
// EXPECT: [0.125, 1.4056476493802699, -0.5]
// RUN: norm_f32 [3.0, 4.5]
// EXPECT: [5.408326913195984]
// RUN: norm_f32 [-12.5, 0.75]
// EXPECT: [12.522479786368194]

func.func @unary_f32(%x: f32) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
  %sin = math.sin %x : f32
  %cos = math.cos %x : f32
  %exp = math.exp %x : f32
  %log = math.log %x : f32
  %sqrt = math.sqrt %x : f32
  %tanh = math.tanh %x : f32
  %erf = math.erf %x : f32
  %cbrt = math.cbrt %x : f32
  %abs = math.absf %x : f32
  %floor = math.floor %x : f32
  %atan = math.atan %x : f32
  return %sin, %cos, %exp, %log, %sqrt, %tanh, %erf, %cbrt, %abs, %floor, %atan
      : f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32
}

func.func @binary_f32(%x: f32, %y: f32, %z: f32) -> (f32, f32, f32) {
  %pow = math.powf %x, %y : f32
  %atan2 = math.atan2 %y, %x : f32
  %fma = math.fma %x, %y, %z : f32
  return %pow, %atan2, %fma : f32, f32, f32
}

// A mixed-precision composite: sqrt(x^2 + y^2) in f32 with the result
// widened to f64, against hypot computed in double.
func.func @norm_f32(%x: f32, %y: f32) -> f64 {
  %xx = arith.mulf %x, %x : f32
  %s = math.fma %y, %y, %xx : f32
  %r = math.sqrt %s : f32
  %w = arith.extf %r : f32 to f64
  return %w : f64
}
