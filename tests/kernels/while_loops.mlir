// scf.while with data-dependent trip counts: Collatz step counting (i64),
// bisection for the root of cos(x) - x with an interval-width stopping test
// (two carried floats plus a counter), and a search with two exit
// conditions (end of the array, or a value above a threshold) where the
// "before" region holds an scf.if that guards the load.
//
// RUN: collatz_steps [27]
// EXPECT: [111, 9232]
// RUN: collatz_steps [1]
// EXPECT: [0, 1]
// RUN: collatz_steps [97]
// EXPECT: [118, 9232]
// RUN: collatz_steps [6171]
// EXPECT: [261, 975400]
// RUN: bisect_cos [0.0, 1.0, 1e-12]
// EXPECT: [0.7390851332152124, 40]
// RUN: bisect_cos [-2.0, 3.0, 1e-06]
// EXPECT: [0.7390852570533752, 23]
// RUN: bisect_cos [0.0, 1.0, 2.0]
// EXPECT: [0.5, 0]
// RUN: first_above [[0.5, 1.25, -3.0, 2.0, 4.75, 9.5, 1.0], 4.5]
// EXPECT: [4, 0.75]
// RUN: first_above [[0.5, 1.25, -3.0, 2.0, 4.75, 9.5, 1.0], 100.0]
// EXPECT: [7, 16.0]
// RUN: first_above [[0.5, 1.25, -3.0, 2.0, 4.75, 9.5, 1.0], 0.0]
// EXPECT: [0, 0.0]
// RUN: first_above [[], 0.0]
// EXPECT: [0, 0.0]

func.func @collatz_steps(%n: i64) -> (i64, i64) {
  %zero = arith.constant 0 : i64
  %one = arith.constant 1 : i64
  %two = arith.constant 2 : i64
  %three = arith.constant 3 : i64
  %r:3 = scf.while (%x = %n, %k = %zero, %peak = %n) : (i64, i64, i64) -> (i64, i64, i64) {
    %go = arith.cmpi ne, %x, %one : i64
    scf.condition(%go) %x, %k, %peak : i64, i64, i64
  } do {
  ^bb0(%x: i64, %k: i64, %peak: i64):
    %bit = arith.andi %x, %one : i64
    %odd = arith.cmpi ne, %bit, %zero : i64
    %half = arith.divsi %x, %two : i64
    %t = arith.muli %x, %three : i64
    %t1 = arith.addi %t, %one : i64
    %next = arith.select %odd, %t1, %half : i64
    %k1 = arith.addi %k, %one : i64
    %p = arith.maxsi %peak, %next : i64
    scf.yield %next, %k1, %p : i64, i64, i64
  }
  return %r#1, %r#2 : i64, i64
}

func.func @bisect_cos(%lo: f64, %hi: f64, %tol: f64) -> (f64, i64) {
  %zero = arith.constant 0 : i64
  %one = arith.constant 1 : i64
  %half = arith.constant 0.5 : f64
  %fzero = arith.constant 0.0 : f64
  %r:3 = scf.while (%a = %lo, %b = %hi, %k = %zero) : (f64, f64, i64) -> (f64, f64, i64) {
    %w = arith.subf %b, %a : f64
    %go = arith.cmpf ogt, %w, %tol : f64
    scf.condition(%go) %a, %b, %k : f64, f64, i64
  } do {
  ^bb0(%a: f64, %b: f64, %k: i64):
    %s = arith.addf %a, %b : f64
    %m = arith.mulf %half, %s : f64
    %cm = math.cos %m : f64
    %fm = arith.subf %cm, %m : f64
    %pos = arith.cmpf ogt, %fm, %fzero : f64
    %a2 = arith.select %pos, %m, %a : f64
    %b2 = arith.select %pos, %b, %m : f64
    %k2 = arith.addi %k, %one : i64
    scf.yield %a2, %b2, %k2 : f64, f64, i64
  }
  %s = arith.addf %r#0, %r#1 : f64
  %mid = arith.mulf %half, %s : f64
  return %mid, %r#2 : f64, i64
}

// The first index i with a[i] > t, or n when there is none; also the sum of
// the elements before it.
func.func @first_above(%a: memref<?xf64>, %t: f64) -> (index, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %r:2 = scf.while (%i = %c0, %s = %zero) : (index, f64) -> (index, f64) {
    %inb = arith.cmpi ult, %i, %n : index
    %go = scf.if %inb -> (i1) {
      %x = memref.load %a[%i] : memref<?xf64>
      %le = arith.cmpf ole, %x, %t : f64
      scf.yield %le : i1
    } else {
      %false = arith.constant false
      scf.yield %false : i1
    }
    scf.condition(%go) %i, %s : index, f64
  } do {
  ^bb0(%i: index, %s: f64):
    %x = memref.load %a[%i] : memref<?xf64>
    %s2 = arith.addf %s, %x : f64
    %i2 = arith.addi %i, %c1 : index
    scf.yield %i2, %s2 : index, f64
  }
  return %r#0, %r#1 : index, f64
}
