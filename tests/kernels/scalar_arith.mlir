// Scalar float arithmetic: arith.addf/subf/mulf/divf/negf/remf, maximumf/
// minimumf/maxnumf, cmpf + select, several scalar results at once, and
// non-finite results (x/0 = inf, remf(x, 0) = nan, maximumf propagates NaN).
// f64 and f32 versions of the same function.
//
// RUN: arith_f64 [7.25, -2.5]
// EXPECT: [4.75, 9.75, -18.125, -2.9, -7.25, 2.25, 7.25, -2.5, -18.125, 2.25]
// RUN: arith_f64 [-1.5, 0.4]
// EXPECT: [-1.1, -1.9, -0.6000000000000001, -3.75, 1.5, -0.29999999999999993,
// ... -0.29999999999999993, -1.5, -1.9, 0.0]
// RUN: arith_f64 [7.25, 0.0]
// EXPECT: [7.25, 7.25, 0.0, "inf", -7.25, "nan", "nan", 0.0, 0.0, 0.0]
// RUN: arith_f32 [0.1, 0.2]
// EXPECT: [0.30000001192092896, -0.10000000149011612, 0.020000001415610313, 0.5,
// ... -0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.10000000149011612,
// ... -0.10000000149011612, 0.10000000149011612]
// RUN: arith_f32 [-3.5, 1.25]
// EXPECT: [-2.25, -4.75, -4.375, -2.799999952316284, 3.5, -1.0, -1.0, -3.5, -4.75, 0.0]
// RUN: compare_f64 [1.0, 2.0]
// EXPECT: [1, 1, 0, 1, 0, 0]
// RUN: compare_f64 [2.0, 2.0]
// EXPECT: [0, 1, 1, 0, 0, 0]
// RUN: compare_f64 [3.0, -1.0]
// EXPECT: [0, 0, 0, 1, 1, 0]
// RUN: compare_f64 [0.0, 0.0]
// EXPECT: [0, 1, 1, 0, 0, 1]

func.func @arith_f64(%a: f64, %b: f64) -> (f64, f64, f64, f64, f64, f64, f64, f64, f64, f64) {
  %add = arith.addf %a, %b : f64
  %sub = arith.subf %a, %b : f64
  %mul = arith.mulf %a, %b : f64
  %div = arith.divf %a, %b : f64
  %neg = arith.negf %a : f64
  %rem = arith.remf %a, %b : f64
  %max = arith.maximumf %a, %rem : f64
  %min = arith.minimumf %a, %b : f64
  %lt = arith.cmpf olt, %a, %b : f64
  %sel = arith.select %lt, %sub, %mul : f64
  %zero = arith.constant 0.0 : f64
  %maxnum = arith.maxnumf %rem, %zero : f64
  return %add, %sub, %mul, %div, %neg, %rem, %max, %min, %sel, %maxnum
      : f64, f64, f64, f64, f64, f64, f64, f64, f64, f64
}

func.func @arith_f32(%a: f32, %b: f32) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
  %add = arith.addf %a, %b : f32
  %sub = arith.subf %a, %b : f32
  %mul = arith.mulf %a, %b : f32
  %div = arith.divf %a, %b : f32
  %neg = arith.negf %a : f32
  %rem = arith.remf %a, %b : f32
  %max = arith.maximumf %a, %rem : f32
  %min = arith.minimumf %a, %b : f32
  %lt = arith.cmpf olt, %a, %b : f32
  %sel = arith.select %lt, %sub, %mul : f32
  %zero = arith.constant 0.0 : f32
  %maxnum = arith.maxnumf %rem, %zero : f32
  return %add, %sub, %mul, %div, %neg, %rem, %max, %min, %sel, %maxnum
      : f32, f32, f32, f32, f32, f32, f32, f32, f32, f32
}

// Comparison predicates as 0/1 integers (ordered and unordered).
func.func @compare_f64(%a: f64, %b: f64) -> (i32, i32, i32, i32, i32, i32) {
  %olt = arith.cmpf olt, %a, %b : f64
  %ole = arith.cmpf ole, %a, %b : f64
  %oeq = arith.cmpf oeq, %a, %b : f64
  %one = arith.cmpf one, %a, %b : f64
  %ogt = arith.cmpf ogt, %a, %b : f64
  %q = arith.divf %a, %b : f64
  %uno = arith.cmpf uno, %q, %q : f64
  %r0 = arith.extui %olt : i1 to i32
  %r1 = arith.extui %ole : i1 to i32
  %r2 = arith.extui %oeq : i1 to i32
  %r3 = arith.extui %one : i1 to i32
  %r4 = arith.extui %ogt : i1 to i32
  %r5 = arith.extui %uno : i1 to i32
  return %r0, %r1, %r2, %r3, %r4, %r5 : i32, i32, i32, i32, i32, i32
}
