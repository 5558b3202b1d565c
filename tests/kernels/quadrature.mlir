// Numerical quadrature of f(x) = exp(-x^2) on [a, b] with n subintervals
// (n a dynamic loop bound): the composite trapezoid rule and Simpson's
// rule (scf.if on the parity of the index picks the weight). Small n is
// checked against an independent Python evaluation of the same sums; large
// n against the exact integral sqrt(pi)/2 (erf(b) - erf(a)) with a
// tolerance that matches the rule's error.
//
// RUN: trapezoid [-0.5, 1.5, 7]
// EXPECT: [1.3099928069037343]
// RUN: trapezoid [0.0, 1.0, 1]
// EXPECT: [0.6839397205857212]
// RUN: trapezoid [0.0, 1.0, 1000]
// EXPECT: [0.746824132812427]
// TOLERANCE: 1e-06
// RUN: simpson [-0.5, 1.5, 8]
// EXPECT: [1.3175368171795712]
// RUN: simpson [0.0, 1.0, 1000]
// EXPECT: [0.746824132812427]
// TOLERANCE: 1e-12

func.func private @f(%x: f64) -> f64 {
  %xx = arith.mulf %x, %x : f64
  %m = arith.negf %xx : f64
  %e = math.exp %m : f64
  return %e : f64
}

func.func @trapezoid(%a: f64, %b: f64, %n: index) -> f64 {
  %c1 = arith.constant 1 : index
  %half = arith.constant 0.5 : f64
  %ni = arith.index_cast %n : index to i64
  %nf = arith.sitofp %ni : i64 to f64
  %w = arith.subf %b, %a : f64
  %h = arith.divf %w, %nf : f64
  %fa = func.call @f(%a) : (f64) -> f64
  %fb = func.call @f(%b) : (f64) -> f64
  %ends = arith.addf %fa, %fb : f64
  %s0 = arith.mulf %half, %ends : f64
  %s = scf.for %i = %c1 to %n step %c1 iter_args(%acc = %s0) -> (f64) {
    %ii = arith.index_cast %i : index to i64
    %fi = arith.sitofp %ii : i64 to f64
    %t = arith.mulf %fi, %h : f64
    %x = arith.addf %a, %t : f64
    %y = func.call @f(%x) : (f64) -> f64
    %next = arith.addf %acc, %y : f64
    scf.yield %next : f64
  }
  %r = arith.mulf %h, %s : f64
  return %r : f64
}

// n must be even.
func.func @simpson(%a: f64, %b: f64, %n: index) -> f64 {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c0 = arith.constant 0 : index
  %two = arith.constant 2.0 : f64
  %four = arith.constant 4.0 : f64
  %three = arith.constant 3.0 : f64
  %ni = arith.index_cast %n : index to i64
  %nf = arith.sitofp %ni : i64 to f64
  %w = arith.subf %b, %a : f64
  %h = arith.divf %w, %nf : f64
  %fa = func.call @f(%a) : (f64) -> f64
  %fb = func.call @f(%b) : (f64) -> f64
  %s0 = arith.addf %fa, %fb : f64
  %s = scf.for %i = %c1 to %n step %c1 iter_args(%acc = %s0) -> (f64) {
    %ii = arith.index_cast %i : index to i64
    %fi = arith.sitofp %ii : i64 to f64
    %t = arith.mulf %fi, %h : f64
    %x = arith.addf %a, %t : f64
    %y = func.call @f(%x) : (f64) -> f64
    %par = arith.remui %i, %c2 : index
    %even = arith.cmpi eq, %par, %c0 : index
    %wy = scf.if %even -> (f64) {
      %v = arith.mulf %two, %y : f64
      scf.yield %v : f64
    } else {
      %v = arith.mulf %four, %y : f64
      scf.yield %v : f64
    }
    %next = arith.addf %acc, %wy : f64
    scf.yield %next : f64
  }
  %hs = arith.mulf %h, %s : f64
  %r = arith.divf %hs, %three : f64
  return %r : f64
}
