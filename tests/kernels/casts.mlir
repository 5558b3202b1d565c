// Casts: arith.sitofp, fptosi (truncates toward zero), uitofp, extf, truncf
// (f64 -> f32 rounding must be visible: results are checked with a tight
// tolerance), index_cast / index_castui, extsi / extui / trunci.
//
// RUN: float_casts [-3.7, -123456, 16777217]
// EXPECT: [-123456.0, -3, -3, -3.700000047683716, -3.700000047683716, -4.7683715642676816e-08,
// ... 16777216.0]
// TOLERANCE: 0
// RUN: float_casts [0.1, 7, 9007199254740993]
// EXPECT: [7.0, 0, 0, 0.10000000149011612, 0.10000000149011612, 1.4901161138336505e-09,
// ... 9007199254740992.0]
// TOLERANCE: 0
// RUN: int_casts [-7, 8589934597, -42]
// EXPECT: [-7, 4294967289, 5, 8589934597, -42, 4294967289, 4294967289.0]
// RUN: int_casts [123, -1, 5]
// EXPECT: [123, 123, -1, -1, 5, 123, 123.0]
// RUN: f32_accumulate [0.1, 10]
// EXPECT: [1.0000001192092896, 1.0000001192092896]
// TOLERANCE: 0
// RUN: f32_accumulate [0.1, 1000]
// EXPECT: [99.9990463256836, 99.9990463256836]
// TOLERANCE: 0
// RUN: f32_accumulate [1.5, 0]
// EXPECT: [0.0, 0.0]
// TOLERANCE: 0

func.func @float_casts(%x: f64, %n: i32, %m: i64) -> (f64, i32, i64, f32, f64, f64, f32) {
  %n_f = arith.sitofp %n : i32 to f64
  %x_i32 = arith.fptosi %x : f64 to i32
  %x_i64 = arith.fptosi %x : f64 to i64
  %x_f32 = arith.truncf %x : f64 to f32
  %back = arith.extf %x_f32 : f32 to f64
  // rounding error of truncf, computed in f64: exactly representable
  %err = arith.subf %back, %x : f64
  %m_f32 = arith.sitofp %m : i64 to f32
  return %n_f, %x_i32, %x_i64, %x_f32, %back, %err, %m_f32 : f64, i32, i64, f32, f64, f64, f32
}

func.func @int_casts(%n: i32, %m: i64, %i: index) -> (i64, i64, i32, index, i64, i64, f64) {
  %sext = arith.extsi %n : i32 to i64
  %zext = arith.extui %n : i32 to i64
  %trunc = arith.trunci %m : i64 to i32
  %m_idx = arith.index_cast %m : i64 to index
  %i_i64 = arith.index_cast %i : index to i64
  %n_idx = arith.index_castui %n : i32 to index
  %n_idx_i64 = arith.index_cast %n_idx : index to i64
  %u = arith.uitofp %n : i32 to f64
  return %sext, %zext, %trunc, %m_idx, %i_i64, %n_idx_i64, %u : i64, i64, i32, index, i64, i64, f64
}

// f32 arithmetic widened for an f64 result: the sum of f32(0.1) ten times in
// f32 differs from 1.0 by a known rounding pattern.
func.func @f32_accumulate(%x: f64, %n: index) -> (f32, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %xs = arith.truncf %x : f64 to f32
  %s = scf.for %k = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %next = arith.addf %acc, %xs : f32
    scf.yield %next : f32
  }
  %wide = arith.extf %s : f32 to f64
  return %s, %wide : f32, f64
}
