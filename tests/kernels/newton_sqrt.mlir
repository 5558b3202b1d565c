// Newton's iteration for sqrt(a) with scf.while: the trip count depends on
// the data (a and the tolerance), the loop carries the iterate and a
// counter, and the "before" region computes the stopping test. The
// iteration count is checked exactly (an independent Python replay of the
// same recurrence), the root against mpmath. f64 and f32 versions.
//
// RUN: newton_sqrt [2.0, 1e-15]
// EXPECT: [1.414213562373095, 5]
// RUN: newton_sqrt [1000000.0, 1e-14]
// EXPECT: [1000.0, 15]
// RUN: newton_sqrt [0.25, 1e-12]
// EXPECT: [0.5000000000000006, 5]
// RUN: newton_sqrt [7.0, 0.001]
// EXPECT: [2.64576704419029, 4]
// RUN: newton_sqrt_f32 [1234.5, 1e-06]
// EXPECT: [35.13545227050781, 9]
// RUN: newton_sqrt_f32 [0.5, 0.0001]
// EXPECT: [0.7071078419685364, 3]
// RUN: newton_sqrt_all [[2.0, 0.25, 100.0, 7.5, 0.0001], 1e-14]
// EXPECT: [35]
// EXPECT-ARG 0: [1.414213562373095, 0.5000000000000006, 10.0, 2.7386127875258306, 0.01]

func.func @newton_sqrt(%a: f64, %tol: f64) -> (f64, i64) {
  %zero = arith.constant 0 : i64
  %one = arith.constant 1 : i64
  %half = arith.constant 0.5 : f64
  %fone = arith.constant 1.0 : f64
  %x0 = arith.maximumf %a, %fone : f64
  %r:2 = scf.while (%x = %x0, %k = %zero) : (f64, i64) -> (f64, i64) {
    %xx = arith.mulf %x, %x : f64
    %res = arith.subf %xx, %a : f64
    %ares = math.absf %res : f64
    %lim = arith.mulf %tol, %a : f64
    %go = arith.cmpf ogt, %ares, %lim : f64
    scf.condition(%go) %x, %k : f64, i64
  } do {
  ^bb0(%x: f64, %k: i64):
    %q = arith.divf %a, %x : f64
    %s = arith.addf %x, %q : f64
    %xn = arith.mulf %half, %s : f64
    %kn = arith.addi %k, %one : i64
    scf.yield %xn, %kn : f64, i64
  }
  return %r#0, %r#1 : f64, i64
}

func.func @newton_sqrt_f32(%a: f32, %tol: f32) -> (f32, i32) {
  %zero = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  %half = arith.constant 0.5 : f32
  %fone = arith.constant 1.0 : f32
  %x0 = arith.maximumf %a, %fone : f32
  %r:2 = scf.while (%x = %x0, %k = %zero) : (f32, i32) -> (f32, i32) {
    %xx = arith.mulf %x, %x : f32
    %res = arith.subf %xx, %a : f32
    %ares = math.absf %res : f32
    %lim = arith.mulf %tol, %a : f32
    %go = arith.cmpf ogt, %ares, %lim : f32
    scf.condition(%go) %x, %k : f32, i32
  } do {
  ^bb0(%x: f32, %k: i32):
    %q = arith.divf %a, %x : f32
    %s = arith.addf %x, %q : f32
    %xn = arith.mulf %half, %s : f32
    %kn = arith.addi %k, %one : i32
    scf.yield %xn, %kn : f32, i32
  }
  return %r#0, %r#1 : f32, i32
}

// sqrt of every element of an array, in place, returning the total number
// of Newton steps taken (scf.while nested in scf.for).
func.func @newton_sqrt_all(%v: memref<?xf64>, %tol: f64) -> i64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %v, %c0 : memref<?xf64>
  %zero = arith.constant 0 : i64
  %total = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (i64) {
    %a = memref.load %v[%i] : memref<?xf64>
    %r, %k = func.call @newton_sqrt(%a, %tol) : (f64, f64) -> (f64, i64)
    memref.store %r, %v[%i] : memref<?xf64>
    %next = arith.addi %acc, %k : i64
    scf.yield %next : i64
  }
  return %total : i64
}
